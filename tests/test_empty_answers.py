"""Empty answers: no gene passes padj, no gene set passes FDR, or every gene set is dropped for size.

Each step still completes, keeps its table's header, and says plainly what was found.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from resistseq.de_figures import plot_enrichment_dots, plot_top_de_heatmap
from resistseq.errors import WorkflowInputError
from resistseq.genesets import dropped_statement, set_coverage
from resistseq.gsea import GSEA_COLUMNS, RUNNING_COLUMNS, gsea_table, running_scores, sets_to_test
from resistseq.methods import MethodsInputs, gsea_outcome, methods_markdown
from resistseq.ora import ORA_COLUMNS, ora_table
from resistseq.plots import plot_ma, plot_running_scores, plot_volcano, significance_summary
from resistseq.sample_qc import flag_outliers, sample_distances
from resistseq.signature_figures import plot_main_figure, plot_signature_scores
from resistseq.signatures import SCORE_COLUMNS, signature_scores

LEVELS = ["parental", "resistant"]
SAMPLES = ["P1", "P2", "P3", "R1", "R2", "R3"]
SETS = {"SMALL": ["G0", "G1", "G2"], "OTHER": ["G3", "G4", "ABSENT"]}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(axis) -> list[str]:
    return [text.get_text() for text in axis.texts]


@pytest.fixture
def samples():
    return pd.DataFrame(
        {"sample": SAMPLES, "condition": ["parental"] * 3 + ["resistant"] * 3, "batch": list("ababab")}
    ).set_index("sample", drop=False)


@pytest.fixture
def vst():
    rng = np.random.default_rng(5)
    return pd.DataFrame(rng.normal(8, 1, size=(30, 6)), index=[f"id{i}" for i in range(30)], columns=SAMPLES)


@pytest.fixture
def null_results(vst):
    """DESeq2-like results where no gene passes padj < 0.05."""
    rng = np.random.default_rng(6)
    pvalue = rng.uniform(0.01, 1, len(vst))
    return pd.DataFrame(
        {
            "gene_id": vst.index,
            "gene_name": [f"G{i}" for i in range(len(vst))],
            "baseMean": rng.uniform(10, 1000, len(vst)),
            "log2FoldChange": rng.normal(0, 0.3, len(vst)),
            "stat": rng.normal(0, 1, len(vst)),
            "pvalue": pvalue,
            "padj": np.clip(pvalue * 5, 0.2, 1),
        }
    )


def dropped_coverage():
    return set_coverage(SETS, {"SMALL": "a.gmt", "OTHER": "a.gmt"}, [f"G{i}" for i in range(30)], 10, 100, 0.5)


def test_dropped_statement_names_every_set_and_why():
    coverage = dropped_coverage()
    assert dropped_statement(coverage) == (
        "every gene set was dropped: SMALL (3 genes found < min_size 10); OTHER (2 genes found < min_size 10)"
    )
    tested = set_coverage(SETS, {}, [f"G{i}" for i in range(30)], 2, 100, 0.5)
    assert dropped_statement(tested) == ""
    many = {f"S{i}": ["G0"] for i in range(11)}
    statement = dropped_statement(set_coverage(many, {}, ["G0"], 5, 100, 0.5))
    assert statement.count("genes found < min_size 5") == 8
    assert statement.endswith("S7 (1 genes found < min_size 5); and 3 more (geneset_coverage.tsv lists each)")


def test_sets_dropped_for_size_give_an_empty_gsea_with_its_header():
    coverage = dropped_coverage()
    ranking = pd.Series(np.linspace(2, -2, 30), index=[f"G{i}" for i in range(30)])
    assert sets_to_test(SETS, coverage, ranking) == {}
    nothing_ranked = set_coverage(SETS, {}, [], 5, 100, 0.5)
    assert sets_to_test(SETS, nothing_ranked, pd.Series(dtype=float)) == {}
    table = gsea_table(None, coverage)
    assert table.empty and list(table.columns) == GSEA_COLUMNS
    running = running_scores(None, ranking, ["SMALL"])
    assert running.empty and list(running.columns) == RUNNING_COLUMNS
    # No set gene among the data at all is still an identifier mismatch, and says so.
    unmatched = set_coverage(SETS, {}, ["ENSG1", "ENSG2"], 1, 100, 0.5)
    with pytest.raises(WorkflowInputError, match="0 of their genes were found among the 2 scored genes"):
        sets_to_test(SETS, unmatched, pd.Series([1.0, 2.0], index=["ENSG1", "ENSG2"]), kind="scored")


def test_signature_scores_without_sets_keep_the_header(vst):
    table = signature_scores(vst, {}, dict.fromkeys(SAMPLES, "parental"), seed=1)
    assert table.empty and list(table.columns) == SCORE_COLUMNS
    expression = vst.copy()
    expression.index = [f"G{i}" for i in range(30)]
    groups = dict(zip(SAMPLES, ["parental"] * 3 + ["resistant"] * 3, strict=True))
    scored = signature_scores(expression, {"SMALL": SETS["SMALL"]}, groups, seed=1)
    assert list(scored.columns) == SCORE_COLUMNS and len(scored) == 12
    zscore = scored[scored["method"] == "zscore"].set_index("sample")["score"]
    by_hand = expression.loc[SETS["SMALL"]]
    by_hand = by_hand.sub(by_hand.mean(axis=1), axis=0).div(by_hand.std(axis=1, ddof=1), axis=0).mean(axis=0)
    assert np.allclose(zscore.loc[SAMPLES], by_hand.loc[SAMPLES])


def test_ora_with_no_selected_gene_or_no_set(null_results):
    tested = null_results.set_index("gene_name")
    table = ora_table(tested, SETS, {"SMALL": "a.gmt", "OTHER": "a.gmt"}, alpha=0.05, lfc_threshold=1)
    assert list(table.columns) == ORA_COLUMNS
    assert (table["n_selected"] == 0).all() and (table["overlap"] == 0).all()
    assert (table["pvalue"] == 1).all() and (table["padj"] == 1).all()
    empty = ora_table(tested, {}, {}, alpha=0.05, lfc_threshold=1)
    assert empty.empty and list(empty.columns) == ORA_COLUMNS


def test_volcano_and_ma_say_no_gene_passes(null_results):
    assert significance_summary(null_results, 0.05) == "no gene at padj < 0.05"
    assert significance_summary(null_results, 0.5) == (
        f"{int(((null_results['padj'] < 0.5) & (null_results['log2FoldChange'] > 0)).sum())} up, "
        f"{int(((null_results['padj'] < 0.5) & (null_results['log2FoldChange'] < 0)).sum())} down (padj < 0.5)"
    )
    volcano = plot_volcano(null_results, "R vs P", 0.05, 1)
    assert volcano.axes[0].get_title() == "R vs P: no gene at padj < 0.05"
    ma = plot_ma(null_results, "R vs P", 0.05, 1)
    assert ma.axes[0].get_title() == "R vs P: MA plot, no gene at padj < 0.05"
    untested = null_results.assign(pvalue=np.nan, padj=np.nan, log2FoldChange=np.nan)
    assert "no gene has a p-value" in texts(plot_volcano(untested, "R vs P", 0.05, 1).axes[0])
    assert "no gene has a log2 fold change" in texts(plot_ma(untested, "R vs P", 0.05, 1).axes[0])


def test_top_de_heatmap_without_de_genes(null_results, vst, samples):
    figure = plot_top_de_heatmap(null_results, vst, samples, "condition", LEVELS, "R vs P", top=10, alpha=0.05)
    assert (
        figure.axes[0].get_title() == "R vs P: no gene at padj < 0.05\n10 genes with the smallest padj (VST z-scores)"
    )
    assert len(figure.axes[1].get_yticklabels()) == 10
    untested = null_results.assign(padj=np.nan)
    figure = plot_top_de_heatmap(untested, vst, samples, "condition", LEVELS, "R vs P", top=10, alpha=0.05)
    assert figure.axes[0].get_title() == "R vs P: no gene at padj < 0.05"
    assert texts(figure.axes[1]) == ["no gene has an adjusted p-value"]


def test_enrichment_dots_say_how_many_sets_pass():
    gsea = pd.DataFrame({"term": ["A", "B", "C"], "nes": [1.2, -0.8, 0.4], "fdr": [0.3, 0.6, 0.9], "size": [9, 8, 7]})
    figure = plot_enrichment_dots(gsea, "R vs P", top=2, fdr=0.05)
    assert figure.axes[0].get_title() == "R vs P: top 2 gene sets by FDR\n(no gene set with FDR < 0.05)"
    gsea.loc[0, "fdr"] = 0.01
    figure = plot_enrichment_dots(gsea, "R vs P", top=2, fdr=0.05)
    assert figure.axes[0].get_title().endswith("(1 of 3 sets with FDR < 0.05)")
    figure = plot_enrichment_dots(gsea.iloc[:0], "R vs P", top=2)
    assert texts(figure.axes[0]) == ["no gene set was tested\n(geneset_coverage.tsv says why)"]


def test_running_scores_and_signature_scores_without_sets():
    running = pd.DataFrame(columns=RUNNING_COLUMNS)
    figure = plot_running_scores(running, pd.DataFrame(columns=GSEA_COLUMNS), ["NFKB", "BASAL"])
    visible = [axis for axis in figure.axes if axis.get_visible()]
    assert len(visible) == 1
    assert texts(visible[0]) == [
        "No running scores to show.\nSets to plot: NFKB, BASAL;\n"
        "no gene set was tested\n(geneset_coverage.tsv says why)"
    ]
    tested = pd.DataFrame({"term": ["OTHER"], "nes": [1.0], "fdr": [0.5]})
    figure = plot_running_scores(running, tested, ["NFKB"])
    assert texts(figure.axes[0])[0].endswith("none of them was tested")
    figure = plot_signature_scores(pd.DataFrame(columns=SCORE_COLUMNS), LEVELS, "ssgsea")
    assert texts(figure.axes[0]) == ["no gene set was scored\n(geneset_coverage.tsv says why)"]


def test_main_figure_with_nothing_changed_and_nothing_tested(tmp_path, null_results, vst, samples):
    annotation = pd.DataFrame({"gene_id": vst.index, "gene_name": null_results["gene_name"]})
    figure = plot_main_figure(
        vst=vst,
        samples=samples,
        colour_by="condition",
        levels=LEVELS,
        results=null_results,
        running=pd.DataFrame(columns=RUNNING_COLUMNS),
        gsea=pd.DataFrame(columns=GSEA_COLUMNS),
        annotation=annotation,
        marker_groups={"markers": ["G0", "G1"]},
        gsea_sets=["NFKB", "BASAL"],
        contrast_label="R vs P",
        alpha=0.05,
        lfc_threshold=1,
        scores=pd.DataFrame(columns=SCORE_COLUMNS),
    )
    assert figure.axes[1].get_title() == "R vs P: no gene at padj < 0.05"
    assert texts(figure.axes[2])[0] == "NFKB\nnot tested: no gene set was tested\n(geneset_coverage.tsv says why)"
    assert "no gene set was scored\n(geneset_coverage.tsv says why)" in texts(figure.axes[-1])


def test_methods_say_no_gene_and_no_set_passed(null_results):
    coverage = dropped_coverage()
    assert gsea_outcome(pd.DataFrame(columns=GSEA_COLUMNS), coverage, 0.05) == (
        "GSEA was not run, no gene set could be tested (every gene set was dropped: SMALL (3 genes found < "
        "min_size 10); OTHER (2 genes found < min_size 10))"
    )
    gsea = pd.DataFrame({"term": ["A", "B"], "fdr": [0.2, 0.04]})
    assert gsea_outcome(gsea, None, 0.05) == "2 gene sets tested; 1 with FDR < 0.05"
    assert gsea_outcome(gsea, None, 0.01) == "2 gene sets tested; no gene set with FDR < 0.01"
    # The DE rule's run summary of these results: 30 genes, none pre-filtered or filtered, no outlier.
    summary = {
        "engine": {"backend": "vectorised", "r_compatible": True, "pydeseq2_version": "1.0"},
        "settings": {
            "design": "~ batch + condition",
            "alpha": 0.05,
            "cooks_filter": True,
            "independent_filter": True,
            "shrink_lfc": True,
            "backend": "vectorised",
            "r_compatible": True,
            "prefilter": {"min_count": 0, "min_samples": None, "min_samples_applied": None},
        },
        "genes": {"in": 30, "prefiltered_out": 0, "with_pvalue": 30, "independent_filtered": 0, "with_padj": 30},
        "independent_filtering_basemean_threshold": 0.0,
        "cooks": {"outliers": 0, "refitted_genes": 0},
        "shrinkage": {"method": "apeGLM", "coefficient": "condition[T.resistant]"},
        "fallbacks": {},
    }
    text = methods_markdown(
        MethodsInputs(
            versions=dict.fromkeys(["pytximport", "pydeseq2", "gseapy"], "1.0"),
            snakemake_version="9",
            python_version="3.11",
            quantification={"format": "salmon", "counts_from_abundance": "no"},
            samples=pd.DataFrame({"sample": SAMPLES, "condition": ["parental"] * 3 + ["resistant"] * 3}),
            design="~ batch + condition",
            contrasts=[{"name": "rvp", "variable": "condition", "reference": "parental", "target": "resistant"}],
            de_summaries={"rvp": summary},
            de_results={"rvp": null_results},
            vst_blind=True,
            vst_engine={"backend": "vectorised", "r_compatible": True},
            pca_genes=500,
            outlier_ratio=2,
            enrichment={"min_size": 10, "max_size": 100, "min_coverage": 0.5},
            gsea_settings={
                "rvp": {
                    "permutations": 1000,
                    "seed": 1,
                    "gseapy_version": "1.0",
                    "pvalue_method": "multilevel",
                    "pvalue_floor": 1e-10,
                }
            },
            geneset_files=[("a.gmt", "0" * 64)],
            gsea_results={"rvp": pd.DataFrame(columns=GSEA_COLUMNS)},
            coverages={"rvp": coverage},
            gsea_fdr=0.05,
        )
    )
    assert (
        "- rvp: 30 genes, 30 with a p-value, none removed by independent filtering; 30 with an adjusted p-value; "
        "no gene at padj < 0.05." in text
    )
    assert "- rvp: GSEA was not run, no gene set could be tested (every gene set was dropped: SMALL" in text


def test_a_neighbour_from_the_other_group_flags_only_a_clearly_closer_one(samples):
    # Six samples on a line, alternating groups, equally spaced: every nearest neighbour is in the other group,
    # as in a study where nothing changed, and only 2x closer than the nearest group mate.
    positions = pd.DataFrame(
        {sample: [float(index)] for index, sample in enumerate(["P1", "R1", "P2", "R2", "P3", "R3"])}
    )
    table = flag_outliers(sample_distances(positions), samples["condition"], ratio=2).set_index("sample")
    assert (table["nearest_group"] != table["group"]).all()
    assert not table["flagged"].any() and (table["reason"] == "").all()
    # P3 sits 0.01 from R1 and 5 from its nearest group mate: flagged, with both distances.
    separated = pd.DataFrame(
        {sample: [value] for sample, value in zip(SAMPLES, [0.0, 0.1, 5.0, 5.01, 6.0, 6.1], strict=True)}
    )
    table = flag_outliers(sample_distances(separated), samples["condition"], ratio=100).set_index("sample")
    # R1, 0.99 from its group mate R2, stays unflagged although its nearest sample is P3.
    assert table["flagged"].tolist() == [False, False, True, False, False, False]
    assert table.loc["P3", "reason"] == (
        "its nearest sample is in group 'resistant', not in its own group 'parental' (0.0 against 4.9 to its "
        "nearest group mate; threshold 100x)"
    )
