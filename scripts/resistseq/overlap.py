"""Shared and contrast-specific DE genes and enriched gene sets, across contrasts against one reference.

Several resistant lines (or clones, or regimens) compared with the same parental line: which changes
do all of them share, and which belong to one line? Contrasts are grouped by (variable, reference);
a group with two or more pairwise contrasts that have a direction gets a gene table, a gene-set table
and an UpSet-style figure. A gene counts as changed in a contrast at padj < alpha (up or down by the
sign of log2FoldChange), a gene set as enriched at GSEA FDR < alpha (up or down by the sign of NES).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from resistseq.contrasts import has_direction, is_pairwise


def overlap_groups(contrasts: Sequence[Mapping]) -> dict[str, list[str]]:
    """'{variable}_vs_{reference}' -> the names of its two or more directional pairwise contrasts."""
    groups: dict[str, list[str]] = {}
    for entry in contrasts:
        if is_pairwise(entry) and has_direction(entry):
            key = re.sub(r"[^A-Za-z0-9._-]", "_", f"{entry['variable']}_vs_{entry['reference']}")
            groups.setdefault(key, []).append(entry["name"])
    return {key: names for key, names in groups.items() if len(names) >= 2}


def calls(
    tables: Mapping[str, pd.DataFrame], key: str, label: str, effect: str, significance: str, alpha: float
) -> pd.DataFrame:
    """One row per feature significant in at least one contrast: where, in which direction, and the values.

    Columns: ``key``, ``label``, ``n_significant``, ``significant_in`` (contrast names joined by ';', in
    the given order), ``same_direction`` (every significant call has the same sign), then per contrast
    ``{name}:{effect}``, ``{name}:{significance}`` and ``{name}:call`` (up, down or empty).
    """
    names = list(tables)
    merged = None
    for name, table in tables.items():
        part = table[[key, label, effect, significance]].drop_duplicates(key).set_index(key)
        significant = part[significance] < alpha
        call = np.where(significant & (part[effect] > 0), "up", np.where(significant & (part[effect] < 0), "down", ""))
        part = part.rename(columns={effect: f"{name}:{effect}", significance: f"{name}:{significance}"})
        part[f"{name}:call"] = call
        labels = part.pop(label)
        merged = part if merged is None else merged.join(part, how="outer")
        merged[label] = labels if label not in merged else merged[label].fillna(labels)
    call_columns = [f"{name}:call" for name in names]
    merged[call_columns] = merged[call_columns].fillna("")
    called = merged[call_columns] != ""
    merged["n_significant"] = called.sum(axis=1)
    merged = merged[merged["n_significant"] > 0].copy()
    called = called.loc[merged.index]
    merged["significant_in"] = [
        ";".join(n for n, hit in zip(names, row, strict=True) if hit) for row in called.to_numpy()
    ]
    merged["same_direction"] = [
        len({value for value in row if value}) == 1 for row in merged[call_columns].to_numpy(dtype=str)
    ]
    merged.index.name = key
    merged = merged.reset_index()
    order = [key, label, "n_significant", "significant_in", "same_direction"]
    order += [f"{name}:{column}" for name in names for column in (effect, significance, "call")]
    merged = merged[order]
    return merged.sort_values(
        ["n_significant", "significant_in", key], ascending=[False, True, True], kind="mergesort"
    ).reset_index(drop=True)


def gene_calls(de_tables: Mapping[str, pd.DataFrame], alpha: float) -> pd.DataFrame:
    return calls(de_tables, "gene_id", "gene_name", "log2FoldChange", "padj", alpha)


def geneset_calls(gsea_tables: Mapping[str, pd.DataFrame], alpha: float) -> pd.DataFrame:
    return calls(gsea_tables, "term", "source", "nes", "fdr", alpha)


def intersections(table: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Exclusive intersections: per combination of contrasts, how many features are significant in exactly
    those (``size``) and how many of them change the same way in all (``same_direction``); largest first."""
    if table.empty:
        return pd.DataFrame(columns=["significant_in", *names, "size", "same_direction"])
    grouped = table.groupby("significant_in", sort=True).agg(
        size=("n_significant", "size"), same_direction=("same_direction", "sum")
    )
    grouped = grouped.reset_index()
    for name in names:
        grouped[name] = [name in pattern.split(";") for pattern in grouped["significant_in"]]
    grouped["degree"] = grouped[list(names)].sum(axis=1)
    grouped = grouped.sort_values(
        ["size", "degree", "significant_in"], ascending=[False, False, True], kind="mergesort"
    )
    return grouped[["significant_in", *names, "size", "same_direction"]].reset_index(drop=True)


def plot_upset(panels: Mapping[str, tuple[pd.DataFrame, Sequence[str]]], title: str):
    """UpSet-style figure, one column per panel (e.g. genes, gene sets): intersection sizes as bars
    (dark: same direction in every contrast) over a dot matrix of the contrasts involved."""
    import matplotlib.pyplot as plt

    from resistseq.plots import OKABE_ITO, PAGE_WIDTH, apply_style, record_source_data

    apply_style()
    figure, axes = plt.subplots(
        2, len(panels), figsize=(PAGE_WIDTH, 3.4), gridspec_kw={"height_ratios": [2.2, 1]}, squeeze=False
    )
    for column, (label, (table, names)) in enumerate(panels.items()):
        bars, matrix = axes[0, column], axes[1, column]
        sizes = intersections(table, names)
        positions = np.arange(len(sizes))
        record_source_data(bars, sizes.assign(position=positions), panel=label)
        bars.bar(positions, sizes["size"], color="#BBBBBB", width=0.7, label="mixed directions")
        bars.bar(positions, sizes["same_direction"], color=OKABE_ITO[0], width=0.7, label="same direction")
        for position, size in zip(positions, sizes["size"], strict=True):
            bars.text(position, size, str(int(size)), ha="center", va="bottom", fontsize=6)
        bars.set_ylabel(f"{label} (exclusive)")
        bars.set_xticks([])
        bars.set_xlim(-0.6, max(len(sizes), 4) - 0.4)  # a lone bar stays bar-sized
        if column == 0:
            bars.legend(frameon=False, loc="upper right")
        if sizes.empty:
            bars.text(0.5, 0.5, f"no {label.lower()} significant", transform=bars.transAxes, ha="center")
        for row, name in enumerate(names):
            member = sizes[name].to_numpy(dtype=bool) if not sizes.empty else np.zeros(0, dtype=bool)
            matrix.scatter(positions, np.full(len(positions), row), s=18, color=np.where(member, "#000000", "#DDDDDD"))
        for position, (_, entry) in zip(positions, sizes.iterrows(), strict=True):
            rows = [row for row, name in enumerate(names) if entry[name]]
            if len(rows) > 1:
                matrix.plot([position, position], [min(rows), max(rows)], color="#000000", linewidth=1)
        matrix.set_yticks(range(len(names)))
        matrix.set_yticklabels(names)
        matrix.set_ylim(-0.6, len(names) - 0.4)
        matrix.set_xlim(bars.get_xlim())
        matrix.set_xticks([])
        for side in ("left", "bottom"):
            matrix.spines[side].set_visible(False)
        matrix.tick_params(axis="y", length=0)
    figure.suptitle(title)
    figure.tight_layout()
    return figure
