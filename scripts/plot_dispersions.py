"""Rule plot_dispersions: gene-wise, trend and final dispersion estimates of one contrast's fit."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import save_figure
    from resistseq.qc import plot_dispersions
    from resistseq.tables import read_gene_table

    dispersions = read_gene_table(snakemake.input.dispersions)
    figure = plot_dispersions(dispersions, snakemake.wildcards.contrast)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
