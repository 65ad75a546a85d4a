"""Hypotheses declared as data (config/hypotheses.yaml), judged on one contrast's evidence.

Each hypothesis lists primary evidence, which decides its verdict (combined as ``all``, ``any`` or
``{at_least: k}``), and supporting evidence, reported with its own result but never deciding. Every
row and every overall verdict uses the fixed vocabulary in VERDICTS. Thresholds and every other
default come from the hypotheses file after schema validation (config/schemas/hypotheses.schema.yaml);
this module holds none. docs/hypotheses.md gives the reasoning. scipy.stats is imported by the tests that
use it: the Snakefile imports this module to check the declaration, and scipy.stats costs ~1 s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from resistseq.errors import WorkflowInputError
from resistseq.signatures import hedges_g

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
CONTRADICTED = "contradicted"
NOT_TESTABLE = "not testable"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, CONTRADICTED, NOT_TESTABLE)
PRIMARY, SUPPORTING, OVERALL = "primary", "supporting", "overall"
HYPOTHESIS_COLUMNS = [
    "hypothesis",
    "role",
    "test",
    "statistic",
    "value",
    "fdr",
    "effect_size",
    "evidence",
    "verdict",
    "robustness",
    "recomputations",
    "fragile",
]
AUDIT_COLUMNS = ["recomputation", "hypothesis", "test", "verdict"]
# Kinds that claim a change; a hypothesis with one among its primary evidence is a change hypothesis.
CHANGE_KINDS = {"geneset_shift": ("up", "down"), "gene_change": ("up", "down"), "score_shift": ("up", "down")}
CHANGE_KINDS["subtype_shift"] = ("towards", "away")


@dataclass
class Evidence:
    """Everything one contrast's hypotheses are judged on."""

    de: pd.DataFrame  # deseq2.tsv
    gsea: pd.DataFrame  # gsea.tsv, indexed by term
    scores: pd.DataFrame  # signatures/scores.tsv (long)
    pam50: pd.DataFrame  # subtype/pam50.tsv
    target_samples: list[str]
    reference_samples: list[str]
    target: str = "target"
    reference: str = "reference"
    coverage: pd.DataFrame | None = None  # geneset_coverage.tsv: why a set was not tested


# --- the hypotheses file ---------------------------------------------------------------------------


def evidence_label(item: Mapping) -> str:
    """The row's ``test``: what is measured, unique within a hypothesis."""
    kind = item["kind"]
    if kind == "geneset_shift":
        return f"{item['set']} preranked GSEA ({item['direction'].replace('_', ' ')})"
    if kind == "gene_change":
        return f"{item['gene']} DESeq2 Wald ({item['direction']})"
    if kind == "gene_unchanged":
        return f"{item['gene']} equivalence within log2FC +-{item['margin']:g}"
    if kind == "score_shift":
        return f"{item['set']} per-sample {item['method']} score ({item['direction']})"
    return f"PAM50 {item['subtype']} centroid correlation ({item['direction']})"


def _name_hypothesis(message: str, hypotheses) -> str:
    """Put the hypothesis id into a message about key 'hypotheses[i]...' so the reader finds it."""
    match = re.search(r"key 'hypotheses\[(\d+)\]", message)
    if not match or not isinstance(hypotheses, list) or int(match.group(1)) >= len(hypotheses):
        return message
    entry = hypotheses[int(match.group(1))]
    if not isinstance(entry, Mapping) or "id" not in entry:
        return message
    return message.replace("key 'hypotheses[", f"hypothesis '{entry['id']}', key 'hypotheses[", 1)


