"""Wall time and peak memory of the DE step: vectorised backend, PyDESeq2's stock backend, R DESeq2.

Not a test. Each run is a fresh subprocess (import time included, as in a rule), measured
from outside with ru_maxrss of the child. Counts are simulated like DESeq2's
makeExampleDESeqDataSet (make_example_counts in tests/simulation.py, seed 1), written once per size to a temp dir.

    .venv/bin/python bench/de_benchmark.py                       # all sizes
    .venv/bin/python bench/de_benchmark.py --sizes 6x60000 100x20000 --threads 1

The stock backend is skipped at 1000x20000 unless --stock-everywhere (hours on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SIZES = ["6x20000", "6x60000", "100x20000", "1000x20000"]
STOCK_SKIPPED_BY_DEFAULT = {"1000x20000"}

PYTHON_RUN = """
import sys
sys.path.insert(0, {scripts!r})
from resistseq.runtime import limit_threads
limit_threads({threads})
import pandas as pd
from resistseq.deseq import Contrast, DESettings, run_deseq2
counts = pd.read_csv({counts!r}, sep="\\t", index_col=0)
sheet = pd.read_csv({sheet!r}, sep="\\t").set_index("sample", drop=False)
settings = DESettings.defaults("~ condition", n_cpus={threads}, backend={backend!r}, min_count=0)
run_deseq2(counts, sheet, Contrast("B_vs_A", "condition", "A", "B"), settings)
"""

R_RUN = """
suppressPackageStartupMessages(library(DESeq2))
counts <- as.matrix(read.delim("{counts}", row.names = 1, check.names = FALSE))
sheet <- read.delim("{sheet}")
sheet$condition <- factor(sheet$condition, levels = c("A", "B"))
dds <- DESeqDataSetFromMatrix(counts, sheet, ~condition)
dds <- DESeq(dds, quiet = TRUE)
res <- results(dds, contrast = c("condition", "B", "A"), alpha = 0.05)
if (requireNamespace("apeglm", quietly = TRUE)) {{
  res <- lfcShrink(dds, coef = "condition_B_vs_A", type = "apeglm", quiet = TRUE)
}}
"""


def measure(command: list[str], env: dict) -> tuple[float, float, float]:
    """Wall seconds, peak resident GiB (the child's ru_maxrss) and CPU seconds (user + system) of one child.

    CPU seconds are the comparable figure on a loaded machine; wall seconds only on an idle one.
    """
    with tempfile.TemporaryFile(mode="w+") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            stderr.seek(0)
            raise RuntimeError(f"{' '.join(command[:2])} failed:\n{stderr.read()[-3000:]}")
    return wall, usage.ru_maxrss / 2**20, usage.ru_utime + usage.ru_stime


def cell(result: dict, key: str) -> str:
    if key not in result:
        return "skipped"
    wall, memory, cpu = result[key]
    return f"{wall:.1f} s / {memory:.2f} GiB (CPU {cpu:.1f} s)"


def ratio(result: dict, key: str, cpu: bool = False) -> str:
    if key not in result or "vectorised" not in result:
        return "-"
    index = 2 if cpu else 0
    return f"{result['vectorised'][index] / result[key][index]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=SIZES, help="samples x genes, e.g. 6x60000")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-stock", action="store_true", help="do not run PyDESeq2's DefaultInference")
    parser.add_argument("--stock-everywhere", action="store_true", help="run the stock backend at 1000x20000 too")
    parser.add_argument("--skip-r", action="store_true")
    arguments = parser.parse_args()

    sys.path.insert(0, str(PROJECT / "tests"))
    from simulation import make_example_counts

    rscript = None if arguments.skip_r else shutil.which("Rscript")
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(arguments.threads)
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; threads {arguments.threads}; "
        f"{os.cpu_count()} CPUs"
    )
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for size in arguments.sizes:
            samples, genes = (int(part) for part in size.lower().split("x"))
            counts, sheet = make_example_counts(genes, samples, seed=1)
            counts_path, sheet_path = Path(directory) / f"{size}_counts.tsv", Path(directory) / f"{size}_sheet.tsv"
            counts.to_csv(counts_path, sep="\t")
            sheet.to_csv(sheet_path, sep="\t", index=False)
            result = {"size": f"{samples} x {genes // 1000}k"}
            for backend in ("vectorised", "pydeseq2"):
                if backend == "pydeseq2" and (
                    arguments.skip_stock or (size in STOCK_SKIPPED_BY_DEFAULT and not arguments.stock_everywhere)
                ):
                    continue
                code = PYTHON_RUN.format(
                    scripts=str(PROJECT / "scripts"),
                    threads=arguments.threads,
                    counts=str(counts_path),
                    sheet=str(sheet_path),
                    backend=backend,
                )
                result[backend] = measure([sys.executable, "-c", code], env)
                print(f"  {size} {backend}: {cell(result, backend)}", flush=True)
            if rscript:
                script = Path(directory) / "run.R"
                script.write_text(R_RUN.format(counts=counts_path, sheet=sheet_path))
                result["R"] = measure([rscript, str(script)], env)
                print(f"  {size} R: {cell(result, 'R')}", flush=True)
            result["load"] = os.getloadavg()[0]
            rows.append(result)

    print()
    print(
        "| samples x genes | vectorised | PyDESeq2 stock | R DESeq2 | vectorised / stock | vectorised / R "
        "| vectorised / R (CPU) | load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for result in rows:
        print(
            f"| {result['size']} | {cell(result, 'vectorised')} | {cell(result, 'pydeseq2')} | {cell(result, 'R')} "
            f"| {ratio(result, 'pydeseq2')} | {ratio(result, 'R')} | {ratio(result, 'R', cpu=True)} "
            f"| {result['load']:.2f} |"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if any(size in STOCK_SKIPPED_BY_DEFAULT for size in arguments.sizes) and not arguments.stock_everywhere:
        print("Stock PyDESeq2 is skipped at 1000 x 20k by default (--stock-everywhere runs it; hours on 2 cores).")
    print("Both Python runs include the apeGLM shrinkage (the workflow's run_deseq2); R runs DESeq() + results()")
    print("+ lfcShrink(type='apeglm') when apeglm is installed (it is not here: R does less work). Times include")
    print("start-up and reading the table. Cells: wall / peak resident memory (CPU seconds, user + system).")


if __name__ == "__main__":
    main()
