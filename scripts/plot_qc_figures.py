"""Rule plot_qc_figures: library sizes, count distributions, size factors and sample distances, one figure each."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import figure_paths, save_figure
    from resistseq.qc import plot_count_distributions, plot_library_sizes, plot_sample_distances, plot_size_factors
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix, read_sample_table

    samples = indexed_sample_sheet(snakemake.input.sheet)
    colour_by, levels = snakemake.params.groups["variable"], snakemake.params.groups["levels"]
    stats = read_sample_table(snakemake.input.library_stats)
    save_figure(plot_library_sizes(stats, samples, colour_by, levels), *figure_paths(snakemake.output, "library_sizes"))

    counts = read_gene_matrix(snakemake.input.counts)
    normalised = read_gene_matrix(snakemake.input.normalised)
    figure = plot_count_distributions(counts, normalised, samples, colour_by, levels)
    save_figure(figure, *figure_paths(snakemake.output, "count_distributions"))

    size_factors = read_sample_table(snakemake.input.size_factors).set_index("sample")
    figure = plot_size_factors(size_factors["size_factor"], stats, samples, colour_by, levels)
    save_figure(figure, *figure_paths(snakemake.output, "size_factors"))

    distances = read_sample_table(snakemake.input.distances).set_index("sample")
    outliers = read_sample_table(snakemake.input.outliers)
    flagged = outliers.loc[outliers["flagged"], "sample"].tolist()
    figure = plot_sample_distances(distances, samples, colour_by, levels, flagged)
    save_figure(figure, *figure_paths(snakemake.output, "sample_distances"))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
