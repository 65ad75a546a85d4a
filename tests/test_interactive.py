"""Interactive report pages and diagnostics on small data: embedded data, offline JavaScript, statistics."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from browser import EXTERNAL_RESOURCE, chromium_available, inspect_report
from scipy import stats

from resistseq.diagnostics import (
    chosen_genes,
    gene_count_levels,
    pc_associations,
    plot_gene_counts,
    plot_pc_associations,
    plot_pvalue_histogram,
    plot_scree,
)
from resistseq.filtering import filtering_summary, independent_filtering
from resistseq.interactive import (
    BACKGROUND_LIMIT,
    PVALUE_FLOOR,
    THINNING_GRID,
    de_table_page,
    gene_points,
    gsea_table_page,
    ma_spec,
    pca_spec,
    plot_page,
    rounded,
    significant,
    thin,
    volcano_spec,
)
from resistseq.plots import pca


def de_results(genes: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base_mean = rng.lognormal(4, 2, genes)
    pvalue = rng.uniform(size=genes)
    pvalue[:8] = 10.0 ** -rng.uniform(4, 12, 8)
    pvalue[0] = 0.0
    # Signal among the well-expressed genes only, so independent filtering drops low-count genes.
    expressed = (base_mean > np.median(base_mean)) & (np.arange(genes) % 3 == 0)
    pvalue[expressed] = 10.0 ** -rng.uniform(2, 4, int(expressed.sum()))
    lfc = rng.normal(0, 0.4, genes)
    lfc[:8] = np.array([3, -2.5, 2, -3, 1.5, 2.2, -1.8, 4.0])
    frame = pd.DataFrame(
        {
            "gene_id": [f"ENSG{i:011d}.1" for i in range(genes)],
            "gene_name": [f"GENE{i}" for i in range(genes)],
            "baseMean": base_mean,
            "log2FoldChange": lfc,
            "lfcSE": rng.uniform(0.1, 0.5, genes),
            "stat": rng.normal(size=genes),
            "pvalue": pvalue,
        }
    )
    frame["padj"] = independent_filtering(frame["baseMean"], frame["pvalue"], 0.05)
    frame.loc[genes - 1, ["pvalue", "padj", "stat"]] = np.nan  # a Cook's outlier or pre-filtered gene
    return frame.sort_values("padj", kind="mergesort", na_position="last").reset_index(drop=True)


def itables_data(page: str) -> tuple[list[str], list[list]]:
    """Header and rows that an itables page hands to DataTables."""
    match = re.search(r'"data_json": (".*?"),\n', page)
    rows = json.loads(json.loads(match.group(1)))
    header = re.findall(r"<th>(.*?)</th>", json.loads(re.search(r'"table_html": (".*?"),\n', page).group(1)))
    return header, rows


def vega_spec(page: str) -> dict:
    return json.loads(re.search(r"<script id='spec' type='application/json'>(.*?)</script>", page, re.S).group(1))


def test_rounded_keeps_six_significant_digits_and_leaves_text_and_missing_values():
    frame = pd.DataFrame({"x": [123456.789, 1.23456789e-250, -0.000987654321, 0.0, np.nan], "name": list("abcde")})
    out = rounded(frame)
    assert out["x"].iloc[:4].tolist() == [123457.0, 1.23457e-250, -0.000987654, 0.0]
    assert np.isnan(out["x"].iloc[4]) and out["name"].tolist() == list("abcde")


def test_de_table_page_embeds_every_row_and_column_and_its_javascript():
    results = de_results()
    page = de_table_page(results, "resistant_vs_parental", 0.05, 1.0)
    header, rows = itables_data(page)
    assert header == list(results.columns)
    assert len(rows) == len(results)
    table = rounded(results)
    assert [row[1] for row in rows] == table["gene_name"].tolist()
    assert [row[0] for row in rows] == table["gene_id"].tolist()
    embedded = np.array([np.nan if value == "___NaN___" else value for value in (row[7] for row in rows)], float)
    np.testing.assert_array_equal(embedded, table["padj"].to_numpy())
    np.testing.assert_allclose([row[3] for row in rows], results["log2FoldChange"], rtol=1e-5)
    # Offline: DataTables with SearchBuilder and the CSV/Excel buttons (JSZip) is inside the file, base64-encoded.
    assert '"searchBuilder"' in page and '"excelHtml5"' in page and '"csvHtml5"' in page
    bundle = re.search(r'injectModule\("([A-Za-z0-9+/=]+)"\)', page).group(1)
    assert len(bundle) > 500_000
    assert EXTERNAL_RESOURCE.search(page) is None


def test_gsea_table_page_embeds_the_sets():
    gsea = pd.DataFrame(
        {
            "term": ["NFKB_TARGET_GENES", "BASAL_LIKE_UP"],
            "nes": [2.1, 1.7],
            "fdr": [0.0, 0.013],
            "size": [40, 25],
            "leading_edge": ["RELB;NFKB2;BIRC3", "KRT5;KRT14"],
        }
    )
    header, rows = itables_data(gsea_table_page(gsea, "c"))
    assert header == list(gsea.columns) and rows == gsea.values.tolist()


def test_external_resource_pattern_catches_cdn_loads():
    assert EXTERNAL_RESOURCE.search('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>')
    assert EXTERNAL_RESOURCE.search("import { ITable } from 'https://www.unpkg.com/dt_for_itables/dt_bundle.js';")
    assert EXTERNAL_RESOURCE.search('<link href="//fonts.googleapis.com/css" rel="stylesheet">')
    assert EXTERNAL_RESOURCE.search('<a href="https://itables.org/">help</a>') is None


def test_thin_keeps_every_marked_point_and_one_other_per_cell():
    rng = np.random.default_rng(3)
    n = BACKGROUND_LIMIT * 3
    x, y = rng.normal(size=n), rng.exponential(size=n)
    keep = np.zeros(n, bool)
    keep[:50] = True
    drawn = thin(x, y, keep)
    assert set(range(50)) <= set(drawn) and len(drawn) < n
    others = np.setdiff1d(drawn, np.arange(50))

    def cells(index):
        cx = np.minimum(((x - x.min()) / (x.max() - x.min()) * THINNING_GRID).astype(int), THINNING_GRID - 1)
        cy = np.minimum(((y - y.min()) / (y.max() - y.min()) * THINNING_GRID).astype(int), THINNING_GRID - 1)
        return cx[index] * THINNING_GRID + cy[index]

    # One point per occupied cell: every cell that held an unmarked point still holds one, the first.
    assert len(set(cells(others))) == len(others) == len(set(cells(np.arange(50, n))))
    first = pd.Series(np.arange(50, n)).groupby(cells(np.arange(50, n))).min().sort_values().to_numpy()
    np.testing.assert_array_equal(others, first)
    np.testing.assert_array_equal(thin(x, y, keep), drawn)
    small = thin(x[:100], y[:100], keep[:100])
    np.testing.assert_array_equal(small, np.arange(100))


def test_volcano_embeds_the_tested_genes_with_the_table_values():
    results = de_results()
    points, tested = gene_points(results, 0.05, 1.0, ["GENE30"], "log2FoldChange", "neg_log10_pvalue")
    assert tested == len(results) - 1 == len(points)
    spec = vega_spec(plot_page("Volcano", "note", volcano_spec(points, "c", 0.05, 1.0), "/* js */"))
    assert spec["data"]["format"]["parse"]["padj"] == "number"
    records = pd.read_csv(io.StringIO(spec["data"]["values"]), dtype={"gene_id": str}).set_index("gene_id")
    table = results.set_index("gene_id").loc[records.index]
    np.testing.assert_allclose(records["log2FoldChange"], table["log2FoldChange"], rtol=1e-5)
    np.testing.assert_allclose(records["baseMean"], table["baseMean"], rtol=1e-5)
    np.testing.assert_allclose(records["padj"].astype(float), table["padj"], rtol=1e-5)
    expected_y = -np.log10(table["pvalue"].clip(lower=PVALUE_FLOOR))
    np.testing.assert_allclose(records["neg_log10_pvalue"], expected_y, rtol=1e-5)
    assert (records["gene_name"] == table["gene_name"]).all()
    up = (table["padj"] < 0.05) & (table["log2FoldChange"] >= 1)
    down = (table["padj"] < 0.05) & (table["log2FoldChange"] <= -1)
    assert set(records.index[records["status"] == "up"]) == set(table.index[up])
    assert set(records.index[records["status"] == "down"]) == set(table.index[down])
    labelled = set(records.loc[records["label"] == 1, "gene_name"])
    assert labelled == set(results["gene_name"].iloc[:10]) | {"GENE30"}
    tooltip = [item["field"] for item in spec["layer"][0]["encoding"]["tooltip"]]
    assert {"gene_name", "gene_id", "log2FoldChange", "padj", "baseMean"} <= set(tooltip)
    assert spec["layer"][0]["params"][0]["bind"] == "scales"


def test_ma_plot_draws_expressed_genes_on_a_log_axis():
    results = de_results()
    results.loc[5, "baseMean"] = 0.0
    points, _ = gene_points(results, 0.05, 1.0, [], "baseMean", "log2FoldChange")
    spec = ma_spec(points, "c", 1.0)
    drawn = pd.read_csv(io.StringIO(spec["data"]["values"]))
    assert len(drawn) == int((points["baseMean"] > 0).sum()) and (drawn["baseMean"] > 0).all()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"


def test_plot_page_is_offline_and_escapes_script_ends():
    spec = {"title": "a </script> title", "data": {"values": [{"x": 1}]}, "mark": "point"}
    page = plot_page("T", "note", spec, "window.vegaEmbed = function () {};")
    assert vega_spec(page) == spec
    assert page.count("</script>") == 3
    assert EXTERNAL_RESOURCE.search(page) is None


def test_bundled_vega_javascript_is_what_the_locked_vl_convert_builds():
    """The pages carry resources/vega/vega_bundle.js: it must be exactly the installed vl-convert's bundle,
    read back character for character (it has non-ASCII characters, so the encoding matters)."""
    from pathlib import Path

    from resistseq.vega import read_vega_bundle, vega_javascript

    bundled = Path(__file__).resolve().parents[1] / "resources" / "vega" / "vega_bundle.js"
    assert read_vega_bundle(bundled) == vega_javascript(), "rebuild it as resources/vega/README.md says"


def test_vega_bundle_is_offline_and_its_file_reads_back_exactly(tmp_path):
    """write_vega_bundle (how resources/vega/vega_bundle.js is made) gives back a fresh vl-convert call's text."""
    from resistseq.vega import read_vega_bundle, vega_javascript, write_vega_bundle

    path = tmp_path / "results" / "vega_bundle.js"
    size = write_vega_bundle(path)
    javascript = vega_javascript()
    assert "vegaEmbed" in javascript and EXTERNAL_RESOURCE.search(f"<script>{javascript}</script>") is None
    assert not javascript.isascii() and size == path.stat().st_size == len(javascript.encode("utf-8"))
    assert read_vega_bundle(path) == javascript
    assert [item.name for item in path.parent.iterdir()] == ["vega_bundle.js"]  # no partial file left


