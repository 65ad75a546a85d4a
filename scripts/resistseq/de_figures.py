"""Per-contrast result figures: z-score heatmaps of top DE genes and gene sets, enrichment dot plot."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from resistseq.plots import (
    COLUMN_WIDTH,
    apply_style,
    group_colours,
    record_source_data,
    sample_order,
    zscore_table,
)

MAX_HEATMAP_GENES = 60


def zscores(vst: pd.DataFrame) -> pd.DataFrame:
    """Row-wise z-scores (sample SD); genes with no spread get 0."""
    values = vst.to_numpy(dtype=float)
    spread = values.std(axis=1, ddof=1, keepdims=True)
    centred = values - values.mean(axis=1, keepdims=True)
    scaled = np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 0)
    return pd.DataFrame(scaled, index=vst.index, columns=vst.columns)


def draw_zscore_heatmap(
    figure,
    spec,
    matrix: pd.DataFrame,
    samples: pd.DataFrame,
    colour_by: str,
    levels: Sequence[str],
    title: str,
    row_groups: Sequence[str] | None = None,
    colourbar: bool = True,
    empty_text: str = "no genes to show",
):
    """A z-score heatmap in ``spec`` with a group-colour strip above it; returns the heatmap's axis."""
    inner = spec.subgridspec(2, 1, height_ratios=[0.5, max(len(matrix), 1)], hspace=0.04)
    strip = figure.add_subplot(inner[0])
    axis = figure.add_subplot(inner[1])
    colours = group_colours(levels)
    columns = list(matrix.columns)
    strip.imshow(
        [[matplotlib.colors.to_rgb(colours.get(samples.loc[s, colour_by], "#000000")) for s in columns]],
        aspect="auto",
    )
    strip.set_xticks([])
    strip.set_yticks([0], [colour_by])
    for side in strip.spines.values():
        side.set_visible(False)
    strip.set_title(title, fontsize=8)
    handles = [matplotlib.patches.Patch(color=colours[level], label=level) for level in levels]
    strip.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), frameon=False, fontsize=6)
    if matrix.empty:
        axis.set_xticks(range(len(columns)), columns, rotation=90)
        axis.set_yticks([])
        axis.text(0.5, 0.5, empty_text, ha="center", va="center", transform=axis.transAxes)
        record_source_data(axis, zscore_table(matrix, samples, colour_by, row_groups))
        return axis
    image = axis.imshow(
        matrix.to_numpy(dtype=float), aspect="auto", cmap="RdBu_r", vmin=-2, vmax=2, interpolation="nearest"
    )
    axis.set_xticks(range(len(columns)), columns, rotation=90)
    axis.set_yticks(range(len(matrix)), matrix.index, fontsize=max(4, min(7, int(300 / max(len(matrix), 1)))))
    if row_groups is not None:
        boundaries = [i for i in range(1, len(row_groups)) if row_groups[i] != row_groups[i - 1]]
        for boundary in boundaries:
            axis.axhline(boundary - 0.5, color="white", linewidth=1.5)
        for start in [0, *boundaries]:
            axis.annotate(row_groups[start], (1.02, start), xycoords=("axes fraction", "data"), fontsize=6, va="top")
    if colourbar:
        bar = figure.colorbar(image, ax=axis, fraction=0.04, pad=0.02 if row_groups is None else 0.25, shrink=0.8)
        bar.set_label("VST z-score")
    record_source_data(axis, zscore_table(matrix, samples, colour_by, row_groups))
    return axis


def top_de_matrix(results: pd.DataFrame, vst: pd.DataFrame, top: int) -> pd.DataFrame:
    """Z-scores of the ``top`` genes by adjusted p-value, ordered from most up to most down; rows named by symbol."""
    tested = results[results["padj"].notna() & results["gene_id"].isin(vst.index)]
    chosen = tested.sort_values(["padj", "pvalue", "gene_id"], kind="mergesort").head(top)
    chosen = chosen.sort_values(["log2FoldChange", "gene_id"], ascending=[False, True], kind="mergesort")
    matrix = zscores(vst.loc[chosen["gene_id"]])
    matrix.index = chosen["gene_name"].where(chosen["gene_name"].notna(), chosen["gene_id"]).to_numpy()
    return matrix


def plot_top_de_heatmap(
    results: pd.DataFrame,
    vst: pd.DataFrame,
    samples: pd.DataFrame,
    colour_by: str,
    levels: Sequence[str],
    contrast_label: str,
    top: int,
    alpha: float,
):
    apply_style()
    order = sample_order(samples, colour_by, levels, list(vst.columns))
    matrix = top_de_matrix(results, vst[order], top)
    significant = int((results["padj"] < alpha).sum())
    figure = plt.figure(figsize=(COLUMN_WIDTH + 0.6, max(2.5, 0.11 * len(matrix) + 1.6)))
    grid = figure.add_gridspec(1, 1)
    if significant:
        title = f"{contrast_label}: top {len(matrix)} genes by padj\n({significant} with padj < {alpha}; VST z-scores)"
    elif len(matrix):
        title = (
            f"{contrast_label}: no gene at padj < {alpha}\n{len(matrix)} genes with the smallest padj (VST z-scores)"
        )
    else:
        title = f"{contrast_label}: no gene at padj < {alpha}"
    empty_text = "no gene has an adjusted p-value"
    draw_zscore_heatmap(figure, grid[0], matrix, samples, colour_by, levels, title, empty_text=empty_text)
    return figure


