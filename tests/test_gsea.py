"""Gene sets, ranking and preranked GSEA on small inputs with asserted values."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT

from resistseq.errors import WorkflowInputError
from resistseq.genesets import display_path, log_coverage, read_gmt, read_gmt_files, set_coverage
from resistseq.gsea import GSEA_COLUMNS, gsea_table, rank_genes, run_prerank, running_scores, sets_to_test


def test_rank_genes_collapses_duplicates_deterministically():
    results = pd.DataFrame(
        {
            "gene_id": ["g4", "g1", "g2", "g3", "g5", "g6"],
            "gene_name": ["B", "A", "A", "C", "C", np.nan],
            "stat": [2.0, -3.0, 1.0, 0.5, -0.5, np.nan],
        }
    )
    ranking = rank_genes(results)
    # A keeps g1 (|-3| > |1|); C ties at |0.5| and keeps the smaller ID g3; the NaN statistic is left out.
    assert list(ranking.scores.index) == ["B", "C", "A"]
    assert list(ranking.scores) == [2.0, 0.5, -3.0]
    assert ranking.collapsed[["gene_name", "gene_id"]].values.tolist() == [["A", "g2"], ["C", "g5"]]
    assert ranking.dropped_missing == 1
    # Row order of the input does not matter.
    shuffled = rank_genes(results.iloc[::-1])
    pd.testing.assert_series_equal(shuffled.scores, ranking.scores)


def rank_genes_by_pandas(results: pd.DataFrame, statistic: str = "stat"):
    """rank_genes as first written, with pandas' sort_values: the order the numpy version must reproduce."""
    table = results[["gene_id", "gene_name", statistic]].copy()
    table["gene_name"] = table["gene_name"].fillna(table["gene_id"]).astype(str)
    usable = table[np.isfinite(table[statistic].astype(float))].copy()
    usable["magnitude"] = usable[statistic].abs()
    usable = usable.sort_values(["gene_name", "magnitude", "gene_id"], ascending=[True, False, True], kind="mergesort")
    duplicated = usable["gene_name"].duplicated(keep="first")
    collapsed = usable[duplicated][["gene_name", "gene_id", statistic]].reset_index(drop=True)
    kept = usable[~duplicated].sort_values([statistic, "gene_name"], ascending=[False, True], kind="mergesort")
    scores = pd.Series(kept[statistic].to_numpy(dtype=float), index=pd.Index(kept["gene_name"], name="gene_name"))
    return scores, collapsed, len(table) - len(usable)


def tied_results(rng: np.random.Generator, genes: int, ids: str, nul: bool) -> pd.DataFrame:
    """A DE table made to stress the ordering: few distinct statistics (signed zeros, infinities, NaN),
    symbols shared by many IDs or missing, names that differ only in case, accents or (``nul``) a trailing
    NUL, which pandas' sort and its duplicated() treat differently."""
    symbols = ["A", "a", "B", "AB", "", "Ä", "Z", "z1", "z10", "z2", "nan", "ENSG00002"] + (["A\x00"] if nul else [])
    symbols = np.array(symbols, dtype=object)
    names = symbols[rng.integers(0, len(symbols), genes)]
    names[rng.random(genes) < 0.15] = np.nan
    levels = np.array([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf, -np.inf])
    stat = np.where(rng.random(genes) < 0.6, levels[rng.integers(0, len(levels), genes)], rng.normal(0, 2, genes))
    if ids == "strings":
        gene_id = np.array([f"ENSG{number:05d}" for number in rng.permutation(genes)], dtype=object)
        gene_id[rng.random(genes) < 0.1] = "ENSG00002"  # repeated IDs: left in input order
    elif ids == "integers":
        gene_id = rng.permutation(genes) * 7 % 101
    else:  # missing IDs: pandas sorts them last
        gene_id = np.array([f"g{number}" for number in rng.integers(0, 40, genes)], dtype=object)
        gene_id[rng.random(genes) < 0.2] = np.nan
    return pd.DataFrame({"gene_id": gene_id, "gene_name": names, "stat": stat})


