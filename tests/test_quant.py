"""Import of quantification tables into integer gene counts (resistseq.quant).

Real-data checks read ../shared in place and skip when it is absent; every other
fixture is a tiny file written into tmp_path with hand-computed expected counts.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resistseq.errors import WorkflowInputError
from resistseq.quant import (
    annotate_genes,
    import_gene_counts,
    match_identifiers,
    read_tx2gene,
    strip_version,
)
from resistseq.runtime import write_table

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESISTSEQ_SHARED") or Path(__file__).resolve().parents[2] / "shared")
AIRWAY = SHARED / "data" / "airway"
EXAMPLE = PROJECT / "example" / "data"

SALMON_HEADER = "Name\tLength\tEffectiveLength\tTPM\tNumReads\n"


def write(path: Path, text: str) -> str:
    """Write text (gzip-compressed when the name ends in .gz) and return the path as a string."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return str(path)


def salmon(rows: list[tuple]) -> str:
    return SALMON_HEADER + "".join("\t".join(map(str, row)) + "\n" for row in rows)


# --- 1. airway kallisto against R tximport -------------------------------------------------------


@pytest.fixture(scope="module")
def airway_kallisto():
    tx2gene = AIRWAY / "kallisto" / "Homo_sapiens.GRCh38.tx2gene.tsv.gz"
    if not tx2gene.is_file() or not (AIRWAY / "airway_scaledcounts.csv").is_file():
        pytest.skip(f"shared airway kallisto data not found under {AIRWAY}")
    runs = pd.read_csv(AIRWAY / "airway_metadata.csv")["id"].tolist()
    paths = {run: f"{AIRWAY}/kallisto/{run}/abundance.tsv.gz" for run in runs}
    result = import_gene_counts(paths, "kallisto", tx2gene_path=str(tx2gene))
    reference = pd.read_csv(AIRWAY / "airway_scaledcounts.csv", index_col=0)
    return runs, result, reference


def test_airway_kallisto_equals_r_tximport_length_scaled_tpm(airway_kallisto):
    runs, result, reference = airway_kallisto
    assert reference.shape == (38694, 8)
    assert sorted(result.counts.index) == sorted(reference.index)
    counts = result.counts.loc[reference.index, reference.columns].to_numpy()
    expected = reference.to_numpy()
    # Measured (docs/validation.md): all 309,552 gene x sample entries equal after rounding
    # half-to-even, i.e. a share of exactly equal entries of 1.0 and a largest difference of 0 reads.
    share_equal = (counts == expected).mean()
    largest_difference = np.abs(counts - expected).max()
    assert counts.size == 309_552
    assert share_equal == 1.0, f"share of exactly equal entries {share_equal}"
    assert largest_difference == 0, f"largest difference {largest_difference} reads"


def test_airway_kallisto_columns_are_run_ids_and_counts_are_integers(airway_kallisto):
    runs, result, _ = airway_kallisto
    assert len(runs) == 8
    assert list(result.counts.columns) == runs
    assert all(pd.api.types.is_integer_dtype(dtype) for dtype in result.counts.dtypes)
    assert result.counts.index.name == "gene_id"
    # A tx2gene without names: each gene is named by its ID.
    assert list(result.annotation.columns) == ["gene_id", "gene_name"]
    assert (result.annotation["gene_id"] == result.annotation["gene_name"]).all()
    assert list(result.annotation["gene_id"]) == list(result.counts.index)


# --- 2. real GENCODE salmon files, identifier matching ------------------------------------------

SALMON_RUNS = ("SRR1039508", "SRR1039509")


@pytest.fixture(scope="module")
def airway_salmon(tmp_path_factory):
    paths = {run: AIRWAY / "salmon" / run / "quant.sf.gz" for run in SALMON_RUNS}
    if not all(path.is_file() for path in paths.values()):
        pytest.skip(f"shared airway salmon data not found under {AIRWAY / 'salmon'}")
    quants = {run: pd.read_csv(path, sep="\t", dtype={"Name": str}) for run, path in paths.items()}
    transcripts = quants[SALMON_RUNS[0]]["Name"]
    tx2gene = tmp_path_factory.mktemp("salmon") / "identity_tx2gene.tsv"
    pd.DataFrame({"transcript_id": transcripts, "gene_id": transcripts}).to_csv(tx2gene, sep="\t", index=False)
    paths = {run: str(path) for run, path in paths.items()}
    return paths, quants, str(tx2gene)