def load_hypotheses(path: str | os.PathLike, label: str, schema: Mapping) -> dict:
    """The hypotheses file, validated against ``schema`` with its defaults filled in.

    Raises a WorkflowInputError naming the file, the hypothesis id and key, and the fix.
    """
    from resistseq.schemas import schema_errors, with_schema_defaults

    path = Path(path)
    if not path.is_file():
        raise WorkflowInputError(
            f"Hypotheses file '{label}' does not exist. Set 'hypotheses' in the config to a YAML file like "
            "config/hypotheses.yaml (a relative path is read from the working directory, else from the "
            "workflow's directory)."
        )
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise WorkflowInputError(f"Hypotheses file '{label}' is not valid YAML: {error}") from None
    hypotheses = data.get("hypotheses") if isinstance(data, dict) else None
    messages = [_name_hypothesis(message, hypotheses) for message in schema_errors(data, schema, label)]
    if messages:
        raise WorkflowInputError("\n".join(messages))
    data = with_schema_defaults(data, schema)
    ids = [entry["id"] for entry in data["hypotheses"]]
    messages += [
        f"{label}: hypothesis '{name}', key 'hypotheses[{index}].id': the id is used twice. "
        "Give each hypothesis its own id."
        for index, name in enumerate(ids)
        if name in ids[:index]
    ]
    for index, entry in enumerate(data["hypotheses"]):
        labels = [evidence_label(item) for item in entry[PRIMARY] + entry[SUPPORTING]]
        messages += [
            f"{label}: hypothesis '{entry['id']}', key 'hypotheses[{index}]': '{test}' is declared twice. "
            "Remove the repeated evidence."
            for position, test in enumerate(labels)
            if test in labels[:position]
        ]
        combine = entry["combine"]
        if isinstance(combine, dict) and combine["at_least"] > len(entry[PRIMARY]):
            messages.append(
                f"{label}: hypothesis '{entry['id']}', key 'hypotheses[{index}].combine': at_least "
                f"{combine['at_least']} but only {len(entry[PRIMARY])} primary rows. "
                "Lower at_least or add evidence."
            )
    if messages:
        raise WorkflowInputError("\n".join(messages))
    return data


def hypotheses_path(value: str, workflow_dir: str | os.PathLike) -> Path:
    """The config's 'hypotheses': absolute as given; relative from the working directory, else from the
    workflow's directory (where the bundled files are). A missing file is reported by ``load_hypotheses``."""
    path = Path(value)
    if path.is_absolute() or path.is_file():
        return path
    bundled = Path(workflow_dir) / path
    return bundled if bundled.is_file() else path


def declared_names(declaration: Mapping, key: str) -> list[str]:
    """Every value of ``key`` ('set' or 'gene') the hypotheses' evidence names, in order of first mention."""
    names = [
        item[key] for entry in declaration["hypotheses"] for item in entry[PRIMARY] + entry[SUPPORTING] if key in item
    ]
    return list(dict.fromkeys(names))


def declared_sets(declaration: Mapping) -> list[str]:
    return declared_names(declaration, "set")


def check_hypothesis_genesets(declaration: Mapping, label: str, paths: Sequence[str], labels: Sequence[str]) -> None:
    """Raise a WorkflowInputError naming every hypothesis gene set that no GMT file in use defines."""
    from resistseq.genesets import read_gmt_files

    sets, _ = read_gmt_files(paths, labels)
    problems = [
        f"{label}: hypothesis '{entry['id']}', key 'hypotheses[{index}].{role}[{position}].set': gene set "
        f"'{item['set']}' is in none of the gene-set files"
        for index, entry in enumerate(declaration["hypotheses"])
        for role in (PRIMARY, SUPPORTING)
        for position, item in enumerate(entry[role])
        if "set" in item and item["set"] not in sets
    ]
    if problems:
        files = ", ".join(labels) if labels else "none"
        raise WorkflowInputError(
            "\n".join(problems) + f" (files: {files}). Use set names from these files, or add a GMT file that "
            "defines the set to 'genesets' in the config."
        )


def is_change_hypothesis(entry: Mapping) -> bool:
    """Whether a hypothesis claims that something changed (any primary evidence of a change kind)."""
    return any(
        item["direction"] in CHANGE_KINDS[item["kind"]] for item in entry[PRIMARY] if item["kind"] in CHANGE_KINDS
    )


# --- judging the evidence ------------------------------------------------------------------------------


def fmt(value: float, digits: int = 3) -> str:
    return "NA" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def _row(statistic, value, fdr, effect_size, evidence, verdict) -> dict:
    return {
        "statistic": statistic,
        "value": value,
        "fdr": fdr,
        "effect_size": effect_size,
        "evidence": evidence,
        "verdict": verdict,
    }


def _gene_result(de: pd.DataFrame, gene: str) -> pd.Series | None:
    """The gene's DESeq2 row; of several IDs for a symbol the largest |stat| speaks for it (as in GSEA)."""
    table = de[de["gene_name"] == gene]
    table = table[np.isfinite(table["log2FoldChange"].astype(float))]
    if table.empty:
        return None
    return table.loc[table["stat"].abs().sort_values(ascending=False, kind="mergesort").index[0]]