# Integer IDs filling missing symbols trip pandas' fillna downcasting notice (rank_genes' unchanged first step).
@pytest.mark.filterwarnings("ignore:Downcasting object dtype arrays:FutureWarning")
@pytest.mark.parametrize("ids", ["strings", "integers", "missing"])
def test_rank_genes_orders_exactly_as_pandas_sort_values(ids):
    rng = np.random.default_rng(20240611)
    for genes, nul in itertools.product([0, 1, 2, 3, 5, 17, 60, 250, 1000] * 3, [False, True]):
        results = tied_results(rng, genes, ids, nul)
        scores, collapsed, dropped = rank_genes_by_pandas(results)
        ranking = rank_genes(results)
        pd.testing.assert_series_equal(ranking.scores, scores, check_exact=True)
        assert list(np.signbit(ranking.scores.to_numpy())) == list(np.signbit(scores.to_numpy()))
        pd.testing.assert_frame_equal(ranking.collapsed, collapsed, check_exact=True)
        assert ranking.dropped_missing == dropped
        if genes == 1000:
            assert ranking.collapsed.shape[0] > 100 and scores.duplicated().sum() > 0


def write(path, text):
    path.write_text(text)
    return path


def test_read_gmt_and_conflicts(tmp_path):
    first = write(tmp_path / "a.gmt", "SET1\tdesc\tA\tB\tA\nSET2\tdesc\tC\n")
    assert read_gmt(first) == {"SET1": ["A", "B"], "SET2": ["C"]}
    same = write(tmp_path / "b.gmt", "SET1\tother description\tB\tA\n")
    sets, sources = read_gmt_files([first, same], ["a.gmt", "b.gmt"])
    assert sources == {"SET1": "a.gmt", "SET2": "a.gmt"}
    clash = write(tmp_path / "c.gmt", "SET1\tdesc\tA\tZ\n")
    with pytest.raises(WorkflowInputError, match="'SET1' is defined differently in 'a.gmt' and 'c.gmt'"):
        read_gmt_files([first, clash], ["a.gmt", "c.gmt"])
    broken = write(tmp_path / "d.gmt", "SET1\tonly-a-description\n")
    with pytest.raises(WorkflowInputError, match="d.gmt', line 1: a GMT line needs a name"):
        read_gmt(broken)


def test_display_path_keeps_bundled_paths_machine_independent(tmp_path):
    bundled = PROJECT / "resources" / "genesets" / "nfkb.gmt"
    assert display_path(bundled, PROJECT) == "resources/genesets/nfkb.gmt"
    assert display_path("user/sets.gmt", PROJECT) == "user/sets.gmt"


def test_set_coverage_reports_share_and_drops():
    sets = {"small": ["A", "B", "X"], "fine": ["A", "B", "C", "D"], "big": list("ABCDEF"), "absent": ["Y", "Z"]}
    coverage = set_coverage(sets, {}, ["A", "B", "C", "D", "E", "F"], min_size=3, max_size=5, min_coverage=0.5)
    coverage = coverage.set_index("term")
    assert coverage.loc["small", "genes_found"] == 2 and coverage.loc["small", "share_found"] == 0.6667
    assert coverage.loc["small", "status"] == "dropped: 2 genes found < min_size 3"
    assert coverage.loc["big", "status"] == "dropped: 6 genes found > max_size 5"
    assert coverage.loc["fine", "status"] == "tested"
    assert bool(coverage.loc["absent", "low_coverage"]) and not bool(coverage.loc["fine", "low_coverage"])


def running_sum_es(ranking: pd.Series, genes: set[str]) -> float:
    """Subramanian et al. 2005 weighted (p = 1) Kolmogorov-Smirnov running sum, written independently."""
    hit = ranking.index.isin(list(genes))
    weights = np.abs(ranking.to_numpy()) * hit
    step_up = weights / weights.sum()
    step_down = (~hit) / (~hit).sum()
    running = np.cumsum(step_up - step_down)
    return float(running[np.argmax(np.abs(running))])


