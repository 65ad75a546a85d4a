"""Offline gene IDs: Ensembl and Entrez IDs to current symbols, and old or alias symbols to current ones.

The tables in resources/geneids/ (built by resources/geneids/build_geneids.py)
have columns id, id_type (ensembl, entrez, symbol, alias) and symbol. Every id
maps to exactly one current symbol; an alias that is itself a current symbol,
or that points at several genes, is left out.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from resistseq.errors import WorkflowInputError

ORGANISMS = ("human", "mouse")
ENSEMBL_GENE = re.compile(r"^ENS[A-Z]*G\d{11}(\.\d+)?(_PAR_Y)?$")
ENTREZ = re.compile(r"^\d+$")
NAME_SOURCES = ("annotation", "geneids", "id_is_symbol", "id")


def table_path(resource_dir: str | os.PathLike, organism: str) -> str | None:
    """resources/geneids/{organism}.tsv.gz, or None for organism 'none'."""
    if organism == "none":
        return None
    return str(Path(resource_dir) / f"{organism}.tsv.gz")


@dataclass
class GeneIdTable:
    """One organism's table, with a label (file name and build date) for logs and methods."""

    table: pd.DataFrame
    label: str

    def lookup(self, id_type: str) -> pd.Series:
        rows = self.table[self.table["id_type"] == id_type]
        return pd.Series(rows["symbol"].to_numpy(), index=rows["id"].to_numpy())

    @property
    def approved(self) -> set[str]:
        return set(self.table.loc[self.table["id_type"] == "symbol", "symbol"])

    @property
    def aliases(self) -> pd.Series:
        return self.lookup("alias")


def load_gene_table(path: str | os.PathLike) -> GeneIdTable:
    note = table_note(path)
    try:
        # No comment character: symbols such as 'RDH#2' hold '#'; the build note is the one first line.
        table = pd.read_csv(
            path, sep="\t", dtype=str, keep_default_na=False, skiprows=1 if note else 0, quoting=csv.QUOTE_NONE
        )
    except (OSError, EOFError, pd.errors.ParserError) as error:
        raise WorkflowInputError(f"Gene ID table '{path}' cannot be read: {error}.") from error
    missing = [column for column in ("id", "id_type", "symbol") if column not in table.columns]
    if missing:
        raise WorkflowInputError(f"Gene ID table '{path}': missing column(s) {', '.join(missing)}.")
    return GeneIdTable(table, f"{Path(path).name} ({note or 'no build note'})")


def table_note(path: str | os.PathLike) -> str:
    """The '# source: ...' line the build script writes first."""
    import gzip

    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as handle:
        first = handle.readline().strip()
    return first.lstrip("# ").strip() if first.startswith("# source:") else ""


def id_kind(gene_ids: Iterable[str]) -> str:
    """'ensembl', 'entrez' or 'symbol': what most of the IDs are."""
    ids = [str(gene_id) for gene_id in gene_ids]
    if not ids:
        return "symbol"
    ensembl = sum(bool(ENSEMBL_GENE.match(gene_id)) for gene_id in ids)
    entrez = sum(bool(ENTREZ.match(gene_id)) for gene_id in ids)
    if ensembl > len(ids) / 2:
        return "ensembl"
    if entrez > len(ids) / 2:
        return "entrez"
    return "symbol"


def symbols_for_ids(gene_ids: pd.Index, table: GeneIdTable) -> pd.Series:
    """Current symbol of each ID (Ensembl with or without version, or Entrez); '' where unknown."""
    from resistseq.quant import strip_version

    kind = id_kind(gene_ids)
    if kind == "symbol":
        return pd.Series("", index=gene_ids)
    lookup = table.lookup(kind)
    keys = [strip_version(str(gene_id)) if kind == "ensembl" else str(gene_id) for gene_id in gene_ids]
    return pd.Series([lookup.get(key, "") for key in keys], index=gene_ids)


def name_genes(annotation: pd.DataFrame, table: GeneIdTable | None) -> pd.DataFrame:
    """gene_id, gene_name, name_source: the input's own names win; the table names the rest.

    ``annotation`` holds gene_id and gene_name, a gene without a name carrying
    its ID as gene_name (as ``quant.annotate_genes`` gives it).
    """
    named = annotation["gene_name"] != annotation["gene_id"]
    source = pd.Series("id", index=annotation.index)
    source[named] = "annotation"
    names = annotation["gene_name"].copy()
    if table is not None:
        from_table = symbols_for_ids(pd.Index(annotation["gene_id"]), table).to_numpy()
        fill = ~named.to_numpy() & (from_table != "")
        names[fill] = from_table[fill]
        source[fill] = "geneids"
        known = table.approved | set(table.aliases.index)
        is_symbol = (source == "id") & annotation["gene_id"].isin(known)
        source[is_symbol] = "id_is_symbol"
    return pd.DataFrame(
        {"gene_id": annotation["gene_id"].to_numpy(), "gene_name": names.to_numpy(), "name_source": source.to_numpy()}
    )


def naming_summary(named: pd.DataFrame) -> str:
    """'12,345 of 20,000 genes (61.7%) have a symbol: ...' from a name_genes table."""
    counts = named["name_source"].value_counts()
    total = len(named)
    with_symbol = total - int(counts.get("id", 0))
    share = with_symbol / total if total else 0.0
    parts = [
        f"{int(counts.get(key, 0)):,} {label}"
        for key, label in (
            ("annotation", "from the input's annotation"),
            ("geneids", "from the gene ID table"),
            ("id_is_symbol", "whose ID is a symbol"),
            ("id", "without a symbol (keep their ID)"),
        )
        if counts.get(key, 0)
    ]
    return f"{with_symbol:,} of {total:,} genes ({share:.1%}) have a symbol: " + "; ".join(parts)
