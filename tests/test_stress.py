"""The DE step on hostile data: no crash, finite statistics, per-gene fallback (bench/stress.py at scale)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import de_settings, vst_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydeseq2 import utils
from simulation import simulate_counts, stress_case

import resistseq.inference
from resistseq.deseq import Contrast, normalise_and_vst, run_deseq2
from resistseq.errors import WorkflowInputError
from resistseq.inference import VectorisedInference

CONTRAST = Contrast("resistant_vs_parental", "condition", "parental", "resistant")
STATISTICS = ["log2FoldChange", "lfcSE", "stat", "pvalue", "padj"]


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def assert_finite_where_defined(results: pd.DataFrame) -> None:
    """Every gene with counts has a finite LFC, SE and shrunken LFC; a p-value only misses for Cook's
    outliers, and wherever it exists its statistic and SE are finite."""
    with_counts = results[results["baseMean"] > 0]
    for column in ["log2FoldChange", "lfcSE", "log2FoldChange_shrunk", "lfcSE_shrunk"]:
        assert np.isfinite(with_counts[column]).all(), column
    tested = with_counts[with_counts["pvalue"].notna()]
    assert np.isfinite(tested[["stat", "pvalue"]]).all().all()
    assert ((tested["pvalue"] >= 0) & (tested["pvalue"] <= 1)).all()


def test_null_study_with_a_replicate_batch_completes():
    # Issue 11: 4 vs 4, no change, ~ replicate + condition. The apeGLM weight overflowed and
    # eigvalsh raised "Eigenvalues did not converge" (this dataset, before the fix).
    simulation = simulate_counts(0, genes=3000, replicates=4, changed=0, batch_sd=0.5)
    sheet = simulation.samples.assign(replicate=[f"r{i % 4 + 1}" for i in range(8)])
    results = quietly(run_deseq2, simulation.counts, sheet, CONTRAST, de_settings("~ replicate + condition")).table
    assert len(results) == 3000
    assert_finite_where_defined(results)
    assert results["pvalue"].notna().mean() > 0.98
    # No gene changed: at most a handful of false discoveries.
    assert (results["padj"] < 0.05).sum() <= 5


def test_a_sample_without_counts_is_an_input_error_naming_it():
    simulation = simulate_counts(1, genes=300, replicates=3, changed=30)
    counts = simulation.counts.copy()
    counts["R2"] = 0
    with pytest.raises(WorkflowInputError, match=r"R2 have no counts \(library size 0"):
        run_deseq2(counts, simulation.samples, CONTRAST, de_settings("~ condition"))
    with pytest.raises(WorkflowInputError, match="R2 have no counts"):
        normalise_and_vst(counts, simulation.samples, vst_settings("~ condition"))


# 30 fixed datasets of bench/stress.py, cut to 150 genes: every design, 2-10 replicates, null to
# strong effects, dispersions 0.001-5, size factors spread up to 20x, zero groups, outliers.
STRESS_SEEDS = range(1, 31)


@pytest.mark.parametrize("seed", STRESS_SEEDS)
def test_stress_case_completes_with_finite_statistics(seed):
    case = stress_case(seed, max_genes=150)
    results = quietly(run_deseq2, case.simulation.counts, case.simulation.samples, CONTRAST, de_settings(case.design))
    results = results.table
    assert list(results.columns[:2]) == ["gene_id", "gene_name"] and len(results) == 150
    assert_finite_where_defined(results)
    assert results["pvalue"].notna().mean() > 0.75


def test_stress_cases_span_the_intended_range():
    cases = [stress_case(seed, max_genes=150) for seed in STRESS_SEEDS]
    assert {case.design for case in cases} == {"~ condition", "~ batch + condition", "~ replicate + condition"}
    assert {case.effect for case in cases} == {"null", "weak", "strong"}
    assert min(case.replicates for case in cases) == 2 and max(case.replicates for case in cases) >= 9
    assert max(case.library_spread for case in cases) > 10
    assert min(case.dispersion for case in cases) < 0.01 and max(case.dispersion for case in cases) > 1
    assert sum(case.zero_group_genes > 0 for case in cases) > 10 and sum(case.outliers > 0 for case in cases) > 10
    sizes = cases[0].simulation.counts.sum(axis=0)
    spread = stress_case(1).simulation.samples  # full-size case: the sheet carries every covariate
    assert {"condition", "batch", "replicate"} <= set(spread.columns) and (sizes > 0).all()


# Stress cases (5, 6 and 2 replicates; weak effects): the vectorised backend in PyDESeq2 mode
# within test_inference's tolerances of stock PyDESeq2 for the MLE statistics. The apeGLM estimates
# are left out here: on these tables a few genes have a two-mode posterior and the two optimisers can
# settle in different modes (measured: 1.86 apart on seed 4, where ours has the lower negative log
# posterior, 251.11 vs 260.36; 0.007 on seed 7); test_inference checks them at 2e-3 on well-posed data.
AGREEMENT_SEEDS = [4, 7, 8]


@pytest.mark.parametrize("seed", AGREEMENT_SEEDS)
def test_stress_case_agrees_with_stock_pydeseq2(seed):
    case = stress_case(seed, max_genes=150)
    data = (case.simulation.counts, case.simulation.samples, CONTRAST)
    ours = quietly(run_deseq2, *data, de_settings(case.design, r_compatible=False)).table.set_index("gene_id")
    stock = quietly(run_deseq2, *data, de_settings(case.design, backend="pydeseq2")).table
    stock = stock.set_index("gene_id").loc[ours.index]
    expressed = stock["baseMean"] >= 1
    for column in ["log2FoldChange", "lfcSE", "pvalue", "padj"]:
        assert (stock[column].isna() == ours[column].isna()).all(), column
        both = expressed & stock[column].notna()
        error = np.abs(ours.loc[both, column] - stock.loc[both, column]) / np.abs(stock.loc[both, column])
        assert error.fillna(0).max() < 1e-3, column
    assert set(stock.index[stock["padj"] < 0.05]) == set(ours.index[ours["padj"] < 0.05])


# ---- per-gene fallback -------------------------------------------------------------------------


@pytest.fixture
def poisoned_genes(monkeypatch):
    """Make the batched Gram matrices of genes 3 and 7 NaN whenever a step works on all genes at once."""
    genes = [3, 7]
    original = resistseq.inference.gram

    def gram(design, weights):
        matrices = original(design, weights)
        if weights.shape[1] == N_GENES:
            matrices[genes] = np.nan
        return matrices

    monkeypatch.setattr(resistseq.inference, "gram", gram)
    return genes


N_GENES = 12


@pytest.fixture
def problem():
    simulation = simulate_counts(5, genes=N_GENES, replicates=3, changed=4)
    counts = simulation.counts.T.to_numpy(dtype=float)
    design = np.column_stack([np.ones(6), np.repeat([0.0, 1.0], 3)])
    size_factors = np.array([0.8, 1.1, 1.0, 0.9, 1.3, 1.0])
    disp = np.linspace(0.05, 0.5, N_GENES)
    mu = size_factors[:, None] * counts.mean(axis=0) + 0.5
    return counts, design, size_factors, disp, mu


def test_irls_fallback_gives_pydeseq2_per_gene_answer(problem, poisoned_genes, caplog):
    counts, design, size_factors, disp, _ = problem
    clean = VectorisedInference().irls(counts, size_factors, design, disp, 0.5, 1e-8)
    with caplog.at_level(logging.INFO, logger="resistseq"):
        inference = VectorisedInference()
        beta, mu, hat, converged = inference.irls(counts, size_factors, design, disp, 0.5, 1e-8)
    assert f"GLM fit (IRLS): 2 of {N_GENES} genes refitted with PyDESeq2's per-gene routine" in caplog.text
    assert inference.fallbacks["GLM fit (IRLS)"] == 2
    for gene in poisoned_genes:
        expected = utils.irls_solver(counts[:, gene], size_factors, design, disp[gene], 0.5, 1e-8)
        assert np.array_equal(beta[gene], expected[0]) and np.array_equal(hat[:, gene], expected[2])
        assert np.array_equal(mu[:, gene], expected[1]) and converged[gene] == expected[3]
    others = np.setdiff1d(np.arange(N_GENES), poisoned_genes)
    assert np.array_equal(beta[others], clean[0][others])


@pytest.mark.parametrize("prior_reg", [False, True], ids=["gene-wise", "MAP"])
def test_dispersion_fallback_gives_pydeseq2_per_gene_answer(problem, poisoned_genes, caplog, prior_reg):
    counts, design, _, disp, mu = problem
    options = {"prior_disp_var": 0.5, "prior_reg": prior_reg}
    clean, _ = VectorisedInference(r_compatible=False).alpha_mle(counts, design, mu, disp, 1e-8, 10.0, **options)
    with caplog.at_level(logging.INFO, logger="resistseq"):
        alpha, converged = VectorisedInference(r_compatible=False).alpha_mle(
            counts, design, mu, disp, 1e-8, 10.0, **options
        )
    step = "MAP dispersions" if prior_reg else "gene-wise dispersions"
    assert f"{step}: 2 of {N_GENES} genes refitted" in caplog.text
    for gene in poisoned_genes:
        expected, success = utils.fit_alpha_mle(
            counts[:, gene], design, mu[:, gene], disp[gene], 1e-8, 10.0, 0.5, True, prior_reg
        )
        assert alpha[gene] == expected and converged[gene] == success
    others = np.setdiff1d(np.arange(N_GENES), poisoned_genes)
    assert np.array_equal(alpha[others], clean[others])


def test_wald_and_shrinkage_fallback_give_pydeseq2_per_gene_answers(problem, poisoned_genes, caplog):
    counts, design, size_factors, disp, mu = problem
    lfc = np.column_stack([np.log(counts.mean(axis=0) + 1), np.linspace(-1, 1, N_GENES)])
    ridge = np.diag([1e-6, 1e-6])
    contrast = np.array([0.0, 1.0])
    offset = np.log(size_factors)
    with caplog.at_level(logging.INFO, logger="resistseq"):
        inference = VectorisedInference()
        pvalue, stat, se = inference.wald_test(design, disp, lfc, mu, ridge, contrast, 0.0)
        beta, inv_hessian, _ = inference.lfc_shrink_nbinom_glm(
            design, counts, 1 / disp, offset, 15.0, 0.5, "L-BFGS-B", 1
        )
    assert f"Wald test: 2 of {N_GENES} genes refitted" in caplog.text
    assert f"apeGLM shrinkage: 2 of {N_GENES} genes refitted" in caplog.text
    for gene in poisoned_genes:
        r_mu = np.maximum(mu[:, gene], 0.5)  # the default backend floors means as R does
        expected = utils.wald_test(design, disp[gene], lfc[gene], r_mu, ridge, contrast, 0.0, None)
        assert (pvalue[gene], stat[gene], se[gene]) == expected
        map_beta, map_inverse, _ = utils.nbinomGLM(design, counts[:, gene], 1 / disp[gene], offset, 15.0, 0.5)
        assert np.array_equal(beta[gene], map_beta) and np.array_equal(inv_hessian[gene], map_inverse)
    assert np.isfinite(pvalue).all() and np.isfinite(beta).all()


def test_a_gene_pydeseq2_cannot_fit_either_gets_na_and_the_run_goes_on(problem, caplog):
    counts, design, size_factors, disp, _ = problem
    disp = disp.copy()
    disp[5] = np.nan
    with caplog.at_level(logging.INFO, logger="resistseq"):
        inference = VectorisedInference()
        beta, mu, hat, converged = inference.irls(counts, size_factors, design, disp, 0.5, 1e-8)
    assert f"GLM fit (IRLS): 1 of {N_GENES} genes refitted" in caplog.text
    assert "1 could not be fitted either and get NA" in caplog.text and inference.failures["GLM fit (IRLS)"] == 1
    assert np.isnan(beta[5]).all() and np.isnan(mu[:, 5]).all() and not converged[5]
    assert np.isfinite(np.delete(beta, 5, axis=0)).all() and np.isfinite(np.delete(hat, 5, axis=1)).all()


# ---- property-based search (the hypothesis library; unrelated to resistseq.hypothesis) -------


@st.composite
def count_tables(draw):
    """Small genes x samples count tables: zeros, single counts, counts up to 1e9, a group all zero."""
    replicates = draw(st.integers(2, 3))
    genes = draw(st.integers(4, 12))
    value = st.one_of(st.just(0), st.integers(0, 5), st.integers(0, 2000), st.integers(0, 10**9))
    counts = np.array(draw(st.lists(value, min_size=genes * 2 * replicates, max_size=genes * 2 * replicates)))
    counts = counts.reshape(genes, 2 * replicates)
    zero_group = draw(st.lists(st.integers(0, genes - 1), max_size=3))
    counts[zero_group, replicates:] = 0
    samples = [f"P{i + 1}" for i in range(replicates)] + [f"R{i + 1}" for i in range(replicates)]
    sheet = pd.DataFrame({"sample": samples, "condition": ["parental"] * replicates + ["resistant"] * replicates})
    table = pd.DataFrame(counts, index=pd.Index([f"g{i}" for i in range(genes)], name="gene_id"), columns=samples)
    return table, sheet.set_index("sample", drop=False)


@settings(max_examples=20, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables())
def test_property_no_crash_and_finite_statistics_on_small_tables(table):
    counts, sheet = table
    try:
        results = quietly(run_deseq2, counts, sheet, CONTRAST, de_settings("~ condition")).table
    except WorkflowInputError as error:
        # The only acceptable refusal: a sample without counts, named in the message.
        assert (counts.sum(axis=0) == 0).any() and "no counts" in str(error)
        return
    assert len(results) == len(counts)
    assert_finite_where_defined(results)
