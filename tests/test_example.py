"""The bundled example is what its committed generator makes, with the documented planted effects."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from conftest import EXAMPLE_DATA, PROJECT


def test_generator_reproduces_the_committed_example(tmp_path):
    subprocess.run(
        [sys.executable, str(PROJECT / "example" / "make_example.py"), "--outdir", str(tmp_path)],
        check=True,
        cwd=tmp_path,
        timeout=120,
    )
    committed = sorted(path.relative_to(EXAMPLE_DATA) for path in EXAMPLE_DATA.rglob("*") if path.is_file())
    regenerated = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file())
    assert committed == regenerated
    for relative in committed:
        if relative.name == "samples.tsv":
            continue  # holds paths relative to where it was generated
        assert (EXAMPLE_DATA / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


def test_example_truth_has_the_planted_design():
    truth = pd.read_csv(EXAMPLE_DATA / "truth.tsv", sep="\t")
    by_category = truth.groupby("category")["log2FoldChange"]
    assert by_category.mean()["NFKB_TARGET_GENES"] == 1.5
    assert by_category.mean()["BASAL_LIKE_UP"] == 2.0
    assert by_category.mean()["LUMINAL_MARKERS"] == -1.2
    assert by_category.mean()["HER2_AMPLICON_17Q12"] == 0.0
    assert truth.set_index("gene_name").loc["ERBB2", "baseline_mean"] == 60000
    sheet = pd.read_csv(PROJECT / "config" / "samples.tsv", sep="\t")
    assert sheet["condition"].value_counts().to_dict() == {"parental": 3, "resistant": 3}
    assert all((PROJECT / path).is_file() for path in sheet["quant"])