def geneset_shift(evidence: Evidence, item: Mapping, thresholds: Mapping) -> dict:
    term, direction = item["set"], item["direction"]
    if term not in evidence.gsea.index:
        text = f"gene set {term} was not tested"
        if evidence.coverage is not None and term in set(evidence.coverage["term"]):
            text += ": " + evidence.coverage.set_index("term").loc[term, "status"]
        return _row("NES", np.nan, np.nan, np.nan, text, NOT_TESTABLE)
    result = evidence.gsea.loc[term]
    nes, fdr = float(result["nes"]), float(result["fdr"])
    leading = str(result["leading_edge"]) if pd.notna(result["leading_edge"]) else ""
    text = f"NES {fmt(nes)}, FDR {fmt(fdr)}, {int(result['size'])} genes; leading edge: {leading.replace(';', ', ')}"
    if not np.isfinite(nes) or not np.isfinite(fdr):
        return _row("NES", nes, fdr, nes, text, NOT_TESTABLE)
    significant = fdr < thresholds["fdr"]
    shifted_up = nes > 0
    if direction in ("not_down", "not_up"):
        against = significant and shifted_up == (direction == "not_up")
        verdict = CONTRADICTED if against else SUPPORTED
        way = "enrichment" if direction == "not_up" else "depletion"
        text = (f"significant {way}: " if against else f"no significant {way}: ") + text
    elif not significant:
        verdict = NOT_SUPPORTED
    else:
        verdict = SUPPORTED if shifted_up == (direction == "up") else CONTRADICTED
    return _row("NES", nes, fdr, nes, text, verdict)


def gene_change(evidence: Evidence, item: Mapping, thresholds: Mapping) -> dict:
    from scipy.stats import norm

    gene, direction, minimum = item["gene"], item["direction"], item["min_abs_lfc"]
    result = _gene_result(evidence.de, gene)
    if result is None:
        return _row("log2FoldChange", np.nan, np.nan, np.nan, f"{gene} not in the results", NOT_TESTABLE)
    lfc, se, padj = float(result["log2FoldChange"]), float(result["lfcSE"]), float(result["padj"])
    z = norm.ppf(0.975)
    text = f"{gene} log2FC {fmt(lfc)} (95% CI {fmt(lfc - z * se)} to {fmt(lfc + z * se)}), padj {fmt(padj)}"
    if minimum > 0:
        text += f"; |log2FC| must reach {minimum:g}"
    if not np.isfinite(padj):
        return _row("log2FoldChange", lfc, padj, lfc, text + " (no adjusted p-value: filtered by DESeq2)", NOT_TESTABLE)
    changed = padj < thresholds["fdr"] and abs(lfc) >= minimum
    verdict = SUPPORTED if (lfc > 0) == (direction == "up") else CONTRADICTED
    if not changed:
        verdict = NOT_SUPPORTED
    return _row("log2FoldChange", lfc, padj, lfc, text, verdict)


def expression_percentile(de: pd.DataFrame, gene_mean: float) -> float:
    """Share (%) of genes with a finite baseMean below ``gene_mean``."""
    means = de["baseMean"].astype(float)
    means = means[np.isfinite(means)]
    return float((means < gene_mean).mean() * 100)


