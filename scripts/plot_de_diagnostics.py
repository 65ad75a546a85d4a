"""Rule plot_de_diagnostics: a contrast's dispersion plot, and its p-value histogram with the
independent-filtering summary."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.diagnostics import plot_pvalue_histogram
    from resistseq.filtering import filtering_summary
    from resistseq.plots import figure_paths, save_figure
    from resistseq.qc import plot_dispersions
    from resistseq.runtime import write_table
    from resistseq.tables import read_gene_table

    name = snakemake.params.contrast["name"]
    dispersions = read_gene_table(snakemake.input.dispersions)
    save_figure(plot_dispersions(dispersions, name), *figure_paths(snakemake.output, "dispersions"))

    results = read_gene_table(snakemake.input.de)
    summary = filtering_summary(results, snakemake.params.alpha)
    write_table(summary, snakemake.output.filtering)
    logger.info("independent filtering: %s", summary.iloc[0].to_dict())
    figure = plot_pvalue_histogram(results, summary, name)
    save_figure(figure, *figure_paths(snakemake.output, "pvalue_histogram"))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
