"""Figures: one house style, colour-blind-safe, written byte-identically on reruns."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.layout_engine  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from resistseq.figure_data import (  # noqa: E402, F401 - re-exported: the figures' one import
    DOWN,
    NOT_SIGNIFICANT,
    OKABE_ITO,
    PCA_GENES,
    UP,
    group_colours,
    pca,
)
from resistseq.labels import label_points  # noqa: E402
from resistseq.runtime import atomic_path, write_table  # noqa: E402

# Journal widths (Nature, Cell, PLOS: one column ~89 mm, full page ~183 mm), in inches for matplotlib.
COLUMN_WIDTH = 89 / 25.4
PAGE_WIDTH = 183 / 25.4

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


# OpenType layout tables of the embedded fonts: matplotlib places every glyph itself and PDF viewers never
# read them, yet fontTools decompiles and subsets them for every font of every PDF (DejaVu Sans: 60 ms).
PDF_FONT_DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "MATH")


def drop_layout_tables_from_embedded_fonts() -> None:
    """Have fontTools' subsetter, which matplotlib calls to embed Type 42 fonts, drop PDF_FONT_DROPPED_TABLES."""
    from fontTools import subset

    dropped = subset.Options._drop_tables_default
    subset.Options._drop_tables_default = dropped + [table for table in PDF_FONT_DROPPED_TABLES if table not in dropped]


def apply_style() -> None:
    plt.rcParams.update(STYLE)
    drop_layout_tables_from_embedded_fonts()


def sample_order(samples: pd.DataFrame, colour_by: str, levels: Sequence[str], columns: Iterable[str]) -> list[str]:
    """The samples in ``columns`` grouped by level of ``colour_by``, in sheet order within a level; others last."""
    columns = list(columns)
    ordered = [s for level in levels for s in samples.index[samples[colour_by] == level] if s in columns]
    return ordered + [s for s in columns if s not in ordered]


def record_source_data(axis, table: pd.DataFrame, panel: str | None = None) -> None:
    """Keep the numbers ``axis`` draws with its figure, so the source-data table comes from the drawing code.

    ``panel`` names the part of the figure (e.g. a gene-set term); a composite figure names its axes by
    letter in ``source_data``.
    """
    records = getattr(axis.figure, "resistseq_source_data", None)
    if records is None:
        records = axis.figure.resistseq_source_data = []
    records.append((axis, panel, table.reset_index(drop=True)))


def source_data(figure, letters: Mapping | None = None) -> pd.DataFrame:
    """The numbers behind every panel of ``figure`` as one tidy table, a ``panel`` column first when several."""
    records = getattr(figure, "resistseq_source_data", None)
    if not records:
        raise ValueError("the figure recorded no source data (call record_source_data where it draws)")
    letters = letters if letters is not None else getattr(figure, "resistseq_panel_letters", {})
    named = [(letters.get(axis, panel), table) for axis, panel, table in records]
    if len(named) == 1 and named[0][0] is None:
        return named[0][1]
    tables = [table.assign(panel=name).loc[:, ["panel", *table.columns]] for name, table in named]
    return pd.concat([table for table in tables if len(table)] or tables[:1], ignore_index=True)


def save_figure(
    figure,
    pdf_path: str | os.PathLike,
    png_path: str | os.PathLike,
    svg_path: str | os.PathLike | None = None,
    source_data_path: str | os.PathLike | None = None,
) -> None:
    """PDF, 300-dpi PNG (and SVG) without creation dates, so reruns give identical bytes.

    With ``source_data_path``, the numbers the figure draws (``record_source_data``) go beside it as a TSV.

    SVG element IDs come from ``svg.hashsalt`` in the house style instead of a random salt. The
    tight bounding box is measured once and shared: ``bbox_inches="tight"`` would draw the whole
    figure an extra time for every format.
    """
    outputs = [(pdf_path, {"CreationDate": None, "Producer": None}), (png_path, {"Software": None})]
    if svg_path is not None:
        outputs.append((svg_path, {"Date": None}))
    if isinstance(figure.get_layout_engine(), matplotlib.layout_engine.PlaceHolderLayoutEngine):
        # Left by a finished tight_layout(): it lays nothing out, but makes every savefig draw twice.
        figure.set_layout_engine(None)
    tight = figure.get_tightbbox(figure.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    for path, metadata in outputs:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, format=str(path).rsplit(".", 1)[-1], metadata=metadata, bbox_inches=tight)
    if source_data_path is not None:
        write_table(source_data(figure), source_data_path)
    plt.close(figure)