def test_pca_spec_shows_the_sheet_columns_and_scores():
    rng = np.random.default_rng(5)
    samples = pd.DataFrame(
        {
            "sample": ["P1", "P2", "R1", "R2"],
            "condition": ["parental", "parental", "resistant", "resistant"],
            "batch": ["b1", "b2", "b1", "b2"],
            "quant": ["a", "b", "c", "d"],
        }
    ).set_index("sample", drop=False)
    vst = pd.DataFrame(rng.normal(size=(30, 4)), columns=samples.index)
    scores, explained = pca(vst)
    spec = pca_spec(scores, explained, samples, "condition", ["parental", "resistant"], "batch", 30)
    records = pd.DataFrame(spec["data"]["values"]).set_index("sample")
    assert list(records.index) == ["P1", "P2", "R1", "R2"]
    np.testing.assert_allclose(records["PC1"], scores["PC1"], rtol=1e-5)
    assert records["batch"].tolist() == ["b1", "b2", "b1", "b2"] and "quant" not in records
    assert [item["field"] for item in spec["layer"][0]["encoding"]["tooltip"]][:3] == ["sample", "condition", "batch"]


def test_pc_associations_equal_anova_and_regression():
    rng = np.random.default_rng(11)
    n = 12
    frame = pd.DataFrame(
        {
            "condition": ["parental", "resistant"] * 6,
            "batch": ["b1"] * 4 + ["b2"] * 4 + ["b3"] * 4,
            "rin": rng.uniform(6, 10, n),
            "path": [f"file{i}" for i in range(n)],
            "site": ["same"] * n,
        },
        index=[f"s{i}" for i in range(n)],
    )
    scores = pd.DataFrame(rng.normal(size=(n, 4)), index=frame.index, columns=["PC1", "PC2", "PC3", "PC4"])
    scores["PC1"] += frame["batch"].map({"b1": -4.0, "b2": 0.0, "b3": 4.0})
    explained = np.array([0.6, 0.2, 0.15, 0.05])
    table = pc_associations(scores, explained, frame, pcs=3)
    assert set(table["column"]) == {"condition", "batch", "rin"}  # one value, or one per sample: left out
    assert len(table) == 9 and table["pc"].unique().tolist() == ["PC1", "PC2", "PC3"]
    for _, row in table.iterrows():
        y = scores[row["pc"]]
        if row["type"] == "factor":
            groups = [y[frame[row["column"]] == level] for level in sorted(frame[row["column"]].unique())]
            expected_p = stats.f_oneway(*groups).pvalue
            grand = y.mean()
            expected_r2 = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / ((y - grand) ** 2).sum()
        else:
            fit = stats.linregress(frame[row["column"]], y)
            expected_p, expected_r2 = fit.pvalue, fit.rvalue**2
        assert row["r_squared"] == pytest.approx(expected_r2, rel=1e-9)
        assert row["pvalue"] == pytest.approx(expected_p, rel=1e-7)
    strongest = table.loc[table["pc"] == "PC1"].sort_values("r_squared").iloc[-1]
    assert strongest["column"] == "batch" and strongest["r_squared"] > 0.8 and strongest["pvalue"] < 1e-3
    assert table["variance_explained"].tolist()[::3] == [0.6, 0.6, 0.6][: len(table) // 3]


def test_filtering_summary_reads_the_cutoff_off_the_table():
    results = de_results(genes=400, seed=7)
    summary = filtering_summary(results, 0.05).iloc[0]
    with_pvalue = results["pvalue"].notna()
    assert summary["genes"] == 400 and summary["genes_with_pvalue"] == with_pvalue.sum() == 399
    kept = results.loc[with_pvalue & results["padj"].notna(), "baseMean"]
    removed = results.loc[with_pvalue & results["padj"].isna(), "baseMean"]
    assert len(removed) > 0, "the example must exercise the filter"
    assert summary["basemean_threshold"] == kept.min() and removed.max() < kept.min()
    assert summary["share_tested"] == pytest.approx(len(kept) / 399)
    assert summary["genes_tested"] + summary["genes_filtered"] == 399
    unfiltered = results.assign(padj=results["pvalue"])
    assert filtering_summary(unfiltered, 0.05).iloc[0]["basemean_threshold"] == 0.0


def test_pvalue_histogram_stacks_tested_and_filtered_genes():
    results = de_results(genes=400, seed=7)
    summary = filtering_summary(results, 0.05)
    figure = plot_pvalue_histogram(results, summary, "c")
    axis = figure.axes[0]
    heights = np.array([patch.get_height() for patch in axis.patches]).reshape(2, -1)
    assert heights.sum() == summary.iloc[0]["genes_with_pvalue"]
    assert heights[0].sum() == summary.iloc[0]["genes_tested"]
    assert "% of genes with a p-value tested" in axis.get_title()


def test_chosen_genes_puts_declared_genes_first_then_the_top():
    results = de_results()
    results.loc[20, "gene_name"] = "GENE3"  # a symbol with two gene IDs
    genes = chosen_genes(results, ["GENE40", "GENE3", "MISSING"], top=4)
    assert genes["gene_name"].tolist()[:3] == ["GENE40", "GENE3", "GENE3"]
    assert genes["gene_id"].is_unique and len(genes) == 3 + len(set(results["gene_id"][:4]) - set(genes["gene_id"][:3]))


def test_gene_count_panels_follow_the_contrast_or_else_the_study_groups():
    samples = pd.DataFrame(
        {
            "condition": ["parental", "resistant", "resistant_b", "parental"],
            "line": ["L2", "L1", "L3", "L2"],
        },
        index=["P1", "R1", "B1", "P2"],
    )
    study = ["parental", "resistant", "resistant_b"]
    pairwise = {"name": "b", "variable": "condition", "reference": "resistant", "target": "resistant_b"}
    # Reference, target, then the other levels; the study's colours for the study's variable.
    assert gene_count_levels(pairwise, samples, "condition", study) == (
        "condition",
        ["resistant", "resistant_b", "parental"],
        study,
    )
    # A contrast of another sheet column: its own levels give the colours.
    by_line = {"name": "l", "variable": "line", "reference": "L2", "target": "L1"}
    assert gene_count_levels(by_line, samples, "condition", study) == ("line", ["L2", "L1", "L3"], ["L2", "L1", "L3"])
    # An LRT or a coefficient contrast compares no two levels: the study's groups.
    for contrast in ({"name": "any", "test": "lrt", "reduced": "~ 1"}, {"name": "c", "coefficients": {"x": 1}}):
        assert gene_count_levels(contrast, samples, "condition", study) == ("condition", study, study)


def test_gene_count_and_pca_figures_draw_their_data():
    rng = np.random.default_rng(2)
    samples = pd.DataFrame(
        {"sample": ["P1", "P2", "R1", "R2"], "condition": ["parental", "parental", "resistant", "resistant"]}
    ).set_index("sample", drop=False)
    results = de_results(genes=20)
    normalised = pd.DataFrame(rng.uniform(1, 100, (20, 4)), index=results["gene_id"], columns=samples.index)
    genes = chosen_genes(results, ["GENE2"], top=3)
    figure = plot_gene_counts(
        normalised, samples, genes, "condition", ["parental", "resistant"], ["parental", "resistant"], "c"
    )
    first = figure.axes[0]
    drawn = np.concatenate([collection.get_offsets()[:, 1] for collection in first.collections])
    np.testing.assert_allclose(sorted(drawn), sorted(normalised.loc[genes["gene_id"].iloc[0]] + 0.5))
    assert first.get_title().startswith(genes["gene_name"].iloc[0])
    scree = plot_scree(np.array([0.5, 0.3, 0.2]), 20)
    assert [patch.get_height() for patch in scree.axes[0].patches] == pytest.approx([50, 30, 20])
    frame = pd.DataFrame({"condition": samples["condition"], "batch": ["a", "b", "a", "b"]})
    scores = pd.DataFrame(rng.normal(size=(4, 3)), index=samples.index, columns=["PC1", "PC2", "PC3"])
    table = pc_associations(scores, np.array([0.5, 0.3, 0.2]), frame)
    heatmap = plot_pc_associations(table)
    image = heatmap.axes[0].images[0].get_array()
    np.testing.assert_allclose(image[0], table.loc[table["column"] == "condition", "r_squared"])


@pytest.mark.skipif(not chromium_available(), reason="chromium or playwright not installed")
def test_browser_check_sees_a_request_from_an_embedded_page(tmp_path):
    """The offline check of the report test would catch a page that loads a script from the network."""
    import base64

    inner = "<html><body><script src='http://127.0.0.1:9/vega.js'></script></body></html>"
    uri = "data:text/html;base64," + base64.b64encode(inner.encode()).decode()
    report = tmp_path / "report.html"
    report.write_text(
        "<html><body><p>report</p><iframe src='" + uri + "'></iframe>"
        "<script>var categories = {}, results = {};</script></body></html>"
    )
    page = inspect_report(report)
    assert page["outside"] == ["http://127.0.0.1:9/vega.js"]


def test_pages_too_large_for_the_single_file_report_are_flagged(tmp_path, caplog):
    import logging

    from resistseq.interactive import REPORT_PAGE_LIMIT, page_size_warning, write_page

    assert page_size_warning("a.html", "x" * REPORT_PAGE_LIMIT) is None
    warning = page_size_warning("a.html", "é" * (REPORT_PAGE_LIMIT // 2 + 1))
    assert warning.startswith(f"a.html is {REPORT_PAGE_LIMIT + 2:,} bytes") and "--report report.zip" in warning
    logger = logging.getLogger("test_interactive")
    with caplog.at_level(logging.INFO, logger="test_interactive"):
        write_page(str(tmp_path / "big.html"), "x" * (REPORT_PAGE_LIMIT + 1), logger)
    assert (tmp_path / "big.html").stat().st_size == REPORT_PAGE_LIMIT + 1
    assert [record.levelname for record in caplog.records] == ["INFO", "WARNING"]


def test_rounded_values_print_as_their_digits():
    values = pd.DataFrame({"p": [7.95274e-18 * (1 + 1e-12), 0.1 + 0.2, 3.0099e-8]})
    assert [repr(value) for value in rounded(values)["p"]] == ["7.95274e-18", "0.3", "3.0099e-08"]


@pytest.mark.parametrize("digits", [1, 3, 6, 9, 12])
def test_significant_equals_the_text_route_bit_for_bit(digits):
    """The vectorised rounding against float(f"{value:.{digits}g}") per value, the route it replaces: every
    magnitude, exact half-way decimals, neighbours of powers of ten, any bit pattern (NaN payloads, subnormals)."""
    rng = np.random.default_rng(digits)
    n = 20_000
    values = np.concatenate(
        [
            rng.normal(size=n) * 10.0 ** rng.integers(-40, 40, n),
            rng.lognormal(4, 3, n),
            np.frombuffer(rng.bytes(8 * n), dtype=np.float64),
            (rng.integers(1, 10**7, n) + 0.5) * 10.0 ** rng.integers(-8, 8, n),
            np.round(rng.normal(size=n) * 1e6) / 10.0 ** rng.integers(0, 12, n),
            10.0 ** rng.integers(-25, 25, n) * (1 + rng.integers(-3, 4, n) * 2.0**-52),
            (10.0 ** rng.integers(1, 10, n) - 0.5) * 10.0 ** rng.integers(-10, 10, n),
            [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, 1234565.0, 0.125, 9.5, 999999.5, 1.79e308],
        ]
    )
    expected = np.array([float(f"{value:.{digits}g}") for value in values])
    np.testing.assert_array_equal(significant(values, digits).view(np.int64), expected.view(np.int64))
