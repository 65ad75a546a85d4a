"""Rule-script plumbing: thread limits and atomic writes."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info

from resistseq.runtime import THREAD_VARIABLES, atomic_path, limit_threads, tsv_text, write_table


def test_limit_threads_sets_pools_and_variables(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    limit_threads(1)
    assert all(os.environ[name] == "1" for name in THREAD_VARIABLES)
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_atomic_path_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "out" / "table.tsv"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half a table")
        raise RuntimeError("killed mid-write")
    assert not target.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_write_table_writes_na_and_tabs(tmp_path):
    target = tmp_path / "t.tsv"
    write_table(pd.DataFrame({"gene_id": ["g1", "g2"], "padj": [0.5, None]}), target)
    assert target.read_text() == "gene_id\tpadj\ng1\t0.5\ng2\tNA\n"


def pandas_bytes(frame, path) -> bytes:
    frame.to_csv(path, sep="\t", index=False, na_rep="NA", lineterminator="\n")
    return path.read_bytes()


def test_write_table_fast_route_writes_pandas_bytes(tmp_path):
    rng = np.random.default_rng(7)
    n = 5000
    floats = np.concatenate(
        [
            rng.normal(size=n // 5),
            rng.lognormal(0, 12, size=n // 5),
            rng.uniform(size=n // 5) * 1e-5,
            np.frombuffer(rng.bytes(8 * (n // 5)), dtype=np.float64),
            rng.integers(-(10**17), 10**17, size=n // 5).astype(float),
        ]
    )
    floats[::7] = np.nan
    floats[:8] = [0.0, -0.0, np.inf, -np.inf, 1e16, 9.999999999999998e15, 1e-4, 9.999999999999999e-05]
    frame = pd.DataFrame(
        {
            "gene_id": [f"ENSG{i:011d}" for i in range(n)],
            "gene_name": [None if i % 11 == 0 else ("" if i % 13 == 0 else f"G {i}'") for i in range(n)],
            "value": floats,
            "count": rng.integers(0, 10**9, size=n),
            "flag": rng.uniform(size=n) < 0.5,
        }
    )
    assert tsv_text(frame) is not None
    write_table(frame, tmp_path / "fast.tsv")
    assert (tmp_path / "fast.tsv").read_bytes() == pandas_bytes(frame, tmp_path / "pandas.tsv")
    assert tsv_text(frame.iloc[:0]) == "gene_id\tgene_name\tvalue\tcount\tflag\n"


def test_write_table_fast_route_takes_stacked_panels_with_flags_and_gaps(tmp_path):
    # A figure's source data stacks panels: a flag column holds booleans for one panel and gaps elsewhere.
    frame = pd.DataFrame(
        {
            "panel": ["A", "A", "B", "B"],
            "hit": pd.Series([True, np.bool_(False), np.nan, None], dtype=object),
            "mixed": pd.Series(["up", True, np.nan, "down"], dtype=object),
            "x": [0.5, np.nan, 1e-300, -2.0],
        }
    )
    assert (
        tsv_text(frame)
        == "panel\thit\tmixed\tx\nA\tTrue\tup\t0.5\nA\tFalse\tTrue\tNA\nB\tNA\tNA\t1e-300\nB\tNA\tdown\t-2.0\n"
    )
    write_table(frame, tmp_path / "fast.tsv")
    assert (tmp_path / "fast.tsv").read_bytes() == pandas_bytes(frame, tmp_path / "pandas.tsv")


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"gene_id": ["g1", "g\t2"], "x": [1.0, 2.0]}),
        pd.DataFrame({"gene_id": ["g1", 'g"2'], "x": [1.0, 2.0]}),
        pd.DataFrame({"gene_id": ["g1", "g2"], "x": pd.Categorical(["a", "b"])}),
        pd.DataFrame({"gene_id": ["g1", "g2"], "x": np.array([0.1, 0.2], dtype=np.float32)}),
        pd.DataFrame({"gene_id": ["g1", "g2"], "x": pd.array([1, None], dtype="Int64")}),
        pd.DataFrame({"gene_id": ["g1", 2.5], "x": [1.0, 2.0]}),
        pd.DataFrame({"only": [1.0, np.nan]}),
        pd.DataFrame({0: [1.0], 1: [2.0]}),
    ],
)
def test_write_table_leaves_other_tables_to_pandas(tmp_path, frame):
    assert tsv_text(frame) is None
    write_table(frame, tmp_path / "t.tsv")
    assert (tmp_path / "t.tsv").read_bytes() == pandas_bytes(frame, tmp_path / "pandas.tsv")
