"""Rule plot_top_de_heatmap: VST z-scores of one contrast's top DE genes, samples annotated by group."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.de_figures import plot_top_de_heatmap
    from resistseq.plots import save_figure
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix, read_gene_table

    results = read_gene_table(snakemake.input.de)
    vst = read_gene_matrix(snakemake.input.vst)
    samples = indexed_sample_sheet(snakemake.input.sheet)
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
