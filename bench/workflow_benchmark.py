"""Wall time of the whole workflow, end to end from a fresh directory, against R DESeq2's DE step.

Not a test. Four studies by default, each run in its own temporary directory:

- ``example``: the bundled synthetic example (config/config.yaml), 2,167 genes x 6
- ``20k_x8_batch``: 20,000 genes x 8 samples, design ``~ batch + condition`` with a batch effect
- ``60k_x6_collection``: 60,000 genes x 6 with a 50-set collection added (the MSigDB Hallmark GMT from
  ../shared when present, else 50 simulated sets)
- ``20k_x14_3contrasts``: 20,000 genes x 14 samples, three contrasts

The simulated studies are written by ``bench/simulate_study.py`` (``tests/simulation.py``, fixed
seed). For each study the table gives the workflow's wall time and job count, the peak memory (the
largest ``max_rss`` of the rules' Snakemake ``benchmark:`` files when the rules have them, else the
largest single process, from ``wait4``), the slowest jobs (from the benchmark files, else from the
log's job start and finish stamps, 1 s resolution), the load average when the run started, and the
wall time of R DESeq2's DE step on the workflow's own gene counts (``DESeq()`` and ``results()`` for
every contrast, in a fresh ``Rscript``, when DESeq2 is installed) with the ratio of the two.

    .venv/bin/python bench/workflow_benchmark.py                          # all four, 2 cores
    .venv/bin/python bench/workflow_benchmark.py --studies example --output bench.md
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESISTSEQ_SHARED", PROJECT.parent / "shared"))
HALLMARK = SHARED / "data" / "genesets" / "h.all.v7.1.symbols.gmt"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from de_benchmark import measure  # noqa: E402
from simulate_study import write_study  # noqa: E402

STUDIES = {
    "example": None,
    "20k_x8_batch": {"genes": 20000, "samples": 8, "batch": True},
    "60k_x6_collection": {"genes": 60000, "samples": 6, "collection": True},
    "20k_x14_3contrasts": {"genes": 20000, "samples": 14, "contrasts": 3},
}
SLOWEST = 3

R_DE_STEP = """
suppressPackageStartupMessages(library(DESeq2))
counts <- as.matrix(read.delim("{counts}", row.names = 1, check.names = FALSE))
sheet <- read.delim("{sheet}", check.names = FALSE, colClasses = "character")
rownames(sheet) <- sheet$sample
counts <- round(counts[, rownames(sheet)])
design <- {design}
for (variable in all.vars(design)) sheet[[variable]] <- factor(sheet[[variable]])
dds <- DESeqDataSetFromMatrix(counts, sheet, design)
dds <- DESeq(dds, quiet = TRUE)
{results}
"""


@dataclass
class Job:
    rule: str
    wildcards: str = ""
    start: datetime | None = None
    end: datetime | None = None
    benchmark: str | None = None

    @property
    def label(self) -> str:
        return f"{self.rule} ({self.wildcards})" if self.wildcards else self.rule


@dataclass
class Run:
    study: str
    genes: int
    samples: int
    contrasts: int
    load: float
    wall: float = 0.0
    process_rss_gib: float = 0.0
    jobs: list[Job] = field(default_factory=list)
    job_seconds: dict[str, float] = field(default_factory=dict)
    job_rss_gib: dict[str, float] = field(default_factory=dict)
    timing_source: str = "log stamps"
    r_wall: float | None = None


STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
RULE = re.compile(r"^(?:local)?rule (\S+):$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\S+)\)$")
FIELD = re.compile(r"^\s+(jobid|wildcards|benchmark): (.*)$")


def parse_log(text: str) -> list[Job]:
    """Jobs of a Snakemake run from its console log: rule, wildcards, benchmark file, start and finish."""
    jobs: dict[int, Job] = {}
    stamp = None
    current = None
    for line in text.splitlines():
        if match := STAMP.match(line):
            stamp = datetime.strptime(" ".join(match.group(1).split()), "%a %b %d %H:%M:%S %Y")
        elif match := RULE.match(line):
            current = Job(match.group(1), start=stamp)
        elif current is not None and (match := FIELD.match(line)):
            key, value = match.groups()
            if key == "jobid":
                jobs[int(value)] = current
            elif key == "wildcards":
                current.wildcards = value
            else:
                current.benchmark = value
        elif (match := FINISHED.match(line)) and int(match.group(1)) in jobs:
            jobs[int(match.group(1))].end = stamp
    return [job for _, job in sorted(jobs.items())]


def read_benchmark(path: Path) -> tuple[float, float]:
    """Seconds and max_rss (GiB) from a Snakemake benchmark file (the largest over repeats)."""
    with open(path) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    seconds = max(float(row["s"]) for row in rows)
    rss = max((float(row["max_rss"]) for row in rows if row.get("max_rss") not in (None, "", "NA", "-")), default=0)
    return seconds, rss / 1024


def prepare(study: str, directory: Path) -> Path:
    """The study's inputs in ``directory``; returns its config file."""
    if STUDIES[study] is None:
        for name in ("config", "example"):
            (directory / name).symlink_to(PROJECT / name)
        return directory / "config" / "config.yaml"
    settings = dict(STUDIES[study])
    if settings.pop("collection", False):
        if HALLMARK.is_file():
            settings["collection"] = HALLMARK
        else:
            settings["simulated_sets"] = 50
    return write_study(directory, **settings)


