"""Rule plot_main_figure: the composite figure with panel letters (signature scores if given)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import save_figure
    from resistseq.signature_figures import plot_main_figure
    from resistseq.validation import design_variables, read_sample_sheet

    params = snakemake.params
    groups = params.groups
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    outliers = pd.read_csv(snakemake.input.outliers, sep="\t", dtype={"sample": str})
    covariates = [name for name in design_variables(params.design) if name != groups["variable"]]
    scores = pd.read_csv(snakemake.input.scores, sep="\t", dtype={"sample": str})
    figure = plot_main_figure(
        vst=pd.read_csv(snakemake.input.vst, sep="\t", index_col="gene_id", dtype={"gene_id": str}),
        samples=samples,
        colour_by=groups["variable"],
        levels=groups["levels"],
        results=pd.read_csv(snakemake.input.de, sep="\t", dtype={"gene_id": str, "gene_name": str}),
        running=pd.read_csv(snakemake.input.running, sep="\t"),
        gsea=pd.read_csv(snakemake.input.table, sep="\t"),
        annotation=pd.read_csv(snakemake.input.annotation, sep="\t", dtype=str, keep_default_na=False),
        marker_groups=params.marker_genes,
        gsea_sets=params.gsea_sets,
        contrast_label=snakemake.wildcards.contrast,
        alpha=params.alpha,
        lfc_threshold=params.lfc_threshold,
        label_genes=params.label_genes,
        flagged=outliers.loc[outliers["flagged"], "sample"].tolist(),
        shape_by=covariates[0] if covariates else None,
        scores=scores,
        score_method=params.score_method,
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
