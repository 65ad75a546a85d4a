"""Provenance of a workflow run: what went in, with which software and settings, and what came out."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from resistseq.runtime import atomic_path

PROVENANCE_FILE = "provenance.json"

# Distributions whose versions decide the results (and the engine that ran them).
SOFTWARE = (
    "snakemake",
    "snakemake-executor-plugin-slurm",
    "pytximport",
    "pydeseq2",
    "anndata",
    "formulaic",
    "scikit-learn",
    "gseapy",
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "threadpoolctl",
    "PyYAML",
    "jsonschema",
)
# Of SOFTWARE, the ones the methods text cites (each imported under its distribution's name).
CITED_SOFTWARE = ("pytximport", "pydeseq2", "gseapy", "pandas", "numpy", "scipy", "matplotlib")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_record(path: str | os.PathLike, label: str | None = None) -> dict:
    """Path as the user gave it (or ``label``), size and SHA-256; a missing file is recorded as such."""
    path = Path(path)
    record = {"path": label if label is not None else str(path)}
    if path.is_file():
        record.update(bytes=path.stat().st_size, sha256=sha256_file(path))
    else:
        record.update(bytes=None, sha256=None)
    return record


def cited_versions(distributions: Iterable[str] = CITED_SOFTWARE) -> dict[str, str]:
    """Installed version of each cited package, read from its metadata without importing it.

    Importing them only for ``__version__`` cost the methods job ~1.5 s; the steps that ran record
    the versions they imported (PyDESeq2 in summary.json, gseapy in gsea_settings.json), and the
    methods job warns where those differ from what is installed.
    """
    return {name: metadata.version(name) for name in distributions}


def declaration_record(path: str | os.PathLike, label: str) -> dict:
    """A file the questions were declared in (the hypotheses file): path, size, SHA-256 and its full text."""
    record = file_record(path, label)
    record["text"] = Path(path).read_text() if record["sha256"] else None
    return record


def software_versions(distributions: Iterable[str] = SOFTWARE) -> dict:
    """Python's and each distribution's installed version (None where not installed)."""
    versions = {"python": platform.python_version()}
    for name in distributions:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(directory: str | os.PathLike) -> dict:
    """The workflow's commit and whether its tracked files differ from it; nulls outside a git checkout."""

    def git(*arguments: str) -> str | None:
        try:
            completed = subprocess.run(
                ["git", "-C", str(directory), *arguments], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return completed.stdout.strip() if completed.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "modified": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "modified": None if status is None else bool(status)}


def result_checksums(results_dir: str | os.PathLike) -> list[dict]:
    """Every finished file under ``results_dir`` except the provenance file and temporary partial files."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        return []
    files = sorted(
        path
        for path in results_dir.rglob("*")
        if path.is_file() and path.name != PROVENANCE_FILE and not path.name.endswith(".partial")
    )
    return [file_record(path, path.relative_to(results_dir.parent).as_posix()) for path in files]


def collect_provenance(
    *,
    status: str,
    started: str | None,
    finished: str,
    config: Mapping,
    config_files: Iterable[str],
    sample_sheet: str,
    samples: list[dict],
    inputs: Mapping[str, Iterable[str]],
    genesets: Iterable[tuple[str, str]],
    seeds: Mapping[str, int],
    hypotheses: tuple[str, str] | None = None,
    workflow_dir: str | os.PathLike,
    results_dir: str | os.PathLike,
    command: list[str] | None = None,
    executor: str | None = None,
) -> dict:
    """Everything needed to redo a run and check its results.

    ``inputs`` maps a kind ("quant", "tx2gene", ...) to file paths; ``genesets`` holds
    (path, label) pairs so bundled gene sets are named the same on every machine, and ``hypotheses``
    the (path, label) of the hypotheses file, recorded with its text.
    """
    return {
        "status": status,
        "started": started,
        "finished": finished,
        "workflow": {"directory": str(workflow_dir), **git_commit(workflow_dir)},
        "command": command if command is not None else list(sys.argv),
        "executor": executor,
        "host": {"platform": platform.platform(), "machine": platform.machine()},
        "software": software_versions(),
        "seeds": dict(seeds),
        "config_files": [file_record(path) for path in config_files],
        "config": config,
        "sample_sheet": file_record(sample_sheet),
        "samples": samples,
        "inputs": {kind: [file_record(path) for path in paths] for kind, paths in inputs.items()},
        "genesets": [file_record(path, label) for path, label in genesets],
        "hypotheses": declaration_record(*hypotheses) if hypotheses else None,
        "results": result_checksums(results_dir),
    }


def write_provenance(path: str | os.PathLike, provenance: Mapping) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(provenance, indent=2, default=str) + "\n")