def r_de_step(directory: Path, config: dict, env: dict) -> float | None:
    """Wall seconds of R DESeq2 (DESeq + results per contrast) on the workflow's gene counts, or None without R."""
    rscript = shutil.which("Rscript")
    if rscript is None or subprocess.run([rscript, "-e", "library(DESeq2)"], capture_output=True).returncode:
        return None
    results = "\n".join(
        f'res <- results(dds, contrast = c("{c["variable"]}", "{c["target"]}", "{c["reference"]}"), alpha = 0.05)'
        for c in config["contrasts"]
    )
    script = directory / "r_de_step.R"
    script.write_text(
        R_DE_STEP.format(
            counts=directory / "results" / "counts" / "gene_counts.tsv",
            sheet=directory / config["samples"],
            design=config["design"].replace(" ", ""),
            results=results,
        )
    )
    wall, _, _ = measure([rscript, str(script)], env)
    return wall


def run_study(study: str, cores: int, keep: Path | None, skip_r: bool) -> Run:
    directory = Path(tempfile.mkdtemp(prefix=f"resistseq_{study}_", dir=keep))
    try:
        configfile = prepare(study, directory)
        config = yaml.safe_load(configfile.read_text())
        with open(directory / config["samples"]) as sheet:
            samples = sum(1 for _ in sheet) - 1
        run = Run(study, 0, samples, len(config["contrasts"]), os.getloadavg()[0])
        command = [
            sys.executable, "-m", "snakemake", "--snakefile", str(PROJECT / "Snakefile"),
            "--directory", str(directory), "--configfile", str(configfile), "--cores", str(cores),
        ]  # fmt: skip
        log = directory / "snakemake_console.log"
        with open(log, "w") as handle:
            start = time.perf_counter()
            process = subprocess.Popen(command, cwd=directory, stdout=handle, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
            run.wall = time.perf_counter() - start
        if status != 0:
            raise RuntimeError(f"{study}: snakemake failed, see {log}:\n{log.read_text()[-3000:]}")
        run.process_rss_gib = usage.ru_maxrss / 2**20
        run.jobs = parse_log(log.read_text())
        with open(directory / "results" / "counts" / "gene_counts.tsv") as counts:
            run.genes = sum(1 for _ in counts) - 1
        # The target rule `all` runs no code and has no benchmark file.
        measured = [job for job in run.jobs if job.rule != "all"]
        with_benchmark = [job for job in measured if job.benchmark and (directory / job.benchmark).is_file()]
        if measured and len(with_benchmark) == len(measured):
            run.timing_source = "benchmark files"
            for job in measured:
                seconds, rss = read_benchmark(directory / job.benchmark)
                run.job_seconds[job.label] = seconds
                run.job_rss_gib[job.label] = rss
        else:
            run.job_seconds = {
                job.label: (job.end - job.start).total_seconds() for job in run.jobs if job.start and job.end
            }
        if not skip_r:
            run.r_wall = r_de_step(directory, config, dict(os.environ))
        return run
    finally:
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)


def markdown(runs: list[Run], cores: int) -> str:
    lines = [
        f"Whole workflow from a fresh directory, `--cores {cores}`, {os.cpu_count()} CPUs; one run each.",
        "",
        "| study | genes × samples | contrasts | jobs | workflow wall | R DE step | workflow / R "
        "| peak memory | slowest jobs | slowest figure job | load at start |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        r_cell = f"{run.r_wall:.1f} s" if run.r_wall else "no R"
        ratio = f"{run.wall / run.r_wall:.2f}" if run.r_wall else "–"
        if run.job_rss_gib:
            memory = f"{max(run.job_rss_gib.values()):.2f} GiB (largest job)"
        else:
            memory = f"{run.process_rss_gib:.2f} GiB (largest process)"
        slowest = sorted(run.job_seconds.items(), key=lambda item: (-item[1], item[0]))[:SLOWEST]
        slow_cell = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in slowest)
        figure_jobs = {label: seconds for label, seconds in run.job_seconds.items() if label.startswith("plot_")}
        figure_label = max(figure_jobs, key=lambda label: (figure_jobs[label], label), default=None)
        figure_cell = f"{figure_label} {figure_jobs[figure_label]:.1f} s" if figure_label else "–"
        lines.append(
            f"| {run.study} | {run.genes:,} × {run.samples} | {run.contrasts} | {len(run.jobs)} | {run.wall:.1f} s "
            f"| {r_cell} | {ratio} | {memory} | {slow_cell} ({run.timing_source}) | {figure_cell} | {run.load:.2f} |"
        )
    lines += [
        "",
        "R DE step: `DESeq()` and `results()` for every contrast on the workflow's `gene_counts.tsv` (all genes,",
        "no pre-filter, no LFC shrinkage), start-up and reading included; the workflow also shrinks LFCs and runs",
        "QC, GSEA, ORA, signatures, PAM50 calls, figures and the methods text.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", nargs="+", default=list(STUDIES), choices=list(STUDIES))
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--skip-r", action="store_true", help="do not time R DESeq2")
    parser.add_argument("--keep", type=Path, help="run in (and keep) directories under this one")
    parser.add_argument("--output", type=Path, help="also write the markdown table here")
    arguments = parser.parse_args()
    if arguments.keep:
        arguments.keep.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    runs = []
    for study in arguments.studies:
        run = run_study(study, arguments.cores, arguments.keep, arguments.skip_r)
        print(f"  {study}: {run.wall:.1f} s, {len(run.jobs)} jobs, R {run.r_wall}", flush=True)
        runs.append(run)
    table = markdown(runs, arguments.cores)
    print(table)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if arguments.output:
        arguments.output.write_text(table + "\n")


if __name__ == "__main__":
    main()
