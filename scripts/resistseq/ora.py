"""Over-representation analysis of up- and down-regulated genes against the tested genes (hypergeometric)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, hypergeom

ORA_COLUMNS = [
    "direction",
    "term",
    "overlap",
    "set_size",
    "n_selected",
    "background",
    "odds_ratio",
    "pvalue",
    "padj",
    "genes",
    "source",
]


def background_by_symbol(results: pd.DataFrame) -> pd.DataFrame:
    """One row per gene symbol among the genes DESeq2 tested (those with an adjusted p-value).

    A symbol with several gene IDs keeps the ID with the largest |stat| (ties: the
    smaller gene_id), the rule the GSEA ranking uses, so both methods see the same genes.
    """
    table = results[["gene_id", "gene_name", "log2FoldChange", "stat", "padj"]].copy()
    table["gene_name"] = table["gene_name"].fillna(table["gene_id"]).astype(str)
    table = table[np.isfinite(table["padj"].astype(float))].copy()
    table["magnitude"] = table["stat"].abs()
    table = table.sort_values(["gene_name", "magnitude", "gene_id"], ascending=[True, False, True], kind="mergesort")
    table = table[~table["gene_name"].duplicated(keep="first")]
    return table.drop(columns="magnitude").set_index("gene_name")


def select_genes(tested: pd.DataFrame, alpha: float, lfc_threshold: float) -> dict[str, list[str]]:
    """Up and down genes: padj < alpha and |log2FoldChange| > lfc_threshold (MLE fold change)."""
    significant = tested["padj"] < alpha
    return {
        "up": sorted(tested.index[significant & (tested["log2FoldChange"] > lfc_threshold)]),
        "down": sorted(tested.index[significant & (tested["log2FoldChange"] < -lfc_threshold)]),
    }


def odds_ratio(overlap: int, set_size: int, n_selected: int, background: int) -> float:
    """Sample odds ratio of the 2x2 table (in set / selected); inf or NaN where a margin is empty."""
    a = overlap
    b = n_selected - overlap
    c = set_size - overlap
    d = background - set_size - n_selected + overlap
    if b * c == 0:
        return float("inf") if a * d > 0 else float("nan")
    return (a * d) / (b * c)


def hypergeometric_test(
    selected: Sequence[str], background: Sequence[str], gene_sets: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """One-sided hypergeometric P(overlap >= observed) per set, within ``background``.

    Set and selected genes outside the background are ignored; ``set_size`` is the
    number of the set's genes in the background.
    """
    universe = set(background)
    chosen = set(selected) & universe
    rows = []
    for term, genes in gene_sets.items():
        members = set(genes) & universe
        hits = sorted(members & chosen)
        rows.append(
            {
                "term": term,
                "overlap": len(hits),
                "set_size": len(members),
                "n_selected": len(chosen),
                "background": len(universe),
                "odds_ratio": odds_ratio(len(hits), len(members), len(chosen), len(universe)),
                # sf(k - 1) = P(X >= k); X ~ hypergeom(M=background, n=set size, N=selected)
                "pvalue": float(hypergeom.sf(len(hits) - 1, len(universe), len(members), len(chosen))),
                "genes": ";".join(hits),
            }
        )
    columns = ["term", "overlap", "set_size", "n_selected", "background", "odds_ratio", "pvalue", "genes"]
    table = pd.DataFrame(rows, columns=columns)
    table["pvalue"] = table["pvalue"].astype(float).clip(upper=1.0)
    table["padj"] = false_discovery_control(table["pvalue"].to_numpy(), method="bh") if rows else []
    return table


def ora_table(
    tested: pd.DataFrame,
    gene_sets: Mapping[str, Sequence[str]],
    sources: Mapping[str, str],
    alpha: float,
    lfc_threshold: float,
) -> pd.DataFrame:
    """ORA of up and of down genes (BH within each direction); sorted by direction, p-value, term."""
    selection = select_genes(tested, alpha, lfc_threshold)
    frames = []
    for direction in ("up", "down"):
        table = hypergeometric_test(selection[direction], list(tested.index), gene_sets)
        table.insert(0, "direction", direction)
        frames.append(table.sort_values(["pvalue", "term"], kind="mergesort"))
    table = pd.concat(frames, ignore_index=True)
    table["source"] = [sources.get(term, "") for term in table["term"]]
    return table[ORA_COLUMNS]
