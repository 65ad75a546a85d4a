"""Signature scores, PAM50 correlations and the composite main figure with panel letters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from resistseq.de_figures import draw_zscore_heatmap
from resistseq.plots import (
    COLUMN_WIDTH,
    PAGE_WIDTH,
    apply_style,
    draw_running_score,
    group_colours,
    marker_matrix,
    plot_pca,
    plot_volcano,
    record_source_data,
    sample_order,
    say_if_empty,
)

PAM50_SUBTYPES = ["Basal", "Her2", "LumA", "LumB", "Normal"]


def signature_sets_shown(
    scores: pd.DataFrame, levels: Sequence[str], method: str, limit: int, keep: Iterable[str] = ()
) -> list[str]:
    """The gene sets a signature-score figure shows: all, or at most ``limit`` of them.

    Past the limit, the ``keep`` sets (enrichment.plot_sets) come first, then those whose mean score
    differs most between the first two groups (difference over the pooled standard deviation), ties by
    name; shown in name order. With a 50-set collection, one column per set made the figure 30 inches wide.
    """
    data = scores[scores["method"] == method]
    sets = sorted(data["gene_set"].unique())
    if len(sets) <= limit:
        return sets
    kept = [name for name in sets if name in set(keep)][:limit]
    groups = data[data["group"].isin(list(levels)[:2])].groupby(["gene_set", "group"])["score"]
    means, spreads = groups.mean().unstack(), groups.std().unstack()
    if len(levels) >= 2 and {levels[0], levels[1]} <= set(means.columns):
        pooled = np.sqrt((spreads[levels[0]] ** 2 + spreads[levels[1]] ** 2) / 2).fillna(0)
        shift = ((means[levels[1]] - means[levels[0]]).abs() / pooled.clip(lower=1e-12)).reindex(sets).fillna(0)
    else:
        shift = pd.Series(0.0, index=sets)
    ranked = sorted((name for name in sets if name not in kept), key=lambda name: (-shift[name], name))
    return sorted(kept + ranked[: limit - len(kept)])


def draw_signature_scores(
    axis, scores: pd.DataFrame, levels: Sequence[str], method: str, sets: Sequence[str] | None = None
) -> None:
    """Per-sample scores of each gene set (or of ``sets``), one column of dots per group (dodged), group means
    as bars."""
    data = scores[scores["method"] == method]
    scored = data["gene_set"].nunique()
    sets = sorted(data["gene_set"].unique()) if sets is None else list(sets)
    data = data[data["gene_set"].isin(sets)]
    colours = group_colours(levels)
    width = 0.8 / max(len(levels), 1)
    # One scatter and one set of mean bars per group, however many sets: drawing cost stays flat.
    dots = {level: ([], []) for level in levels}
    drawn = []
    means = {level: ([], [], []) for level in levels}
    for set_index, gene_set in enumerate(sets):
        in_set = data[data["gene_set"] == gene_set]
        for level_index, level in enumerate(levels):
            values = in_set.loc[in_set["group"] == level].sort_values("sample", kind="mergesort")["score"]
            if values.empty:
                continue
            centre = set_index - 0.4 + width * (level_index + 0.5)
            offsets = np.linspace(-width * 0.25, width * 0.25, len(values)) if len(values) > 1 else np.zeros(1)
            dots[level][0].extend(centre + offsets)
            dots[level][1].extend(values)
            drawn.append(
                in_set.loc[values.index, ["gene_set", "group", "sample", "score"]].assign(
                    x=centre + offsets, group_mean=values.mean()
                )
            )
            means[level][0].append(values.mean())
            means[level][1].append(centre - width * 0.4)
            means[level][2].append(centre + width * 0.4)
    for level in levels:
        if not dots[level][0]:
            continue
        axis.scatter(*dots[level], s=12, color=colours[level], edgecolor="white", linewidth=0.4, label=level, zorder=3)
        axis.hlines(*means[level], color=colours[level], linewidth=1.2)
    axis.axhline(0, color="#999999", linewidth=0.4)
    axis.set_xticks(range(len(sets)), sets, rotation=30, ha="right")
    axis.set_ylabel(f"signature score ({method})")
    columns = ["gene_set", "group", "sample", "score", "x", "group_mean"]
    record_source_data(axis, pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame(columns=columns))
    shown = f": {len(sets)} of {scored} sets" if len(sets) < scored else ""
    axis.set_title(f"Per-sample signature scores ({method}){shown}")
    if sets:
        axis.legend(frameon=False, fontsize=6)
    else:
        say_if_empty(axis, data, "no gene set was scored\n(geneset_coverage.tsv says why)")
        axis.set_yticks([])


def plot_signature_scores(
    scores: pd.DataFrame, levels: Sequence[str], method: str, limit: int = 16, keep: Iterable[str] = ()
):
    apply_style()
    sets = signature_sets_shown(scores, levels, method, limit, keep)
    figure, axis = plt.subplots(figsize=(max(COLUMN_WIDTH, 0.55 * len(sets) + 1.2), 3.0))
    draw_signature_scores(axis, scores, levels, method, sets)
    figure.tight_layout()
    return figure


def plot_pam50(pam50: pd.DataFrame, levels: Sequence[str]):
    """Correlation of each sample with the PAM50 centroids; the call outlined and named on the right."""
    apply_style()
    frame = pam50.copy()
    frame["order"] = frame["group"].map({level: i for i, level in enumerate(levels)}).fillna(len(levels))
    frame = frame.sort_values(["order", "sample"], kind="mergesort")
    columns = [f"corr_{subtype}" for subtype in PAM50_SUBTYPES]
    matrix = frame[columns].to_numpy(dtype=float)
    figure, axis = plt.subplots(figsize=(COLUMN_WIDTH, max(2.0, 0.25 * len(frame) + 1.0)))
    image = axis.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    for row, (values, call) in enumerate(zip(matrix, frame["call"], strict=True)):
        for column, value in enumerate(values):
            axis.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=5.5)
        if call in PAM50_SUBTYPES:
            column = PAM50_SUBTYPES.index(call)
            axis.add_patch(
                matplotlib.patches.Rectangle(
                    (column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#000000", linewidth=1.2
                )
            )
    axis.set_xticks(range(len(PAM50_SUBTYPES)), PAM50_SUBTYPES)
    axis.set_yticks(range(len(frame)), frame["sample"])
    colours = group_colours(levels)
    for label, group in zip(axis.get_yticklabels(), frame["group"], strict=True):
        label.set_color(colours.get(group, "#000000"))
    axis.set_title("PAM50 centroid correlation per sample\n(outlined: call; sample names coloured by group)")
    bar = figure.colorbar(image, ax=axis, fraction=0.05, pad=0.03)
    bar.set_label("Spearman correlation")
    handles = [matplotlib.patches.Patch(color=colours[level], label=level) for level in levels]
    axis.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.35, 1.0), frameon=False, fontsize=6)
    record_source_data(axis, frame[["sample", "group", *columns, "call"]])
    return figure


def panel_letter(axis, letter: str) -> None:
    axis.text(
        -0.12,
        1.12,
        letter,
        transform=axis.transAxes,
        fontsize=11,
        fontweight="bold",
        va="bottom",
        ha="right",
        gid=f"panel-{letter}",
    )


def panel_letters(figure) -> list[str]:
    """The panel letters placed by ``panel_letter``, in drawing order."""
    return [
        text.get_text() for axis in figure.axes for text in axis.texts if (text.get_gid() or "").startswith("panel-")
    ]


def plot_main_figure(
    *,
    vst: pd.DataFrame,
    samples: pd.DataFrame,
    colour_by: str,
    levels: Sequence[str],
    results: pd.DataFrame,
    running: pd.DataFrame,
    gsea: pd.DataFrame,
    annotation: pd.DataFrame,
    marker_groups: Mapping[str, Sequence[str]],
    gsea_sets: Sequence[str],
    contrast_label: str,
    alpha: float,
    lfc_threshold: float,
    label_genes: Iterable[str] = (),
    flagged: Iterable[str] = (),
    shape_by: str | None = None,
    scores: pd.DataFrame | None = None,
    score_method: str = "ssgsea",
    score_sets_limit: int = 16,
    score_sets_kept: Iterable[str] = (),
):
    """A page-wide figure: PCA, volcano, two GSEA running scores, marker heatmap and (if given) signature scores."""
    apply_style()
    figure = plt.figure(figsize=(PAGE_WIDTH, 9.0))
    grid = figure.add_gridspec(3, 2, height_ratios=[1, 0.9, 1.5], hspace=0.55, wspace=0.45)
    pca_axis = figure.add_subplot(grid[0, 0])
    plot_pca(vst, samples, colour_by, levels, shape_by=shape_by, flagged=flagged, axis=pca_axis)
    panel_letter(pca_axis, "A")
    volcano_axis = figure.add_subplot(grid[0, 1])
    plot_volcano(results, contrast_label, alpha, lfc_threshold, label_genes, axis=volcano_axis)
    panel_letter(volcano_axis, "B")
    letters = {"A": pca_axis, "B": volcano_axis}
    stats = gsea.set_index("term")
    for column, (letter, term) in enumerate(zip("CD", gsea_sets, strict=False)):
        axis = figure.add_subplot(grid[1, column])
        if term in stats.index and term in set(running["term"]):
            draw_running_score(axis, running[running["term"] == term], term, stats.loc[term])
        else:
            if stats.empty:
                why = "not tested: no gene set was tested\n(geneset_coverage.tsv says why)"
            elif term not in stats.index:
                why = "not tested (geneset_coverage.tsv says why)"
            else:
                why = "no running scores (not in enrichment.plot_sets)"
            axis.text(
                0.5,
                0.5,
                f"{term}\n{why}",
                ha="center",
                va="center",
                transform=axis.transAxes,
            )
            axis.set_axis_off()
        panel_letter(axis, letter)
        letters[letter] = axis
    order = sample_order(samples, colour_by, levels, list(vst.columns))
    matrix, groups, _ = marker_matrix(vst[order], annotation, marker_groups)
    # The heatmap's group labels and colour bar need room before panel F's axis label.
    bottom = grid[2, :].subgridspec(1, 2, wspace=0.9)
    heatmap_spec = bottom[0] if scores is not None else grid[2, :]
    heatmap_axis = draw_zscore_heatmap(
        figure, heatmap_spec, matrix, samples, colour_by, levels, "Marker genes (VST z-scores)", row_groups=groups
    )
    panel_letter(figure.axes[figure.axes.index(heatmap_axis) - 1], "E")  # on the group strip above the heatmap
    letters["E"] = heatmap_axis
    if scores is not None:
        score_axis = figure.add_subplot(bottom[1])
        shown = signature_sets_shown(scores, levels, score_method, score_sets_limit, score_sets_kept)
        draw_signature_scores(score_axis, scores, levels, score_method, shown)
        panel_letter(score_axis, "F")
        letters["F"] = score_axis
    # The source-data table names each panel's numbers by its letter.
    figure.resistseq_panel_letters = {axis: letter for letter, axis in letters.items()}
    return figure
