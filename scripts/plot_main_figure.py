"""Rule plot_main_figure: the composite figure with panel letters (signature scores if given)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.contrasts import design_variables
    from resistseq.plots import save_figure
    from resistseq.signature_figures import plot_main_figure
    from resistseq.tables import (
        indexed_sample_sheet,
        read_annotation,
        read_enrichment_table,
        read_gene_matrix,
        read_gene_table,
        read_running_scores,
        read_sample_table,
    )

    params = snakemake.params
    groups = params.groups
    samples = indexed_sample_sheet(snakemake.input.sheet)
    outliers = read_sample_table(snakemake.input.outliers)
    covariates = [name for name in design_variables(params.design) if name != groups["variable"]]
    scores = read_sample_table(snakemake.input.scores)
    figure = plot_main_figure(
        vst=read_gene_matrix(snakemake.input.vst),
        samples=samples,
        colour_by=groups["variable"],
        levels=groups["levels"],
        results=read_gene_table(snakemake.input.de),
        running=read_running_scores(snakemake.input.running),
        gsea=read_enrichment_table(snakemake.input.table),
        annotation=read_annotation(snakemake.input.annotation),
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
        score_sets_limit=params.score_sets,
        score_sets_kept=params.plot_sets,
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