def gene_unchanged(evidence: Evidence, item: Mapping, thresholds: Mapping) -> dict:
    """Two one-sided tests (TOST) of |log2FC| < margin with the Wald SE, plus an optional expression floor."""
    from scipy.stats import norm

    gene, margin, floor = item["gene"], item["margin"], item["min_expression_percentile"]
    result = _gene_result(evidence.de, gene)
    if result is None:
        return _row("log2FoldChange", np.nan, np.nan, np.nan, f"{gene} not in the results", NOT_TESTABLE)
    lfc, se = float(result["log2FoldChange"]), float(result["lfcSE"])
    alpha = thresholds["equivalence_alpha"]
    if not (np.isfinite(se) and se > 0):
        return _row("log2FoldChange", lfc, np.nan, lfc, f"{gene} log2FC {fmt(lfc)} has no standard error", NOT_TESTABLE)
    p_tost = float(max(norm.sf((lfc + margin) / se), norm.cdf((lfc - margin) / se)))
    z = norm.ppf(1 - alpha)
    low, high = lfc - z * se, lfc + z * se
    level = f"{100 * (1 - 2 * alpha):g}%"
    text = (
        f"{gene} log2FC {fmt(lfc)} ({level} CI {fmt(low)} to {fmt(high)}), equivalence margin +-{margin:g}, "
        f"TOST p {fmt(p_tost)}"
    )
    equivalent = p_tost < alpha
    beyond = low > margin or high < -margin
    high_enough = True
    if floor is not None:
        percentile = expression_percentile(evidence.de, float(result["baseMean"]))
        high_enough = percentile >= floor
        text += (
            f"; baseMean {fmt(float(result['baseMean']), 4)} is above {fmt(percentile, 4)}% of genes (floor {floor:g}%)"
        )
    if beyond:
        verdict = CONTRADICTED
        text += "; changed beyond the margin"
    elif equivalent and high_enough:
        verdict = SUPPORTED
    else:
        verdict = NOT_SUPPORTED
        text += "; a change beyond the margin cannot be excluded" if not equivalent else "; below the expression floor"
    return _row("log2FoldChange", lfc, p_tost, lfc, text, verdict)


def _group_values(values: pd.Series, evidence: Evidence) -> tuple[np.ndarray, np.ndarray]:
    target = values.reindex(evidence.target_samples).dropna().to_numpy(dtype=float)
    reference = values.reindex(evidence.reference_samples).dropna().to_numpy(dtype=float)
    return target, reference


def _shift(target: np.ndarray, reference: np.ndarray, what: str, evidence: Evidence, sign: int) -> dict:
    """A per-sample shift row before multiple-testing correction (see ``judge_shifts``)."""
    from scipy.stats import ttest_ind

    if len(target) < 2 or len(reference) < 2:
        return _row(
            "mean difference", np.nan, np.nan, np.nan, f"fewer than 2 samples per group with {what}", NOT_TESTABLE
        )
    effect = hedges_g(target, reference)
    pvalue = float(ttest_ind(target, reference, equal_var=False).pvalue) if np.isfinite(effect) else np.nan
    text = (
        f"mean {what} {fmt(target.mean())} in {evidence.target} vs {fmt(reference.mean())} in {evidence.reference} "
        f"(n = {len(target)} vs {len(reference)}), Hedges' g {fmt(effect)}, Welch p {fmt(pvalue)}"
    )
    entry = _row("mean difference", float(target.mean() - reference.mean()), pvalue, effect, text, NOT_TESTABLE)
    entry["sign"] = sign
    return entry


def score_shift(evidence: Evidence, item: Mapping, thresholds: Mapping) -> dict:
    term, method = item["set"], item["method"]
    scores = evidence.scores[(evidence.scores["gene_set"] == term) & (evidence.scores["method"] == method)]
    target, reference = _group_values(scores.set_index("sample")["score"], evidence)
    return _shift(target, reference, f"{method} score of {term}", evidence, 1 if item["direction"] == "up" else -1)


def subtype_shift(evidence: Evidence, item: Mapping, thresholds: Mapping) -> dict:
    subtype, column = item["subtype"], f"corr_{item['subtype']}"
    if column not in evidence.pam50.columns:
        return _row("mean difference", np.nan, np.nan, np.nan, f"no PAM50 correlations with {subtype}", NOT_TESTABLE)
    table = evidence.pam50.set_index("sample")
    target, reference = _group_values(table[column], evidence)
    entry = _shift(
        target,
        reference,
        f"Spearman r to the {subtype} centroid",
        evidence,
        1 if item["direction"] == "towards" else -1,
    )
    if "sign" in entry and "call" in table.columns:

        def calls(samples):
            counts = table["call"].reindex(samples).value_counts()
            return ", ".join(f"{name} x{count}" for name, count in sorted(counts.items()))

        entry["evidence"] += (
            f"; calls {evidence.target}: {calls(evidence.target_samples)}; {evidence.reference}: "
            f"{calls(evidence.reference_samples)} (relative calls among these samples, not clinical)"
        )
    return entry


KINDS = {
    "geneset_shift": geneset_shift,
    "gene_change": gene_change,
    "gene_unchanged": gene_unchanged,
    "score_shift": score_shift,
    "subtype_shift": subtype_shift,
}


