"""Planted truth: the workflow's DE step finds simulated changes without false alarms.

Negative-binomial counts (tests/simulation.py): 2,000 genes, a DESeq2-style mean-dispersion trend
with scatter, 300 genes with known |log2FC| in [0.5, 2.5] and the rest null, 3 vs 3 samples.
bench/calibration.py runs larger versions (more genes and seeds, 3 vs 3 up to 10 vs 10).
"""

from __future__ import annotations

import pytest
from conftest import de_settings
from simulation import calibration, simulate_counts
from threadpoolctl import threadpool_limits

from resistseq.deseq import Contrast, run_deseq2

CONTRAST = Contrast("resistant_vs_parental", "condition", "parental", "resistant")


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """One BLAS thread, as the workflow's rules run (limit_threads): on a busy 2-core machine the
    default pool made these fits 3-5x slower."""
    with threadpool_limits(limits=1):
        yield


def planted(seed: int, design: str = "~ condition", **settings) -> dict:
    simulation = simulate_counts(seed, genes=2000, **settings)
    results = run_deseq2(simulation.counts, simulation.samples, CONTRAST, de_settings(design, shrink_lfc=False)).table
    return calibration(results, simulation.truth)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_false_discoveries_stay_below_ten_percent_and_power_is_high(seed):
    # Measured (seeds 1-3): FDP 0.028, 0.032, 0.029 with 216, 216, 209 discoveries; power 1.0, 0.98, 0.99.
    figures = planted(seed, replicates=3)
    assert figures["discoveries"] > 150
    assert figures["fdp"] <= 0.1
    assert figures["detectable"] > 100 and figures["power"] >= 0.8


def test_batch_in_the_design_recovers_lost_power():
    # Each condition split over two batches; every gene gets a log2 batch effect ~ N(0, 1).
    # Measured (seed 1, 4 vs 4): power 0.84 with ~ condition, 0.99 with ~ batch + condition.
    without = planted(1, "~ condition", replicates=4, batch_sd=1.0)
    adjusted = planted(1, "~ batch + condition", replicates=4, batch_sd=1.0)
    assert adjusted["power"] >= without["power"] + 0.1
    assert adjusted["power"] >= 0.8
    assert adjusted["fdp"] <= 0.1 and without["fdp"] <= 0.1
    assert adjusted["discoveries"] > without["discoveries"]


def test_no_planted_change_gives_almost_no_discoveries():
    figures = planted(4, replicates=3, changed=0)
    assert figures["discoveries"] <= 2  # measured 0
