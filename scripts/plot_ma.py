"""Rule plot_ma: MA plot of one contrast."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import plot_ma, save_figure

    results = pd.read_csv(snakemake.input.de, sep="\t", dtype={"gene_id": str, "gene_name": str})
    figure = plot_ma(
        results,
        snakemake.wildcards.contrast,
        snakemake.params.alpha,
        snakemake.params.lfc_threshold,
        snakemake.params.label_genes,
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