def judge_shifts(rows: list[dict], thresholds: Mapping) -> None:
    """BH-adjust the Welch p-values of all per-sample shift rows of the file together, then give their verdicts."""
    from scipy.stats import false_discovery_control

    shifts = [entry for entry in rows if "sign" in entry and np.isfinite(entry["fdr"])]
    if shifts:
        adjusted = false_discovery_control([entry["fdr"] for entry in shifts], method="bh")
        for entry, fdr in zip(shifts, adjusted, strict=True):
            welch = f"Welch p {fmt(entry['fdr'])}"
            entry["evidence"] = entry["evidence"].replace(welch, f"{welch}, BH-adjusted {fmt(float(fdr))}", 1)
            entry["fdr"] = float(fdr)
            effect = entry["sign"] * entry["effect_size"]
            if fdr < thresholds["fdr"] and effect >= thresholds["min_effect_size"]:
                entry["verdict"] = SUPPORTED
            elif fdr < thresholds["fdr"] and effect <= -thresholds["min_effect_size"]:
                entry["verdict"] = CONTRADICTED
            else:
                entry["verdict"] = NOT_SUPPORTED
    for entry in rows:
        entry.pop("sign", None)


def required_count(combine, primary: int) -> int:
    if combine == "all":
        return primary
    if combine == "any":
        return 1
    return int(combine["at_least"])


def combine_text(combine) -> str:
    return combine if isinstance(combine, str) else f"at least {combine['at_least']}"


def overall_verdict(verdicts: Sequence[str], combine) -> tuple[str, str]:
    """The hypothesis's verdict from its primary rows, and why.

    With k the number of rows that must be supported (all, any = 1, at_least k):
    contradicted when so many rows are contradicted that k can no longer be met; supported when
    k rows are supported and none contradicted; not testable when fewer than k rows could be
    tested; otherwise not supported (including when supported and contradicted rows conflict).
    """
    count = {verdict: sum(1 for value in verdicts if value == verdict) for verdict in VERDICTS}
    total, needed = len(verdicts), required_count(combine, len(verdicts))
    tally = ", ".join(f"{count[verdict]} {verdict}" for verdict in VERDICTS if count[verdict])
    reason = f"primary evidence ({combine_text(combine)} of {total} must be supported): {tally}"
    if count[CONTRADICTED] > total - needed:
        return CONTRADICTED, reason
    if count[SUPPORTED] >= needed and count[CONTRADICTED] == 0:
        return SUPPORTED, reason
    if total - count[NOT_TESTABLE] < needed:
        return NOT_TESTABLE, reason
    if count[SUPPORTED] >= needed:
        return NOT_SUPPORTED, reason + " (supported and contradicted rows conflict)"
    return NOT_SUPPORTED, reason


def judge(evidence: Evidence, declaration: Mapping) -> pd.DataFrame:
    """Every declared hypothesis on ``evidence``: its primary rows, supporting rows and overall row."""
    thresholds = declaration["thresholds"]
    blocks = []
    for entry in declaration["hypotheses"]:
        rows = []
        for role in (PRIMARY, SUPPORTING):
            for item in entry[role]:
                row = {"hypothesis": entry["id"], "role": role, "test": evidence_label(item)}
                row.update(KINDS[item["kind"]](evidence, item, thresholds))
                rows.append(row)
        blocks.append((entry, rows))
    judge_shifts([row for _, rows in blocks for row in rows], thresholds)
    table = []
    for entry, rows in blocks:
        verdict, reason = overall_verdict([row["verdict"] for row in rows if row["role"] == PRIMARY], entry["combine"])
        table += rows
        table.append(
            {
                "hypothesis": entry["id"],
                "role": OVERALL,
                "test": "overall",
                **_row("verdict", np.nan, np.nan, np.nan, reason, verdict),
            }
        )
    frame = pd.DataFrame(table)
    frame["robustness"] = np.nan
    frame["recomputations"] = 0
    frame["fragile"] = False
    return frame[HYPOTHESIS_COLUMNS]


def overall_verdicts(table: pd.DataFrame) -> dict[str, str]:
    return table[table["role"] == OVERALL].set_index("hypothesis")["verdict"].to_dict()


# --- robustness ---------------------------------------------------------------------------------------


