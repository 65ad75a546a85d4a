"""Gene-set files (GMT) and how well each set is covered by the data."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from resistseq.errors import WorkflowInputError

# Sets named in one sentence before the rest are only counted.
MAX_NAMED_SETS = 8


def read_gmt(path: str | os.PathLike) -> dict[str, list[str]]:
    """Sets of a GMT file: name -> unique gene symbols in file order."""
    sets: dict[str, list[str]] = {}
    with open(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = [field.strip() for field in line.rstrip("\n\r").split("\t")]
            if not fields or not fields[0] or fields[0].startswith("#"):
                continue
            if len(fields) < 3:
                raise WorkflowInputError(
                    f"Gene-set file '{path}', line {line_number}: a GMT line needs a name, a description "
                    "and at least one gene, separated by tabs."
                )
            name = fields[0]
            if name in sets:
                raise WorkflowInputError(f"Gene-set file '{path}', line {line_number}: set '{name}' is defined twice.")
            sets[name] = list(dict.fromkeys(gene for gene in fields[2:] if gene))
    if not sets:
        raise WorkflowInputError(f"Gene-set file '{path}' holds no gene sets.")
    return sets


def display_path(path: str | os.PathLike, workflow_dir: str | os.PathLike | None) -> str:
    """A bundled file as 'resources/...' (the same on every machine); a user's file as given."""
    if workflow_dir is not None:
        try:
            return str(Path(path).resolve().relative_to(Path(workflow_dir).resolve()))
        except ValueError:
            pass
    return str(path)


def read_gmt_files(
    paths: Sequence[str | os.PathLike], labels: Sequence[str] | None = None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """All sets of several GMT files, and the file (its label) each set came from.

    The same set name in two files is an error unless both list the same genes.
    """
    sets: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    labels = list(labels) if labels is not None else [str(path) for path in paths]
    for path, label in zip(paths, labels, strict=True):
        for name, genes in read_gmt(path).items():
            if name in sets and set(sets[name]) != set(genes):
                raise WorkflowInputError(
                    f"Gene set '{name}' is defined differently in '{sources[name]}' and '{label}'. Rename one of them."
                )
            if name not in sets:
                sets[name] = genes
                sources[name] = label
    return sets, sources


def current_symbols(
    sets: Mapping[str, list[str]],
    sources: Mapping[str, str],
    aliases: Mapping[str, str],
    data_symbols: Iterable[str],
) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """Sets with old or alias symbols replaced by the current symbol the data carries, and one row per remap.

    A listed symbol is replaced only when the data lack it and ``aliases``
    maps it to a current symbol the data have; a set that already lists the
    current symbol keeps it once.
    """
    universe = set(data_symbols)
    updated: dict[str, list[str]] = {}
    rows = []
    for name, genes in sets.items():
        mapped = []
        for gene in genes:
            current = aliases.get(gene) if gene not in universe else None
            if current is not None and current in universe:
                rows.append({"term": name, "source": sources.get(name, ""), "listed": gene, "current": current})
                gene = current
            mapped.append(gene)
        updated[name] = list(dict.fromkeys(mapped))
    return updated, pd.DataFrame(rows, columns=["term", "source", "listed", "current"])


def read_gene_sets(
    paths: Sequence[str | os.PathLike],
    labels: Sequence[str],
    data_symbols: Iterable[str],
    geneid_table: str | os.PathLike | None,
    logger,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """GMT files read, their old or alias symbols mapped to current ones (each remap logged)."""
    sets, sources = read_gmt_files(paths, labels)
    if geneid_table is None:
        return sets, sources
    from resistseq.geneids import load_gene_table

    table = load_gene_table(geneid_table)
    sets, remaps = current_symbols(sets, sources, table.aliases, data_symbols)
    logger.info("gene sets: %d old or alias symbol(s) mapped to current symbols (%s)", len(remaps), table.label)
    for remap in remaps.itertuples(index=False):
        logger.info("gene set %s (%s): %s -> %s", remap.term, remap.source, remap.listed, remap.current)
    return sets, sources


def bundled_gmt_files(resource_dir: str | os.PathLike) -> list[str]:
    return sorted(str(path) for path in Path(resource_dir).glob("*.gmt"))


def set_coverage(
    sets: Mapping[str, list[str]],
    sources: Mapping[str, str],
    tested_genes: Iterable[str],
    min_size: int,
    max_size: int,
    min_coverage: float,
) -> pd.DataFrame:
    """Per set: genes listed, genes found in the ranking, the share found, and whether it is tested."""
    universe = set(tested_genes)
    rows = []
    for name, genes in sets.items():
        found = [gene for gene in genes if gene in universe]
        share = len(found) / len(genes) if genes else 0.0
        if len(found) < min_size:
            status = f"dropped: {len(found)} genes found < min_size {min_size}"
        elif len(found) > max_size:
            status = f"dropped: {len(found)} genes found > max_size {max_size}"
        else:
            status = "tested"
        rows.append(
            {
                "term": name,
                "source": sources.get(name, ""),
                "set_size": len(genes),
                "genes_found": len(found),
                "share_found": round(share, 4),
                "low_coverage": share < min_coverage,
                "status": status,
            }
        )
    return pd.DataFrame(
        rows, columns=["term", "source", "set_size", "genes_found", "share_found", "low_coverage", "status"]
    )


def log_coverage(coverage: pd.DataFrame, logger) -> None:
    """Each set's share of genes found; a warning, naming the set, when few are or it cannot be used."""
    for entry in coverage.itertuples(index=False):
        logger.info(
            "gene set %s (%s): %d of %d genes matched (%.1f%%)",
            entry.term,
            entry.source,
            entry.genes_found,
            entry.set_size,
            100 * entry.share_found,
        )
        if entry.low_coverage:
            logger.warning(
                "gene set %s (%s): only %d of %d genes (%.0f%%) found in the data; check that it uses the "
                "same gene symbols as the annotation",
                entry.term,
                entry.source,
                entry.genes_found,
                entry.set_size,
                100 * entry.share_found,
            )
        if entry.status != "tested":
            logger.warning("gene set %s left out: %s", entry.term, entry.status)


def dropped_statement(coverage: pd.DataFrame) -> str:
    """'every gene set was dropped: ...' naming each set and why, or '' when any set is tested."""
    if (coverage["status"] == "tested").any():
        return ""
    reasons = [f"{entry.term} ({entry.status.removeprefix('dropped: ')})" for entry in coverage.itertuples()]
    if not reasons:
        return "no gene set was given"
    shown = "; ".join(reasons[:MAX_NAMED_SETS])
    more = len(reasons) - MAX_NAMED_SETS
    if more > 0:
        shown += f"; and {more} more (geneset_coverage.tsv lists each)"
    return f"every gene set was dropped: {shown}"
