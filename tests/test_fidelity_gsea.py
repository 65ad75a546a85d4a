"""The workflow's enrichment step against the original GSEA (Java) on its preranked reference run.

../shared/data/gsea_prerank_reference/edb: a ranked list, 7 gene sets and GSEA's results.edb
(1,000 permutations, weighted scoring). The ranking goes through the workflow's own functions
(rank_genes, set_coverage, sets_to_test, run_prerank, gsea_table), as in rules/enrichment.smk.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import SHARED, requires_shared

from resistseq.genesets import read_gmt, set_coverage
from resistseq.gsea import gsea_table, rank_genes, run_prerank, sets_to_test

pytestmark = requires_shared

EDB = SHARED / "data" / "gsea_prerank_reference" / "edb"
SEED = 20161001


def gsea_java_results() -> pd.DataFrame:
    text = (EDB / "results.edb").read_text()
    rows = re.findall(r'GENESET="gene_sets\.gmt#([^"]+)" ES="([^"]+)" NES="([^"]+)" NP="([^"]+)" FDR="([^"]+)"', text)
    table = pd.DataFrame(rows, columns=["term", "es", "nes", "pvalue", "fdr"]).set_index("term")
    return table.astype(float)


def workflow_gsea(method: str, threads: int = 1) -> pd.DataFrame:
    ranked = pd.read_csv(EDB / "gsea_data.gsea_data.rnk", sep="\t", header=None, names=["gene_name", "stat"])
    results = ranked.assign(gene_id=ranked["gene_name"])[["gene_id", "gene_name", "stat"]]
    ranking = rank_genes(results)
    sets = read_gmt(EDB / "gene_sets.gmt")
    coverage = set_coverage(sets, dict.fromkeys(sets, "gene_sets.gmt"), ranking.scores.index, 5, 2000, 0.0)
    tested = sets_to_test(sets, coverage, ranking.scores)
    prerank = run_prerank(ranking.scores, tested, SEED, 1000, 1.0, threads, method=method)
    return gsea_table(prerank, coverage)


# Largest |NES - GSEA's NES| measured over the 7 sets, per method (NES rests on each tool's own permutations).
NES_TOLERANCE = {"multilevel": 0.06, "permutation": 0.05}


@pytest.fixture(scope="module", params=["multilevel", "permutation"])
def method(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def ours(method) -> pd.DataFrame:
    return workflow_gsea(method)


def test_enrichment_scores_equal_gsea_and_nes_close(ours, method):
    java = gsea_java_results()
    assert len(java) == 7
    table = ours.set_index("term").loc[java.index]
    # GSEA writes 4 decimals: the ES are the same numbers (measured max |delta| below 5e-5).
    assert (table["es"].round(4) == java["es"]).all()
    assert (table["es"] - java["es"]).abs().max() <= 5e-5
    # NES depends on the permutations (GSEA's and gseapy's random streams differ).
    assert (table["nes"] - java["nes"]).abs().max() < NES_TOLERANCE[method]
    # The same sets are significant at nominal p < 0.05 and at FDR < 0.25.
    assert set(table.index[table["pvalue"] < 0.05]) == set(java.index[java["pvalue"] < 0.05])
    assert set(table.index[table["fdr"] < 0.25]) == set(java.index[java["fdr"] < 0.25])


def test_enrichment_is_identical_across_reruns_and_threads(ours, method):
    pd.testing.assert_frame_equal(ours, workflow_gsea(method, threads=1))
    pd.testing.assert_frame_equal(ours, workflow_gsea(method, threads=2))
