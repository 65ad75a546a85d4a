"""Rule plot_overlap: UpSet-style figure of shared and contrast-specific DE genes and enriched sets."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.overlap import plot_upset
    from resistseq.plots import save_figure

    names = snakemake.params.contrasts
    genes = pd.read_csv(snakemake.input.genes, sep="\t", keep_default_na=False, na_values=["NA"])
    sets = pd.read_csv(snakemake.input.genesets, sep="\t", keep_default_na=False, na_values=["NA"])
    title = f"{snakemake.wildcards.group}: significant at {snakemake.params.alpha} in each contrast"
    figure = plot_upset({"DE genes": (genes, names), "Gene sets": (sets, names)}, title)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