@pytest.fixture(scope="module")
def toy_ranking():
    rng = np.random.default_rng(11)
    genes = [f"G{i:04d}" for i in range(1000)]
    scores = pd.Series(rng.normal(size=1000), index=genes)
    scores.iloc[:25] += 3.0  # planted: G0000..G0024 up
    scores.iloc[25:50] -= 3.0  # planted: G0025..G0049 down
    return scores.sort_values(ascending=False, kind="mergesort")


@pytest.fixture(scope="module")
def toy_sets():
    return {
        "UP": [f"G{i:04d}" for i in range(25)],
        "DOWN": [f"G{i:04d}" for i in range(25, 50)],
        "NULL": [f"G{i:04d}" for i in range(500, 540)],
    }


def test_prerank_enrichment_scores_match_the_running_sum(toy_ranking, toy_sets):
    result = run_prerank(toy_ranking, toy_sets, seed=7, permutations=200)
    coverage = set_coverage(toy_sets, {}, toy_ranking.index, 1, 1000, 0.5)
    table = gsea_table(result, coverage).set_index("term")
    assert list(gsea_table(result, coverage).columns) == GSEA_COLUMNS
    for term, genes in toy_sets.items():
        assert table.loc[term, "es"] == pytest.approx(running_sum_es(toy_ranking, set(genes)), abs=1e-9)
    assert table.loc["UP", "nes"] > 2 and table.loc["UP", "fdr"] < 0.01
    assert table.loc["DOWN", "nes"] < -2 and table.loc["DOWN", "fdr"] < 0.01
    assert table.loc["NULL", "pvalue"] > 0.05
    assert table.loc["UP", "size"] == 25
    running = running_scores(result, toy_ranking, ["UP", "MISSING"])
    assert set(running["term"]) == {"UP"} and len(running) == 1000 and running["hit"].sum() == 25
    assert running["running_es"].max() == pytest.approx(table.loc["UP", "es"])


@pytest.mark.parametrize("method", ["multilevel", "permutation"])
def test_both_pvalue_methods_find_the_planted_sets_and_only_permutation_gives_fwer(toy_ranking, toy_sets, method):
    coverage = set_coverage(toy_sets, {}, toy_ranking.index, 1, 1000, 0.5)
    table = gsea_table(run_prerank(toy_ranking, toy_sets, seed=7, permutations=200, method=method), coverage)
    table = table.set_index("term")
    for term, genes in toy_sets.items():
        assert table.loc[term, "es"] == pytest.approx(running_sum_es(toy_ranking, set(genes)), abs=1e-9)
    assert table.loc["UP", "fdr"] < 0.01 and table.loc["DOWN", "fdr"] < 0.01 and table.loc["NULL", "pvalue"] > 0.05
    if method == "multilevel":
        # Multilevel splitting resolves p-values far below 1 / permutations; the FDR is BH over the three sets.
        assert table.loc["UP", "pvalue"] < 1 / 200 and table["fwer"].isna().all()
        assert table["pvalue"].min() >= 1e-10
        ranked = table["pvalue"].sort_values()
        bh = (ranked * len(ranked) / np.arange(1, len(ranked) + 1))[::-1].cummin()[::-1].clip(upper=1)
        assert table.loc[ranked.index, "fdr"].to_numpy() == pytest.approx(bh.to_numpy(), rel=1e-9)
    else:
        assert table["fwer"].between(0, 1).all()


def test_prerank_is_identical_across_reruns_and_threads(toy_ranking, toy_sets):
    coverage = set_coverage(toy_sets, {}, toy_ranking.index, 1, 1000, 0.5)
    first = gsea_table(run_prerank(toy_ranking, toy_sets, seed=3, permutations=200, threads=1), coverage)
    again = gsea_table(run_prerank(toy_ranking, toy_sets, seed=3, permutations=200, threads=2), coverage)
    pd.testing.assert_frame_equal(first, again)
    other_seed = gsea_table(run_prerank(toy_ranking, toy_sets, seed=4, permutations=200), coverage)
    assert not first["pvalue"].equals(other_seed["pvalue"]) or not first["nes"].equals(other_seed["nes"])


