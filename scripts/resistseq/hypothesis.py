"""The hypothesis table: did the target group keep HER2, switch on NF-kB and move towards basal-like?

Every row is one piece of evidence with a verdict from VERDICTS; each hypothesis
ends with an 'overall' row. Verdicts only follow from thresholds in the config:
a set or gene counts as changed only below the FDR threshold, and a per-sample
shift only with a BH-adjusted Welch p-value below it and a large enough Hedges' g.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, norm, ttest_ind

from resistseq.errors import WorkflowInputError
from resistseq.signatures import hedges_g

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
CONTRADICTED = "contradicted"
NOT_TESTABLE = "not testable"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, CONTRADICTED, NOT_TESTABLE)
HYPOTHESIS_COLUMNS = ["hypothesis", "test", "statistic", "value", "fdr", "effect_size", "evidence", "verdict"]

HER2 = "HER2 maintained"
NFKB = "NF-kB activated"
BASAL = "Basal-like shift"
KEY_GENES = "Key NF-kB genes up"


@dataclass
class Settings:
    """The config's ``hypothesis`` block."""

    fdr: float = 0.05
    min_effect_size: float = 0.8
    max_her2_loss: float = 1.0
    min_expression_percentile: float = 90.0
    her2_gene: str = "ERBB2"
    her2_geneset: str | None = "HER2_AMPLICON_17Q12"
    nfkb_genesets: list[str] = field(default_factory=lambda: ["NFKB_CANONICAL_PATHWAY", "NFKB_TARGET_GENES"])
    basal_up_genesets: list[str] = field(default_factory=lambda: ["BASAL_LIKE_UP"])
    basal_down_genesets: list[str] = field(default_factory=lambda: ["LUMINAL_MARKERS"])
    key_genes: list[str] = field(default_factory=lambda: ["CHUK", "IKBKB", "RELA", "NFKBIA"])

    @classmethod
    def from_config(cls, block: Mapping) -> Settings:
        return cls(**{key: value for key, value in block.items() if key in cls.__dataclass_fields__})


@dataclass
class Evidence:
    """Everything one contrast's hypotheses are judged on."""

    de: pd.DataFrame  # deseq2.tsv
    gsea: pd.DataFrame  # gsea.tsv
    scores: pd.DataFrame  # signatures/scores.tsv (long)
    pam50: pd.DataFrame  # subtype/pam50.tsv
    normalised: pd.DataFrame  # normalised counts, genes (symbols) x samples
    target_samples: list[str]
    reference_samples: list[str]
    target: str = "target"
    reference: str = "reference"
    coverage: pd.DataFrame | None = None  # geneset_coverage.tsv: why a set was not tested


def row(hypothesis, test, statistic, value, fdr, effect_size, evidence, verdict, required=True) -> dict:
    return {
        "hypothesis": hypothesis,
        "test": test,
        "statistic": statistic,
        "value": value,
        "fdr": fdr,
        "effect_size": effect_size,
        "evidence": evidence,
        "verdict": verdict,
        "required": required,
    }


def fmt(value: float, digits: int = 3) -> str:
    return "NA" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def gene_row(evidence: Evidence, settings: Settings, hypothesis: str, gene: str, expect: str) -> dict:
    """One gene's DESeq2 result; ``expect`` is 'up' or 'maintained'."""
    table = evidence.de[evidence.de["gene_name"] == gene]
    table = table[np.isfinite(table["log2FoldChange"].astype(float))]
    test = f"{gene} log2 fold change (DESeq2 Wald)"
    if table.empty:
        return row(
            hypothesis, test, "log2FoldChange", np.nan, np.nan, np.nan, f"{gene} not in the results", NOT_TESTABLE
        )
    # With several IDs for a symbol, the one with the largest |stat| speaks for it (as in the GSEA ranking).
    result = table.loc[table["stat"].abs().sort_values(ascending=False, kind="mergesort").index[0]]
    lfc, se, padj = float(result["log2FoldChange"]), float(result["lfcSE"]), float(result["padj"])
    z = norm.ppf(0.975)
    low, high = lfc - z * se, lfc + z * se
    text = f"{gene} log2FC {fmt(lfc)} (95% CI {fmt(low)} to {fmt(high)}), padj {fmt(padj)}"
    significant = np.isfinite(padj) and padj < settings.fdr
    if expect == "maintained":
        if significant and lfc <= -settings.max_her2_loss:
            verdict = CONTRADICTED
            text += f"; significantly lost (log2FC <= -{settings.max_her2_loss})"
        elif low > -settings.max_her2_loss:
            verdict = SUPPORTED
            text += f"; a loss larger than log2FC -{settings.max_her2_loss} is outside the 95% CI"
        else:
            verdict = NOT_SUPPORTED
            text += f"; a loss larger than log2FC -{settings.max_her2_loss} cannot be excluded"
    else:
        if not np.isfinite(padj):
            verdict = NOT_TESTABLE
            text += " (no adjusted p-value: filtered by DESeq2)"
        elif significant:
            verdict = SUPPORTED if lfc > 0 else CONTRADICTED
        else:
            verdict = NOT_SUPPORTED
    return row(hypothesis, test, "log2FoldChange", lfc, padj, lfc, text, verdict)


