"""Calibration benchmark: FDP and power of the workflow's DE step on planted truth, at scale.

    .venv/bin/python bench/calibration.py                      # 5,000 genes, 3 seeds, 3v3 .. 10v10
    .venv/bin/python bench/calibration.py --genes 20000 --seeds 10

Simulates negative-binomial counts with tests/simulation.py (DESeq2-style mean-dispersion trend,
10 % of genes changed with |log2FC| in [0.5, 2.5]), runs resistseq.deseq.run_deseq2 (apeGLM off,
as it does not change padj) and prints one row per design: mean and worst false discovery
proportion among padj < 0.05, mean and lowest power for |log2FC| >= 1 at baseMean >= 50, and the
seconds per fit. Rows with a batch split each condition over two batches with per-gene log2 batch
effects ~ N(0, 1), fitted without and with the batch in the design. tests/test_calibration.py
holds the small version of these checks.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from simulation import calibration, simulate_counts  # noqa: E402

from resistseq.deseq import Contrast, DESettings, run_deseq2  # noqa: E402
from resistseq.runtime import limit_threads  # noqa: E402

CONTRAST = Contrast("resistant_vs_parental", "condition", "parental", "resistant")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--genes", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--replicates", type=int, nargs="+", default=[3, 4, 5, 6, 8, 10])
    parser.add_argument("--batch-replicates", type=int, default=4, help="replicates per group in the batch rows")
    parser.add_argument("--threads", type=int, default=1)
    arguments = parser.parse_args()
    limit_threads(arguments.threads)
    changed = arguments.genes // 10
    scenarios = [(f"{n} vs {n}", n, "~ condition", 0.0) for n in arguments.replicates]
    n = arguments.batch_replicates
    scenarios += [
        (f"{n} vs {n}, batch ignored", n, "~ condition", 1.0),
        (f"{n} vs {n}, batch in design", n, "~ batch + condition", 1.0),
    ]
    rows = []
    for label, replicates, design, batch_sd in scenarios:
        figures, seconds = [], []
        for seed in range(1, arguments.seeds + 1):
            simulation = simulate_counts(
                seed, genes=arguments.genes, replicates=replicates, changed=changed, batch_sd=batch_sd
            )
            start = time.perf_counter()
            settings = DESettings.defaults(design, n_cpus=arguments.threads, shrink_lfc=False, min_count=0)
            results = run_deseq2(simulation.counts, simulation.samples, CONTRAST, settings).table
            seconds.append(time.perf_counter() - start)
            figures.append(calibration(results, simulation.truth))
        table = pd.DataFrame(figures)
        rows.append(
            {
                "design": label,
                "seeds": arguments.seeds,
                "discoveries": round(table["discoveries"].mean()),
                "FDP mean": round(table["fdp"].mean(), 3),
                "FDP max": round(table["fdp"].max(), 3),
                "power mean": round(table["power"].mean(), 3),
                "power min": round(table["power"].min(), 3),
                "s per fit": round(float(np.mean(seconds)), 1),
            }
        )
        print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    print(f"\n{arguments.genes} genes, {changed} changed, padj < 0.05; power for |log2FC| >= 1 at baseMean >= 50")
    print(pd.DataFrame(rows).to_markdown(index=False) if _has_tabulate() else pd.DataFrame(rows).to_string(index=False))


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
