"""Reruns: provenance of a run, reruns of only what changed, recovery from a killed job, retry memory."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

import psutil
import pytest
import yaml
from conftest import (
    CLUSTER_RULES,
    EXAMPLE_JOBS,
    EXAMPLE_RESULT_FILES,
    PROJECT,
    copy_example,
    result_checksums,
    snakemake,
    snakemake_command,
)

pytestmark = pytest.mark.workflow



def example_command(workdir: Path, *arguments: str) -> list[str]:
    return snakemake_command(workdir, "--configfile", str(workdir / "config.yaml"), *arguments)


def run(workdir: Path, *arguments: str) -> subprocess.CompletedProcess:
    return snakemake(workdir, "--configfile", str(workdir / "config.yaml"), *arguments, timeout=600)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def planned_jobs(completed: subprocess.CompletedProcess) -> dict[str, int]:
    """Rule -> job count from a dry-run's "Job stats" table; {} when there is nothing to do."""
    assert completed.returncode == 0, completed.stderr[-3000:]
    output = completed.stdout + completed.stderr
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:", 1)[1].splitlines()
    jobs = {}
    for line in table[3:]:
        fields = line.split()
        if not fields or fields[0] == "total":
            break
        jobs[fields[0]] = int(fields[1])
    return jobs


def test_provenance_records_inputs_config_software_and_results(example_workdir):
    provenance = json.loads((example_workdir / "results" / "provenance.json").read_text())
    assert provenance["status"] == "success" and provenance["executor"] == "local"
    started = datetime.fromisoformat(provenance["started"])
    finished = datetime.fromisoformat(provenance["finished"])
    assert started.tzinfo is not None and 0 <= (finished - started).total_seconds() < 900

    # Inputs: every quant file, the sheet, tx2gene, the config file and the gene sets, by checksum.
    quant = sorted(example_workdir.glob("data/*/quant.sf.gz"))
    assert len(quant) == 6
    recorded = {item["path"]: item["sha256"] for item in provenance["inputs"]["quant"]}
    assert recorded == {str(path.relative_to(example_workdir)): sha256(path) for path in quant}
    assert provenance["inputs"]["tx2gene"] == [
        {"path": "data/tx2gene.tsv", "bytes": 123744, "sha256": sha256(example_workdir / "data" / "tx2gene.tsv")}
    ]
    assert provenance["sample_sheet"]["sha256"] == sha256(example_workdir / "samples.tsv")
    assert [item["sha256"] for item in provenance["config_files"]] == [sha256(example_workdir / "config.yaml")]
    bundled = sorted((PROJECT / "resources" / "genesets").glob("*.gmt"))
    assert provenance["genesets"] == [
        {"path": f"resources/genesets/{path.name}", "bytes": path.stat().st_size, "sha256": sha256(path)}
        for path in bundled
    ]

    # The resolved config (file values plus schema defaults) and the sheet as read.
    given = yaml.safe_load((example_workdir / "config.yaml").read_text())
    assert provenance["config"]["contrasts"] == given["contrasts"]
    assert provenance["config"]["enrichment"] == given["enrichment"]
    assert provenance["seeds"] == {"enrichment.seed": 20161001}
    assert [row["sample"] for row in provenance["samples"]] == [
        "BT474_P1",
        "BT474_P2",
        "BT474_P3",
        "BT474R_1",
        "BT474R_2",
        "BT474R_3",
    ]
    assert {row["condition"] for row in provenance["samples"]} == {"parental", "resistant"}

    software = provenance["software"]
    assert software["python"] == platform.python_version()
    for name in ["snakemake", "pydeseq2", "gseapy", "pytximport", "pandas", "numpy", "scipy", "matplotlib"]:
        assert software[name] == metadata.version(name), name

    head = subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "HEAD"], capture_output=True, text=True)
    expected_commit = head.stdout.strip() if head.returncode == 0 else None
    assert provenance["workflow"]["commit"] == expected_commit

    # The results it vouches for: every table and figure, as they are on disk.
    results = {item["path"]: item["sha256"] for item in provenance["results"]}
    on_disk = result_checksums(example_workdir / "results")
    assert results == {f"results/{name}": digest for name, digest in on_disk.items()}
    assert len(results) == EXAMPLE_RESULT_FILES


