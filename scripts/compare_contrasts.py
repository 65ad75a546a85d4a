"""Rule compare_contrasts: shared and contrast-specific DE genes and enriched sets of one reference group."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.overlap import gene_calls, geneset_calls, intersections
    from resistseq.runtime import write_table

    names = snakemake.params.contrasts
    de = {
        name: pd.read_csv(path, sep="\t", dtype={"gene_id": str})
        for name, path in zip(names, snakemake.input.de, strict=True)
    }
    gsea = {name: pd.read_csv(path, sep="\t") for name, path in zip(names, snakemake.input.gsea, strict=True)}
    genes = gene_calls(de, snakemake.params.alpha)
    sets = geneset_calls(gsea, snakemake.params.alpha)
    for label, table in (("genes", genes), ("gene sets", sets)):
        shared = int((table["n_significant"] == len(names)).sum())
        logger.info("%s: %d significant in any of %s, %d in all", label, len(table), ", ".join(names), shared)
        logger.info("exclusive intersections of %s:\n%s", label, intersections(table, names).to_string(index=False))
    write_table(genes, snakemake.output.genes)
    write_table(sets, snakemake.output.genesets)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
