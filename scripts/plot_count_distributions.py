"""Rule plot_count_distributions: per-sample count distributions before and after normalisation."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import save_figure
    from resistseq.qc import plot_count_distributions
    from resistseq.validation import read_sample_sheet

    counts = pd.read_csv(snakemake.input.counts, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    normalised = pd.read_csv(snakemake.input.normalised, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    groups = snakemake.params.groups
    figure = plot_count_distributions(counts, normalised, samples, groups["variable"], groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
