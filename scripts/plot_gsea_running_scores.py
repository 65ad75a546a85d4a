"""Rule plot_gsea_running_scores: running enrichment scores of the NF-kB and basal/luminal sets."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import plot_running_scores, save_figure
    from resistseq.tables import read_enrichment_table, read_running_scores

    running = read_running_scores(snakemake.input.running)
    table = read_enrichment_table(snakemake.input.table)
    missing = [term for term in snakemake.params.plot_sets if term not in set(table["term"])]
    if missing:
        logger.warning("sets to plot that were not tested: %s", ", ".join(missing))
    figure = plot_running_scores(running, table, snakemake.params.plot_sets)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
