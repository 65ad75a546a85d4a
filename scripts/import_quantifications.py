"""Rule import_quantifications: per-sample quantification files -> integer gene counts."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.quant import import_gene_counts
    from resistseq.runtime import write_table

    params = snakemake.params
    result = import_gene_counts(
        params.quant_paths,
        params.file_format,
        tx2gene_path=snakemake.input.get("tx2gene"),
        gene_annotation_path=snakemake.input.get("gene_annotation"),
        counts_from_abundance=params.counts_from_abundance,
        gene_name_column=params.gene_name_column,
        geneid_table_path=snakemake.input.get("geneid_table"),
    )
    counts = result.counts
    for note in result.notes:
        logger.info("%s", note)
    logger.info("imported %d genes x %d samples (%s)", *counts.shape, params.file_format)
    logger.info("library sizes: %s", counts.sum().to_dict())
    write_table(result.annotation.assign(name_source=result.name_source.to_numpy()), snakemake.output.annotation)
    write_table(counts.reset_index(), snakemake.output.counts)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
