"""Rule run_deseq2: PyDESeq2 Wald test (or LRT) and apeGLM shrinkage for one contrast."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.contrast_fit import run_general_test
    from resistseq.contrasts import describe, has_direction, needs_general_test
    from resistseq.deseq import Contrast, run_deseq2
    from resistseq.runtime import write_table
    from resistseq.validation import read_sample_sheet

    entry = snakemake.params.contrast
    logger.info("DE backend: %s (r_compatible=%s)", snakemake.params.backend, snakemake.params.r_compatible)
    counts = pd.read_csv(snakemake.input.counts, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    annotation = pd.read_csv(snakemake.input.annotation, sep="\t", dtype=str, keep_default_na=False)
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    settings = dict(
        annotation=annotation,
        alpha=snakemake.params.alpha,
        cooks_filter=snakemake.params.cooks_filter,
        independent_filter=snakemake.params.independent_filter,
        shrink_lfc=snakemake.params.shrink_lfc,
        n_cpus=snakemake.threads,
        backend=snakemake.params.backend,
        r_compatible=snakemake.params.r_compatible,
        min_count=snakemake.params.prefilter["min_count"],
        min_samples=snakemake.params.prefilter["min_samples"],
    )
    if needs_general_test(entry):
        results, dispersions = run_general_test(counts, samples, entry, snakemake.params.design, settings, logger)
    else:
        contrast = Contrast.from_config(entry)
        results, dispersions = run_deseq2(
            counts, samples, snakemake.params.design, contrast, with_dispersions=True, **settings
        )
    significant = results["padj"] < snakemake.params.alpha
    logger.info(
        "%s (%s): %d genes, %d with padj < %s",
        entry["name"],
        describe(entry),
        len(results),
        int(significant.sum()),
        snakemake.params.alpha,
    )
    if not has_direction(entry):
        logger.info(
            "%s has no direction to rank by: GSEA, ORA, volcano, MA and the hypothesis table are skipped for it.",
            entry["name"],
        )
    write_table(results, snakemake.output.table)
    write_table(dispersions, snakemake.output.dispersions)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
