"""Published count-table shapes through Snakemake: an R write.table matrix with Ensembl IDs only, and a GEO CSV.

The R matrix is made from the real airway counts (../shared; the test skips
without them), written as R's write.table(counts, sep = "\\t") writes it: quoted,
no name over the row names. Genes get symbols from the offline human table and
GSEA runs against MSigDB Hallmark. The GEO-style Entrez_ID, Name CSV is made
from the bundled example and runs with organism none, so every symbol comes
from its Name column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import EXAMPLE_DATA, PROJECT, SHARED, snakemake

from resistseq.geneids import load_gene_table, symbols_for_ids
from resistseq.genesets import read_gmt

pytestmark = pytest.mark.workflow

AIRWAY = SHARED / "data" / "airway"
HALLMARK = SHARED / "data" / "genesets" / "h.all.v7.1.symbols.gmt"


def write_config(workdir: Path, quantification: dict, contrast: tuple[str, str, str], **extra) -> Path:
    config = yaml.safe_load((PROJECT / "config" / "config.yaml").read_text())
    config["samples"] = "samples.tsv"
    config["quantification"] = quantification
    variable, reference, target = contrast
    config["contrasts"] = [{"name": "treated", "variable": variable, "reference": reference, "target": target}]
    config["enrichment"].update(permutations=100, plot_sets=["HALLMARK_TNFA_SIGNALING_VIA_NFKB"])
    config["figures"]["main_gsea_sets"] = ["HALLMARK_TNFA_SIGNALING_VIA_NFKB"]
    config.update(extra)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def airway_run(tmp_path_factory):
    if not (AIRWAY / "airway_rawcounts.csv").is_file() or not HALLMARK.is_file():
        pytest.skip(f"shared airway counts or Hallmark GMT not found under {SHARED}")
    workdir = tmp_path_factory.mktemp("rwritetable")
    counts = pd.read_csv(AIRWAY / "airway_rawcounts.csv", index_col=0)
    metadata = pd.read_csv(AIRWAY / "airway_metadata.csv")
    # A third of the genes (every third row, so no selection by name) keeps the run small.
    counts = counts.iloc[::3]
    lines = ["\t".join(f'"{column}"' for column in counts.columns)]
    rows = zip(counts.index, counts.to_numpy(), strict=True)
    lines += [f'"{gene}"\t' + "\t".join(map(str, values)) for gene, values in rows]
    (workdir / "counts.txt").write_text("\n".join(lines) + "\n")
    sheet = ["sample\tcondition\tcelltype\tquant"]
    sheet += [f"{row.id}\t{row.dex}\t{row.celltype}\tcounts.txt" for row in metadata.itertuples()]
    (workdir / "samples.tsv").write_text("\n".join(sheet) + "\n")
    configfile = write_config(
        workdir,
        {"format": "matrix", "organism": "human"},
        ("condition", "control", "treated"),
        design="~ celltype + condition",
        genesets=[str(HALLMARK)],
    )
    completed = snakemake(workdir, "--configfile", str(configfile), "--cores", "2")
    assert completed.returncode == 0, completed.stderr[-4000:]
    return workdir, counts


def test_r_write_table_ensembl_matrix_names_tested_genes(airway_run):
    workdir, counts = airway_run
    de = pd.read_csv(workdir / "results/de/treated/deseq2.tsv", sep="\t", dtype={"gene_id": str, "gene_name": str})
    assert set(de["gene_id"]) == set(counts.index)
    tested = de[de["pvalue"].notna()]
    named = tested["gene_name"] != tested["gene_id"]
    assert named.mean() >= 0.9
    # The names are the human table's symbols for those IDs.
    expected = symbols_for_ids(pd.Index(tested["gene_id"]), load_gene_table(PROJECT / "resources/geneids/human.tsv.gz"))
    assert (tested.loc[named, "gene_name"].to_numpy() == expected[named.to_numpy()].to_numpy()).all()
    log = (workdir / "logs/counts/import_quantifications.log").read_text()
    assert "gene IDs from row names (header one field short)" in log
    assert re.search(r"of 21,368 genes \(\d+\.\d%\) have a symbol", log)


def test_r_write_table_ensembl_matrix_gsea_matches_hallmark_sets(airway_run):
    workdir, _ = airway_run
    coverage = pd.read_csv(workdir / "results/enrichment/treated/geneset_coverage.tsv", sep="\t")
    hallmark = coverage[coverage["term"].str.startswith("HALLMARK_")]
    assert len(hallmark) == len(read_gmt(HALLMARK)) == 50
    # A third of the genes was kept, so about a third of each set's genes is expected: every set is tested.
    assert (hallmark["status"] == "tested").all() and (hallmark["genes_found"] >= 5).all()
    assert hallmark["genes_found"].sum() / hallmark["set_size"].sum() >= 0.25
    gsea = pd.read_csv(workdir / "results/enrichment/treated/gsea.tsv", sep="\t")
    assert gsea["term"].str.startswith("HALLMARK_").sum() == 50
    methods = (workdir / "results/methods.md").read_text()
    assert "Gene symbols came from the inputs, then the offline `human` gene ID table" in methods
    row = hallmark.set_index("term").loc["HALLMARK_TNFA_SIGNALING_VIA_NFKB"]
    assert f"HALLMARK_TNFA_SIGNALING_VIA_NFKB {row.genes_found}/{row.set_size}" in methods


def test_geo_entrez_name_csv_runs_with_name_as_symbols(tmp_path):
    from resistseq.quant import import_gene_counts

    sheet = pd.read_csv(PROJECT / "config" / "samples.tsv", sep="\t", dtype=str, comment="#")
    paths = {row.sample: str(PROJECT / row.quant) for row in sheet.itertuples()}
    example = import_gene_counts(paths, "salmon", tx2gene_path=str(EXAMPLE_DATA / "tx2gene.tsv"))
    human = load_gene_table(PROJECT / "resources/geneids/human.tsv.gz")
    entrez = human.lookup("entrez")
    entrez_of = pd.Series(entrez.index, index=entrez.to_numpy())
    entrez_of = entrez_of[~entrez_of.index.duplicated(keep=False)]
    names = example.annotation.set_index("gene_id")["gene_name"]
    table = example.counts[names.loc[example.counts.index].isin(entrez_of.index).to_numpy()]
    symbols = names.loc[table.index]
    table = table[~symbols.duplicated(keep=False).to_numpy()]
    symbols = names.loc[table.index]
    geo = pd.DataFrame({"Entrez_ID": entrez_of.loc[symbols].to_numpy(), "Name": symbols.to_numpy()})
    geo = pd.concat([geo, table.reset_index(drop=True)], axis=1)
    geo.to_csv(tmp_path / "GSE_counts.csv", index=False)
    rows = ["sample\tcondition\tquant"] + [
        f"{row.sample}\t{row.condition}\tGSE_counts.csv" for row in sheet.itertuples()
    ]
    (tmp_path / "samples.tsv").write_text("\n".join(rows) + "\n")
    configfile = write_config(
        tmp_path, {"format": "matrix", "organism": "none"}, ("condition", "parental", "resistant")
    )
    targets = ["results/enrichment/treated/gsea.tsv", "results/counts/gene_annotation.tsv"]
    completed = snakemake(tmp_path, "--configfile", str(configfile), "--cores", "2", *targets)
    assert completed.returncode == 0, completed.stderr[-4000:]
    annotation = pd.read_csv(tmp_path / "results/counts/gene_annotation.tsv", sep="\t", dtype=str)
    assert annotation.set_index("gene_id")["gene_name"].to_dict() == dict(
        zip(geo["Entrez_ID"], geo["Name"], strict=True)
    )
    assert set(annotation["name_source"]) == {"annotation"}
    coverage = pd.read_csv(tmp_path / "results/enrichment/treated/geneset_coverage.tsv", sep="\t")
    nfkb = coverage.set_index("term").loc["NFKB_TARGET_GENES"]
    assert nfkb["share_found"] >= 0.9
