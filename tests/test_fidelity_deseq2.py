"""The workflow's DE functions against R DESeq2 on PyDESeq2's shared references and on real nf-core data.

Every case runs ``resistseq.deseq.run_deseq2`` (its table and dispersions) / ``normalise_and_vst`` (the code
the workflow's rules call), never PyDESeq2 directly, and compares with R DESeq2 1.34's outputs in
../shared/data/pydeseq2_reference (upstream tolerance: relative error < 0.02, < 0.04 for the
multi-factor cases; NaN patterns equal). docs/validation.md lists the measured agreement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED, de_settings, requires_shared, vst_settings
from threadpoolctl import threadpool_limits

from resistseq.deseq import Contrast, normalise_and_vst, run_deseq2
from resistseq.quant import import_gene_counts

pytestmark = requires_shared

REFERENCE = SHARED / "data" / "pydeseq2_reference"
R_DATA = REFERENCE / "tests" / "data"
NFCORE = SHARED / "data" / "nfcore_SRP254919"
B_VS_A = Contrast("B_vs_A", "condition", "A", "B")
RESULT_COLUMNS = ["baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj"]


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """One BLAS thread, as the workflow's rules run (limit_threads): on a busy 2-core machine the
    default pool made these fits 3-5x slower."""
    with threadpool_limits(limits=1):
        yield


def relative_error(ours: pd.Series, theirs: pd.Series) -> float:
    both = ours.notna() & theirs.notna()
    return float(np.max(np.abs(ours[both] - theirs[both]) / np.abs(theirs[both])))


def read_r(case: str, name: str) -> pd.DataFrame:
    return pd.read_csv(R_DATA / case / name, index_col=0)


def sheet(metadata: pd.DataFrame) -> pd.DataFrame:
    metadata = metadata.copy()
    metadata.index.name = "sample"
    metadata.insert(0, "sample", metadata.index)
    return metadata


def synthetic(outliers: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = pd.read_csv(REFERENCE / "datasets" / "synthetic" / "test_counts.csv", index_col=0)
    samples = sheet(pd.read_csv(REFERENCE / "datasets" / "synthetic" / "test_metadata.csv", index_col=0))
    if outliers:
        # PyDESeq2's outlier case: two outlier counts and a condition level with one replicate.
        counts.loc["gene1", "sample1"] = 2000
        counts.loc["gene7", "sample11"] = 1000
        samples.loc["sample1", "condition"] = "C"
    return counts, samples


def case_data(case: str, outliers: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    if case in ("single_factor", "multi_factor"):
        return synthetic(outliers)
    if case == "large_counts":
        # PyDESeq2's large-count case (samples x genes in upstream's test_lfc_shrinkage_large_counts).
        counts = pd.DataFrame(
            [
                [25, 405, 1355, 12558, 489843],
                [28, 480, 2144, 13844, 514571],
                [12, 690, 1919, 15632, 564106],
                [31, 420, 1684, 11513, 556380],
                [34, 278, 3849, 11577, 412551],
                [19, 249, 3086, 7296, 295565],
                [17, 491, 4089, 13805, 280945],
                [15, 251, 2785, 10492, 214062],
            ],
            index=["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"],
            columns=["g1", "g2", "g3", "g4", "g5"],
        ).T
        return counts, sheet(pd.DataFrame({"condition": list("AAAABBBB")}, index=counts.columns))
    counts = pd.read_csv(R_DATA / case / "test_counts.csv", index_col=0)
    samples = sheet(pd.read_csv(R_DATA / case / "test_metadata.csv", index_col=0))
    if outliers:
        counts.loc["gene1", "sample1"] = 2000
        counts.loc["gene7", "sample11"] = 1000
        samples.loc["sample1", "condition"] = "C"
    return counts, samples


DESIGNS = {
    "single_factor": "~ condition",
    "multi_factor": "~ group + condition",
    "wide": "~ group + condition",
    "continuous": "~ group + condition + measurement",
    "large_counts": "~ condition",
}


@pytest.mark.parametrize(
    ("case", "outliers", "result_file", "tolerance"),
    [
        ("single_factor", False, "r_test_res.csv", 0.02),
        ("multi_factor", False, "r_test_res.csv", 0.04),
        ("multi_factor", True, "r_test_res_outliers.csv", 0.04),
        ("wide", False, "r_test_res.csv", 0.02),
    ],
)
def test_wald_results_match_r(case, outliers, result_file, tolerance):
    counts, samples = case_data(case, outliers)
    ours = run_deseq2(counts, samples, B_VS_A, de_settings(DESIGNS[case])).table.set_index("gene_id")
    r = read_r(case, result_file)
    ours = ours.loc[r.index]
    for column in RESULT_COLUMNS:
        assert relative_error(ours[column], r[column]) < tolerance, column
        assert (ours[column].isna() == r[column].isna()).all(), column


def test_results_without_independent_filtering_match_r():
    counts, samples = synthetic()
    ours = run_deseq2(counts, samples, B_VS_A, de_settings("~ condition", independent_filter=False)).table
    ours = ours.set_index("gene_id")
    r = read_r("single_factor", "r_test_res_no_independent_filtering.csv")
    for column in RESULT_COLUMNS:
        assert relative_error(ours.loc[r.index, column], r[column]) < 0.02, column
        assert (ours.loc[r.index, column].isna() == r[column].isna()).all(), column


@pytest.mark.parametrize(
    ("case", "tolerance", "se_tolerance", "r_short_of_map"),
    # End to end (our own size factors, dispersions and MLE, not R's as in upstream's test).
    # apeGLM standard errors come from PyDESeq2's own Hessian approximation: measured 0.186, 0.164
    # and 0.126 relative error, while the shrunken estimates agree within the upstream tolerance
    # (measured 1.2e-3, 5.6e-3, and 3.7e-4 on g1-g3 of the large counts) except where R stops short:
    # R's apeglm (nbinomCR) runs L-BFGS on the negative log posterior divided by its value at beta = 0
    # (1.2e7 for g5), so its gradient tolerance ends the search early on the two largest genes. Given
    # R's own dispersions and prior scale, the MAP is 0.0637 for g4 and -0.3992 for g5 (Nelder-Mead to
    # 1e-12); R reports 0.0630 and -0.4096. The workflow finds 0.0637 and -0.3992 (relative error
    # 0.011 and 0.025 against R); PyDESeq2's DefaultInference, whose L-BFGS-B also stops early,
    # 0.0637 and -0.4044 (0.011, 0.013).
    [
        ("single_factor", 0.02, 0.2, []),
        ("multi_factor", 0.02, 0.2, []),
        ("large_counts", 0.02, 0.15, ["g4", "g5"]),
    ],
)
def test_apeglm_shrunken_lfc_matches_r(case, tolerance, se_tolerance, r_short_of_map):
    counts, samples = case_data(case)
    ours = run_deseq2(counts, samples, B_VS_A, de_settings(DESIGNS[case])).table.set_index("gene_id")
    shrunk = read_r(case, "r_test_lfc_shrink_res.csv")
    ours = ours.loc[shrunk.index]
    converged = shrunk.index.difference(r_short_of_map)
    assert relative_error(ours.loc[converged, "log2FoldChange_shrunk"], shrunk.loc[converged, "log2FoldChange"]) < (
        tolerance
    )
    if r_short_of_map:
        short = ours.loc[r_short_of_map, "log2FoldChange_shrunk"]
        assert relative_error(short, shrunk.loc[r_short_of_map, "log2FoldChange"]) < 0.03
    assert relative_error(ours["lfcSE_shrunk"], shrunk["lfcSE"]) < se_tolerance
    # The MLE columns are left as they were.
    assert not np.allclose(ours["log2FoldChange"], ours["log2FoldChange_shrunk"])


@pytest.mark.parametrize(
    ("case", "tolerance"),
    # Final dispersions (after the Cook's refit), as DESeq2's dispersions(dds). Measured: 6.5e-4,
    # 3.2e-4, 9.7e-3, 1.0e-4, large counts 1.7e-4. (PyDESeq2's DefaultInference: 0.054 on the large
    # counts, where g5, a dispersion outlier, keeps its gene-wise maximum 0.0313; R's gene-wise line
    # search keeps its start there, 0.0297, as the gain is below a millionth of the log posterior.)
    [("single_factor", 0.02), ("multi_factor", 0.02), ("wide", 0.02), ("continuous", 0.02), ("large_counts", 0.02)],
)
def test_dispersions_match_r(case, tolerance):
    counts, samples = case_data(case)
    ours = run_deseq2(counts, samples, B_VS_A, de_settings(DESIGNS[case])).dispersions.set_index("gene_id")
    r = read_r(case, "r_test_dispersions.csv").iloc[:, 0]
    assert relative_error(ours.loc[r.index, "dispersion_final"], r) < tolerance
    assert (ours.loc[r.index, "dispersion_final"].isna() == r.isna()).all()
    assert (ours.index == counts.index).all()  # one row per input gene (columns: test_deseq.py)


@pytest.mark.parametrize("case", ["single_factor", "multi_factor", "wide", "continuous", "large_counts"])
def test_size_factors_match_r(case):
    counts, samples = case_data(case)
    ours = normalise_and_vst(counts, samples, vst_settings(DESIGNS[case])).size_factors
    r = read_r(case, "r_test_size_factors.csv").iloc[:, 0]
    if case == "large_counts":
        r.index = ours.index  # R wrote these with the sample names of its own data frame
    assert relative_error(ours, r.loc[ours.index]) < 1e-6


@pytest.mark.parametrize(("blind", "r_file"), [(True, "r_vst.csv"), (False, "r_vst_with_design.csv")])
def test_vst_matches_r(blind, r_file):
    counts, samples = synthetic()
    vst = normalise_and_vst(counts, samples, vst_settings("~ condition", blind=blind)).vst
    r = read_r("single_factor", r_file)
    ours = vst.loc[r.index, r.columns].to_numpy()
    # Upstream tolerance 0.02; measured max relative error 1.6e-5 (blind) and 2.4e-5 (with design).
    assert np.max(np.abs(ours - r.to_numpy()) / np.abs(r.to_numpy())) < 1e-3


def test_continuous_covariate_adjusts_the_condition_contrast():
    """``~ group + condition + measurement``: the workflow contrasts factor levels only, so R's
    reference (the measurement coefficient) is compared where it is contrast-independent:
    baseMean, dispersions (above), and which genes Cook's filtering leaves without a p-value."""
    for outliers, result_file in [(False, "r_test_res.csv"), (True, "r_test_res_outliers.csv")]:
        counts, samples = case_data("continuous", outliers)
        ours = run_deseq2(counts, samples, B_VS_A, de_settings(DESIGNS["continuous"])).table.set_index("gene_id")
        r = read_r("continuous", result_file)
        ours = ours.loc[r.index]
        assert relative_error(ours["baseMean"], r["baseMean"]) < 1e-6
        assert (ours["pvalue"].isna() == r["pvalue"].isna()).all()