def test_salmon_no_scaling_gives_rounded_numreads_per_transcript(airway_salmon):
    paths, quants, tx2gene = airway_salmon
    result = import_gene_counts(paths, "salmon", tx2gene_path=tx2gene, counts_from_abundance="no")
    assert list(result.counts.columns) == list(SALMON_RUNS)
    assert result.counts.shape == (len(quants[SALMON_RUNS[0]]), 2)
    for run, quant in quants.items():
        expected = np.rint(quant.set_index("Name")["NumReads"])
        observed = result.counts[run].reindex(expected.index)
        assert not observed.isna().any()
        assert np.array_equal(observed.to_numpy(), expected.to_numpy())


def test_salmon_length_scaled_tpm_keeps_library_size(airway_salmon):
    paths, quants, tx2gene = airway_salmon
    result = import_gene_counts(paths, "salmon", tx2gene_path=tx2gene, counts_from_abundance="length_scaled_tpm")
    genes = len(result.counts)
    for run, quant in quants.items():
        num_reads = quant.set_index("Name")["NumReads"]
        assert abs(result.counts[run].sum() - num_reads.sum()) < genes * 0.5
        # The scaling really happened: thousands of transcripts differ from their rounded NumReads.
        same = (result.counts[run].reindex(num_reads.index).to_numpy() == np.rint(num_reads.to_numpy())).mean()
        assert same < 0.99


def test_strip_version_keeps_par_y_suffix():
    assert strip_version("ENST00000381192.10_PAR_Y") == "ENST00000381192_PAR_Y"
    assert strip_version("ENST00000381192.10") == "ENST00000381192"
    assert strip_version("ENSG1.2") == "ENSG1"
    assert strip_version("SYNT000001") == "SYNT000001"


@pytest.mark.parametrize("versions_in_tx2gene", [True, False])
def test_par_y_transcripts_stay_separate_from_their_namesakes(tmp_path, versions_in_tx2gene):
    """GENCODE lists chrY PAR copies as <id>_PAR_Y; stripping versions must not merge them."""
    rows = [
        ("ENST00000381192.10", 1500, 1300, 50.0, 40.4),
        ("ENST00000381192.10_PAR_Y", 1500, 1300, 10.0, 7.6),
        ("ENST00000000233.10", 1000, 800, 20.0, 12.5),
    ]
    quant = write(tmp_path / "S1" / "quant.sf.gz", salmon(rows))
    genes = {
        "ENST00000381192.10": "ENSG00000182378.14",
        "ENST00000381192.10_PAR_Y": "ENSG00000182378.14_PAR_Y",
        "ENST00000000233.10": "ENSG00000004059.11",
    }
    lines = ["transcript_id\tgene_id\tgene_name"]
    for transcript, gene in genes.items():
        transcript = transcript if versions_in_tx2gene else strip_version(transcript)
        lines.append(f"{transcript}\t{gene}\t{'PLCXD1' if '182378' in gene else 'ARF5'}")
    tx2gene = write(tmp_path / "tx2gene.tsv", "\n".join(lines) + "\n")
    result = import_gene_counts({"S1": quant}, "salmon", tx2gene_path=tx2gene, counts_from_abundance="no")
    assert result.counts["S1"].to_dict() == {
        "ENSG00000004059.11": 12,  # 12.5 rounds half to even
        "ENSG00000182378.14": 40,
        "ENSG00000182378.14_PAR_Y": 8,
    }
    assert result.annotation.set_index("gene_id")["gene_name"].to_dict() == {
        "ENSG00000004059.11": "ARF5",
        "ENSG00000182378.14": "PLCXD1",
        "ENSG00000182378.14_PAR_Y": "PLCXD1",
    }


def test_match_identifiers_maps_versioned_queries_to_unversioned_reference():
    mapped = match_identifiers(
        pd.Index(["ENST2.1", "ENST1.3", "ENST3.1_PAR_Y"]),
        pd.Index(["ENST1", "ENST2", "ENST3_PAR_Y", "ENST3"]),
        "transcript",
        "q",
        "r",
    )
    assert list(mapped) == ["ENST2", "ENST1", "ENST3_PAR_Y"]


