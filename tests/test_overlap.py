"""Shared and line-specific DE genes and gene sets across contrasts against one reference (resistseq.overlap)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from resistseq.overlap import gene_calls, geneset_calls, intersections, overlap_groups, plot_upset


def de_table(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(gene, gene.lower(), lfc, padj) for gene, lfc, padj in rows],
        columns=["gene_id", "gene_name", "log2FoldChange", "padj"],
    )


CLONE_A = de_table([("G1", 2.0, 0.001), ("G2", -1.0, 0.01), ("G3", 1.5, 0.2), ("G4", 0.8, 0.04), ("G5", 1.0, np.nan)])
CLONE_B = de_table([("G1", 1.5, 0.002), ("G2", 1.2, 0.03), ("G3", 1.1, 0.001), ("G4", 0.1, 0.9), ("G6", -3.0, 0.0)])


def test_groups_are_pairwise_contrasts_with_a_direction_against_one_reference():
    contrasts = [
        {"name": "a", "variable": "line", "reference": "parental", "target": "cloneA"},
        {"name": "b", "variable": "line", "reference": "parental", "target": "cloneB"},
        {"name": "b_equivalent", "variable": "line", "reference": "parental", "target": "cloneB",
         "lfc_threshold": 1, "alt_hypothesis": "lessAbs"},
        {"name": "c", "variable": "line", "reference": "cloneA", "target": "cloneB"},
        {"name": "lrt", "test": "lrt", "reduced": "~ 1"},
        {"name": "d", "variable": "drug arm", "reference": "no drug", "target": "T"},
    ]  # fmt: skip
    assert overlap_groups(contrasts) == {"line_vs_parental": ["a", "b"]}


def test_gene_calls_say_where_and_which_way():
    table = gene_calls({"cloneA": CLONE_A, "cloneB": CLONE_B}, alpha=0.05).set_index("gene_id")
    assert list(table.index) == ["G1", "G2", "G4", "G3", "G6"]  # by count, then contrasts, then ID
    assert table.loc["G1", "significant_in"] == "cloneA;cloneB" and table.loc["G1", "same_direction"]
    assert table.loc["G2", "n_significant"] == 2 and not table.loc["G2", "same_direction"]
    assert table.loc["G2", "cloneA:call"] == "down" and table.loc["G2", "cloneB:call"] == "up"
    assert table.loc["G3", "significant_in"] == "cloneB" and table.loc["G3", "cloneA:call"] == ""
    assert table.loc["G4", "significant_in"] == "cloneA"
    # G6 is missing from clone A's table: no call there, its name comes from clone B's.
    assert table.loc["G6", "gene_name"] == "g6" and pd.isna(table.loc["G6", "cloneA:padj"])
    assert "G5" not in table.index  # NA padj is no call
    sizes = intersections(table.reset_index(), ["cloneA", "cloneB"])
    assert sizes[["significant_in", "size", "same_direction"]].values.tolist() == [
        ["cloneA;cloneB", 2, 1],
        ["cloneB", 2, 2],
        ["cloneA", 1, 1],
    ]


def test_geneset_calls_use_nes_and_fdr():
    gsea = {
        "a": pd.DataFrame({"term": ["NFKB", "EMT"], "nes": [2.1, -1.8], "fdr": [0.01, 0.2], "source": ["x.gmt"] * 2}),
        "b": pd.DataFrame({"term": ["NFKB", "EMT"], "nes": [1.9, -2.2], "fdr": [0.02, 0.001], "source": ["x.gmt"] * 2}),
    }
    table = geneset_calls(gsea, alpha=0.05).set_index("term")
    assert table.loc["NFKB", "significant_in"] == "a;b" and table.loc["NFKB", "same_direction"]
    assert table.loc["EMT", "significant_in"] == "b" and table.loc["EMT", "b:call"] == "down"


def test_upset_bars_are_the_exclusive_intersections():
    genes = gene_calls({"cloneA": CLONE_A, "cloneB": CLONE_B}, alpha=0.05)
    empty = genes.iloc[0:0]
    figure = plot_upset({"DE genes": (genes, ["cloneA", "cloneB"]), "Gene sets": (empty, ["cloneA", "cloneB"])}, "t")
    bars = figure.axes[0]
    heights = [patch.get_height() for patch in bars.patches]
    # Grey bars (all), then the same-direction overlay.
    assert heights == [2, 2, 1, 1, 2, 1]
    assert "no gene sets significant" in [text.get_text() for text in figure.axes[1].texts]
