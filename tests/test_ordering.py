"""sort_order gives pandas' multi-column sort_values order, on inputs made of ties and missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from resistseq.deseq import sort_results
from resistseq.ordering import sort_order

STRINGS = ["A", "a", "B", "AB", "", "Ä", "Z", "z1", "z10", "z2", "nan", "ENSG00002", "A\x00", "ENSG00002\x00x"]


def column(rng: np.random.Generator, kind: str, rows: int) -> np.ndarray:
    """Few distinct values, so most rows tie: floats with signed zeros, infinities and NaN; strings
    (some with a NUL, which pandas hashes as C strings) with or without missing ones; integers."""
    if kind == "float":
        levels = np.array([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf, -np.inf, 1e-300])
        return levels[rng.integers(0, len(levels), rows)]
    if kind == "int":
        return rng.integers(-3, 4, rows)
    pool = STRINGS if kind == "string with NUL" else [text for text in STRINGS if "\x00" not in text]
    values = np.array(pool, dtype=object)[rng.integers(0, len(pool), rows)]
    if kind == "string with missing":
        values[rng.random(rows) < 0.2] = np.nan
    return values


KINDS = ["float", "int", "string", "string with NUL", "string with missing"]


@pytest.mark.parametrize("last", KINDS)
def test_sort_order_is_pandas_sort_values_order(last):
    rng = np.random.default_rng(7)
    for trial in range(300):
        rows = int(rng.choice([0, 1, 2, 3, 8, 40, 400]))
        kinds = [str(kind) for kind in rng.choice(KINDS, size=int(rng.integers(1, 3)))] + [last]
        frame = pd.DataFrame({f"c{index}": column(rng, kind, rows) for index, kind in enumerate(kinds)})
        ascending = [bool(flag) for flag in rng.integers(0, 2, len(kinds))]
        expected = frame.sort_values(list(frame.columns), ascending=ascending, na_position="last", kind="mergesort")
        order = sort_order([frame[name] for name in frame.columns], ascending)
        assert order.tolist() == expected.index.tolist(), (trial, kinds, ascending)


def test_sort_results_orders_as_sort_values_with_ties_in_padj_and_pvalue():
    rng = np.random.default_rng(11)
    genes = 3000
    pvalue = rng.choice([0.01, 0.2, 0.2, 1.0, np.nan], genes)
    results = pd.DataFrame(
        {
            "gene_id": np.array([f"ENSG{number:06d}" for number in rng.permutation(genes)], dtype=object),
            "pvalue": pvalue,
            "padj": np.where(rng.random(genes) < 0.3, np.nan, pvalue * 2),
            "stat": rng.normal(size=genes),
        }
    )
    expected = results.sort_values(["padj", "pvalue", "gene_id"], na_position="last", kind="mergesort")
    ordered = sort_results(results)
    pd.testing.assert_frame_equal(ordered, expected.reset_index(drop=True), check_exact=True)
    assert ordered["padj"].isna().sum() > 500 and ordered["gene_id"].is_unique
