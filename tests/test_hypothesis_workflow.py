"""The hypothesis table through Snakemake on the example regenerated with no planted effect."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import copy_example, copy_no_effect_example, snakemake

pytestmark = pytest.mark.workflow


def test_no_planted_effect_reports_no_change(tmp_path):
    configfile = copy_no_effect_example(tmp_path)
    target = "results/hypothesis/resistant_vs_parental.tsv"
    completed = snakemake(tmp_path, "--configfile", str(configfile), "--cores", "2", target)
    assert completed.returncode == 0, completed.stderr[-4000:]
    table = pd.read_csv(tmp_path / target, sep="\t")
    overall = table[table["test"] == "overall"].set_index("hypothesis")["verdict"].to_dict()
    # Nothing changed, so no change is claimed. HER2 stays as high as in the parental cells in this example
    # (ERBB2 is over-expressed in both groups and unchanged), so "maintained" is the correct answer there.
    assert overall == {
        "HER2 maintained": "supported",
        "NF-kB activated": "not supported",
        "Basal-like shift": "not supported",
        "Key NF-kB genes up": "not supported",
    }
    assert not (table["verdict"] == "supported").any() or set(
        table.loc[table["verdict"] == "supported", "hypothesis"]
    ) == {"HER2 maintained"}


def test_unknown_hypothesis_gene_set_stops_the_dag(tmp_path):
    configfile = copy_example(tmp_path)
    text = configfile.read_text().replace(
        "nfkb_genesets: [NFKB_CANONICAL_PATHWAY, NFKB_TARGET_GENES]",
        "nfkb_genesets: [NFKB_CANONICAL, NFKB_TARGET_GENES]",
    )
    configfile.write_text(text)
    completed = snakemake(tmp_path, "--configfile", str(configfile), "--cores", "1", "--dry-run")
    assert completed.returncode != 0
    assert (
        "Invalid input, nothing was run.\nconfig key 'hypothesis.nfkb_genesets': gene set 'NFKB_CANONICAL' is in none "
        "of the gene-set files (files: resources/genesets/breast_subtype.gmt, resources/genesets/emt.gmt"
    ) in completed.stdout + completed.stderr
    assert not (tmp_path / "results").exists()
