"""Rule plot_sample_distances: clustered heatmap of sample-to-sample distances, flagged samples marked."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import save_figure
    from resistseq.qc import plot_sample_distances
    from resistseq.tables import indexed_sample_sheet, read_sample_table

    distances = read_sample_table(snakemake.input.distances).set_index("sample")
    outliers = read_sample_table(snakemake.input.outliers)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    groups = snakemake.params.groups
    flagged = outliers.loc[outliers["flagged"], "sample"].tolist()
    figure = plot_sample_distances(distances, samples, groups["variable"], groups["levels"], flagged)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