def test_match_identifiers_exact_match_is_returned_unchanged():
    query = pd.Index(["T1.1", "T2.4"])
    assert list(match_identifiers(query, pd.Index(["T2.4", "T1.1", "T9.9"]), "transcript", "q", "r")) == [
        "T1.1",
        "T2.4",
    ]


@pytest.mark.parametrize(
    ("query", "reference", "missing"),
    [
        (
            ["ENST1.1", "ENST1.2"],
            ["ENST1"],
            "2 transcript(s) in quant file 'q.sf' are missing from 't2g', e.g. ENST1.1, ENST1.2",
        ),
        (["ENST1"], ["ENST1.1", "ENST1.2"], "1 transcript(s) in quant file 'q.sf' are missing from 't2g', e.g. ENST1."),
    ],
)
def test_match_identifiers_refuses_to_merge_ambiguous_unversioned_ids(query, reference, missing):
    with pytest.raises(WorkflowInputError) as error:
        match_identifiers(pd.Index(query), pd.Index(reference), "transcript", "quant file 'q.sf'", "'t2g'")
    assert str(error.value).startswith(missing)


def test_unversioned_tx2gene_matches_versioned_salmon_ids(tmp_path):
    rows_s1 = [("ENST1.3", 1000, 800, 10, 8.0), ("ENST2.1", 500, 300, 5, 1.5), ("ENST3.2", 2000, 1800, 2, 3.6)]
    rows_s2 = [("ENST1.3", 1000, 810, 4, 3.2), ("ENST2.1", 500, 310, 9, 2.5), ("ENST3.2", 2000, 1810, 1, 0.4)]
    paths = {
        "S1": write(tmp_path / "S1.sf", salmon(rows_s1)),
        "S2": write(tmp_path / "S2.sf.gz", salmon(rows_s2)),
    }
    tx2gene = write(tmp_path / "t2g.tsv", "TXNAME\tGENEID\nENST1\tENSGA\nENST2\tENSGA\nENST3\tENSGB\n")
    result = import_gene_counts(paths, "salmon", tx2gene_path=tx2gene, counts_from_abundance="no")
    # ENSGA = ENST1 + ENST2: 8.0 + 1.5 = 9.5 -> 10, 3.2 + 2.5 = 5.7 -> 6; ENSGB = 3.6 -> 4, 0.4 -> 0.
    assert result.counts.to_dict() == {"S1": {"ENSGA": 10, "ENSGB": 4}, "S2": {"ENSGA": 6, "ENSGB": 0}}


def test_versions_that_differ_only_in_suffix_are_not_silently_merged(tmp_path):
    quant = write(
        tmp_path / "S1.sf",
        salmon([("ENST1.1", 1000, 800, 10, 8), ("ENST1.2", 900, 700, 5, 3), ("ENST2.1", 1, 1, 1, 1)]),
    )
    tx2gene = write(tmp_path / "t2g.tsv", "transcript_id\tgene_id\nENST1\tENSG1\nENST2\tENSG2\n")
    with pytest.raises(WorkflowInputError) as error:
        import_gene_counts({"S1": quant}, "salmon", tx2gene_path=tx2gene)
    message = str(error.value)
    # ENST2.1 still matches ENST2: one ambiguous pair does not switch off version matching for the rest.
    assert message.startswith(
        f"2 transcript(s) in quant file '{quant}' are missing from transcript → gene table '{tx2gene}', "
        "e.g. ENST1.1, ENST1.2. 2 of them would match only without their version, which is not unique "
        "(e.g. 'ENST1.1' as 'ENST1'), so they are not matched."
    )


# --- 3. the bundled example ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_import():
    sheet = pd.read_csv(PROJECT / "config" / "samples.tsv", sep="\t", dtype=str)
    paths = {sample: str(PROJECT / quant) for sample, quant in zip(sheet["sample"], sheet["quant"], strict=True)}
    tx2gene = EXAMPLE / "tx2gene.tsv"
    return sheet, import_gene_counts(paths, "salmon", tx2gene_path=str(tx2gene)), read_tx2gene(tx2gene)


