"""Rule score_signatures: per-sample ssGSEA and z-score-mean scores of every gene set on the VST."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.genesets import log_coverage, read_gmt_files, set_coverage
    from resistseq.runtime import write_table
    from resistseq.signatures import expression_by_symbol, long_scores, ssgsea_scores, zscore_scores
    from resistseq.validation import read_sample_sheet

    params = snakemake.params
    vst = pd.read_csv(snakemake.input.vst, sep="\t", index_col="gene_id")
    annotation = pd.read_csv(snakemake.input.annotation, sep="\t", dtype=str, keep_default_na=False)
    samples = read_sample_sheet(snakemake.input.sheet)
    groups = dict(zip(samples["sample"], samples[params.variable], strict=True))
    expression, collapsed = expression_by_symbol(vst, annotation.set_index("gene_id")["gene_name"])
    for entry in collapsed.itertuples(index=False):
        logger.info("duplicate symbol %s: dropped %s (lower mean VST)", entry.gene_name, entry.gene_id)

    sets, sources = read_gmt_files(snakemake.input.genesets, params.geneset_labels)
    coverage = set_coverage(sets, sources, expression.index, params.min_size, params.max_size, params.min_coverage)
    log_coverage(coverage, logger)
    scored = {name: sets[name] for name in coverage.loc[coverage["status"] == "tested", "term"]}
    if not scored:
        from resistseq.errors import WorkflowInputError

        raise WorkflowInputError(
            "No gene set has enough genes in the data to be scored; the log lists each set's coverage. "
            "Check that the gene sets use the same gene symbols as the annotation, or lower enrichment.min_size."
        )
    frames = {
        "ssgsea": ssgsea_scores(
            expression, scored, seed=params.seed, weight=params.ssgsea_weight, threads=snakemake.threads
        ),
        "zscore": zscore_scores(expression, scored),
    }
    table = long_scores(frames, groups, list(vst.columns))
    logger.info("scored %d gene sets in %d samples with ssgsea and zscore", len(scored), vst.shape[1])
    write_table(table, snakemake.output.scores)
    write_table(coverage, snakemake.output.coverage)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