def gsea_row(evidence: Evidence, settings: Settings, hypothesis: str, term: str, expect: str) -> dict:
    """A set's preranked GSEA; ``expect`` is 'up', 'down' or 'not down'."""
    test = f"{term} preranked GSEA"
    if term not in evidence.gsea.index:
        text = f"gene set {term} was not tested"
        if evidence.coverage is not None and term in set(evidence.coverage["term"]):
            text += ": " + evidence.coverage.set_index("term").loc[term, "status"]
        return row(hypothesis, test, "NES", np.nan, np.nan, np.nan, text, NOT_TESTABLE)
    result = evidence.gsea.loc[term]
    nes, fdr = float(result["nes"]), float(result["fdr"])
    leading = str(result["leading_edge"]) if pd.notna(result["leading_edge"]) else ""
    text = f"NES {fmt(nes)}, FDR {fmt(fdr)}, {int(result['size'])} genes; leading edge: {leading.replace(';', ', ')}"
    significant = fdr < settings.fdr
    direction_up = nes > 0
    if expect == "not down":
        verdict = CONTRADICTED if significant and not direction_up else SUPPORTED
        text = ("significantly depleted: " if verdict == CONTRADICTED else "no significant depletion: ") + text
    elif not significant:
        verdict = NOT_SUPPORTED
    else:
        verdict = SUPPORTED if direction_up == (expect == "up") else CONTRADICTED
    return row(hypothesis, test, "NES", nes, fdr, nes, text, verdict)


def shift_rows(evidence: Evidence, hypothesis: str, term: str, expect: str) -> list[dict]:
    """Per-sample score shift of a set, one row per scoring method; verdicts after BH (see judge_shifts)."""
    rows = []
    for method in ("zscore", "ssgsea"):
        scores = evidence.scores[(evidence.scores["gene_set"] == term) & (evidence.scores["method"] == method)]
        scores = scores.set_index("sample")["score"]
        target = scores.reindex(evidence.target_samples).dropna().to_numpy()
        reference = scores.reindex(evidence.reference_samples).dropna().to_numpy()
        test = f"{term} per-sample {method} score shift"
        required = method == "zscore"
        if len(target) < 2 or len(reference) < 2:
            rows.append(
                row(
                    hypothesis,
                    test,
                    "mean difference",
                    np.nan,
                    np.nan,
                    np.nan,
                    f"no {method} scores for {term}",
                    NOT_TESTABLE,
                    required,
                )
            )
            continue
        effect = hedges_g(target, reference)
        pvalue = float(ttest_ind(target, reference, equal_var=False).pvalue) if np.isfinite(effect) else np.nan
        text = (
            f"mean {method} score {fmt(target.mean())} in {evidence.target} vs {fmt(reference.mean())} in "
            f"{evidence.reference} (n = {len(target)} vs {len(reference)}), Hedges' g {fmt(effect)}, "
            f"Welch p {fmt(pvalue)}"
        )
        entry = row(
            hypothesis,
            test,
            "mean difference",
            target.mean() - reference.mean(),
            pvalue,
            effect,
            text,
            NOT_TESTABLE,
            required,
        )
        entry["expect"] = expect
        rows.append(entry)
    return rows


