"""Per-sample scores (z-score mean, ssGSEA), symbol collapsing and Hedges' g on hand-checkable inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from resistseq.signatures import (
    SCORE_COLUMNS,
    expression_by_symbol,
    hedges_g,
    long_scores,
    ssgsea_scores,
    zscore_scores,
)


def test_zscore_mean_by_hand():
    expression = pd.DataFrame(
        {"s1": [1.0, 2.0, 5.0, 0.0], "s2": [2.0, 4.0, 5.0, 1.0], "s3": [3.0, 6.0, 5.0, 5.0]},
        index=["A", "B", "C", "D"],
    )
    scores = zscore_scores(expression, {"AB_C": ["A", "B", "C", "MISSING"], "D": ["D"]}).set_index(
        ["gene_set", "sample"]
    )
    # A and B both z-score to (-1, 0, 1); C has no variance and is left out.
    np.testing.assert_allclose(scores.loc["AB_C", "score"].to_numpy(), [-1.0, 0.0, 1.0])
    assert scores.loc["AB_C", "n_genes"].tolist() == [2, 2, 2]
    # D: mean 2, sample SD sqrt(7) -> (0 - 2, 1 - 2, 5 - 2) / sqrt(7).
    np.testing.assert_allclose(scores.loc["D", "score"].to_numpy(), np.array([-2.0, -1.0, 3.0]) / math.sqrt(7))


def test_hedges_g_by_hand():
    # Means 3 and 1, both SDs 1: d = 2, J = 1 - 3 / (4 * 6 - 9) = 0.8.
    assert math.isclose(hedges_g([2, 3, 4], [0, 1, 2]), 1.6)
    assert math.isclose(hedges_g([0, 1, 2], [2, 3, 4]), -1.6)
    # Unequal sizes: pooled variance (1 * 0.5 + 3 * (5/3)) / 4 = 1.375; J = 1 - 3 / 15.
    assert math.isclose(hedges_g([1, 2], [0, 1, 2, 3]), (1.5 - 1.5) / math.sqrt(1.375) * 0.8)
    assert math.isnan(hedges_g([1], [0, 1]))
    assert math.isnan(hedges_g([1, 1], [1, 1]))


def test_expression_by_symbol_keeps_the_highest_mean_id():
    matrix = pd.DataFrame({"s1": [1.0, 5.0, 2.0, 7.0], "s2": [1.0, 5.0, 2.0, 7.0]}, index=["g1", "g2", "g3", "g4"])
    names = pd.Series({"g1": "A", "g2": "A", "g3": "", "g4": "B"})
    by_symbol, dropped = expression_by_symbol(matrix, names)
    assert list(by_symbol.index) == ["A", "B", "g3"]
    assert by_symbol.loc["A", "s1"] == 5.0
    assert dropped.values.tolist() == [["A", "g1"]]


def barbie_ssgsea(values: np.ndarray, members: list[int], weight: float = 0.25) -> float:
    """ssGSEA ES as defined by Barbie et al. 2009: genes by value (high first), hits weighted by rank ** weight,
    ES = sum over positions of (weighted hit share so far - miss share so far)."""
    order = np.argsort(-values, kind="stable")
    ranks = pd.Series(values).rank(method="average").to_numpy()[order]
    hit = np.isin(order, members)
    hits = np.cumsum(np.where(hit, ranks**weight, 0.0))
    misses = np.cumsum(~hit)
    return float((hits / hits[-1] - misses / misses[-1]).sum())


def test_ssgsea_equals_the_published_formula():
    rng = np.random.default_rng(3)
    genes = [f"G{index:02d}" for index in range(40)]
    expression = pd.DataFrame({"s1": rng.normal(size=40), "s2": rng.normal(size=40)}, index=genes)
    sets = {"FIRST7": genes[:7], "SOME": genes[10:30:3]}
    scores = ssgsea_scores(expression, sets, seed=1).set_index(["gene_set", "sample"])
    for sample in ["s1", "s2"]:
        values = expression[sample].to_numpy()
        assert math.isclose(
            scores.loc[("FIRST7", sample), "score"], barbie_ssgsea(values, list(range(7))), rel_tol=1e-9
        )
        expected = barbie_ssgsea(values, list(range(10, 30, 3)))
        assert math.isclose(scores.loc[("SOME", sample), "score"], expected, rel_tol=1e-9)
    assert scores.loc[("SOME", "s1"), "n_genes"] == 7
    # A set made of a sample's top genes scores far above one made of its bottom genes.
    ordered = expression["s1"].sort_values().index
    extremes = ssgsea_scores(expression, {"TOP": list(ordered[-8:]), "BOTTOM": list(ordered[:8])}, seed=1)
    extremes = extremes.set_index(["gene_set", "sample"])["score"]
    assert extremes[("TOP", "s1")] > 10 > -10 > extremes[("BOTTOM", "s1")]


def test_long_scores_format():
    frame = pd.DataFrame({"sample": ["b", "a"], "gene_set": ["S", "S"], "score": [1.0, 2.0], "n_genes": [3, 3]})
    table = long_scores({"zscore": frame, "ssgsea": frame}, {"a": "ref", "b": "tgt"}, ["a", "b"])
    assert list(table.columns) == SCORE_COLUMNS
    assert table[["sample", "group", "method"]].values.tolist() == [
        ["a", "ref", "ssgsea"],
        ["b", "tgt", "ssgsea"],
        ["a", "ref", "zscore"],
        ["b", "tgt", "zscore"],
    ]