def test_example_import_shape_and_samples(example_import):
    sheet, result, _ = example_import
    assert result.counts.shape == (2167, 6)
    assert list(result.counts.columns) == list(sheet["sample"])
    assert all(pd.api.types.is_integer_dtype(dtype) for dtype in result.counts.dtypes)
    assert (result.counts.to_numpy() >= 0).all()


def test_example_gene_names_come_from_tx2gene(example_import):
    _, result, tx2gene = example_import
    expected = tx2gene.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
    names = result.annotation.set_index("gene_id")["gene_name"]
    assert list(names.index) == list(result.counts.index)
    assert names.to_dict() == expected.loc[names.index].to_dict()
    assert (names == "ERBB2").sum() == 1


def test_example_erbb2_is_the_most_expressed_gene(example_import):
    _, result, _ = example_import
    names = result.annotation.set_index("gene_id")["gene_name"]
    erbb2 = names.index[names == "ERBB2"][0]
    # The amplicon driver is planted with the highest baseline (60,000): largest in total ...
    assert result.counts.sum(axis=1).idxmax() == erbb2
    # ... and at the top of every sample (NB noise lets one 51,000-baseline gene edge past it in one).
    ranks = result.counts.rank(ascending=False, method="min").loc[erbb2]
    assert (ranks <= 2).all()
    assert (ranks == 1).sum() >= 5


# --- 4. malformed salmon files -------------------------------------------------------------------

TX2GENE = "transcript_id\tgene_id\tgene_name\nT1.1\tG1.1\tA\nT2.1\tG1.1\tA\nT3.1\tG2.1\tB\n"
GOOD_ROWS = [("T1.1", 1000, 800, 10, 8), ("T2.1", 500, 300, 5, 1.5), ("T3.1", 2000, 1800, 2, 3.6)]


@pytest.fixture
def tx2gene(tmp_path):
    return write(tmp_path / "tx2gene.tsv", TX2GENE)


def import_error(paths: dict[str, str], tx2gene: str) -> str:
    with pytest.raises(WorkflowInputError) as error:
        import_gene_counts(paths, "salmon", tx2gene_path=tx2gene)
    return str(error.value)


def test_good_tiny_salmon_file_imports(tmp_path, tx2gene):
    path = write(tmp_path / "S1" / "quant.sf.gz", salmon(GOOD_ROWS))
    result = import_gene_counts({"S1": path}, "salmon", tx2gene_path=tx2gene, counts_from_abundance="no")
    # G1.1 = T1.1 + T2.1 = 9.5 -> 10 (half to even), G2.1 = 3.6 -> 4.
    assert result.counts["S1"].to_dict() == {"G1.1": 10, "G2.1": 4}
    assert result.annotation.to_dict("list") == {"gene_id": ["G1.1", "G2.1"], "gene_name": ["A", "B"]}


def test_missing_column_names_file_and_column(tmp_path, tx2gene):
    path = write(tmp_path / "S1.sf", "Name\tLength\tEffectiveLength\tTPM\nT1.1\t1000\t800\t10\n")
    message = import_error({"S1": path}, tx2gene)
    assert message.startswith(
        f"Quant file '{path}': missing column(s) NumReads for format 'salmon' "
        "(found: Name, Length, EffectiveLength, TPM). Check quantification.format"
    )


@pytest.mark.parametrize("name", ["S1.sf", "S1.sf.gz"])
def test_negative_numreads_names_line_and_transcript(tmp_path, tx2gene, name):
    rows = [GOOD_ROWS[0], ("T2.1", 500, 300, 5, -1.5), GOOD_ROWS[2]]
    path = write(tmp_path / name, salmon(rows))
    message = import_error({"S1": path}, tx2gene)
    assert message.startswith(
        f"Quant file '{path}', line 3 (Name 'T2.1'): column 'NumReads' holds '-1.5', not a non-negative number "
        "(1 such row(s))."
    )


def test_non_numeric_tpm_names_line_and_value(tmp_path, tx2gene):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], ("T3.1", 2000, 1800, "abc", 3.6)]
    path = write(tmp_path / "S1.sf.gz", salmon(rows))
    message = import_error({"S1": path}, tx2gene)
    assert message.startswith(f"Quant file '{path}', line 4 (Name 'T3.1'): column 'TPM' holds 'abc'")


