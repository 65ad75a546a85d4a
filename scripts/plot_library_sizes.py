"""Rule plot_library_sizes: library size and detected genes per sample."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import save_figure
    from resistseq.qc import plot_library_sizes
    from resistseq.tables import indexed_sample_sheet, read_sample_table

    stats = read_sample_table(snakemake.input.library_stats)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    groups = snakemake.params.groups
    figure = plot_library_sizes(stats, samples, groups["variable"], groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
