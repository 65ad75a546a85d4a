"""Rule judge_hypotheses: the hypothesis table and its readable summary for one contrast."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.hypothesis import (
        Evidence,
        Settings,
        findings,
        hypothesis_table,
        sample_groups,
        summary_html,
        summary_markdown,
    )
    from resistseq.runtime import atomic_path, write_table
    from resistseq.signatures import expression_by_symbol
    from resistseq.validation import read_sample_sheet

    contrast = snakemake.params.contrast
    settings = Settings.from_config(snakemake.params.settings)
    samples = read_sample_sheet(snakemake.input.sheet)
    target_samples, reference_samples = sample_groups(
        list(samples["sample"]), list(samples[contrast["variable"]]), contrast["target"], contrast["reference"]
    )
    normalised = pd.read_csv(snakemake.input.normalised, sep="\t", index_col="gene_id")
    annotation = pd.read_csv(snakemake.input.annotation, sep="\t", dtype=str, keep_default_na=False)
    normalised, _ = expression_by_symbol(normalised, annotation.set_index("gene_id")["gene_name"])
    evidence = Evidence(
        de=pd.read_csv(snakemake.input.de, sep="\t", dtype={"gene_id": str, "gene_name": str}),
        gsea=pd.read_csv(snakemake.input.gsea, sep="\t").set_index("term"),
        scores=pd.read_csv(snakemake.input.scores, sep="\t", dtype={"sample": str}),
        pam50=pd.read_csv(snakemake.input.pam50, sep="\t", dtype={"sample": str}),
        normalised=normalised,
        target_samples=target_samples,
        reference_samples=reference_samples,
        target=contrast["target"],
        reference=contrast["reference"],
        coverage=pd.read_csv(snakemake.input.coverage, sep="\t"),
    )
    table = hypothesis_table(evidence, settings)
    for entry in table[table["test"] == "overall"].itertuples(index=False):
        logger.info("%s: %s (%s)", entry.hypothesis, entry.verdict, entry.evidence)
    for entry in table[table["verdict"] == "not testable"].itertuples(index=False):
        logger.warning("%s: %s is not testable: %s", entry.hypothesis, entry.test, entry.evidence)
    found = findings(evidence, settings)
    for sentence in found:
        logger.info("%s", sentence)
    write_table(table, snakemake.output.table)
    labels = (snakemake.wildcards.contrast, contrast["target"], contrast["reference"], settings, found)
    for render, path in ((summary_markdown, snakemake.output.summary), (summary_html, snakemake.output.html)):
        with atomic_path(path) as temporary:
            temporary.write_text(render(table, *labels))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
