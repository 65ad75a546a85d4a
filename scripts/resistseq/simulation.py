"""Negative-binomial RNA-seq counts with planted fold changes, for calibration tests and benchmarks.

Means follow a log-normal spread of expression levels, dispersions DESeq2's parametric trend
alpha(mu) = asymptotic + extra_poisson / mu with log-normal scatter around it (as in the bundled
example), size factors vary between samples, and a chosen number of genes get a known log2 fold
change between the two conditions. An optional batch (balanced over conditions, two or more
levels) multiplies every gene by its own effect per batch level, and an optional condition x batch
interaction adds a further effect to the resistant samples outside the first batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Simulation:
    counts: pd.DataFrame  # genes x samples, integers
    samples: pd.DataFrame  # sample sheet: sample, condition, batch
    truth: pd.DataFrame  # per gene: mean (of the reference level, before size factors), dispersion, log2FoldChange


def simulate_counts(
    seed: int,
    genes: int = 2000,
    replicates: int = 3,
    changed: int = 300,
    min_abs_lfc: float = 0.5,
    max_abs_lfc: float = 2.5,
    asymptotic_dispersion: float = 0.015,
    extra_poisson: float = 1.5,
    dispersion_scatter: float = 0.4,
    batch_sd: float = 0.0,
    batches: int = 2,
    interaction_sd: float = 0.0,
) -> Simulation:
    """``replicates`` parental and resistant samples; ``changed`` genes with |log2FC| uniform in
    [min_abs_lfc, max_abs_lfc] and a random sign, the rest null. Each condition is split over
    ``batches`` levels b1, b2, ... in turn. With ``batch_sd`` > 0 every gene gets a log2 effect
    ~ N(0, batch_sd) per batch level after b1; with ``interaction_sd`` > 0, ``changed`` other
    randomly chosen genes get a log2 effect ~ N(0, interaction_sd) per batch level after b1 in the
    resistant samples only (a condition x batch interaction). The defaults draw the same numbers
    as before these options existed."""
    rng = np.random.default_rng(seed)
    conditions = np.repeat(["parental", "resistant"], replicates)
    batch_index = np.tile(np.arange(replicates) % batches, 2)
    batches_of_samples = np.array([f"b{index + 1}" for index in batch_index])
    names = [f"{'P' if c == 'parental' else 'R'}{i % replicates + 1}" for i, c in enumerate(conditions)]
    samples = pd.DataFrame({"sample": names, "condition": conditions, "batch": batches_of_samples})
    samples = samples.set_index("sample", drop=False)
    mean = rng.lognormal(np.log(60), 1.8, genes)
    dispersion = (asymptotic_dispersion + extra_poisson / mean) * rng.lognormal(0, dispersion_scatter, genes)
    lfc = np.zeros(genes)
    chosen = rng.choice(genes, changed, replace=False)
    lfc[chosen] = rng.uniform(min_abs_lfc, max_abs_lfc, changed) * rng.choice([-1.0, 1.0], changed)
    # One row per batch level; b1 has none. (batches - 1, genes) draws what (genes,) drew for two batches.
    batch_effect = np.zeros((batches, genes))
    if batch_sd > 0:
        batch_effect[1:] = rng.normal(0, batch_sd, (batches - 1, genes))
    size_factors = rng.uniform(0.7, 1.4, len(names))
    resistant = (conditions == "resistant").astype(float)
    log2_mu = lfc[:, None] * resistant[None, :] + batch_effect[batch_index].T
    if interaction_sd > 0:
        interaction = np.zeros((batches, genes))
        interacting = rng.choice(genes, changed, replace=False)
        interaction[1:, interacting] = rng.normal(0, interaction_sd, (batches - 1, changed))
        log2_mu += interaction[batch_index].T * resistant[None, :]
    mu = mean[:, None] * size_factors[None, :] * np.exp2(log2_mu)
    size = 1.0 / dispersion[:, None]
    counts = rng.negative_binomial(size, size / (size + mu))
    gene_ids = pd.Index([f"SIM{g:05d}" for g in range(genes)], name="gene_id")
    truth = pd.DataFrame({"mean": mean, "dispersion": dispersion, "log2FoldChange": lfc}, index=gene_ids)
    return Simulation(pd.DataFrame(counts, index=gene_ids, columns=names), samples, truth)


def calibration(results: pd.DataFrame, truth: pd.DataFrame, alpha: float = 0.05, min_base_mean: float = 50.0) -> dict:
    """False discovery proportion among padj < alpha, and power for |log2FC| >= 1 at baseMean >= min_base_mean."""
    table = results.set_index("gene_id").loc[truth.index]
    discovered = (table["padj"] < alpha).to_numpy()
    changed = (truth["log2FoldChange"] != 0).to_numpy()
    detectable = (np.abs(truth["log2FoldChange"]) >= 1).to_numpy() & (table["baseMean"] >= min_base_mean).to_numpy()
    false = int(np.sum(discovered & ~changed))
    return {
        "discoveries": int(discovered.sum()),
        "false_discoveries": false,
        "fdp": false / max(int(discovered.sum()), 1),
        "detectable": int(detectable.sum()),
        "power": float(np.mean(discovered[detectable])) if detectable.any() else float("nan"),
    }
