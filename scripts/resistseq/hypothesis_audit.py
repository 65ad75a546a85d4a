"""Robustness audit of the hypothesis verdicts: recompute them on perturbed evidence.

Recomputations: the declared gene sets tested on their own with the run's GSEA seed (gseapy's FDR
compares a set's NES with the null of all sets tested together, so this one shows whether a verdict
depends on the rest of the collection); the same with ``gsea_seeds`` other seeds; and, with
``jackknife``, DE refitted leaving out each sample of the compared groups in turn (groups with at least
three samples only, so each keeps two), followed by GSEA of the declared sets. Only the declared sets
are rerun, and DE refits skip apeGLM shrinkage (no verdict reads it), so the audit costs a few DE fits
and GSEA runs of a handful of sets. Per-sample scores and PAM50 correlations are the run's own; a
left-out sample is dropped from their comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from resistseq.genesets import set_coverage
from resistseq.gsea import gsea_table, rank_genes, run_prerank
from resistseq.hypothesis import AUDIT_COLUMNS, Evidence, declared_sets, judge


@dataclass
class GseaSettings:
    """The run's GSEA settings (config 'enrichment'), applied to the declared sets only."""

    seed: int
    method: str
    pvalue_floor: float
    permutations: int
    min_size: int
    max_size: int
    min_coverage: float
    threads: int

    @classmethod
    def from_config(cls, enrichment: Mapping, threads: int = 1) -> GseaSettings:
        """From the resolved config's ``enrichment`` block."""
        keys = ("seed", "method", "pvalue_floor", "permutations", "min_size", "max_size", "min_coverage")
        return cls(**{key: enrichment[key] for key in keys}, threads=threads)


def declared_gsea(
    de: pd.DataFrame, sets: Mapping[str, list[str]], settings: GseaSettings, seeds: Sequence[int], logger=None
) -> list[pd.DataFrame]:
    """Preranked GSEA of ``sets`` alone on ``de``'s Wald statistics, one table per seed, indexed by term
    (empty when none is testable). The ranking and the sets' coverage are computed once for all seeds;
    ``logger`` hears when the multilevel method falls back to permutation (run_prerank)."""
    ranking = rank_genes(de)
    coverage = set_coverage(sets, {}, ranking.scores.index, settings.min_size, settings.max_size, settings.min_coverage)
    tested = {name: sets[name] for name in coverage.loc[coverage["status"] == "tested", "term"]}
    if not tested:
        return [gsea_table(None, coverage).set_index("term") for _ in seeds]
    tables = []
    for seed in seeds:
        result = run_prerank(
            ranking.scores,
            tested,
            seed=seed,
            permutations=settings.permutations,
            threads=settings.threads,
            method=settings.method,
            logger=logger,
            pvalue_floor=settings.pvalue_floor,
        )
        tables.append(gsea_table(result, coverage).set_index("term"))
    return tables


def verdict_rows(name: str, evidence: Evidence, declaration: Mapping) -> pd.DataFrame:
    table = judge(evidence, declaration)
    return pd.DataFrame(
        {"recomputation": name, "hypothesis": table["hypothesis"], "test": table["test"], "verdict": table["verdict"]}
    )


def without(evidence: Evidence, sample: str, de: pd.DataFrame, gsea: pd.DataFrame) -> Evidence:
    return replace(
        evidence,
        de=de,
        gsea=gsea,
        target_samples=[name for name in evidence.target_samples if name != sample],
        reference_samples=[name for name in evidence.reference_samples if name != sample],
    )


def jackknife_samples(evidence: Evidence) -> list[str]:
    """Samples to leave out in turn: those of a compared group with at least three samples."""
    return [
        sample for group in (evidence.reference_samples, evidence.target_samples) if len(group) >= 3 for sample in group
    ]


def audit_verdicts(
    evidence: Evidence,
    declaration: Mapping,
    gene_sets: Mapping[str, list[str]],
    gsea: GseaSettings,
    refit: Callable[[Sequence[str]], pd.DataFrame] | None,
    logger=None,
) -> pd.DataFrame:
    """Every row's verdict in every recomputation (long: recomputation, hypothesis, test, verdict).

    ``refit(samples_left_out)`` returns the DE table fitted without those samples; None skips the jackknife.
    """
    sets = {name: gene_sets[name] for name in declared_sets(declaration) if name in gene_sets}
    audit = declaration["audit"]
    frames = []

    def log(message, *arguments):
        if logger is not None:
            logger.info(message, *arguments)

    seeds = [gsea.seed + offset for offset in range(audit["gsea_seeds"] + 1)]
    log("audit: declared sets alone, GSEA seeds %s", ", ".join(map(str, seeds)))
    for seed, table in zip(seeds, declared_gsea(evidence.de, sets, gsea, seeds, logger), strict=True):
        name = f"declared sets alone, GSEA seed {seed}"
        frames.append(verdict_rows(name, replace(evidence, gsea=table), declaration))
    if audit["jackknife"] and refit is not None:
        for sample in jackknife_samples(evidence):
            log("audit: DE refit without %s", sample)
            try:
                de = refit([sample])
            except (np.linalg.LinAlgError, ValueError) as error:
                # A design that cannot be fitted without this sample (e.g. the last of a batch) is not a verdict.
                if logger is not None:
                    logger.warning("audit: DE refit without %s failed (%s); left out of the audit", sample, error)
                continue
            perturbed = without(evidence, sample, de, declared_gsea(de, sets, gsea, [gsea.seed], logger)[0])
            frames.append(verdict_rows(f"without {sample}", perturbed, declaration))
    if not frames:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[AUDIT_COLUMNS]
