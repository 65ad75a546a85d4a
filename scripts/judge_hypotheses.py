"""Rule judge_hypotheses: the declared hypotheses' verdicts, their robustness, and a readable summary."""

from resistseq.runtime import run_rule


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
    from resistseq.tables import read_audit

    params = snakemake.params
    declaration = params.declaration
    evidence = read_evidence(snakemake.input, params.contrast)
    audit = read_audit(snakemake.input.audit)
    table = add_robustness(judge(evidence, declaration), audit, declaration["audit"]["fragile_below"])
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
