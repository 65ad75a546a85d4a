"""Rule plot_size_factors: DESeq2 size factors per sample and against library size."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import save_figure
    from resistseq.qc import plot_size_factors
    from resistseq.validation import read_sample_sheet

    size_factors = pd.read_csv(snakemake.input.size_factors, sep="\t", dtype={"sample": str}).set_index("sample")
    stats = pd.read_csv(snakemake.input.library_stats, sep="\t", dtype={"sample": str})
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    groups = snakemake.params.groups
    figure = plot_size_factors(size_factors["size_factor"], stats, samples, groups["variable"], groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
