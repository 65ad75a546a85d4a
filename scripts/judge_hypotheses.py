"""Rule judge_hypotheses: each verdict recomputed on perturbed evidence (the audit), then the declared
hypotheses' verdicts, their robustness, and a readable summary."""

from resistseq.runtime import run_rule


def audit(snakemake, evidence, logger):
    """Every verdict recomputed leaving out one sample at a time and with other GSEA seeds."""
    from dataclasses import replace

    from resistseq.contrast_fit import run_general_test
    from resistseq.contrasts import needs_general_test
    from resistseq.deseq import Contrast, DESettings, run_deseq2
    from resistseq.genesets import read_gene_sets
    from resistseq.gsea import rank_genes
    from resistseq.hypothesis_audit import GseaSettings, audit_verdicts
    from resistseq.tables import indexed_sample_sheet, read_annotation, read_gene_matrix

    params = snakemake.params
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
    gsea = GseaSettings.from_config(params.enrichment, snakemake.threads)
    recomputed = audit_verdicts(evidence, params.declaration, gene_sets, gsea, refit, logger)
    logger.info("%d recomputations", recomputed["recomputation"].nunique())
    return recomputed


def main(snakemake, logger):
    from pathlib import Path

    from resistseq.hypothesis import (
        OVERALL,
        Declared,
        Summary,
        add_robustness,
        exploratory,
        findings,
        judge,
        read_evidence,
        summary_html,
        summary_markdown,
    )
    from resistseq.provenance import sha256_file
    from resistseq.runtime import atomic_path, write_table

    params = snakemake.params
    declaration = params.declaration
    evidence = read_evidence(snakemake.input, params.contrast)
    recomputed = audit(snakemake, evidence, logger)
    write_table(recomputed, snakemake.output.audit)
    table = add_robustness(judge(evidence, declaration), recomputed, declaration["audit"]["fragile_below"])
    for entry in table[table["role"] == OVERALL].itertuples(index=False):
        logger.info(
            "%s: %s (%s; robustness %s of %d)",
            entry.hypothesis,
            entry.verdict,
            entry.evidence,
            entry.robustness,
            entry.recomputations,
        )
    for entry in table[table["verdict"] == "not testable"].itertuples(index=False):
        logger.warning("%s: %s is not testable: %s", entry.hypothesis, entry.test, entry.evidence)
    found = findings(evidence, declaration["thresholds"]["fdr"])
    for sentence in found:
        logger.info("%s", sentence)
    explored = exploratory(evidence, declaration)
    write_table(table, snakemake.output.table)
    path = snakemake.input.hypotheses
    declared = Declared(params.hypotheses_label, sha256_file(path), Path(path).read_text(), declaration)
    summary = Summary(
        table,
        snakemake.wildcards.contrast,
        params.contrast["target"],
        params.contrast["reference"],
        declared,
        found,
        explored,
    )
    for render, output in ((summary_markdown, snakemake.output.summary), (summary_html, snakemake.output.html)):
        with atomic_path(output) as temporary:
            temporary.write_text(render(summary))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