def pam50_row(evidence: Evidence, hypothesis: str, subtype: str = "Basal") -> dict:
    column = f"corr_{subtype}"
    test = f"PAM50 {subtype} centroid correlation shift"
    table = evidence.pam50.set_index("sample")
    target = table[column].reindex(evidence.target_samples).dropna().to_numpy()
    reference = table[column].reindex(evidence.reference_samples).dropna().to_numpy()
    if len(target) < 2 or len(reference) < 2:
        return row(
            hypothesis, test, "mean difference", np.nan, np.nan, np.nan, "no PAM50 correlations", NOT_TESTABLE, False
        )
    effect = hedges_g(target, reference)
    pvalue = float(ttest_ind(target, reference, equal_var=False).pvalue) if np.isfinite(effect) else np.nan

    def calls(samples):
        counts = table["call"].reindex(samples).value_counts()
        return ", ".join(f"{name} x{count}" for name, count in sorted(counts.items()))

    text = (
        f"mean Spearman r to the {subtype} centroid {fmt(target.mean())} in {evidence.target} vs "
        f"{fmt(reference.mean())} in {evidence.reference}, Hedges' g {fmt(effect)}, Welch p {fmt(pvalue)}; "
        f"calls {evidence.target}: {calls(evidence.target_samples)}; {evidence.reference}: "
        f"{calls(evidence.reference_samples)} (relative calls among these samples, not clinical)"
    )
    entry = row(
        hypothesis, test, "mean difference", target.mean() - reference.mean(), pvalue, effect, text, NOT_TESTABLE, False
    )
    entry["expect"] = "up"
    return entry


def judge_shifts(rows: list[dict], settings: Settings) -> None:
    """BH-adjust the Welch p-values of all per-sample shift rows together, then give their verdicts."""
    shifts = [entry for entry in rows if "expect" in entry and np.isfinite(entry["fdr"])]
    if not shifts:
        return
    adjusted = false_discovery_control([entry["fdr"] for entry in shifts], method="bh")
    for entry, fdr in zip(shifts, adjusted, strict=True):
        welch = f"Welch p {fmt(entry['fdr'])}"
        entry["evidence"] = entry["evidence"].replace(welch, f"{welch}, BH-adjusted {fmt(float(fdr))}", 1)
        entry["fdr"] = float(fdr)
        sign = 1 if entry.pop("expect") == "up" else -1
        effect = sign * entry["effect_size"]
        if fdr < settings.fdr and effect >= settings.min_effect_size:
            entry["verdict"] = SUPPORTED
        elif fdr < settings.fdr and effect <= -settings.min_effect_size:
            entry["verdict"] = CONTRADICTED
        else:
            entry["verdict"] = NOT_SUPPORTED
    for entry in rows:
        entry.pop("expect", None)


def expression_row(evidence: Evidence, settings: Settings, hypothesis: str, gene: str) -> dict:
    """Where the gene's mean normalised count ranks among all genes, in each group."""
    test = f"{gene} expression rank within samples"
    if gene not in evidence.normalised.index:
        return row(hypothesis, test, "percentile", np.nan, np.nan, np.nan, f"{gene} not in the counts", NOT_TESTABLE)

    def percentile(samples):
        means = evidence.normalised[samples].mean(axis=1)
        return float((means < means[gene]).mean() * 100), float(means[gene])

    target_pct, target_mean = percentile(evidence.target_samples)
    reference_pct, reference_mean = percentile(evidence.reference_samples)
    text = (
        f"{gene} mean normalised count {fmt(target_mean, 4)} in {evidence.target} (above {fmt(target_pct, 4)}% "
        f"of genes) and {fmt(reference_mean, 4)} in {evidence.reference} (above {fmt(reference_pct, 4)}%); "
        f"high means above {fmt(settings.min_expression_percentile)}%"
    )
    threshold = settings.min_expression_percentile
    if target_pct >= threshold:
        verdict = SUPPORTED
    elif reference_pct >= threshold:
        verdict = CONTRADICTED
    else:
        verdict = NOT_SUPPORTED
    return row(hypothesis, test, "percentile", target_pct, np.nan, np.nan, text, verdict)


def overall_row(hypothesis: str, rows: list[dict], any_testable: bool = False) -> dict:
    """Combine a hypothesis's rows.

    Required rows decide: all supported -> supported; any contradicted -> contradicted;
    any not testable -> not testable; otherwise not supported. Optional rows
    (ssGSEA, PAM50) are shown as evidence but never decide. With ``any_testable``
    the required rows that cannot be tested are ignored (key genes absent from the data).
    """
    required = [entry for entry in rows if entry["required"]]
    if any_testable:
        required = [entry for entry in required if entry["verdict"] != NOT_TESTABLE] or required
    verdicts = [entry["verdict"] for entry in required]
    if CONTRADICTED in verdicts:
        verdict = CONTRADICTED
    elif NOT_TESTABLE in verdicts or not verdicts:
        verdict = NOT_TESTABLE
    elif all(value == SUPPORTED for value in verdicts):
        verdict = SUPPORTED
    else:
        verdict = NOT_SUPPORTED
    counts = {value: sum(1 for entry in required if entry["verdict"] == value) for value in VERDICTS}
    text = f"{len(required)} deciding rows: " + ", ".join(
        f"{count} {value}" for value, count in counts.items() if count
    )
    return row(hypothesis, "overall", "verdict", np.nan, np.nan, np.nan, text, verdict)


