"""Rule plot_enrichment_dots: dot plot of one contrast's top enriched gene sets (NES, FDR, size)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.de_figures import plot_enrichment_dots
    from resistseq.plots import save_figure
    from resistseq.tables import read_enrichment_table

    gsea = read_enrichment_table(snakemake.input.table)
    figure = plot_enrichment_dots(gsea, snakemake.wildcards.contrast, snakemake.params.top, fdr=snakemake.params.fdr)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
