"""Lint, formatting, and conda environments that agree with the Python lock."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT

BIN = Path(sys.executable).parent


def run(command, **kwargs):
    return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300, **kwargs)


def test_snakemake_lint_is_clean():
    completed = run([str(BIN / "snakemake"), "--lint", "--cores", "1"])
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Lints for" not in completed.stdout + completed.stderr


@pytest.mark.skipif(not (BIN / "snakefmt").exists(), reason="snakefmt not installed")
def test_snakefmt_is_clean():
    completed = run([str(BIN / "snakefmt"), "--check", "Snakefile", "rules"])
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.skipif(shutil.which("ruff", path=str(BIN)) is None, reason="ruff not installed")
def test_ruff_is_clean():
    completed = run([str(BIN / "ruff"), "check", "scripts", "tests", "example"])
    assert completed.returncode == 0, completed.stdout


def lock_versions() -> dict[str, str]:
    versions = {}
    for line in (PROJECT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if match:
            versions[match.group(1).lower().replace("_", "-")] = match.group(2)
    return versions


def test_conda_environments_pin_the_locked_versions():
    locked = lock_versions()
    environments = sorted((PROJECT / "envs").glob("*.yaml"))
    assert [path.stem for path in environments] == ["deseq2", "enrichment", "figures", "import", "report"]
    for path in environments:
        spec = yaml.safe_load(path.read_text())
        assert spec["channels"][:2] == ["conda-forge", "bioconda"], path.name
        for dependency in spec["dependencies"]:
            name, _, version = dependency.partition("=")
            if name == "python":
                assert version == f"{sys.version_info.major}.{sys.version_info.minor}"
                continue
            assert version, f"{path.name}: {name} is not pinned"
            assert locked.get(name.lower()) == version, f"{path.name}: {name}={version}, lock has {locked.get(name)}"


def test_every_rule_uses_a_conda_env_that_exists():
    rules = "\n".join(path.read_text() for path in (PROJECT / "rules").glob("*.smk"))
    referenced = set(re.findall(r'"\.\./envs/([a-z0-9_]+)\.yaml"', rules))
    assert referenced == {path.stem for path in (PROJECT / "envs").glob("*.yaml")}
