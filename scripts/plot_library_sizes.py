"""Rule plot_library_sizes: library size and detected genes per sample."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import save_figure
    from resistseq.qc import plot_library_sizes
    from resistseq.validation import read_sample_sheet

    stats = pd.read_csv(snakemake.input.library_stats, sep="\t", dtype={"sample": str})
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    groups = snakemake.params.groups
    figure = plot_library_sizes(stats, samples, groups["variable"], groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
