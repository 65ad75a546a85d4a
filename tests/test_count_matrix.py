"""Count matrices in the shapes people publish (resistseq.count_matrix) and naming genes offline (resistseq.geneids).

Each fixture is a small file written in one real shape, with counts and names
worked out by hand; the shared real tables are read where ../shared has them.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from resistseq.count_matrix import matrix_layout, read_count_matrices
from resistseq.errors import WorkflowInputError
from resistseq.geneids import id_kind, load_gene_table, symbols_for_ids, table_path
from resistseq.quant import import_gene_counts

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared" / "data"
GENEIDS = PROJECT / "resources" / "geneids"
HUMAN = str(GENEIDS / "human.tsv.gz")
MOUSE = str(GENEIDS / "mouse.tsv.gz")


def write(path: Path, text: str) -> str:
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return str(path)


def imported(path: str, samples, **options):
    return import_gene_counts({sample: path for sample in samples}, "matrix", **options)


# --- shapes -----------------------------------------------------------------------------------


def test_r_write_table_header_one_field_short_reads_row_names(tmp_path):
    # R: write.table(counts, sep = "\t") quotes names and writes no name over the row names.
    path = write(
        tmp_path / "counts.txt",
        '"PV1"\t"PV2"\t"R1"\n"ENSG00000141736.14"\t10\t20\t30\n"ENSG00000173039.19"\t0\t5\t7\n',
    )
    layout = matrix_layout(path, ["PV1", "R1"])
    assert layout.row_names == "header one field short"
    assert layout.sample_columns == {"PV1": "PV1", "R1": "R1"}
    assert layout.skipped_columns == ["PV2"]
    result = imported(path, ["PV1", "R1"], geneid_table_path=HUMAN)
    assert result.counts.to_dict() == {
        "PV1": {"ENSG00000141736.14": 10, "ENSG00000173039.19": 0},
        "R1": {"ENSG00000141736.14": 30, "ENSG00000173039.19": 7},
    }
    # No annotation in the file: versioned Ensembl IDs are named from the human table.
    assert result.annotation["gene_name"].tolist() == ["ERBB2", "RELA"]
    assert result.name_source.tolist() == ["geneids", "geneids"]
    assert "gene IDs from row names (header one field short)" in result.notes[0]
    assert result.notes[1].startswith("2 of 2 genes (100.0%) have a symbol: 2 from the gene ID table")


def test_blank_top_left_cell_csv_with_unversioned_ensembl_ids(tmp_path):
    path = write(tmp_path / "counts.csv", ",S1,S2\nENSG00000186081,3,4\nENSG00000000000,1,2\n")
    assert matrix_layout(path, ["S1"]).row_names == "blank first header cell"
    result = imported(path, ["S1", "S2"], geneid_table_path=HUMAN)
    assert result.counts.to_dict() == {
        "S1": {"ENSG00000000000": 1, "ENSG00000186081": 3},
        "S2": {"ENSG00000000000": 2, "ENSG00000186081": 4},
    }
    # An ID the table does not know keeps its ID as name.
    assert result.annotation.set_index("gene_id")["gene_name"].to_dict() == {
        "ENSG00000000000": "ENSG00000000000",
        "ENSG00000186081": "KRT5",
    }


def test_geo_entrez_id_and_name_csv_uses_name_as_symbols(tmp_path):
    path = write(
        tmp_path / "GSE_counts.csv.gz",
        "Entrez_ID,Name,ctrl_1,res_1\n2064,ERBB2,100,90\n5970,MYRELA,1,2\n7157,,3,4\n",
    )
    layout = matrix_layout(path, ["ctrl_1", "res_1"])
    assert (layout.id_column, layout.name_column, layout.separator) == ("Entrez_ID", "Name", ",")
    result = imported(path, ["ctrl_1", "res_1"], geneid_table_path=HUMAN)
    # The file's names win (MYRELA, not RELA); the gene it leaves unnamed is named from its Entrez ID.
    assert result.annotation.set_index("gene_id")["gene_name"].to_dict() == {
        "2064": "ERBB2",
        "5970": "MYRELA",
        "7157": "TP53",
    }
    assert result.name_source.tolist() == ["annotation", "annotation", "geneids"]


@pytest.mark.parametrize(
    "values",
    [
        ("12.0", "3.0", "0.0", "7.49"),  # salmon.merged.gene_counts.tsv
        ("11.73", "2.51", "0", "7.5"),  # salmon.merged.gene_counts_length_scaled.tsv
    ],
)
def test_nfcore_merged_salmon_gene_tables_with_gene_id_and_gene_name(tmp_path, values):
    a, b, c, d = values
    path = write(
        tmp_path / "salmon.merged.gene_counts.tsv",
        f"gene_id\tgene_name\tWT_REP1\tKO_REP1\nENSMUSG00000023978\tPrph2\t{a}\t{b}\nENSMUSG00000030324\tRho\t{c}\t{d}\n",
    )
    result = imported(path, ["WT_REP1", "KO_REP1"], geneid_table_path=MOUSE)
    expected = {"WT_REP1": [12, 0], "KO_REP1": [3, 8 if d == "7.5" else 7]}  # 7.5 rounds half to even: 8
    assert {sample: result.counts[sample].tolist() for sample in result.counts} == expected
    assert result.annotation["gene_name"].tolist() == ["Prph2", "Rho"]
    assert set(result.name_source) == {"annotation"}


def test_featurecounts_matrix_with_bam_path_columns_and_coordinates(tmp_path):
    path = write(
        tmp_path / "merged.featureCounts.txt",
        '# Program:featureCounts v2.0.1; Command:"featureCounts" "-a" "genes.gtf"\n'
        "Geneid\tChr\tStart\tEnd\tStrand\tLength\t/data/star/S1.sorted.bam\t/data/star/S2.bam\n"
        "ENSG00000141736\tchr17;chr17\t39688094;39700000\t39690000;39728658\t+;+\t4624\t50\t60\n"
        "ENSG00000111640\tchr12\t6534512\t6538374\t+\t1875\t900\t1000\n",
    )
    layout = matrix_layout(path, ["S1", "S2"])
    assert layout.sample_columns == {"S1": "/data/star/S1.sorted.bam", "S2": "/data/star/S2.bam"}
    assert layout.skipped_columns == ["Chr", "Start", "End", "Strand", "Length"]
    result = imported(path, ["S1", "S2"], geneid_table_path=HUMAN)
    assert result.counts.to_dict() == {
        "S1": {"ENSG00000111640": 900, "ENSG00000141736": 50},
        "S2": {"ENSG00000111640": 1000, "ENSG00000141736": 60},
    }
    assert result.annotation["gene_name"].tolist() == ["GAPDH", "ERBB2"]


def test_gzip_is_detected_from_the_bytes_not_the_name(tmp_path):
    path = tmp_path / "counts.tsv"
    with gzip.open(path, "wt") as handle:
        handle.write("gene\tS1\nKRT5\t4\n")
    result = imported(str(path), ["S1"], geneid_table_path=HUMAN)
    assert result.counts.to_dict() == {"S1": {"KRT5": 4}}
    # Symbols as IDs: kept, and counted as named because the table knows them.
    assert result.name_source.tolist() == ["id_is_symbol"]


def test_gene_name_column_overrides_the_guess(tmp_path):
    path = write(tmp_path / "counts.tsv", "id\tsymbol\tmy_label\tS1\nG1\tA\tALPHA\t1\nG2\tB\tBETA\t2\n")
    # Without the override the unrecognised text column is refused.
    with pytest.raises(WorkflowInputError, match="column 'my_label' holds text"):
        imported(path, ["S1"])
    matrices = read_count_matrices({"S1": path}, gene_name_column="my_label")
    assert matrices.annotation["gene_name"].tolist() == ["ALPHA", "BETA"]
    assert matrices.layouts[0].skipped_columns == ["symbol"]


def test_organism_none_leaves_ids_unnamed(tmp_path):
    path = write(tmp_path / "counts.tsv", "gene_id\tS1\nENSG00000141736\t5\n")
    result = imported(path, ["S1"])
    assert result.annotation["gene_name"].tolist() == ["ENSG00000141736"]
    assert result.notes[-1].startswith("0 of 1 genes (0.0%) have a symbol")
    assert table_path(GENEIDS, "none") is None


# --- errors -----------------------------------------------------------------------------------


def test_unknown_text_column_is_an_error_naming_file_and_column(tmp_path):
    path = write(tmp_path / "counts.tsv", "gene_id\tremark\tS1\nG1\tok\t1\nG2\tlow\t2\n")
    with pytest.raises(WorkflowInputError) as error:
        imported(path, ["S1"])
    assert str(error.value).startswith(
        f"Count matrix '{path}': column 'remark' holds text (e.g. 'ok'), so it is not a sample, and it is not a "
        "recognised annotation column"
    )


def test_configured_gene_name_column_that_is_absent(tmp_path):
    path = write(tmp_path / "counts.tsv", "gene_id\tS1\nG1\t1\n")
    with pytest.raises(WorkflowInputError) as error:
        imported(path, ["S1"], gene_name_column="hgnc")
    assert str(error.value) == (
        f"Count matrix '{path}' has no column 'hgnc' (quantification.gene_name_column); its columns: S1. "
        "Set the key to the column that holds the gene symbols."
    )


def test_row_wider_than_header_by_two_fields(tmp_path):
    path = write(tmp_path / "counts.tsv", "S1\tS2\nG1\t1\t2\t3\t4\n")
    with pytest.raises(WorkflowInputError, match="the header has 2 fields but line 2 has 5"):
        imported(path, ["S1"])


def test_negative_count_names_line_gene_column_and_sample(tmp_path):
    path = write(tmp_path / "counts.csv", '"",S1,S2\n"G1",1,2\n"G2",3,-4\n')
    with pytest.raises(WorkflowInputError) as error:
        imported(path, ["S1", "S2"])
    assert str(error.value).startswith(
        f"Count matrix '{path}', line 3 (gene 'G2'): column 'S2' (sample 'S2') holds '-4', not a non-negative number"
    )


def test_duplicate_matrix_columns_are_an_error(tmp_path):
    path = write(tmp_path / "counts.tsv", "gene_id\tS1\tS1\nG1\t1\t2\n")
    with pytest.raises(WorkflowInputError, match="column name\\(s\\) 'S1' appear more than once"):
        imported(path, ["S1"])


# --- gene ID tables ---------------------------------------------------------------------------


def test_id_kind():
    assert id_kind(["ENSG00000141736.14", "ENSMUSG00000023978", "X"]) == "ensembl"
    assert id_kind(["2064", "5970"]) == "entrez"
    assert id_kind(["ERBB2", "2064"]) == "symbol"


def test_tables_map_ids_to_current_symbols():
    human = load_gene_table(HUMAN)
    assert human.label.startswith("human.tsv.gz (source: org.Hs.eg.db 3.16.0")
    ids = pd.Index(["ENSG00000141736.14", "ENSG00000186081", "ENSG00000000000"])
    assert symbols_for_ids(ids, human).tolist() == ["ERBB2", "KRT5", ""]
    aliases = human.aliases
    assert (aliases["HER2"], aliases["C17orf37"], aliases["MLL"]) == ("ERBB2", "MIEN1", "KMT2A")
    # An alias that is a current symbol is never remapped; every id is listed once.
    assert not set(aliases.index) & human.approved
    assert not human.table["id"].duplicated().any()
    mouse = load_gene_table(MOUSE)
    assert symbols_for_ids(pd.Index(["ENSMUSG00000030324.8", "ENSMUSG00000023978"]), mouse).tolist() == ["Rho", "Prph2"]


# --- shared real tables -----------------------------------------------------------------------


def shared(path: str) -> Path:
    full = SHARED / path
    if not full.is_file():
        pytest.skip(f"shared data not found at {full}")
    return full


def test_real_airway_csv_with_ensembl_ids_is_named_for_most_expressed_genes():
    path = shared("airway/airway_rawcounts.csv")
    runs = ["SRR1039508", "SRR1039509", "SRR1039512", "SRR1039513"]
    result = imported(str(path), runs, geneid_table_path=HUMAN)
    assert result.counts.shape == (64102, 4)
    assert result.counts.loc["ENSG00000000003", "SRR1039508"] == 679
    expressed = (result.counts >= 10).all(axis=1).to_numpy()
    named = (result.name_source != "id").to_numpy()
    assert named[expressed].mean() >= 0.9


def test_real_nfcore_mouse_table_reads_with_its_names_and_the_mouse_table_agrees():
    path = shared("nfcore_SRP254919/SRP254919.salmon.merged.gene_counts.top1000cov.tsv")
    samples = [f"SRX804238{i}" for i in range(1, 7)]
    result = imported(str(path), samples, geneid_table_path=MOUSE)
    assert result.counts.shape == (1000, 6)
    assert set(result.name_source) == {"annotation"}
    from_table = symbols_for_ids(pd.Index(result.annotation["gene_id"]), load_gene_table(MOUSE))
    known = from_table != ""
    assert known.mean() >= 0.95
    # Where they differ, the table has the newer symbol (e.g. March11 -> Marchf11); most agree.
    assert (from_table[known].to_numpy() == result.annotation["gene_name"][known.to_numpy()].to_numpy()).mean() >= 0.85


def test_real_pasilla_matrix():
    path = shared("pasilla/pasilla_gene_counts.tsv")
    result = imported(str(path), ["untreated1", "treated3"], geneid_table_path=HUMAN)
    assert result.counts.shape == (14599, 2)
    assert result.counts.loc["FBgn0000008"].tolist() == [92, 70]


# --- gene sets with old or alias symbols --------------------------------------------------------


def test_gmt_alias_symbols_are_mapped_to_the_current_symbols_the_data_carry():
    from resistseq.genesets import current_symbols

    human = load_gene_table(HUMAN)
    sets = {"HER2_OLD": ["HER2", "C17orf37", "GRB7", "NOTINDATA"], "BOTH": ["ERBB2", "HER2"]}
    data = ["ERBB2", "MIEN1", "GRB7"]
    updated, remaps = current_symbols(sets, {"HER2_OLD": "old.gmt", "BOTH": "old.gmt"}, human.aliases, data)
    assert updated == {"HER2_OLD": ["ERBB2", "MIEN1", "GRB7", "NOTINDATA"], "BOTH": ["ERBB2"]}
    assert remaps.to_dict("records") == [
        {"term": "HER2_OLD", "source": "old.gmt", "listed": "HER2", "current": "ERBB2"},
        {"term": "HER2_OLD", "source": "old.gmt", "listed": "C17orf37", "current": "MIEN1"},
        {"term": "BOTH", "source": "old.gmt", "listed": "HER2", "current": "ERBB2"},
    ]
    # A listed symbol the data carry is never remapped, even when it is someone's alias.
    unchanged, none = current_symbols({"S": ["HER2"]}, {}, human.aliases, ["HER2", "ERBB2"])
    assert unchanged == {"S": ["HER2"]} and none.empty


def test_methods_text_reports_named_share_and_each_sets_share():
    from resistseq.methods import gene_naming_text

    annotation = pd.DataFrame(
        {
            "gene_id": ["1", "2", "3", "4"],
            "gene_name": ["A", "B", "C", "4"],
            "name_source": ["annotation", "geneids", "geneids", "id"],
        }
    )
    coverage = pd.DataFrame(
        {"term": ["SET1", "SET2"], "set_size": [10, 4], "genes_found": [9, 1], "share_found": [0.9, 0.25]}
    )
    text = gene_naming_text(annotation, coverage, "cov.tsv", "human", "source: test")
    assert text == (
        "Gene symbols came from the inputs, then the offline `human` gene ID table (source: test): 3 of 4 genes "
        "(75.0%) have a symbol: 1 from the input's annotation; 2 from the gene ID table; 1 without a symbol (keep "
        "their ID). Share of each gene set's genes found among the ranked genes: SET1 9/10 (90%); SET2 1/4 (25%)."
    )
    # Only LRT or equivalence contrasts: no ranking, so no set coverage to report.
    assert gene_naming_text(annotation, None, None, "human", "source: test").endswith(
        "1 without a symbol (keep their ID). No contrast ranked the genes, so no gene set was matched to them."
    )


def test_windows_line_endings_and_byte_order_mark(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_bytes(b"\xef\xbb\xbfgene_id,S1,S2\r\nG1,1,2\r\nG2,3,4\r\n")
    result = imported(str(path), ["S1", "S2"])
    assert result.counts.to_dict() == {"S1": {"G1": 1, "G2": 3}, "S2": {"G1": 2, "G2": 4}}
    assert matrix_layout(str(path), ["S1"]).id_column == "gene_id"
