"""DESeq2 fits for the contrast kinds of ``resistseq.contrasts``: Wald tests of any contrast vector,
threshold tests on the contrast, apeGLM shrinkage of the contrast, and the rule's dispatch (LRTs:
``resistseq.lrt``). Results have ``resistseq.deseq.RESULT_COLUMNS``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from resistseq.contrasts import (
    ContrastSpec,
    adjusted_pvalues,
    contrast_all_zero,
    contrast_metadata,
    contrast_vector,
    describe,
    smallest_cell,
    threshold_test,
)

if TYPE_CHECKING:
    from resistseq.deseq import DEResult, DESettings


def fit_model(counts: pd.DataFrame, samples: pd.DataFrame, spec: ContrastSpec, settings: DESettings):
    """(DeseqDataSet fitted on the pre-filtered genes, its model frame, the pre-filter's min_samples as applied)."""
    from resistseq.deseq import fit_prefiltered

    metadata = contrast_metadata(samples, spec.model_formulas, spec.reference_levels)
    min_samples = settings.min_samples
    if settings.min_count and min_samples is None:
        min_samples = smallest_cell(metadata, spec.design)
    dds, min_samples = fit_prefiltered(counts, metadata, replace(settings, design=spec.design), min_samples)
    return dds, metadata, min_samples


def wald_stats(dds, contrast: np.ndarray, alpha: float, cooks_filter: bool, independent_filter: bool):
    """PyDESeq2's DeseqStats of contrast vector ``contrast``, summarised (Wald test, filters)."""
    from pydeseq2.ds import DeseqStats

    stats = DeseqStats(
        dds,
        contrast=contrast,
        alpha=alpha,
        cooks_filter=cooks_filter,
        independent_filter=independent_filter,
        inference=dds.inference,
        quiet=True,
    )
    stats.summary()
    return stats


def shrink_contrast(stats, contrast: np.ndarray) -> None:
    """apeGLM shrinkage of c'beta on a fitted ``DeseqStats``: re-parameterise so c'beta is one coefficient.

    Replaces the DeseqStats' design and LFC with X T^-1 and B T' (module docstring) and shrinks the
    column 'contrast'; its results_df then holds the shrunk LFC and SE.
    """
    k = int(np.argmax(np.abs(contrast)))
    transform = np.eye(len(contrast))
    transform[k] = contrast
    columns = list(stats.design_matrix.columns)
    columns[k] = "contrast"
    stats.design_matrix = pd.DataFrame(
        stats.design_matrix.to_numpy() @ np.linalg.inv(transform), index=stats.design_matrix.index, columns=columns
    )
    stats.LFC = pd.DataFrame(stats.LFC.to_numpy() @ transform.T, index=stats.LFC.index, columns=columns)
    stats.lfc_shrink(coeff="contrast")


def run_contrast(
    counts: pd.DataFrame,
    samples: pd.DataFrame,
    spec: ContrastSpec,
    settings: DESettings,
    annotation: pd.DataFrame | None = None,
) -> DEResult:
    """DESeq2 results of a pairwise or coefficients contrast, with its threshold test.

    As ``deseq.run_deseq2``; the fit uses the contrast's own design (``spec.design``).
    """
    from resistseq.deseq import de_result

    alpha, cooks_filter, independent_filter = settings.alpha, settings.cooks_filter, settings.independent_filter
    dds, metadata, min_samples = fit_model(counts, samples, spec, settings)
    vector = contrast_vector(spec, metadata)
    # padj comes from adjusted_pvalues below: PyDESeq2's own independent filtering would be wasted.
    stats = wald_stats(dds, vector, alpha, cooks_filter, independent_filter=False)
    results = stats.results_df.copy()
    all_zero = contrast_all_zero(np.asarray(dds.X, dtype=float), dds.obsm["design_matrix"].to_numpy(), vector)
    all_zero &= dds.var["non_zero"].to_numpy(dtype=bool)
    results.loc[all_zero, ["log2FoldChange", "stat"]] = 0.0
    results.loc[all_zero, "pvalue"] = 1.0
    if spec.lfc_threshold > 0 or spec.alt_hypothesis != "greaterAbs":
        stat, pvalue = threshold_test(
            results["log2FoldChange"], results["lfcSE"], spec.lfc_threshold, spec.alt_hypothesis
        )
        results["stat"], results["pvalue"] = stat, pvalue
    if cooks_filter:
        results.loc[dds.cooks_outlier().to_numpy(), "pvalue"] = np.nan
    results["padj"] = adjusted_pvalues(results["baseMean"], results["pvalue"], alpha, independent_filter)
    shrunk = None
    if settings.shrink_lfc:
        shrunk = "contrast"
        shrink_contrast(stats, vector)
        results["log2FoldChange_shrunk"] = stats.results_df["log2FoldChange"]
        results["lfcSE_shrunk"] = stats.results_df["lfcSE"]
    else:
        results["log2FoldChange_shrunk"] = np.nan
        results["lfcSE_shrunk"] = np.nan
    return de_result(results, counts, dds, replace(settings, design=spec.design), annotation, min_samples, shrunk)


def run_general_test(
    counts: pd.DataFrame,
    samples: pd.DataFrame,
    entry: Mapping,
    settings: DESettings,
    annotation: pd.DataFrame | None = None,
    logger=None,
) -> DEResult:
    """The rule's dispatch for a config entry that ``needs_general_test``."""
    from resistseq.lrt import LRT_LFC_NOTE, run_lrt

    spec = ContrastSpec.from_config(entry, settings.design)
    if spec.kind == "lrt":
        if logger is not None:
            logger.info("%s: LRT of '%s' against '%s'; %s", spec.name, spec.design, spec.reduced, LRT_LFC_NOTE)
        return run_lrt(counts, samples, spec, settings, annotation)
    if logger is not None:
        logger.info("%s: %s on the design '%s'", spec.name, describe(entry), spec.design)
    return run_contrast(counts, samples, spec, settings, annotation)
