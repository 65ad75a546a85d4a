"""Preranked GSEA with gseapy on the DESeq2 Wald statistic, offline and seeded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from resistseq.errors import WorkflowInputError

GSEA_COLUMNS = [
    "term",
    "es",
    "nes",
    "pvalue",
    "fdr",
    "fwer",
    "size",
    "set_size",
    "share_found",
    "leading_edge",
    "source",
]
RUNNING_COLUMNS = ["term", "position", "gene_name", "score", "running_es", "hit"]


@dataclass
class Ranking:
    """Genes by symbol ordered by the ranking statistic (largest first), and the duplicates removed."""

    scores: pd.Series
    collapsed: pd.DataFrame = field(default_factory=pd.DataFrame)
    dropped_missing: int = 0


def rank_genes(results: pd.DataFrame, statistic: str = "stat") -> Ranking:
    """Rank genes by symbol on ``statistic``; duplicate symbols keep the largest |statistic|.

    Ties in |statistic| between duplicates go to the smaller gene_id, and ties in
    the ranking are ordered by symbol, so the ranking never depends on row order.
    """
    from resistseq.ordering import sort_order

    table = results[["gene_id", "gene_name", statistic]].copy()
    table["gene_name"] = table["gene_name"].fillna(table["gene_id"]).astype(str)
    values = table[statistic].astype(float).to_numpy()
    usable = np.flatnonzero(np.isfinite(values))
    values = values[usable]
    symbols = table["gene_name"].to_numpy()[usable]
    gene_ids = table["gene_id"].to_numpy()[usable]
    by_symbol = sort_order([symbols, np.abs(values), gene_ids], [True, False, True])
    duplicated = pd.Series(symbols[by_symbol]).duplicated(keep="first").to_numpy()
    collapsed = table.iloc[usable[by_symbol[duplicated]]][["gene_name", "gene_id", statistic]].reset_index(drop=True)
    kept = by_symbol[~duplicated]
    kept = kept[sort_order([values[kept], symbols[kept]], [False, True])]
    scores = pd.Series(values[kept], index=pd.Index(symbols[kept], name="gene_name", dtype=object))
    return Ranking(scores=scores, collapsed=collapsed, dropped_missing=len(table) - len(usable))


def sets_to_test(
    sets: Mapping[str, list[str]], coverage: pd.DataFrame, ranking: pd.Series, kind: str = "ranked"
) -> dict[str, list[str]]:
    """The sets whose coverage status is 'tested'; an error only when no set gene is in the data at all.

    No gene of any set among the ranked genes almost always means the gene sets and the
    data use different identifiers (symbols against Ensembl IDs), so the message shows
    both; ``kind`` names the genes ('ranked' for GSEA, 'scored' for signatures). When genes
    are found but the size limits drop every set, the answer is an empty dict: a legitimate
    result that the caller reports (``resistseq.genesets.dropped_statement``); so is an empty ranking
    (no gene has a statistic).
    """
    tested = {name: sets[name] for name in coverage.loc[coverage["status"] == "tested", "term"]}
    if tested or int(coverage["genes_found"].sum()) > 0 or len(ranking) == 0:
        return tested
    set_genes = [gene for genes in sets.values() for gene in genes[:2]][:3]
    raise WorkflowInputError(
        f"None of the {len(sets)} gene sets can be tested: {int(coverage['genes_found'].sum())} of their genes "
        f"were found among the {len(ranking)} {kind} genes ({kind} names look like "
        f"{', '.join(map(repr, list(ranking.index[:3])))}; set genes look like {', '.join(map(repr, set_genes))}). "
        "Give gene symbols through a gene_name column in quantification.tx2gene or through "
        "quantification.gene_annotation, or lower enrichment.min_size. The rule's log lists every set's coverage."
    )


def run_prerank(
    ranking: pd.Series,
    gene_sets: Mapping[str, list[str]],
    seed: int,
    permutations: int = 1000,
    weight: float = 1.0,
    threads: int = 1,
    method: str = "multilevel",
    logger=None,
    pvalue_floor: float = 1e-10,
):
    """gseapy.prerank on a dict of sets already filtered by size (so gseapy drops none).

    ``ranking`` is used in its own order (``ascending=None``): gseapy's own sort would order ties
    unstably, while ``rank_genes`` orders them by symbol. ``method`` is gseapy's: 'multilevel' (its
    port of fgsea: ``permutations`` simple permutations normalise ES to NES, p-values come from
    adaptive multilevel splitting, FDR is BH) or 'permutation' (classic GSEA gene-set permutation).
    Where the multilevel method cannot score the ranking, permutation runs instead: the returned
    object's ``method`` says which ran. The multilevel method reports p-values below ``pvalue_floor``
    (fgsea's ``eps``) as that bound: its cost grows with -log p, and no threshold reads below it.
    """
    import gseapy

    if not gene_sets:
        raise WorkflowInputError(
            "No gene set has enough genes in the data to be tested. Check that the gene sets use "
            "the same gene symbols as the annotation, or lower enrichment.min_size."
        )
    ranked = set(ranking.index)
    sizes = [len(ranked.intersection(genes)) for genes in gene_sets.values()]
    arguments = dict(
        rnk=ranking,
        gene_sets=dict(gene_sets),
        min_size=min(sizes),
        max_size=max(sizes),
        permutation_num=permutations,
        weight=weight,
        ascending=None,
        threads=threads,
        seed=seed,
        outdir=None,
        no_plot=True,
        verbose=False,
    )
    try:
        result = gseapy.prerank(**arguments, method=method, eps=pvalue_floor)
    except BaseException as error:
        # gseapy's fgsea port panics (a Rust sort) on rankings where most statistics tie, e.g. the zeros of
        # an lfc_threshold contrast; the classic permutation handles ties. The result's .method says which ran.
        if method != "multilevel" or type(error).__name__ != "PanicException":
            raise
        if logger is not None:
            logger.warning(
                "GSEA: the multilevel method failed on this ranking (%s; %d of %d statistics tie); "
                "classic permutation p-values used instead",
                error,
                int(ranking.duplicated().sum()),
                len(ranking),
            )
        result = gseapy.prerank(**arguments, method="permutation")
    returned = set(result.res2d["Term"])
    if returned != set(gene_sets):
        raise RuntimeError(f"gseapy did not test sets {sorted(set(gene_sets) - returned)}")
    return result


def gsea_table(prerank_result, coverage: pd.DataFrame) -> pd.DataFrame:
    """gseapy's results with stable names, sizes and coverage; sorted by p-value, then |NES|, then term.

    ``prerank_result`` None (no set could be tested) gives the table's header and no row.
    """
    if prerank_result is None:
        return pd.DataFrame(columns=GSEA_COLUMNS)
    raw = prerank_result.res2d
    details = prerank_result.results
    table = pd.DataFrame(
        {
            "term": raw["Term"].astype(str),
            "es": raw["ES"].astype(float),
            "nes": raw["NES"].astype(float),
            "pvalue": raw["NOM p-val"].astype(float),
            "fdr": raw["FDR q-val"].astype(float),
            # The multilevel method gives no family-wise error rate.
            "fwer": raw["FWER p-val"].astype(float) if "FWER p-val" in raw else np.nan,
        }
    )
    table["size"] = [len(details[term]["hits"]) for term in table["term"]]
    table["leading_edge"] = [";".join(sorted(str(details[term]["lead_genes"]).split(";"))) for term in table["term"]]
    info = coverage.set_index("term")
    table["set_size"] = info.loc[table["term"], "set_size"].to_numpy()
    table["share_found"] = info.loc[table["term"], "share_found"].to_numpy()
    table["source"] = info.loc[table["term"], "source"].to_numpy()
    table["abs_nes"] = table["nes"].abs()
    table = table.sort_values(["pvalue", "abs_nes", "term"], ascending=[True, False, True], kind="mergesort")
    return table[GSEA_COLUMNS].reset_index(drop=True)


def running_scores(prerank_result, ranking: pd.Series, terms: list[str]) -> pd.DataFrame:
    """Running enrichment score along the ranking for ``terms`` (long format, for plots); none without a result."""
    frames = []
    if prerank_result is None:
        terms = []
    positions = np.arange(len(ranking))
    for term in terms:
        if term not in prerank_result.results:
            continue
        detail = prerank_result.results[term]
        hit = np.zeros(len(ranking), dtype=bool)
        hit[np.asarray(detail["hits"], dtype=int)] = True
        frames.append(
            pd.DataFrame(
                {
                    "term": term,
                    "position": positions,
                    "gene_name": ranking.index.to_numpy(),
                    "score": ranking.to_numpy(),
                    "running_es": np.asarray(detail["RES"], dtype=float),
                    "hit": hit,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=RUNNING_COLUMNS)
    return pd.concat(frames, ignore_index=True)
