"""General contrasts, interactions and thresholded tests against R DESeq2 1.38.3 (tests/r/contrast_references.R).

The inputs are simulated with fixed seeds (tests/contrast_cases.py); R ran on the committed tables.
Tolerances are those of tests/test_fidelity_r_reference.py: LFC, p-values, NA patterns and padj < 0.05
sets (Jaccard >= 0.98).
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from conftest import de_settings
from contrast_cases import CASES, R_CONTRASTS, table_bytes
from test_fidelity_r_reference import agreement
from test_validation import CONFIG_SCHEMA, ROWS, SHEET_SCHEMA, config, problems  # noqa: F401 - config is a fixture
from threadpoolctl import threadpool_limits

from resistseq.contrast_fit import run_contrast
from resistseq.contrasts import (
    ContrastSpec,
    coefficient_table,
    contrast_metadata,
    contrast_vector,
    describe,
    has_direction,
    threshold_test,
)
from resistseq.deseq import Contrast, run_deseq2
from resistseq.errors import WorkflowInputError
from resistseq.filtering import independent_filtering
from resistseq.validation import check_inputs, general_contrast_errors

INTERACTION = "~ line + treatment + line:treatment"
UNDER_DRUG = {"line_resistant_vs_parental": 1, "lineresistant.treatmentdrug": 1}
B3_VS_B2 = {"batch[T.b3]": 1, "batch_b2_vs_b1": -1}

# reference table -> (case, design, contrast entry)
WALD_CASES = {
    "interaction_coefficient": ("interaction", INTERACTION, {"coefficients": {"lineresistant.treatmentdrug": 1}}),
    "interaction_under_drug": ("interaction", INTERACTION, {"coefficients": UNDER_DRUG}),
    "interaction_line_greaterAbs": (
        "interaction",
        INTERACTION,
        {"variable": "line", "reference": "parental", "target": "resistant", "lfc_threshold": 0.5},
    ),
    "interaction_line_lessAbs": (
        "interaction",
        INTERACTION,
        {
            "variable": "line",
            "reference": "parental",
            "target": "resistant",
            "lfc_threshold": 1,
            "alt_hypothesis": "lessAbs",
        },
    ),
    "interaction_under_drug_greaterAbs": (
        "interaction",
        INTERACTION,
        {"coefficients": UNDER_DRUG, "lfc_threshold": 0.5},
    ),
    "interaction_under_drug_lessAbs": (
        "interaction",
        INTERACTION,
        {"coefficients": UNDER_DRUG, "lfc_threshold": 1, "alt_hypothesis": "lessAbs"},
    ),
    "groups5_b3_vs_b2_greaterAbs": ("groups5", "~ condition + batch", {"coefficients": B3_VS_B2, "lfc_threshold": 0.5}),
    "groups5_b3_vs_b2_lessAbs": (
        "groups5",
        "~ condition + batch",
        {"coefficients": B3_VS_B2, "lfc_threshold": 1, "alt_hypothesis": "lessAbs"},
    ),
}


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    with threadpool_limits(limits=1):
        yield


def read_reference(name: str) -> pd.DataFrame:
    return pd.read_csv(R_CONTRASTS / f"{name}.tsv.gz", sep="\t", index_col=0)


def case_inputs(case: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts, samples = CASES[case]()
    return counts, samples.set_index("sample", drop=False)


def results_for(name: str, shrink_lfc: bool = False) -> pd.DataFrame:
    case, design, entry = WALD_CASES.get(name) or (
        "groups5",
        "~ condition + batch",
        {"coefficients": B3_VS_B2},
    )
    counts, samples = case_inputs(case)
    spec = ContrastSpec.from_config({"name": name, **entry}, design)
    return run_contrast(counts, samples, spec, de_settings(design, shrink_lfc=shrink_lfc)).table.set_index("gene_id")


@pytest.mark.parametrize("case", sorted(CASES))
def test_simulated_inputs_are_the_committed_tables(case):
    counts, samples = CASES[case]()
    with gzip.open(R_CONTRASTS / f"{case}_counts.tsv.gz", "rb") as handle:
        assert handle.read() == table_bytes(counts, index=True)
    assert (R_CONTRASTS / f"{case}_samples.tsv").read_bytes() == table_bytes(samples, index=False)


@pytest.mark.parametrize("name", sorted(WALD_CASES))
def test_contrast_matches_r(name):
    r = read_reference(name)
    ours = results_for(name)
    figures = agreement(ours, r)
    # Measured: LFC max |delta| 1e-4 (interaction) and 0.023 (groups5, low-count genes); median
    # |delta log10 p| <= 0.0025; identical NA patterns; Jaccard 1.0 except interaction_under_drug_lessAbs
    # (830 vs 831 genes, 0.9988) and groups5_b3_vs_b2_lessAbs (905 vs 904, 0.9989).
    assert figures["baseMean"] < 1e-6
    assert figures["lfc_max_abs"] < 0.05
    assert figures["log10p_median_abs"] < 0.005
    assert figures["pvalue_na_mismatch"] == 0 and figures["padj_na_mismatch"] == 0
    assert figures["significant_r"] >= 18
    assert figures["jaccard"] >= 0.98


def test_two_coefficient_wald_contrast_matches_r_up_to_the_filter_cutoff():
    """batch b3 vs b2 (batch_b3_vs_b1 - batch_b2_vs_b1) without a threshold: p-values agree with R's
    (median |delta log10 p| 0.0009), but independent filtering cuts at baseMean ~16 where R cuts at
    ~11: the rejection curve is flat there, and p-value differences from the low-count genes'
    dispersions (median 0.3 % off R's, 31 of 1,500 genes > 1 %) move the first point above the
    lowess threshold. R's p-values through resistseq.filtering give R's padj exactly."""
    r = read_reference("groups5_b3_vs_b2")
    figures = agreement(results_for("groups5_b3_vs_b2"), r)
    assert figures["lfc_max_abs"] < 0.05 and figures["log10p_median_abs"] < 0.005
    assert figures["pvalue_na_mismatch"] == 0
    assert figures["significant_r"] == 320 and figures["jaccard"] > 0.95
    padj = independent_filtering(r["baseMean"], r["pvalue"], 0.05)
    assert (padj.isna() == r["padj"].isna()).all()
    assert np.nanmax(np.abs(padj - r["padj"])) < 1e-6


def test_coefficient_names_match_r_results_names():
    counts, samples = case_inputs("interaction")
    metadata = contrast_metadata(samples, [INTERACTION], {})
    table = coefficient_table(metadata, INTERACTION)
    assert list(table["r_name"]) == list(read_reference_names())
    assert list(table["coefficient"]) == [
        "Intercept",
        "line[T.resistant]",
        "treatment[T.drug]",
        "line[T.resistant]:treatment[T.drug]",
    ]
    spec = ContrastSpec.from_config({"name": "x", "coefficients": {"treatmentdrug.lineresistant": 2}}, INTERACTION)
    assert list(contrast_vector(spec, metadata)) == [0, 0, 0, 2]


def read_reference_names() -> pd.Series:
    return pd.read_csv(R_CONTRASTS / "interaction_results_names.tsv", sep="\t")["name"]


def test_unknown_coefficient_is_named_with_the_alternatives():
    counts, samples = case_inputs("interaction")
    metadata = contrast_metadata(samples, [INTERACTION], {"treatment": "drug"})
    spec = ContrastSpec.from_config(
        {"name": "x", "coefficients": {"lineresistant.treatmentdrug": 1}, "reference_levels": {"treatment": "drug"}},
        INTERACTION,
    )
    with pytest.raises(WorkflowInputError, match=r"no coefficient\(s\) lineresistant.treatmentdrug.*treatmentcontrol"):
        contrast_vector(spec, metadata)


def test_pairwise_contrast_through_the_general_path_equals_run_deseq2():
    counts, samples = case_inputs("interaction")
    reference = run_deseq2(counts, samples, Contrast("x", "line", "parental", "resistant"), de_settings(INTERACTION))
    spec = ContrastSpec.from_config(
        {"name": "x", "variable": "line", "reference": "parental", "target": "resistant"}, INTERACTION
    )
    general = run_contrast(counts, samples, spec, de_settings(INTERACTION))
    pd.testing.assert_frame_equal(general.table, reference.table, rtol=1e-12)
    pd.testing.assert_frame_equal(general.dispersions, reference.dispersions, rtol=1e-12)
    # The same run summary, but for the coefficient apeGLM shrank (the re-parameterised contrast).
    assert reference.summary["shrinkage"] == {"method": "apeGLM", "coefficient": "line[T.resistant]"}
    assert general.summary["shrinkage"] == {"method": "apeGLM", "coefficient": "contrast"}
    assert {**general.summary, "shrinkage": None} == {**reference.summary, "shrinkage": None}


def test_shrinking_a_two_coefficient_contrast_equals_shrinking_the_relevelled_coefficient():
    """apeGLM of line_resistant_vs_parental + lineresistant.treatmentdrug (re-parameterised) against
    apeGLM of line_resistant_vs_parental with drug as the treatment reference, as R users do.
    Measured: shrunk LFC max |delta| 0.0076 (median 0.0003). lfcSE_shrunk differs more (median
    0.025): PyDESeq2's Hessian for it is not invariant to the parameterisation (resistseq.inference)."""
    counts, samples = case_inputs("interaction")
    spec = ContrastSpec.from_config({"name": "x", "coefficients": UNDER_DRUG}, INTERACTION)
    ours = run_contrast(counts, samples, spec, de_settings(INTERACTION)).table.set_index("gene_id")
    relevelled = ContrastSpec.from_config(
        {"name": "x", "coefficients": {"line[T.resistant]": 1}, "reference_levels": {"treatment": "drug"}},
        INTERACTION,
    )
    expected = run_contrast(counts, samples, relevelled, de_settings(INTERACTION)).table
    expected = expected.set_index("gene_id").loc[ours.index]
    assert np.nanmax(np.abs(ours["log2FoldChange"] - expected["log2FoldChange"])) < 1e-4
    difference = np.abs(ours["log2FoldChange_shrunk"] - expected["log2FoldChange_shrunk"])
    assert difference.max() < 0.01 and difference.median() < 1e-3
    assert ours["log2FoldChange_shrunk"].notna().sum() == ours["log2FoldChange"].notna().sum()
    # Shrinkage pulls the noisy estimates towards zero, never past it.
    mle, shrunk = ours["log2FoldChange"], ours["log2FoldChange_shrunk"]
    assert (shrunk.abs() <= mle.abs() + 1e-6).mean() > 0.99


def test_threshold_formulas_at_the_boundary():
    stat, pvalue = threshold_test(np.array([1.5, 0.2, -1.5]), np.array([0.25, 0.25, 0.25]), 1.0, "greaterAbs")
    assert np.allclose(stat, [2.0, 0.0, -2.0]) and np.allclose(pvalue, [0.0455003, 1.0, 0.0455003])
    stat, pvalue = threshold_test(np.array([0.0, 0.9, -1.5]), np.array([0.25, 0.25, 0.25]), 1.0, "lessAbs")
    assert np.allclose(stat, [4.0, 0.4, 0.0]) and np.allclose(pvalue, [3.167e-5, 0.3445783, 0.9772499], rtol=1e-4)


def test_contrast_checks_name_the_problem():
    counts, samples = case_inputs("interaction")
    sheet = samples.reset_index(drop=True)
    entries = [
        {"name": "ok", "coefficients": UNDER_DRUG},
        {"name": "typo", "coefficients": {"lineresistant.treatmentdrugs": 1}},
        {"name": "level", "coefficients": {"line[T.resistant]": 1}, "reference_levels": {"treatment": "placebo"}},
        {"name": "lrt_bad", "test": "lrt", "reduced": "~ line + dose"},
        {"name": "lrt_not_nested", "test": "lrt", "reduced": "~ line + treatment + line:treatment"},
        {"name": "equivalence", "coefficients": UNDER_DRUG, "alt_hypothesis": "lessAbs"},
        {"name": "mixed", "coefficients": UNDER_DRUG, "variable": "line"},
        {"name": "half", "variable": "line", "target": "resistant"},
    ]
    messages = general_contrast_errors(entries, INTERACTION, sheet, "config.yaml", "samples.tsv")
    text = "\n".join(messages)
    assert len(messages) == 7, text
    assert "('typo'): Contrast 'typo': the design" in text and "lineresistant.treatmentdrugs" in text
    assert "reference level 'placebo' does not occur in column 'treatment'" in text
    assert "('lrt_bad'): formula uses column(s) dose" in text
    assert "('lrt_not_nested'): the reduced formula" in text
    assert "('equivalence'): alt_hypothesis lessAbs needs an lfc_threshold above 0" in text
    assert "('mixed'): give either 'coefficients' or" in text
    assert "('half'): needs 'variable', 'reference' and 'target'" in text


def test_descriptions_and_directions():
    assert has_direction({"name": "a", "variable": "v", "reference": "r", "target": "t"})
    assert not has_direction({"name": "a", "test": "lrt", "reduced": "~ 1"})
    assert not has_direction({"name": "a", "coefficients": {"x": 1}, "lfc_threshold": 1, "alt_hypothesis": "lessAbs"})
    assert describe({"name": "a", "coefficients": UNDER_DRUG, "lfc_threshold": 0.5}) == (
        "Wald test of 1 x line_resistant_vs_parental + 1 x lineresistant.treatmentdrug, "
        "|log2FC| threshold 0.5 (greaterAbs)"
    )


def test_check_inputs_reports_contrast_problems_before_any_job(config):  # noqa: F811 - the imported fixture
    """Through the entry point the Snakefile calls: pairwise and general checks together, one message each."""
    config["design"] = "~ batch + condition"
    config["contrasts"] = [
        {"name": "resistant_vs_parental", "variable": "condition", "reference": "parental", "target": "resistant"},
        {"name": "any_batch", "test": "lrt", "reduced": "~ condition"},
        {"name": "b2_vs_b3", "coefficients": {"batch_b2_vs_b1": 1, "batch[T.b4]": -1}},
        {"name": "equivalent", "coefficients": {"condition[T.resistant]": 1}, "alt_hypothesis": "lessAbs"},
    ]
    text = problems(config)
    assert text.startswith("2 problems with the inputs:"), text
    assert "key 'contrasts[2]' ('b2_vs_b3'): Contrast 'b2_vs_b3': the design '~ batch + condition' has no" in text
    assert "batch[T.b4]" in text and "batch[T.b3] (R: batch_b3_vs_b1)" in text
    assert "key 'contrasts[3]' ('equivalent'): alt_hypothesis lessAbs needs an lfc_threshold above 0." in text
    config["contrasts"] = config["contrasts"][:2]
    assert list(check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, "config.yaml").index) == [row[0] for row in ROWS]
