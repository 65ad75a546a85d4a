"""Rule plot_volcano: volcano plot of one contrast."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import plot_volcano, save_figure
    from resistseq.tables import read_gene_table

    results = read_gene_table(snakemake.input.de)
    figure = plot_volcano(
        results,
        snakemake.wildcards.contrast,
        snakemake.params.alpha,
        snakemake.params.lfc_threshold,
        snakemake.params.label_genes,
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
