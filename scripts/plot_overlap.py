"""Rule plot_overlap: UpSet-style figure of shared and contrast-specific DE genes and enriched sets."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.overlap import plot_upset
    from resistseq.plots import save_figure
    from resistseq.tables import read_overlap_table

    names = snakemake.params.contrasts
    genes = read_overlap_table(snakemake.input.genes)
    sets = read_overlap_table(snakemake.input.genesets)
    title = f"{snakemake.wildcards.group}: significant at {snakemake.params.alpha} in each contrast"
    figure = plot_upset({"DE genes": (genes, names), "Gene sets": (sets, names)}, title)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
