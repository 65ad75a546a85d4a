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
    library_spread: float | None = None,
) -> Simulation:
    """``replicates`` parental and resistant samples; ``changed`` genes with |log2FC| uniform in
    [min_abs_lfc, max_abs_lfc] and a random sign, the rest null. Each condition is split over
    ``batches`` levels b1, b2, ... in turn. With ``batch_sd`` > 0 every gene gets a log2 effect
    ~ N(0, batch_sd) per batch level after b1; with ``interaction_sd`` > 0, ``changed`` other
    randomly chosen genes get a log2 effect ~ N(0, interaction_sd) per batch level after b1 in the
    resistant samples only (a condition x batch interaction). Size factors are uniform in [0.7, 1.4],
    or with ``library_spread`` log-uniform over that ratio between the largest and the smallest.
    The defaults draw the same numbers as before these options existed."""
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
    if library_spread is None:
        size_factors = rng.uniform(0.7, 1.4, len(names))
    else:
        size_factors = np.exp(rng.uniform(0, 1, len(names)) * np.log(library_spread))
        size_factors[rng.permutation(len(names))[:2]] = [1.0, library_spread]
        size_factors /= np.exp(np.log(size_factors).mean())
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


@dataclass
class StressCase:
    """One random dataset of the DE stress suite (``stress_case``): its drawn parameters and its counts."""

    seed: int
    genes: int
    replicates: int
    effect: str  # "null", "weak" or "strong"
    design: str  # "~ condition", "~ batch + condition" or "~ replicate + condition"
    library_spread: float  # largest / smallest size factor
    dispersion: float  # asymptotic dispersion of the trend
    zero_group_genes: int  # genes with all counts zero in the resistant group
    single_count_genes: int  # genes with one count of 1 and zeros elsewhere
    outliers: int  # genes with one count multiplied by outlier_factor
    outlier_factor: float
    simulation: Simulation

    def parameters(self) -> dict:
        return {name: value for name, value in vars(self).items() if name != "simulation"}


def stress_case(seed: int, max_genes: int = 60_000) -> StressCase:
    """A random count table for stress-testing the DE fit, drawn reproducibly from ``seed``.

    Spans null to strong effects, 2-10 replicates per condition, one or two covariates (a two-level
    batch or a paired replicate factor), size factors spread up to 20x, asymptotic dispersions
    0.001-5, genes all zero in one group, single-count genes and outliers of 50-1000x. Most tables
    have 500-2,000 genes; one in fifteen 2,000-10,000 and one in thirty 10,000-``max_genes`` (60,000).
    """
    rng = np.random.default_rng([seed, 11])
    size_class = rng.uniform()
    if size_class < 0.9:
        genes = int(rng.integers(500, 2_001))
    elif size_class < 29 / 30:
        genes = int(rng.integers(2_000, 10_001))
    else:
        genes = int(rng.integers(10_000, max(max_genes, 10_000) + 1))
    genes = min(genes, max_genes)
    replicates = int(rng.integers(2, 11))
    effect = str(rng.choice(["null", "weak", "strong"]))
    design = str(rng.choice(["~ condition", "~ batch + condition", "~ replicate + condition"]))
    library_spread = float(np.exp(rng.uniform(0, np.log(20))))
    dispersion = float(np.exp(rng.uniform(np.log(1e-3), np.log(5))))
    changed = {"null": 0, "weak": int(genes * rng.uniform(0.02, 0.3)), "strong": int(genes * rng.uniform(0.02, 0.3))}
    lfc_range = {"null": (0.5, 2.5), "weak": (0.1, 1.0), "strong": (1.0, 8.0)}[effect]
    simulation = simulate_counts(
        int(rng.integers(2**31)),
        genes=genes,
        replicates=replicates,
        changed=changed[effect],
        min_abs_lfc=lfc_range[0],
        max_abs_lfc=lfc_range[1],
        asymptotic_dispersion=dispersion,
        extra_poisson=float(rng.uniform(0.1, 3.0)),
        dispersion_scatter=float(rng.uniform(0.1, 1.0)),
        batch_sd=0.0 if design == "~ condition" else float(rng.uniform(0, 1.5)),
        library_spread=library_spread,
    )
    counts = simulation.counts.to_numpy().copy()
    samples = simulation.samples.copy()
    samples["replicate"] = [f"r{i % replicates + 1}" for i in range(2 * replicates)]
    resistant = np.flatnonzero(samples["condition"].to_numpy() == "resistant")
    rows = rng.permutation(genes)
    zero_group, single, outlier = (int(rng.integers(0, max(2, genes // 50))) for _ in range(3))
    zero_rows, single_rows, outlier_rows = np.split(
        rows[: zero_group + single + outlier], [zero_group, zero_group + single]
    )
    counts[np.ix_(zero_rows, resistant)] = 0
    counts[single_rows] = 0
    counts[single_rows, rng.integers(0, counts.shape[1], single_rows.size)] = 1
    outlier_factor = float(rng.uniform(50, 1000))
    outlier_samples = rng.integers(0, counts.shape[1], outlier_rows.size)
    counts[outlier_rows, outlier_samples] = np.round(
        np.maximum(counts[outlier_rows, outlier_samples], 1) * outlier_factor
    )
    simulation = Simulation(
        pd.DataFrame(counts, index=simulation.counts.index, columns=simulation.counts.columns),
        samples,
        simulation.truth,
    )
    return StressCase(
        seed,
        genes,
        replicates,
        effect,
        design,
        library_spread,
        dispersion,
        zero_group,
        single,
        outlier,
        outlier_factor,
        simulation,
    )