def test_transcript_absent_from_tx2gene_counts_and_gives_example(tmp_path, tx2gene):
    rows = [GOOD_ROWS[0], ("T9.1", 500, 300, 5, 1.5), GOOD_ROWS[2], ("T8.1", 10, 10, 0, 0)]
    path = write(tmp_path / "S1.sf", salmon(rows))
    message = import_error({"S1": path}, tx2gene)
    assert message.startswith(
        f"2 transcript(s) in quant file '{path}' are missing from transcript → gene table '{tx2gene}', e.g. T9.1, T8.1."
    )


def test_different_transcript_order_between_samples(tmp_path, tx2gene):
    first = write(tmp_path / "S1.sf.gz", salmon(GOOD_ROWS))
    second = write(tmp_path / "S2.sf", salmon([GOOD_ROWS[1], GOOD_ROWS[0], GOOD_ROWS[2]]))
    message = import_error({"S1": first, "S2": second}, tx2gene)
    assert message.startswith(
        f"Quant file '{second}' (sample 'S2') lists the same transcripts in a different order from "
        f"'{first}' (sample 'S1')."
    )


def test_different_transcript_set_between_samples(tmp_path, tx2gene):
    first = write(tmp_path / "S1.sf", salmon(GOOD_ROWS))
    second = write(tmp_path / "S2.sf", salmon(GOOD_ROWS[:2]))
    message = import_error({"S1": first, "S2": second}, tx2gene)
    assert message.startswith(
        f"Quant file '{second}' (sample 'S2') lists 2 transcripts, not the same set as the 3 in "
        f"'{first}' (sample 'S1')."
    )


def test_empty_and_corrupt_files_are_reported_not_crashed(tmp_path, tx2gene):
    empty = write(tmp_path / "empty.sf", "")
    assert import_error({"S1": empty}, tx2gene).startswith(
        f"Quant file '{empty}' cannot be read as a tab-separated table"
    )
    truncated = tmp_path / "truncated.sf.gz"
    truncated.write_bytes(gzip.compress(salmon(GOOD_ROWS).encode())[:40])
    assert import_error({"S1": str(truncated)}, tx2gene).startswith(
        f"Quant file '{truncated}' cannot be read as a tab-separated table"
    )


def test_salmon_without_tx2gene_is_refused(tmp_path):
    path = write(tmp_path / "S1.sf", salmon(GOOD_ROWS))
    with pytest.raises(WorkflowInputError, match=r"^Format 'salmon' needs quantification.tx2gene in the config\.$"):
        import_gene_counts({"S1": path}, "salmon")


# --- 5. RSEM, featureCounts, count matrix ---------------------------------------------------------

RSEM_GENES_HEADER = "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n"
RSEM_ISOFORMS_HEADER = "transcript_id\tgene_id\tlength\teffective_length\texpected_count\tTPM\tFPKM\tIsoPct\n"


def test_rsem_genes_rounds_expected_count_half_to_even(tmp_path):
    s1 = write(
        tmp_path / "S1.genes.results",
        RSEM_GENES_HEADER
        + "G1\tT1,T2\t1000\t800\t2.5\t1\t1\nG2\tT3\t500\t300\t3.5\t1\t1\nG3\tT4\t500\t300\t0.5\t1\t1\n",
    )
    # Same genes in another order: aligned by ID, not by position.
    s2 = write(
        tmp_path / "S2.genes.results",
        RSEM_GENES_HEADER
        + "G2\tT3\t500\t300\t10.49\t1\t1\nG1\tT1,T2\t1000\t800\t1.5\t1\t1\nG3\tT4\t5\t3\t4.51\t1\t1\n",
    )
    result = import_gene_counts({"S1": s1, "S2": s2}, "rsem")
    assert result.counts.to_dict() == {"S1": {"G1": 2, "G2": 4, "G3": 0}, "S2": {"G1": 2, "G2": 10, "G3": 5}}
    assert all(pd.api.types.is_integer_dtype(dtype) for dtype in result.counts.dtypes)


