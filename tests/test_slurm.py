"""The example through a real SLURM cluster with profiles/slurm (ci/slurm/start.sh starts one).

Skipped when no cluster answers (``sinfo`` missing or failing). The run uses no SLURM account and
``--slurm-status-command squeue``, which a cluster without an accounting database needs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import (
    CLUSTER_RULES,
    EXAMPLE_RESULT_FILES,
    LOCAL_RULES,
    PROJECT,
    copy_example,
    result_checksums,
    snakemake_command,
)

# The first attempt of the import is given 100 MB, less than a Python process with pandas needs, so SLURM
# kills it for exceeding its memory; the retry must ask for the rule's attempt-2 amount and succeed.
STARVED_IMPORT = "100 if attempt == 1 else 4000 * attempt"
# rules/common.smk: run_deseq2's threads with the vectorised backend (the one home of threads and memory; the
# profile sets none).
DESEQ2_THREADS = 1


def cluster_answers() -> bool:
    if shutil.which("sinfo") is None:
        return False
    try:
        completed = subprocess.run(["sinfo", "--noheader"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return False
    return completed.returncode == 0 and bool(completed.stdout.strip())


pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(not cluster_answers(), reason="no SLURM cluster answers (see ci/slurm/start.sh)"),
]


def slurm_job(job_id: str) -> dict[str, str]:
    completed = subprocess.run(["scontrol", "--oneliner", "show", "job", job_id], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return dict(re.findall(r"(\w+)=(\S*)", completed.stdout))


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("slurm_run")
    configfile = copy_example(workdir)
    profile = yaml.safe_load((PROJECT / "profiles" / "slurm" / "config.yaml").read_text())
    assert "set-resources" not in profile and "set-threads" not in profile
    # A profile's set-resources overrides the rule on purpose: here, to starve the import's first attempt.
    profile["set-resources"] = {"import_quantifications": {"mem_mb": STARVED_IMPORT}}
    profile_dir = workdir / "profile"
    profile_dir.mkdir()
    (profile_dir / "config.yaml").write_text(yaml.safe_dump(profile))
    command = snakemake_command(
        workdir,
        "--configfile",
        str(configfile),
        "--profile",
        str(profile_dir),
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--slurm-keep-successful-logs",
    )
    completed = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=1200)
    assert completed.returncode == 0, completed.stderr[-5000:]
    return workdir, completed.stdout + completed.stderr


def submissions(output: str) -> list[tuple[str, str, str]]:
    """(rule, SLURM job id, SLURM log) for every job Snakemake handed to sbatch, in order."""
    found = re.findall(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)", output)
    return [(re.search(r"rule_(\w+?)/", log).group(1), job_id, log) for job_id, log in found]


def test_cluster_jobs_went_through_slurm_and_light_rules_ran_locally(slurm_run):
    workdir, output = slurm_run
    submitted = submissions(output)
    assert {rule for rule, _, _ in submitted} == set(CLUSTER_RULES)
    # Each cluster job ran under its own SLURM job: the id is in the SLURM log's name and in slurmctld.
    for _rule, job_id, log in submitted:
        assert log.endswith(f"/{job_id}.log") and Path(log).is_file(), log
        assert slurm_job(job_id)["WorkDir"] == str(workdir), job_id
    final = {rule: (job_id, log) for rule, job_id, log in submitted}
    for rule, (job_id, log) in final.items():
        assert slurm_job(job_id)["JobState"] == "COMPLETED", rule
        # The Snakemake job step inside the SLURM job ran this rule.
        assert f"rule {rule}:" in Path(log).read_text(), log
    # The rule's threads, capped by Snakemake at the cores of this one-node cluster.
    assert int(slurm_job(final["run_deseq2"][0])["NumCPUs"]) == min(DESEQ2_THREADS, os.cpu_count())
    assert slurm_job(final["run_deseq2"][0])["MinMemoryNode"] == "8000M"  # the rule's 8000 * attempt 1
    for rule in LOCAL_RULES:
        assert f"localrule {rule}:" in output, rule
    assert json.loads((workdir / "results" / "provenance.json").read_text())["executor"] == "slurm"


def test_job_over_its_memory_is_retried_with_more(slurm_run):
    _, output = slurm_run
    imports = [(job_id, log) for rule, job_id, log in submissions(output) if rule == "import_quantifications"]
    assert len(imports) == 2
    (first, first_log), (second, _) = imports
    assert slurm_job(first)["JobState"] in {"FAILED", "OUT_OF_MEMORY"}
    assert slurm_job(first)["MinMemoryNode"] == "100M"
    assert "exceeded memory limit" in Path(first_log).read_text()
    assert slurm_job(second)["JobState"] == "COMPLETED"
    assert slurm_job(second)["MinMemoryNode"] == "8000M"  # 4000 * attempt 2, from the override expression


def test_slurm_results_equal_a_local_run(slurm_run, example_workdir):
    workdir, _ = slurm_run
    cluster, local = result_checksums(workdir / "results"), result_checksums(example_workdir / "results")
    assert len(cluster) == EXAMPLE_RESULT_FILES
    assert cluster == local
