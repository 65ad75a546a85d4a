"""Rule score_signatures: per-sample ssGSEA and z-score-mean scores of every gene set on the VST."""

from resistseq.runtime import run_rule


def main(snakemake, logger):

    from resistseq.genesets import dropped_statement, log_coverage, read_gene_sets, set_coverage
    from resistseq.gsea import sets_to_test
    from resistseq.runtime import write_table
    from resistseq.signatures import read_vst_by_symbol, signature_scores

    params = snakemake.params
    inputs = snakemake.input
    expression, groups = read_vst_by_symbol(inputs.vst, inputs.annotation, inputs.sheet, params.variable, logger)

    sets, sources = read_gene_sets(
        snakemake.input.genesets, params.geneset_labels, expression.index, snakemake.input.get("geneid_table"), logger
    )
    coverage = set_coverage(sets, sources, expression.index, params.min_size, params.max_size, params.min_coverage)
    log_coverage(coverage, logger)
    scored = sets_to_test(sets, coverage, expression.mean(axis=1), kind="scored")
    table = signature_scores(
        expression, scored, groups, seed=params.seed, weight=params.ssgsea_weight, threads=snakemake.threads
    )
    if scored:
        logger.info("scored %d gene sets in %d samples with ssgsea and zscore", len(scored), expression.shape[1])
    else:
        logger.warning("no signature scores: %s", dropped_statement(coverage))
    write_table(table, snakemake.output.scores)
    write_table(coverage, snakemake.output.coverage)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
