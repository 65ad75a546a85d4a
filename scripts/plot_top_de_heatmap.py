"""Rule plot_top_de_heatmap: VST z-scores of one contrast's top DE genes, samples annotated by group."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.de_figures import plot_top_de_heatmap
    from resistseq.plots import save_figure
    from resistseq.validation import read_sample_sheet

    results = pd.read_csv(snakemake.input.de, sep="\t", dtype={"gene_id": str, "gene_name": str})
    vst = pd.read_csv(snakemake.input.vst, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    groups = snakemake.params.groups
    figure = plot_top_de_heatmap(
        results,
        vst,
        samples,
        groups["variable"],
        groups["levels"],
        snakemake.wildcards.contrast,
        snakemake.params.top,
        snakemake.params.alpha,
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
