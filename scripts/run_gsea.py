"""Rule run_gsea: preranked GSEA of one contrast's Wald statistics against local GMT files."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import json

    import gseapy

    from resistseq.genesets import dropped_statement, log_coverage, read_gene_sets, set_coverage
    from resistseq.gsea import gsea_table, rank_genes, run_prerank, running_scores, sets_to_test
    from resistseq.runtime import atomic_path, write_table
    from resistseq.tables import read_gene_table

    params = snakemake.params
    results = read_gene_table(snakemake.input.de)
    ranking = rank_genes(results)
    logger.info(
        "ranked %d genes by the Wald statistic; %d without a statistic left out; %d duplicate symbols collapsed",
        len(ranking.scores),
        ranking.dropped_missing,
        len(ranking.collapsed),
    )
    for row in ranking.collapsed.itertuples(index=False):
        logger.info("duplicate symbol %s: dropped %s (stat %.4g)", row.gene_name, row.gene_id, row.stat)

    sets, sources = read_gene_sets(
        snakemake.input.genesets,
        params.geneset_labels,
        ranking.scores.index,
        snakemake.input.get("geneid_table"),
        logger,
    )
    coverage = set_coverage(sets, sources, ranking.scores.index, params.min_size, params.max_size, params.min_coverage)
    log_coverage(coverage, logger)
    tested = sets_to_test(sets, coverage, ranking.scores)
    prerank = None
    if tested:
        prerank = run_prerank(
            ranking.scores,
            tested,
            seed=params.seed,
            permutations=params.permutations,
            threads=snakemake.threads,
            method=params.method,
            logger=logger,
            pvalue_floor=params.pvalue_floor,
        )
    else:
        logger.warning("GSEA not run: %s", dropped_statement(coverage))
    table = gsea_table(prerank, coverage)
    logger.info("tested %d sets; %d with FDR < 0.25", len(table), int((table["fdr"] < 0.25).sum()))

    settings = {
        "method": "gseapy.prerank",
        "pvalue_method": prerank.method if prerank is not None else params.method,
        "pvalue_method_configured": params.method,
        "pvalue_floor": params.pvalue_floor if prerank is not None and prerank.method == "multilevel" else None,
        "gseapy_version": gseapy.__version__,
        "ranking_statistic": "stat (DESeq2 Wald statistic)",
        "seed": params.seed,
        "permutations": params.permutations,
        "weight": 1.0,
        "min_size": params.min_size,
        "max_size": params.max_size,
        "gene_set_files": list(params.geneset_labels),
        "sets_tested": len(table),
        "sets_dropped": coverage.loc[coverage["status"] != "tested", "term"].tolist(),
        "genes_ranked": len(ranking.scores),
        "duplicate_symbols_collapsed": len(ranking.collapsed),
    }
    write_table(table, snakemake.output.table)
    write_table(coverage, snakemake.output.coverage)
    write_table(ranking.scores.rename("stat").reset_index(), snakemake.output.ranking)
    write_table(ranking.collapsed, snakemake.output.collapsed)
    write_table(running_scores(prerank, ranking.scores, list(params.plot_sets)), snakemake.output.running)
    with atomic_path(snakemake.output.settings) as temporary:
        temporary.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
