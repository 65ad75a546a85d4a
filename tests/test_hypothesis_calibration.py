"""A fixed subset of bench/hypothesis_calibration.py: the bundled hypotheses on planted truth.

Genes, means and dispersions from the example's generator, 4 vs 4, the workflow's DE, GSEA, z-score
and PAM50 steps, then the bundled config/hypotheses.yaml. docs/validation.md (section 9) has the full
table over 20 seeds per scenario.
"""

from __future__ import annotations

import sys

import pytest
from conftest import PROJECT
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(PROJECT / "bench"))

from hypothesis_calibration import bundled_declaration, calibrate, planted_genes  # noqa: E402

DECLARATION = bundled_declaration()


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    with threadpool_limits(limits=1):
        yield


def test_scenarios_plant_what_they_say():
    targets = planted_genes("targets_up", 1).groupby("category")["log2FoldChange"].agg(["min", "max"])
    assert tuple(targets.loc["NFKB_TARGET_GENES"]) == (1.5, 1.5)
    assert tuple(targets.loc["NFKB_CANONICAL_PATHWAY"]) == (-0.5, -0.5)  # odd seed: members down
    members = planted_genes("members_up", 2).groupby("category")["log2FoldChange"].agg(["min", "max"])
    assert tuple(members.loc["NFKB_CANONICAL_PATHWAY"]) == (1.0, 1.0)
    assert tuple(members.loc["NFKB_TARGET_GENES"]) == (0.0, 0.0)
    assert (planted_genes("null", 3)["log2FoldChange"] == 0).all()
    unrelated = planted_genes("unrelated", 4)
    assert (unrelated.loc[~unrelated["category"].str.startswith("background"), "log2FoldChange"] == 0).all()
    assert 0.25 < (unrelated["log2FoldChange"] != 0).mean() < 0.35


@pytest.mark.parametrize("seed", [1, 2])
def test_target_programme_up_with_members_flat_or_down_supports_nfkb(seed):
    result = calibrate("targets_up", seed, DECLARATION)
    assert result["nfkb_activated"] == "supported"
    assert not result["any_contradicted"]


def test_members_up_without_targets_is_not_nfkb_activation():
    result = calibrate("members_up", 1, DECLARATION)
    assert result["nfkb_activated"] == "not supported"


@pytest.mark.parametrize("scenario", ["null", "unrelated"])
def test_no_change_hypothesis_supported_without_planted_change(scenario):
    result = calibrate(scenario, 1, DECLARATION)
    assert not result["change_supported"], result
    assert result["nfkb_activated"] == "not supported"
