"""DESeq2's independent filtering of adjusted p-values, as R's ``results()`` does it.

PyDESeq2 0.5.4 follows DESeq2's recipe but smooths the rejection curve with its own lowess,
which returns 0 wherever the curve is flat: when the median absolute residual is 0 its
robustness weights keep only the points that the previous fit already matched exactly,
so wherever the curve departs from a constant it gets no weight at all. The threshold then
drops to almost nothing, the first filter (none) is chosen, and every gene keeps its padj,
while R filters. On the nf-core SRP254919 data at alpha 0.1 R keeps padj for 107 genes and
PyDESeq2 for 977. This module recomputes padj with a lowess that behaves like R's
``stats::lowess`` (Cleveland 1979: tricube local linear fits over ``f * n`` points,
bisquare robustness iterations with 6 x median absolute residual, stopping when that scale
is effectively zero), and DESeq2's rule for picking the filter threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _local_fit(x: np.ndarray, y: np.ndarray, at: int, left: int, right: int, robustness: np.ndarray | None):
    """Weighted local linear fit at x[at] over the window x[left..right]; None when all weights are 0."""
    n = len(x)
    centre = x[at]
    radius = max(centre - x[left], x[right] - centre)
    weights = np.zeros(n)
    total = 0.0
    last = left
    for j in range(left, n):
        distance = abs(x[j] - centre)
        if distance <= 0.999 * radius:
            weight = 1.0 if distance <= 0.001 * radius else (1.0 - (distance / radius) ** 3) ** 3
            if robustness is not None:
                weight *= robustness[j]
            weights[j] = weight
            total += weight
        elif x[j] > centre:
            break
        last = j
    if total <= 0.0:
        return None
    window = slice(left, last + 1)
    w = weights[window] / total
    xs = x[window]
    if radius > 0.0:
        mean_x = np.sum(w * xs)
        spread = np.sum(w * (xs - mean_x) ** 2)
        if np.sqrt(spread) > 0.001 * (x[-1] - x[0]):
            w = w * ((centre - mean_x) / spread * (xs - mean_x) + 1.0)
    return float(np.sum(w * y[window]))


def lowess(x, y, f: float = 2 / 3, iterations: int = 3, delta: float | None = None) -> np.ndarray:
    """Smoothed y at each x, as R's ``stats::lowess(x, y, f, iter, delta)`` (x sorted ascending)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    if n < 2:
        return y.copy()
    if delta is None:
        delta = 0.01 * (x[-1] - x[0])
    span = max(2, min(n, int(f * n + 1e-7)))
    fitted = np.empty(n)
    robustness = None
    for step in range(iterations + 1):
        left, right, last, i = 0, span - 1, -1, 0
        while True:
            # Slide the window right while that brings its far edge closer to x[i].
            while right < n - 1 and x[i] - x[left] > x[right + 1] - x[i]:
                left += 1
                right += 1
            value = _local_fit(x, y, i, left, right, robustness)
            fitted[i] = y[i] if value is None else value
            if last < i - 1:  # points skipped within delta: interpolate linearly
                between = np.arange(last + 1, i)
                share = (x[between] - x[last]) / (x[i] - x[last])
                fitted[between] = share * fitted[i] + (1.0 - share) * fitted[last]
            last = i
            i = last + 1
            while i < n and x[i] <= x[last] + delta:
                if x[i] == x[last]:
                    fitted[i] = fitted[last]
                    last = i
                i += 1
            i = max(last + 1, i - 1)
            if last >= n - 1:
                break
        if step == iterations:
            break
        residuals = np.abs(y - fitted)
        scale = 6.0 * np.median(residuals)
        if scale < 1e-7 * np.mean(residuals):
            break
        robustness = np.where(
            residuals <= 0.001 * scale,
            1.0,
            np.where(residuals <= 0.999 * scale, (1.0 - (residuals / scale) ** 2) ** 2, 0.0),
        )
    return fitted


