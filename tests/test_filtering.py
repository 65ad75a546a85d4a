"""Independent filtering as R DESeq2's results(): resistseq.filtering against R's lowess and DESeq2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resistseq.filtering import independent_filtering, lowess

R_REFERENCE = Path(__file__).parent / "data" / "r_reference"


@pytest.mark.parametrize("case", ["sine", "ties", "rejections_nfcore", "rejections_rising"])
def test_lowess_matches_r(case):
    table = pd.read_csv(R_REFERENCE / "lowess.tsv", sep="\t")
    table = table[table["case"] == case]
    fitted = lowess(table["x"].to_numpy(), table["y"].to_numpy(), f=float(table["f"].iloc[0]))
    # The table holds 7 significant digits of R's inputs and outputs.
    assert np.allclose(fitted, table["fit"].to_numpy(), rtol=1e-5, atol=1e-5)


def test_pydeseq2_lowess_loses_the_tail_of_a_flat_rejection_curve():
    """Why the workflow recomputes padj: PyDESeq2 0.5.4's lowess gives 0 where R's rises to ~10.

    If this starts failing, PyDESeq2 has fixed its lowess and resistseq.filtering could go.
    """
    from pydeseq2.utils import lowess as pydeseq2_lowess

    table = pd.read_csv(R_REFERENCE / "lowess.tsv", sep="\t")
    table = table[table["case"] == "rejections_nfcore"]
    theirs = pydeseq2_lowess(table["x"].to_numpy(), table["y"].to_numpy(), frac=1 / 5)
    assert np.all(theirs[-7:] == 0) and table["fit"].iloc[-1] > 9.9


def test_independent_filtering_keeps_every_gene_with_ten_rejections_or_fewer():
    rng = np.random.default_rng(1)
    base_mean = pd.Series(rng.lognormal(3, 2, 500))
    pvalue = pd.Series(rng.uniform(size=500))
    pvalue[:5] = 1e-9
    padj = independent_filtering(base_mean, pvalue, alpha=0.05)
    assert padj.notna().all()
    assert (padj < 0.05).sum() == 5


def test_independent_filtering_drops_low_count_genes_when_that_gains_rejections():
    rng = np.random.default_rng(2)
    base_mean = pd.Series(np.r_[rng.uniform(0.5, 5, 2000), rng.uniform(50, 5000, 1000)])
    # Low-count genes are pure noise; a third of the well-expressed ones are changed.
    pvalue = pd.Series(np.r_[rng.uniform(size=2000), rng.uniform(0, 0.02, 300), rng.uniform(size=700)])
    pvalue[7] = np.nan  # a Cook's outlier stays NaN
    padj = independent_filtering(base_mean, pvalue, alpha=0.1)
    kept = padj.notna()
    assert kept.sum() < 3000 and base_mean[kept].min() > base_mean[~kept & pvalue.notna()].max()
    assert np.isnan(padj[7])
    # Filtering gains rejections over adjusting everything.
    unfiltered = pd.Series(np.nan, index=pvalue.index)
    tested = pvalue.notna()
    from scipy.stats import false_discovery_control

    unfiltered[tested] = false_discovery_control(pvalue[tested], method="bh")
    assert (padj < 0.1).sum() > (unfiltered < 0.1).sum()


def test_sorted_bh_equals_scipy_on_every_subset():
    """One sort for all 50 cutoffs gives scipy's BH values exactly, ties and missing p-values included."""
    from scipy.stats import false_discovery_control

    from resistseq.filtering import SortedBH

    rng = np.random.default_rng(3)
    pvalues = np.round(rng.uniform(size=2000) ** 3, 4)  # rounding makes many ties
    pvalues[rng.uniform(size=2000) < 0.1] = np.nan
    pvalues[:5] = [0.0, 1.0, 1.0, 0.0, np.nan]
    adjust = SortedBH(pvalues)
    for share in (0.0, 0.3, 0.9, 0.9995, 1.0):
        mask = rng.uniform(size=2000) >= share
        genes, adjusted = adjust.at(mask)
        use = mask & ~np.isnan(pvalues)
        expected = np.full(2000, np.nan)
        if use.any():
            expected[use] = false_discovery_control(pvalues[use], method="bh")
        got = np.full(2000, np.nan)
        got[genes] = adjusted
        assert np.array_equal(got, expected, equal_nan=True)
