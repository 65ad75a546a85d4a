"""Rule plot_pam50: correlation of each sample with the PAM50 centroids, calls outlined."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import save_figure
    from resistseq.signature_figures import plot_pam50
    from resistseq.tables import read_sample_table

    pam50 = read_sample_table(snakemake.input.pam50)
    figure = plot_pam50(pam50, snakemake.params.groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
