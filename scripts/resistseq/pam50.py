"""PAM50 nearest-centroid subtype calls (Parker et al. 2009) by Spearman correlation.

Genes are median-centred across the samples given, so calls are relative to that
set of samples: on a few cell lines compared with each other they describe which way
the samples differ, not a clinical subtype.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from resistseq.errors import WorkflowInputError

SUBTYPES = ["Basal", "Her2", "LumA", "LumB", "Normal"]
PAM50_COLUMNS = ["sample", "group", "call", *(f"corr_{subtype}" for subtype in SUBTYPES), "n_genes"]


def read_centroids(path: str | os.PathLike) -> pd.DataFrame:
    """The centroid table: genes (current HGNC symbols) x the five subtypes."""
    table = pd.read_csv(path, sep="\t", dtype={"gene": str}, float_precision="round_trip")
    missing = [column for column in ["gene", *SUBTYPES] if column not in table.columns]
    if missing:
        raise WorkflowInputError(f"PAM50 centroid file '{path}' lacks the column(s) {', '.join(missing)}.")
    return table.set_index("gene")[SUBTYPES].astype(float)


def median_centre(expression: pd.DataFrame) -> pd.DataFrame:
    """Subtract each gene's median across samples (missing values ignored)."""
    return expression.sub(expression.median(axis=1, skipna=True), axis=0)


def standardise_samples(expression: pd.DataFrame) -> pd.DataFrame:
    """Centre and scale each sample (column), as R's ``scale()`` in the hoadley-lab/pam50 reference.

    A monotone transform, so it leaves Spearman correlations unchanged in exact
    arithmetic; it is kept so that values tied in the input are ordered by the same
    floating-point rounding as the reference, which makes the correlations agree to 1e-15.
    """
    centred = expression - expression.mean(axis=0, skipna=True)
    return centred / expression.std(axis=0, ddof=1, skipna=True)


def centroid_correlations(expression: pd.DataFrame, centroids: pd.DataFrame, centre: bool = True) -> pd.DataFrame:
    """Spearman correlation of each sample to each centroid over the PAM50 genes present.

    ``expression`` is genes (symbols) x samples on a log scale. Missing values are
    dropped gene by gene for each sample (pairwise complete). Returns samples x
    ``corr_<subtype>`` plus ``n_genes``, the genes used for that sample.
    """
    genes = [gene for gene in centroids.index if gene in expression.index]
    data = expression.loc[genes].astype(float)
    if centre:
        data = median_centre(data)
    data = standardise_samples(data)
    rows = []
    for sample in data.columns:
        values = data[sample].to_numpy()
        usable = np.isfinite(values)
        row = {"sample": sample, "n_genes": int(usable.sum())}
        for subtype in SUBTYPES:
            reference = centroids.loc[genes, subtype].to_numpy()
            if usable.sum() < 3:
                row[f"corr_{subtype}"] = float("nan")
            else:
                row[f"corr_{subtype}"] = float(spearmanr(values[usable], reference[usable]).statistic)
        rows.append(row)
    return pd.DataFrame(rows, columns=["sample", *(f"corr_{subtype}" for subtype in SUBTYPES), "n_genes"])


def call_subtypes(correlations: pd.DataFrame, include_normal: bool = True) -> pd.Series:
    """The subtype of the most correlated centroid (first in SUBTYPES order on a tie); NA without correlations."""
    subtypes = SUBTYPES if include_normal else SUBTYPES[:4]
    values = correlations[[f"corr_{subtype}" for subtype in subtypes]].to_numpy(dtype=float)
    calls = []
    for row in values:
        calls.append(subtypes[int(np.nanargmax(row))] if np.isfinite(row).any() else pd.NA)
    return pd.Series(calls, index=correlations.index, dtype="object")


def pam50_table(
    expression: pd.DataFrame, centroids: pd.DataFrame, groups: dict[str, str], include_normal: bool = True
) -> pd.DataFrame:
    """The per-sample PAM50 table in the workflow's output format."""
    table = centroid_correlations(expression, centroids)
    table["call"] = call_subtypes(table, include_normal)
    table["group"] = table["sample"].map(groups)
    return table[PAM50_COLUMNS]
