"""Gene x sample count matrices as people publish them, read as their authors meant.

Comma or tab, gzip or not; a header one field short (R's ``write.table``) or
with a blank first cell means the first column holds row names; annotation
columns (symbols, featureCounts' coordinates, nf-core/rnaseq's gene_id /
gene_name pair) are recognised by name and kept apart from the samples. Any
other column that does not hold counts is an error naming it.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from resistseq.errors import WorkflowInputError

# Column names (compared case-insensitively) that hold gene symbols, in order of preference.
SYMBOL_COLUMNS = (
    "gene_name",
    "gene_symbol",
    "genesymbol",
    "symbol",
    "hgnc_symbol",
    "mgi_symbol",
    "external_gene_name",
    "name",
    "gene",
)
# Descriptive columns kept out of the samples: featureCounts' coordinates and common gene attributes.
DESCRIPTIVE_COLUMNS = (
    "chr",
    "start",
    "end",
    "strand",
    "length",
    "gene_biotype",
    "gene_type",
    "biotype",
    "description",
)
ALIGNMENT_SUFFIX = re.compile(r"(\.sorted)?\.(bam|sam|cram)$", re.IGNORECASE)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class MatrixLayout:
    """How one matrix file was read: which column is which."""

    path: str
    separator: str
    id_column: str
    row_names: str = ""  # "", "header one field short" or "blank first header cell"
    name_column: str | None = None
    sample_columns: dict[str, str] = field(default_factory=dict)  # sample -> column
    skipped_columns: list[str] = field(default_factory=list)
    data_columns: list[str] = field(default_factory=list)  # columns that may hold a sample's counts

    def describe(self) -> str:
        separator = "tab" if self.separator == "\t" else "comma"
        id_text = f"row names ({self.row_names})" if self.row_names else f"column '{self.id_column}'"
        samples = ", ".join(
            sample if sample == column else f"{sample} <- '{column}'" for sample, column in self.sample_columns.items()
        )
        return (
            f"count matrix '{self.path}': {separator}-separated; gene IDs from {id_text}; "
            f"{f'symbols from column {self.name_column!r}' if self.name_column else 'no symbol column'}; "
            f"samples {samples}; skipped columns: {', '.join(self.skipped_columns) or 'none'}"
        )


@dataclass
class MatrixRead:
    """Counts (genes x samples, integers), gene symbols from the files (or None), and how each file was read."""

    counts: pd.DataFrame
    annotation: pd.DataFrame | None
    layouts: list[MatrixLayout]


def open_text(path: str | os.PathLike):
    """A text handle on a plain or gzip file (detected from its bytes), byte-order mark removed."""
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _head_lines(path: str | os.PathLike, count: int = 2) -> tuple[list[str], int]:
    """The first ``count`` lines after leading '#' comment lines, and how many comment lines came first."""
    lines: list[str] = []
    comments = 0
    try:
        with open_text(path) as handle:
            for line in handle:
                if not lines and line.startswith("#"):
                    comments += 1
                    continue
                if line.strip():
                    lines.append(line)
                if len(lines) == count:
                    break
    except (UnicodeDecodeError, EOFError, OSError, gzip.BadGzipFile) as error:
        raise WorkflowInputError(f"Count matrix '{path}' cannot be read as text: {error}.") from error
    return lines, comments


def _split(line: str, separator: str) -> list[str]:
    return next(csv.reader([line.rstrip("\r\n")], delimiter=separator))


def _detect_separator(path: str | os.PathLike, lines: Sequence[str]) -> str:
    probe = lines[1] if len(lines) > 1 else lines[0]
    if "\t" in probe:
        return "\t"
    if "," in probe:
        return ","
    raise WorkflowInputError(
        f"Count matrix '{path}': its first data line has neither tabs nor commas, so its columns cannot be "
        "told apart. Write the matrix tab- or comma-separated."
    )


def _header(path: str | os.PathLike) -> tuple[list[str], str, str, int]:
    """(column names with the ID column first, separator, row-names note, comment lines) from the top lines."""
    lines, comments = _head_lines(path)
    if not lines:
        raise WorkflowInputError(f"Count matrix '{path}' is empty.")
    separator = _detect_separator(path, lines)
    header = [name.strip() for name in _split(lines[0], separator)]
    row_names = ""
    if len(lines) > 1:
        width = len(_split(lines[1], separator))
        if width == len(header) + 1:
            header = ["", *header]
            row_names = "header one field short"
        elif width != len(header):
            raise WorkflowInputError(
                f"Count matrix '{path}': the header has {len(header)} fields but line {comments + 2} has {width}. "
                "Every row needs one field per header column (a header one field short is read as R's row names)."
            )
    if not row_names and header[0] == "":
        row_names = "blank first header cell"
    duplicated = sorted({name for name in header[1:] if header[1:].count(name) > 1})
    if duplicated:
        raise WorkflowInputError(
            f"Count matrix '{path}': column name(s) {', '.join(repr(n) for n in duplicated)} appear more than once. "
            "Give every column its own name."
        )
    return header, separator, row_names, comments


def sample_column(sample: str, columns: Sequence[str]) -> str | None:
    """The column holding ``sample``: named exactly so, or an alignment file (path) named after it."""
    if sample in columns:
        return sample
    named = [c for c in columns if ALIGNMENT_SUFFIX.sub("", os.path.basename(c)) == sample]
    return named[0] if len(named) == 1 else None


def matrix_layout(path: str | os.PathLike, samples: Sequence[str], gene_name_column: str | None = None) -> MatrixLayout:
    """Which column of the matrix at ``path`` is the ID, the symbol and each sample, from its first lines.

    Raises ``WorkflowInputError`` naming the file and the column for a sample
    with no column or a configured symbol column that is absent.
    """
    header, separator, row_names, _ = _header(path)
    id_column, others = header[0], header[1:]
    lowered = {column.lower(): column for column in others}
    if gene_name_column:
        if gene_name_column != id_column and gene_name_column not in others:
            raise WorkflowInputError(
                f"Count matrix '{path}' has no column '{gene_name_column}' (quantification.gene_name_column); "
                f"its columns: {', '.join(header[1:])}. Set the key to the column that holds the gene symbols."
            )
        name_column = gene_name_column
    else:
        name_column = next((lowered[name] for name in SYMBOL_COLUMNS if name in lowered), None)
    layout = MatrixLayout(str(path), separator, id_column or "row names", row_names, name_column)
    annotation_columns = {name for name in others if _is_annotation_name(name)}
    data_columns = [c for c in others if c != name_column and c not in annotation_columns]
    layout.data_columns = data_columns
    layout.skipped_columns = [c for c in others if c != name_column and c in annotation_columns]
    for sample in samples:
        column = sample_column(sample, data_columns)
        if column is None:
            raise WorkflowInputError(
                f"Count matrix '{path}' has no column for sample '{sample}' (columns: {', '.join(others)})."
            )
        layout.sample_columns[sample] = column
    layout.skipped_columns += [c for c in data_columns if c not in layout.sample_columns.values()]
    return layout


def _is_annotation_name(column: str) -> bool:
    return column.lower() in DESCRIPTIVE_COLUMNS or column.lower() in SYMBOL_COLUMNS


def _is_numeric(values: pd.Series) -> bool:
    filled = values[values.str.strip() != ""]
    return bool(pd.to_numeric(filled, errors="coerce").notna().all())


def read_matrix_file(
    path: str | os.PathLike, samples: Sequence[str], gene_name_column: str | None = None
) -> tuple[pd.DataFrame, pd.Series | None, MatrixLayout]:
    """The samples' counts (float, rows in file order), the symbol column if any, and the layout."""
    layout = matrix_layout(path, samples, gene_name_column)
    header, separator, _, comments = _header(path)
    try:
        with open_text(path) as handle:
            table = pd.read_csv(
                handle,
                sep=separator,
                header=None,
                skiprows=comments + 1,
                names=header,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
            )
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError, gzip.BadGzipFile) as error:
        raise WorkflowInputError(f"Count matrix '{path}' cannot be read: {error}.") from error
    table = table.apply(lambda column: column.str.strip())
    id_column = header[0]
    if table.empty:
        raise WorkflowInputError(f"Count matrix '{path}' has a header but no genes.")
    blank = table[id_column] == ""
    if blank.any():
        line = comments + 2 + int(np.flatnonzero(blank.to_numpy())[0])
        raise WorkflowInputError(f"Count matrix '{path}', line {line}: the gene ID (first field) is empty.")
    sample_columns = set(layout.sample_columns.values())
    for column in header[1:]:
        if column == layout.name_column or column in sample_columns or _is_annotation_name(column):
            continue
        if not _is_numeric(table[column]):
            example = table[column][pd.to_numeric(table[column], errors="coerce").isna()].iloc[0]
            raise WorkflowInputError(
                f"Count matrix '{path}': column '{column}' holds text (e.g. '{example}'), so it is not a sample, "
                "and it is not a recognised annotation column (gene symbols: "
                f"{', '.join(SYMBOL_COLUMNS)}; descriptive: {', '.join(DESCRIPTIVE_COLUMNS)}). If it holds gene "
                "symbols set quantification.gene_name_column to it; otherwise remove it."
            )
    counts = pd.DataFrame(index=pd.Index(table[id_column].to_numpy(), name="gene_id"))
    for sample, column in layout.sample_columns.items():
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values) | (values < 0)
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise WorkflowInputError(
                f"Count matrix '{path}', line {comments + 2 + position} (gene '{table[id_column].iloc[position]}'): "
                f"column '{column}' (sample '{sample}') holds '{table[column].iloc[position]}', not a non-negative "
                f"number ({int(bad.sum())} such row(s)). Fix or re-export the matrix."
            )
        counts[sample] = values.to_numpy(dtype=float)
    names = None
    if layout.name_column:
        names = pd.Series(table[layout.name_column].to_numpy(), index=counts.index, name="gene_name")
    return counts, names, layout


def read_count_matrices(quant_paths: Mapping[str, str], gene_name_column: str | None = None) -> MatrixRead:
    """Every sample's counts from the matrix files of the sheet, with symbols and a layout per file."""
    from resistseq.quant import _aligned_gene_columns, _group_by_path

    columns: dict[str, pd.Series] = {}
    layouts = []
    names: list[pd.Series] = []
    for path, samples in _group_by_path(quant_paths).items():
        counts, file_names, layout = read_matrix_file(path, samples, gene_name_column)
        layouts.append(layout)
        if file_names is not None:
            names.append(file_names)
        for sample in samples:
            columns[sample] = counts[sample]
    counts = _aligned_gene_columns(columns, quant_paths)
    annotation = None
    if names:
        merged = pd.concat(names)
        merged = merged[(merged != "") & (merged != "NA")]
        merged = merged[~merged.index.duplicated()]
        annotation = pd.DataFrame({"gene_id": merged.index.to_numpy(), "gene_name": merged.to_numpy()})
    return MatrixRead(counts, annotation, layouts)
