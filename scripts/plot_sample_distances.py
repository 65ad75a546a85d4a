"""Rule plot_sample_distances: clustered heatmap of sample-to-sample distances, flagged samples marked."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import save_figure
    from resistseq.qc import plot_sample_distances
    from resistseq.validation import read_sample_sheet

    distances = pd.read_csv(snakemake.input.distances, sep="\t", dtype={"sample": str}).set_index("sample")
    outliers = pd.read_csv(snakemake.input.outliers, sep="\t", dtype={"sample": str})
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    groups = snakemake.params.groups
    flagged = outliers.loc[outliers["flagged"], "sample"].tolist()
    figure = plot_sample_distances(distances, samples, groups["variable"], groups["levels"], flagged)
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
