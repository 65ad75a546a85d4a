"""The robustness audit: which recomputations run, and how their verdicts become a share and a fragile mark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT

from resistseq.hypothesis import Evidence, add_robustness, judge, load_hypotheses
from resistseq.hypothesis_audit import GseaSettings, audit_verdicts, jackknife_samples
from resistseq.runtime import write_table
from resistseq.tables import read_audit
from resistseq.validation import load_yaml

SCHEMA = load_yaml(PROJECT / "config" / "schemas" / "hypotheses.schema.yaml")
GENES = [f"G{index:03d}" for index in range(300)]
PROGRAMME = GENES[:20]


def declaration(tmp_path, seeds=2):
    path = tmp_path / "h.yaml"
    path.write_text(
        f"audit: {{gsea_seeds: {seeds}}}\n"
        "hypotheses:\n"
        "  - id: programme_up\n"
        "    statement: the programme goes up\n"
        "    primary: [{kind: geneset_shift, set: PROGRAMME, direction: up}]\n"
        "    supporting: [{kind: gene_change, gene: G000, direction: up}]\n"
    )
    return load_hypotheses(path, "h.yaml", SCHEMA)


def de_table(shift: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stat = rng.normal(0, 1, len(GENES))
    stat[:20] += shift
    return pd.DataFrame(
        {
            "gene_id": GENES,
            "gene_name": GENES,
            "baseMean": 100.0,
            "log2FoldChange": stat / 4,
            "lfcSE": 0.25,
            "stat": stat,
            "padj": np.where(np.abs(stat) > 3, 0.001, 0.5),
        }
    )


def evidence(target=("r1", "r2", "r3"), reference=("p1", "p2", "p3")) -> Evidence:
    empty_scores = pd.DataFrame(columns=["sample", "gene_set", "method", "score"])
    return Evidence(
        de_table(4.0), pd.DataFrame(), empty_scores, pd.DataFrame({"sample": []}), list(target), list(reference)
    )


SETTINGS = GseaSettings(
    seed=7,
    method="multilevel",
    pvalue_floor=1e-10,
    permutations=100,
    min_size=5,
    max_size=500,
    min_coverage=0.5,
    threads=1,
)


def test_recomputations_are_the_declared_sets_alone_other_seeds_and_each_sample_left_out(tmp_path):
    declared = declaration(tmp_path)
    left_out = []

    def refit(samples):
        left_out.extend(samples)
        return de_table(4.0, seed=len(left_out))

    audit = audit_verdicts(evidence(), declared, {"PROGRAMME": PROGRAMME, "UNUSED": GENES[50:80]}, SETTINGS, refit)
    assert list(audit["recomputation"].unique()) == [
        "declared sets alone, GSEA seed 7",
        "declared sets alone, GSEA seed 8",
        "declared sets alone, GSEA seed 9",
        "without p1",
        "without p2",
        "without p3",
        "without r1",
        "without r2",
        "without r3",
    ]
    assert left_out == ["p1", "p2", "p3", "r1", "r2", "r3"]
    overall = audit[audit["test"] == "overall"]
    assert (overall["verdict"] == "supported").all()


def test_groups_of_two_are_not_jackknifed():
    assert jackknife_samples(evidence(target=("r1", "r2"), reference=("p1", "p2", "p3"))) == ["p1", "p2", "p3"]


def test_a_verdict_that_flips_without_some_samples_is_fragile(tmp_path):
    declared = declaration(tmp_path, seeds=1)
    flips = {"p1", "r2"}

    def refit(samples):
        return de_table(0.0 if set(samples) & flips else 4.0, seed=3)

    base = evidence()
    audit = audit_verdicts(base, declared, {"PROGRAMME": PROGRAMME}, SETTINGS, refit)
    # The reported verdict comes from the full run's GSEA table (here: the programme at NES 2, FDR 0.001).
    base.gsea = pd.DataFrame(
        {"nes": [2.0], "fdr": [0.001], "size": [20], "leading_edge": ["G000"]},
        index=pd.Index(["PROGRAMME"], name="term"),
    )
    table = add_robustness(judge(base, declared), audit, declared["audit"]["fragile_below"])
    overall = table[table["test"] == "overall"].iloc[0]
    assert overall["verdict"] == "supported"
    # 2 seeds + 6 jackknife refits = 8 recomputations; without p1 and without r2 the programme is flat.
    assert overall["recomputations"] == 8
    assert overall["robustness"] == pytest.approx(6 / 8)
    assert overall["fragile"]
    # judge_hypotheses judges with the audit it has just computed; the audit file gives the same table.
    write_table(audit, tmp_path / "audit.tsv")
    written = read_audit(tmp_path / "audit.tsv")
    reread = add_robustness(judge(base, declared), written, declared["audit"]["fragile_below"])
    pd.testing.assert_frame_equal(reread, table)


def test_a_refit_that_cannot_be_fitted_is_left_out_and_logged(tmp_path, caplog):
    import logging

    declared = declaration(tmp_path, seeds=0)

    def refit(samples):
        if samples == ["r3"]:
            raise np.linalg.LinAlgError("Singular matrix")
        return de_table(4.0)

    audit = audit_verdicts(evidence(), declared, {"PROGRAMME": PROGRAMME}, SETTINGS, refit, logging.getLogger("t"))
    assert "without r3" not in set(audit["recomputation"]) and audit["recomputation"].nunique() == 6
    assert "audit: DE refit without r3 failed (Singular matrix); left out of the audit" in caplog.text
