"""The vectorised PyDESeq2 backend against PyDESeq2's own and against R DESeq2 1.38 (tests/r/backend_references.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT, SHARED, de_settings, requires_shared, vst_settings
from pydeseq2 import utils
from pydeseq2.ds import DeseqStats
from simulation import make_example_counts

from resistseq.deseq import Contrast, normalise_and_vst, run_deseq2
from resistseq.errors import WorkflowInputError
from resistseq.inference import VectorisedInference, backend_dataset, r_parametric_trend
from resistseq.prefilter import genes_to_model

R_BACKEND = PROJECT / "tests" / "data" / "r_backend"


def fit(
    counts: pd.DataFrame,
    sheet: pd.DataFrame,
    backend: str,
    r_compatible: bool = False,
    variable="condition",
    target="B",
    reference="A",
):
    dataset_class, inference = backend_dataset(backend, n_cpus=1, r_compatible=r_compatible)
    metadata = sheet[[variable]].astype(pd.CategoricalDtype([reference, target]))
    dds = dataset_class(
        counts=counts.T,
        metadata=metadata,
        design=f"~{variable}",
        refit_cooks=True,
        inference=inference,
        quiet=True,
    )
    dds.deseq2()
    stats = DeseqStats(dds, contrast=[variable, target, reference], alpha=0.05, inference=inference, quiet=True)
    stats.summary()
    results = stats.results_df.copy()
    stats.lfc_shrink(coeff=f"{variable}[T.{target}]")
    results["shrunk"] = stats.results_df["log2FoldChange"]
    return results, dds


def relative_error(ours: pd.Series, theirs: pd.Series) -> pd.Series:
    both = ours.notna() & theirs.notna()
    return (np.abs(ours[both] - theirs[both]) / np.abs(theirs[both])).fillna(0)


@pytest.fixture(scope="module")
def simulated():
    """200 genes x 6 samples like makeExampleDESeqDataSet, plus all-zero, one-group-zero and outlier genes."""
    counts, sheet = make_example_counts(200, 6, seed=11)
    counts.iloc[0] = 0
    counts.iloc[1, 3:] = 0
    counts.iloc[2, :3] = 0
    counts.iloc[3, 0] *= 40
    stock, _ = fit(counts, sheet, "pydeseq2")
    vectorised, _ = fit(counts, sheet, "vectorised")
    return stock, vectorised


def test_vectorised_backend_reproduces_pydeseq2(simulated):
    stock, vectorised = simulated
    expressed = stock["baseMean"] >= 1
    for column in ["log2FoldChange", "lfcSE", "pvalue", "padj"]:
        assert (stock[column].isna() == vectorised[column].isna()).all(), column
        assert relative_error(vectorised.loc[expressed, column], stock.loc[expressed, column]).max() < 1e-3, column
    assert set(stock.index[stock["padj"] < 0.05]) == set(vectorised.index[vectorised["padj"] < 0.05])
    assert (stock["padj"] < 0.05).sum() > 20
    # apeGLM: both optimisers stop within their tolerances of the same MAP estimate.
    assert np.nanmax(np.abs(stock["shrunk"] - vectorised["shrunk"])) < 2e-3


@pytest.mark.parametrize("alternative", [None, "greater", "less", "greaterAbs", "lessAbs"])
def test_wald_statistics_match_pydeseq2_for_every_alternative(alternative):
    rng = np.random.default_rng(4)
    design = np.column_stack([np.ones(8), np.repeat([0.0, 1.0], 4), np.tile([0.0, 1.0], 4)])
    lfc = rng.normal(0, 1, (40, 3))
    disp = rng.uniform(0.01, 1, 40)
    mu = np.exp(design @ lfc.T + 3)
    ridge = np.diag(np.repeat(1e-6, 3))
    contrast = np.array([0.0, 1.0, 0.0])
    ours = VectorisedInference().wald_test(design, disp, lfc, mu, ridge, contrast, 0.3, alternative)
    for gene in range(40):
        theirs = utils.wald_test(design, disp[gene], lfc[gene], mu[:, gene], ridge, contrast, 0.3, alternative)
        assert np.allclose([ours[0][gene], ours[1][gene], ours[2][gene]], theirs, rtol=1e-10, atol=1e-300)


def test_r_trend_routine_reproduces_r_on_given_estimates():
    # DESeq2 1.38.3: attr(DESeq2:::parametricDispersionFit(means, disps), "coefficients")
    means = np.array([1.0, 2.0, 5.0, 10.0, 100.0, 1000.0])
    dispersions = np.array([1.8, 0.9, 0.4, 0.25, 0.14, 0.12])
    assert np.allclose(r_parametric_trend(means, dispersions, 1e-8), [0.1180923083, 1.5440193868], rtol=1e-8)
    # Genes within 100x the minimum dispersion are not used (R's useForFit).
    with_floor = r_parametric_trend(np.append(means, 50.0), np.append(dispersions, 1e-7), 1e-8)
    assert np.allclose(with_floor, [0.1180923083, 1.5440193868], rtol=1e-8)


def read_r(case: str) -> tuple[pd.DataFrame, pd.Series]:
    table = pd.read_csv(R_BACKEND / f"{case}_results.tsv.gz", sep="\t", index_col="gene_id")
    summary = pd.read_csv(R_BACKEND / f"{case}_summary.tsv", sep="\t", index_col="key")["value"]
    return table, summary


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


@requires_shared
def test_airway_agrees_with_r_deseq2():
    counts = pd.read_csv(SHARED / "data" / "airway" / "airway_rawcounts.csv", index_col=0)
    sheet = pd.read_csv(SHARED / "data" / "airway" / "airway_metadata.csv", index_col=0)
    counts = counts[sheet.index]
    r, summary = read_r("airway_dex")
    ours, dds = fit(counts, sheet, "vectorised", True, "dex", "treated", "control")
    trend = dds.uns["trend_coeffs"]
    # R's gene-wise line search and its trend fit give R's trend to 4e-7 (measured; with the exact
    # gene-wise maxima instead: 7.1e-3, 3.4e-3). PyDESeq2's own trend is (0.0299, 2.78), 18 % off extraPois.
    assert abs(trend["a0"] / float(summary["asymptDisp"]) - 1) < 1e-5
    assert abs(trend["a1"] / float(summary["extraPois"]) - 1) < 1e-5
    # Final dispersions: measured median 4.5e-4, 99th percentile 1.5e-3 relative (exact gene-wise
    # maxima: 2.4e-3, 5.4e-3; PyDESeq2's DefaultInference: 0.018, 0.145).
    dispersion_error = relative_error(dds.var.loc[r.index, "dispersions"], r["dispersion"])
    assert dispersion_error.median() < 1e-3 and dispersion_error.quantile(0.99) < 0.003
    r_significant = set(r.index[r["padj"] < 0.05])
    assert len(r_significant) == int(summary["padj_below_0.05"])
    # Measured 0.993 (PyDESeq2's DefaultInference: 0.977).
    assert jaccard(set(ours.index[ours["padj"] < 0.05]), r_significant) > 0.99
    ours = ours.loc[r.index]
    assert (ours["pvalue"].isna() == r["pvalue"].isna()).all()
    assert relative_error(ours["pvalue"], r["pvalue"]).median() < 0.01
    assert relative_error(ours["log2FoldChange"], r["log2FoldChange"]).quantile(0.99) < 0.02
    # Genes with one group all zero: R floors fitted means at 0.5 in the Wald weights, as we do with
    # r_compatible (measured: lfcSE within 0.13 % of R on 241 genes; PyDESeq2's own is up to 58 % larger).
    groups = [sheet.index[sheet["dex"] == level] for level in ("control", "treated")]
    in_table = counts.loc[r.index]
    zero_group = ((in_table[groups[0]] == 0).all(axis=1) | (in_table[groups[1]] == 0).all(axis=1)) & r["pvalue"].notna()
    assert zero_group.sum() > 200
    assert relative_error(ours.loc[zero_group, "lfcSE"], r.loc[zero_group, "lfcSE"]).max() < 0.005
    assert ours.loc["ENSG00000179593", "pvalue"] < 1e-15  # R: 1.1e-18; PyDESeq2: 2.3e-8


@requires_shared
def test_nfcore_rounded_counts_agree_with_r_deseq2():
    table = pd.read_csv(
        SHARED / "data" / "nfcore_SRP254919" / "SRP254919.salmon.merged.gene_counts.top1000cov.tsv",
        sep="\t",
        index_col=0,
    )
    sheet = pd.read_csv(SHARED / "data" / "nfcore_SRP254919" / "SRP254919.samplesheet.csv").set_index("sample")
    counts = table[sheet.index].round().astype(int)
    r, summary = read_r("nfcore_treatment")
    ours, dds = fit(counts, sheet, "vectorised", True, "treatment", "hND6", "mCherry")
    ours = ours.loc[r.index]
    # Final dispersions: measured median 1.1e-4, max 0.016 relative (exact gene-wise maxima: 2.7e-3,
    # 0.019; PyDESeq2's DefaultInference: 1.2e-3, 0.017).
    dispersion_error = relative_error(dds.var.loc[r.index, "dispersions"], r["dispersion"])
    assert dispersion_error.median() < 5e-4 and dispersion_error.max() < 0.02
    # Cook's outliers: the same 23 genes without p-value.
    assert ours["pvalue"].isna().sum() == int(summary["pvalue_na"]) == 23
    assert (ours["pvalue"].isna() == r["pvalue"].isna()).all()
    assert set(ours.index[ours["padj"] < 0.05]) == set(r.index[r["padj"] < 0.05])
    assert relative_error(ours["pvalue"], r["pvalue"]).quantile(0.99) < 0.02
    assert relative_error(ours["log2FoldChange"], r["log2FoldChange"]).quantile(0.99) < 0.02


def test_prefilter_keeps_genes_with_enough_counts_in_the_smallest_group():
    counts = pd.DataFrame(
        {"a1": [10, 9, 0, 50], "a2": [10, 9, 0, 50], "b1": [0, 30, 0, 50], "b2": [0, 30, 1, 50], "b3": [0, 0, 0, 50]},
        index=["one_group", "low_a", "empty", "high"],
    )
    metadata = pd.DataFrame({"condition": ["A", "A", "B", "B", "B"]}, index=counts.columns)
    keep = genes_to_model(counts, metadata, "condition", min_count=10)
    # Smallest group has 2 samples: a gene at >= 10 in both A samples stays.
    assert keep.to_dict() == {"one_group": True, "low_a": True, "empty": False, "high": True}
    assert genes_to_model(counts, metadata, "condition", min_count=10, min_samples=3).to_dict() == {
        "one_group": False,
        "low_a": False,
        "empty": False,
        "high": True,
    }
    assert genes_to_model(counts, metadata, "condition", min_count=0).all()
    with pytest.raises(WorkflowInputError, match="removed every gene"):
        genes_to_model(counts, metadata, "condition", min_count=1000)


def test_prefiltered_genes_stay_in_the_results_with_na_statistics():
    counts, sheet = make_example_counts(200, 6, seed=3, intercept_mean=3)
    contrast = Contrast("b_vs_a", "condition", "A", "B")
    filtered = run_deseq2(counts, sheet, contrast, de_settings("~ condition", min_count=10))
    table = filtered.table.set_index("gene_id")
    removed = ~genes_to_model(counts, sheet, "condition", 10)
    assert 20 < removed.sum() < 150 and len(table) == len(counts)
    assert table.loc[removed[removed].index, ["log2FoldChange", "pvalue", "padj"]].isna().all().all()
    # The run summary counts the same genes, with the smallest group (3) as min_samples.
    assert filtered.summary["genes"]["prefiltered_out"] == removed.sum()
    assert filtered.summary["settings"]["prefilter"] == {"min_count": 10, "min_samples": None, "min_samples_applied": 3}
    unfiltered = run_deseq2(counts, sheet, contrast, de_settings("~ condition", min_count=0))
    assert unfiltered.summary["genes"]["prefiltered_out"] == 0
    assert unfiltered.summary["settings"]["prefilter"]["min_samples_applied"] is None
    unfiltered = unfiltered.table.set_index("gene_id")
    # Their baseMean is still reported; size factors come from the kept genes (as when filtering before
    # DESeq() in R), which on this tiny table moves them by up to ~8 %.
    gone = removed[removed].index
    assert np.allclose(table.loc[gone, "baseMean"], unfiltered.loc[gone, "baseMean"], rtol=0.15)
    assert table.loc[gone, "baseMean"].max() > 5
    assert unfiltered["pvalue"].notna().sum() > table["pvalue"].notna().sum()


@pytest.mark.parametrize("backend", ["vectorised", "pydeseq2"])
def test_vst_comes_from_the_configured_backend(backend):
    counts, sheet = make_example_counts(300, 6, seed=5)
    settings = vst_settings("~ condition", blind=True, backend=backend, r_compatible=True)
    result = normalise_and_vst(counts, sheet, settings)
    dataset_class, inference = backend_dataset(backend, n_cpus=1, r_compatible=True)
    dds = dataset_class(
        counts=counts.T, metadata=sheet[["condition"]], design="~condition", inference=inference, quiet=True
    )
    dds.vst(use_design=False)
    expected = pd.DataFrame(dds.layers["vst_counts"], index=counts.columns, columns=counts.index).T
    assert np.allclose(result.vst.to_numpy(), expected.to_numpy(), rtol=1e-12)
    # The two engines fit different VST trends here (R's trend fit vs PyDESeq2's), so the choice matters.
    other_backend = ({"vectorised", "pydeseq2"} - {backend}).pop()
    other = normalise_and_vst(counts, sheet, vst_settings("~ condition", backend=other_backend))
    assert np.abs(other.vst.to_numpy() - result.vst.to_numpy()).max() > 1e-4


def test_fits_in_gene_chunks_equal_one_fit_and_trigamma_equals_scipy(monkeypatch):
    """IRLS and apeGLM fitted chunk by chunk (as at 1,000 samples) give the single-chunk answer (to rounding:
    BLAS may sum in another order on another number of columns)."""
    from scipy.special import polygamma

    import resistseq.inference as inference

    counts, sheet = make_example_counts(3000, 8, seed=2)
    y = counts.T.to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(y)), (sheet["condition"] == "B").to_numpy(float)])
    size_factors = y.sum(axis=1) / y.sum(axis=1).mean()
    disp = np.linspace(0.01, 1.0, y.shape[1])

    def fits():
        backend = VectorisedInference()
        irls = backend.irls(y, size_factors, design, disp, 0.5, 1e-8)
        shrunk = backend.lfc_shrink_nbinom_glm(design, y, 1 / disp, np.log(size_factors), 15.0, 0.5, "L-BFGS-B", 1)
        return [np.asarray(part, dtype=float) for part in (*irls, *shrunk)]

    whole = fits()
    monkeypatch.setattr(inference, "FIT_CHUNK_ENTRIES", 8 * 700)
    assert len(inference.gene_chunks(y.shape, inference.FIT_CHUNK_ENTRIES)) == 5
    for single, chunked in zip(whole, fits(), strict=True):
        np.testing.assert_allclose(chunked, single, rtol=1e-12, atol=0)
    x = np.concatenate([np.logspace(-6, 8, 10001), np.linspace(0.01, 12, 2000)])
    np.testing.assert_allclose(inference.trigamma(x), polygamma(1, x), rtol=1e-14)


def test_pyplot_loads_at_first_use_after_the_backend(tmp_path):
    """Importing the backend leaves pyplot's module code unrun (PyDESeq2 imports it for plots the workflow
    never makes); the first use of pyplot then loads it as usual, with the backend chosen before."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(PROJECT / 'scripts')!r})\n"
        "import resistseq.inference\n"
        "assert 'matplotlib.figure' not in sys.modules, 'pyplot ran at import'\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "figure, axes = plt.subplots()\n"
        "axes.plot([1, 2], [3, 4])\n"
        f"figure.savefig({str(tmp_path / 'plot.png')!r})\n"
        "print(matplotlib.get_backend(), matplotlib.pyplot is plt)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Agg", "True"]
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
