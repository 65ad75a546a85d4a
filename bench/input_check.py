"""Cost of checking every quant file's content while Snakemake builds the DAG (resistseq.inputcheck).

Not a test. On the real airway files in ../shared (kallisto: 8 samples x 176,136 transcripts, Ensembl
GRCh38 tx2gene; salmon: 2 GENCODE samples x 205,870 transcripts, an identity tx2gene written here),
it times, each in a fresh subprocess:

- the check alone with no cache (what the first invocation after an input change pays) and with a
  cache hit (every later invocation: one stat per file);
- a whole `snakemake --dry-run` of the workflow, with the cache cleared and with it in place;
- the peak memory (ru_maxrss) of the check alone without a cache.

    .venv/bin/python bench/input_check.py [--repeats 3]

Prints a Markdown table: median wall times in seconds, largest peak memory in MB.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESISTSEQ_SHARED", PROJECT.parent / "shared"))
AIRWAY = SHARED / "data" / "airway"

CHECK_ALONE = """
import sys
sys.path.insert(0, {scripts!r})
from resistseq.inputcheck import check_quantifications
from resistseq.validation import check_inputs, load_yaml
config = load_yaml("config.yaml")
schemas = {schemas!r}
config_schema, sheet_schema = load_yaml(schemas + "/config.schema.yaml"), load_yaml(schemas + "/samples.schema.yaml")
sheet = check_inputs(config, config_schema, sheet_schema, "config.yaml")
config.setdefault("qc", {{}}).setdefault("min_detected_genes", 100)
check_quantifications(config, sheet, "config.yaml")
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def write_study(workdir: Path, file_format: str, rows: list[tuple[str, str, str]], tx2gene: str) -> None:
    """config.yaml and samples.tsv in ``workdir``: the project's config with these inputs, control vs treated."""
    config = yaml.safe_load((PROJECT / "config" / "config.yaml").read_text())
    config["samples"] = "samples.tsv"
    config["quantification"] = {"format": file_format, "tx2gene": tx2gene, "gene_annotation": None}
    config["contrasts"] = [
        {"name": "treated_vs_control", "variable": "condition", "reference": "control", "target": "treated"}
    ]
    config["deseq2"]["min_replicates"] = 1
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    sheet = "sample\tcondition\tquant\n" + "".join(f"{s}\t{c}\t{q}\n" for s, c, q in rows)
    (workdir / "samples.tsv").write_text(sheet)


def kallisto_study(workdir: Path) -> str:
    rows = []
    for line in (AIRWAY / "airway_metadata.csv").read_text().splitlines()[1:]:
        run, dex = line.split(",")[:2]
        rows.append((run, dex, str(AIRWAY / "kallisto" / run / "abundance.tsv.gz")))
    write_study(workdir, "kallisto", rows, str(AIRWAY / "kallisto" / "Homo_sapiens.GRCh38.tx2gene.tsv.gz"))
    return f"airway kallisto, {len(rows)} files"


def salmon_study(workdir: Path) -> str:
    runs = [("SRR1039508", "control"), ("SRR1039509", "treated")]
    rows = [(run, dex, str(AIRWAY / "salmon" / run / "quant.sf.gz")) for run, dex in runs]
    with gzip.open(rows[0][2], "rt") as handle:
        transcripts = [line.split("\t", 1)[0] for line in handle][1:]
    (workdir / "tx2gene.tsv").write_text("transcript_id\tgene_id\n" + "".join(f"{t}\t{t}\n" for t in transcripts))
    write_study(workdir, "salmon", rows, "tx2gene.tsv")
    return f"airway salmon GENCODE, {len(rows)} files"


def timed(command: list[str], workdir: Path) -> tuple[float, str]:
    """Wall time and standard output of ``command``."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{completed.stderr[-3000:]}")
    return elapsed, completed.stdout


def measure(workdir: Path, repeats: int) -> dict[str, float]:
    cache = workdir / ".snakemake" / "resistseq"
    check = [
        sys.executable,
        "-c",
        CHECK_ALONE.format(scripts=str(PROJECT / "scripts"), schemas=str(PROJECT / "config" / "schemas")),
    ]
    dry_run = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(PROJECT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        "config.yaml",
        "--dry-run",
        "--cores",
        "1",
        "--quiet",
    ]
    times: dict[str, list[float]] = {
        "check, no cache": [],
        "check, cached": [],
        "dry-run, no cache": [],
        "dry-run, cached": [],
    }
    peak_mb = []
    for _ in range(repeats):
        for label, command in (("check", check), ("dry-run", dry_run)):
            shutil.rmtree(cache, ignore_errors=True)
            elapsed, output = timed(command, workdir)
            times[f"{label}, no cache"].append(elapsed)
            if label == "check":
                peak_mb.append(float(output.split()[-1]))
            times[f"{label}, cached"].append(timed(command, workdir)[0])
    medians = {label: statistics.median(values) for label, values in times.items()}
    return {**medians, "check peak MB, no cache": max(peak_mb)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    if not AIRWAY.is_dir():
        sys.exit(f"airway data not found under {AIRWAY}")
    rows = []
    for study in (kallisto_study, salmon_study):
        with tempfile.TemporaryDirectory() as directory:
            workdir = Path(directory)
            label = study(workdir)
            rows.append((label, measure(workdir, arguments.repeats)))
    columns = list(rows[0][1])
    print("| data | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for label, values in rows:
        cells = [f"{values[column]:.0f}" if "MB" in column else f"{values[column]:.1f}" for column in columns]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
