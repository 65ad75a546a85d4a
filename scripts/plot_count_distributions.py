"""Rule plot_count_distributions: per-sample count distributions before and after normalisation."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import save_figure
    from resistseq.qc import plot_count_distributions
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix

    counts = read_gene_matrix(snakemake.input.counts)
    normalised = read_gene_matrix(snakemake.input.normalised)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    groups = snakemake.params.groups
    figure = plot_count_distributions(counts, normalised, samples, groups["variable"], groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
