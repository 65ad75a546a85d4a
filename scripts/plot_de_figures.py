"""Rule plot_de_figures: the figures every contrast gets from its DE table (dispersions, p-value histogram with
the independent-filtering summary, top-DE heatmap)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.de_figures import plot_top_de_heatmap
    from resistseq.diagnostics import plot_pvalue_histogram
    from resistseq.filtering import filtering_summary
    from resistseq.plots import figure_paths, save_figure
    from resistseq.qc import plot_dispersions
    from resistseq.runtime import write_table
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix, read_gene_table

    params = snakemake.params
    name = params.contrast["name"]
    dispersions = read_gene_table(snakemake.input.dispersions)
    save_figure(plot_dispersions(dispersions, name), *figure_paths(snakemake.output, "dispersions"))

    results = read_gene_table(snakemake.input.de)
    summary = filtering_summary(results, params.alpha)
    write_table(summary, snakemake.output.filtering)
    logger.info("independent filtering: %s", summary.iloc[0].to_dict())
    figure = plot_pvalue_histogram(results, summary, name)
    save_figure(figure, *figure_paths(snakemake.output, "pvalue_histogram"))

    samples = indexed_sample_sheet(snakemake.input.sheet)
    vst = read_gene_matrix(snakemake.input.vst)
    groups = params.groups
    figure = plot_top_de_heatmap(
        results, vst, samples, groups["variable"], groups["levels"], name, params.top, params.alpha
    )
    save_figure(figure, *figure_paths(snakemake.output, "top_de_heatmap"))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