def independent_filtering(base_mean: pd.Series, pvalue: pd.Series, alpha: float) -> pd.Series:
    """DESeq2's padj with independent filtering on baseMean (``results(..., alpha)`` in R).

    For 50 baseMean quantiles from the share of all-zero genes to 0.95, BH-adjust the genes at
    or above the cutoff; count rejections at ``alpha``; with at most 10 rejections anywhere keep
    every gene, else take the first cutoff whose count exceeds the lowess curve's maximum minus
    the root-mean-square residual. Genes below the cutoff get NaN.
    """
    base_mean = base_mean.astype(float).to_numpy()
    p = pvalue.astype(float).to_numpy()
    lower = float(np.mean(base_mean == 0))
    theta = np.linspace(lower, 0.95 if lower < 0.95 else 1.0, 50)
    cutoffs = np.quantile(base_mean, theta)
    adjust = SortedBH(p)
    rejections = np.array(
        [np.sum(adjust.at(base_mean >= cutoff)[1] < alpha) for cutoff in cutoffs],
        dtype=int,
    )
    chosen = 0
    if rejections.max() > 10:
        curve = lowess(theta, rejections, f=1 / 5)
        positive = rejections > 0
        threshold = curve.max() - np.sqrt(np.mean((rejections[positive] - curve[positive]) ** 2))
        above = np.flatnonzero(rejections > threshold)
        chosen = int(above[0]) if above.size else 0
    padj = np.full(len(p), np.nan)
    genes, adjusted = adjust.at(base_mean >= cutoffs[chosen])
    padj[genes] = adjusted
    return pd.Series(padj, index=pvalue.index, name="padj")


class SortedBH:
    """Benjamini-Hochberg adjustment of subsets of one set of p-values, sorting them once.

    ``at(mask)`` equals ``scipy.stats.false_discovery_control(p[mask & has p], method="bh")`` value
    for value (the same products, running minimum and clip on the subset in p-value order; tied
    p-values get one adjusted value whatever their order), without a sort per subset.
    """

    def __init__(self, pvalues: np.ndarray):
        tested = np.flatnonzero(~np.isnan(pvalues))
        self.order = tested[np.argsort(pvalues[tested], kind="stable")]
        self.sorted = pvalues[self.order]

    def at(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(gene indices, their adjusted p-values) for the genes of ``mask`` that have a p-value."""
        kept = mask[self.order]
        genes, ps = self.order[kept], self.sorted[kept]
        m = ps.size
        if m <= 1:
            return genes, ps
        ps = ps * (m / np.arange(1, m + 1, dtype=float))
        np.minimum.accumulate(ps[::-1], out=ps[::-1])
        return genes, np.clip(ps, 0.0, 1.0)


def filtering_summary(results: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Independent filtering as the DE table records it (one row).

    DESeq2 sets padj to NA for genes below the baseMean cutoff it chose, and only for them among
    genes with a p-value, so the cutoff is read off the table: the smallest baseMean that kept its
    padj. ``share_tested`` is the share of genes with a p-value that kept a padj.
    """
    with_pvalue = results["pvalue"].notna()
    tested = with_pvalue & results["padj"].notna()
    filtered = with_pvalue & results["padj"].isna()
    threshold = float(results.loc[tested, "baseMean"].min()) if filtered.any() and tested.any() else 0.0
    return pd.DataFrame(
        {
            "genes": [len(results)],
            "genes_with_pvalue": [int(with_pvalue.sum())],
            "genes_tested": [int(tested.sum())],
            "genes_filtered": [int(filtered.sum())],
            "share_tested": [float(tested.sum() / with_pvalue.sum()) if with_pvalue.any() else float("nan")],
            "basemean_threshold": [threshold],
            "significant": [int((results["padj"] < alpha).sum())],
            "alpha": [alpha],
        }
    )