def add_robustness(table: pd.DataFrame, audit: pd.DataFrame, fragile_below: float) -> pd.DataFrame:
    """Share of the audit's recomputations that reproduce each row's verdict; below ``fragile_below``: fragile."""
    table = table.copy()
    if audit.empty:
        return table
    merged = audit.merge(
        table[["hypothesis", "test", "verdict"]], on=["hypothesis", "test"], suffixes=("", "_reported")
    )
    merged["same"] = merged["verdict"] == merged["verdict_reported"]
    shares = merged.groupby(["hypothesis", "test"], sort=False)["same"].agg(["mean", "size"])
    keys = pd.MultiIndex.from_frame(table[["hypothesis", "test"]])
    table["robustness"] = shares["mean"].reindex(keys).to_numpy(dtype=float)
    table["recomputations"] = shares["size"].reindex(keys).fillna(0).to_numpy(dtype=int)
    table["fragile"] = table["robustness"] < fragile_below
    return table


def robustness_text(entry) -> str:
    if not entry.recomputations:
        return "not audited"
    same = int(round(entry.robustness * entry.recomputations))
    text = f"{same}/{entry.recomputations} ({entry.robustness:.0%})"
    return text + ", fragile" if entry.fragile else text


# --- what changed beyond the declared questions ----------------------------------------------------------


def findings(evidence: Evidence, fdr: float) -> list[str]:
    """What changed at all, in plain words: genes at padj < fdr and gene sets at FDR < fdr.

    When sets were tested and neither a gene nor a set passes, one sentence says that nothing changed.
    """
    from resistseq.genesets import dropped_statement

    padj = evidence.de["padj"].astype(float)
    significant = padj < fdr
    up = int((significant & (evidence.de["log2FoldChange"] > 0)).sum())
    down = int((significant & (evidence.de["log2FoldChange"] < 0)).sum())
    tested = f"{int(padj.notna().sum())} of {len(padj)} genes tested"
    if up + down:
        genes = f"{up} genes up and {down} down at padj < {fdr} ({tested})"
    else:
        genes = f"no gene at padj < {fdr} ({tested})"
    gsea_fdr = evidence.gsea["fdr"].astype(float)
    enriched = evidence.gsea.index[gsea_fdr < fdr]
    if evidence.gsea.empty:
        dropped = dropped_statement(evidence.coverage) if evidence.coverage is not None else ""
        sets = "no gene set was tested" + (f" ({dropped})" if dropped else "")
    elif len(enriched):
        sets = f"{len(enriched)} of {len(gsea_fdr)} gene sets with FDR < {fdr}: " + ", ".join(sorted(enriched))
    else:
        sets = f"no gene set with FDR < {fdr} ({len(gsea_fdr)} tested)"
    if up + down == 0 and not evidence.gsea.empty and not len(enriched):
        return [f"Nothing changed at these thresholds: {genes}, and {sets}."]
    return [f"Differential expression: {genes}.", f"Gene-set enrichment: {sets}."]


def exploratory(evidence: Evidence, declaration: Mapping, top_sets: int = 5, top_genes: int = 10) -> list[str]:
    """The strongest gene sets and genes that no hypothesis declared: listed, never judged."""
    fdr = declaration["thresholds"]["fdr"]
    sets = evidence.gsea[~evidence.gsea.index.isin(declared_sets(declaration))].copy()
    sets = sets[sets["fdr"].astype(float) < fdr]
    sets["abs_nes"] = sets["nes"].abs()
    sets = sets.reset_index().sort_values(["fdr", "abs_nes", "term"], ascending=[True, False, True], kind="mergesort")
    genes = evidence.de[~evidence.de["gene_name"].isin(declared_names(declaration, "gene"))]
    genes = genes[genes["padj"].astype(float) < fdr].copy()
    genes["abs_lfc"] = genes["log2FoldChange"].abs()
    genes = genes.sort_values(["padj", "abs_lfc", "gene_id"], ascending=[True, False, True], kind="mergesort")
    set_text = "; ".join(
        f"{row.term} NES {fmt(row.nes)}, FDR {fmt(row.fdr)}" for row in sets.head(top_sets).itertuples()
    )
    gene_text = "; ".join(
        f"{row.gene_name} log2FC {fmt(row.log2FoldChange)}, padj {fmt(row.padj)}"
        for row in genes.head(top_genes).itertuples()
    )
    return [
        f"Undeclared gene sets at FDR < {fdr} ({len(sets)}): " + (set_text or "none") + ".",
        f"Undeclared genes at padj < {fdr} ({len(genes)}, strongest {min(top_genes, len(genes))} shown): "
        + (gene_text or "none")
        + ".",
    ]