def hypothesis_table(evidence: Evidence, settings: Settings) -> pd.DataFrame:
    """All hypotheses for one contrast, in the order HER2, NF-kB, basal-like, key genes."""
    her2 = [
        gene_row(evidence, settings, HER2, settings.her2_gene, "maintained"),
        expression_row(evidence, settings, HER2, settings.her2_gene),
    ]
    if settings.her2_geneset:
        her2.append(gsea_row(evidence, settings, HER2, settings.her2_geneset, "not down"))

    nfkb = []
    for term in settings.nfkb_genesets:
        nfkb.append(gsea_row(evidence, settings, NFKB, term, "up"))
        nfkb += shift_rows(evidence, NFKB, term, "up")

    basal = []
    for term in settings.basal_up_genesets:
        basal.append(gsea_row(evidence, settings, BASAL, term, "up"))
        basal += shift_rows(evidence, BASAL, term, "up")
    for term in settings.basal_down_genesets:
        basal.append(gsea_row(evidence, settings, BASAL, term, "down"))
        basal += shift_rows(evidence, BASAL, term, "down")
    basal.append(pam50_row(evidence, BASAL))

    key = [gene_row(evidence, settings, KEY_GENES, gene, "up") for gene in settings.key_genes]

    judge_shifts(her2 + nfkb + basal + key, settings)
    rows = [
        *her2,
        overall_row(HER2, her2),
        *nfkb,
        overall_row(NFKB, nfkb),
        *basal,
        overall_row(BASAL, basal),
        *key,
        overall_row(KEY_GENES, key, any_testable=True),
    ]
    return pd.DataFrame(rows)[HYPOTHESIS_COLUMNS]


def short_evidence(entry) -> str:
    """One row in a few words: what was measured, its number, its verdict."""
    name = entry.test.split(" ")[0]
    if entry.statistic == "NES":
        numbers = f"GSEA NES {fmt(entry.value)}, FDR {fmt(entry.fdr)}"
    elif entry.statistic == "log2FoldChange":
        numbers = f"log2FC {fmt(entry.value)}, padj {fmt(entry.fdr)}"
    elif entry.statistic == "percentile":
        numbers = f"expression above {fmt(entry.value, 4)}% of genes"
    else:
        method = "PAM50 Basal r" if entry.test.startswith("PAM50") else entry.test.split(" ")[2]
        name = "" if entry.test.startswith("PAM50") else name + " "
        return f"{name}{method} shift g {fmt(entry.effect_size)}, FDR {fmt(entry.fdr)} ({entry.verdict})"
    return f"{name} {numbers} ({entry.verdict})"


