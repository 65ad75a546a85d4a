"""Readers of the tables the workflow writes and reads, one per table shape, with explicit dtypes.

Every table is tab-separated text written by ``resistseq.runtime.write_table``. IDs (genes,
samples, gene sets) are read as strings, so an ID such as ``1234`` or ``1e5`` stays as written.
This module imports pandas only: rule scripts read their inputs without loading model code.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from pathlib import Path

import pandas as pd

from resistseq.errors import WorkflowInputError

SHEET_REQUIRED_COLUMNS = ("sample", "condition", "quant")


def read_gene_matrix(path: str | os.PathLike) -> pd.DataFrame:
    """A gene x sample matrix (gene_counts, normalised_counts, vst), indexed by gene_id as strings."""
    return pd.read_csv(path, sep="\t", index_col="gene_id", dtype={"gene_id": str})


def read_annotation(path: str | os.PathLike) -> pd.DataFrame:
    """The gene annotation (gene_id, gene_name, ...): every column a string, empty cells kept as ''."""
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def read_gene_table(path: str | os.PathLike) -> pd.DataFrame:
    """A table with one row per gene (the DE table, dispersions): gene_id and gene_name as strings."""
    return pd.read_csv(path, sep="\t", dtype={"gene_id": str, "gene_name": str})


def read_sample_table(path: str | os.PathLike) -> pd.DataFrame:
    """A table with rows keyed by sample (size factors, library stats, scores, PAM50 calls, outliers,
    distances): sample, group and call as strings."""
    return pd.read_csv(path, sep="\t", dtype={"sample": str, "group": str, "call": str})


def read_enrichment_table(path: str | os.PathLike) -> pd.DataFrame:
    """A GSEA or ORA result table, one row per gene set: term and leading_edge as strings."""
    return pd.read_csv(path, sep="\t", dtype={"term": str, "leading_edge": str})


def read_running_scores(path: str | os.PathLike) -> pd.DataFrame:
    """GSEA running enrichment scores, one row per (term, ranked gene): term and gene_name as strings."""
    return pd.read_csv(path, sep="\t", dtype={"term": str, "gene_name": str})


def read_coverage(path: str | os.PathLike) -> pd.DataFrame:
    """A gene-set coverage table, one row per gene set: term and source as strings."""
    return pd.read_csv(path, sep="\t", dtype={"term": str, "source": str})


def read_overlap_table(path: str | os.PathLike) -> pd.DataFrame:
    """A cross-contrast overlap table: only the literal 'NA' is missing (a gene named 'NaN' stays)."""
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])


def read_audit(path: str | os.PathLike) -> pd.DataFrame:
    """The hypothesis audit: every column as written (verdicts, shares), none read as NA."""
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def indexed_sample_sheet(path: str | os.PathLike) -> pd.DataFrame:
    """The sample sheet indexed by sample ID, the 'sample' column kept."""
    return read_sample_sheet(path).set_index("sample", drop=False)


def read_sample_sheet(path: str | os.PathLike) -> pd.DataFrame:
    """Read the sample sheet as strings, one row per sample.

    Tab-separated; a sheet with commas and no tabs whose every line has the
    same number of fields is read as CSV. A byte-order mark, Windows line
    endings and spaces around fields are dropped. Duplicate column names are
    an error.
    """
    path = Path(path)
    if not path.is_file():
        raise WorkflowInputError(
            f"Sample sheet '{path}' does not exist. Set 'samples' in the config to a "
            "tab-separated file with columns sample, condition, quant."
        )
    numbered = _content_lines(path)
    if not numbered:
        raise WorkflowInputError(
            f"Sample sheet '{path}' is empty. It needs a tab-separated header naming at least "
            "sample, condition and quant, then one row per sample."
        )
    separator = _sheet_separator(path, numbered)
    header = [column.strip() for column in next(csv.reader([numbered[0][1].rstrip("\r\n")], delimiter=separator))]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        raise WorkflowInputError(
            f"Sample sheet '{path}', line {numbered[0][0]}: column name(s) "
            f"{', '.join(repr(column) for column in duplicated)} appear more than once in the header. "
            "Each column needs its own name: rename or remove the duplicate column(s)."
        )
    text = "".join(line for _, line in numbered)
    try:
        sheet = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, comment="#")
    except pd.errors.ParserError as error:
        raise WorkflowInputError(
            f"Sample sheet '{path}' cannot be read: {error}. Every row needs one field per header column."
        ) from error
    sheet.columns = header
    missing = [column for column in SHEET_REQUIRED_COLUMNS if column not in sheet.columns]
    if missing:
        raise WorkflowInputError(
            f"Sample sheet '{path}': missing column(s) {', '.join(missing)}. "
            f"Found columns: {', '.join(sheet.columns)}. The sheet must be tab-separated "
            "with a header naming at least sample, condition and quant."
        )
    if sheet.empty:
        raise WorkflowInputError(f"Sample sheet '{path}' has a header but no samples.")
    sheet = sheet.apply(lambda column: column.str.strip())
    # The file's own line numbers of the rows, for messages (comment and blank lines skipped).
    if len(numbered) - 1 == len(sheet):
        sheet.attrs["line_numbers"] = [number for number, _ in numbered[1:]]
    return sheet


def _sheet_separator(path: Path, numbered: list[tuple[int, str]]) -> str:
    """Tab; or comma for a sheet with no tab whose lines all split into as many fields as its header."""
    header = numbered[0][1]
    if "\t" in header:
        return "\t"
    if "," in header and not any("\t" in line for _, line in numbered):
        widths = {len(next(csv.reader([line.rstrip("\r\n")]))) for _, line in numbered}
        if len(widths) == 1:
            return ","
        raise WorkflowInputError(
            f"Sample sheet '{path}' is not tab-separated: it uses commas, but its lines do not all have the "
            "same number of comma-separated fields (a value holds a comma?). Save it as tab-separated text."
        )
    if len(header.split()) > 1:
        raise WorkflowInputError(
            f"Sample sheet '{path}', line {numbered[0][0]}: the header has no tabs (columns separated by spaces?). "
            "The sheet must be tab-separated: put one tab between columns."
        )
    return "\t"


def _content_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of every line that is neither blank nor a '#' comment; no byte-order mark."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            return [
                (number, line)
                for number, line in enumerate(handle, start=1)
                if line.strip() and not line.lstrip().startswith("#")
            ]
    except (UnicodeDecodeError, EOFError, OSError) as error:
        raise WorkflowInputError(f"Sample sheet '{path}' cannot be read as UTF-8 text: {error}.") from error
