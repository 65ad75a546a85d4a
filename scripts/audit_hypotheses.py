"""Rule audit_hypotheses: each verdict recomputed leaving out one sample at a time and with other GSEA seeds."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from dataclasses import replace

    from resistseq.contrast_fit import run_general_test
    from resistseq.contrasts import needs_general_test
    from resistseq.deseq import Contrast, DESettings, run_deseq2
    from resistseq.genesets import read_gene_sets
    from resistseq.gsea import rank_genes
    from resistseq.hypothesis import read_evidence
    from resistseq.hypothesis_audit import GseaSettings, audit_verdicts
    from resistseq.runtime import write_table
    from resistseq.tables import indexed_sample_sheet, read_annotation, read_gene_matrix

    params = snakemake.params
    evidence = read_evidence(snakemake.input, params.contrast)
    counts = read_gene_matrix(snakemake.input.counts)
    annotation = read_annotation(snakemake.input.annotation)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    entry = params.contrast
    # The rule's own DE settings; apeGLM shrinkage is skipped because no verdict reads it.
    settings = replace(DESettings.from_config(params.design, params.deseq2, snakemake.threads), shrink_lfc=False)

    def refit(left_out):
        kept = [sample for sample in samples.index if sample not in left_out]
        if needs_general_test(entry):
            return run_general_test(counts[kept], samples.loc[kept], entry, settings, annotation).table
        return run_deseq2(counts[kept], samples.loc[kept], Contrast.from_config(entry), settings, annotation).table

    # The sets as run_gsea read them (old symbols mapped to the data's current ones).
    gene_sets, _ = read_gene_sets(
        snakemake.input.genesets,
        params.geneset_labels,
        rank_genes(evidence.de).scores.index,
        snakemake.input.get("geneid_table"),
        logger,
    )
    enrichment = params.enrichment
    gsea = GseaSettings(
        seed=enrichment["seed"],
        method=enrichment["method"],
        pvalue_floor=enrichment["pvalue_floor"],
        permutations=enrichment["permutations"],
        min_size=enrichment["min_size"],
        max_size=enrichment["max_size"],
        min_coverage=enrichment["min_coverage"],
        threads=snakemake.threads,
    )
    audit = audit_verdicts(evidence, params.declaration, gene_sets, gsea, refit, logger)
    logger.info("%d recomputations", audit["recomputation"].nunique())
    write_table(audit, snakemake.output.audit)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
