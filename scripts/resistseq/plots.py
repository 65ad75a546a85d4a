"""Figures: one house style, colour-blind-safe, written byte-identically on reruns."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from resistseq.runtime import atomic_path  # noqa: E402

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
NOT_SIGNIFICANT = "#BBBBBB"
UP = "#D55E00"
DOWN = "#0072B2"

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 300,
    "svg.hashsalt": "resistseq",
    "pdf.fonttype": 42,
}


def apply_style() -> None:
    plt.rcParams.update(STYLE)


def group_colours(levels: Sequence[str]) -> dict[str, str]:
    """The same colour for the same group in every figure: levels in the given order."""
    return {level: OKABE_ITO[index % len(OKABE_ITO)] for index, level in enumerate(levels)}


def save_figure(figure, pdf_path: str | os.PathLike, png_path: str | os.PathLike) -> None:
    """PDF and 300-dpi PNG without creation dates, so reruns give identical bytes."""
    for path, metadata in ((pdf_path, {"CreationDate": None, "Producer": None}), (png_path, {"Software": None})):
        with atomic_path(path) as temporary:
            figure.savefig(temporary, format=str(path).rsplit(".", 1)[-1], metadata=metadata, bbox_inches="tight")
    plt.close(figure)


def pca(vst: pd.DataFrame, top: int = 500) -> tuple[pd.DataFrame, np.ndarray]:
    """PCA of the ``top`` most variable genes (as DESeq2's plotPCA): scores and variance explained."""
    variances = vst.var(axis=1, ddof=1)
    chosen = variances.sort_values(ascending=False, kind="mergesort").index[: min(top, len(variances))]
    matrix = vst.loc[chosen].T.to_numpy(dtype=float)
    centred = matrix - matrix.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    scores = u * s
    # Fix each component's sign (largest |loading| positive) so reruns draw the same picture.
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), np.arange(scores.shape[1])])
    signs[signs == 0] = 1
    scores = scores * signs
    explained = s**2 / np.sum(s**2)
    frame = pd.DataFrame(scores, index=vst.columns, columns=[f"PC{i + 1}" for i in range(scores.shape[1])])
    return frame, explained


