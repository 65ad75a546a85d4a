"""The declared hypotheses through Snakemake: the null example, the second example file, a bad file."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from conftest import PROJECT, copy_example, copy_no_effect_example, snakemake

pytestmark = pytest.mark.workflow
TARGET = "results/hypothesis/resistant_vs_parental.tsv"


def overall(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["test"] == "overall"].set_index("hypothesis")


def test_no_planted_effect_reports_no_change(tmp_path):
    configfile = copy_no_effect_example(tmp_path)
    completed = snakemake(tmp_path, "--configfile", str(configfile), "--cores", "2", TARGET)
    assert completed.returncode == 0, completed.stderr[-4000:]
    table = pd.read_csv(tmp_path / TARGET, sep="\t")
    # Nothing changed, so no change is claimed. ERBB2 is over-expressed in both groups and unchanged in this
    # example, so "maintained" (equivalence within two-fold, above the 90th expression percentile) is right.
    assert overall(table)["verdict"].to_dict() == {
        "her2_maintained": "supported",
        "nfkb_activated": "not supported",
        "basal_like_shift": "not supported",
    }
    assert set(table.loc[table["verdict"] == "supported", "hypothesis"]) == {"her2_maintained"}
    assert (overall(table)["recomputations"] == 12).all()
    # Declared before the data: the file's hash and text in provenance and on the report's page.
    path = PROJECT / "config" / "hypotheses.yaml"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    provenance = json.loads((tmp_path / "results" / "provenance.json").read_text())
    assert provenance["hypotheses"]["path"] == "config/hypotheses.yaml"
    assert provenance["hypotheses"]["sha256"] == digest and provenance["hypotheses"]["text"] == path.read_text()
    page = (tmp_path / "results/hypothesis/resistant_vs_parental.html").read_text()
    assert f"SHA-256 {digest}" in page and "<pre># The study&#x27;s hypotheses, declared before the data" in page


def test_second_example_file_runs_on_the_example(tmp_path):
    configfile = copy_example(tmp_path)
    text = configfile.read_text().replace(
        "hypotheses: config/hypotheses.yaml", "hypotheses: config/hypotheses_endocrine.yaml"
    )
    configfile.write_text(text)
    completed = snakemake(tmp_path, "--configfile", str(configfile), "--cores", "2", TARGET)
    assert completed.returncode == 0, completed.stderr[-4000:]
    table = pd.read_csv(tmp_path / TARGET, sep="\t")
    verdicts = overall(table)["verdict"].to_dict()
    assert list(verdicts) == ["er_signalling_lost", "fgfr1_up", "basal_mesenchymal_shift"]
    # FGFR1 is not among the example's genes; the basal-like set was planted up (any of two suffices).
    assert verdicts["fgfr1_up"] == "not testable"
    assert verdicts["basal_mesenchymal_shift"] == "supported"
    summary = (tmp_path / "results/hypothesis/resistant_vs_parental.md").read_text()
    digest = hashlib.sha256((PROJECT / "config" / "hypotheses_endocrine.yaml").read_bytes()).hexdigest()
    assert f"Hypotheses as declared in config/hypotheses_endocrine.yaml (SHA-256 {digest};" in summary


def test_unknown_hypothesis_gene_set_stops_the_dag(tmp_path):
    configfile = copy_example(tmp_path)
    mine = (
        (PROJECT / "config" / "hypotheses.yaml")
        .read_text()
        .replace("set: NFKB_TARGET_GENES, direction: up}", "set: NFKB_TARGETS, direction: up}", 1)
    )
    (tmp_path / "mine.yaml").write_text(mine)
    configfile.write_text(configfile.read_text().replace("hypotheses: config/hypotheses.yaml", "hypotheses: mine.yaml"))
    completed = snakemake(tmp_path, "--configfile", str(configfile), "--cores", "1", "--dry-run")
    assert completed.returncode != 0
    assert (
        "Invalid input, nothing was run.\nmine.yaml: hypothesis 'nfkb_activated', key 'hypotheses[1].primary[0].set': "
        "gene set 'NFKB_TARGETS' is in none of the gene-set files (files: resources/genesets/breast_subtype.gmt"
    ) in completed.stdout + completed.stderr
    assert not (tmp_path / "results").exists()
