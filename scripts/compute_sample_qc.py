"""Rule compute_sample_qc: library sizes, sample-to-sample distances and samples far from their group."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.qc import flag_outliers, library_stats, sample_distances
    from resistseq.runtime import write_table
    from resistseq.validation import read_sample_sheet

    counts = pd.read_csv(snakemake.input.counts, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    vst = pd.read_csv(snakemake.input.vst, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
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
