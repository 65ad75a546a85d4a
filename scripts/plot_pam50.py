"""Rule plot_pam50: correlation of each sample with the PAM50 centroids, calls outlined."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import save_figure
    from resistseq.signature_figures import plot_pam50

    pam50 = pd.read_csv(snakemake.input.pam50, sep="\t", dtype={"sample": str, "group": str, "call": str})
    figure = plot_pam50(pam50, snakemake.params.groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
