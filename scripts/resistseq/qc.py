"""Sample-level QC figures: library sizes, count distributions, size factors, sample distances, dispersions.

The numbers behind them are resistseq.sample_qc's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.cbook
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from resistseq.plots import (
    COLUMN_WIDTH,
    OKABE_ITO,
    PAGE_WIDTH,
    apply_style,
    group_colours,
    record_source_data,
    sample_order,
)


def _group_legend(axis, levels: Sequence[str], title: str, **kwargs) -> None:
    colours = group_colours(levels)
    handles = [matplotlib.patches.Patch(color=colours[level], label=level) for level in levels]
    axis.legend(handles=handles, title=title, frameon=False, **kwargs)


def plot_library_sizes(stats: pd.DataFrame, samples: pd.DataFrame, colour_by: str, levels: Sequence[str]):
    """Two bar panels per sample: library size (millions of counts) and detected genes."""
    apply_style()
    stats = stats.set_index("sample")
    order = sample_order(samples, colour_by, levels, stats.index)
    colours = group_colours(levels)
    bar_colours = [colours.get(samples.loc[s, colour_by], "#000000") for s in order]
    figure, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, max(2.2, 0.22 * len(order) + 1.0)), sharey=True)
    positions = np.arange(len(order))
    axes[0].barh(positions, stats.loc[order, "library_size"] / 1e6, color=bar_colours)
    axes[0].set_xlabel("library size (million counts)")
    axes[0].set_yticks(positions, order)
    axes[0].invert_yaxis()
    axes[0].set_title("Counts per sample")
    axes[1].barh(positions, stats.loc[order, "detected_genes"], color=bar_colours)
    axes[1].set_xlabel("genes with ≥ 1 count")
    axes[1].set_title("Detected genes per sample")
    _group_legend(axes[1], levels, colour_by, loc="lower left", bbox_to_anchor=(1.0, 0.0))
    drawn = stats.loc[order, ["library_size", "detected_genes"]].rename_axis("sample").reset_index()
    drawn.insert(1, colour_by, samples.loc[order, colour_by].to_numpy())
    drawn.insert(3, "library_size_millions", drawn["library_size"] / 1e6)
    record_source_data(axes[0], drawn)
    figure.tight_layout()
    return figure


def plot_count_distributions(
    counts: pd.DataFrame, normalised: pd.DataFrame, samples: pd.DataFrame, colour_by: str, levels: Sequence[str]
):
    """Box plots of log2(count + 1) per sample, raw and after size-factor normalisation."""
    apply_style()
    order = sample_order(samples, colour_by, levels, counts.columns)
    colours = group_colours(levels)
    figure, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 2.8), sharey=True)
    for axis, frame, title in ((axes[0], counts, "Raw counts"), (axes[1], normalised, "Normalised counts")):
        expressed = frame.loc[(counts > 0).any(axis=1), order]
        values = [np.log2(expressed[s].to_numpy(dtype=float) + 1) for s in order]
        # The box statistics matplotlib draws (whiskers at 1.5 IQR, outliers not shown), one row per sample.
        box_stats = pd.DataFrame(matplotlib.cbook.boxplot_stats(values), index=order)
        drawn = box_stats[["whislo", "q1", "med", "q3", "whishi"]].rename_axis("sample").reset_index()
        drawn.columns = ["sample", "whisker_low", "q1", "median", "q3", "whisker_high"]
        drawn.insert(1, colour_by, samples.loc[order, colour_by].to_numpy())
        drawn.insert(2, "genes", len(expressed))
        record_source_data(axis, drawn, panel=title)
        boxes = axis.boxplot(values, patch_artist=True, widths=0.6, showfliers=False, medianprops={"color": "black"})
        for patch, sample in zip(boxes["boxes"], order, strict=True):
            patch.set_facecolor(colours.get(samples.loc[sample, colour_by], "#000000"))
            patch.set_linewidth(0.5)
        axis.set_xticks(range(1, len(order) + 1), order, rotation=90)
        axis.set_title(title)
    axes[0].set_ylabel("log2(count + 1)")
    _group_legend(axes[1], levels, colour_by, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    return figure


def plot_size_factors(
    size_factors: pd.Series, stats: pd.DataFrame, samples: pd.DataFrame, colour_by: str, levels: Sequence[str]
):
    """Size factor per sample, and against library size (points near a line through 0: depth explains them)."""
    apply_style()
    order = sample_order(samples, colour_by, levels, size_factors.index)
    colours = group_colours(levels)
    point_colours = [colours.get(samples.loc[s, colour_by], "#000000") for s in order]
    library = stats.set_index("sample").loc[order, "library_size"] / 1e6
    figure, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 2.6))
    axes[0].bar(range(len(order)), size_factors.loc[order], color=point_colours)
    axes[0].axhline(1, color="#666666", linewidth=0.5, linestyle="--")
    axes[0].set_xticks(range(len(order)), order, rotation=90)
    axes[0].set_ylabel("size factor (median of ratios)")
    axes[0].set_title("Size factors")
    axes[1].scatter(library, size_factors.loc[order], c=point_colours, s=25, edgecolor="white", linewidth=0.5)
    for sample in order:
        axes[1].annotate(
            sample, (library[sample], size_factors[sample]), fontsize=6, xytext=(3, 2), textcoords="offset points"
        )
    axes[1].set_xlabel("library size (million counts)")
    axes[1].set_ylabel("size factor")
    axes[1].set_title("Size factor against library size")
    _group_legend(axes[1], levels, colour_by, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    drawn = pd.DataFrame(
        {
            "sample": order,
            colour_by: samples.loc[order, colour_by].to_numpy(),
            "size_factor": size_factors.loc[order].to_numpy(),
            "library_size_millions": library.to_numpy(),
        }
    )
    record_source_data(axes[0], drawn)
    figure.tight_layout()
    return figure


def plot_sample_distances(
    distances: pd.DataFrame, samples: pd.DataFrame, colour_by: str, levels: Sequence[str], flagged: Iterable[str] = ()
):
    """Heatmap of sample-to-sample distances, ordered by average-linkage clustering, with the dendrogram."""
    from scipy.cluster import hierarchy
    from scipy.spatial.distance import squareform

    apply_style()
    flagged = set(flagged)
    condensed = squareform(distances.to_numpy(dtype=float), checks=False)
    linkage = hierarchy.linkage(condensed, method="average", optimal_ordering=True)
    figure = plt.figure(figsize=(COLUMN_WIDTH + 0.6, COLUMN_WIDTH + 0.4))
    grid = figure.add_gridspec(3, 2, height_ratios=[0.9, 0.18, 4], width_ratios=[4, 0.15], hspace=0.03, wspace=0.05)
    tree_axis = figure.add_subplot(grid[0, 0])
    tree = hierarchy.dendrogram(
        linkage, ax=tree_axis, no_labels=True, color_threshold=0, above_threshold_color="#000000"
    )
    tree_axis.set_axis_off()
    tree_axis.set_title("Sample-to-sample distances (VST, Euclidean)")
    order = [distances.index[i] for i in tree["leaves"]]
    colours = group_colours(levels)
    strip = figure.add_subplot(grid[1, 0])
    strip.imshow(
        [[matplotlib.colors.to_rgb(colours.get(samples.loc[s, colour_by], "#000000")) for s in order]], aspect="auto"
    )
    strip.set_xticks([])
    strip.set_yticks([0], [colour_by])
    for side in strip.spines.values():
        side.set_visible(False)
    axis = figure.add_subplot(grid[2, 0])
    image = axis.imshow(distances.loc[order, order].to_numpy(dtype=float), cmap="viridis_r", interpolation="nearest")
    labels = [f"{s} *" if s in flagged else s for s in order]
    axis.set_xticks(range(len(order)), labels, rotation=90)
    axis.set_yticks(range(len(order)), labels)
    colourbar = figure.colorbar(image, cax=figure.add_subplot(grid[2, 1]))
    colourbar.set_label("Euclidean distance")
    _group_legend(tree_axis, levels, colour_by, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6)
    if flagged:
        axis.set_xlabel("* flagged: far from its group (see sample_outliers.tsv)")
    drawn = distances.loc[order, order].rename_axis(index="sample", columns="other_sample").stack(future_stack=True)
    drawn = drawn.rename("distance").reset_index()
    drawn.insert(1, colour_by, samples.loc[drawn["sample"], colour_by].to_numpy())
    drawn.insert(2, "flagged", drawn["sample"].isin(flagged))
    record_source_data(axis, drawn)
    return figure


def plot_dispersions(dispersions: pd.DataFrame, contrast_label: str):
    """DESeq2's dispersion plot: gene-wise estimates, the fitted trend, final estimates, outliers ringed."""
    apply_style()
    data = dispersions.dropna(subset=["baseMean", "dispersion_genewise", "dispersion_final"])
    data = data[(data["baseMean"] > 0) & (data["dispersion_genewise"] > 0)].sort_values("baseMean", kind="mergesort")
    figure, axis = plt.subplots(figsize=(COLUMN_WIDTH, 3.0))
    # Marker lines, not scatters: Agg stamps identical markers from one bitmap, fast at 60,000 genes.
    for column, colour, label in (
        ("dispersion_genewise", "#000000", "gene-wise"),
        ("dispersion_final", OKABE_ITO[5], "final"),
    ):
        axis.plot(
            data["baseMean"],
            data[column],
            linestyle="none",
            marker="o",
            markersize=np.sqrt(2),
            markeredgewidth=0,
            color=colour,
            label=label,
            rasterized=True,
        )
    outliers = data[data["dispersion_outlier"].astype(bool)]
    axis.scatter(
        outliers["baseMean"],
        outliers["dispersion_final"],
        s=12,
        facecolor="none",
        edgecolor=OKABE_ITO[0],
        linewidth=0.5,
        label=f"dispersion outlier ({len(outliers)})",
    )
    axis.plot(data["baseMean"], data["dispersion_trend"], color=OKABE_ITO[1], linewidth=1, label="fitted trend")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("mean of normalised counts")
    axis.set_ylabel("dispersion")
    axis.set_title(f"{contrast_label}: dispersion estimates")
    # A fixed corner (high mean, high dispersion: empty in practice); "best" scans every point at every draw.
    axis.legend(frameon=False, markerscale=2, loc="upper right")
    drawn = ["gene_id", "baseMean", "dispersion_genewise", "dispersion_trend", "dispersion_final", "dispersion_outlier"]
    record_source_data(axis, data[drawn])
    return figure
