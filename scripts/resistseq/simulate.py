"""Negative-binomial count tables like DESeq2's ``makeExampleDESeqDataSet``."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_counts(
    genes: int,
    samples: int,
    seed: int = 1,
    beta_sd: float = 1.0,
    intercept_mean: float = 4.0,
    intercept_sd: float = 2.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Genes x samples counts and a sample sheet with two equal groups (A first, then B).

    As ``makeExampleDESeqDataSet``: log2 intercepts ~ N(4, 2), log2 fold changes
    ~ N(0, ``beta_sd``), dispersion 4 / mean + 0.1, size factors 1.
    """
    rng = np.random.default_rng(seed)
    intercept = rng.normal(intercept_mean, intercept_sd, genes)
    beta = rng.normal(0.0, beta_sd, genes)
    condition = np.repeat(["A", "B"], [samples - samples // 2, samples // 2])
    mean_a = 2.0**intercept
    dispersion = 4.0 / mean_a + 0.1
    mu = 2.0 ** (intercept[:, None] + beta[:, None] * (condition == "B")[None, :])
    size = 1.0 / dispersion[:, None]
    counts = rng.negative_binomial(size, size / (size + mu))
    names = [f"sample{i + 1}" for i in range(samples)]
    frame = pd.DataFrame(counts, index=pd.Index([f"gene{i + 1}" for i in range(genes)], name="gene_id"), columns=names)
    sheet = pd.DataFrame({"sample": names, "condition": condition}).set_index("sample", drop=False)
    return frame, sheet
