"""Rule score_signatures: per-sample ssGSEA and z-score-mean scores of every gene set on the VST."""

from resistseq.runtime import run_rule


def main(snakemake, logger):

    from resistseq.genesets import log_coverage, read_gene_sets, set_coverage
    from resistseq.runtime import write_table
    from resistseq.signatures import long_scores, read_vst_by_symbol, ssgsea_scores, zscore_scores

    params = snakemake.params
    inputs = snakemake.input
    expression, groups = read_vst_by_symbol(inputs.vst, inputs.annotation, inputs.sheet, params.variable, logger)

    sets, sources = read_gene_sets(
        snakemake.input.genesets, params.geneset_labels, expression.index, snakemake.input.get("geneid_table"), logger
    )
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
    table = long_scores(frames, groups, list(expression.columns))
    logger.info("scored %d gene sets in %d samples with ssgsea and zscore", len(scored), expression.shape[1])
    write_table(table, snakemake.output.scores)
    write_table(coverage, snakemake.output.coverage)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
