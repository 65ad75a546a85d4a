"""Content checks of the quant files at DAG time (resistseq.inputcheck.check_quantifications).

Every format, plain and gzipped, is written into tmp_path as a 2 vs 2 study with hand-computed
library sizes and detected genes. Through Snakemake: tests/test_bad_rerun.py.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import PROJECT
from snakemake.utils import validate

from resistseq import quant
from resistseq.errors import WorkflowInputError
from resistseq.inputcheck import check_quantifications
from resistseq.validation import check_inputs, load_yaml

SCHEMAS = PROJECT / "config" / "schemas"
CONFIG_SCHEMA = load_yaml(SCHEMAS / "config.schema.yaml")
SHEET_SCHEMA = load_yaml(SCHEMAS / "samples.schema.yaml")

GROUPS = {"P1": "parental", "P2": "parental", "R1": "resistant", "R2": "resistant"}
# Counts of rows 1-6 of each sample's file: transcripts T1-T6 or genes G1-G6.
COUNTS = {
    "P1": ["10", "5", "0", "3", "1", "7"],
    "P2": ["4", "0", "2", "2", "0.4", "9"],
    "R1": ["0", "8", "1", "0", "6", "2"],
    "R2": ["3", "3", "3", "3", "3", "3"],
}
# T1 and T2 are isoforms of one gene.
TRANSCRIPT_GENES = ["G1", "G1", "G2", "G3", "G4", "G5"]
FORMATS = ["salmon", "kallisto", "rsem_isoforms", "rsem_genes", "featurecounts", "matrix"]
# Per format: the count column's name in sample R1's file, the row-ID column, and the file line of row 3.
BAD_CELL = {
    "salmon": ("NumReads", "Name", "T3", 4),
    "kallisto": ("est_counts", "target_id", "T3", 4),
    "rsem_isoforms": ("expected_count", "transcript_id", "T3", 4),
    "rsem_genes": ("expected_count", "gene_id", "G3", 4),
    "featurecounts": ("R1.bam", "Geneid", "G3", 5),  # line 1 is featureCounts' comment
    "matrix": ("R1", "gene_id", "G3", 4),
}


def write(path: Path, text: str) -> str:
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode(), mtime=0))
    else:
        path.write_text(text)
    return str(path.name)


def quant_text(kind: str, sample: str, counts: list[str]) -> str:
    rows = []
    for index, count in enumerate(counts, start=1):
        transcript, gene = f"T{index}", (TRANSCRIPT_GENES[index - 1] if kind != "rsem_genes" else f"G{index}")
        rows.append(
            {
                "salmon": f"{transcript}\t1000\t900.5\t1.5\t{count}",
                "kallisto": f"{transcript}\t1000\t900.5\t{count}\t1.5",
                "rsem_isoforms": f"{transcript}\t{gene}\t1000\t900.5\t{count}\t1.5\t2.0\t100.00",
                "rsem_genes": f"G{index}\t{transcript}\t1000\t900.5\t{count}\t1.5\t2.0",
                "featurecounts": f"G{index}\tchr1\t{index}00\t{index}50\t+\t51\t{count}",
            }[kind]
        )
    header = {
        "salmon": "Name\tLength\tEffectiveLength\tTPM\tNumReads",
        "kallisto": "target_id\tlength\teff_length\test_counts\ttpm",
        "rsem_isoforms": "transcript_id\tgene_id\tlength\teffective_length\texpected_count\tTPM\tFPKM\tIsoPct",
        "rsem_genes": "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM",
        "featurecounts": f'# Program:featureCounts v2.0.6; Command:"featureCounts"\n'
        f"Geneid\tChr\tStart\tEnd\tStrand\tLength\t{sample}.bam",
    }[kind]
    return header + "\n" + "\n".join(rows) + "\n"


def write_study(directory: Path, kind: str, counts: dict[str, list[str]], gz: bool, min_detected_genes: int = 1):
    """Quant files, sheet and config of one study in ``directory`` (the working directory)."""
    suffix = ".gz" if gz else ""
    if kind == "matrix":
        table = "gene_id\t" + "\t".join(counts) + "\n"
        table += "".join(f"G{row + 1}\t" + "\t".join(c[row] for c in counts.values()) + "\n" for row in range(6))
        paths = dict.fromkeys(counts, write(directory / f"counts.tsv{suffix}", table))
    else:
        paths = {
            sample: write(directory / f"{sample}.txt{suffix}", quant_text(kind, sample, values))
            for sample, values in counts.items()
        }
    write(
        directory / "tx2gene.tsv",
        "transcript_id\tgene_id\n"
        + "".join(f"T{index}\t{gene}\n" for index, gene in enumerate(TRANSCRIPT_GENES, start=1)),
    )
    sheet = "sample\tcondition\tquant\n" + "".join(f"{s}\t{GROUPS[s]}\t{p}\n" for s, p in paths.items())
    (directory / "samples.tsv").write_text(sheet)
    file_format = kind.split("_")[0]
    config = {
        "samples": "samples.tsv",
        "quantification": {
            "format": file_format,
            "tx2gene": "tx2gene.tsv" if file_format in ("salmon", "kallisto") else None,
        },
        "contrasts": [
            {"name": "resistant_vs_parental", "variable": "condition", "reference": "parental", "target": "resistant"}
        ],
        "qc": {"min_detected_genes": min_detected_genes},
    }
    validate(config, str(SCHEMAS / "config.schema.yaml"))  # the schema's defaults, as run
    return config


def checked(config, cache_path=None) -> pd.DataFrame:
    sheet = check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, "config.yaml")
    return check_quantifications(config, sheet, "config.yaml", cache_path=cache_path)


def check_error(config) -> str:
    with pytest.raises(WorkflowInputError) as error:
        checked(config)
    return str(error.value)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# Hand-computed: transcript tables sum T1+T2 into G1 (5 genes); P2's 0.4 rounds to no count.
TRANSCRIPT_SUMMARY = {"P1": (26, 4), "P2": (17, 4), "R1": (17, 4), "R2": (18, 5)}
GENE_SUMMARY = {"P1": (26, 5), "P2": (17, 4), "R1": (17, 4), "R2": (18, 6)}


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("kind", FORMATS)
def test_good_files_give_library_size_and_detected_genes(workdir, kind, gz):
    summary = checked(write_study(workdir, kind, COUNTS, gz))
    expected = GENE_SUMMARY if kind in ("rsem_genes", "featurecounts", "matrix") else TRANSCRIPT_SUMMARY
    assert {sample: tuple(row) for sample, row in summary.iterrows()} == expected


@pytest.mark.parametrize("value", ["-3", "nan", "inf", "abc"])
@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("kind", FORMATS)
def test_bad_count_is_named_with_file_line_and_row(workdir, kind, gz, value):
    counts = {sample: list(values) for sample, values in COUNTS.items()}
    counts["R1"][2] = value
    config = write_study(workdir, kind, counts, gz)
    column, id_column, row_id, line = BAD_CELL[kind]
    if kind == "matrix":  # resistseq.count_matrix's reader names the sample of the column
        expected = (
            f"Count matrix 'counts.tsv{'.gz' if gz else ''}', line {line} (gene '{row_id}'): column '{column}' "
            f"(sample '{column}') holds '{value}', not a non-negative number (1 such row(s)). "
            "Fix or re-export the matrix."
        )
    else:
        expected = (
            f"Quant file 'R1.txt{'.gz' if gz else ''}', line {line} ({id_column} '{row_id}'): column '{column}' holds "
            f"'{value}', not a non-negative number (1 such row(s)). Re-export the file from the quantifier."
        )
    assert check_error(config).startswith(expected)


@pytest.mark.parametrize("kind", FORMATS)
def test_sample_without_counts_names_sample_file_and_fix(workdir, kind):
    counts = {**COUNTS, "P2": ["0"] * 6}
    message = check_error(write_study(workdir, kind, counts, gz=False))
    path = "counts.tsv" if kind == "matrix" else "P2.txt"
    counted = {
        "salmon": "NumReads",
        "kallisto": "est_counts",
        "featurecounts": "the sample's count column",
        "matrix": "the sample's column",
    }.get(kind, "expected_count")
    assert message == (
        f"samples.tsv, line 3 (sample 'P2'): quant file '{path}' has no counts at all (library size 0 in "
        f"{counted}): the library failed. Remove the sample from the sheet."
    )


@pytest.mark.parametrize(
    ("kind", "minimum", "failing"),
    [
        ("salmon", 5, {"P1": (26, 4), "P2": (17, 4), "R1": (17, 4)}),
        ("matrix", 5, {"P2": (17, 4), "R1": (17, 4)}),
        ("featurecounts", 6, {"P1": (26, 5), "P2": (17, 4), "R1": (17, 4)}),
    ],
)
def test_samples_under_the_detected_gene_minimum_are_all_named(workdir, kind, minimum, failing):
    message = check_error(write_study(workdir, kind, COUNTS, gz=False, min_detected_genes=minimum))
    lines = message.splitlines()
    assert lines[0] == f"{len(failing)} problems with the inputs:"
    line_of = {"P1": 2, "P2": 3, "R1": 4, "R2": 5}
    for (sample, (library_size, detected)), line in zip(failing.items(), lines[1:], strict=True):
        path = "counts.tsv" if kind == "matrix" else f"{sample}.txt"
        assert line.startswith(
            f"  - samples.tsv, line {line_of[sample]} (sample '{sample}'): quant file '{path}' has {detected} "
            f"detected genes (library size {library_size} in "
        )
        assert line.endswith(
            f"fewer than qc.min_detected_genes = {minimum} (config.yaml). Remove the sample from the sheet, "
            "or lower qc.min_detected_genes if the library is as expected."
        )


def test_different_transcript_sets_are_caught(workdir):
    config = write_study(workdir, "salmon", COUNTS, gz=True)
    text = gzip.decompress((workdir / "R2.txt.gz").read_bytes()).decode()
    write(workdir / "R2.txt.gz", text.replace("T6\t", "T7\t"))
    assert check_error(config) == (
        "Quant file 'R2.txt.gz' (sample 'R2') lists 6 transcripts, not the same set as the 6 in 'P1.txt.gz' "
        "(sample 'P1'). Quantify every sample against the same index."
    )


def test_transcripts_missing_from_tx2gene_are_caught(workdir):
    config = write_study(workdir, "kallisto", COUNTS, gz=False)
    (workdir / "tx2gene.tsv").write_text("transcript_id\tgene_id\nT1\tG1\nT2\tG1\nT3\tG2\nT4\tG3\n")
    assert check_error(config).startswith(
        "2 transcript(s) in quant file 'P1.txt' are missing from transcript → gene table 'tx2gene.tsv', e.g. T5, T6."
    )


def test_wrong_columns_for_the_format_are_caught(workdir):
    config = write_study(workdir, "salmon", COUNTS, gz=False)
    config["quantification"]["format"] = "kallisto"
    assert check_error(config).startswith(
        "Quant file 'P1.txt': missing column(s) target_id, est_counts, eff_length, tpm for format 'kallisto'"
    )


def test_truncated_gzip_is_caught(workdir):
    config = write_study(workdir, "salmon", COUNTS, gz=True)
    data = (workdir / "R1.txt.gz").read_bytes()
    (workdir / "R1.txt.gz").write_bytes(data[: len(data) // 2])
    assert check_error(config).startswith("Quant file 'R1.txt.gz' cannot be read as a tab-separated table:")


def test_a_passed_check_is_cached_until_a_file_changes(workdir, monkeypatch):
    config = write_study(workdir, "salmon", COUNTS, gz=False)
    cache = workdir / "cache" / "check.json"
    first = checked(config, cache)
    assert cache.is_file()

    def no_reading(*_arguments, **_keywords):
        raise AssertionError("a cached check read the files again")

    # Same files, size and modification time: nothing is read.
    with monkeypatch.context() as patch:
        patch.setattr(quant, "read_transcript_table", no_reading)
        pd.testing.assert_frame_equal(checked(config, cache), first)
        # Another minimum is another check.
        with pytest.raises(AssertionError, match="read the files again"):
            checked({**config, "qc": {"min_detected_genes": 2}}, cache)

    # Same size, new content and modification time: read again and refused.
    path = workdir / "P1.txt"
    status = path.stat()
    path.write_text(path.read_text().replace("\t10\n", "\t-1\n"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
    assert path.stat().st_size == status.st_size
    with pytest.raises(WorkflowInputError, match=r"Quant file 'P1.txt', line 2 \(Name 'T1'\): column 'NumReads'"):
        checked(config, cache)


def test_gene_annotation_without_its_columns_is_caught(workdir):
    config = write_study(workdir, "featurecounts", COUNTS, gz=False)
    (workdir / "genes.tsv").write_text("gene\tname\nG1\tA\n")
    config["quantification"]["gene_annotation"] = "genes.tsv"
    assert check_error(config) == (
        "Gene annotation 'genes.tsv': missing column(s) gene_id, gene_name; it needs gene_id and gene_name."
    )
