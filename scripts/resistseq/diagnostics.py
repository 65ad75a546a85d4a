"""Diagnostics reviewers ask for: p-value histograms, per-gene counts, PCA scree and PC-covariate associations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from resistseq.contrasts import is_pairwise
from resistseq.plots import COLUMN_WIDTH, PAGE_WIDTH, apply_style, group_colours, record_source_data

PVALUE_BINS = 20
TOP_GENES = 12
GENE_PANEL_COLUMNS = 6
ASSOCIATED_PCS = 5
SCREE_PCS = 10


def plot_pvalue_histogram(results: pd.DataFrame, summary: pd.DataFrame, contrast: str):
    """Histogram of raw p-values, stacked: genes that kept a padj and genes independent filtering removed."""
    import matplotlib.pyplot as plt

    apply_style()
    row = summary.iloc[0]
    edges = np.linspace(0, 1, PVALUE_BINS + 1)
    kept = results.loc[results["padj"].notna() & results["pvalue"].notna(), "pvalue"]
    removed = results.loc[results["padj"].isna() & results["pvalue"].notna(), "pvalue"]
    figure, axis = plt.subplots(figsize=(COLUMN_WIDTH, 2.6))
    filtered_label = (
        f"filtered, baseMean < {row['basemean_threshold']:.3g} ({len(removed)})" if len(removed) else "filtered: none"
    )
    axis.hist(
        [kept, removed],
        bins=edges,
        stacked=True,
        color=["#0072B2", "#BBBBBB"],
        label=[f"tested ({len(kept)})", filtered_label],
        edgecolor="white",
        linewidth=0.4,
    )
    axis.set_xlim(0, 1)
    axis.set_xlabel("p-value (Wald)")
    axis.set_ylabel("genes")
    axis.set_title(f"{contrast}: {row['share_tested'] * 100:.1f}% of genes with a p-value tested")
    axis.legend(frameon=False)
    drawn = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:]})
    drawn["tested_genes"] = np.histogram(kept, bins=edges)[0]
    drawn["filtered_genes"] = np.histogram(removed, bins=edges)[0]
    drawn["basemean_threshold"] = row["basemean_threshold"]
    record_source_data(axis, drawn)
    return figure


def chosen_genes(results: pd.DataFrame, key_genes: Iterable[str], top: int = TOP_GENES) -> pd.DataFrame:
    """Rows of the declared genes (in the order given, every ID of a symbol), then the ``top`` genes by padj."""
    declared = list(dict.fromkeys(key_genes))
    named = results[results["gene_name"].isin(declared)].copy()
    named["order"] = named["gene_name"].map({name: position for position, name in enumerate(declared)})
    named = named.sort_values("order", kind="mergesort").drop(columns="order")
    best = results[results["padj"].notna()].sort_values("padj", kind="mergesort").head(top)
    return pd.concat([named, best]).drop_duplicates("gene_id")


def gene_count_levels(
    contrast: dict, samples: pd.DataFrame, colour_by: str, levels: Sequence[str]
) -> tuple[str, list[str], list[str]]:
    """The sheet column plot_gene_counts splits by, its levels in panel order, and the colour order.

    A pairwise contrast: its variable, reference then target then the other levels; the study's colours
    when it is the study's group variable. An LRT or a coefficient contrast compares no two levels:
    panels follow the study's groups.
    """
    if not is_pairwise(contrast):
        return colour_by, list(levels), list(levels)
    variable = contrast["variable"]
    order = [contrast["reference"], contrast["target"]]
    order += sorted(set(samples[variable]) - set(order))
    return variable, order, list(levels) if colour_by == variable else order


def plot_gene_counts(
    normalised: pd.DataFrame,
    samples: pd.DataFrame,
    genes: pd.DataFrame,
    variable: str,
    levels: Sequence[str],
    colour_levels: Sequence[str],
    contrast: str,
):
    """Normalised counts (+0.5, log axis, as DESeq2's plotCounts) per group, one panel per gene."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    apply_style()
    colours = group_colours(colour_levels)
    duplicated = genes["gene_name"].duplicated(keep=False)
    columns = min(GENE_PANEL_COLUMNS, max(len(genes), 1))
    rows = max(1, int(np.ceil(len(genes) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(PAGE_WIDTH, 1.75 * rows + 0.4), squeeze=False)
    order = [level for level in levels if level in set(samples[variable])]
    drawn = []
    # More panels than genes: the spare ones are hidden below.
    for axis, (_, gene), is_duplicate in zip(axes.flat, genes.iterrows(), duplicated, strict=False):
        values = normalised.loc[gene["gene_id"], samples.index] + 0.5
        for position, level in enumerate(order):
            members = samples.index[samples[variable] == level]
            # Evenly spread, fixed offsets: reruns draw the same picture.
            offsets = np.linspace(-0.15, 0.15, len(members)) if len(members) > 1 else np.zeros(1)
            axis.scatter(position + offsets, values[members], s=12, color=colours.get(level, "#000000"), linewidth=0)
            drawn.append(
                pd.DataFrame(
                    {
                        "gene_id": gene["gene_id"],
                        "gene_name": gene["gene_name"],
                        "sample": members,
                        variable: level,
                        "x": position + offsets,
                        "normalised_count_plus_half": values[members].to_numpy(dtype=float),
                        "log2FoldChange": gene["log2FoldChange"],
                        "padj": gene["padj"],
                    }
                )
            )
        axis.set_yscale("log")
        # Ticks at 1, 2 and 5 per decade: a panel spanning less than a decade still gets labels. No unlabelled
        # minor ticks (as plotCounts): on 24 panels they were a fifth of the figure's drawing time.
        axis.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.yaxis.set_minor_locator(NullLocator())
        axis.tick_params(axis="y", labelsize=6)
        axis.set_xticks(range(len(order)), order, rotation=30, ha="right")
        axis.set_xlim(-0.5, len(order) - 0.5)
        name = f"{gene['gene_name']} ({gene['gene_id']})" if is_duplicate else gene["gene_name"]
        padj = "NA" if pd.isna(gene["padj"]) else f"{gene['padj']:.2g}"
        axis.set_title(f"{name}\nlog2FC {gene['log2FoldChange']:.2f}\npadj {padj}", fontsize=6.5)
    for axis in list(axes.flat)[len(genes) :]:
        axis.set_visible(False)
    columns = ["gene_id", "gene_name", "sample", variable, "x", "normalised_count_plus_half", "log2FoldChange", "padj"]
    record_source_data(axes[0, 0], pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame(columns=columns))
    figure.supylabel("normalised count + 0.5", fontsize=8)
    figure.suptitle(f"{contrast}: declared key genes, then the top {TOP_GENES} by padj", fontsize=9)
    figure.tight_layout()
    return figure


def pc_associations(
    scores: pd.DataFrame, explained: np.ndarray, model_frame: pd.DataFrame, pcs: int = ASSOCIATED_PCS
) -> pd.DataFrame:
    """R² and F-test p-value of a linear model of each PC on each sheet column (one-way ANOVA for a factor).

    ``model_frame`` holds one column per sheet column, numbers for a continuous covariate and strings
    for a factor. Columns with one value, or a factor with a different value for every sample, are left
    out: they cannot explain anything or explain everything.
    """
    # scipy.stats' F survival function is this one; scipy.stats itself takes half a second to import.
    from scipy.special import fdtrc

    rows = []
    n = len(scores)
    for column in model_frame.columns:
        values = model_frame.loc[scores.index, column]
        numeric = pd.api.types.is_numeric_dtype(values)
        distinct = values.nunique()
        if distinct < 2 or (not numeric and distinct >= n):
            continue
        if numeric:
            design = np.column_stack([np.ones(n), values.to_numpy(dtype=float)])
        else:
            design = pd.get_dummies(values.astype(str), drop_first=True, dtype=float).to_numpy()
            design = np.column_stack([np.ones(n), design])
        rank = np.linalg.matrix_rank(design)
        for index, pc in enumerate(scores.columns[:pcs]):
            y = scores[pc].to_numpy(dtype=float)
            coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
            residual = float(np.sum((y - design @ coefficients) ** 2))
            total = float(np.sum((y - y.mean()) ** 2))
            r2 = 1.0 - residual / total if total > 0 else float("nan")
            df_model, df_residual = rank - 1, n - rank
            if df_residual > 0 and residual > 0:
                f = (r2 / df_model) / ((1.0 - r2) / df_residual)
                pvalue = float(fdtrc(df_model, df_residual, f))
            else:
                pvalue = float("nan")
            rows.append(
                {
                    "pc": pc,
                    "variance_explained": float(explained[index]),
                    "column": column,
                    "type": "continuous" if numeric else "factor",
                    "levels": int(distinct),
                    "r_squared": r2,
                    "pvalue": pvalue,
                }
            )
    return pd.DataFrame(rows, columns=["pc", "variance_explained", "column", "type", "levels", "r_squared", "pvalue"])


def plot_scree(explained: np.ndarray, top: int, pcs: int = SCREE_PCS):
    """Variance explained per PC (bars) and cumulated (line)."""
    import matplotlib.pyplot as plt

    apply_style()
    shown = explained[: min(pcs, len(explained))] * 100
    positions = np.arange(1, len(shown) + 1)
    figure, axis = plt.subplots(figsize=(COLUMN_WIDTH, 2.4))
    axis.bar(positions, shown, color="#0072B2", width=0.7, label="per PC")
    axis.plot(positions, np.cumsum(shown), color="#D55E00", marker="o", markersize=3, label="cumulative")
    for position, value in zip(positions, shown, strict=True):
        axis.annotate(f"{value:.0f}", (position, value), ha="center", va="bottom", fontsize=6)
    axis.set_xticks(positions, [f"PC{p}" for p in positions])
    axis.set_ylim(0, 105)
    axis.set_ylabel("variance explained (%)")
    axis.set_title(f"PCA scree ({top} most variable genes, VST)")
    axis.legend(frameon=False, loc="center right")
    drawn = pd.DataFrame({"pc": [f"PC{p}" for p in positions], "variance_explained_percent": shown})
    record_source_data(axis, drawn.assign(cumulative_percent=np.cumsum(shown)))
    return figure


def plot_pc_associations(associations: pd.DataFrame):
    """Heatmap of R² (rows: sheet columns, columns: PCs), each cell annotated with R² and p-value."""
    import matplotlib.pyplot as plt

    apply_style()
    r2 = associations.pivot(index="column", columns="pc", values="r_squared")
    pvalues = associations.pivot(index="column", columns="pc", values="pvalue")
    pcs = list(dict.fromkeys(associations["pc"]))
    columns = list(dict.fromkeys(associations["column"]))
    r2, pvalues = r2.loc[columns, pcs], pvalues.loc[columns, pcs]
    explained = associations.drop_duplicates("pc").set_index("pc")["variance_explained"]
    figure, axis = plt.subplots(figsize=(COLUMN_WIDTH, 0.5 + 0.45 * max(len(columns), 1)))
    image = axis.imshow(r2.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(len(columns)):
        for j in range(len(pcs)):
            value, pvalue = r2.iat[i, j], pvalues.iat[i, j]
            text = f"{value:.2f}\np={pvalue:.2g}" if np.isfinite(pvalue) else f"{value:.2f}"
            axis.text(j, i, text, ha="center", va="center", fontsize=6, color="white" if value > 0.6 else "black")
    axis.set_xticks(range(len(pcs)), [f"{pc}\n{explained[pc] * 100:.0f}%" for pc in pcs])
    axis.set_yticks(range(len(columns)), columns)
    axis.set_title("Sheet columns vs principal components (R²)")
    figure.colorbar(image, ax=axis, label="R²", fraction=0.05)
    drawn = r2.rename_axis(index="column", columns="pc").stack(future_stack=True).rename("r_squared").reset_index()
    drawn["pvalue"] = pvalues.stack(future_stack=True).to_numpy()
    drawn["variance_explained"] = drawn["pc"].map(explained).to_numpy()
    record_source_data(axis, drawn)
    return figure
