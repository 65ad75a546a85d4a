"""Rule plot_size_factors: DESeq2 size factors per sample and against library size."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import save_figure
    from resistseq.qc import plot_size_factors
    from resistseq.tables import indexed_sample_sheet, read_sample_table

    size_factors = read_sample_table(snakemake.input.size_factors).set_index("sample")
    stats = read_sample_table(snakemake.input.library_stats)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    groups = snakemake.params.groups
    figure = plot_size_factors(size_factors["size_factor"], stats, samples, groups["variable"], groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
