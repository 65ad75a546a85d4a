"""Rule plot_signature_scores: per-sample gene-set signature scores by group."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import save_figure
    from resistseq.signature_figures import plot_signature_scores
    from resistseq.tables import read_sample_table

    scores = read_sample_table(snakemake.input.scores)
    figure = plot_signature_scores(scores, snakemake.params.groups["levels"], snakemake.wildcards.method)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