def geneset_matrix(
    vst: pd.DataFrame, annotation: pd.DataFrame, genes: Sequence[str], limit: int = MAX_HEATMAP_GENES
) -> tuple[pd.DataFrame, list[str], int]:
    """Z-scores of a set's genes found in the data (the ``limit`` most variable), rows clustered.

    Returns the matrix, the set's genes not in the data, and how many found genes were left out by ``limit``.
    """
    by_name = annotation.drop_duplicates("gene_name").set_index("gene_name")["gene_id"]
    found = [gene for gene in genes if gene in by_name.index and by_name[gene] in vst.index]
    missing = [gene for gene in genes if gene not in found]
    values = vst.loc[[by_name[gene] for gene in found]]
    values.index = found
    variances = values.var(axis=1, ddof=1)
    kept = variances.sort_values(ascending=False, kind="mergesort").index[:limit]
    matrix = zscores(values.loc[sorted(kept)])
    if len(matrix) > 2:
        from scipy.cluster import hierarchy  # here only: the other figures need no scipy

        linkage = hierarchy.linkage(matrix.to_numpy(), method="average", optimal_ordering=True)
        matrix = matrix.iloc[hierarchy.leaves_list(linkage)]
    return matrix, missing, len(found) - len(matrix)


def plot_geneset_heatmap(
    vst: pd.DataFrame,
    annotation: pd.DataFrame,
    samples: pd.DataFrame,
    colour_by: str,
    levels: Sequence[str],
    name: str,
    genes: Sequence[str] | None,
):
    apply_style()
    order = sample_order(samples, colour_by, levels, list(vst.columns))
    if genes is None:
        matrix, missing, dropped = pd.DataFrame(columns=order), [], 0
        title = f"{name}: not in the gene-set files"
    else:
        matrix, missing, dropped = geneset_matrix(vst[order], annotation, genes)
        title = f"{name}: {len(matrix)} of {len(genes)} genes (VST z-scores)"
        if dropped:
            title += f"\n{dropped} less variable genes not shown"
        if missing:
            title += f"\nnot in data: {', '.join(missing[:6])}{' …' if len(missing) > 6 else ''}"
    figure = plt.figure(figsize=(COLUMN_WIDTH + 0.6, max(2.5, 0.11 * len(matrix) + 1.8)))
    grid = figure.add_gridspec(1, 1)
    draw_zscore_heatmap(figure, grid[0], matrix, samples, colour_by, levels, title)
    return figure


def top_enriched(gsea: pd.DataFrame, top: int) -> pd.DataFrame:
    """The ``top`` sets by FDR (then |NES|, then name), ordered by NES for plotting."""
    ranked = gsea.assign(abs_nes=gsea["nes"].abs()).sort_values(
        ["fdr", "abs_nes", "term"], ascending=[True, False, True], kind="mergesort"
    )
    return ranked.head(top).sort_values(["nes", "term"], kind="mergesort").drop(columns="abs_nes")


def plot_enrichment_dots(gsea: pd.DataFrame, contrast_label: str, top: int, fdr_floor: float = 1e-4, fdr: float = 0.05):
    """Dot plot: NES on x, one row per set, dot area by set size, colour by -log10 FDR.

    The title says how many sets pass ``fdr``, and plainly when none does.
    """
    apply_style()
    chosen = top_enriched(gsea, top)
    figure, axis = plt.subplots(figsize=(COLUMN_WIDTH + 0.8, max(2.0, 0.22 * len(chosen) + 1.2)))
    if chosen.empty:
        axis.text(
            0.5,
            0.5,
            "no gene set was tested\n(geneset_coverage.tsv says why)",
            ha="center",
            va="center",
            transform=axis.transAxes,
        )
        axis.set_axis_off()
        axis.set_title(f"{contrast_label}: enriched gene sets")
        record_source_data(axis, pd.DataFrame(columns=["row", "term", "nes", "fdr", "neg_log10_fdr_floored", "size"]))
        return figure
    colour = -np.log10(chosen["fdr"].clip(lower=fdr_floor))
    sizes = chosen["size"].to_numpy(dtype=float)
    points = axis.scatter(
        chosen["nes"],
        range(len(chosen)),
        s=12 + 80 * sizes / sizes.max(),
        c=colour,
        cmap="viridis",
        vmin=0,
        vmax=-np.log10(fdr_floor),
        edgecolor="#333333",
        linewidth=0.4,
    )
    drawn = chosen[["term", "nes", "fdr"]].assign(neg_log10_fdr_floored=colour, size=sizes)
    record_source_data(axis, drawn.assign(row=range(len(chosen)))[["row", *drawn.columns]])
    axis.axvline(0, color="#666666", linewidth=0.5)
    axis.set_yticks(range(len(chosen)), chosen["term"])
    axis.set_xlabel("normalised enrichment score (NES)")
    passing = int((gsea["fdr"] < fdr).sum())
    found = f"{passing} of {len(gsea)} sets with FDR < {fdr}" if passing else f"no gene set with FDR < {fdr}"
    axis.set_title(f"{contrast_label}: top {len(chosen)} gene sets by FDR\n({found})")
    bar = figure.colorbar(points, ax=axis, fraction=0.05, pad=0.03)
    bar.set_label(f"-log10 FDR (FDR < {fdr_floor:g} shown as {fdr_floor:g})")
    legend_sizes = sorted({int(sizes.min()), int(np.median(sizes)), int(sizes.max())})
    handles = [
        axis.scatter([], [], s=12 + 80 * size / sizes.max(), color="#999999", edgecolor="#333333", linewidth=0.4)
        for size in legend_sizes
    ]
    axis.legend(
        handles,
        [str(size) for size in legend_sizes],
        title="set size",
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.35, 1.0),
    )
    return figure