def test_large_counts_match_r():
    """Counts up to 564,106 (5 genes x 8 samples). LFC and baseMean match tightly; SE and statistic
    follow the dispersions (measured 6.1e-5, 6.4e-5; PyDESeq2's DefaultInference 0.027, 0.026);
    p-values are compared on the log scale because g3's is 1e-25 (measured |delta log10 p| 0.002
    there, < 1e-4 for the other four; DefaultInference 0.57 on g3, 0.079 on g5)."""
    counts, samples = case_data("large_counts")
    ours = run_deseq2(counts, samples, B_VS_A, de_settings("~ condition")).table.set_index("gene_id")
    r = read_r("large_counts", "r_test_res.csv")
    ours = ours.loc[r.index]
    assert relative_error(ours["baseMean"], r["baseMean"]) < 1e-6
    assert relative_error(ours["log2FoldChange"], r["log2FoldChange"]) < 0.02
    assert relative_error(ours["lfcSE"], r["lfcSE"]) < 1e-3
    assert relative_error(ours["stat"], r["stat"]) < 1e-3
    log_p = np.abs(np.log10(ours["pvalue"]) - np.log10(r["pvalue"]))
    assert log_p.max() < 0.01
    assert (ours["padj"] < 0.05).equals(r["padj"] < 0.05)


