"""The likelihood-ratio test (resistseq.lrt) against R DESeq2 1.38.3's DESeq(test = "LRT").

Five batches x two conditions, 20 samples (tests/contrast_cases.py); R: tests/r/contrast_references.R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import de_settings
from contrast_cases import R_CONTRASTS, groups5, outliers
from test_fidelity_r_reference import agreement
from threadpoolctl import threadpool_limits

from resistseq.contrasts import ContrastSpec
from resistseq.errors import WorkflowInputError
from resistseq.lrt import nb_log_likelihood, run_lrt

DESIGN = "~ condition + batch"


@pytest.fixture(scope="module")
def inputs():
    counts, samples = groups5()
    return counts, samples.set_index("sample", drop=False)


@pytest.fixture(scope="module")
def lrt(inputs):
    spec = ContrastSpec.from_config({"name": "any_batch", "test": "lrt", "reduced": "~ condition"}, DESIGN)
    with threadpool_limits(limits=1):
        return run_lrt(*inputs, spec, de_settings(DESIGN)).table.set_index("gene_id")


def test_lrt_across_five_groups_matches_r(lrt):
    r = pd.read_csv(R_CONTRASTS / "groups5_lrt.tsv.gz", sep="\t", index_col=0)
    figures = agreement(lrt, r)
    # Measured: median |delta log10 p| 0.0037, Spearman 0.9997; identical NA patterns; 689 vs 687
    # genes at padj < 0.05, Jaccard 0.997. log2FoldChange is the Wald LFC of R's last coefficient
    # (batch_b5_vs_b1): max |delta| 0.024 (low-count genes).
    assert figures["baseMean"] < 1e-6
    assert figures["lfc_max_abs"] < 0.05
    assert figures["log10p_median_abs"] < 0.005 and figures["pvalue_spearman"] > 0.999
    assert figures["pvalue_na_mismatch"] == 0 and figures["padj_na_mismatch"] == 0
    assert figures["significant_r"] == 687
    assert figures["jaccard"] >= 0.98
    # The statistic itself: chi-square with 4 degrees of freedom.
    tested = lrt["pvalue"].notna()
    relative = np.abs(lrt.loc[tested, "stat"] / r.loc[lrt.index[tested], "stat"] - 1)
    assert relative.median() < 0.01


def test_lrt_statistic_is_the_deviance_difference(lrt):
    """A gene with strong batch effects: stat is 2 x (log L full - log L reduced) of refits by hand."""
    from scipy.stats import chi2

    top = lrt["stat"].idxmax()
    assert lrt.loc[top, "pvalue"] == pytest.approx(chi2.sf(lrt.loc[top, "stat"], 4), rel=1e-9)
    counts = np.array([[5.0], [0.0], [12.0]])
    mu = np.array([[4.0], [1.0], [10.0]])
    from scipy.stats import nbinom

    dispersion = np.array([0.2])
    expected = nbinom.logpmf(counts[:, 0], 1 / 0.2, 1 / (1 + 0.2 * mu[:, 0])).sum()
    assert nb_log_likelihood(counts, mu, dispersion)[0] == pytest.approx(expected, rel=1e-12)


def test_reduced_design_must_be_nested(inputs):
    spec = ContrastSpec.from_config({"name": "wrong", "test": "lrt", "reduced": "~ batch + condition"}, DESIGN)
    with threadpool_limits(limits=1), pytest.raises(WorkflowInputError, match="not nested"):
        run_lrt(*inputs, spec, de_settings(DESIGN))


def test_lrt_with_replaced_cooks_outliers_matches_r():
    """30 planted outlier counts in 8 vs 8 samples: DESeq2 replaces them and refits those genes; the
    reduced model must use the replaced counts too. Measured: 138 genes at padj < 0.05 in both, Jaccard
    1.0, median |delta log10 p| of the 28 planted genes 0.0002 (with the original counts in the reduced
    fit: 0.31, Jaccard 0.971)."""
    counts, samples = outliers()
    spec = ContrastSpec.from_config({"name": "any", "test": "lrt", "reduced": "~ 1"}, "~ condition")
    with threadpool_limits(limits=1):
        ours = run_lrt(counts, samples.set_index("sample", drop=False), spec, de_settings("~ condition")).table
        ours = ours.set_index("gene_id")
    r = pd.read_csv(R_CONTRASTS / "outliers_lrt.tsv.gz", sep="\t", index_col=0)
    figures = agreement(ours, r)
    assert figures["baseMean"] < 1e-6 and figures["lfc_max_abs"] < 0.05
    assert figures["log10p_median_abs"] < 0.005
    assert figures["pvalue_na_mismatch"] == 0 and figures["padj_na_mismatch"] == 0
    assert figures["jaccard"] >= 0.98
    planted = [
        gene
        for gene in r.index
        if counts.loc[gene].max() >= 100 and counts.loc[gene].max() > 15 * counts.loc[gene].median()
    ]
    assert len(planted) >= 20
    relative = np.abs(np.log10(ours.loc[planted, "pvalue"]) - np.log10(r.loc[planted, "pvalue"]))
    assert relative.median() < 0.01
