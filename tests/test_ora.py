"""Over-representation analysis: selection, hypergeometric p-values, odds ratios and BH against scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, fisher_exact

from resistseq.ora import ORA_COLUMNS, background_by_symbol, hypergeometric_test, odds_ratio, ora_table, select_genes


def de_results():
    return pd.DataFrame(
        {
            "gene_id": ["g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8"],
            "gene_name": ["A", "B", "C", "D", "E", "A", "F", np.nan],
            "log2FoldChange": [2.0, 1.5, -3.0, 0.5, -0.2, 0.1, 1.2, 4.0],
            "stat": [6.0, 4.0, -7.0, 3.0, -0.5, 0.2, 1.0, 5.0],
            "padj": [0.001, 0.01, 0.0001, 0.001, 0.9, 0.95, 0.2, np.nan],
        }
    )


def test_tested_genes_and_selection():
    tested = background_by_symbol(de_results())
    # g8 has no padj (not tested); A keeps g1 (|stat| 6 > 0.2).
    assert list(tested.index) == ["A", "B", "C", "D", "E", "F"]
    assert tested.loc["A", "gene_id"] == "g1"
    selection = select_genes(tested, alpha=0.05, lfc_threshold=1.0)
    # D is significant but |LFC| 0.5 <= 1; F has LFC 1.2 but padj 0.2.
    assert selection == {"up": ["A", "B"], "down": ["C"]}


def test_hypergeometric_matches_fisher_exact_and_hand_values():
    background = [f"G{index}" for index in range(20)]
    selected = ["G0", "G1", "G2", "G3", "G10"]
    sets = {"S1": ["G0", "G1", "G2", "G4", "G5", "X"], "S2": ["G10", "G11", "G12", "G13"], "S3": ["G19"]}
    table = hypergeometric_test(selected, background, sets).set_index("term")
    # S1: 3 of its 5 background genes selected; 2x2 table [[3, 2], [2, 13]].
    assert table.loc["S1", ["overlap", "set_size", "n_selected", "background"]].tolist() == [3, 5, 5, 20]
    assert math.isclose(table.loc["S1", "odds_ratio"], 3 * 13 / (2 * 2))
    for term, contingency in {"S1": [[3, 2], [2, 13]], "S2": [[1, 4], [3, 12]], "S3": [[0, 5], [1, 14]]}.items():
        expected = fisher_exact(contingency, alternative="greater").pvalue
        assert math.isclose(table.loc[term, "pvalue"], expected, rel_tol=1e-12), term
    # By hand: P(X >= 3) for X ~ hypergeom(20, 5, 5) = (C(5,3)C(15,2) + C(5,4)C(15,1) + C(5,5)) / C(20,5).
    by_hand = (10 * 105 + 5 * 15 + 1) / 15504
    assert math.isclose(table.loc["S1", "pvalue"], by_hand, rel_tol=1e-12)
    assert table.loc["S3", "pvalue"] == 1.0 and table.loc["S3", "odds_ratio"] == 0.0
    expected_padj = false_discovery_control(table["pvalue"].to_numpy(), method="bh")
    np.testing.assert_allclose(table["padj"], expected_padj)
    assert table.loc["S1", "genes"] == "G0;G1;G2"


def test_odds_ratio_edge_cases():
    assert odds_ratio(2, 2, 5, 20) == math.inf  # every set gene selected
    assert math.isnan(odds_ratio(0, 3, 0, 20))  # nothing selected
    assert odds_ratio(1, 4, 4, 20) == (1 * 13) / (3 * 3)


def test_ora_table_format_and_directions():
    tested = background_by_symbol(de_results())
    table = ora_table(tested, {"UPSET": ["A", "B", "D"], "DOWNSET": ["C", "E"]}, {"UPSET": "u.gmt"}, 0.05, 1.0)
    assert list(table.columns) == ORA_COLUMNS
    assert table["direction"].tolist() == ["up", "up", "down", "down"]
    up = table[table["direction"] == "up"].set_index("term")
    # UPSET: 2 of its 3 genes among the 2 up genes, background 6 genes: P = C(3,2)C(3,0)/C(6,2) = 3/15.
    assert math.isclose(up.loc["UPSET", "pvalue"], 3 / 15)
    assert up.loc["UPSET", "source"] == "u.gmt" and up.loc["DOWNSET", "source"] == ""
    down = table[table["direction"] == "down"].set_index("term")
    assert down.loc["DOWNSET", "overlap"] == 1 and math.isclose(down.loc["DOWNSET", "pvalue"], 2 / 6)