# --- real nf-core/rnaseq salmon gene counts (mouse, 3 vs 3, 1,000 genes) ----------------------------


@pytest.fixture(scope="module")
def nfcore():
    samples = pd.read_csv(NFCORE / "SRP254919.samplesheet.csv")[["sample", "treatment", "sample_number"]]
    samples = samples.set_index("sample", drop=False)
    matrix = str(NFCORE / "SRP254919.salmon.merged.gene_counts.top1000cov.tsv")
    counts = import_gene_counts({sample: matrix for sample in samples.index}, "matrix").counts
    r = pd.read_csv(NFCORE / "SRP254919.salmon.merged.deseq2.results.tsv", sep="\t", index_col=0)
    return counts, samples, r


@pytest.fixture(scope="module")
def nfcore_results(nfcore):
    """The workflow's results at the default alpha (0.05) and at nf-core's (0.1); no apeGLM (not compared)."""
    counts, samples, r = nfcore
    contrast = Contrast("hND6_vs_mCherry", "treatment", "mCherry", "hND6")
    return {
        alpha: run_deseq2(counts, samples, contrast, de_settings("~ treatment", alpha=alpha, shrink_lfc=False))
        .table.set_index("gene_id")
        .loc[r.index]
        for alpha in (0.05, 0.1)
    }


