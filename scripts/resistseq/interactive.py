"""Interactive report pages that work offline: each HTML file carries its own JavaScript.

Tables are DataTables through itables (search, sort, SearchBuilder filters, paging, CSV/Excel
export); plots are Vega-Lite specs rendered by the Vega, Vega-Lite and Vega-Embed bundle of
vl-convert (``resistseq.vega``; tooltips, zoom and pan). Neither page loads anything from the network, so the
Snakemake report that embeds them works on an air-gapped cluster.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from resistseq.figure_data import DOWN, NOT_SIGNIFICANT, UP, group_colours

# Floats in the pages keep 6 significant digits: the tables stay exact to display precision
# and the pages stay small.
SIGNIFICANT_DIGITS = 6
TABLE_PAGE_LENGTH = 25
TABLE_BUTTONS = ["pageLength", "copyHtml5", "csvHtml5", "excelHtml5"]
# Plots draw every significant or labelled gene; the other genes are thinned to one per
# cell of a THINNING_GRID x THINNING_GRID grid over the plot once there are more than
# BACKGROUND_LIMIT of them, which leaves the picture of the null cloud unchanged.
BACKGROUND_LIMIT = 4000
THINNING_GRID = 200
# Smallest positive double: a p-value of 0 is drawn at -log10 of it instead of at infinity.
PVALUE_FLOOR = float(np.finfo(float).tiny)
STATUS_COLOURS = {"up": UP, "down": DOWN, "not significant": NOT_SIGNIFICANT}
# Snakemake's single-file report shows an HTML result in an iframe from a base64 data: URL, and
# Chromium opens data: URLs of at most 2 MiB, so a larger page stays blank there (report.zip keeps
# pages as files and has no such limit). 2 MiB of base64 hold 1.5 MiB; the rest is headroom.
REPORT_PAGE_LIMIT = 1_500_000


# Powers of ten that are exact doubles (10**22 is the largest).
EXACT_POWERS_OF_TEN = np.array([float(10**power) for power in range(23)])


def significant(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """``float(f"{value:.{digits}g}")`` for every value, bit for bit, without formatting each one.

    That is the double nearest to the decimal of ``digits`` significant digits nearest to the value: the
    shortest float that prints as those digits (scaling and ``np.round`` leave tails such as
    7.952740000000001e-18). With an exact power of ten as the scale, both steps are exact in floating point:
    the scaled value (below 10**digits, digits <= 9) is within 1e-7 of its true value, so its nearest integer
    is the right one unless it lies within 1e-6 of a half; that integer over (or times) the power is one
    correctly rounded operation, as Python's parse of the text is. The other values (beyond 1e+-16, such as
    small p-values; near a half) go through the text.
    """
    values = np.asarray(values, dtype=float)
    out = values.copy()
    out[np.isnan(values)] = np.nan  # float("nan") has one bit pattern
    finite = np.isfinite(values) & (values != 0)
    candidates = np.flatnonzero(finite) if digits <= 9 else np.array([], dtype=int)
    magnitude = np.abs(values[candidates])
    scale = digits - 1 - np.floor(np.log10(magnitude)).astype(np.int64)
    in_range = np.abs(scale) < len(EXACT_POWERS_OF_TEN)
    power = EXACT_POWERS_OF_TEN[np.where(in_range, np.abs(scale), 0)]
    scaled = np.where(scale >= 0, magnitude * power, magnitude / power)
    mantissa = np.rint(scaled)
    sure = (
        in_range
        & (scaled >= 10.0 ** (digits - 1))
        & (scaled < 10.0**digits)
        & (np.abs(np.abs(scaled - mantissa) - 0.5) > 1e-6)
    )
    result = np.copysign(np.where(scale >= 0, mantissa / power, mantissa * power), values[candidates])
    out[candidates[sure]] = result[sure]
    rest = finite.copy()
    rest[candidates[sure]] = False
    out[rest] = [float(f"{value:.{digits}g}") for value in values[rest]]
    return out


def rounded(frame: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """``frame`` with every float column rounded to ``digits`` significant digits (:func:`significant`)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = significant(out[column].to_numpy(dtype=float), digits)
    return out


