"""Per-sample quantification tables to one gene x sample count matrix.

Transcript-level tables (salmon, kallisto, RSEM isoforms) are checked here and
summarised to genes by pytximport, as R's tximport does; gene-level tables
(RSEM genes, featureCounts, a count matrix) are read directly. Counts are
rounded to integers for PyDESeq2, which has no tximport length offsets.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from resistseq.errors import WorkflowInputError
from resistseq.geneids import strip_version

# Standard columns of each transcript-level format: id, counts, effective length, abundance.
TRANSCRIPT_COLUMNS = {
    "salmon": ("Name", "NumReads", "EffectiveLength", "TPM"),
    "kallisto": ("target_id", "est_counts", "eff_length", "tpm"),
    "rsem_isoforms": ("transcript_id", "expected_count", "effective_length", "TPM"),
}
RSEM_GENE_COLUMNS = ("gene_id", "expected_count")
FEATURECOUNTS_FIXED = ("Geneid", "Chr", "Start", "End", "Strand", "Length")
# Header spellings of tx2gene tables in common use (tximport vignette, Ensembl/GENCODE exports).
COLUMN_ALIASES = {
    "tx_id": "transcript_id",
    "TXNAME": "transcript_id",
    "target_id": "transcript_id",
    "GENEID": "gene_id",
    "gene_symbol": "gene_name",
    "SYMBOL": "gene_name",
    "symbol": "gene_name",
}


@dataclass
class GeneCounts:
    """Integer gene counts (genes x samples) and a gene_id -> gene_name table."""

    counts: pd.DataFrame
    annotation: pd.DataFrame
    notes: list[str] = field(default_factory=list)  # how the inputs were read and named, for the log
    # Per gene (annotation order): where its name came from (resistseq.geneids.NAME_SOURCES).
    name_source: pd.Series | None = None


def _read_table(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep="\t", comment=None, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, EOFError, OSError) as error:
        raise WorkflowInputError(f"Quant file '{path}' cannot be read as a tab-separated table: {error}.") from error


def _numeric_columns(
    table: pd.DataFrame, columns: list[str], path: str | os.PathLike, id_column: str, header_line: int = 1
) -> None:
    """Fail naming the file, column and first bad row when values are not finite, non-negative numbers.

    ``header_line`` is the file's line number of the header (after leading comment lines).
    """
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values) | (values < 0)
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            line = header_line + 1 + position
            raise WorkflowInputError(
                f"Quant file '{path}', line {line} ({id_column} '{table[id_column].iloc[position]}'): "
                f"column '{column}' holds '{table[column].iloc[position]}', not a non-negative number "
                f"({int(bad.sum())} such row(s)). Re-export the file from the quantifier."
            )
        table[column] = values.astype(float)


def detect_rsem_level(path: str | os.PathLike) -> str:
    """'genes' or 'isoforms' from the first column of an RSEM results file."""
    header = _read_table(path, nrows=0).columns
    if len(header) and header[0] == "gene_id":
        return "genes"
    if len(header) and header[0] == "transcript_id":
        return "isoforms"
    raise WorkflowInputError(
        f"Quant file '{path}': not an RSEM results file (first column '{header[0] if len(header) else ''}'; "
        "expected gene_id for *.genes.results or transcript_id for *.isoforms.results)."
    )


def read_transcript_table(path: str | os.PathLike, file_format: str) -> pd.DataFrame:
    """One transcript-level file as columns transcript_id, counts, length, abundance."""
    if file_format == "rsem":
        file_format = "rsem_isoforms"
    id_column, counts_column, length_column, abundance_column = TRANSCRIPT_COLUMNS[file_format]
    table = _read_table(path, dtype=str, keep_default_na=False)
    wanted = [id_column, counts_column, length_column, abundance_column]
    missing = [column for column in wanted if column not in table.columns]
    if missing:
        raise WorkflowInputError(
            f"Quant file '{path}': missing column(s) {', '.join(missing)} for format "
            f"'{file_format.split('_')[0]}' (found: {', '.join(map(str, table.columns))}). "
            "Check quantification.format in the config and that the file is the quantifier's own output."
        )
    if table.empty:
        raise WorkflowInputError(f"Quant file '{path}' has no transcripts.")
    _numeric_columns(table, [counts_column, length_column, abundance_column], path, id_column)
    duplicated = table[id_column].duplicated()
    if duplicated.any():
        raise WorkflowInputError(
            f"Quant file '{path}': transcript '{table[id_column][duplicated].iloc[0]}' appears more than once."
        )
    renamed = table[wanted].rename(
        columns={
            id_column: "transcript_id",
            counts_column: "counts",
            length_column: "length",
            abundance_column: "abundance",
        }
    )
    return renamed.reset_index(drop=True)


def read_tx2gene(path: str | os.PathLike) -> pd.DataFrame:
    """transcript_id, gene_id and gene_name (gene_id where absent), as strings."""
    separator = "," if re.search(r"\.csv(\.gz)?$", str(path)) else "\t"
    table = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False)
    table = table.rename(columns=lambda column: COLUMN_ALIASES.get(column.strip(), column.strip()))
    missing = [column for column in ("transcript_id", "gene_id") if column not in table.columns]
    if missing:
        raise WorkflowInputError(
            f"Transcript → gene table '{path}': missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(table.columns)}). It needs a header with transcript_id, gene_id "
            "and optionally gene_name."
        )
    if "gene_name" not in table.columns:
        table["gene_name"] = table["gene_id"]
    table["gene_name"] = table["gene_name"].where(table["gene_name"] != "", table["gene_id"])
    duplicated = table["transcript_id"].duplicated()
    if duplicated.any():
        raise WorkflowInputError(
            f"Transcript → gene table '{path}': transcript '{table['transcript_id'][duplicated].iloc[0]}' "
            "is listed more than once. Each transcript must map to exactly one gene."
        )
    return table[["transcript_id", "gene_id", "gene_name"]]


def match_identifiers(
    query: pd.Index, reference: pd.Index, what: str, query_source: str, reference_source: str
) -> pd.Index:
    """For each query ID, the reference ID it denotes: exact, or equal without versions.

    An ID that has no exact match is compared without its version only if its
    unversioned form is unique on both sides (GENCODE _PAR_Y IDs stay apart;
    ENST1.1 and ENST1.2 are never merged into one ENST1).
    """
    exact = query.isin(reference)
    if exact.all():
        return query
    query_stripped = pd.Index([strip_version(i) for i in query])
    reference_stripped = pd.Index([strip_version(i) for i in reference])
    in_reference = query_stripped.isin(reference_stripped)
    ambiguous = query_stripped.duplicated(keep=False) | query_stripped.isin(
        reference_stripped[reference_stripped.duplicated()]
    )
    by_stripped = ~exact & in_reference & ~ambiguous
    matched = exact | by_stripped
    if not matched.all():
        missing = query[~matched]
        message = (
            f"{len(missing)} {what}(s) in {query_source} are missing from {reference_source}, "
            f"e.g. {', '.join(missing[:5])}."
        )
        unclear = query[~matched & in_reference & ambiguous]
        if len(unclear):
            message += (
                f" {len(unclear)} of them would match only without their version, which is not unique "
                f"(e.g. '{unclear[0]}' as '{strip_version(unclear[0])}'), so they are not matched."
            )
        raise WorkflowInputError(
            message + " Use the transcript → gene table made from the same "
            "annotation (and version) as the quantification index."
        )
    lookup = pd.Series(reference.to_numpy(), index=reference_stripped)
    lookup = lookup[~lookup.index.duplicated(keep=False)]
    mapped = query.to_numpy(dtype=object, copy=True)
    mapped[by_stripped] = lookup.loc[query_stripped[by_stripped]].to_numpy()
    return pd.Index(mapped)


def check_same_transcripts(tables: Mapping[str, pd.DataFrame], paths: Mapping[str, str]) -> None:
    """All files must list the same transcripts in the same order (pytximport aligns by position)."""
    samples = list(tables)
    first = tables[samples[0]]["transcript_id"]
    for sample in samples[1:]:
        other = tables[sample]["transcript_id"]
        if len(other) != len(first) or not np.array_equal(other.to_numpy(), first.to_numpy()):
            if len(other) == len(first) and set(other) == set(first):
                problem = "lists the same transcripts in a different order from"
            else:
                problem = f"lists {len(other)} transcripts, not the same set as the {len(first)} in"
            raise WorkflowInputError(
                f"Quant file '{paths[sample]}' (sample '{sample}') {problem} '{paths[samples[0]]}' "
                f"(sample '{samples[0]}'). Quantify every sample against the same index."
            )


def read_mapped_transcripts(
    quant_paths: Mapping[str, str], file_format: str, tx2gene: pd.DataFrame, tx2gene_source: str
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every sample's checked transcript table, and the tx2gene rows (gene_id, gene_name) of its transcripts.

    All files must list the same transcripts, each of them in the tx2gene table.
    """
    tables = {sample: read_transcript_table(path, file_format) for sample, path in quant_paths.items()}
    check_same_transcripts(tables, quant_paths)
    first_sample = next(iter(tables))
    mapped = match_identifiers(
        pd.Index(tables[first_sample]["transcript_id"]),
        pd.Index(tx2gene["transcript_id"]),
        "transcript",
        f"quant file '{quant_paths[first_sample]}'",
        f"transcript → gene table '{tx2gene_source}'",
    )
    return tables, tx2gene.set_index("transcript_id").loc[mapped]