def test_nfcore_non_integer_salmon_counts_are_rounded_like_r(nfcore):
    counts, _, _ = nfcore
    raw = pd.read_csv(NFCORE / "SRP254919.salmon.merged.gene_counts.top1000cov.tsv", sep="\t", index_col=0)
    raw = raw.drop(columns="gene_name")
    assert (raw.to_numpy() != np.round(raw.to_numpy())).any()
    # numpy's round is half-to-even, as R's round().
    assert (counts.loc[raw.index, raw.columns].to_numpy() == np.round(raw.to_numpy())).all()


def test_nfcore_results_match_r(nfcore, nfcore_results):
    r = nfcore[2]
    ours = nfcore_results[0.05]
    # Measured: baseMean 1.9e-9 relative, LFC max |delta| 1.7e-4, max |delta log10 p| 0.0038
    # (PyDESeq2's DefaultInference: 4.7e-4, 0.019).
    assert relative_error(ours["baseMean"], r["baseMean"]) < 1e-6
    assert np.max(np.abs(ours["log2FoldChange"] - r["log2FoldChange"])) < 1e-3
    # Cook's outliers: the same 23 genes have no p-value in both.
    assert r["pvalue"].isna().sum() == 23
    assert (ours["pvalue"].isna() == r["pvalue"].isna()).all()
    tested = r["pvalue"].notna()
    assert np.max(np.abs(np.log10(ours.loc[tested, "pvalue"]) - np.log10(r.loc[tested, "pvalue"]))) < 0.01
    assert np.max(np.abs(ours.loc[tested, "pvalue"] - r.loc[tested, "pvalue"])) < 0.005
    assert set(ours.index[ours["padj"] < 0.05]) == set(r.index[r["padj"] < 0.05])


def test_nfcore_independent_filtering_matches_r(nfcore, nfcore_results):
    """padj when (almost) nothing is significant.

    nf-core ran DESeq2 at alpha 0.1: the rejection count stays at 4-5 up to the 83rd baseMean
    percentile and rises to 10-11 from the 89th, where R puts the threshold, keeping padj for 107
    genes. PyDESeq2 0.5.4's own lowess flattens that rise to 0 and would keep padj for all 977
    tested genes; the workflow recomputes padj as R does (resistseq.filtering) and gives R's 107.
    At the workflow's default alpha 0.05 no filter reaches more than 10 rejections (R: at most 8),
    so R and the workflow both keep padj for all 977 tested genes (checked with R DESeq2 1.38.3 on
    the same rounded counts).
    """
    r = nfcore[2]
    at_01 = nfcore_results[0.1]
    assert r["padj"].notna().sum() == 107
    assert (at_01["padj"].isna() == r["padj"].isna()).all()
    assert relative_error(at_01["padj"], r["padj"]) < 0.02  # measured 0.0029 (DefaultInference 0.011)
    assert set(at_01.index[at_01["padj"] < 0.1]) == set(r.index[r["padj"] < 0.1])

    default = nfcore_results[0.05]
    assert (default["padj"].notna() == default["pvalue"].notna()).all()
    assert default["padj"].notna().sum() == 977
    assert (default["padj"] < 0.05).sum() == 4