def test_rsem_isoforms_are_summed_to_the_files_gene_ids(tmp_path):
    s1 = write(
        tmp_path / "S1.isoforms.results",
        RSEM_ISOFORMS_HEADER
        + "T1\tG1\t1000\t800\t2.4\t10\t1\t50\nT2\tG1\t1000\t800\t3.3\t10\t1\t50\nT3\tG2\t500\t300\t7.2\t5\t1\t100\n",
    )
    s2 = write(
        tmp_path / "S2.isoforms.results",
        RSEM_ISOFORMS_HEADER
        + "T1\tG1\t1000\t800\t0\t0\t1\t50\nT2\tG1\t1000\t800\t1.6\t1\t1\t50\nT3\tG2\t500\t300\t2.5\t5\t1\t100\n",
    )
    result = import_gene_counts({"S1": s1, "S2": s2}, "rsem", counts_from_abundance="no")
    # G1 = T1 + T2: 5.7 -> 6 and 1.6 -> 2; G2 = T3: 7.2 -> 7 and 2.5 -> 2 (half to even).
    assert result.counts.to_dict() == {"S1": {"G1": 6, "G2": 7}, "S2": {"G1": 2, "G2": 2}}


def test_rsem_genes_and_isoforms_cannot_be_mixed(tmp_path):
    genes = write(tmp_path / "S1.genes.results", RSEM_GENES_HEADER + "G1\tT1\t1\t1\t1\t1\t1\n")
    isoforms = write(tmp_path / "S2.isoforms.results", RSEM_ISOFORMS_HEADER + "T1\tG1\t1\t1\t1\t1\t1\t100\n")
    with pytest.raises(WorkflowInputError, match="mixes RSEM \\*.genes.results and \\*.isoforms.results"):
        import_gene_counts({"S1": genes, "S2": isoforms}, "rsem")


FC_COMMENT = '# Program:featureCounts v2.0.6; Command:"featureCounts" "-a" "genes.gtf" "-o" "counts.txt"\n'
FC_HEADER = "Geneid\tChr\tStart\tEnd\tStrand\tLength"


def test_featurecounts_per_sample_files(tmp_path):
    s1 = write(
        tmp_path / "S1.txt",
        FC_COMMENT
        + FC_HEADER
        + "\taligned/S1.bam\nG1\tchr1\t1\t100\t+\t100\t5\nG2\tchr1;chr1\t200;300\t250;350\t-;-\t102\t0\n",
    )
    # One count column: taken whatever it is called.
    s2 = write(
        tmp_path / "S2.txt",
        FC_COMMENT
        + FC_HEADER
        + "\tsomething.bam\nG2\tchr1;chr1\t200;300\t250;350\t-;-\t102\t12\nG1\tchr1\t1\t100\t+\t100\t7\n",
    )
    result = import_gene_counts({"S1": s1, "S2": s2}, "featurecounts")
    assert result.counts.to_dict() == {"S1": {"G1": 5, "G2": 0}, "S2": {"G1": 7, "G2": 12}}


@pytest.fixture
def featurecounts_matrix(tmp_path):
    return write(
        tmp_path / "counts.txt",
        FC_COMMENT
        + FC_HEADER
        + "\taligned/S2.bam\taligned/S1.bam\tS10.bam\n"
        + "G1\tchr1\t1\t100\t+\t100\t7\t5\t1\nG2\tchr1\t200\t250\t-\t51\t12\t0\t1\n",
    )


def test_featurecounts_multi_column_file_column_chosen_by_bam_name(featurecounts_matrix):
    result = import_gene_counts({"S1": featurecounts_matrix, "S2": featurecounts_matrix}, "featurecounts")
    assert result.counts.to_dict() == {"S1": {"G1": 5, "G2": 0}, "S2": {"G1": 7, "G2": 12}}


def test_featurecounts_multi_column_file_without_the_samples_column(featurecounts_matrix):
    with pytest.raises(WorkflowInputError) as error:
        import_gene_counts({"S3": featurecounts_matrix}, "featurecounts")
    assert str(error.value).startswith(
        f"Quant file '{featurecounts_matrix}' has 3 count columns and none is named after sample 'S3' "
        "(columns: aligned/S2.bam, aligned/S1.bam, S10.bam)."
    )