def figure_paths(output, key: str | None = None) -> tuple[str, str, str, str]:
    """PDF, PNG, SVG and source-data paths of one figure among a job's named outputs, save_figure's order.

    The keys are rules/common.smk figure_output's: pdf, svg, png, source_data, prefixed '{key}_' in a
    job that draws several figures.
    """
    prefix = f"{key}_" if key else ""
    return tuple(getattr(output, f"{prefix}{kind}") for kind in ("pdf", "png", "svg", "source_data"))


MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def plot_pca(
    vst: pd.DataFrame,
    samples: pd.DataFrame,
    colour_by: str,
    levels: Sequence[str],
    top: int = PCA_GENES,
    shape_by: str | None = None,
    flagged: Iterable[str] = (),
    axis=None,
):
    """PC1 against PC2, coloured by group, shaped by a covariate; flagged samples ringed and starred."""
    apply_style()
    scores, explained = pca(vst, top)
    colours = group_colours(levels)
    figure = None
    if axis is None:
        figure, axis = plt.subplots(figsize=(COLUMN_WIDTH, 3.0))
    shapes = sorted(samples[shape_by].astype(str).unique()) if shape_by else [None]
    second = scores["PC2"] if "PC2" in scores else pd.Series(0.0, index=scores.index)
    for level in levels:
        for index, shape in enumerate(shapes):
            chosen = samples[colour_by] == level
            if shape is not None:
                chosen &= samples[shape_by].astype(str) == shape
            members = samples.index[chosen]
            if len(members) == 0 and shape is not None:
                continue
            axis.scatter(
                scores.loc[members, "PC1"],
                second.loc[members],
                color=colours[level],
                marker=MARKERS[index % len(MARKERS)],
                label=level if shape is None else f"{level}, {shape}",
                s=30,
                edgecolor="white",
                linewidth=0.5,
            )
    flagged = [sample for sample in flagged if sample in scores.index]
    if flagged:
        axis.scatter(
            scores.loc[flagged, "PC1"],
            second.loc[flagged],
            s=110,
            facecolor="none",
            edgecolor="#000000",
            linewidth=0.8,
            label="flagged outlier",
        )
    for sample in scores.index:
        axis.annotate(
            sample + (" *" if sample in flagged else ""),
            (scores.loc[sample, "PC1"], second.loc[sample]),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    axis.set_xlabel(f"PC1 ({explained[0] * 100:.1f}% variance)")
    axis.set_ylabel(f"PC2 ({explained[1] * 100:.1f}% variance)" if len(explained) > 1 else "PC2")
    axis.set_title(f"PCA of VST counts ({min(top, len(vst))} most variable genes)")
    axis.legend(title=colour_by if shape_by is None else f"{colour_by}, {shape_by}", frameon=False)
    drawn = samples.reindex(scores.index)[[colour_by] + ([shape_by] if shape_by else [])].rename_axis("sample")
    drawn = drawn.reset_index().assign(PC1=scores["PC1"].to_numpy(), PC2=second.to_numpy())
    drawn["flagged"] = drawn["sample"].isin(flagged)
    drawn["PC1_variance_explained"] = explained[0]
    drawn["PC2_variance_explained"] = explained[1] if len(explained) > 1 else np.nan
    record_source_data(axis, drawn)
    return figure if figure is not None else axis.figure


def _labelled(results: pd.DataFrame, label_genes: Iterable[str], top: int = 10) -> pd.DataFrame:
    wanted = set(label_genes)
    named = results[results["gene_name"].isin(wanted) & results["padj"].notna()]
    best = results[results["padj"].notna()].head(top)
    return pd.concat([best, named]).drop_duplicates("gene_id")


def _significance_classes(results: pd.DataFrame, alpha: float, lfc_threshold: float) -> dict[str, np.ndarray]:
    """Masks of the not significant, down and up genes, in drawing order (significant genes on top)."""
    significant = (results["padj"] < alpha).to_numpy()
    lfc = results["log2FoldChange"].to_numpy()
    up = significant & (lfc >= lfc_threshold)
    down = significant & (lfc <= -lfc_threshold)
    return {NOT_SIGNIFICANT: ~(up | down), DOWN: down, UP: up}


def _gene_scatter(tested: pd.DataFrame, x: str, y: str, alpha: float, lfc_threshold: float, axis=None):
    """Genes as points coloured by significance and direction, rasterised in PDF/SVG.

    One marker line per colour: Agg stamps a line's identical markers from one cached bitmap, several
    times faster than a scatter's per-point paths at tens of thousands of genes.
    """
    if axis is None:
        figure, axis = plt.subplots(figsize=(3.5, 3.2))
    else:
        figure = axis.figure
    for colour, chosen in _significance_classes(tested, alpha, lfc_threshold).items():
        axis.plot(
            tested.loc[chosen, x],
            tested.loc[chosen, y],
            linestyle="none",
            marker="o",
            markersize=2,
            markeredgewidth=0,
            color=colour,
            rasterized=True,
            gid=f"genes-{colour}",
        )
    return figure, axis


def _label_genes(
    axis, tested: pd.DataFrame, x: str, y: str, label_genes, alpha: float, lfc_threshold: float, names: Mapping
) -> None:
    """Top and requested genes labelled, clear of each other and of the points near them (axis scales set first).

    Records the genes drawn as the axis's source data, the plotted columns renamed by ``names``.
    """
    chosen = _labelled(tested, label_genes)
    drawn = tested[["gene_id", "gene_name", x, y, "padj"]].rename(columns=names)
    classes = _significance_classes(tested, alpha, lfc_threshold)
    directions = {NOT_SIGNIFICANT: "not significant", DOWN: "down", UP: "up"}
    drawn["colour"] = np.select(list(classes.values()), [directions[colour] for colour in classes], default="")
    drawn["labelled"] = tested["gene_id"].isin(chosen["gene_id"]).to_numpy()
    record_source_data(axis, drawn)
    label_points(
        axis,
        chosen[x].to_numpy(dtype=float),
        chosen[y].to_numpy(dtype=float),
        chosen["gene_name"].tolist(),
        tested[x].to_numpy(dtype=float),
        tested[y].to_numpy(dtype=float),
    )


def plot_volcano(
    results: pd.DataFrame,
    contrast_label: str,
    alpha: float,
    lfc_threshold: float,
    label_genes: Iterable[str] = (),
    axis=None,
):
    apply_style()
    tested = results[results["pvalue"].notna()].copy()
    tested["neg_log10_p"] = -np.log10(tested["pvalue"].clip(lower=1e-300))
    figure, axis = _gene_scatter(tested, "log2FoldChange", "neg_log10_p", alpha, lfc_threshold, axis)
    for threshold in (-lfc_threshold, lfc_threshold):
        axis.axvline(threshold, color="#666666", linewidth=0.5, linestyle="--")
    axis.set_xlabel("log2 fold change")
    axis.set_ylabel("-log10 p-value")
    axis.set_title(f"{contrast_label}: {significance_summary(tested, alpha)}")
    names = {"neg_log10_p": "neg_log10_pvalue_floored_1e-300"}
    _label_genes(axis, tested, "log2FoldChange", "neg_log10_p", label_genes, alpha, lfc_threshold, names)
    say_if_empty(axis, tested, "no gene has a p-value")
    return figure


def significance_summary(results: pd.DataFrame, alpha: float) -> str:
    """'2 up, 1 down (padj < 0.05)', or plainly 'no gene at padj < 0.05' when none passes."""
    significant = results["padj"] < alpha
    up = int((significant & (results["log2FoldChange"] > 0)).sum())
    down = int((significant & (results["log2FoldChange"] < 0)).sum())
    return f"{up} up, {down} down (padj < {alpha})" if up + down else f"no gene at padj < {alpha}"


def say_if_empty(axis, data: pd.DataFrame, message: str) -> bool:
    """Write ``message`` across an axis that has nothing to draw, so it is never blank without a word."""
    if len(data):
        return False
    axis.text(0.5, 0.5, message, ha="center", va="center", transform=axis.transAxes, color="#333333")
    return True


def plot_ma(
    results: pd.DataFrame, contrast_label: str, alpha: float, lfc_threshold: float, label_genes: Iterable[str] = ()
):
    apply_style()
    # Pre-filtered genes keep their baseMean but have no fold change.
    tested = results[(results["baseMean"] > 0) & results["log2FoldChange"].notna()].copy()
    figure, axis = _gene_scatter(tested, "baseMean", "log2FoldChange", alpha, lfc_threshold)
    axis.set_xscale("log")
    axis.axhline(0, color="#666666", linewidth=0.5)
    axis.set_xlabel("mean of normalised counts")
    axis.set_ylabel("log2 fold change")
    axis.set_title(f"{contrast_label}: MA plot, {significance_summary(tested, alpha)}")
    _label_genes(axis, tested, "baseMean", "log2FoldChange", label_genes, alpha, lfc_threshold, {})
    say_if_empty(axis, tested, "no gene has a log2 fold change")
    return figure


def plot_running_scores(running: pd.DataFrame, gsea: pd.DataFrame, terms: Sequence[str]):
    """One panel per set: running enrichment score over the ranking, with hit ticks."""
    apply_style()
    requested = list(terms)
    terms = [term for term in terms if term in set(running["term"])]
    columns = 2 if len(terms) > 1 else 1
    rows = max(1, int(np.ceil(len(terms) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(3.5 * columns, 2.6 * rows), squeeze=False)
    stats = gsea.set_index("term")
    for axis, term in zip(axes.flat, terms, strict=False):
        draw_running_score(axis, running[running["term"] == term], term, stats.loc[term])
    for axis in list(axes.flat)[len(terms) :]:
        axis.set_visible(False)
    if not terms:
        columns = ["term", "position", "running_es", "hit", "nes", "fdr"]
        record_source_data(axes[0, 0], pd.DataFrame(columns=columns))
        axes[0, 0].set_visible(True)
        axes[0, 0].set_axis_off()
        reason = "no gene set was tested\n(geneset_coverage.tsv says why)" if gsea.empty else "none of them was tested"
        axes[0, 0].text(
            0.5,
            0.5,
            f"No running scores to show.\nSets to plot: {', '.join(requested) or 'none'};\n{reason}",
            ha="center",
            va="center",
            transform=axes[0, 0].transAxes,
            wrap=True,
        )
    figure.tight_layout()
    return figure


def running_score_corners(data: pd.DataFrame) -> pd.DataFrame:
    """The rows of one set's running score that its curve needs: the ends, every hit, and each point where the
    curve bends. Between hits the score falls by the same step at every gene, so the polyline through these
    rows is the whole curve: at 60,000 genes a few hundred points instead of 60,000 to draw and to record."""
    x = data["position"].to_numpy(dtype=float)
    y = data["running_es"].to_numpy(dtype=float)
    keep = data["hit"].to_numpy(dtype=bool).copy()
    keep[[0, -1] if len(keep) else []] = True
    if len(y) > 2:
        turn = (x[1:-1] - x[:-2]) * (y[2:] - y[1:-1]) - (x[2:] - x[1:-1]) * (y[1:-1] - y[:-2])
        # Rounding in the cumulative sum leaves ~1e-16 of the scale; a bend is at least one gene's step.
        with np.errstate(invalid="ignore"):
            keep[1:-1] |= ~(np.abs(turn) <= 1e-9 * np.nanmax(np.abs(y), initial=0.0))
    return data[keep]


def draw_running_score(axis, data: pd.DataFrame, term: str, row: pd.Series) -> None:
    """One set's running enrichment score over the ranking, with a tick per gene of the set."""
    data = running_score_corners(data)
    axis.plot(data["position"], data["running_es"], color=OKABE_ITO[2], linewidth=1)
    axis.axhline(0, color="#666666", linewidth=0.5)
    low, high = data["running_es"].min(), data["running_es"].max()
    span = max(high - low, 1e-9)
    hits = data.loc[data["hit"], "position"]
    axis.vlines(hits, low - 0.12 * span, low - 0.02 * span, color="#000000", linewidth=0.4)
    axis.set_ylim(low - 0.14 * span, high + 0.05 * span)
    axis.set_title(f"{term}\nNES {row['nes']:.2f}, FDR {row['fdr']:.3g}", fontsize=8)
    axis.set_xlabel("rank (up in target → down)")
    axis.set_ylabel("running enrichment score")
    drawn = data[["position", "running_es", "hit"]].assign(term=term, nes=row["nes"], fdr=row["fdr"])
    record_source_data(axis, drawn[["term", "position", "running_es", "hit", "nes", "fdr"]], panel=term)


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


def zscore_table(
    matrix: pd.DataFrame, samples: pd.DataFrame, colour_by: str, row_groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """A z-score heatmap as a tidy table in drawing order (rows, then samples); the colour scale saturates at ±2."""
    table = matrix.rename_axis(index="gene", columns="sample").stack(future_stack=True).rename("vst_zscore")
    table = table.reset_index()
    table.insert(2, colour_by, samples.loc[table["sample"], colour_by].to_numpy() if len(table) else [])
    if row_groups is not None:
        table.insert(1, "gene_group", np.repeat(list(row_groups), matrix.shape[1]))
    return table


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
        record_source_data(axis, zscore_table(matrix, samples, colour_by, groups))
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
    record_source_data(axis, zscore_table(matrix, samples, colour_by, groups))
    title = "Marker genes (VST z-scores)"
    if missing:
        title += f"\nnot in data: {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}"
    bar.set_title(title, fontsize=8)
    return figure