# --- the readable summary ----------------------------------------------------------------------------


def short_evidence(entry) -> str:
    """One row in a few words: what was measured, its number, its verdict."""
    if entry.statistic == "NES":
        numbers = f"NES {fmt(entry.value)}, FDR {fmt(entry.fdr)}"
    elif entry.statistic == "log2FoldChange" and "equivalence" in entry.test:
        numbers = f"log2FC {fmt(entry.value)}, TOST p {fmt(entry.fdr)}"
    elif entry.statistic == "log2FoldChange":
        numbers = f"log2FC {fmt(entry.value)}, padj {fmt(entry.fdr)}"
    else:
        numbers = f"g {fmt(entry.effect_size)}, FDR {fmt(entry.fdr)}"
    return f"{entry.test}: {numbers} ({entry.verdict})"


@dataclass
class Declared:
    """Where the hypotheses were declared: the file as labelled, its SHA-256 and the declaration itself."""

    label: str
    sha256: str
    text: str
    declaration: Mapping


@dataclass
class Summary:
    """What the readable summary shows: the judged table, the contrast, the declaration, and what else changed."""

    table: pd.DataFrame
    contrast: str
    target: str
    reference: str
    declared: Declared
    found: Sequence[str]  # from ``findings``
    explored: Sequence[str]  # from ``exploratory``


def summary_rows(table: pd.DataFrame, declaration: Mapping) -> list[dict]:
    statements = {entry["id"]: entry["statement"] for entry in declaration["hypotheses"]}
    rows = []
    for entry in table[table["role"] == OVERALL].itertuples(index=False):
        details = table[table["hypothesis"] == entry.hypothesis]
        points = {
            role: "; ".join(
                short_evidence(detail) for detail in details[details["role"] == role].itertuples(index=False)
            )
            for role in (PRIMARY, SUPPORTING)
        }
        rows.append(
            {
                "id": entry.hypothesis,
                "statement": statements[entry.hypothesis],
                "verdict": entry.verdict,
                "fragile": bool(entry.fragile),
                "robustness": robustness_text(entry),
                PRIMARY: points[PRIMARY],
                SUPPORTING: points[SUPPORTING] or "none declared",
            }
        )
    return rows


def summary_notes(declared: Declared) -> list[str]:
    thresholds, audit = declared.declaration["thresholds"], declared.declaration["audit"]
    return [
        f"Hypotheses as declared in {declared.label} (SHA-256 {declared.sha256}; its full text is in "
        "results/provenance.json and the report). Only primary evidence decides a verdict; supporting evidence is "
        "shown with its own result.",
        f"Thresholds: FDR / padj < {thresholds['fdr']}; per-sample shifts need a BH-adjusted Welch p < "
        f"{thresholds['fdr']} and |Hedges' g| >= {thresholds['min_effect_size']}; 'unchanged' needs the "
        f"{100 * (1 - 2 * thresholds['equivalence_alpha']):g}% CI of the log2 fold change inside the declared margin "
        "(two one-sided tests). 'not supported' means the data do not show the effect at these thresholds, not that "
        "it is absent.",
        f"Robustness: the share of recomputations (each sample left out in turn, {audit['gsea_seeds']} other GSEA "
        f"seeds, the declared sets tested on their own) that give the same verdict; below {audit['fragile_below']:.0%} "
        "the verdict is marked fragile.",
        "PAM50 calls come from median-centring genes across these samples: on cell lines compared with each other "
        "they are relative (which way the samples differ), not clinical subtypes.",
    ]


def _verdict_words(row: dict) -> str:
    return f"**{row['verdict']}** (fragile)" if row["fragile"] else f"**{row['verdict']}**"