def summarise_transcripts(
    quant_paths: Mapping[str, str],
    file_format: str,
    tx2gene: pd.DataFrame,
    tx2gene_source: str,
    counts_from_abundance: str = "length_scaled_tpm",
) -> GeneCounts:
    """Transcript tables of every sample -> rounded gene counts, via pytximport."""
    from pytximport import tximport
    from pytximport.definitions import TranscriptData

    tables, mapping = read_mapped_transcripts(quant_paths, file_format, tx2gene, tx2gene_source)
    transcripts = pd.Index(next(iter(tables.values()))["transcript_id"])
    transcript_gene_map = pd.DataFrame(
        {"transcript_id": transcripts.to_numpy(), "gene_id": mapping["gene_id"].to_numpy()}
    )

    by_path = {str(path): tables[sample] for sample, path in quant_paths.items()}

    def already_read(file_path, **_columns) -> TranscriptData:
        table = by_path[str(file_path)]
        return TranscriptData(
            transcript_id=table["transcript_id"].tolist(),
            counts=table["counts"].to_numpy(),
            length=table["length"].to_numpy(),
            abundance=table["abundance"].to_numpy(),
            inferential_replicates=None,
        )

    result = tximport(
        [str(path) for path in quant_paths.values()],
        data_type="tsv",
        transcript_gene_map=transcript_gene_map,
        counts_from_abundance=None if counts_from_abundance == "no" else counts_from_abundance,
        ignore_transcript_version=False,
        ignore_after_bar=False,
        id_column="transcript_id",
        counts_column="counts",
        length_column="length",
        abundance_column="abundance",
        custom_importer=already_read,
        output_type="anndata",
    )
    path_to_sample = {str(path): sample for sample, path in quant_paths.items()}
    counts = pd.DataFrame(
        np.asarray(result.X, dtype=float).T,
        index=pd.Index(result.var_names.astype(str), name="gene_id"),
        columns=[path_to_sample[str(path)] for path in result.obs_names],
    )
    annotation = (
        mapping.reset_index(drop=True)[["gene_id", "gene_name"]].drop_duplicates("gene_id").set_index("gene_id")
    )
    rounded = round_counts(counts)
    return GeneCounts(rounded, annotation.loc[rounded.index].reset_index())


