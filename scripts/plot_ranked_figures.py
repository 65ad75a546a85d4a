"""Rule plot_ranked_figures: the volcano and MA plots, GSEA running scores and top-set dot plot of one contrast
with a direction."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.de_figures import plot_enrichment_dots
    from resistseq.plots import figure_paths, plot_ma, plot_running_scores, plot_volcano, save_figure
    from resistseq.tables import read_enrichment_table, read_gene_table, read_running_scores

    contrast = snakemake.wildcards.contrast
    params = snakemake.params
    results = read_gene_table(snakemake.input.de)
    for key, plot in (("volcano", plot_volcano), ("ma", plot_ma)):
        figure = plot(results, contrast, params.alpha, params.lfc_threshold, params.label_genes)
        save_figure(figure, *figure_paths(snakemake.output, key))

    running = read_running_scores(snakemake.input.running)
    gsea = read_enrichment_table(snakemake.input.table)
    missing = [term for term in params.plot_sets if term not in set(gsea["term"])]
    if missing:
        logger.warning("sets to plot that were not tested: %s", ", ".join(missing))
    figure = plot_running_scores(running, gsea, params.plot_sets)
    save_figure(figure, *figure_paths(snakemake.output, "gsea_running_scores"))
    figure = plot_enrichment_dots(gsea, contrast, params.top, fdr=params.fdr)
    save_figure(figure, *figure_paths(snakemake.output, "enrichment_dots"))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