def test_featurecounts_bad_count_names_the_files_own_line_number(tmp_path):
    path = write(
        tmp_path / "S1.txt",
        FC_COMMENT + FC_HEADER + "\tS1.bam\nG1\tchr1\t1\t100\t+\t100\t5\nG2\tchr1\t200\t250\t-\t51\t-3\n",
    )
    with pytest.raises(WorkflowInputError) as error:
        import_gene_counts({"S1": path}, "featurecounts")
    # Line 1 is featureCounts' comment, 2 the header, 3 G1, 4 G2.
    assert str(error.value).startswith(f"Quant file '{path}', line 4 (Geneid 'G2'): column 'S1.bam' holds '-3'")


def test_count_matrix_columns_chosen_by_sample_with_gene_names(tmp_path):
    matrix = write(
        tmp_path / "counts.tsv",
        "gene_id\tgene_name\tS2\tS1\tS3\n0001.1\tA\t1\t2\t3\nG2.1\tB\t4\t5.5\t6\nG3.1\t\t0\t7\t0\n",
    )
    result = import_gene_counts({"S1": matrix, "S2": matrix}, "matrix")
    # IDs stay strings (no "1.1" from "0001.1"); 5.5 rounds half to even to 6.
    assert list(result.counts.columns) == ["S1", "S2"]
    assert result.counts.to_dict() == {
        "S1": {"0001.1": 2, "G2.1": 6, "G3.1": 7},
        "S2": {"0001.1": 1, "G2.1": 4, "G3.1": 0},
    }
    assert result.annotation.to_dict("list") == {
        "gene_id": ["0001.1", "G2.1", "G3.1"],
        "gene_name": ["A", "B", "G3.1"],
    }


def test_count_matrix_without_the_samples_column(tmp_path):
    matrix = write(tmp_path / "counts.csv", "gene_id,S1,S2\nG1,1,2\nG2,3,4\n")
    with pytest.raises(WorkflowInputError) as error:
        import_gene_counts({"S1": matrix, "S9": matrix}, "matrix")
    assert str(error.value) == f"Count matrix '{matrix}' has no column for sample 'S9' (columns: S1, S2)."


# --- 6. gene annotation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gene_ids", "annotation_ids", "expected"),
    [
        (["ENSG1.4", "ENSG2.1"], ["ENSG1.4", "ENSG2.1"], ["ONE", "TWO"]),  # exact
        (["ENSG1", "ENSG2"], ["ENSG1.4", "ENSG2.1"], ["ONE", "TWO"]),  # counts without versions
        (["ENSG1.5", "ENSG2.2"], ["ENSG1", "ENSG2"], ["ONE", "TWO"]),  # annotation without versions
        (["ENSG1.5", "ENSG2.2"], ["ENSG1.4", "ENSG2.1"], ["ONE", "TWO"]),  # other versions
    ],
)
def test_annotate_genes_with_and_without_versions(gene_ids, annotation_ids, expected):
    annotation = pd.DataFrame({"gene_id": annotation_ids, "gene_name": ["ONE", "TWO"]})
    result = annotate_genes(pd.Index(gene_ids, name="gene_id"), annotation, "ann.tsv")
    assert result.to_dict("list") == {"gene_id": gene_ids, "gene_name": expected}


def test_annotate_genes_keeps_ids_when_unnamed_unknown_or_ambiguous():
    annotation = pd.DataFrame(
        {
            "gene_id": ["ENSG5.1", "ENSG5.2", "ENSG6.1", "ENSG7.1", "ENSG8"],
            "gene_name": ["FIVE_A", "FIVE_B", "", "SEVEN", "EIGHT"],
        }
    )
    gene_ids = pd.Index(["ENSG5.3", "ENSG5.1", "ENSG6.1", "ENSG9.1", "ENSG8.2"], name="gene_id")
    result = annotate_genes(gene_ids, annotation, "ann.tsv")
    # ENSG5.3 is ambiguous without versions (5.1 or 5.2); ENSG5.1 matches exactly.
    assert list(result["gene_name"]) == ["ENSG5.3", "FIVE_A", "ENSG6.1", "ENSG9.1", "EIGHT"]
    assert list(annotate_genes(gene_ids, None, "none")["gene_name"]) == list(gene_ids)


