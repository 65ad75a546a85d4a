"""Rule run_deseq2: PyDESeq2 Wald test (or LRT) and apeGLM shrinkage for one contrast."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import json

    from resistseq.contrast_fit import run_general_test
    from resistseq.contrasts import describe, has_direction, needs_general_test
    from resistseq.deseq import Contrast, DESettings, run_deseq2
    from resistseq.runtime import atomic_path, write_table
    from resistseq.tables import indexed_sample_sheet, read_annotation, read_gene_matrix

    entry = snakemake.params.contrast
    settings = DESettings.from_config(snakemake.params.design, snakemake.params.deseq2, snakemake.threads)
    logger.info("DE backend: %s (r_compatible=%s)", settings.backend, settings.r_compatible)
    counts = read_gene_matrix(snakemake.input.counts)
    annotation = read_annotation(snakemake.input.annotation)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    if needs_general_test(entry):
        result = run_general_test(counts, samples, entry, settings, annotation, logger)
    else:
        result = run_deseq2(counts, samples, Contrast.from_config(entry), settings, annotation)
    significant = result.table["padj"] < settings.alpha
    logger.info(
        "%s (%s): %d genes, %d with padj < %s",
        entry["name"],
        describe(entry),
        len(result.table),
        int(significant.sum()),
        settings.alpha,
    )
    if not has_direction(entry):
        logger.info(
            "%s has no direction to rank by: GSEA, ORA, volcano, MA and the hypothesis table are skipped for it.",
            entry["name"],
        )
    write_table(result.table, snakemake.output.table)
    write_table(result.dispersions, snakemake.output.dispersions)
    with atomic_path(snakemake.output.summary) as temporary:
        temporary.write_text(json.dumps({"contrast": entry["name"], **result.summary}, indent=2) + "\n")


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
