"""Declared hypotheses judged on small hand-made evidence: what is claimed, and what is not."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import PROJECT

from resistseq.errors import WorkflowInputError
from resistseq.hypothesis import (
    HYPOTHESIS_COLUMNS,
    VERDICTS,
    Declared,
    Evidence,
    Summary,
    add_robustness,
    check_hypothesis_genesets,
    declared_sets,
    exploratory,
    findings,
    hypotheses_path,
    is_change_hypothesis,
    judge,
    load_hypotheses,
    overall_verdict,
    overall_verdicts,
    summary_html,
    summary_markdown,
)
from resistseq.validation import load_yaml

TARGET = ["r1", "r2", "r3"]
REFERENCE = ["p1", "p2", "p3"]
SETS = ["HER2_AMPLICON_17Q12", "NFKB_CANONICAL_PATHWAY", "NFKB_TARGET_GENES", "BASAL_LIKE_UP", "LUMINAL_MARKERS"]
SCHEMA = load_yaml(PROJECT / "config" / "schemas" / "hypotheses.schema.yaml")
GMT_FILES = sorted(str(path) for path in (PROJECT / "resources" / "genesets").glob("*.gmt"))


def bundled(name: str = "hypotheses.yaml") -> dict:
    return load_hypotheses(PROJECT / "config" / name, f"config/{name}", SCHEMA)


DECLARATION = bundled()


def make_evidence(
    erbb2=(0.1, 0.1, 0.5), nes=None, fdr=0.001, shift=1.0, key_padj=0.001, key_lfc=(0.8, 0.7, 0.9, 1.3), drop_sets=()
):
    genes = ["ERBB2", "GRB7", "CHUK", "IKBKB", "RELA", "NFKBIA"] + [f"BG{index}" for index in range(20)]
    lfc = [erbb2[0], 0.0, *key_lfc] + [0.0] * 20
    se = [erbb2[1], 0.1, 0.2, 0.2, 0.2, 0.2] + [0.3] * 20
    padj = [erbb2[2], 0.9, key_padj, key_padj, key_padj, key_padj] + [0.9] * 20
    base_mean = [50000.0, 20000.0, 300.0, 300.0, 300.0, 300.0] + [100.0 + index for index in range(20)]
    de = pd.DataFrame(
        {
            "gene_id": [f"g{index}" for index in range(len(genes))],
            "gene_name": genes,
            "baseMean": base_mean,
            "log2FoldChange": lfc,
            "lfcSE": se,
            "stat": np.array(lfc) / np.array(se),
            "padj": padj,
        }
    )
    nes = nes or {
        "HER2_AMPLICON_17Q12": 0.3,
        "NFKB_CANONICAL_PATHWAY": 2.0,
        "NFKB_TARGET_GENES": 2.2,
        "BASAL_LIKE_UP": 2.1,
        "LUMINAL_MARKERS": -2.4,
    }
    gsea = pd.DataFrame(
        {
            "term": SETS,
            "nes": [nes[term] for term in SETS],
            "fdr": [0.6 if term == "HER2_AMPLICON_17Q12" else fdr for term in SETS],
            "size": 20,
            "leading_edge": "A;B",
        }
    ).set_index("term")
    gsea = gsea.drop(index=list(drop_sets))
    rows = []
    for term in SETS:
        sign = -1 if term == "LUMINAL_MARKERS" else 1
        for method in ("zscore", "ssgsea"):
            for index, sample in enumerate(TARGET + REFERENCE):
                noise = [0.05, -0.03, 0.01][index % 3]
                score = sign * shift * (0.5 if sample in TARGET else -0.5) + noise
                rows.append({"sample": sample, "gene_set": term, "method": method, "score": score})
    pam50 = pd.DataFrame(
        {
            "sample": TARGET + REFERENCE,
            "corr_Basal": [0.6, 0.7, 0.65, -0.5, -0.6, -0.55],
            "call": ["Basal"] * 3 + ["LumB"] * 3,
        }
    )
    return Evidence(de, gsea, pd.DataFrame(rows), pam50, TARGET, REFERENCE, "resistant", "parental")


def row(table, hypothesis, test):
    return table[(table["hypothesis"] == hypothesis) & (table["test"] == test)].iloc[0]


def test_everything_planted_is_supported_with_numbers():
    table = judge(make_evidence(), DECLARATION)
    assert list(table.columns) == HYPOTHESIS_COLUMNS
    assert set(table["verdict"]) <= set(VERDICTS)
    assert overall_verdicts(table) == {
        "her2_maintained": "supported",
        "nfkb_activated": "supported",
        "basal_like_shift": "supported",
    }
    erbb2 = row(table, "her2_maintained", "ERBB2 equivalence within log2FC +-1")
    # 90% CI 0.1 +/- 1.6449 * 0.1; TOST p = max(P(Z > 11), P(Z < -9)) = Phi(-9) = 1.13e-19.
    assert "90% CI -0.0645 to 0.264" in erbb2["evidence"]
    assert erbb2["fdr"] == pytest.approx(1.1285884e-19, rel=1e-6)
    # ERBB2 has the largest baseMean: above 25 of 26 genes.
    assert f"above {100 * 25 / 26:.4g}% of genes" in erbb2["evidence"]
    shift = row(table, "nfkb_activated", "NFKB_TARGET_GENES per-sample zscore score (up)")
    noise_sd = np.std([0.05, -0.03, 0.01], ddof=1)
    assert shift["value"] == pytest.approx(1.0)
    assert shift["effect_size"] == pytest.approx((1 - 3 / 15) * 1.0 / noise_sd)
    assert shift["role"] == "supporting"


def test_target_programme_up_with_members_flat_or_down_is_activation():
    """Issue 13: targets enriched, member set flat, IKBKB mRNA down: NF-kB activated, nothing contradicted."""
    nes = {
        "HER2_AMPLICON_17Q12": 0.3,
        "NFKB_CANONICAL_PATHWAY": 0.86,
        "NFKB_TARGET_GENES": 2.22,
        "BASAL_LIKE_UP": 2.1,
        "LUMINAL_MARKERS": -2.4,
    }
    evidence = make_evidence(nes=nes, key_lfc=(0.05, -0.6, 0.0, 1.3))
    evidence.gsea.loc["NFKB_CANONICAL_PATHWAY", "fdr"] = 0.64
    evidence.de.loc[evidence.de["gene_name"].isin(["CHUK", "RELA"]), "padj"] = 0.8
    table = judge(evidence, DECLARATION)
    assert overall_verdicts(table)["nfkb_activated"] == "supported"
    assert "contradicted" not in set(table.loc[table["role"] == "overall", "verdict"])
    # The members are shown with their own result, and do not decide.
    assert row(table, "nfkb_activated", "IKBKB DESeq2 Wald (up)")["verdict"] == "contradicted"
    assert row(table, "nfkb_activated", "NFKB_CANONICAL_PATHWAY preranked GSEA (up)")["verdict"] == "not supported"


def test_members_up_without_targets_is_not_activation():
    nes = {
        "HER2_AMPLICON_17Q12": 0.3,
        "NFKB_CANONICAL_PATHWAY": 2.3,
        "NFKB_TARGET_GENES": 0.4,
        "BASAL_LIKE_UP": 2.1,
        "LUMINAL_MARKERS": -2.4,
    }
    evidence = make_evidence(nes=nes)
    evidence.gsea.loc["NFKB_TARGET_GENES", "fdr"] = 0.7
    table = judge(evidence, DECLARATION)
    assert overall_verdicts(table)["nfkb_activated"] == "not supported"
    assert row(table, "nfkb_activated", "CHUK DESeq2 Wald (up)")["verdict"] == "supported"


def test_high_fdr_is_not_supported_never_claimed():
    table = judge(make_evidence(fdr=0.3, shift=0.0, key_padj=0.4), DECLARATION)
    verdicts = overall_verdicts(table)
    assert verdicts["nfkb_activated"] == "not supported"
    assert verdicts["basal_like_shift"] == "not supported"
    assert not (table["verdict"] == "contradicted").any()


def test_her2_loss_is_contradicted_and_uncertainty_is_not_supported():
    lost = judge(make_evidence(erbb2=(-2.0, 0.2, 1e-6)), DECLARATION)
    assert overall_verdicts(lost)["her2_maintained"] == "contradicted"
    # 90% CI -1.32 to 0.322 reaches beyond the margin: equivalence cannot be shown, loss not shown either.
    uncertain = judge(make_evidence(erbb2=(-0.5, 0.5, 0.5)), DECLARATION)
    assert overall_verdicts(uncertain)["her2_maintained"] == "not supported"
    assert row(uncertain, "her2_maintained", "ERBB2 equivalence within log2FC +-1")["fdr"] == pytest.approx(
        0.158655, rel=1e-5
    )


def test_equivalence_needs_the_expression_floor():
    evidence = make_evidence()
    evidence.de.loc[evidence.de["gene_name"] == "ERBB2", "baseMean"] = 1.0
    table = judge(evidence, DECLARATION)
    erbb2 = row(table, "her2_maintained", "ERBB2 equivalence within log2FC +-1")
    assert erbb2["verdict"] == "not supported" and "below the expression floor" in erbb2["evidence"]


def test_opposite_direction_is_contradicted():
    nes = {
        "HER2_AMPLICON_17Q12": -2.5,
        "NFKB_CANONICAL_PATHWAY": -2.0,
        "NFKB_TARGET_GENES": -2.2,
        "BASAL_LIKE_UP": -2.1,
        "LUMINAL_MARKERS": 2.4,
    }
    evidence = make_evidence(nes=nes)
    evidence.gsea.loc["HER2_AMPLICON_17Q12", "fdr"] = 0.001
    verdicts = overall_verdicts(judge(evidence, DECLARATION))
    assert verdicts == {
        "her2_maintained": "contradicted",
        "nfkb_activated": "contradicted",
        "basal_like_shift": "contradicted",
    }


def test_missing_set_is_not_testable_and_names_it():
    table = judge(make_evidence(drop_sets=["NFKB_TARGET_GENES"]), DECLARATION)
    assert overall_verdicts(table)["nfkb_activated"] == "not testable"
    assert row(table, "nfkb_activated", "NFKB_TARGET_GENES preranked GSEA (up)")["evidence"] == (
        "gene set NFKB_TARGET_GENES was not tested"
    )


@pytest.mark.parametrize(
    ("verdicts", "combine", "expected"),
    [
        (["supported", "supported"], "all", "supported"),
        (["supported", "not supported"], "all", "not supported"),
        (["supported", "contradicted"], "all", "contradicted"),
        (["supported", "not testable"], "all", "not testable"),
        (["supported", "not supported"], "any", "supported"),
        (["supported", "contradicted"], "any", "not supported"),
        (["contradicted", "contradicted"], "any", "contradicted"),
        (["not testable", "not supported"], "any", "not supported"),
        (["not testable", "not testable"], "any", "not testable"),
        (["supported", "supported", "not supported"], {"at_least": 2}, "supported"),
        (["supported", "contradicted", "contradicted"], {"at_least": 2}, "contradicted"),
        (["supported", "not testable", "not testable"], {"at_least": 2}, "not testable"),
    ],
)
def test_primary_evidence_combines_as_declared(verdicts, combine, expected):
    assert overall_verdict(verdicts, combine)[0] == expected


def test_a_user_adds_a_hypothesis_without_python(tmp_path):
    data = yaml.safe_load((PROJECT / "config" / "hypotheses.yaml").read_text())
    data["hypotheses"].append(
        {
            "id": "nfkb_or_members",
            "statement": "Either the targets or IKBKB go up",
            "combine": "any",
            "primary": [
                {"kind": "geneset_shift", "set": "NFKB_TARGET_GENES", "direction": "up"},
                {"kind": "gene_change", "gene": "IKBKB", "direction": "up", "min_abs_lfc": 1.0},
            ],
        }
    )
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    declaration = load_hypotheses(path, "mine.yaml", SCHEMA)
    table = judge(make_evidence(), declaration)
    assert overall_verdicts(table)["nfkb_or_members"] == "supported"
    # IKBKB's log2FC 0.7 is significant but below the declared minimum of 1: not supported on its own.
    assert row(table, "nfkb_or_members", "IKBKB DESeq2 Wald (up)")["verdict"] == "not supported"
    assert declaration["hypotheses"][-1]["supporting"] == []  # filled in from the schema's default


def test_schema_defaults_fill_a_minimal_file(tmp_path):
    path = tmp_path / "minimal.yaml"
    path.write_text(
        "hypotheses:\n  - id: up\n    statement: s\n    primary:\n      - {kind: score_shift, set: X, direction: up}\n"
    )
    declaration = load_hypotheses(path, "minimal.yaml", SCHEMA)
    thresholds = SCHEMA["properties"]["thresholds"]["properties"]
    assert declaration["thresholds"] == {key: spec["default"] for key, spec in thresholds.items()}
    assert declaration["audit"] == {
        key: spec["default"] for key, spec in SCHEMA["properties"]["audit"]["properties"].items()
    }
    assert declaration["hypotheses"][0]["combine"] == "all"
    assert declaration["hypotheses"][0]["primary"][0]["method"] == "zscore"


def test_bad_file_names_the_file_the_hypothesis_and_the_key(tmp_path):
    data = yaml.safe_load((PROJECT / "config" / "hypotheses.yaml").read_text())
    data["hypotheses"][0]["primary"][0].pop("margin")
    data["hypotheses"][1]["primary"][0]["direction"] = "upwards"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(WorkflowInputError) as error:
        load_hypotheses(path, "bad.yaml", SCHEMA)
    lines = str(error.value).splitlines()
    assert lines[0].startswith(
        "bad.yaml: hypothesis 'her2_maintained', key 'hypotheses[0].primary[0]': 'margin' is a required property."
    )
    assert "Expected: a gene kept at its level" in lines[0]
    assert lines[1].startswith(
        "bad.yaml: hypothesis 'nfkb_activated', key 'hypotheses[1].primary[0].direction': 'upwards' is not one of"
    )


def test_repeated_ids_and_impossible_combine_are_named(tmp_path):
    data = yaml.safe_load((PROJECT / "config" / "hypotheses.yaml").read_text())
    data["hypotheses"][2]["id"] = "her2_maintained"
    data["hypotheses"][1]["combine"] = {"at_least": 2}
    path = tmp_path / "twice.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(WorkflowInputError) as error:
        load_hypotheses(path, "twice.yaml", SCHEMA)
    assert str(error.value).splitlines() == [
        "twice.yaml: hypothesis 'her2_maintained', key 'hypotheses[2].id': the id is used twice. Give each "
        "hypothesis its own id.",
        "twice.yaml: hypothesis 'nfkb_activated', key 'hypotheses[1].combine': at_least 2 but only 1 primary rows. "
        "Lower at_least or add evidence.",
    ]


def test_relative_path_from_the_working_directory_else_the_workflow(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert hypotheses_path("config/hypotheses.yaml", PROJECT) == PROJECT / "config" / "hypotheses.yaml"
    with pytest.raises(WorkflowInputError, match="Hypotheses file 'nowhere.yaml' does not exist"):
        load_hypotheses(hypotheses_path("nowhere.yaml", PROJECT), "nowhere.yaml", SCHEMA)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "hypotheses.yaml").write_text("hypotheses: []\n")
    assert hypotheses_path("config/hypotheses.yaml", PROJECT) == Path("config/hypotheses.yaml")


def test_unknown_hypothesis_gene_set_is_named(tmp_path):
    gmt = tmp_path / "sets.gmt"
    gmt.write_text("NFKB_TARGET_GENES\tdesc\tA\tB\n")
    with pytest.raises(WorkflowInputError) as error:
        check_hypothesis_genesets(DECLARATION, "config/hypotheses.yaml", [str(gmt)], ["sets.gmt"])
    first = str(error.value).splitlines()[0]
    assert first == (
        "config/hypotheses.yaml: hypothesis 'her2_maintained', key 'hypotheses[0].primary[1].set': gene set "
        "'HER2_AMPLICON_17Q12' is in none of the gene-set files"
    )
    assert str(error.value).endswith(
        "(files: sets.gmt). Use set names from these files, or add a GMT file that "
        "defines the set to 'genesets' in the config."
    )


def test_both_bundled_files_name_only_bundled_sets():
    labels = [path.rsplit("/", 1)[-1] for path in GMT_FILES]
    for name in ("hypotheses.yaml", "hypotheses_endocrine.yaml"):
        check_hypothesis_genesets(bundled(name), name, GMT_FILES, labels)
    endocrine = bundled("hypotheses_endocrine.yaml")
    assert [entry["id"] for entry in endocrine["hypotheses"]] == [
        "er_signalling_lost",
        "fgfr1_up",
        "basal_mesenchymal_shift",
    ]
    assert all(is_change_hypothesis(entry) for entry in endocrine["hypotheses"])
    assert [is_change_hypothesis(entry) for entry in DECLARATION["hypotheses"]] == [False, True, True]


def test_robustness_share_and_fragile_mark():
    table = judge(make_evidence(), DECLARATION)
    overall = table[table["role"] == "overall"]
    audit = pd.concat(
        [
            pd.DataFrame(
                {
                    "recomputation": f"run {index}",
                    "hypothesis": overall["hypothesis"],
                    "test": "overall",
                    # nfkb_activated holds in 7 of 10 recomputations, the others in all.
                    "verdict": [
                        "not supported" if name == "nfkb_activated" and index >= 7 else verdict
                        for name, verdict in zip(overall["hypothesis"], overall["verdict"], strict=True)
                    ],
                }
            )
            for index in range(10)
        ]
    )
    audited = add_robustness(table, audit, 0.8).set_index(["hypothesis", "test"])
    assert audited.loc[("nfkb_activated", "overall"), "robustness"] == pytest.approx(0.7)
    assert audited.loc[("nfkb_activated", "overall"), "fragile"]
    assert audited.loc[("basal_like_shift", "overall"), "robustness"] == 1.0
    assert not audited.loc[("basal_like_shift", "overall"), "fragile"]
    assert audited.loc[("nfkb_activated", "overall"), "recomputations"] == 10
    declared = Declared("config/hypotheses.yaml", "ab" * 32, "hypotheses: []\n", DECLARATION)
    summary = Summary(audited.reset_index(), "c", "resistant", "parental", declared, [], [])
    text = summary_markdown(summary)
    assert "| **supported** (fragile) | 7/10 (70%), fragile |" in text
    assert "| **supported** | 10/10 (100%) |" in text
    assert f"SHA-256 {'ab' * 32}" in text
    html = summary_html(summary)
    assert "<i>(fragile)</i>" in html and "<pre>hypotheses: []\n</pre>" in html


def test_undeclared_changes_are_exploratory_not_verdicts():
    evidence = make_evidence()
    evidence.gsea.loc["EXTRA_SET"] = {"nes": -1.9, "fdr": 0.01, "size": 12, "leading_edge": "X"}
    evidence.de.loc[evidence.de["gene_name"] == "BG3", ["log2FoldChange", "padj"]] = [2.5, 1e-5]
    explored = exploratory(evidence, DECLARATION)
    assert explored == [
        "Undeclared gene sets at FDR < 0.05 (1): EXTRA_SET NES -1.9, FDR 0.01.",
        "Undeclared genes at padj < 0.05 (1, strongest 1 shown): BG3 log2FC 2.5, padj 1e-05.",
    ]
    assert "EXTRA_SET" not in set(judge(evidence, DECLARATION)["test"].str.split(" ").str[0])
    assert "EXTRA_SET" not in declared_sets(DECLARATION)


def null_evidence(**changes):
    """The hand-made evidence with nothing changed: no gene and no gene set passes the thresholds."""
    evidence = make_evidence(fdr=0.6, shift=0.0, key_padj=0.7, **changes)
    evidence.de["padj"] = evidence.de["padj"].clip(lower=0.3)
    evidence.pam50["corr_Basal"] = [0.1, -0.1, 0.0, 0.0, 0.1, -0.1]
    evidence.pam50["call"] = "LumB"
    return evidence


def test_findings_say_nothing_changed_on_null_evidence():
    evidence = null_evidence()
    assert findings(evidence, 0.05) == [
        "Nothing changed at these thresholds: no gene at padj < 0.05 (26 of 26 genes tested), and no gene set "
        "with FDR < 0.05 (5 tested)."
    ]
    table = judge(evidence, DECLARATION)
    changes = [entry["id"] for entry in DECLARATION["hypotheses"] if is_change_hypothesis(entry)]
    assert not (table.loc[table["hypothesis"].isin(changes), "verdict"] == "supported").any()
    found = findings(evidence, 0.05)
    declared = Declared("config/hypotheses.yaml", "0" * 64, "", DECLARATION)
    summary = Summary(table, "c", "resistant", "parental", declared, found, [])
    text = summary_markdown(summary)
    assert text.startswith("## c: resistant vs parental\n\nNothing changed at these thresholds: no gene at padj")
    html = summary_html(summary)
    assert "<p><b>Nothing changed at these thresholds: no gene at padj &lt; 0.05 (26 of 26 genes tested)" in html


def test_findings_count_what_changed_and_untested_genes():
    evidence = make_evidence()
    evidence.de.loc[evidence.de["gene_name"] == "BG0", "padj"] = np.nan
    assert findings(evidence, 0.05) == [
        "Differential expression: 4 genes up and 0 down at padj < 0.05 (25 of 26 genes tested).",
        "Gene-set enrichment: 4 of 5 gene sets with FDR < 0.05: BASAL_LIKE_UP, LUMINAL_MARKERS, "
        "NFKB_CANONICAL_PATHWAY, NFKB_TARGET_GENES.",
    ]


def test_every_set_dropped_is_named_in_the_findings_and_the_rows():
    evidence = null_evidence(drop_sets=SETS)
    evidence.coverage = pd.DataFrame(
        {
            "term": SETS,
            "genes_found": [5, 40, 45, 35, 33],
            "status": [f"dropped: {n} genes found < min_size 1000" for n in (5, 40, 45, 35, 33)],
        }
    )
    assert findings(evidence, 0.05) == [
        "Differential expression: no gene at padj < 0.05 (26 of 26 genes tested).",
        "Gene-set enrichment: no gene set was tested (every gene set was dropped: HER2_AMPLICON_17Q12 (5 genes "
        "found < min_size 1000); NFKB_CANONICAL_PATHWAY (40 genes found < min_size 1000); NFKB_TARGET_GENES (45 "
        "genes found < min_size 1000); BASAL_LIKE_UP (35 genes found < min_size 1000); LUMINAL_MARKERS (33 genes "
        "found < min_size 1000)).",
    ]
    table = judge(evidence, DECLARATION)
    assert row(table, "nfkb_activated", "NFKB_TARGET_GENES preranked GSEA (up)")["evidence"] == (
        "gene set NFKB_TARGET_GENES was not tested: dropped: 45 genes found < min_size 1000"
    )
    assert overall_verdicts(table)["nfkb_activated"] == "not testable"


def test_declaration_is_not_changed_by_judging():
    declaration = copy.deepcopy(DECLARATION)
    judge(make_evidence(), declaration)
    assert declaration == DECLARATION


def test_provenance_and_methods_record_the_declaration():
    from resistseq.methods import hypotheses_markdown
    from resistseq.provenance import declaration_record

    path = PROJECT / "config" / "hypotheses.yaml"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    record = declaration_record(path, "config/hypotheses.yaml")
    assert record == {
        "path": "config/hypotheses.yaml",
        "bytes": path.stat().st_size,
        "sha256": digest,
        "text": path.read_text(),
    }
    text = hypotheses_markdown("config/hypotheses.yaml", digest, DECLARATION)
    assert text.startswith(f"Hypotheses were declared in `config/hypotheses.yaml` (SHA-256 {digest};")
    assert "nfkb_activated (BT-474-R has constitutively active canonical NF-kB" in text
    assert "the 90% confidence interval" in text and "5 other GSEA seeds" in text and "fewer than 80%" in text
    changed = copy.deepcopy(DECLARATION)
    changed["audit"].update(gsea_seeds=7, jackknife=False)
    changed["thresholds"]["equivalence_alpha"] = 0.025
    text = hypotheses_markdown("x.yaml", digest, changed)
    assert "7 other GSEA seeds" in text and "left out in turn" not in text and "the 95% confidence" in text