def test_changing_one_input_reruns_only_what_depends_on_it(example_workdir, tmp_path):
    workdir = tmp_path / "copy"
    shutil.copytree(example_workdir, workdir, symlinks=True)  # copy2 keeps modification times
    assert planned_jobs(run(workdir, "--dry-run")) == {}

    # GSEA settings: only enrichment and the jobs that draw or show it (the Vega bundle the pages read stays).
    config = (workdir / "config.yaml").read_text()
    (workdir / "config.yaml").write_text(config.replace("permutations: 1000", "permutations: 500"))
    assert planned_jobs(run(workdir, "--dry-run")) == {
        rule: 1
        for rule in (
            "run_gsea", "plot_ranked_figures", "plot_main_figure", "judge_hypotheses",
            "write_methods", "write_interactive_de_pages", "all",
        )
    }

    # Genes to label: only the jobs drawing the volcano and MA plots (static and interactive) and the per-gene counts.
    (workdir / "config.yaml").write_text(config.replace("label_genes: [ERBB2,", "label_genes: [ERBB3,"))
    assert planned_jobs(run(workdir, "--dry-run")) == {
        rule: 1
        for rule in ("plot_ranked_figures", "plot_main_figure", "write_interactive_de_pages", "plot_gene_counts", "all")
    }

    # One quant file: touched only, nothing (Snakemake compares the recorded checksum of small inputs);
    # changed, the import and everything built on it.
    (workdir / "config.yaml").write_text(config)
    quant = workdir / "data" / "BT474R_2" / "quant.sf.gz"
    quant.touch()
    assert planned_jobs(run(workdir, "--dry-run")) == {}
    lines = gzip.decompress(quant.read_bytes()).decode().splitlines()
    fields = lines[1].split("\t")
    fields[4] = str(float(fields[4]) + 1)
    lines[1] = "\t".join(fields)
    quant.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    completed = run(workdir, "--dry-run")
    assert planned_jobs(completed) == EXAMPLE_JOBS
    assert "data/BT474R_2/quant.sf.gz" in completed.stdout + completed.stderr
    # A dry-run is not a run: the provenance of the real run stays as it was.
    assert (workdir / "results" / "provenance.json").read_bytes() == (
        example_workdir / "results" / "provenance.json"
    ).read_bytes()


