"""Rule compute_sample_qc: library sizes, sample-to-sample distances and samples far from their group."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.runtime import write_table
    from resistseq.sample_qc import flag_outliers, library_stats, sample_distances
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix

    counts = read_gene_matrix(snakemake.input.counts)
    vst = read_gene_matrix(snakemake.input.vst)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    variable = snakemake.params.groups["variable"]
    distances = sample_distances(vst)
    outliers = flag_outliers(distances, samples[variable], snakemake.params.outlier_distance_ratio)
    for row in outliers[outliers["flagged"]].itertuples(index=False):
        logger.warning("sample %s (%s) flagged, kept in the analysis: %s", row.sample, row.group, row.reason)
    logger.info("%d of %d samples flagged as far from their group", int(outliers["flagged"].sum()), len(outliers))
    write_table(library_stats(counts), snakemake.output.library_stats)
    write_table(distances.rename_axis("sample").reset_index(), snakemake.output.distances)
    write_table(outliers, snakemake.output.outliers)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
