"""Per-sample gene-set scores (ssGSEA and z-score mean) and the effect size of a between-group shift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SCORE_COLUMNS = ["sample", "group", "gene_set", "method", "score", "n_genes"]


def expression_by_symbol(matrix: pd.DataFrame, gene_names: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Genes x samples indexed by symbol, and the gene IDs dropped for duplicate symbols.

    ``matrix`` is indexed by gene_id; ``gene_names`` maps gene_id -> symbol (a missing
    symbol falls back to the ID). A duplicated symbol keeps its most highly expressed
    ID (largest mean; ties: the smaller gene_id), so the result never depends on row order.
    """
    names = gene_names.replace("", np.nan).reindex(matrix.index)
    names = names.where(names.notna(), pd.Series(matrix.index, index=matrix.index)).astype(str)
    order = pd.DataFrame(
        {"gene_id": matrix.index.to_numpy(), "gene_name": names.to_numpy(), "mean": matrix.mean(axis=1).to_numpy()}
    )
    order = order.sort_values(["gene_name", "mean", "gene_id"], ascending=[True, False, True], kind="mergesort")
    duplicated = order["gene_name"].duplicated(keep="first")
    kept = order[~duplicated]
    by_symbol = matrix.loc[kept["gene_id"]].copy()
    by_symbol.index = pd.Index(kept["gene_name"].to_numpy(), name="gene_name")
    return by_symbol.sort_index(kind="mergesort"), order[duplicated][["gene_name", "gene_id"]].reset_index(drop=True)


def read_vst_by_symbol(vst_path, annotation_path, sheet_path, variable: str, logger) -> tuple[pd.DataFrame, dict]:
    """The VST table with gene symbols as rows (duplicates logged), and each sample's group in ``variable``."""
    from resistseq.validation import read_sample_sheet

    vst = pd.read_csv(vst_path, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    annotation = pd.read_csv(annotation_path, sep="\t", dtype=str, keep_default_na=False)
    samples = read_sample_sheet(sheet_path)
    groups = dict(zip(samples["sample"], samples[variable], strict=True))
    expression, collapsed = expression_by_symbol(vst, annotation.set_index("gene_id")["gene_name"])
    for entry in collapsed.itertuples(index=False):
        logger.info("duplicate symbol %s: dropped %s (lower mean VST)", entry.gene_name, entry.gene_id)
    return expression, groups


def zscore_scores(expression: pd.DataFrame, gene_sets: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Mean over a set's genes of each gene's z-score across samples (sample SD, ddof=1).

    Genes with no variance across samples carry no information and are left out;
    ``n_genes`` counts the genes that were averaged.
    """
    deviation = expression.std(axis=1, ddof=1)
    usable = expression[deviation > 0]
    zscores = usable.sub(usable.mean(axis=1), axis=0).div(deviation[deviation > 0], axis=0)
    frames = []
    for name, genes in gene_sets.items():
        found = [gene for gene in dict.fromkeys(genes) if gene in zscores.index]
        score = zscores.loc[found].mean(axis=0) if found else pd.Series(np.nan, index=expression.columns)
        frames.append(
            pd.DataFrame(
                {"sample": expression.columns, "gene_set": name, "score": score.to_numpy(), "n_genes": len(found)}
            )
        )
    return pd.concat(frames, ignore_index=True)


def ssgsea_scores(
    expression: pd.DataFrame,
    gene_sets: Mapping[str, Sequence[str]],
    seed: int,
    weight: float = 0.25,
    threads: int = 1,
) -> pd.DataFrame:
    """gseapy single-sample GSEA enrichment score (ES, not range-normalised) per sample and set.

    The unnormalised ES is reported because gseapy's NES divides by the range over
    all sets and samples, so it would change when a user adds an unrelated GMT file.
    """
    import gseapy

    present = set(expression.index)
    sizes = {name: len(set(genes) & present) for name, genes in gene_sets.items()}
    result = gseapy.ssgsea(
        data=expression,
        gene_sets={name: list(genes) for name, genes in gene_sets.items()},
        outdir=None,
        sample_norm_method="rank",
        min_size=min(sizes.values()),
        max_size=max(sizes.values()),
        permutation_num=0,
        weight=weight,
        threads=threads,
        seed=seed,
        no_plot=True,
        verbose=False,
    )
    raw = result.res2d
    table = pd.DataFrame(
        {
            "sample": raw["Name"].astype(str),
            "gene_set": raw["Term"].astype(str),
            "score": raw["ES"].astype(float),
        }
    )
    table["n_genes"] = table["gene_set"].map(sizes).astype(int)
    return table


def long_scores(frames: Mapping[str, pd.DataFrame], groups: Mapping[str, str], samples: Sequence[str]) -> pd.DataFrame:
    """Scores of several methods in the long format, sorted by gene set, method, then sample order."""
    table = pd.concat([frame.assign(method=method) for method, frame in frames.items()], ignore_index=True)
    table["group"] = table["sample"].map(groups)
    position = {sample: index for index, sample in enumerate(samples)}
    table["position"] = table["sample"].map(position)
    table = table.sort_values(["gene_set", "method", "position"], kind="mergesort")
    return table[SCORE_COLUMNS].reset_index(drop=True)


def signature_scores(
    expression: pd.DataFrame,
    gene_sets: Mapping[str, Sequence[str]],
    groups: Mapping[str, str],
    seed: int,
    weight: float = 0.25,
    threads: int = 1,
) -> pd.DataFrame:
    """ssGSEA and z-score-mean scores of every set in the long format; the header alone when no set is given."""
    if not gene_sets:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    frames = {
        "ssgsea": ssgsea_scores(expression, gene_sets, seed=seed, weight=weight, threads=threads),
        "zscore": zscore_scores(expression, gene_sets),
    }
    return long_scores(frames, groups, list(expression.columns))


def hedges_g(target: Sequence[float], reference: Sequence[float]) -> float:
    """Hedges' g of target minus reference: Cohen's d with the pooled SD, times J = 1 - 3 / (4 (n1 + n2) - 9).

    NaN with fewer than two values in a group or no variance within groups.
    """
    first = np.asarray(target, dtype=float)
    second = np.asarray(reference, dtype=float)
    first, second = first[np.isfinite(first)], second[np.isfinite(second)]
    n1, n2 = len(first), len(second)
    if n1 < 2 or n2 < 2:
        return float("nan")
    pooled = np.sqrt(((n1 - 1) * first.var(ddof=1) + (n2 - 1) * second.var(ddof=1)) / (n1 + n2 - 2))
    if pooled == 0:
        return float("nan")
    correction = 1 - 3 / (4 * (n1 + n2) - 9)
    return float(correction * (first.mean() - second.mean()) / pooled)
