"""Simulated designs for the LRT and general-contrast references (tests/r/contrast_references.R).

Run ``python tests/contrast_cases.py`` from the project root to (re)write the count tables and sample
sheets R reads; tests/test_contrasts.py checks that the simulation still gives the committed tables.

- ``groups5``: 20 samples, parental/resistant x five batches b1-b5 (2 per cell), every gene with
  its own effect per batch: the LRT ``~ condition + batch`` vs ``~ condition`` (4 degrees of freedom).
- ``interaction``: 16 samples, line parental/resistant x treatment control/drug (4 per cell), 200
  genes whose drug response differs in the resistant line: ``~ line + treatment + line:treatment``.
- ``outliers``: 8 parental and 8 resistant samples, 30 counts made outliers (x 20 + 100), so that
  DESeq2 replaces them (7 or more replicates) and refits those genes: the LRT ``~ condition`` vs ``~ 1``.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "scripts"))

from resistseq.simulation import simulate_counts  # noqa: E402

R_CONTRASTS = PROJECT / "tests" / "data" / "r_contrasts"


def groups5() -> tuple[pd.DataFrame, pd.DataFrame]:
    simulation = simulate_counts(15, genes=1500, replicates=10, changed=200, batch_sd=0.3, batches=5)
    return simulation.counts, simulation.samples[["sample", "condition", "batch"]]


def interaction() -> tuple[pd.DataFrame, pd.DataFrame]:
    simulation = simulate_counts(16, genes=1500, replicates=8, changed=200, batch_sd=0.8, interaction_sd=1.5)
    samples = pd.DataFrame(
        {
            "sample": simulation.samples["sample"],
            "line": simulation.samples["condition"],
            "treatment": simulation.samples["batch"].map({"b1": "control", "b2": "drug"}),
        }
    )
    return simulation.counts, samples


def outliers() -> tuple[pd.DataFrame, pd.DataFrame]:
    simulation = simulate_counts(17, genes=1000, replicates=8, changed=150)
    rng = np.random.default_rng(17)
    genes = rng.choice(len(simulation.counts), 30, replace=False)
    samples = rng.integers(0, simulation.counts.shape[1], 30)
    values = simulation.counts.to_numpy().copy()
    values[genes, samples] = values[genes, samples] * 20 + 100
    counts = pd.DataFrame(values, index=simulation.counts.index, columns=simulation.counts.columns)
    return counts, simulation.samples[["sample", "condition"]]


CASES = {"groups5": groups5, "interaction": interaction, "outliers": outliers}


def table_bytes(frame: pd.DataFrame, index: bool) -> bytes:
    return frame.to_csv(sep="\t", index=index, lineterminator="\n").encode()


def write_case(name: str) -> None:
    counts, samples = CASES[name]()
    R_CONTRASTS.mkdir(parents=True, exist_ok=True)
    # mtime=0: no timestamp in the gzip header, so rewriting gives identical bytes.
    with open(R_CONTRASTS / f"{name}_counts.tsv.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(table_bytes(counts, index=True))
    (R_CONTRASTS / f"{name}_samples.tsv").write_bytes(table_bytes(samples, index=False))


if __name__ == "__main__":
    for case in CASES:
        write_case(case)