def page(title: str, body: str) -> str:
    """A complete HTML document: UTF-8, a title, the report's sans-serif font."""
    style = (
        "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:13px;margin:12px;}"
        "h1{font-size:16px;margin:0 0 4px 0;} p.note{color:#444;margin:0 0 10px 0;max-width:70em;}"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n"
        f"<body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )


def page_size_warning(path: str, text: str) -> str | None:
    """A warning when ``text`` is too large for the single-file report in Chromium-based browsers."""
    size = len(text.encode("utf-8"))
    if size <= REPORT_PAGE_LIMIT:
        return None
    return (
        f"{path} is {size:,} bytes: Chrome and Edge show HTML results above {REPORT_PAGE_LIMIT:,} bytes blank "
        "in the single-file report.html (2 MiB data-URL limit). Open the page directly, or write the report "
        "as 'snakemake --report report.zip', which keeps each page as a file."
    )


def write_page(path: str, text: str, logger) -> None:
    """Write an HTML page atomically and log its size, with a warning when the report cannot show it inline."""
    from resistseq.runtime import atomic_path

    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    logger.info("%s: %d bytes", path, len(text.encode("utf-8")))
    warning = page_size_warning(path, text)
    if warning:
        logger.warning(warning)


# --- tables ---------------------------------------------------------------------------------


def table_page(frame: pd.DataFrame, title: str, note: str, table_id: str) -> str:
    """``frame`` as a DataTables page with itables' JavaScript and CSS inside the file.

    Search box over every column, sort by any column, SearchBuilder conditions (e.g. padj < 0.05
    and |log2FoldChange| > 1 as two conditions), paging, and copy/CSV/Excel export of the rows
    that match.
    """
    import itables
    from itables.javascript import generate_init_offline_itables_html, to_html_datatable

    bundle = Path(itables.__file__).parent / "html" / "dt_bundle.js"
    table = to_html_datatable(
        rounded(frame),
        connected=False,
        table_id=table_id,
        maxBytes=0,
        showIndex=False,
        format_floats_in_python=False,
        display_logo_when_loading=False,
        pageLength=TABLE_PAGE_LENGTH,
        lengthMenu=[10, 25, 100, 500],
        layout={"top1": "searchBuilder"},
        buttons=TABLE_BUTTONS,
        classes="display compact",
        scrollX=True,
    )
    body = f"<p class='note'>{note}</p>\n{generate_init_offline_itables_html(bundle)}\n{table}"
    return page(title, body)


def de_table_page(results: pd.DataFrame, contrast: str, alpha: float, lfc_threshold: float) -> str:
    note = (
        f"DESeq2 results of contrast <b>{html.escape(contrast)}</b>, one row per gene (gene symbol and ID), "
        f"sorted by adjusted p-value. Type a gene symbol or ID into <i>Search</i>; use <i>Add condition</i> "
        f"to filter, e.g. padj &lt; {alpha} and log2FoldChange outside ±{lfc_threshold}; CSV and Excel export "
        "the rows that match. padj is NaN where DESeq2 did not test the gene (independent filtering, "
        "Cook's outliers, pre-filtering)."
    )
    return table_page(results, f"Differential expression: {contrast}", note, "deseq2")


def gsea_table_page(gsea: pd.DataFrame, contrast: str) -> str:
    note = (
        f"Preranked GSEA of contrast <b>{html.escape(contrast)}</b>, one row per gene set, sorted by FDR. "
        "Search a set name or a leading-edge gene; use <i>Add condition</i> to filter by nes, fdr or size; "
        "CSV and Excel export the rows that match."
    )
    return table_page(gsea, f"Gene-set enrichment: {contrast}", note, "gsea")


# --- plots ----------------------------------------------------------------------------------


def plot_page(title: str, note: str, spec: Mapping, javascript: str) -> str:
    """A page that draws the Vega-Lite ``spec`` with the inline ``javascript`` bundle (``resistseq.vega``)."""
    # '</' inside a script would end it early; JSON allows the escaped form.
    spec_json = json.dumps(spec, sort_keys=True, allow_nan=False).replace("</", "<\\/")
    body = (
        f"<p class='note'>{note}</p>\n<div id='plot'></div>\n"
        f"<script>{javascript}</script>\n"
        f"<script id='spec' type='application/json'>{spec_json}</script>\n"
        "<script>vegaEmbed('#plot', JSON.parse(document.getElementById('spec').textContent), "
        "{actions: {export: true, source: false, compiled: false, editor: false}, renderer: 'svg'})"
        ".catch(error => console.error(error));</script>"
    )
    return page(title, body)


def significance(results: pd.DataFrame, alpha: float, lfc_threshold: float) -> pd.Series:
    """'up', 'down' or 'not significant' per gene, with the static figures' thresholds."""
    significant = results["padj"] < alpha
    lfc = results["log2FoldChange"]
    status = pd.Series("not significant", index=results.index)
    status[significant & (lfc >= lfc_threshold)] = "up"
    status[significant & (lfc <= -lfc_threshold)] = "down"
    return status


def labelled_genes(tested: pd.DataFrame, label_genes: Iterable[str], top: int = 10) -> pd.Index:
    """Index of the genes the static volcano and MA plots label: the ``top`` by padj (table order) and
    the configured ones, among genes with a padj."""
    with_padj = tested.index[tested["padj"].notna()]
    named = with_padj[tested.loc[with_padj, "gene_name"].isin(set(label_genes))]
    return with_padj[:top].union(named, sort=False)


def thin(x: np.ndarray, y: np.ndarray, keep: np.ndarray, limit: int = BACKGROUND_LIMIT, grid: int = THINNING_GRID):
    """Positions to draw: every ``keep`` point, and the others thinned to one per grid cell when too many.

    Cells span the range of all points; within a cell the first point in the given order stays,
    so the choice is deterministic and, with the table sorted by padj, favours the most significant.
    """
    keep = np.asarray(keep, dtype=bool)
    others = np.flatnonzero(~keep)
    if len(others) <= limit:
        return np.arange(len(x))

    def cell(values):
        low, high = np.nanmin(values), np.nanmax(values)
        span = high - low if high > low else 1.0
        return np.minimum(((values - low) / span * grid).astype(int), grid - 1)

    cells = cell(np.asarray(x, dtype=float))[others] * grid + cell(np.asarray(y, dtype=float))[others]
    _, first = np.unique(cells, return_index=True)
    return np.sort(np.concatenate([np.flatnonzero(keep), others[first]]))


def gene_points(
    results: pd.DataFrame, alpha: float, lfc_threshold: float, label_genes: Iterable[str], x: str, y: str
) -> tuple[pd.DataFrame, int]:
    """The tested genes to draw with ``x`` and ``y`` (thinned as in :func:`thin`), and how many were tested."""
    tested = results[results["pvalue"].notna() & results["log2FoldChange"].notna()].reset_index(drop=True)
    tested = tested.assign(
        neg_log10_pvalue=-np.log10(tested["pvalue"].clip(lower=PVALUE_FLOOR)),
        status=significance(tested, alpha, lfc_threshold),
        label=tested.index.isin(labelled_genes(tested, label_genes)),
    )
    keep = (tested["status"] != "not significant") | tested["label"]
    xs, ys = tested[x].to_numpy(dtype=float), tested[y].to_numpy(dtype=float)
    if x == "baseMean":
        xs = np.log10(np.maximum(xs, PVALUE_FLOOR))
    drawn = tested.iloc[thin(xs, ys, keep.to_numpy())]
    columns = ["gene_name", "gene_id", "baseMean", "log2FoldChange", "pvalue", "padj", "neg_log10_pvalue"]
    return rounded(drawn[columns + ["status", "label"]]), len(tested)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts; NaN becomes null."""
    return [
        {key: (None if isinstance(value, float) and not np.isfinite(value) else value) for key, value in row.items()}
        for row in json.loads(frame.to_json(orient="records", double_precision=15))
    ]


# Pixels left beside the outermost points so their labels are not clipped (zoomable plots clip marks).
LABEL_ROOM = {"padding": 40}
GENE_TOOLTIP = [
    {"field": "gene_name", "title": "gene"},
    {"field": "gene_id", "title": "gene ID"},
    {"field": "log2FoldChange", "title": "log2FC", "format": ".3f"},
    {"field": "padj", "title": "padj", "format": ".3g"},
    {"field": "pvalue", "title": "p-value", "format": ".3g"},
    {"field": "baseMean", "title": "baseMean", "format": ",.1f"},
]


GENE_COLUMN_TYPES = {
    "gene_name": "string",
    "gene_id": "string",
    "baseMean": "number",
    "log2FoldChange": "number",
    "pvalue": "number",
    "padj": "number",
    "neg_log10_pvalue": "number",
    "status": "string",
    "label": "number",
}


def csv_values(frame: pd.DataFrame, types: Mapping[str, str]) -> dict:
    """Inline Vega-Lite data as CSV with declared column types: less than half the size of JSON records."""
    text = frame[list(types)].to_csv(index=False, lineterminator="\n", float_format="%.6g", na_rep="")
    return {"values": text, "format": {"type": "csv", "parse": dict(types)}}


def _gene_scatter_spec(points: pd.DataFrame, x: Mapping, y: Mapping, rules: list[dict], title: str) -> dict:
    colour = {
        "field": "status",
        "type": "nominal",
        "title": None,
        "scale": {"domain": list(STATUS_COLOURS), "range": list(STATUS_COLOURS.values())},
    }
    layers = [
        {
            "mark": {"type": "circle", "size": 18, "opacity": 0.8},
            "params": [{"name": "zoom", "select": "interval", "bind": "scales"}],
            "encoding": {"x": x, "y": y, "color": colour, "tooltip": GENE_TOOLTIP},
        },
        {
            "transform": [{"filter": "datum.label == 1"}],
            "mark": {"type": "text", "align": "left", "dx": 4, "dy": -4, "fontSize": 10},
            "encoding": {"x": x, "y": y, "text": {"field": "gene_name"}},
        },
    ]
    for rule in rules:
        layers.append(
            {
                "data": {"values": [{"value": value} for value in rule["values"]]},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#666666"},
                "encoding": {rule["axis"]: {"field": "value", "type": "quantitative"}},
            }
        )
    return {
        "title": title,
        "width": 560,
        "height": 420,
        "data": csv_values(points.assign(label=points["label"].astype(int)), GENE_COLUMN_TYPES),
        "layer": layers,
        "config": {"font": "DejaVu Sans, Arial, sans-serif"},
    }


def volcano_spec(points: pd.DataFrame, contrast: str, alpha: float, lfc_threshold: float) -> dict:
    """Interactive volcano: log2FC against -log10 p-value, coloured as the static one; zoom and hover."""
    x = {"field": "log2FoldChange", "type": "quantitative", "title": "log2 fold change", "scale": LABEL_ROOM}
    y = {"field": "neg_log10_pvalue", "type": "quantitative", "title": "-log10 p-value"}
    rules = []
    if lfc_threshold > 0:
        rules.append({"axis": "x", "values": [-lfc_threshold, lfc_threshold]})
    significant = points.loc[points["padj"] < alpha, "neg_log10_pvalue"]
    if len(significant):
        # padj < alpha holds above the least significant gene that passed.
        rules.append({"axis": "y", "values": [float(significant.min())]})
    return _gene_scatter_spec(points, x, y, rules, f"Volcano: {contrast}")


def ma_spec(points: pd.DataFrame, contrast: str, lfc_threshold: float) -> dict:
    """Interactive MA plot: mean of normalised counts (log axis) against log2FC; zoom and hover."""
    x = {
        "field": "baseMean",
        "type": "quantitative",
        "title": "mean of normalised counts",
        "scale": {"type": "log", **LABEL_ROOM},
    }
    y = {"field": "log2FoldChange", "type": "quantitative", "title": "log2 fold change"}
    rules = [{"axis": "y", "values": [0.0] + ([-lfc_threshold, lfc_threshold] if lfc_threshold > 0 else [])}]
    return _gene_scatter_spec(points[points["baseMean"] > 0], x, y, rules, f"MA plot: {contrast}")


def gene_plot_note(kind: str, drawn: int, tested: int, alpha: float, lfc_threshold: float) -> str:
    thinned = (
        f"All {tested} tested genes are drawn."
        if drawn == tested
        else (
            f"{drawn} of {tested} tested genes are drawn: every significant and labelled gene, and the others "
            f"thinned to one per cell of a {THINNING_GRID} × {THINNING_GRID} grid over the plot "
            "(the most significant gene of each cell); the full list is in the DE table."
        )
    )
    return (
        f"Interactive {kind}. Orange: up, blue: down (padj &lt; {alpha} and |log2FC| ≥ {lfc_threshold}); "
        "grey: the rest. Hover a point for gene, log2FC, padj and baseMean; drag to pan, scroll to zoom, "
        f"double-click to reset. {thinned}"
    )


def pca_spec(
    scores: pd.DataFrame,
    explained: np.ndarray,
    samples: pd.DataFrame,
    colour_by: str,
    levels: Sequence[str],
    shape_by: str | None,
    top: int,
) -> dict:
    """Interactive PCA of the samples: PC1 against PC2, hover shows the sample and every sheet column."""
    shown = [column for column in samples.columns if column != "quant"]
    components = [column for column in scores.columns[: min(3, scores.shape[1])]]
    frame = samples[shown].astype(str).join(rounded(scores[components]))
    colours = group_colours(levels)
    present = [level for level in levels if level in set(frame[colour_by])]
    encoding = {
        "x": {
            "field": "PC1",
            "type": "quantitative",
            "title": f"PC1 ({explained[0] * 100:.1f}% variance)",
            "scale": LABEL_ROOM,
        },
        "y": {
            "field": "PC2" if "PC2" in frame else "PC1",
            "type": "quantitative",
            "title": f"PC2 ({explained[1] * 100:.1f}% variance)" if len(explained) > 1 else "PC2",
        },
        "color": {
            "field": colour_by,
            "type": "nominal",
            "scale": {"domain": present, "range": [colours[level] for level in present]},
        },
        "tooltip": [{"field": column} for column in shown] + [{"field": pc, "format": ".2f"} for pc in components],
    }
    if shape_by:
        encoding["shape"] = {"field": shape_by, "type": "nominal"}
    return {
        "title": f"PCA of VST counts ({top} most variable genes)",
        "width": 480,
        "height": 400,
        "data": {"values": _records(frame)},
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 120},
                "params": [{"name": "zoom", "select": "interval", "bind": "scales"}],
                "encoding": encoding,
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 7, "dy": -7, "fontSize": 10},
                "encoding": {"x": encoding["x"], "y": encoding["y"], "text": {"field": "sample"}},
            },
        ],
        "config": {"font": "DejaVu Sans, Arial, sans-serif"},
    }