def test_identifier_mismatch_names_both_kinds_of_name(toy_ranking):
    sets = {"NFKB": ["RELA", "NFKB1", "CHUK"], "HER2": ["ERBB2", "GRB7"]}
    coverage = set_coverage(sets, {}, toy_ranking.index, min_size=2, max_size=100, min_coverage=0.5)
    with pytest.raises(WorkflowInputError) as error:
        sets_to_test(sets, coverage, toy_ranking)
    message = str(error.value)
    assert message.startswith("None of the 2 gene sets can be tested: 0 of their genes were found among the 1000")
    assert "ranked names look like 'G" in message and "set genes look like 'RELA', 'NFKB1', 'ERBB2'" in message
    assert sets_to_test(sets, set_coverage(sets, {}, ["RELA", "NFKB1"], 2, 100, 0.5), toy_ranking) == {
        "NFKB": ["RELA", "NFKB1", "CHUK"]
    }


def test_no_testable_set_is_a_clear_error(toy_ranking):
    with pytest.raises(WorkflowInputError, match="No gene set has enough genes"):
        run_prerank(toy_ranking, {}, seed=1)


def test_bundled_gene_sets_are_well_formed():
    sets, sources = read_gmt_files(sorted((PROJECT / "resources" / "genesets").glob("*.gmt")))
    assert set(sets) == {
        "NFKB_CANONICAL_PATHWAY",
        "NFKB_TARGET_GENES",
        "BASAL_LIKE_UP",
        "LUMINAL_MARKERS",
        "HER2_AMPLICON_17Q12",
        "EMT_MESENCHYMAL_UP",
        "PAM50_BASAL_UP",
        "PAM50_BASAL_DOWN",
    }
    assert {"RELA", "NFKB1", "CHUK", "IKBKB", "NFKBIA"} <= set(sets["NFKB_CANONICAL_PATHWAY"])
    assert {"ERBB2", "GRB7", "STARD3", "PGAP3", "MIEN1"} <= set(sets["HER2_AMPLICON_17Q12"])
    assert {"KRT5", "KRT14", "KRT17", "EGFR"} <= set(sets["BASAL_LIKE_UP"])
    assert {"ESR1", "GATA3", "FOXA1"} <= set(sets["LUMINAL_MARKERS"])
    assert not set(sets["BASAL_LIKE_UP"]) & set(sets["LUMINAL_MARKERS"])
    readme = (PROJECT / "resources" / "genesets" / "README.md").read_text()
    for name in sets:
        assert name in readme


def test_prerank_never_touches_the_network(monkeypatch, toy_ranking, toy_sets):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("GSEA tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = run_prerank(toy_ranking, toy_sets, seed=7, permutations=100)
    assert set(result.res2d["Term"]) == set(toy_sets)


def test_log_coverage_warns_naming_low_coverage_and_dropped_sets(caplog):
    import logging

    sets = {"WELL": ["A", "B", "C", "D"], "SPARSE": ["A", "X1", "X2", "X3", "X4"], "TINY": ["A"]}
    sources = {name: "sets.gmt" for name in sets}
    coverage = set_coverage(sets, sources, ["A", "B", "C", "D"], min_size=2, max_size=100, min_coverage=0.5)
    logger = logging.getLogger("coverage-test")
    with caplog.at_level(logging.WARNING, logger="coverage-test"):
        log_coverage(coverage, logger)
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("gene set SPARSE (sets.gmt): only 1 of 5 genes (20%)") for message in messages)
    assert any(message.startswith("gene set TINY left out:") for message in messages)
    assert not any("WELL" in message for message in messages)
