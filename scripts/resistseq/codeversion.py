"""Which modules of the workflow's own package a rule script runs, and a digest of their code.

Snakemake reruns a job when its rule's script changes, but the logic lives in this package: a rule
passes ``code_version(script)`` as a param, so an edit to any module the script imports (directly or
through other modules) marks exactly the jobs that run it as stale ("params changed").
"""

from __future__ import annotations

import ast
import hashlib
import os
from functools import cache
from pathlib import Path

PACKAGE = "resistseq"


@cache
def _imported_modules(source: Path) -> frozenset[str]:
    """Names of the package's modules that ``source`` imports anywhere (top level or inside functions).

    Cached: every rule's script shares most modules, and the Snakefile is parsed again in each cluster job.
    """
    tree = ast.parse(source.read_text(), filename=str(source))
    package_dir = Path(__file__).resolve().parent
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == PACKAGE and len(parts) > 1 and (package_dir / f"{parts[1]}.py").is_file():
                found.add(parts[1])
    return frozenset(found)


@cache
def module_dependencies(script: str | os.PathLike) -> tuple[str, ...]:
    """Sorted names of every package module that ``script`` imports, directly or transitively."""
    package_dir = Path(__file__).resolve().parent
    seen: set[str] = set()
    pending = set(_imported_modules(Path(script)))
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        pending |= _imported_modules(package_dir / f"{module}.py") - seen
    return tuple(sorted(seen))


def code_version(script: str | os.PathLike) -> str:
    """SHA-256 (first 16 hex digits) over the names and bytes of the modules ``script`` runs."""
    package_dir = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for module in module_dependencies(str(script)):
        digest.update(module.encode() + b"\0" + (package_dir / f"{module}.py").read_bytes() + b"\0")
    return digest.hexdigest()[:16]
