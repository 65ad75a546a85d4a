"""Rule run_ora: over-representation of up- and down-regulated genes in each gene set (hypergeometric)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.genesets import dropped_statement, log_coverage, read_gene_sets, set_coverage
    from resistseq.ora import background_by_symbol, ora_table, select_genes
    from resistseq.runtime import write_table

    params = snakemake.params
    results = pd.read_csv(snakemake.input.de, sep="\t", dtype={"gene_id": str, "gene_name": str})
    tested = background_by_symbol(results)
    selection = select_genes(tested, params.alpha, params.lfc_threshold)
    logger.info(
        "background: %d tested genes (by symbol); %d up and %d down at padj < %g and |log2FC| > %g",
        len(tested),
        len(selection["up"]),
        len(selection["down"]),
        params.alpha,
        params.lfc_threshold,
    )
    for direction, genes in selection.items():
        if not genes:
            logger.warning(
                "no %s gene at padj < %g and |log2FC| > %g: every %s test has overlap 0 and p-value 1",
                direction,
                params.alpha,
                params.lfc_threshold,
                direction,
            )
    sets, sources = read_gene_sets(
        snakemake.input.genesets, params.geneset_labels, tested.index, snakemake.input.get("geneid_table"), logger
    )
    coverage = set_coverage(sets, sources, tested.index, params.min_size, params.max_size, params.min_coverage)
    log_coverage(coverage, logger)
    testable = {name: sets[name] for name in coverage.loc[coverage["status"] == "tested", "term"]}
    if not testable:
        logger.warning("no ORA test: %s", dropped_statement(coverage))
    table = ora_table(tested, testable, sources, params.alpha, params.lfc_threshold)
    logger.info(
        "%d set x direction tests; %d with padj < %g",
        len(table),
        int((table["padj"] < params.alpha).sum()),
        params.alpha,
    )
    write_table(table, snakemake.output.table)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
