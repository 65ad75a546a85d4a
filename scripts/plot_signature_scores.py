"""Rule plot_signature_scores: per-sample gene-set signature scores by group, one figure per scoring method."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import figure_paths, save_figure
    from resistseq.signature_figures import plot_signature_scores
    from resistseq.tables import read_sample_table

    scores = read_sample_table(snakemake.input.scores)
    for method in snakemake.params.methods:
        params = snakemake.params
        figure = plot_signature_scores(scores, params.groups["levels"], method, params.score_sets, params.plot_sets)
        save_figure(figure, *figure_paths(snakemake.output, method))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
