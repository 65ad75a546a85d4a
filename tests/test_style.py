"""Lint, formatting, and conda environments that agree with the Python lock."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from importlib import metadata
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
    completed = run([str(BIN / "ruff"), "check", "scripts", "tests", "example", "bench"])
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


def third_party_distributions(script: Path) -> set[str]:
    """Distributions (lower case) whose modules a rule script imports, itself or through the package."""
    from resistseq.codeversion import module_dependencies

    sources = [script] + [PROJECT / "scripts" / "resistseq" / f"{name}.py" for name in module_dependencies(script)]
    top_level = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                top_level |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top_level.add(node.module.split(".")[0])
    top_level -= set(sys.stdlib_module_names) | {"resistseq", "__future__"}
    distributions = metadata.packages_distributions()
    return {distributions[name][0].lower() for name in top_level}


def test_every_rule_environment_has_what_its_script_imports():
    """A conda env that lacks a package its rule's code imports fails only under --sdm conda, which CI cannot run."""
    checked = 0
    for path in sorted((PROJECT / "rules").glob("*.smk")):
        for block in re.split(r"(?m)^(?=rule )", path.read_text()):
            env = re.search(r'conda:\n\s+"\.\./envs/(\w+)\.yaml"', block)
            script = re.search(r'script:\n\s+"\.\./scripts/(\w+\.py)"', block)
            if not (env and script):
                continue
            spec = yaml.safe_load((PROJECT / "envs" / f"{env.group(1)}.yaml").read_text())
            pinned = {dependency.partition("=")[0].lower() for dependency in spec["dependencies"]}
            missing = third_party_distributions(PROJECT / "scripts" / script.group(1)) - pinned
            assert not missing, f"{script.group(1)} imports {sorted(missing)}, absent from envs/{env.group(1)}.yaml"
            checked += 1
    rules = "".join(path.read_text() for path in (PROJECT / "rules").glob("*.smk"))
    assert checked == rules.count("    script:\n") > 0  # every script rule has a conda env
