"""Hypothesis verdicts on small hand-made evidence: what is claimed, and what is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import PROJECT

from resistseq.errors import WorkflowInputError
from resistseq.hypothesis import (
    HYPOTHESIS_COLUMNS,
    VERDICTS,
    Evidence,
    Settings,
    check_hypothesis_genesets,
    findings,
    hypothesis_table,
    summary_html,
    summary_markdown,
)

TARGET = ["r1", "r2", "r3"]
REFERENCE = ["p1", "p2", "p3"]
SETS = ["HER2_AMPLICON_17Q12", "NFKB_CANONICAL_PATHWAY", "NFKB_TARGET_GENES", "BASAL_LIKE_UP", "LUMINAL_MARKERS"]


def make_evidence(erbb2=(0.1, 0.1, 0.5), nes=None, fdr=0.001, shift=1.0, key_padj=0.001, drop_sets=()):
    genes = ["ERBB2", "CHUK", "IKBKB", "RELA", "NFKBIA"] + [f"BG{index}" for index in range(20)]
    lfc = [erbb2[0], 0.8, 0.7, 0.9, 1.3] + [0.0] * 20
    se = [erbb2[1], 0.2, 0.2, 0.2, 0.2] + [0.3] * 20
    padj = [erbb2[2], key_padj, key_padj, key_padj, key_padj] + [0.9] * 20
    de = pd.DataFrame(
        {
            "gene_id": [f"g{index}" for index in range(len(genes))],
            "gene_name": genes,
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
                in_target = sample in TARGET
                noise = [0.05, -0.03, 0.01][index % 3]
                score = sign * shift * (0.5 if in_target else -0.5) + noise
                rows.append({"sample": sample, "gene_set": term, "method": method, "score": score})
    scores = pd.DataFrame(rows)
    pam50 = pd.DataFrame(
        {
            "sample": TARGET + REFERENCE,
            "corr_Basal": [0.6, 0.7, 0.65, -0.5, -0.6, -0.55],
            "call": ["Basal"] * 3 + ["LumB"] * 3,
        }
    )
    normalised = pd.DataFrame({sample: [5000.0] + list(range(1, 25)) for sample in TARGET + REFERENCE}, index=genes)
    return Evidence(de, gsea, scores, pam50, normalised, TARGET, REFERENCE, "resistant", "parental")


def overall(table):
    return table[table["test"] == "overall"].set_index("hypothesis")["verdict"].to_dict()


def test_everything_planted_is_supported():
    table = hypothesis_table(make_evidence(), Settings())
    assert list(table.columns) == HYPOTHESIS_COLUMNS
    assert set(table["verdict"]) <= set(VERDICTS)
    assert overall(table) == {
        "HER2 maintained": "supported",
        "NF-kB activated": "supported",
        "Basal-like shift": "supported",
        "Key NF-kB genes up": "supported",
    }
    erbb2 = table[table["test"] == "ERBB2 log2 fold change (DESeq2 Wald)"].iloc[0]
    # 95% CI 0.1 +/- 1.96 * 0.1 = (-0.096, 0.296): a 2-fold loss is excluded.
    assert "95% CI -0.096 to 0.296" in erbb2["evidence"]
    rank = table[table["statistic"] == "percentile"].iloc[0]
    assert rank["value"] == pytest.approx(100 * 24 / 25)
    shift = table[table["test"] == "NFKB_TARGET_GENES per-sample zscore score shift"].iloc[0]
    # Scores +0.5 / -0.5 plus the same noise in both groups: difference 1, pooled SD of the noise 0.04163.
    noise_sd = np.std([0.05, -0.03, 0.01], ddof=1)
    assert shift["value"] == pytest.approx(1.0)
    assert shift["effect_size"] == pytest.approx((1 - 3 / 15) * 1.0 / noise_sd)


def test_high_fdr_is_not_supported_never_claimed():
    table = hypothesis_table(make_evidence(fdr=0.3, shift=0.0, key_padj=0.4), Settings())
    verdicts = overall(table)
    assert verdicts["NF-kB activated"] == "not supported"
    assert verdicts["Basal-like shift"] == "not supported"
    assert verdicts["Key NF-kB genes up"] == "not supported"
    gsea_rows = table[table["statistic"] == "NES"]
    assert (gsea_rows.loc[gsea_rows["fdr"] > 0.05, "verdict"].isin(["not supported", "supported"])).all()
    assert not (table["verdict"] == "contradicted").any()


def test_her2_loss_is_contradicted_and_uncertainty_is_not_supported():
    lost = hypothesis_table(make_evidence(erbb2=(-2.0, 0.2, 1e-6)), Settings())
    assert overall(lost)["HER2 maintained"] == "contradicted"
    uncertain = hypothesis_table(make_evidence(erbb2=(-0.5, 0.5, 0.5)), Settings())
    # CI -1.48 to 0.48 cannot exclude a 2-fold loss.
    assert overall(uncertain)["HER2 maintained"] == "not supported"


def test_opposite_direction_is_contradicted():
    nes = {
        "HER2_AMPLICON_17Q12": -2.5,
        "NFKB_CANONICAL_PATHWAY": -2.0,
        "NFKB_TARGET_GENES": 2.2,
        "BASAL_LIKE_UP": -2.1,
        "LUMINAL_MARKERS": 2.4,
    }
    evidence = make_evidence(nes=nes)
    evidence.gsea.loc["HER2_AMPLICON_17Q12", "fdr"] = 0.001
    verdicts = overall(hypothesis_table(evidence, Settings()))
    assert verdicts["NF-kB activated"] == "contradicted"
    assert verdicts["Basal-like shift"] == "contradicted"
    assert verdicts["HER2 maintained"] == "contradicted"


def test_missing_set_is_not_testable_and_names_it():
    table = hypothesis_table(make_evidence(drop_sets=["NFKB_TARGET_GENES"]), Settings())
    assert overall(table)["NF-kB activated"] == "not testable"
    row = table[table["test"] == "NFKB_TARGET_GENES preranked GSEA"].iloc[0]
    assert row["evidence"] == "gene set NFKB_TARGET_GENES was not tested"


def test_configured_names_are_used():
    settings = Settings(nfkb_genesets=["BASAL_LIKE_UP"], key_genes=["RELA", "NOT_A_GENE"])
    table = hypothesis_table(make_evidence(), settings)
    assert table[table["hypothesis"] == "NF-kB activated"]["test"].str.startswith("BASAL_LIKE_UP").sum() == 3
    # A key gene absent from the data is reported as not testable and does not decide.
    assert table.loc[table["test"].str.startswith("NOT_A_GENE"), "verdict"].tolist() == ["not testable"]
    assert overall(table)["Key NF-kB genes up"] == "supported"


def test_summary_states_verdicts_and_the_relative_pam50_caveat():
    table = hypothesis_table(make_evidence(), Settings())
    text = summary_markdown(table, "resistant_vs_parental", "resistant", "parental", Settings())
    assert text.startswith("## resistant_vs_parental: resistant vs parental")
    assert "| NF-kB activated | **supported** |" in text
    assert "relative" in text and "not clinical" in text


def test_schema_defaults_equal_settings_defaults():
    schema = yaml.safe_load((PROJECT / "config" / "schemas" / "config.schema.yaml").read_text())
    defaults = {key: spec["default"] for key, spec in schema["properties"]["hypothesis"]["properties"].items()}
    assert Settings.from_config(defaults) == Settings()
    config = yaml.safe_load((PROJECT / "config" / "config.yaml").read_text())
    assert Settings.from_config(config["hypothesis"]) == Settings()


def test_unknown_hypothesis_gene_set_is_named(tmp_path):
    gmt = tmp_path / "sets.gmt"
    gmt.write_text("NFKB_TARGET_GENES\tdesc\tA\tB\nLUMINAL\tdesc\tC\n")
    block = {"nfkb_genesets": ["NFKB_TARGET_GENES", "NFKB_TYPO"], "basal_up_genesets": [], "her2_geneset": None}
    block["basal_down_genesets"] = ["LUMINAL"]
    check_hypothesis_genesets({**block, "nfkb_genesets": ["NFKB_TARGET_GENES"]}, [str(gmt)], ["sets.gmt"])
    with pytest.raises(WorkflowInputError) as error:
        check_hypothesis_genesets(block, [str(gmt)], ["sets.gmt"])
    assert str(error.value).startswith(
        "config key 'hypothesis.nfkb_genesets': gene set 'NFKB_TYPO' is in none of the gene-set files "
        "(files: sets.gmt)."
    )


def null_evidence(**changes):
    """The hand-made evidence with nothing changed: no gene and no gene set passes the thresholds."""
    evidence = make_evidence(fdr=0.6, shift=0.0, key_padj=0.7, **changes)
    evidence.de["padj"] = evidence.de["padj"].clip(lower=0.3)
    evidence.pam50["corr_Basal"] = [0.1, -0.1, 0.0, 0.0, 0.1, -0.1]
    evidence.pam50["call"] = "LumB"
    return evidence


def test_findings_say_nothing_changed_on_null_evidence():
    evidence = null_evidence()
    assert findings(evidence, Settings()) == [
        "Nothing changed at these thresholds: no gene at padj < 0.05 (25 of 25 genes tested), and no gene set "
        "with FDR < 0.05 (5 tested)."
    ]
    table = hypothesis_table(evidence, Settings())
    assert not (table.loc[table["hypothesis"] != "HER2 maintained", "verdict"] == "supported").any()
    found = findings(evidence, Settings())
    text = summary_markdown(table, "c", "resistant", "parental", Settings(), found)
    assert text.startswith("## c: resistant vs parental\n\nNothing changed at these thresholds: no gene at padj")
    html = summary_html(table, "c", "resistant", "parental", Settings(), found)
    assert "<p><b>Nothing changed at these thresholds: no gene at padj &lt; 0.05 (25 of 25 genes tested)" in html


def test_findings_count_what_changed_and_untested_genes():
    evidence = make_evidence()
    evidence.de.loc[evidence.de["gene_name"] == "BG0", "padj"] = np.nan
    assert findings(evidence, Settings()) == [
        "Differential expression: 4 genes up and 0 down at padj < 0.05 (24 of 25 genes tested).",
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
    assert findings(evidence, Settings()) == [
        "Differential expression: no gene at padj < 0.05 (25 of 25 genes tested).",
        "Gene-set enrichment: no gene set was tested (every gene set was dropped: HER2_AMPLICON_17Q12 (5 genes "
        "found < min_size 1000); NFKB_CANONICAL_PATHWAY (40 genes found < min_size 1000); NFKB_TARGET_GENES (45 "
        "genes found < min_size 1000); BASAL_LIKE_UP (35 genes found < min_size 1000); LUMINAL_MARKERS (33 genes "
        "found < min_size 1000)).",
    ]
    table = hypothesis_table(evidence, Settings())
    row = table[table["test"] == "NFKB_TARGET_GENES preranked GSEA"].iloc[0]
    assert row["evidence"] == "gene set NFKB_TARGET_GENES was not tested: dropped: 45 genes found < min_size 1000"
    assert overall(table)["NF-kB activated"] == "not testable"