def plot_pca(vst: pd.DataFrame, samples: pd.DataFrame, colour_by: str, levels: Sequence[str], top: int = 500):
    apply_style()
    scores, explained = pca(vst, top)
    colours = group_colours(levels)
    figure, axis = plt.subplots(figsize=(3.5, 3.0))
    for level in levels:
        members = samples.index[samples[colour_by] == level]
        axis.scatter(
            scores.loc[members, "PC1"],
            scores.loc[members, "PC2"] if "PC2" in scores else np.zeros(len(members)),
            color=colours[level],
            label=level,
            s=30,
            edgecolor="white",
            linewidth=0.5,
        )
    for sample in scores.index:
        axis.annotate(
            sample,
            (scores.loc[sample, "PC1"], scores.loc[sample].get("PC2", 0.0)),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    axis.set_xlabel(f"PC1 ({explained[0] * 100:.1f}% variance)")
    axis.set_ylabel(f"PC2 ({explained[1] * 100:.1f}% variance)" if len(explained) > 1 else "PC2")
    axis.set_title(f"PCA of VST counts ({min(top, len(vst))} most variable genes)")
    axis.legend(title=colour_by, frameon=False)
    return figure


def _labelled(results: pd.DataFrame, label_genes: Iterable[str], top: int = 10) -> pd.DataFrame:
    wanted = set(label_genes)
    named = results[results["gene_name"].isin(wanted) & results["padj"].notna()]
    best = results[results["padj"].notna()].head(top)
    return pd.concat([best, named]).drop_duplicates("gene_id")


def _significance_colours(results: pd.DataFrame, alpha: float, lfc_threshold: float) -> np.ndarray:
    significant = (results["padj"] < alpha).to_numpy()
    lfc = results["log2FoldChange"].to_numpy()
    colours = np.full(len(results), NOT_SIGNIFICANT, dtype=object)
    colours[significant & (lfc >= lfc_threshold)] = UP
    colours[significant & (lfc <= -lfc_threshold)] = DOWN
    return colours


def _gene_scatter(tested: pd.DataFrame, x: str, y: str, alpha: float, lfc_threshold: float, label_genes):
    """Genes as points coloured by significance and direction, top and requested genes labelled."""
    figure, axis = plt.subplots(figsize=(3.5, 3.2))
    colours = _significance_colours(tested, alpha, lfc_threshold)
    axis.scatter(tested[x], tested[y], c=colours, s=4, linewidth=0, rasterized=True)
    for _, row in _labelled(tested, label_genes).iterrows():
        axis.annotate(row["gene_name"], (row[x], row[y]), fontsize=6, xytext=(2, 2), textcoords="offset points")
    return figure, axis


def plot_volcano(
    results: pd.DataFrame, contrast_label: str, alpha: float, lfc_threshold: float, label_genes: Iterable[str] = ()
):
    apply_style()
    tested = results[results["pvalue"].notna()].copy()
    tested["neg_log10_p"] = -np.log10(tested["pvalue"].clip(lower=1e-300))
    figure, axis = _gene_scatter(tested, "log2FoldChange", "neg_log10_p", alpha, lfc_threshold, label_genes)
    for threshold in (-lfc_threshold, lfc_threshold):
        axis.axvline(threshold, color="#666666", linewidth=0.5, linestyle="--")
    up = int(((tested["padj"] < alpha) & (tested["log2FoldChange"] > 0)).sum())
    down = int(((tested["padj"] < alpha) & (tested["log2FoldChange"] < 0)).sum())
    axis.set_xlabel("log2 fold change")
    axis.set_ylabel("-log10 p-value")
    axis.set_title(f"{contrast_label}: {up} up, {down} down (padj < {alpha})")
    return figure


def plot_ma(
    results: pd.DataFrame, contrast_label: str, alpha: float, lfc_threshold: float, label_genes: Iterable[str] = ()
):
    apply_style()
    tested = results[results["baseMean"] > 0].copy()
    figure, axis = _gene_scatter(tested, "baseMean", "log2FoldChange", alpha, lfc_threshold, label_genes)
    axis.set_xscale("log")
    axis.axhline(0, color="#666666", linewidth=0.5)
    axis.set_xlabel("mean of normalised counts")
    axis.set_ylabel("log2 fold change")
    axis.set_title(f"{contrast_label}: MA plot")
    return figure


def plot_running_scores(running: pd.DataFrame, gsea: pd.DataFrame, terms: Sequence[str]):
    """One panel per set: running enrichment score over the ranking, with hit ticks."""
    apply_style()
    terms = [term for term in terms if term in set(running["term"])]
    columns = 2 if len(terms) > 1 else 1
    rows = max(1, int(np.ceil(len(terms) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(3.5 * columns, 2.6 * rows), squeeze=False)
    stats = gsea.set_index("term")
    for axis, term in zip(axes.flat, terms, strict=False):
        data = running[running["term"] == term]
        axis.plot(data["position"], data["running_es"], color=OKABE_ITO[2], linewidth=1)
        axis.axhline(0, color="#666666", linewidth=0.5)
        low, high = data["running_es"].min(), data["running_es"].max()
        span = max(high - low, 1e-9)
        hits = data.loc[data["hit"], "position"]
        axis.vlines(hits, low - 0.12 * span, low - 0.02 * span, color="#000000", linewidth=0.4)
        axis.set_ylim(low - 0.14 * span, high + 0.05 * span)
        row = stats.loc[term]
        axis.set_title(f"{term}\nNES {row['nes']:.2f}, FDR {row['fdr']:.3g}", fontsize=8)
        axis.set_xlabel("rank (up in target → down)")
        axis.set_ylabel("running enrichment score")
    for axis in list(axes.flat)[len(terms) :]:
        axis.set_visible(False)
    figure.tight_layout()
    return figure


def marker_matrix(vst: pd.DataFrame, annotation: pd.DataFrame, marker_groups: Mapping[str, Sequence[str]]):
    """VST z-scores of the marker genes found, grouped; and the markers not found."""
    by_name = annotation.drop_duplicates("gene_name").set_index("gene_name")["gene_id"]
    rows, labels, groups, missing = [], [], [], []
    for group, genes in marker_groups.items():
        for gene in genes:
            if gene in by_name.index and by_name[gene] in vst.index:
                values = vst.loc[by_name[gene]].to_numpy(dtype=float)
                spread = values.std(ddof=1)
                rows.append((values - values.mean()) / spread if spread > 0 else values * 0.0)
                labels.append(gene)
                groups.append(group)
            else:
                missing.append(gene)
    matrix = pd.DataFrame(rows, index=labels, columns=vst.columns) if rows else pd.DataFrame(columns=vst.columns)
    return matrix, groups, missing


def plot_marker_heatmap(
    vst: pd.DataFrame,
    annotation: pd.DataFrame,
    samples: pd.DataFrame,
    colour_by: str,
    levels: Sequence[str],
    marker_groups: Mapping[str, Sequence[str]],
):
    apply_style()
    ordered = [s for level in levels for s in samples.index[samples[colour_by] == level]]
    ordered += [s for s in vst.columns if s not in ordered]
    matrix, groups, missing = marker_matrix(vst[ordered], annotation, marker_groups)
    height = max(2.5, 0.14 * len(matrix) + 1.2)
    figure, (bar, axis) = plt.subplots(
        2, 1, figsize=(3.8, height), gridspec_kw={"height_ratios": [0.4, max(len(matrix), 1)]}, sharex=True
    )
    colours = group_colours(levels)
    bar.imshow(
        [[matplotlib.colors.to_rgb(colours.get(samples.loc[s, colour_by], "#000000")) for s in ordered]], aspect="auto"
    )
    bar.set_yticks([0], [colour_by])
    handles = [matplotlib.patches.Patch(color=colours[level], label=level) for level in levels]
    bar.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.02, -0.5), frameon=False, fontsize=6)
    bar.tick_params(bottom=False)
    for side in ("left", "bottom"):
        bar.spines[side].set_visible(False)
    if matrix.empty:
        axis.set_xticks(range(len(ordered)), ordered, rotation=90)
        axis.set_yticks([])
        axis.text(
            0.5, 0.5, "none of the marker genes\nis in the data", ha="center", va="center", transform=axis.transAxes
        )
        bar.set_title(
            f"Marker genes (VST z-scores)\nnot in data: {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}",
            fontsize=8,
        )
        return figure
    image = axis.imshow(
        matrix.to_numpy(dtype=float), aspect="auto", cmap="RdBu_r", vmin=-2, vmax=2, interpolation="nearest"
    )
    axis.set_yticks(range(len(matrix)), matrix.index)
    axis.set_xticks(range(len(ordered)), ordered, rotation=90)
    boundaries = [i for i in range(1, len(groups)) if groups[i] != groups[i - 1]]
    for boundary in boundaries:
        axis.axhline(boundary - 0.5, color="white", linewidth=1.5)
    starts = [0] + boundaries
    for start in starts:
        axis.annotate(groups[start], (1.02, start), xycoords=("axes fraction", "data"), fontsize=7, va="top")
    colourbar = figure.colorbar(image, ax=axis, fraction=0.05, pad=0.3)
    colourbar.set_label("VST z-score")
    title = "Marker genes (VST z-scores)"
    if missing:
        title += f"\nnot in data: {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}"
    bar.set_title(title, fontsize=8)
    return figure
