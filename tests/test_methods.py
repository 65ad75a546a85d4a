"""The methods text says what ran: written from the DE rule's run summaries, it changes with the settings."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from conftest import de_settings
from test_deseq import small_dataset

from resistseq.deseq import Contrast, run_deseq2
from resistseq.methods import MethodsInputs, methods_markdown
from resistseq.schemas import config_defaults

ENTRY = {"name": "r_vs_p", "variable": "condition", "reference": "parental", "target": "resistant"}


def low_counts():
    """small_dataset with 150 low-count genes: the pre-filter removes them, or else independent filtering does."""
    counts, samples = small_dataset(seed=7)
    counts.iloc[-150:] = np.random.default_rng(8).poisson(2.0, size=(150, counts.shape[1]))
    return counts, samples


def methods_text(design: str = "~ condition", entries=(ENTRY,), **overrides) -> tuple[str, dict]:
    """methods.md for ``run_deseq2`` runs of ``entries`` with the schema's defaults and ``overrides``; the
    first contrast's summary."""
    counts, samples = low_counts()
    settings = de_settings(design, **{"min_count": 10, **overrides})
    results, summaries = {}, {}
    for entry in entries:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_deseq2(counts, samples, Contrast.from_config(entry), settings)
        results[entry["name"]] = result.table
        # The summary goes through JSON as the rule writes it and write_methods reads it.
        summaries[entry["name"]] = json.loads(json.dumps(result.summary))
    defaults = config_defaults()
    inputs = MethodsInputs(
        versions={"pytximport": "0.13.0", "pydeseq2": "0.5.4", "gseapy": "1.3.1"},
        snakemake_version="9",
        python_version="3.11",
        quantification={"format": "salmon", "counts_from_abundance": "length_scaled_tpm"},
        samples=samples,
        design=design,
        contrasts=list(entries),
        de_summaries=summaries,
        de_results=results,
        vst_blind=True,
        vst_engine={"backend": settings.backend, "r_compatible": settings.r_compatible},
        pca_genes=250,
        outlier_ratio=defaults["qc"]["outlier_distance_ratio"],
        enrichment=defaults["enrichment"],
        gsea_settings={},
        geneset_files=[],
    )
    return methods_markdown(inputs), next(iter(summaries.values()))


@pytest.fixture(scope="module")
def default_run():
    return methods_text()


def test_default_run_names_the_vectorised_engine_the_prefilter_and_its_effect(default_run):
    text, summary = default_run
    assert summary["engine"] == {"backend": "vectorised", "r_compatible": True, "pydeseq2_version": "0.5.4"}
    assert (
        "The model was fitted by this workflow's vectorised inference (resistseq.inference) on PyDESeq2 0.5.4" in text
    )
    assert "which fits all genes at once and follows R DESeq2 where PyDESeq2 differs" in text
    assert "R's parametric dispersion trend (parametricDispersionFit)" in text
    assert "fitted means floored at 0.5 in the Wald test" in text
    # Nothing in the text says stock PyDESeq2 did the fitting.
    assert "DefaultInference" not in text and "tested with PyDESeq2" not in text
    removed = summary["genes"]["prefiltered_out"]
    assert 40 <= removed <= 300 and summary["genes"]["in"] == 300
    assert (
        f"genes without at least 10 counts in at least 3 samples (the smallest group's size) were left out of "
        f"the model and kept in the tables with NA statistics: {removed} of 300 genes." in text
    )
    assert "Log2 fold changes were shrunk with apeGLM (`condition[T.resistant]` ('r_vs_p'))" in text
    assert "principal components used the 250 most variable genes" in text
    fallbacks = sum(summary["fallbacks"].values())
    assert ("No gene needed PyDESeq2's per-gene routines" in text) == (fallbacks == 0)


def test_contrast_line_counts_every_filter_from_the_run(default_run):
    text, summary = default_run
    genes = summary["genes"]
    threshold = summary["independent_filtering_basemean_threshold"]
    filtered = (
        f"{genes['independent_filtered']} below the independent-filtering baseMean threshold {threshold:.4g}"
        if genes["independent_filtered"]
        else "none removed by independent filtering"
    )
    assert genes["with_pvalue"] + genes["prefiltered_out"] + summary["cooks"]["outliers"] <= 300
    counted = f"- r_vs_p: 300 genes, {genes['prefiltered_out']} pre-filtered, {genes['with_pvalue']} with a p-value, "
    assert counted in text
    assert f", {filtered}; {genes['with_padj']} with an adjusted p-value; " in text
    outliers = summary["cooks"]["outliers"]
    assert f"Genes with a Cook's-distance outlier got no p-value (DESeq2's cooksCutoff): {outliers} genes." in text


def test_stock_pydeseq2_backend_is_named_as_such():
    text, summary = methods_text(backend="pydeseq2")
    assert summary["engine"]["backend"] == "pydeseq2" and summary["fallbacks"] == {}
    assert "The model was fitted by PyDESeq2 0.5.4's own per-gene inference (DefaultInference)." in text
    assert "vectorised" not in text and "per-gene routines refitted" not in text


def test_vectorised_engine_without_r_choices_says_so():
    text, _ = methods_text(r_compatible=False)
    assert (
        "vectorised inference (resistseq.inference) on PyDESeq2 0.5.4, which fits all genes at once and uses " in text
    )
    assert "PyDESeq2's own algorithms." in text
    assert "parametricDispersionFit" not in text


def test_prefilter_off_shrinkage_off_and_alpha_change_the_text(default_run):
    text, summary = methods_text(min_count=0, shrink_lfc=False, alpha=0.1, cooks_filter=False)
    genes = summary["genes"]
    assert genes["prefiltered_out"] == 0 and genes["independent_filtered"] > 20
    threshold = summary["independent_filtering_basemean_threshold"]
    assert 0 < threshold < 10
    assert (
        f"- r_vs_p: 300 genes, 300 with a p-value, {genes['independent_filtered']} below the independent-filtering "
        f"baseMean threshold {threshold:.4g}; {genes['with_padj']} with an adjusted p-value; " in text
    )
    assert "No gene was pre-filtered before the fit (deseq2.prefilter.min_count = 0)." in text
    assert "pre-filtered," not in text and "left out of the model" not in text
    assert "Log2 fold changes were not shrunk." in text and "apeGLM" not in text
    assert "at alpha = 0.1" in text and "at padj < 0.1" in text and "0.05" not in text
    assert "Cook's-distance filtering was off." in text
    assert "at alpha = 0.05" in default_run[0]


def test_configured_min_samples_and_no_independent_filtering():
    text, summary = methods_text(min_samples=5, independent_filter=False)
    assert summary["settings"]["prefilter"] == {"min_count": 10, "min_samples": 5, "min_samples_applied": 5}
    assert "genes without at least 10 counts in at least 5 samples (as configured)" in text
    assert "(alpha = 0.05; no independent filtering)." in text and "independent-filtering baseMean" not in text


def test_contrasts_with_different_smallest_groups_are_told_apart():
    batch = {"name": "b2_vs_b1", "variable": "batch", "reference": "b1", "target": "b2"}
    text, _ = methods_text("~ batch + condition", (ENTRY, batch))
    assert "in at least as many samples as the smallest group of the contrast's model (3 for 'r_vs_p' and 2 for " in (
        text
    )
    assert "- r_vs_p: 300 genes, " in text and "- b2_vs_b1: 300 genes, " in text
