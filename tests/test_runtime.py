"""Rule-script plumbing: thread limits and atomic writes."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from threadpoolctl import threadpool_info

from resistseq.runtime import THREAD_VARIABLES, atomic_path, limit_threads, write_table


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
