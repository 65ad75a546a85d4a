"""QC, result, signature and composite figures on small data: values, structure and byte-identical files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from resistseq.de_figures import (
    geneset_matrix,
    plot_enrichment_dots,
    plot_geneset_heatmap,
    plot_top_de_heatmap,
    top_de_matrix,
    top_enriched,
)
from resistseq.plots import plot_running_scores, plot_volcano, save_figure, source_data
from resistseq.qc import (
    plot_count_distributions,
    plot_dispersions,
    plot_library_sizes,
    plot_sample_distances,
    plot_size_factors,
)
from resistseq.sample_qc import flag_outliers, library_stats, sample_distances
from resistseq.signature_figures import (
    panel_letters,
    plot_main_figure,
    plot_pam50,
    plot_signature_scores,
    signature_sets_shown,
)

LEVELS = ["parental", "resistant"]
SAMPLES = ["P1", "P2", "P3", "R1", "R2", "R3"]


@pytest.fixture
def samples():
    return pd.DataFrame(
        {"sample": SAMPLES, "condition": ["parental"] * 3 + ["resistant"] * 3, "batch": ["a", "b", "a", "b", "a", "b"]}
    ).set_index("sample", drop=False)


@pytest.fixture
def counts():
    rng = np.random.default_rng(1)
    data = rng.poisson(50, size=(40, 6))
    data[:10, 3:] *= 8
    data[39] = 0
    return pd.DataFrame(data, index=[f"g{i}" for i in range(40)], columns=SAMPLES)


@pytest.fixture
def vst(counts):
    return np.log2(counts + 1.0)


@pytest.fixture
def annotation(counts):
    names = ["ERBB2", "RELA", "KRT5", "ESR1", "CHUK"] + [f"N{i}" for i in range(5, 40)]
    return pd.DataFrame({"gene_id": counts.index, "gene_name": names})


@pytest.fixture
def results(counts, annotation):
    rng = np.random.default_rng(2)
    lfc = np.r_[[3.0, 2.5, 2.0, -2.0, -1.5], rng.normal(0, 0.3, 35)]
    pvalue = np.r_[[1e-9, 1e-8, 1e-7, 1e-6, 1e-5], rng.uniform(0.05, 1, 35)]
    return pd.DataFrame(
        {
            "gene_id": counts.index,
            "gene_name": annotation["gene_name"],
            "baseMean": counts.mean(axis=1).to_numpy() + 1,
            "log2FoldChange": lfc,
            "pvalue": pvalue,
            "padj": np.minimum(pvalue * 40, 1),
        }
    )


def saves(figure, tmp_path, name):
    """Every file of a figure, its source data too; the bytes of all of them."""
    paths = [tmp_path / f"{name}.{suffix}" for suffix in ("pdf", "png", "svg", "source_data.tsv")]
    save_figure(figure, *paths)
    pdf, png, svg, source = (path.read_bytes() for path in paths)
    assert pdf.startswith(b"%PDF") and png.startswith(b"\x89PNG") and b"<svg" in svg
    assert source.split(b"\n")[0].count(b"\t") >= 1, name
    return pdf + png + svg + source


def source_table(tmp_path, name):
    # round_trip: the numbers written are the numbers drawn, to the last bit.
    path = tmp_path / f"{name}.source_data.tsv"
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"], float_precision="round_trip")


def test_library_stats_count_totals_and_detected_genes(counts):
    counts.loc["g38", "P1"] = 0
    stats = library_stats(counts).set_index("sample")
    assert stats.loc["P1", "library_size"] == counts["P1"].sum()
    assert stats.loc["P1", "detected_genes"] == 38 and stats.loc["P2", "detected_genes"] == 39


def test_outlier_is_flagged_with_its_reason_and_kept(vst, samples):
    shifted = vst.copy()
    shifted["R3"] = shifted["R3"] + np.linspace(-4, 4, len(shifted))  # R3 drifts far from R1 and R2
    table = flag_outliers(sample_distances(shifted), samples["condition"], ratio=2.0).set_index("sample")
    assert list(table.index) == SAMPLES
    assert table["flagged"].tolist() == [False] * 5 + [True]
    assert table.loc["R3", "distance_ratio"] > 2 and "threshold 2x" in table.loc["R3", "reason"]
    assert (table.loc[["P1", "P2"], "reason"] == "").all()
    # A sample that sits with the other group is flagged for that, whatever the ratio.
    swapped = vst.copy()
    swapped["P3"] = vst["R1"] + 0.01
    table = flag_outliers(sample_distances(swapped), samples["condition"], ratio=100).set_index("sample")
    assert table.loc["P3", "flagged"] and "its nearest sample is in group 'resistant'" in table.loc["P3", "reason"]


def test_sample_distances_are_euclidean(vst):
    distances = sample_distances(vst)
    assert distances.loc["P1", "R1"] == pytest.approx(np.sqrt(((vst["P1"] - vst["R1"]) ** 2).sum()))
    assert np.allclose(np.diag(distances), 0)


def test_qc_figures_structure(tmp_path, counts, vst, samples):
    stats = library_stats(counts)
    figure = plot_library_sizes(stats, samples, "condition", LEVELS)
    assert [axis.get_xlabel() for axis in figure.axes] == ["library size (million counts)", "genes with ≥ 1 count"]
    assert [label.get_text() for label in figure.axes[0].get_yticklabels()] == SAMPLES
    saves(figure, tmp_path, "library")
    figure = plot_count_distributions(counts, counts / 1.1, samples, "condition", LEVELS)
    assert [axis.get_title() for axis in figure.axes] == ["Raw counts", "Normalised counts"]
    saves(figure, tmp_path, "distributions")
    size_factors = pd.Series([0.9, 1.0, 1.1, 0.95, 1.05, 1.2], index=SAMPLES)
    figure = plot_size_factors(size_factors, stats, samples, "condition", LEVELS)
    assert len(figure.axes) == 2 and figure.axes[1].get_xlabel() == "library size (million counts)"
    saves(figure, tmp_path, "size_factors")
    figure = plot_sample_distances(sample_distances(vst), samples, "condition", LEVELS, flagged=["R3"])
    heatmap = figure.axes[2]
    labels = [label.get_text() for label in heatmap.get_xticklabels()]
    assert sorted(labels) == sorted([*SAMPLES[:5], "R3 *"])
    # Clustering puts the two groups in two blocks.
    groups = [label[0] for label in labels]
    assert groups in (["P"] * 3 + ["R"] * 3, ["R"] * 3 + ["P"] * 3)
    saves(figure, tmp_path, "distances")


def test_dispersion_plot_layers(tmp_path):
    mean = np.logspace(0, 4, 50)
    trend = 0.05 + 1 / mean
    table = pd.DataFrame(
        {
            "gene_id": [f"g{i}" for i in range(50)],
            "baseMean": mean,
            "dispersion_genewise": trend * 1.5,
            "dispersion_trend": trend,
            "dispersion_map": trend * 1.2,
            "dispersion_final": trend * 1.2,
            "dispersion_outlier": [True] * 3 + [False] * 47,
        }
    )
    figure = plot_dispersions(table, "R vs P")
    axis = figure.axes[0]
    assert axis.get_xscale() == axis.get_yscale() == "log"
    legend = [text.get_text() for text in axis.get_legend().get_texts()]
    assert legend == ["gene-wise", "final", "dispersion outlier (3)", "fitted trend"]
    saves(figure, tmp_path, "dispersions")


def test_volcano_labels_do_not_overlap(results):
    crowded = results.copy()
    crowded.loc[:4, "log2FoldChange"] = [2.0, 2.01, 2.02, 2.03, 2.04]
    crowded.loc[:4, "pvalue"] = [1e-8, 1.1e-8, 1.2e-8, 1.3e-8, 1.4e-8]
    figure = plot_volcano(crowded, "R vs P", 0.05, 1, label_genes=["ERBB2", "RELA", "KRT5", "ESR1", "CHUK"])
    renderer = figure.canvas.get_renderer()
    labels = [text for text in figure.axes[0].texts if text.get_text()]
    assert {text.get_text() for text in labels} >= {"ERBB2", "RELA", "KRT5", "ESR1", "CHUK"}
    boxes = [text.get_window_extent(renderer) for text in labels]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second)


def test_top_de_matrix_orders_up_to_down(results, vst):
    matrix = top_de_matrix(results, vst, top=4)
    assert list(matrix.index) == ["ERBB2", "RELA", "KRT5", "ESR1"]
    assert np.allclose(matrix.mean(axis=1), 0) and np.allclose(matrix.std(axis=1, ddof=1), 1)


def test_heatmaps_structure(tmp_path, results, vst, samples, annotation):
    figure = plot_top_de_heatmap(results, vst, samples, "condition", LEVELS, "R vs P", top=10, alpha=0.05)
    heatmap = figure.axes[1]
    assert [label.get_text() for label in heatmap.get_xticklabels()] == SAMPLES
    assert len(heatmap.get_yticklabels()) == 10
    assert "5 with padj < 0.05" in figure.axes[0].get_title()
    saves(figure, tmp_path, "top_de")
    matrix, missing, dropped = geneset_matrix(vst, annotation, ["ERBB2", "RELA", "KRT5", "ABSENT"], limit=2)
    assert missing == ["ABSENT"] and dropped == 1 and len(matrix) == 2
    figure = plot_geneset_heatmap(vst, annotation, samples, "condition", LEVELS, "SET", ["ERBB2", "RELA", "ABSENT"])
    assert figure.axes[0].get_title() == "SET: 2 of 3 genes (VST z-scores)\nnot in data: ABSENT"
    saves(figure, tmp_path, "geneset")


def test_enrichment_dot_plot(tmp_path):
    gsea = pd.DataFrame(
        {
            "term": ["A", "B", "C", "D"],
            "nes": [2.5, -2.0, 1.2, 0.3],
            "fdr": [0.0, 0.01, 0.2, 0.9],
            "size": [40, 30, 10, 5],
        }
    )
    assert top_enriched(gsea, 3)["term"].tolist() == ["B", "C", "A"]
    figure = plot_enrichment_dots(gsea, "R vs P", top=3)
    axis = figure.axes[0]
    assert [label.get_text() for label in axis.get_yticklabels()] == ["B", "C", "A"]
    assert axis.get_xlabel() == "normalised enrichment score (NES)"
    assert figure.axes[1].get_ylabel().startswith("-log10 FDR")
    assert [text.get_text() for text in axis.get_legend().get_texts()] == ["10", "30", "40"]
    saves(figure, tmp_path, "dots")


@pytest.fixture
def scores(samples):
    rows = []
    for sample in SAMPLES:
        group = samples.loc[sample, "condition"]
        for gene_set, shift in (("NFKB", 1.0), ("BASAL", 0.5)):
            for method in ("ssgsea", "zscore"):
                value = shift * (1 if group == "resistant" else -1) + 0.01 * SAMPLES.index(sample)
                rows.append((sample, group, gene_set, method, value, 12))
    return pd.DataFrame(rows, columns=["sample", "group", "gene_set", "method", "score", "n_genes"])


def test_signature_score_figure(tmp_path, scores):
    figure = plot_signature_scores(scores, LEVELS, "zscore")
    axis = figure.axes[0]
    assert [label.get_text() for label in axis.get_xticklabels()] == ["BASAL", "NFKB"]
    assert axis.get_ylabel() == "signature score (zscore)"
    dots = [collection for collection in axis.collections if isinstance(collection, PathCollection)]
    points = np.concatenate([collection.get_offsets()[:, 1] for collection in dots])
    expected = scores.loc[scores["method"] == "zscore", "score"]
    assert np.allclose(np.sort(points), np.sort(expected))
    saves(figure, tmp_path, "scores")


def test_signature_figure_past_its_limit_keeps_plot_sets_then_the_largest_shifts(samples):
    rng = np.random.default_rng(3)
    rows = []
    # 30 sets: SHIFT_k moves by k/10 between groups (same noise), FLAT_k does not move.
    noise = rng.normal(scale=0.2, size=len(SAMPLES))
    for k in range(15):
        for name, shift in ((f"SHIFT_{k:02d}", k / 10), (f"FLAT_{k:02d}", 0.0)):
            for position, sample in enumerate(SAMPLES):
                group = samples.loc[sample, "condition"]
                value = shift * (group == "resistant") + noise[position]
                rows.append((sample, group, name, "zscore", value, 12))
    scores = pd.DataFrame(rows, columns=["sample", "group", "gene_set", "method", "score", "n_genes"])
    shown = signature_sets_shown(scores, LEVELS, "zscore", limit=5, keep=["FLAT_03", "MISSING"])
    assert shown == ["FLAT_03", "SHIFT_11", "SHIFT_12", "SHIFT_13", "SHIFT_14"]
    assert signature_sets_shown(scores, LEVELS, "zscore", limit=30) == sorted(scores["gene_set"].unique())
    figure = plot_signature_scores(scores, LEVELS, "zscore", limit=5, keep=["FLAT_03"])
    axis = figure.axes[0]
    assert [label.get_text() for label in axis.get_xticklabels()] == shown
    assert axis.get_title() == "Per-sample signature scores (zscore): 5 of 30 sets"
    assert set(source_data(figure)["gene_set"]) == set(shown)


def test_pam50_figure_outlines_the_call(tmp_path, samples):
    pam50 = pd.DataFrame(
        {
            "sample": SAMPLES,
            "group": samples["condition"].to_numpy(),
            "call": ["LumB"] * 3 + ["Basal"] * 3,
            "corr_Basal": [-0.2] * 3 + [0.6] * 3,
            "corr_Her2": [0.3] * 6,
            "corr_LumA": [0.2] * 6,
            "corr_LumB": [0.5] * 3 + [0.1] * 3,
            "corr_Normal": [0.0] * 6,
            "n_genes": [48] * 6,
        }
    )
    figure = plot_pam50(pam50, LEVELS)
    axis = figure.axes[0]
    assert [label.get_text() for label in axis.get_xticklabels()] == ["Basal", "Her2", "LumA", "LumB", "Normal"]
    outlined = sorted((patch.get_x() + 0.5, patch.get_y() + 0.5) for patch in axis.patches)
    assert outlined == [(0.0, 3.0), (0.0, 4.0), (0.0, 5.0), (3.0, 0.0), (3.0, 1.0), (3.0, 2.0)]
    assert "0.60" in {text.get_text() for text in axis.texts}
    saves(figure, tmp_path, "pam50")


@pytest.mark.parametrize("with_scores", [False, True])
def test_main_figure_panels(tmp_path, with_scores, vst, samples, results, annotation, scores):
    running = pd.DataFrame(
        {
            "term": ["NFKB"] * 4 + ["BASAL"] * 4,
            "position": [0, 1, 2, 3] * 2,
            "running_es": [0.5, 1.0, 0.5, 0.0, 0.3, 0.6, 0.2, 0.0],
            "hit": [True, True, False, False, True, False, True, False],
        }
    )
    gsea = pd.DataFrame({"term": ["NFKB", "BASAL"], "nes": [2.0, 1.5], "fdr": [0.001, 0.01], "size": [20, 15]})
    figure = plot_main_figure(
        vst=vst,
        samples=samples,
        colour_by="condition",
        levels=LEVELS,
        results=results,
        running=running,
        gsea=gsea,
        annotation=annotation,
        marker_groups={"HER2": ["ERBB2"], "NF-kB": ["RELA", "CHUK"]},
        gsea_sets=["NFKB", "BASAL"],
        contrast_label="R vs P",
        alpha=0.05,
        lfc_threshold=1,
        shape_by="batch",
        scores=scores if with_scores else None,
    )
    assert panel_letters(figure) == list("ABCDEF" if with_scores else "ABCDE")
    titles = [axis.get_title() for axis in figure.axes]
    assert titles[2].startswith("NFKB\nNES 2.00") and titles[3].startswith("BASAL\nNES 1.50")
    assert figure.axes[0].get_xlabel().startswith("PC1 (")
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend == ["parental, a", "parental, b", "resistant, a", "resistant, b"]
    assert figure.get_size_inches()[0] == pytest.approx(183 / 25.4)
    heatmap = next(image.get_array() for axis in figure.axes for image in axis.images if image.cmap.name == "RdBu_r")
    first = saves(figure, tmp_path, "main")
    assert len(first) > 10000
    table = source_table(tmp_path, "main")
    panels = list("ABCDEF" if with_scores else "ABCDE")
    assert table["panel"].unique().tolist() == panels
    # A: the PCA coordinates drawn are those of a PCA of the VST (eigenvectors of the sample covariance).
    coordinates = table[table["panel"] == "A"].set_index("sample")
    centred = vst.T - vst.T.mean()
    values, vectors = np.linalg.eigh(np.cov(centred.to_numpy(), rowvar=False))
    direct = centred.to_numpy() @ vectors[:, ::-1][:, :2]
    assert np.allclose(np.abs(coordinates.loc[SAMPLES, ["PC1", "PC2"]].to_numpy()), np.abs(direct))
    assert coordinates["PC1_variance_explained"].iloc[0] == pytest.approx(values[-1] / values.sum())
    assert coordinates.loc[SAMPLES, "batch"].tolist() == samples["batch"].tolist()
    # B: every gene with a p-value; C and D: the running scores; E: the heatmap's z-scores.
    assert (table["panel"] == "B").sum() == len(results)
    # The curve's corners: position 2 lies on the line from 1 to 3 and is no hit.
    assert table.loc[table["panel"] == "C", "running_es"].tolist() == [0.5, 1.0, 0.0]
    assert set(table.loc[table["panel"] == "D", "term"]) == {"BASAL"}
    zscores = table[table["panel"] == "E"]
    assert zscores["gene"].unique().tolist() == ["ERBB2", "RELA", "CHUK"]
    assert zscores["gene_group"].unique().tolist() == ["HER2", "NF-kB"]
    assert np.allclose(zscores["vst_zscore"].to_numpy().reshape(heatmap.shape), heatmap)
    if with_scores:
        drawn = table[table["panel"] == "F"].sort_values(["gene_set", "sample"])
        expected = scores[scores["method"] == "ssgsea"].sort_values(["gene_set", "sample"])
        assert np.allclose(drawn["score"], expected["score"])


def test_new_figures_are_byte_identical_on_rerun(tmp_path, vst, samples):
    outputs = []
    for run in ("first", "second"):
        figure = plot_sample_distances(sample_distances(vst), samples, "condition", LEVELS, flagged=["R3"])
        outputs.append(saves(figure, tmp_path, run))
    assert outputs[0] == outputs[1]
    assert b"<dc:date>" not in outputs[0]


def test_volcano_source_data_is_the_points_drawn(tmp_path, results):
    figure = plot_volcano(results, "R vs P", 0.05, 1, label_genes=["CHUK"])
    lines = {line.get_gid(): line for line in figure.axes[0].lines if (line.get_gid() or "").startswith("genes-")}
    saves(figure, tmp_path, "volcano")
    table = source_table(tmp_path, "volcano")
    assert len(table) == len(results) and "panel" not in table
    for colour, name in (("#BBBBBB", "not significant"), ("#0072B2", "down"), ("#D55E00", "up")):
        line = lines[f"genes-{colour}"]
        drawn = table[table["colour"] == name]
        assert len(drawn) == len(line.get_xdata()), (name, len(drawn))
        assert np.array_equal(drawn["log2FoldChange"], line.get_xdata())
        assert np.array_equal(drawn["neg_log10_pvalue_floored_1e-300"], line.get_ydata())
    assert np.allclose(table["neg_log10_pvalue_floored_1e-300"], -np.log10(results["pvalue"]))
    assert table["colour"].value_counts().to_dict() == {"not significant": 35, "up": 3, "down": 2}
    labelled = {text.get_text() for text in figure.axes[0].texts if text.get_text()}
    assert set(table.loc[table["labelled"], "gene_name"]) == labelled and "CHUK" in labelled


def test_heatmap_source_data_is_the_zscores_drawn(tmp_path, results, vst, samples):
    figure = plot_top_de_heatmap(results, vst, samples, "condition", LEVELS, "R vs P", top=10, alpha=0.05)
    drawn = figure.axes[1].images[0].get_array()
    saves(figure, tmp_path, "top_de")
    table = source_table(tmp_path, "top_de")
    assert table.columns.tolist() == ["gene", "sample", "condition", "vst_zscore"]
    wide = table.pivot(index="gene", columns="sample", values="vst_zscore")
    genes = list(dict.fromkeys(table["gene"]))
    assert np.array_equal(wide.loc[genes, SAMPLES].to_numpy(), drawn)
    # The same numbers straight from the VST: (value - row mean) / row SD (n - 1), genes named by symbol.
    by_name = dict(zip(results["gene_name"], results["gene_id"], strict=True))
    for gene in genes:
        values = vst.loc[by_name[gene], SAMPLES]
        expected = (values - values.mean()) / values.std(ddof=1)
        assert np.allclose(wide.loc[gene, SAMPLES], expected)
    assert table.groupby("sample")["condition"].first().to_dict() == samples["condition"].to_dict()


def test_count_box_source_data_is_the_boxes_drawn(tmp_path, counts, samples):
    figure = plot_count_distributions(counts, counts / 2.0, samples, "condition", LEVELS)
    # The median lines span the box (width 0.6); caps are half as wide, whiskers vertical.
    medians = [
        [line.get_ydata()[0] for line in axis.lines if np.isclose(np.ptp(line.get_xdata()), 0.6)]
        for axis in figure.axes
    ]
    saves(figure, tmp_path, "distributions")
    table = source_table(tmp_path, "distributions")
    assert table["panel"].unique().tolist() == ["Raw counts", "Normalised counts"]
    for panel, drawn in zip(("Raw counts", "Normalised counts"), medians, strict=True):
        assert np.allclose(table.loc[table["panel"] == panel, "median"], drawn)
    expressed = counts[(counts > 0).any(axis=1)]
    assert (table["genes"] == len(expressed)).all()
    assert table["median"].iloc[0] == pytest.approx(np.median(np.log2(expressed["P1"] + 1)))
    assert table["median"].iloc[6] == pytest.approx(np.median(np.log2(expressed["P1"] / 2.0 + 1)))


def test_figures_with_nothing_to_draw_write_a_header_only_source_table(tmp_path, results, vst, samples, annotation):
    untested = results.assign(pvalue=np.nan, padj=np.nan, log2FoldChange=np.nan)
    empty_gsea = pd.DataFrame(columns=["term", "nes", "fdr", "size"])
    running = pd.DataFrame(columns=["term", "position", "running_es", "hit"])
    figures = {
        "volcano": plot_volcano(untested, "R vs P", 0.05, 1),
        "top_de": plot_top_de_heatmap(untested, vst, samples, "condition", LEVELS, "R vs P", top=10, alpha=0.05),
        "geneset": plot_geneset_heatmap(vst, annotation, samples, "condition", LEVELS, "SET", None),
        "dots": plot_enrichment_dots(empty_gsea, "R vs P", top=3),
        "running": plot_running_scores(running, empty_gsea, ["NFKB"]),
        "scores": plot_signature_scores(
            pd.DataFrame(columns=["sample", "group", "gene_set", "method", "score"]), LEVELS, "zscore"
        ),
    }
    for name, figure in figures.items():
        saves(figure, tmp_path, name)
        table = source_table(tmp_path, name)
        assert table.empty and len(table.columns) >= 3, name


def test_the_qc_step_imports_no_plotting_library():
    """compute_sample_qc runs on every study; matplotlib and pyplot would add half a second to it."""
    import subprocess
    import sys
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    code = (
        f"import sys; sys.path.insert(0, {str(scripts)!r})\n"
        "import resistseq.sample_qc, resistseq.runtime, resistseq.tables\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'matplotlib'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
