"""Bad quant files stop Snakemake before any job, so a failed rerun leaves the last good results as they were."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import copy_example, snakemake

pytestmark = pytest.mark.workflow

SAMPLES = ["BT474_P1", "BT474_P2", "BT474_P3", "BT474R_1", "BT474R_2", "BT474R_3"]


def run(workdir: Path, *arguments: str):
    return snakemake(workdir, "--configfile", str(workdir / "config.yaml"), *arguments, timeout=600)


def every_file(directory: Path) -> dict[str, bytes]:
    """The bytes of every file under ``directory``, provenance.json included."""
    return {str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


def edit_numreads(quant: Path, edit) -> list[list[str]]:
    """Rewrite a salmon quant.sf.gz with NumReads (the 5th column) of each data row replaced by edit(row, value)."""
    lines = [line.split("\t") for line in gzip.decompress(quant.read_bytes()).decode().splitlines()]
    for number, fields in enumerate(lines[1:], start=2):
        fields[4] = edit(number, fields[4])
    quant.write_bytes(gzip.compress(("\n".join("\t".join(fields) for fields in lines) + "\n").encode(), mtime=0))
    return lines


def test_broken_rerun_fails_before_any_job_and_leaves_every_result_byte_identical(example_workdir, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(example_workdir, workdir, symlinks=True)
    # Rule logs and benchmark files too: a job that started would rewrite its own.
    kept = ("results", "logs", "benchmarks")
    before = {name: every_file(workdir / name) for name in kept}

    quant = workdir / "data" / "BT474R_2" / "quant.sf.gz"
    lines = edit_numreads(quant, lambda number, value: "-3" if number == 6 else value)
    expected = (
        "Invalid input, nothing was run.\n"
        f"Quant file 'data/BT474R_2/quant.sf.gz', line 6 (Name '{lines[5][0]}'): column 'NumReads' holds '-3', "
        "not a non-negative number (1 such row(s)). Re-export the file from the quantifier."
    )
    # A dry-run already says so; a real run, even one told to keep going, starts no job.
    for arguments in (["--dry-run"], ["--cores", "2", "--keep-going"]):
        completed = run(workdir, *arguments)
        output = completed.stdout + completed.stderr
        assert completed.returncode != 0
        assert expected in output
        assert "rule import_quantifications" not in output and "Job stats" not in output

    # Tables, figures and provenance.json (not rewritten as a failed run), logs and benchmarks.
    assert {name: every_file(workdir / name) for name in kept} == before
    results = before["results"]
    assert len(results) > 80 and "counts/gene_counts.tsv" in results and "provenance.json" in results


def test_sample_without_counts_stops_before_any_job(tmp_path):
    copy_example(tmp_path)
    edit_numreads(tmp_path / "data" / "BT474R_2" / "quant.sf.gz", lambda number, value: "0")
    completed = run(tmp_path, "--cores", "2")
    assert completed.returncode != 0
    assert (
        "Invalid input, nothing was run.\n"
        "samples.tsv, line 6 (sample 'BT474R_2'): quant file 'data/BT474R_2/quant.sf.gz' has no counts at all "
        "(library size 0 in NumReads): the library failed. Remove the sample from the sheet."
    ) in completed.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


def detected_genes(workdir: Path) -> pd.DataFrame:
    """Library size and detected genes from the example's files: NumReads summed per gene, rounded."""
    tx2gene = pd.read_csv(workdir / "data" / "tx2gene.tsv", sep="\t", index_col="transcript_id")["gene_id"]
    rows = {}
    for sample in SAMPLES:
        table = pd.read_csv(workdir / "data" / sample / "quant.sf.gz", sep="\t", index_col="Name")
        genes = np.rint(table["NumReads"].groupby(tx2gene.loc[table.index].to_numpy()).sum())
        rows[sample] = {"library_size": int(genes.sum()), "detected": int((genes > 0).sum())}
    return pd.DataFrame(rows).T


def test_samples_under_the_detected_gene_minimum_are_named_before_any_job(tmp_path):
    configfile = copy_example(tmp_path)
    stats = detected_genes(tmp_path)
    minimum = int(stats["detected"].median())
    failing = stats[stats["detected"] < minimum]
    assert 0 < len(failing) < len(SAMPLES)
    text = configfile.read_text()
    configfile.write_text(text.replace("min_detected_genes: 100", f"min_detected_genes: {minimum}"))

    completed = run(tmp_path, "--cores", "2")
    assert completed.returncode != 0
    assert f"Invalid input, nothing was run.\n{len(failing)} problems with the inputs:\n" in completed.stderr
    for sample, row in failing.iterrows():
        line = SAMPLES.index(sample) + 2
        assert (
            f"  - samples.tsv, line {line} (sample '{sample}'): quant file 'data/{sample}/quant.sf.gz' has "
            f"{row['detected']} detected genes (library size {row['library_size']} in NumReads), fewer than "
            f"qc.min_detected_genes = {minimum} ({configfile}). Remove the sample from the sheet, or lower "
            "qc.min_detected_genes if the library is as expected."
        ) in completed.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


def test_cluster_jobs_do_not_repeat_the_check_and_the_import_still_refuses(tmp_path):
    """A SLURM job re-parses the workflow in remote mode: the main process has checked, so it skips the reading."""
    copy_example(tmp_path)
    quant = tmp_path / "data" / "BT474R_2" / "quant.sf.gz"
    edit_numreads(quant, lambda number, value: "-3" if number == 6 else value)
    completed = run(tmp_path, "--mode", "remote", "--target-jobs", "import_quantifications:", "--cores", "1")
    assert completed.returncode != 0
    assert "Invalid input, nothing was run." not in completed.stderr
    assert "ERROR in rule import_quantifications: Quant file 'data/BT474R_2/quant.sf.gz', line 6" in completed.stderr