def annotate_genes_per_gene(gene_ids: pd.Index, annotation: pd.DataFrame | None) -> pd.DataFrame:
    """annotate_genes as it was written before it was vectorised: one lookup per gene (the reference)."""
    names = pd.Series(gene_ids.to_numpy(copy=True), index=gene_ids)
    if annotation is not None:
        table = annotation.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
        stripped = pd.Series(table.to_numpy(), index=[strip_version(i) for i in table.index])
        stripped = stripped[~stripped.index.duplicated(keep=False)]
        for gene_id in gene_ids:
            name = table.get(gene_id)
            if name is None:
                name = stripped.get(strip_version(gene_id))
            if isinstance(name, str) and name and name != "nan":
                names[gene_id] = name
    return pd.DataFrame({"gene_id": gene_ids.to_numpy(), "gene_name": names.to_numpy()})


def test_annotate_genes_equals_the_per_gene_lookup(tmp_path):
    """Duplicated IDs and names, missing, empty, None and 'nan' names, versions (also _PAR_Y) ambiguous or not,
    IDs absent from the annotation, odd characters: the same table, and the same bytes once written."""
    rng = np.random.default_rng(3)
    base = [f"ENSG{i:011d}" for i in range(400)]
    annotation_ids = [f"{gene}.{rng.integers(1, 4)}" if i % 3 else gene for i, gene in enumerate(base)]
    annotation_ids += [f"{gene}.9" for gene in base[:40]]  # a second version: ambiguous without versions
    annotation_ids += [f"{base[5]}.2_PAR_Y", "odd id;\tx", "7", "G1", "G1"]
    pool = np.array(["TP53", "", "nan", "NA", "A B", "GENE<1>", "ÄRB", None, np.nan, "TP53"], dtype=object)
    names = pool[rng.integers(0, len(pool), len(annotation_ids))]
    annotation = pd.DataFrame({"gene_id": annotation_ids, "gene_name": names})
    gene_ids = [f"{gene}.{rng.integers(1, 4)}" if rng.uniform() < 0.6 else gene for gene in base]
    gene_ids += ["ENSG99999999999.1", "odd id;\tx", "7", "G1", f"{base[5]}.3_PAR_Y", "", "nan", "G1", "7"]
    gene_ids = pd.Index(gene_ids, name="gene_id")
    for table in (annotation, annotation.iloc[:0], None):
        result, expected = annotate_genes(gene_ids, table, "ann.tsv"), annotate_genes_per_gene(gene_ids, table)
        pd.testing.assert_frame_equal(result, expected)
        write_table(result, tmp_path / "new.tsv")
        write_table(expected, tmp_path / "old.tsv")
        assert (tmp_path / "new.tsv").read_bytes() == (tmp_path / "old.tsv").read_bytes()
    # Not a vacuous comparison: names from exact IDs, from IDs without versions, and IDs kept.
    result = annotate_genes(gene_ids, annotation, "ann.tsv")
    named = result["gene_name"] != result["gene_id"]
    exact = result["gene_id"].isin(annotation_ids)
    assert (named & exact).sum() > 50 and (named & ~exact).sum() > 50 and (~named).sum() > 100


def test_annotate_genes_does_not_rename_the_callers_index():
    gene_ids = pd.Index(["G1", "G2"], name="gene_id")
    counts = pd.DataFrame({"S1": [1, 2]}, index=gene_ids)
    annotate_genes(counts.index, pd.DataFrame({"gene_id": ["G1", "G2"], "gene_name": ["A", "B"]}), "ann.tsv")
    assert list(counts.index) == ["G1", "G2"]


def test_gene_annotation_file_names_gene_level_counts(tmp_path):
    s1 = write(tmp_path / "S1.genes.results", RSEM_GENES_HEADER + "G1.2\tT1\t1\t1\t3\t1\t1\nG2.1\tT2\t1\t1\t4\t1\t1\n")
    annotation = write(tmp_path / "genes.tsv", "gene_id\tgene_symbol\nG1\tERBB2\nG2.7\tGRB7\n")
    result = import_gene_counts({"S1": s1}, "rsem", gene_annotation_path=annotation)
    assert result.counts["S1"].to_dict() == {"G1.2": 3, "G2.1": 4}
    assert result.annotation.to_dict("list") == {"gene_id": ["G1.2", "G2.1"], "gene_name": ["ERBB2", "GRB7"]}