def summary_markdown(summary: Summary) -> str:
    """A short readable summary of the table for the top of the report."""
    table, declared, found, explored = summary.table, summary.declared, summary.found, summary.explored
    contrast, target, reference = summary.contrast, summary.target, summary.reference
    lines = [f"## {contrast}: {target} vs {reference}", ""]
    lines += [line for sentence in found for line in (sentence, "")]
    lines += [
        "| hypothesis | verdict | robustness | primary evidence | supporting evidence (never decides) |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {row['id']}: {row['statement']} | {_verdict_words(row)} | {row['robustness']} | {row[PRIMARY]} | "
        f"{row[SUPPORTING]} |"
        for row in summary_rows(table, declared.declaration)
    ]
    if explored:
        lines += ["", "**Exploratory, not declared, no verdict:**", ""] + [f"- {sentence}" for sentence in explored]
    for note in summary_notes(declared):
        lines += ["", note]
    return "\n".join(lines + [""])


VERDICT_COLOURS = {
    SUPPORTED: "#009E73",
    CONTRADICTED: "#D55E00",
    NOT_SUPPORTED: "#555555",
    NOT_TESTABLE: "#999999",
}


def summary_html(summary: Summary) -> str:
    """The same summary as a self-contained HTML page, shown at the top of the Snakemake report."""
    table, declared, found, explored = summary.table, summary.declared, summary.found, summary.explored
    contrast, target, reference = summary.contrast, summary.target, summary.reference
    rows = "\n".join(
        f"<tr><td><b>{escape(row['id'])}</b>: {escape(row['statement'])}</td>"
        f'<td style="color:{VERDICT_COLOURS.get(row["verdict"], "#000000")}"><b>{escape(row["verdict"])}</b>'
        f"{' <i>(fragile)</i>' if row['fragile'] else ''}</td>"
        f"<td>{escape(row['robustness'])}</td><td>{escape(row[PRIMARY])}</td><td>{escape(row[SUPPORTING])}</td></tr>"
        for row in summary_rows(table, declared.declaration)
    )
    notes = "\n".join(f"<p>{escape(note)}</p>" for note in summary_notes(declared))
    headline = "".join(f"<p><b>{escape(sentence)}</b></p>\n" for sentence in found)
    explored_html = ""
    if explored:
        explored_html = (
            "<h3>Exploratory, not declared, no verdict</h3>\n<ul>"
            + "".join(f"<li>{escape(sentence)}</li>" for sentence in explored)
            + "</ul>\n"
        )
    declaration_text = (
        f"<details><summary>The hypotheses file as declared: {escape(declared.label)}</summary>"
        f"<pre>{escape(declared.text)}</pre></details>\n"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(contrast)}: hypotheses</title>"
        "<style>body{font-family:sans-serif;font-size:14px;margin:1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
        "th{background:#f2f2f2;text-align:left}pre{background:#f7f7f7;padding:8px}</style></head><body>\n"
        f"<h2>{escape(contrast)}: {escape(target)} vs {escape(reference)}</h2>\n"
        f"{headline}"
        "<table><thead><tr><th>hypothesis</th><th>verdict</th><th>robustness</th><th>primary evidence</th>"
        "<th>supporting evidence (never decides)</th></tr></thead><tbody>\n"
        f"{rows}\n</tbody></table>\n{explored_html}{notes}\n{declaration_text}</body></html>\n"
    )


def sample_groups(samples: Sequence[str], groups: Sequence[str], target: str, reference: str) -> tuple[list, list]:
    target_samples = [sample for sample, group in zip(samples, groups, strict=True) if group == target]
    reference_samples = [sample for sample, group in zip(samples, groups, strict=True) if group == reference]
    return target_samples, reference_samples


def read_evidence(paths: Mapping[str, str], contrast: Mapping) -> Evidence:
    """The evidence of one contrast from the workflow's tables: de, gsea, coverage, scores, pam50 and sheet."""
    from resistseq.tables import (
        read_coverage,
        read_enrichment_table,
        read_gene_table,
        read_sample_sheet,
        read_sample_table,
    )

    samples = read_sample_sheet(paths["sheet"])
    target_samples, reference_samples = sample_groups(
        list(samples["sample"]), list(samples[contrast["variable"]]), contrast["target"], contrast["reference"]
    )
    return Evidence(
        de=read_gene_table(paths["de"]),
        gsea=read_enrichment_table(paths["gsea"]).set_index("term"),
        scores=read_sample_table(paths["scores"]),
        pam50=read_sample_table(paths["pam50"]),
        target_samples=target_samples,
        reference_samples=reference_samples,
        target=contrast["target"],
        reference=contrast["reference"],
        coverage=read_coverage(paths["coverage"]),
    )