def round_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Round estimated counts half-to-even (as R's round) to int64, genes sorted by ID."""
    rounded = np.rint(counts.to_numpy(dtype=float)).astype(np.int64)
    return pd.DataFrame(rounded, index=counts.index, columns=counts.columns).sort_index()


def read_rsem_genes(quant_paths: Mapping[str, str]) -> pd.DataFrame:
    columns = {}
    for sample, path in quant_paths.items():
        table = _read_table(path, dtype=str, keep_default_na=False)
        missing = [column for column in RSEM_GENE_COLUMNS if column not in table.columns]
        if missing:
            raise WorkflowInputError(
                f"Quant file '{path}': missing column(s) {', '.join(missing)} of an RSEM *.genes.results file."
            )
        _numeric_columns(table, ["expected_count"], path, "gene_id")
        columns[sample] = table.set_index("gene_id")["expected_count"]
    return _aligned_gene_columns(columns, quant_paths)


def read_featurecounts(quant_paths: Mapping[str, str]) -> pd.DataFrame:
    """The sample's count column from featureCounts output (one column, or the one named after it)."""
    columns = {}
    for sample, path in quant_paths.items():
        comment_lines = _leading_comment_lines(path)
        table = _read_table(path, skiprows=comment_lines, dtype=str, keep_default_na=False)
        if list(table.columns[: len(FEATURECOUNTS_FIXED)]) != list(FEATURECOUNTS_FIXED):
            raise WorkflowInputError(
                f"Quant file '{path}': not featureCounts output (expected columns "
                f"{', '.join(FEATURECOUNTS_FIXED)} before the counts; found {', '.join(map(str, table.columns[:6]))})."
            )
        count_columns = list(table.columns[len(FEATURECOUNTS_FIXED) :])
        column = _featurecounts_column(sample, count_columns, path)
        _numeric_columns(table, [column], path, "Geneid", header_line=comment_lines + 1)
        columns[sample] = table.set_index("Geneid")[column]
    return _aligned_gene_columns(columns, quant_paths)


def _leading_comment_lines(path: str | os.PathLike) -> int:
    """How many lines at the top of the file start with '#' (featureCounts writes one)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    count = 0
    try:
        with opener(path, "rt") as handle:
            for line in handle:
                if not line.startswith("#"):
                    break
                count += 1
    except (UnicodeDecodeError, EOFError, OSError) as error:
        raise WorkflowInputError(f"Quant file '{path}' cannot be read: {error}.") from error
    return count


def _featurecounts_column(sample: str, count_columns: list[str], path: str) -> str:
    if len(count_columns) == 1:
        return count_columns[0]
    named = [c for c in count_columns if re.sub(r"\.(bam|sam|cram)$", "", Path(c).name) == sample]
    if len(named) == 1:
        return named[0]
    raise WorkflowInputError(
        f"Quant file '{path}' has {len(count_columns)} count columns and none is named after sample "
        f"'{sample}' (columns: {', '.join(count_columns)}). Give each sample its own featureCounts "
        "file or name the BAM files after the samples."
    )


def read_count_matrix(
    quant_paths: Mapping[str, str], gene_name_column: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sample columns of gene x sample matrices and the files' gene symbols (None without a symbol column).

    See resistseq.count_matrix for the shapes accepted.
    """
    from resistseq.count_matrix import read_count_matrices

    result = read_count_matrices(quant_paths, gene_name_column)
    return result.counts, result.annotation


def _group_by_path(quant_paths: Mapping[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for sample, path in quant_paths.items():
        grouped.setdefault(str(path), []).append(sample)
    return grouped


def _aligned_gene_columns(columns: Mapping[str, pd.Series], quant_paths: Mapping[str, str]) -> pd.DataFrame:
    samples = list(columns)
    first = columns[samples[0]].index
    for sample in samples:
        index = columns[sample].index
        if index.duplicated().any():
            raise WorkflowInputError(
                f"Quant file '{quant_paths[sample]}': gene '{index[index.duplicated()][0]}' appears more than once."
            )
        if not index.sort_values().equals(first.sort_values()):
            raise WorkflowInputError(
                f"Quant file '{quant_paths[sample]}' (sample '{sample}') does not list the same genes as "
                f"'{quant_paths[samples[0]]}' (sample '{samples[0]}'). Count every sample against the same annotation."
            )
    counts = pd.DataFrame({sample: columns[sample].reindex(first) for sample in samples})
    counts.index.name = "gene_id"
    return round_counts(counts)


def read_gene_annotation(path: str | os.PathLike) -> pd.DataFrame:
    separator = "," if re.search(r"\.csv(\.gz)?$", str(path)) else "\t"
    table = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False)
    table = table.rename(columns=lambda column: COLUMN_ALIASES.get(column.strip(), column.strip()))
    missing = [column for column in ("gene_id", "gene_name") if column not in table.columns]
    if missing:
        raise WorkflowInputError(
            f"Gene annotation '{path}': missing column(s) {', '.join(missing)}; it needs gene_id and gene_name."
        )
    return table[["gene_id", "gene_name"]].drop_duplicates("gene_id")


def _names_at(names: pd.Series, gene_ids) -> np.ndarray:
    """``names.get(gene_id)`` for each of ``gene_ids`` (None where absent); ``names`` has unique IDs."""
    with_absent = np.empty(len(names) + 1, dtype=object)
    with_absent[:-1] = names.to_numpy(dtype=object)
    return with_absent[names.index.get_indexer(gene_ids)]  # -1, absent, picks the trailing None


def annotate_genes(gene_ids: pd.Index, annotation: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """gene_id, gene_name for every gene; IDs are matched with or without versions, unnamed keep their ID.

    An ID absent from the annotation (or named None there) is matched without its version, when that is
    unambiguous; a name that is not a non-empty string, or is 'nan', leaves the gene its ID.
    """
    # A copy: writing names into a view of the index array would rename the caller's genes.
    names = gene_ids.to_numpy(copy=True)
    if annotation is not None:
        table = annotation.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
        stripped = pd.Series(table.to_numpy(), index=[strip_version(i) for i in table.index])
        stripped = stripped[~stripped.index.duplicated(keep=False)]
        found = _names_at(table, gene_ids)
        absent = np.array([name is None for name in found], dtype=bool)
        found[absent] = _names_at(stripped, [strip_version(gene_id) for gene_id in gene_ids[absent]])
        named = np.array([isinstance(name, str) and name != "" and name != "nan" for name in found], dtype=bool)
        names = names.astype(object, copy=False)
        names[named] = found[named]
    return pd.DataFrame({"gene_id": gene_ids.to_numpy(), "gene_name": names})


def import_gene_counts(
    quant_paths: Mapping[str, str],
    file_format: str,
    tx2gene_path: str | None = None,
    gene_annotation_path: str | None = None,
    counts_from_abundance: str = "length_scaled_tpm",
    gene_name_column: str | None = None,
    geneid_table_path: str | None = None,
) -> GeneCounts:
    """The workflow's import step for every supported format.

    Genes the inputs leave without a symbol are named from the offline gene ID
    table at ``geneid_table_path`` (resources/geneids); the annotation gains a
    name_source column and ``notes`` say how the files were read and named.
    """
    result = _import_counts(
        quant_paths, file_format, tx2gene_path, gene_annotation_path, counts_from_abundance, gene_name_column
    )
    from resistseq.geneids import load_gene_table, name_genes, naming_summary

    table = load_gene_table(geneid_table_path) if geneid_table_path else None
    named = name_genes(result.annotation, table)
    result.annotation = named[["gene_id", "gene_name"]]
    result.name_source = named["name_source"]
    result.notes.append(
        naming_summary(named)
        + (f" (gene ID table {table.label})" if table is not None else " (no gene ID table: organism none)")
    )
    return result


def _import_counts(
    quant_paths: Mapping[str, str],
    file_format: str,
    tx2gene_path: str | None,
    gene_annotation_path: str | None,
    counts_from_abundance: str,
    gene_name_column: str | None,
) -> GeneCounts:
    annotation = read_gene_annotation(gene_annotation_path) if gene_annotation_path else None
    tx2gene = read_tx2gene(tx2gene_path) if tx2gene_path else None
    if is_transcript_level(quant_paths, file_format):
        tx2gene, tx2gene_source = transcript_gene_table(quant_paths, file_format, tx2gene, tx2gene_path)
        result = summarise_transcripts(quant_paths, file_format, tx2gene, tx2gene_source, counts_from_abundance)
        if annotation is not None:
            result.annotation = annotate_genes(result.counts.index, annotation, str(gene_annotation_path))
        return result
    counts, file_names, notes = read_gene_level(quant_paths, file_format, gene_name_column)
    annotation = annotation if annotation is not None else file_names
    if annotation is None and tx2gene is not None:
        annotation = tx2gene[["gene_id", "gene_name"]]
    return GeneCounts(counts, annotate_genes(counts.index, annotation, str(gene_annotation_path)), notes)


def read_gene_level(
    quant_paths: Mapping[str, str], file_format: str, gene_name_column: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """Rounded gene counts of gene-level files, the gene names a count matrix carries (else None), and notes
    on how each count matrix was read."""
    if file_format == "rsem":
        return read_rsem_genes(quant_paths), None, []
    if file_format == "featurecounts":
        return read_featurecounts(quant_paths), None, []
    if file_format == "matrix":
        from resistseq.count_matrix import read_count_matrices

        matrices = read_count_matrices(quant_paths, gene_name_column)
        return matrices.counts, matrices.annotation, [layout.describe() for layout in matrices.layouts]
    raise WorkflowInputError(f"Unknown quantification.format '{file_format}'.")


def is_transcript_level(quant_paths: Mapping[str, str], file_format: str) -> bool:
    """Whether the files are transcript tables to summarise to genes (salmon, kallisto, RSEM isoforms)."""
    if file_format != "rsem":
        return file_format in ("salmon", "kallisto")
    levels = {detect_rsem_level(path) for path in quant_paths.values()}
    if len(levels) > 1:
        raise WorkflowInputError(
            "The sample sheet mixes RSEM *.genes.results and *.isoforms.results files; use one kind."
        )
    return levels == {"isoforms"}


def transcript_gene_table(
    quant_paths: Mapping[str, str], file_format: str, tx2gene: pd.DataFrame | None, tx2gene_path: str | None
) -> tuple[pd.DataFrame, str]:
    """The transcript → gene table for transcript-level files and where it came from.

    RSEM isoform files carry their own gene_id column, used when no tx2gene is configured.
    """
    if tx2gene is not None:
        return tx2gene, str(tx2gene_path)
    if file_format == "rsem":
        first = str(next(iter(quant_paths.values())))
        return _rsem_tx2gene(first), first
    raise WorkflowInputError(f"Format '{file_format}' needs quantification.tx2gene in the config.")


def _rsem_tx2gene(path: str) -> pd.DataFrame:
    table = _read_table(path, dtype=str, usecols=["transcript_id", "gene_id"])
    table["gene_name"] = table["gene_id"]
    return table
