"""Figure functions on small data: structure, values and byte-identical files."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from resistseq.plots import (
    group_colours,
    marker_matrix,
    pca,
    plot_ma,
    plot_marker_heatmap,
    plot_pca,
    plot_running_scores,
    plot_volcano,
    save_figure,
)


@pytest.fixture
def samples():
    return pd.DataFrame(
        {"sample": ["P1", "P2", "R1", "R2"], "condition": ["parental", "parental", "resistant", "resistant"]}
    ).set_index("sample", drop=False)


@pytest.fixture
def vst():
    rng = np.random.default_rng(0)
    data = rng.normal(8, 0.2, size=(50, 4))
    data[:10, 2:] += 3  # ten genes separate the groups
    return pd.DataFrame(data, index=[f"g{i}" for i in range(50)], columns=["P1", "P2", "R1", "R2"])


@pytest.fixture
def results():
    return pd.DataFrame(
        {
            "gene_id": ["g1", "g2", "g3", "g4"],
            "gene_name": ["ERBB2", "RELA", "KRT5", "ESR1"],
            "baseMean": [5000.0, 300.0, 50.0, 2000.0],
            "log2FoldChange": [0.1, 1.2, 2.5, -1.4],
            "pvalue": [0.5, 1e-6, 1e-9, 1e-5],
            "padj": [0.6, 1e-5, 1e-8, 1e-4],
        }
    )


def test_pca_separates_groups_and_reports_variance(vst):
    scores, explained = pca(vst, top=50)
    assert explained.sum() == pytest.approx(1.0)
    assert explained[0] > 0.8
    assert np.sign(scores.loc["P1", "PC1"]) == np.sign(scores.loc["P2", "PC1"]) != np.sign(scores.loc["R1", "PC1"])


def test_pca_figure_has_labelled_axes(vst, samples):
    figure = plot_pca(vst, samples, "condition", ["parental", "resistant"])
    axis = figure.axes[0]
    assert axis.get_xlabel().startswith("PC1 (") and "% variance" in axis.get_ylabel()
    assert [text.get_text() for text in axis.get_legend().get_texts()] == ["parental", "resistant"]


def test_group_colours_are_stable():
    assert group_colours(["parental", "resistant"]) == {"parental": "#0072B2", "resistant": "#D55E00"}


def test_volcano_and_ma_label_requested_genes(results):
    volcano = plot_volcano(results, "R vs P", alpha=0.05, lfc_threshold=1, label_genes=["ERBB2"])
    labels = {text.get_text() for text in volcano.axes[0].texts}
    assert {"ERBB2", "RELA", "KRT5", "ESR1"} <= labels
    assert volcano.axes[0].get_title() == "R vs P: 2 up, 1 down (padj < 0.05)"
    ma = plot_ma(results, "R vs P", alpha=0.05, lfc_threshold=1)
    assert ma.axes[0].get_xscale() == "log"


def test_running_score_panels(results):
    running = pd.DataFrame(
        {
            "term": ["A"] * 4 + ["B"] * 4,
            "position": [0, 1, 2, 3] * 2,
            "running_es": [0.5, 1.0, 0.5, 0.0, -0.5, -1.0, -0.5, 0.0],
            "hit": [True, True, False, False, False, True, True, False],
        }
    )
    table = pd.DataFrame({"term": ["A", "B"], "nes": [2.0, -1.5], "fdr": [0.001, 0.2]})
    figure = plot_running_scores(running, table, ["A", "B", "not tested"])
    visible = [axis for axis in figure.axes if axis.get_visible()]
    assert len(visible) == 2
    assert visible[0].get_title() == "A\nNES 2.00, FDR 0.001"


def test_marker_matrix_zscores_and_missing(vst):
    annotation = pd.DataFrame({"gene_id": vst.index, "gene_name": [f"N{i}" for i in range(50)]})
    matrix, groups, missing = marker_matrix(vst, annotation, {"first": ["N0", "N1"], "second": ["N20", "ABSENT"]})
    assert list(matrix.index) == ["N0", "N1", "N20"] and groups == ["first", "first", "second"]
    assert missing == ["ABSENT"]
    assert np.allclose(matrix.mean(axis=1), 0) and np.allclose(matrix.std(axis=1, ddof=1), 1)


def test_saved_figures_are_byte_identical(tmp_path, vst, samples):
    annotation = pd.DataFrame({"gene_id": vst.index, "gene_name": [f"N{i}" for i in range(50)]})
    outputs = []
    for run in ("first", "second"):
        figure = plot_marker_heatmap(vst, annotation, samples, "condition", ["parental", "resistant"], {"g": ["N0"]})
        pdf, png = tmp_path / f"{run}.pdf", tmp_path / f"{run}.png"
        save_figure(figure, pdf, png)
        outputs.append((pdf.read_bytes(), png.read_bytes()))
    assert outputs[0] == outputs[1]
    assert b"CreationDate" not in outputs[0][0]
    assert not list(tmp_path.glob(".*partial"))


def test_pdf_embeds_truetype_subsets_without_layout_tables(vst, samples, tmp_path):
    """Journals reject Type 3 fonts: the text is a Type 42 (TrueType) subset holding the drawn glyphs, and
    the layout tables that only cost time to subset are gone from it."""
    import io
    import zlib

    from fontTools.ttLib import TTFont

    annotation = pd.DataFrame({"gene_id": vst.index, "gene_name": vst.index})
    figure = plot_marker_heatmap(vst, annotation, samples, "condition", ["parental", "resistant"], {"g": ["g1"]})
    pdf, png = tmp_path / "f.pdf", tmp_path / "f.png"
    save_figure(figure, pdf, png)
    data = pdf.read_bytes()
    assert b"/Subtype /Type3" not in data
    assert b"/FontFile2" in data
    fonts = []
    for stream in re.findall(rb"/Length1 \d+ .*?>>\s*stream\r?\n(.*?)endstream", data, flags=re.S):
        fonts.append(TTFont(io.BytesIO(zlib.decompress(stream))))
    assert fonts
    for font in fonts:
        assert not {"GSUB", "GPOS", "GDEF", "MATH"} & set(font.keys())
        assert {"glyf", "cmap", "hmtx"} <= set(font.keys())
        # A subset: far fewer glyphs than DejaVu Sans' ~6,000, but the drawn ones ("g1" needs g and 1).
        assert 3 < len(font.getGlyphOrder()) < 200


def test_marker_heatmap_without_any_marker_in_the_data(vst, samples):
    annotation = pd.DataFrame({"gene_id": vst.index, "gene_name": vst.index})
    figure = plot_marker_heatmap(vst, annotation, samples, "condition", ["parental", "resistant"], {"g": ["ERBB2"]})
    texts = [text.get_text() for axis in figure.axes for text in axis.texts]
    assert "none of the marker genes\nis in the data" in texts
    assert figure.axes[0].get_title().endswith("not in data: ERBB2")


def test_volcano_and_ma_skip_prefiltered_genes(results):
    filtered = pd.DataFrame(
        {"gene_id": ["g5"], "gene_name": ["LOW1"], "baseMean": [3.0], "log2FoldChange": [np.nan],
         "pvalue": [np.nan], "padj": [np.nan]}
    )
    with_filtered = pd.concat([results, filtered], ignore_index=True)
    for figure in (
        plot_ma(with_filtered, "R vs P", alpha=0.05, lfc_threshold=1, label_genes=["LOW1"]),
        plot_volcano(with_filtered, "R vs P", alpha=0.05, lfc_threshold=1, label_genes=["LOW1"]),
    ):
        axis = figure.axes[0]
        genes = {line.get_gid(): len(line.get_xdata()) for line in axis.lines if line.get_gid()}
        assert genes == {"genes-#BBBBBB": 1, "genes-#0072B2": 1, "genes-#D55E00": 2}
        assert "LOW1" not in {text.get_text() for text in axis.texts}


def test_dense_volcano_and_ma_are_byte_identical_with_labels_apart(tmp_path):
    rng = np.random.default_rng(3)
    genes = 5000
    lfc = rng.normal(0, 1, genes)
    pvalue = np.clip(np.exp(-np.abs(lfc) * rng.uniform(1, 8, genes)), 1e-300, 1)
    dense = pd.DataFrame(
        {
            "gene_id": [f"g{i}" for i in range(genes)],
            "gene_name": [f"GENE{i}" for i in range(genes)],
            "baseMean": rng.lognormal(5, 2, genes),
            "log2FoldChange": lfc,
            "pvalue": pvalue,
            "padj": np.minimum(pvalue * 50, 1),
        }
    ).sort_values("padj", kind="mergesort")
    # Requested genes from the middle of the cloud, where it is densest.
    requested = dense.loc[np.argsort(np.abs(lfc))[:8], "gene_name"].tolist()
    for plot in (plot_volcano, plot_ma):
        outputs = []
        for run in ("first", "second"):
            figure = plot(dense, "R vs P", alpha=0.05, lfc_threshold=1, label_genes=requested)
            renderer = figure.canvas.get_renderer()
            labels = [text for text in figure.axes[0].texts if text.get_text()]
            assert {text.get_text() for text in labels} >= set(requested) and len(labels) == 18
            boxes = [text.get_window_extent(renderer) for text in labels]
            assert not any(first.overlaps(second) for i, first in enumerate(boxes) for second in boxes[i + 1 :])
            paths = [tmp_path / f"{plot.__name__}_{run}.{suffix}" for suffix in ("pdf", "png", "svg")]
            save_figure(figure, *paths)
            outputs.append([path.read_bytes() for path in paths])
        assert outputs[0] == outputs[1]


def test_running_score_corners_redraw_the_whole_curve():
    """gseapy's running score on 2,000 genes: the polyline through the kept rows passes through every
    position's score, every hit is kept, and two rows per hit at most remain."""
    from resistseq.gsea import run_prerank, running_scores
    from resistseq.plots import running_score_corners

    rng = np.random.default_rng(3)
    genes = [f"G{i:04d}" for i in range(2000)]
    scores = pd.Series(rng.normal(size=2000), index=genes)
    scores.iloc[:30] += 2.5
    scores.iloc[500:520] = 0.0  # ties at zero: hits of weight 0 in a row
    ranking = scores.sort_values(ascending=False, kind="mergesort")
    sets = {"UP": genes[:30], "SPREAD": genes[::40], "ZEROS": genes[500:520] + genes[1000:1005]}
    running = running_scores(run_prerank(ranking, sets, seed=1, permutations=50), ranking, list(sets))
    for term, curve in running.groupby("term"):
        kept = running_score_corners(curve)
        redrawn = np.interp(curve["position"], kept["position"], kept["running_es"])
        np.testing.assert_allclose(redrawn, curve["running_es"], rtol=0, atol=1e-12, err_msg=term)
        assert kept["hit"].sum() == curve["hit"].sum()
        assert len(kept) <= 2 * curve["hit"].sum() + 2 < len(curve) / 10
    # Any polyline: the kept rows are the ends and the points off their neighbours' line.
    zigzag = pd.DataFrame({"position": [0, 1, 2, 3, 5], "running_es": [0.0, 1.0, 2.0, 0.0, -4.0], "hit": False})
    assert running_score_corners(zigzag)["position"].tolist() == [0, 2, 5]
