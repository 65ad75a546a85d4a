"""The real workflow through Snakemake on the bundled example, from another working directory."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from browser import EXTERNAL_RESOURCE, chromium_available, inspect_report
from conftest import EXAMPLE_DATA, copy_example, result_checksums, snakemake

from resistseq.hypothesis import HYPOTHESIS_COLUMNS

pytestmark = pytest.mark.workflow

CONTRAST = "resistant_vs_parental"
DE_COLUMNS = [
    "gene_id",
    "gene_name",
    "baseMean",
    "log2FoldChange",
    "lfcSE",
    "stat",
    "pvalue",
    "padj",
    "log2FoldChange_shrunk",
    "lfcSE_shrunk",
]
FIGURES = [
    "pca",
    "marker_heatmap",
    f"{CONTRAST}/volcano",
    f"{CONTRAST}/ma",
    f"{CONTRAST}/gsea_running_scores",
    f"{CONTRAST}/dispersions",
    f"{CONTRAST}/top_de_heatmap",
    f"{CONTRAST}/enrichment_dots",
    f"{CONTRAST}/main_figure",
    "qc/library_sizes",
    "qc/count_distributions",
    "qc/size_factors",
    "qc/sample_distances",
    "genesets/NFKB_TARGET_GENES",
    "genesets/NFKB_CANONICAL_PATHWAY",
    "genesets/BASAL_LIKE_UP",
    "genesets/LUMINAL_MARKERS",
    "signature_scores_ssgsea",
    "signature_scores_zscore",
    "pam50",
    "qc/pca_scree",
    "qc/pc_associations",
    f"{CONTRAST}/pvalue_histogram",
    f"{CONTRAST}/gene_counts",
]
# Each figure's files in the report: the SVG and, beside it, its source data.
SHOWN_FIGURE_FILES = ("svg", "source_data.tsv")
INTERACTIVE_PAGES = [
    "pca",
    f"{CONTRAST}/deseq2",
    f"{CONTRAST}/gsea",
    f"{CONTRAST}/volcano",
    f"{CONTRAST}/ma",
]


def run_example(workdir):
    configfile = copy_example(workdir)
    completed = snakemake(workdir, "--configfile", str(configfile), "--cores", "2")
    assert completed.returncode == 0, completed.stderr[-4000:]
    return workdir / "results"


@pytest.fixture(scope="module")
def results(example_workdir):
    return example_workdir / "results"


@pytest.fixture(scope="module")
def truth():
    return pd.read_csv(EXAMPLE_DATA / "truth.tsv", sep="\t")


def test_gene_counts_are_integers_per_sample(results):
    counts = pd.read_csv(results / "counts" / "gene_counts.tsv", sep="\t")
    assert list(counts.columns) == ["gene_id", "BT474_P1", "BT474_P2", "BT474_P3", "BT474R_1", "BT474R_2", "BT474R_3"]
    assert len(counts) == 2167
    assert all(np.issubdtype(dtype, np.integer) for dtype in counts.dtypes[1:])
    vst = pd.read_csv(results / "counts" / "vst.tsv", sep="\t", index_col="gene_id")
    normalised = pd.read_csv(results / "counts" / "normalised_counts.tsv", sep="\t", index_col="gene_id")
    assert vst.shape == normalised.shape == (2167, 6)
    size_factors = pd.read_csv(results / "counts" / "size_factors.tsv", sep="\t", index_col="sample")["size_factor"]
    # The generator planted library-size factors 0.85 .. 1.20; median-of-ratios recovers their order.
    assert size_factors.idxmin() == "BT474_P1" and size_factors.idxmax() == "BT474R_1"


def test_deseq2_table_recovers_planted_truth(results, truth):
    table = pd.read_csv(results / "de" / CONTRAST / "deseq2.tsv", sep="\t")
    assert list(table.columns) == DE_COLUMNS
    merged = table.merge(truth[["gene_id", "category", "log2FoldChange"]], on="gene_id", suffixes=("", "_true"))
    assert len(merged) == len(table) == 2167
    erbb2 = merged.set_index("gene_name").loc["ERBB2"]
    assert erbb2["padj"] > 0.05 and abs(erbb2["log2FoldChange"]) < 0.5
    called = merged[merged["padj"] < 0.05]
    false_discoveries = (called["log2FoldChange_true"] == 0).sum()
    assert false_discoveries / len(called) <= 0.1
    planted = merged[merged["category"].isin(["NFKB_TARGET_GENES", "BASAL_LIKE_UP", "LUMINAL_MARKERS"])]
    assert (planted["padj"] < 0.05).mean() >= 0.8
    # Signs of the calls follow the truth, and shrinkage pulls estimates towards zero.
    assert (np.sign(called["log2FoldChange"]) == np.sign(called["log2FoldChange_true"]))[
        called["log2FoldChange_true"] != 0
    ].all()
    fitted = merged[merged["log2FoldChange"].notna()]  # pre-filtered genes have NA statistics
    assert (fitted["log2FoldChange_shrunk"].abs() <= fitted["log2FoldChange"].abs() + 1e-9).mean() > 0.99


def test_gsea_finds_nfkb_and_basal_shift_but_not_her2(results):
    gsea = pd.read_csv(results / "enrichment" / CONTRAST / "gsea.tsv", sep="\t").set_index("term")
    for column in ["nes", "pvalue", "fdr", "size", "leading_edge"]:
        assert column in gsea.columns
    for term in ["NFKB_TARGET_GENES", "NFKB_CANONICAL_PATHWAY", "BASAL_LIKE_UP"]:
        assert gsea.loc[term, "nes"] > 1.5 and gsea.loc[term, "fdr"] < 0.05, term
    assert gsea.loc["LUMINAL_MARKERS", "nes"] < -1.5 and gsea.loc["LUMINAL_MARKERS", "fdr"] < 0.05
    assert gsea.loc["HER2_AMPLICON_17Q12", "fdr"] > 0.25
    assert "RELA" in gsea.loc["NFKB_CANONICAL_PATHWAY", "leading_edge"].split(";")
    settings = json.loads((results / "enrichment" / CONTRAST / "gsea_settings.json").read_text())
    assert settings["seed"] == 20161001 and settings["permutations"] == 1000
    assert settings["gene_set_files"][0] == "resources/genesets/breast_subtype.gmt"
    coverage = pd.read_csv(results / "enrichment" / CONTRAST / "geneset_coverage.tsv", sep="\t").set_index("term")
    curated = ["BASAL_LIKE_UP", "LUMINAL_MARKERS", "HER2_AMPLICON_17Q12", "NFKB_CANONICAL_PATHWAY", "NFKB_TARGET_GENES"]
    assert (coverage.loc[curated, "share_found"] == 1.0).all() and (coverage.loc[curated, "status"] == "tested").all()
    # The synthetic example holds only 3 of the 32 EMT genes: the set is flagged and dropped, never silently tested.
    emt = coverage.loc["EMT_MESENCHYMAL_UP"]
    assert emt["genes_found"] == 3 and emt["low_coverage"] and emt["status"].startswith("dropped")
    collapsed = pd.read_csv(results / "enrichment" / CONTRAST / "collapsed_duplicates.tsv", sep="\t")
    # The example's duplicated symbols (AADACL2, AADACL3) each have one low-count gene: the default
    # pre-filter (>= 10 counts in >= 3 samples) gives it NA statistics, so nothing is left to collapse.
    table = pd.read_csv(results / "de" / CONTRAST / "deseq2.tsv", sep="\t")
    ranked = table[table["stat"].notna()]
    expected = sorted(set(ranked.loc[ranked["gene_name"].duplicated(keep=False), "gene_name"]))
    assert sorted(collapsed["gene_name"]) == expected
    duplicated = table[table["gene_name"].isin(["AADACL2", "AADACL3"])]
    assert len(duplicated) == 4 and duplicated.groupby("gene_name")["stat"].count().tolist() == [1, 1]


def test_hypothesis_table_reports_her2_kept_nfkb_on_basal_like_up(results):
    table = pd.read_csv(results / "hypothesis" / f"{CONTRAST}.tsv", sep="\t")
    assert list(table.columns) == HYPOTHESIS_COLUMNS
    overall = table[table["test"] == "overall"].set_index("hypothesis")
    assert overall["verdict"].to_dict() == {
        "her2_maintained": "supported",
        "nfkb_activated": "supported",
        "basal_like_shift": "supported",
    }
    # Every verdict carries its robustness: 6 jackknife refits, the declared sets alone and 5 other seeds.
    assert (overall["recomputations"] == 12).all() and (overall["robustness"] == 1.0).all()
    audit = pd.read_csv(results / "hypothesis" / f"{CONTRAST}.audit.tsv", sep="\t")
    assert audit["recomputation"].nunique() == 12
    erbb2 = table.set_index("test").loc["ERBB2 equivalence within log2FC +-1"]
    assert abs(erbb2["value"]) < 0.5 and erbb2["fdr"] < 0.05 and erbb2["verdict"] == "supported"
    summary = (results / "hypothesis" / f"{CONTRAST}.md").read_text()
    assert "basal_like_shift: BT-474-R moves from a luminal towards a basal-like phenotype" in summary
    assert "| **supported** | 12/12 (100%) |" in summary and "not clinical" in summary
    assert "**Exploratory, not declared, no verdict:**" in summary


def test_signature_scores_pam50_and_ora_tables(results):
    scores = pd.read_csv(results / "signatures" / "scores.tsv", sep="\t")
    assert list(scores.columns) == ["sample", "group", "gene_set", "method", "score", "n_genes"]
    assert set(scores["method"]) == {"ssgsea", "zscore"} and len(scores) == 7 * 6 * 2
    zscore = scores[(scores["method"] == "zscore") & (scores["gene_set"] == "BASAL_LIKE_UP")]
    by_group = zscore.groupby("group")["score"]
    assert (by_group.min()["resistant"] > 0 > by_group.max()["parental"]) and (zscore["n_genes"] == 35).all()
    assert abs(zscore["score"].sum()) < 1e-9  # z-scores are centred across samples
    pam50 = pd.read_csv(results / "subtype" / "pam50.tsv", sep="\t").set_index("sample")
    assert list(pam50.reset_index().columns) == [
        "sample", "group", "call", "corr_Basal", "corr_Her2", "corr_LumA", "corr_LumB", "corr_Normal", "n_genes"
    ]
    assert (pam50.loc[pam50["group"] == "resistant", "call"] == "Basal").all()
    assert pam50.loc[pam50["group"] == "parental", "call"].isin(["LumA", "LumB"]).all()
    assert (pam50["n_genes"] == 26).all()
    ora = pd.read_csv(results / "enrichment" / CONTRAST / "ora.tsv", sep="\t")
    assert list(ora.columns) == [
        "direction", "term", "overlap", "set_size", "n_selected", "background", "odds_ratio", "pvalue", "padj",
        "genes", "source",
    ]
    best = ora.groupby("direction").first()["term"].to_dict()
    assert best == {"up": "NFKB_TARGET_GENES", "down": "LUMINAL_MARKERS"}
    log = (results.parent / "logs" / "signatures" / "score_signatures.log").read_text()
    assert "gene set EMT_MESENCHYMAL_UP (resources/genesets/emt.gmt): only 3 of 32 genes" in log


def test_every_figure_is_a_pdf_an_svg_and_a_png(results):
    for figure in FIGURES:
        pdf = (results / "figures" / f"{figure}.pdf").read_bytes()
        png = (results / "figures" / f"{figure}.png").read_bytes()
        svg = (results / "figures" / f"{figure}.svg").read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 2000, figure
        assert png.startswith(b"\x89PNG") and len(png) > 2000, figure
        assert b"<svg" in svg and b"</svg>" in svg and len(svg) > 2000, figure
        assert b"CreationDate" not in pdf and b"<dc:date>" not in svg, figure
    assert len(list((results / "figures").rglob("*.svg"))) == len(FIGURES)


def test_every_figure_has_its_source_data_beside_it(results):
    """One table per figure, the numbers it draws, a panel column when it has several panels."""
    figures = sorted(path.with_suffix("") for path in (results / "figures").rglob("*.svg"))
    assert len(figures) == len(FIGURES)
    for stem in figures:
        path = stem.parent / f"{stem.name}.source_data.tsv"
        header = path.read_text().split("\n", 1)[0].split("\t")
        assert len(header) >= 2 and all(header), path
    assert len(list((results / "figures").rglob("*.source_data.tsv"))) == len(FIGURES)
    figures = results / "figures" / CONTRAST
    de = pd.read_csv(results / "de" / CONTRAST / "deseq2.tsv", sep="\t")
    tested = de[de["pvalue"].notna()]
    volcano = pd.read_csv(figures / "volcano.source_data.tsv", sep="\t", float_precision="round_trip")
    assert volcano["gene_id"].tolist() == tested["gene_id"].tolist()
    assert np.array_equal(volcano["log2FoldChange"], tested["log2FoldChange"])
    assert np.allclose(volcano["neg_log10_pvalue_floored_1e-300"], -np.log10(tested["pvalue"].clip(lower=1e-300)))
    significant = (tested["padj"] < 0.05) & (tested["log2FoldChange"].abs() >= 1)  # alpha, lfc_threshold
    assert (volcano["colour"] != "not significant").sum() == significant.sum()
    main = pd.read_csv(figures / "main_figure.source_data.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
    assert main["panel"].unique().tolist() == list("ABCDEF")
    pca = pd.read_csv(results / "figures" / "pca.source_data.tsv", sep="\t").set_index("sample")
    panel_a = main[main["panel"] == "A"].set_index("sample")
    assert np.allclose(panel_a.loc[pca.index, ["PC1", "PC2"]], pca[["PC1", "PC2"]])
    assert (main["panel"] == "B").sum() == len(tested)
    # The marker heatmap's z-scores: each gene's VST values centred and scaled (sample SD).
    vst = pd.read_csv(results / "counts" / "vst.tsv", sep="\t", index_col="gene_id")
    annotation = pd.read_csv(results / "counts" / "gene_annotation.tsv", sep="\t")
    heatmap = pd.read_csv(results / "figures" / "marker_heatmap.source_data.tsv", sep="\t")
    by_name = annotation.drop_duplicates("gene_name").set_index("gene_name")["gene_id"]
    for gene, rows in heatmap.groupby("gene", sort=False):
        values = vst.loc[by_name[gene], rows["sample"]]
        assert np.allclose(rows["vst_zscore"], (values - values.mean()) / values.std(ddof=1)), gene


def test_qc_tables_and_methods_come_from_the_run(results):
    outliers = pd.read_csv(results / "qc" / "sample_outliers.tsv", sep="\t")
    assert len(outliers) == 6 and not outliers["flagged"].any()
    dispersions = pd.read_csv(results / "de" / CONTRAST / "dispersions.tsv", sep="\t")
    assert (dispersions["dispersion_final"] > 0).all()
    de = pd.read_csv(results / "de" / CONTRAST / "deseq2.tsv", sep="\t")
    modelled = set(de.loc[de["log2FoldChange"].notna(), "gene_id"])
    assert set(dispersions["gene_id"]) == modelled and len(modelled) == 2044  # 123 of 2,167 pre-filtered
    methods = (results / "methods.md").read_text()
    assert "PyDESeq2 0.5.4" in methods and "gseapy 1.3.1" in methods and "design `~ condition`" in methods
    # The engine and the pre-filter as the DE rule recorded them (results/de/{contrast}/summary.json).
    summary = json.loads((results / "de" / CONTRAST / "summary.json").read_text())
    assert summary["engine"] == {"backend": "vectorised", "r_compatible": True, "pydeseq2_version": "0.5.4"}
    assert summary["genes"]["prefiltered_out"] == 123 and summary["genes"]["modelled"] == 2044
    assert "The model was fitted by this workflow's vectorised inference (resistseq.inference)" in methods
    assert "DefaultInference" not in methods
    assert "genes without at least 10 counts in at least 3 samples (the smallest group's size)" in methods
    assert "kept in the tables with NA statistics: 123 of 2167 genes." in methods
    assert f"{summary['genes']['with_padj']} with an adjusted p-value" in methods
    filtering = pd.read_csv(results / "qc" / CONTRAST / "independent_filtering.tsv", sep="\t").iloc[0]
    assert summary["independent_filtering_basemean_threshold"] == filtering["basemean_threshold"]
    assert summary["genes"]["independent_filtered"] == filtering["genes_filtered"]
    assert "principal components used the 500 most variable genes" in methods
    assert (
        "p-values by adaptive multilevel splitting (gseapy's port of fgsea; p-values below 1e-10 reported as that "
        "bound), FDR by Benjamini-Hochberg across the sets tested together, NES from 1000 gene-set permutations; "
        "random seed 20161001" in methods
    )
    table = pd.read_csv(results / "de" / CONTRAST / "deseq2.tsv", sep="\t")
    called = table[table["padj"] < 0.05]
    up, down = int((called["log2FoldChange"] > 0).sum()), int((called["log2FoldChange"] < 0).sum())
    assert f"{up} up and {down} down at padj < 0.05" in methods
    assert "resources/genesets/nfkb.gmt` (SHA-256" in methods


@pytest.mark.skipif(not chromium_available(), reason="chromium or playwright not installed")
def test_report_opens_in_a_browser_with_every_result_and_works_offline(results):
    workdir = results.parent
    completed = snakemake(workdir, "--configfile", str(workdir / "config.yaml"), "--report", "report.html")
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "ERROR/" not in completed.stderr, completed.stderr[-4000:]
    interactive = {
        "category": "6. Interactive",
        "subcategory": CONTRAST,
        "table": f"results/interactive/{CONTRAST}/deseq2.html",
        "search": "NFKBIA",
        "volcano": f"results/interactive/{CONTRAST}/volcano.html",
    }
    page = inspect_report(workdir / "report.html", interactive)
    # No console error and no request outside the file, in the report or in any page it shows.
    assert page["errors"] == [] and page["failed"] == [] and page["outside"] == []
    listed = {row["path"]: row for row in page["listed"]}
    expected = {f"results/figures/{figure}.{suffix}" for figure in FIGURES for suffix in SHOWN_FIGURE_FILES} | {
        "results/qc/sample_outliers.tsv",
        "results/qc/pc_associations.tsv",
        f"results/de/{CONTRAST}/deseq2.tsv",
        f"results/enrichment/{CONTRAST}/gsea.tsv",
        f"results/hypothesis/{CONTRAST}.tsv",
        f"results/hypothesis/{CONTRAST}.html",
    }
    expected |= {f"results/interactive/{name}.html" for name in INTERACTIVE_PAGES}
    assert set(listed) == expected
    for path, row in listed.items():
        assert row["present"] and row["bytes"] == (workdir / path).stat().st_size, path
        if path.endswith(".svg"):
            assert row["mime"] == "image/svg+xml" and row["width"] > 100, path
        if path.endswith(".html"):
            assert row["mime"] == "text/html", path
    categories = ["1. Hypothesis", "2. QC", "3. Differential expression", "4. Enrichment", "6. Interactive"]
    assert {row["category"] for row in listed.values()} == set(categories)
    positions = [page["text"].find(category) for category in categories]
    assert -1 not in positions and positions == sorted(positions), positions
    # The DE table: every gene, and typing a symbol into the search leaves that gene's row only.
    de = pd.read_csv(results / "de" / CONTRAST / "deseq2.tsv", sep="\t")
    assert page["table_info"] == f"Showing 1 to 25 of {len(de):,} entries"
    nfkbia = de[de["gene_name"] == "NFKBIA"].iloc[0]
    assert [row.split("\t")[:2] for row in page["searched_rows"]] == [[nfkbia["gene_id"], "NFKBIA"]]
    assert page["searched_info"] == f"Showing 1 to 1 of 1 entry (filtered from {len(de):,} total entries)"
    # The volcano: one point per tested gene, and hovering one shows its gene, log2FC, padj and baseMean.
    assert page["volcano_points"] == int(de["pvalue"].notna().sum())
    assert not page["tooltip_before_hover"]
    tooltip = dict(re.findall(r"([^\n\t]+)\t\s*\n([^\n]+)", page["tooltip"]))
    gene = de[de["gene_name"] == tooltip["gene"]].iloc[0]
    assert tooltip["gene ID"] == gene["gene_id"]
    assert float(tooltip["log2FC"]) == pytest.approx(gene["log2FoldChange"], abs=5e-4)
    assert float(tooltip["padj"]) == pytest.approx(gene["padj"], rel=5e-3)
    # One decimal shown, of the value rounded to 6 significant digits.
    assert float(tooltip["baseMean"].replace(",", "")) == pytest.approx(gene["baseMean"], abs=0.1)


@pytest.mark.skipif(not chromium_available(), reason="chromium or playwright not installed")
def test_zip_report_shows_the_interactive_pages_from_files(results, tmp_path):
    """report.zip, advised for real data (no 2 MiB data-URL limit), shows the same pages, offline."""
    import zipfile

    workdir = results.parent
    completed = snakemake(workdir, "--configfile", str(workdir / "config.yaml"), "--report", "report.zip")
    assert completed.returncode == 0, completed.stderr[-4000:]
    with zipfile.ZipFile(workdir / "report.zip") as archive:
        archive.extractall(tmp_path)
        names = archive.namelist()
    for name in INTERACTIVE_PAGES:
        assert any(path.endswith(f"/{name.rsplit('/', 1)[-1]}.html") for path in names), name
    interactive = {
        "category": "6. Interactive",
        "subcategory": CONTRAST,
        "table": f"results/interactive/{CONTRAST}/deseq2.html",
        "search": "ESR1",
        "volcano": f"results/interactive/{CONTRAST}/volcano.html",
    }
    page = inspect_report(tmp_path / "report" / "report.html", interactive, list_results=False)
    assert page["errors"] == [] and page["failed"] == [] and page["outside"] == []
    assert [row.split("\t")[1] for row in page["searched_rows"]] == ["ESR1"]
    assert "gene ID" in page["tooltip"]


def test_interactive_pages_carry_their_javascript(results):
    for name in INTERACTIVE_PAGES:
        text = (results / "interactive" / f"{name}.html").read_text()
        assert EXTERNAL_RESOURCE.search(text) is None, name
        assert ("vegaEmbed(" in text) != ("injectModule(" in text), name


def test_rerun_from_scratch_is_byte_identical(results, tmp_path):
    """Every table and figure; results/provenance.json (run times, command) is compared by test_reruns.py."""
    again = run_example(tmp_path)
    first, second = result_checksums(results), result_checksums(again)
    # 24 figures x (PDF, SVG, PNG, source data); 12 tables of counts/DE/GSEA, the DE run summary, dispersions,
    # 3 QC tables, methods; ORA, signature scores and their coverage, PAM50, hypothesis TSV, audit, Markdown and
    # HTML; PC associations, independent filtering and the interactive pages.
    assert len(first) == len(FIGURES) * 4 + 12 + 1 + 1 + 3 + 1 + 8 + 2 + len(INTERACTIVE_PAGES)
    assert first == second
    assert (results / "provenance.json").is_file() and (again / "provenance.json").is_file()


def test_malformed_quant_file_fails_its_job_and_leaves_no_output(tmp_path):
    import gzip

    configfile = copy_example(tmp_path)
    quant = tmp_path / "data" / "BT474R_2" / "quant.sf.gz"
    lines = gzip.decompress(quant.read_bytes()).decode().splitlines()
    fields = lines[5].split("\t")
    fields[4] = "-3"
    lines[5] = "\t".join(fields)
    quant.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    completed = snakemake(tmp_path, "--configfile", str(configfile), "--cores", "1", "results/counts/gene_counts.tsv")
    assert completed.returncode != 0
    output = completed.stdout + completed.stderr
    expected = f"Quant file 'data/BT474R_2/quant.sf.gz', line 6 (Name '{fields[0]}'): column 'NumReads' holds '-3'"
    assert expected in output
    assert not (tmp_path / "results" / "counts" / "gene_counts.tsv").exists()
    assert not list((tmp_path / "results").rglob("*partial*"))
