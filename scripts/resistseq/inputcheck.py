"""Content checks of every quantification file, run while Snakemake builds the DAG.

The files are read by the import job's own readers (resistseq.quant), so they
are checked exactly as the import would check them: readable, the format's
columns, finite non-negative numbers, one transcript set across files, every
transcript in the tx2gene table. On top, every sample must have counts and at
least ``qc.min_detected_genes`` detected genes. A broken input thus stops
Snakemake before any job starts, and no earlier result is deleted.

A passed check is recorded in a small cache keyed on the path, size and
modification time of every input (and on the settings and this code), so an
invocation with unchanged inputs (a dry-run, a rerun) does not read the files
again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from resistseq import count_matrix, quant
from resistseq.errors import WorkflowInputError
from resistseq.runtime import atomic_path
from resistseq.validation import join_messages, sheet_line_number, sheet_row_label

CACHE_PATH = Path(".snakemake") / "resistseq" / "quant_check.json"
# What "counts" means for each format before gene counts exist (transcript tables are summed per gene).
COUNTED = {
    "salmon": "NumReads",
    "kallisto": "est_counts",
    "rsem": "expected_count",
    "featurecounts": "the sample's count column",
    "matrix": "the sample's column",
}


def file_gene_counts(
    quant_paths: Mapping[str, str],
    file_format: str,
    tx2gene_path: str | None,
    gene_annotation_path: str | None = None,
    gene_name_column: str | None = None,
) -> pd.DataFrame:
    """Gene x sample counts as the files give them, every input of the import checked by its readers.

    Transcript tables: the file's counts (NumReads, est_counts, expected_count)
    summed over each gene's transcripts and rounded, without pytximport's
    length scaling. Gene-level files: the counts the import reads.
    """
    if gene_annotation_path:
        quant.read_gene_annotation(gene_annotation_path)
    tx2gene = quant.read_tx2gene(tx2gene_path) if tx2gene_path else None
    if not quant.is_transcript_level(quant_paths, file_format):
        return quant.read_gene_level(quant_paths, file_format, gene_name_column)[0]
    tx2gene, source = quant.transcript_gene_table(quant_paths, file_format, tx2gene, tx2gene_path)
    # One file in memory at a time (beside the first): this runs in the main Snakemake process.
    first_sample, *others = quant_paths
    tables, mapping = quant.read_mapped_transcripts(
        {first_sample: quant_paths[first_sample]}, file_format, tx2gene, source
    )
    reference = tables[first_sample]
    genes = mapping["gene_id"].to_numpy()
    by_gene = {first_sample: reference["counts"].groupby(genes).sum()}
    for sample in others:
        table = quant.read_transcript_table(quant_paths[sample], file_format)
        quant.check_same_transcripts({first_sample: reference, sample: table}, quant_paths)
        by_gene[sample] = table["counts"].groupby(genes).sum()
    counts = pd.DataFrame(by_gene)
    counts.index.name = "gene_id"
    return quant.round_counts(counts)


def library_summary(counts: pd.DataFrame) -> pd.DataFrame:
    """Per sample (rows): library size and detected genes (genes with at least one count)."""
    return pd.DataFrame(
        {"library_size": counts.sum(axis=0).astype("int64"), "detected_genes": (counts > 0).sum(axis=0)},
        index=pd.Index(counts.columns, name="sample"),
    )


def sample_errors(
    summary: pd.DataFrame,
    sheet: pd.DataFrame,
    file_format: str,
    min_detected_genes: int,
    sheet_path: str,
    config_label: str,
) -> list[str]:
    """One message per sample without counts or with fewer than ``min_detected_genes`` detected genes."""
    messages = []
    counted = COUNTED[file_format]
    for position, (sample, path) in enumerate(zip(sheet["sample"], sheet["quant"], strict=True)):
        library_size, detected = (int(value) for value in summary.loc[sample, ["library_size", "detected_genes"]])
        label = sheet_row_label(sheet_path, position, sample, sheet_line_number(sheet, position))
        if library_size == 0:
            messages.append(
                f"{label}: quant file '{path}' has no counts at all (library size 0 in {counted}): "
                "the library failed. Remove the sample from the sheet."
            )
        elif detected < min_detected_genes:
            messages.append(
                f"{label}: quant file '{path}' has {detected} detected genes (library size {library_size} "
                f"in {counted}), fewer than qc.min_detected_genes = {min_detected_genes} ({config_label}). "
                "Remove the sample from the sheet, or lower qc.min_detected_genes if the library is as expected."
            )
    return messages


def check_quantifications(
    config: Mapping,
    sheet: pd.DataFrame,
    config_label: str,
    cache_path: str | os.PathLike | None = CACHE_PATH,
) -> pd.DataFrame:
    """Check every quant file's content; return library size and detected genes per sample.

    Raises ``WorkflowInputError`` naming the file, row or sample, and the fix.
    With ``cache_path``, inputs that passed before (same key) are not read again.
    """
    quantification = config["quantification"]
    file_format = quantification["format"]
    tx2gene_path = quantification.get("tx2gene")
    gene_annotation_path = quantification.get("gene_annotation")
    min_detected_genes = int(config["qc"]["min_detected_genes"])
    quant_paths = dict(zip(sheet["sample"], sheet["quant"], strict=True))
    key = cache_key(
        quant_paths,
        file_format,
        [tx2gene_path, gene_annotation_path],
        min_detected_genes,
        quantification["gene_name_column"],
    )
    cached = read_cache(cache_path, key) if cache_path else None
    if cached is not None:
        return cached
    counts = file_gene_counts(
        quant_paths, file_format, tx2gene_path, gene_annotation_path, quantification["gene_name_column"]
    )
    summary = library_summary(counts)
    messages = sample_errors(summary, sheet, file_format, min_detected_genes, str(config["samples"]), config_label)
    if messages:
        raise WorkflowInputError(join_messages(messages))
    if cache_path:
        write_cache(cache_path, key, summary)
    return summary


def _file_state(path: str | os.PathLike) -> list:
    status = os.stat(path)
    return [str(path), status.st_size, status.st_mtime_ns]


def cache_key(
    quant_paths: Mapping[str, str],
    file_format: str,
    tables: list[str | None],
    min_detected_genes: int,
    gene_name_column: str | None = None,
) -> str:
    """A digest of everything the check's outcome depends on, files by path, size and modification time.

    ``tables`` are the other files read: tx2gene and gene annotation (None when not configured).
    """
    state = {
        "format": file_format,
        "min_detected_genes": min_detected_genes,
        "gene_name_column": gene_name_column,
        "samples": [[sample, *_file_state(path)] for sample, path in quant_paths.items()],
        "tables": [_file_state(path) if path else None for path in tables],
        "code": [_file_state(__file__), _file_state(quant.__file__), _file_state(count_matrix.__file__)],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def read_cache(cache_path: str | os.PathLike, key: str) -> pd.DataFrame | None:
    """The stored summary if the cache holds a passed check with this key, else None."""
    try:
        stored = json.loads(Path(cache_path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return pd.DataFrame(stored["summary"]).set_index("sample")


def write_cache(cache_path: str | os.PathLike, key: str, summary: pd.DataFrame) -> None:
    """Record a passed check; a directory that cannot be written only costs a re-check next time."""
    records = json.loads(summary.reset_index().to_json(orient="records"))
    try:
        with atomic_path(cache_path) as temporary:
            temporary.write_text(json.dumps({"key": key, "summary": records}, indent=1) + "\n")
    except OSError:
        pass