def job_process(parent: psutil.Process, rule: str) -> psutil.Process | None:
    """The Python process running ``rule``'s script (Snakemake runs it as .snakemake/scripts/tmpXXXX.<rule>.py)."""
    for child in parent.children(recursive=True):
        try:
            if any(argument.endswith(f".{rule}.py") for argument in child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


def test_job_killed_mid_run_leaves_no_complete_output_and_rerun_matches(example_workdir, tmp_path):
    copy_example(tmp_path)
    # Only GSEA and the figures drawn from it and the DE table, to keep the test short.
    targets = ["results/enrichment/resistant_vs_parental/gsea.tsv", "results/figures/resistant_vs_parental/volcano.pdf"]
    process = subprocess.Popen(
        example_command(tmp_path, "--cores", "2", *targets),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        parent = psutil.Process(process.pid)
        deadline = time.monotonic() + 300
        victim = None
        while victim is None and process.poll() is None and time.monotonic() < deadline:
            victim = job_process(parent, "run_deseq2")
            time.sleep(0.02)
        assert victim is not None, "run_deseq2 never started"
        victim.send_signal(signal.SIGKILL)
        output, _ = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert "Error in rule run_deseq2" in output
    results = tmp_path / "results"
    assert not (results / "de" / "resistant_vs_parental" / "deseq2.tsv").exists()
    assert not (results / "enrichment").exists() and not (results / "figures" / "resistant_vs_parental").exists()
    assert not list(results.rglob("*.partial"))
    assert json.loads((results / "provenance.json").read_text())["status"] == "failed"

    completed = run(tmp_path, "--cores", "2", *targets)
    if completed.returncode != 0 and "--rerun-incomplete" in completed.stderr:
        completed = run(tmp_path, "--cores", "2", "--rerun-incomplete", *targets)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "rule run_deseq2" in completed.stderr and "rule import_quantifications" not in completed.stderr
    reference = result_checksums(example_workdir / "results")
    recovered = result_checksums(results)
    assert recovered == {name: reference[name] for name in recovered}
    # 2 count tables; DESeq2, its dispersions and run summary; 6 enrichment files; the volcano's job draws the
    # volcano, MA, running-score and dot-plot figures: PDF, SVG, PNG, source data each
    assert len(recovered) == 27
    assert json.loads((results / "provenance.json").read_text())["status"] == "success"


def profile_resources(workdir: Path, attempt: int) -> dict[str, dict[str, int]]:
    """Resources each job would get at ``attempt`` under the SLURM profile, from a dry-run.

    ``--attempt`` is the option Snakemake's executors use to start a retried job; the SLURM test
    (test_slurm.py) shows a job killed for exceeding its memory coming back with the larger request.
    """
    completed = run(
        workdir,
        "--profile",
        str(PROJECT / "profiles" / "slurm"),
        "--dry-run",
        "--forceall",
        "--attempt",
        str(attempt),
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", completed.stdout + completed.stderr):
        header = re.match(r"(?:local)?rule (\w+):", block)
        found = re.search(r"resources: (.*)", block)
        if header and found and header.group(1) != "all":  # the target rule runs nothing and asks for nothing
            values = dict(item.split("=", 1) for item in found.group(1).split(", "))
            jobs[header.group(1)] = {
                "mem_mb": int(values["mem_mb"]),
                "runtime": int(values["runtime"]),
            }
    return jobs


def test_slurm_profile_asks_for_more_memory_on_each_retry(tmp_path):
    """Threads and memory have one home, the rules; the profile adds retries and sets no resources."""
    copy_example(tmp_path)
    profile = yaml.safe_load((PROJECT / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["executor"] == "slurm" and profile["retries"] >= 1
    assert not {"default-resources", "set-resources", "set-threads"} & set(profile)
    first, second = profile_resources(tmp_path, 1), profile_resources(tmp_path, 2)
    assert sorted(first) == sorted(set(EXAMPLE_JOBS) - {"all"})
    for rule in CLUSTER_RULES:
        assert first[rule]["mem_mb"] >= 4000, rule
        assert second[rule]["mem_mb"] == 2 * first[rule]["mem_mb"], rule
        assert second[rule]["runtime"] == first[rule]["runtime"] > 0, rule
    assert first["run_deseq2"]["mem_mb"] == 8000  # rules/diffexp.smk: 8000 * attempt


def test_container_recipe_installs_the_lock_and_copies_the_workflow():
    """The Dockerfile cannot be built here (no Docker engine); check what it would contain."""
    recipe = (PROJECT / "container" / "Dockerfile").read_text()
    base = re.search(r"^FROM python:(\d+\.\d+)-", recipe, re.MULTILINE)
    assert base and base.group(1) == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert "pip install -r /opt/resistseq/requirements.lock" in recipe
    copied = set()
    for line in re.findall(r"^COPY (.+) /opt/resistseq/?\S*$", recipe, re.MULTILINE):
        copied.update(line.split())
    needed = {"Snakefile", "requirements.lock", "config", "envs", "profiles", "resources", "rules", "scripts"}
    assert needed <= copied
    assert all((PROJECT / name).exists() for name in copied)


def test_whole_run_killed_mid_job_recovers_after_unlock(example_workdir, tmp_path):
    """Snakemake itself killed too (a lost login session, a node crash): the lock it leaves is lifted."""
    copy_example(tmp_path)
    target = "results/enrichment/resistant_vs_parental/gsea.tsv"
    process = subprocess.Popen(
        example_command(tmp_path, "--cores", "2", target),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        parent = psutil.Process(process.pid)
        deadline = time.monotonic() + 300
        while job_process(parent, "run_gsea") is None and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, "the run ended before run_gsea started"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    enrichment = tmp_path / "results" / "enrichment" / "resistant_vs_parental"
    assert not enrichment.exists() or not [path for path in enrichment.iterdir() if path.suffix != ".partial"]

    locked = run(tmp_path, "--cores", "2", target)
    assert locked.returncode != 0 and "--unlock" in locked.stderr
    assert run(tmp_path, "--unlock").returncode == 0
    completed = run(tmp_path, "--cores", "2", target)
    if completed.returncode != 0 and "--rerun-incomplete" in completed.stderr:
        completed = run(tmp_path, "--cores", "2", "--rerun-incomplete", target)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "rule run_gsea" in completed.stderr and "rule run_deseq2" not in completed.stderr
    reference = result_checksums(example_workdir / "results")
    recovered = result_checksums(tmp_path / "results")
    assert recovered == {name: reference[name] for name in recovered}
    assert {"enrichment/resistant_vs_parental/gsea.tsv", "de/resistant_vs_parental/deseq2.tsv"} <= set(recovered)



def copy_workflow(destination: Path) -> Path:
    """The workflow's own files (no results, caches, tests or environments), to edit its code in a test."""
    ignore = shutil.ignore_patterns(".git", ".venv", ".snakemake", "results", "logs", "__pycache__", "tests", "bench")
    shutil.copytree(PROJECT, destination, ignore=ignore)
    return destination / "Snakefile"


def test_editing_a_package_module_reruns_exactly_the_rules_that_import_it(tmp_path):
    snakefile = copy_workflow(tmp_path / "workflow")
    workdir = tmp_path / "work"
    configfile = copy_example(workdir)
    targets = ["results/enrichment/resistant_vs_parental/ora.tsv", "results/figures/pca.pdf"]

    def snakemake_run(*arguments: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--directory", str(workdir)]
        command += ["--configfile", str(configfile), "--cores", "2", *arguments, *targets]
        return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)

    def edit(module: str) -> str:
        path = snakefile.parent / "scripts" / "resistseq" / f"{module}.py"
        original = path.read_text()
        path.write_text(original + "\n# an edit\n")
        return original

    assert snakemake_run().returncode == 0
    assert planned_jobs(snakemake_run("--dry-run")) == {}

    # ORA's module: only the ORA job, with the reason.
    original = edit("ora")
    completed = snakemake_run("--dry-run")
    assert planned_jobs(completed) == {"run_ora": 1}
    assert "Params have changed since last execution" in completed.stdout + completed.stderr
    (snakefile.parent / "scripts" / "resistseq" / "ora.py").write_text(original)
    assert planned_jobs(snakemake_run("--dry-run")) == {}

    # The figure style module: the PCA figures only; the sample QC numbers (resistseq.sample_qc) import no figure code.
    edit("plots")
    assert planned_jobs(snakemake_run("--dry-run")) == {"plot_pca_figures": 1}

    # The DE module: normalisation and DESeq2 import it; everything after them follows.
    edit("deseq")
    assert planned_jobs(snakemake_run("--dry-run")) == {
        "normalise_counts": 1, "run_deseq2": 1, "run_ora": 1, "compute_sample_qc": 1, "plot_pca_figures": 1
    }