def summary_rows(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(hypothesis, overall verdict, the evidence in a few words) for each hypothesis."""
    rows = []
    for entry in table[table["test"] == "overall"].itertuples(index=False):
        details = table[(table["hypothesis"] == entry.hypothesis) & (table["test"] != "overall")]
        key_points = "; ".join(short_evidence(detail) for detail in details.itertuples(index=False))
        rows.append((entry.hypothesis, entry.verdict, key_points))
    return rows


def findings(evidence: Evidence, settings: Settings) -> list[str]:
    """What changed at all, in plain words: genes at padj < fdr and gene sets at FDR < fdr.

    When sets were tested and neither a gene nor a set passes, one sentence says that nothing changed.
    """
    from resistseq.genesets import dropped_statement

    padj = evidence.de["padj"].astype(float)
    significant = padj < settings.fdr
    up = int((significant & (evidence.de["log2FoldChange"] > 0)).sum())
    down = int((significant & (evidence.de["log2FoldChange"] < 0)).sum())
    tested = f"{int(padj.notna().sum())} of {len(padj)} genes tested"
    if up + down:
        genes = f"{up} genes up and {down} down at padj < {settings.fdr} ({tested})"
    else:
        genes = f"no gene at padj < {settings.fdr} ({tested})"
    gsea_fdr = evidence.gsea["fdr"].astype(float)
    enriched = evidence.gsea.index[gsea_fdr < settings.fdr]
    if evidence.gsea.empty:
        dropped = dropped_statement(evidence.coverage) if evidence.coverage is not None else ""
        sets = "no gene set was tested" + (f" ({dropped})" if dropped else "")
    elif len(enriched):
        sets = f"{len(enriched)} of {len(gsea_fdr)} gene sets with FDR < {settings.fdr}: " + ", ".join(sorted(enriched))
    else:
        sets = f"no gene set with FDR < {settings.fdr} ({len(gsea_fdr)} tested)"
    if up + down == 0 and not evidence.gsea.empty and not len(enriched):
        return [f"Nothing changed at these thresholds: {genes}, and {sets}."]
    return [f"Differential expression: {genes}.", f"Gene-set enrichment: {sets}."]


def summary_notes(settings: Settings) -> list[str]:
    """How to read the verdicts: the thresholds used and what PAM50 calls on cell lines mean."""
    return [
        f"Thresholds: FDR / padj < {settings.fdr}; per-sample shifts need a BH-adjusted Welch p < {settings.fdr} "
        f"and |Hedges' g| >= {settings.min_effect_size}; HER2 is maintained when the 95% CI of "
        f"{settings.her2_gene}'s log2 fold change excludes a loss beyond -{settings.max_her2_loss} and it stays above "
        f"the {settings.min_expression_percentile:g}th expression percentile. 'not supported' means the data do not "
        "show the effect at these thresholds, not that it is absent.",
        "PAM50 calls come from median-centring genes across these samples: on cell lines compared with each other "
        "they are relative (which way the samples differ), not clinical subtypes.",
    ]


def summary_markdown(
    table: pd.DataFrame, contrast: str, target: str, reference: str, settings: Settings, found: Sequence[str] = ()
) -> str:
    """A short readable summary of the table for the top of the report; ``found`` comes from ``findings``."""
    lines = [f"## {contrast}: {target} vs {reference}", ""]
    lines += [line for sentence in found for line in (sentence, "")]
    lines += [
        "| hypothesis | verdict | evidence |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | **{verdict}** | {points} |" for name, verdict, points in summary_rows(table)]
    for note in summary_notes(settings):
        lines += ["", note]
    return "\n".join(lines + [""])


VERDICT_COLOURS = {
    "supported": "#009E73",
    "contradicted": "#D55E00",
    "not supported": "#555555",
    "not testable": "#999999",
}


def summary_html(
    table: pd.DataFrame, contrast: str, target: str, reference: str, settings: Settings, found: Sequence[str] = ()
) -> str:
    """The same summary as a self-contained HTML page, shown at the top of the Snakemake report."""
    from html import escape

    rows = "\n".join(
        f"<tr><td>{escape(name)}</td>"
        f'<td style="color:{VERDICT_COLOURS.get(verdict, "#000000")}"><b>{escape(verdict)}</b></td>'
        f"<td>{escape(points)}</td></tr>"
        for name, verdict, points in summary_rows(table)
    )
    notes = "\n".join(f"<p>{escape(note)}</p>" for note in summary_notes(settings))
    headline = "".join(f"<p><b>{escape(sentence)}</b></p>\n" for sentence in found)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(contrast)}: hypotheses</title>"
        "<style>body{font-family:sans-serif;font-size:14px;margin:1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
        "th{background:#f2f2f2;text-align:left}</style></head><body>\n"
        f"<h2>{escape(contrast)}: {escape(target)} vs {escape(reference)}</h2>\n"
        f"{headline}"
        "<table><thead><tr><th>hypothesis</th><th>verdict</th><th>evidence</th></tr></thead><tbody>\n"
        f"{rows}\n</tbody></table>\n{notes}\n</body></html>\n"
    )


def check_hypothesis_genesets(block: Mapping, paths: Sequence[str], labels: Sequence[str]) -> None:
    """Raise a WorkflowInputError naming every configured hypothesis gene set that no GMT file defines."""
    from resistseq.genesets import read_gmt_files

    sets, _ = read_gmt_files(paths, labels)
    settings = Settings.from_config(block)
    configured = [("her2_geneset", settings.her2_geneset)] if settings.her2_geneset else []
    for key in ("nfkb_genesets", "basal_up_genesets", "basal_down_genesets"):
        configured += [(key, name) for name in getattr(settings, key)]
    problems = [
        f"config key 'hypothesis.{key}': gene set '{name}' is in none of the gene-set files"
        for key, name in configured
        if name not in sets
    ]
    if problems:
        files = ", ".join(labels) if labels else "none"
        raise WorkflowInputError(
            "\n".join(problems) + f" (files: {files}). Use set names from these files, or [] (null for "
            "hypothesis.her2_geneset) to leave a set out."
        )


def sample_groups(samples: Sequence[str], groups: Sequence[str], target: str, reference: str) -> tuple[list, list]:
    target_samples = [sample for sample, group in zip(samples, groups, strict=True) if group == target]
    reference_samples = [sample for sample, group in zip(samples, groups, strict=True) if group == reference]
    return target_samples, reference_samples
