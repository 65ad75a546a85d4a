"""Rule import_quantifications: per-sample quantification files -> integer gene counts."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.quant import import_gene_counts
    from resistseq.runtime import write_table

    result = import_gene_counts(
        snakemake.params.quant_paths,
        snakemake.params.file_format,
        tx2gene_path=snakemake.input.get("tx2gene"),
        gene_annotation_path=snakemake.input.get("gene_annotation"),
        counts_from_abundance=snakemake.params.counts_from_abundance,
    )
    counts = result.counts
    logger.info("imported %d genes x %d samples (%s)", *counts.shape, snakemake.params.file_format)
    logger.info("library sizes: %s", counts.sum().to_dict())
    write_table(result.annotation, snakemake.output.annotation)
    write_table(counts.reset_index(), snakemake.output.counts)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
