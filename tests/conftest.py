"""Shared test helpers: project paths, the read-only ../shared data, running Snakemake."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESISTSEQ_SHARED", PROJECT.parent / "shared"))
EXAMPLE_DATA = PROJECT / "example" / "data"

requires_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared test data not found at {SHARED}")


def snakemake_command(workdir: Path, *arguments: str) -> list[str]:
    """The command line that runs the project's workflow in ``workdir`` (not the project)."""
    workflow = ["--snakefile", str(PROJECT / "Snakefile"), "--directory", str(workdir)]
    return [sys.executable, "-m", "snakemake", *workflow, *arguments]


def snakemake(workdir: Path, *arguments: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the project's workflow with ``workdir`` as working directory (not the project)."""
    command = snakemake_command(workdir, *arguments)
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)


def copy_example(workdir: Path) -> Path:
    """The bundled example in ``workdir`` with relative paths, as a user would lay it out."""
    shutil.copytree(EXAMPLE_DATA, workdir / "data")
    sheet = (PROJECT / "config" / "samples.tsv").read_text().replace("example/data/", "data/")
    (workdir / "samples.tsv").write_text(sheet)
    config = (PROJECT / "config" / "config.yaml").read_text()
    config = config.replace("samples: config/samples.tsv", "samples: samples.tsv")
    config = config.replace("tx2gene: example/data/tx2gene.tsv", "tx2gene: data/tx2gene.tsv")
    (workdir / "config.yaml").write_text(config)
    return workdir / "config.yaml"


@pytest.fixture(scope="session")
def example_workdir(tmp_path_factory) -> Path:
    """One local run of the bundled example, shared by the tests that compare against it."""
    workdir = tmp_path_factory.mktemp("example_run")
    configfile = copy_example(workdir)
    completed = snakemake(workdir, "--configfile", str(configfile), "--cores", "2")
    assert completed.returncode == 0, completed.stderr[-4000:]
    return workdir


def result_checksums(results: Path) -> dict[str, str]:
    """SHA-256 of every table and figure under ``results``.

    provenance.json is left out: it records the run's start and end times and command line,
    so it differs between runs by design.
    """
    return {
        str(path.relative_to(results)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(results.rglob("*"))
        if path.is_file() and path.name != "provenance.json"
    }


# The example's DAG: every job of a run from scratch (rule: jobs). The heavy steps go to the cluster
# under profiles/slurm; the rest are localrules.
EXAMPLE_JOBS = {
    "import_quantifications": 1, "normalise_counts": 1, "run_deseq2": 1, "run_gsea": 1, "run_ora": 1,
    "score_signatures": 1, "call_pam50": 1, "judge_hypotheses": 1, "compute_sample_qc": 1, "write_methods": 1,
    "plot_pca": 1, "plot_marker_heatmap": 1, "plot_volcano": 1, "plot_ma": 1, "plot_gsea_running_scores": 1,
    "plot_library_sizes": 1, "plot_count_distributions": 1, "plot_size_factors": 1, "plot_sample_distances": 1,
    "plot_dispersions": 1, "plot_top_de_heatmap": 1, "plot_geneset_heatmap": 4, "plot_enrichment_dots": 1,
    "plot_main_figure": 1, "plot_signature_scores": 2, "plot_pam50": 1, "write_interactive_tables": 1,
    "plot_interactive_de": 1, "plot_interactive_pca": 1, "plot_pca_diagnostics": 1, "plot_de_diagnostics": 1, "all": 1,
}
CLUSTER_RULES = ["import_quantifications", "normalise_counts", "run_deseq2", "run_gsea", "score_signatures"]
LOCAL_RULES = sorted(set(EXAMPLE_JOBS) - set(CLUSTER_RULES))
# Files under results/ after an example run, provenance.json aside: 24 figures x 3 formats, 26 tables
# and 5 interactive HTML pages.
EXAMPLE_RESULT_FILES = 103
