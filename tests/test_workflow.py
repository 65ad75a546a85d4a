"""The real workflow through Snakemake on the bundled example, from another working directory."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE_DATA, copy_example, result_checksums, snakemake

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
    assert (merged["log2FoldChange_shrunk"].abs() <= merged["log2FoldChange"].abs() + 1e-9).mean() > 0.99


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
    coverage = pd.read_csv(results / "enrichment" / CONTRAST / "geneset_coverage.tsv", sep="\t")
    assert (coverage["share_found"] == 1.0).all() and (coverage["status"] == "tested").all()
    collapsed = pd.read_csv(results / "enrichment" / CONTRAST / "collapsed_duplicates.tsv", sep="\t")
    assert sorted(collapsed["gene_name"]) == ["AADACL2", "AADACL3"]


def test_every_figure_is_a_pdf_and_a_png(results):
    for figure in FIGURES:
        pdf = (results / "figures" / f"{figure}.pdf").read_bytes()
        png = (results / "figures" / f"{figure}.png").read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 2000, figure
        assert png.startswith(b"\x89PNG") and len(png) > 2000, figure
        assert b"CreationDate" not in pdf, figure


def test_rerun_from_scratch_is_byte_identical(results, tmp_path):
    """Every table and figure; results/provenance.json (run times, command) is compared by test_reruns.py."""
    again = run_example(tmp_path)
    first, second = result_checksums(results), result_checksums(again)
    tables = {name for name in first if name.endswith((".tsv", ".json"))}
    figures = {name for name in first if name.endswith((".pdf", ".png"))}
    assert len(tables) == 12 and len(figures) == 10 and len(first) == 22
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
