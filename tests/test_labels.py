"""Label placement: no overlaps on dense clouds, identical reruns, search cost independent of the points."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from resistseq.labels import (  # noqa: E402
    CANDIDATES_PER_LABEL,
    OccupancyGrid,
    label_points,
    place_boxes,
)


def _overlap(first, second) -> bool:
    return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]


def _cloud(points: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1, points), rng.normal(0, 1, points)


def _labelled_figure(points: int, labels: int = 25, seed: int = 0):
    x, y = _cloud(points, seed)
    figure, axis = plt.subplots(figsize=(3.5, 3.2))
    axis.scatter(x, y, s=4, linewidth=0)
    # Labelled points crowd the centre of the cloud, where it is densest.
    chosen = np.argsort(x**2 + y**2, kind="mergesort")[:labels]
    names = [f"GENE{index}" for index in range(labels)]
    placement = label_points(axis, x[chosen], y[chosen], names, x, y)
    return figure, axis, placement


def test_occupancy_grid_share_of_touched_cells_with_points():
    points = np.array([[0.5, 0.5], [2.5, 0.5], [2.6, 0.6], [2.5, 2.5], [8.9, 8.9], [np.nan, 1.0], [20.0, 1.0]])
    grid = OccupancyGrid(points, (0.0, 0.0, 9.0, 9.0), cell=1.0)
    assert grid.covered_share((0.0, 0.0, 8.9, 8.9)) == pytest.approx(4 / 81)  # NaN and outside points left out
    assert grid.covered_share((0.1, 0.1, 0.9, 0.9)) == 1.0
    assert grid.covered_share((2.1, 0.1, 2.9, 2.9)) == pytest.approx(2 / 3)
    assert grid.covered_share((0.0, 0.0, 2.9, 0.9)) == pytest.approx(2 / 3)  # cells 0, 1, 2 of row 0: two hold points
    assert grid.covered_share((3.1, 3.1, 7.9, 7.9)) == 0.0


def test_labels_on_a_dense_cloud_do_not_overlap_each_other():
    figure, axis, placement = _labelled_figure(20000)
    renderer = figure.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in axis.texts]
    assert len(boxes) == 25
    for index, first in enumerate(boxes):
        for second in boxes[index + 1 :]:
            assert not first.overlaps(second)
    window = axis.get_window_extent(renderer)
    assert placement.fallbacks == 0
    for box in boxes:
        assert window.x0 <= box.x0 and box.x1 <= window.x1 and window.y0 <= box.y0 and box.y1 <= window.y1
    plt.close(figure)


def test_labels_avoid_the_dense_part_of_the_cloud():
    # A wall of points right of the labelled point and nothing to its left: the label goes left.
    wall_x = np.repeat(np.linspace(0.2, 1.0, 200), 20)
    wall_y = np.tile(np.linspace(-0.3, 0.3, 20), 200)
    figure, axis = plt.subplots(figsize=(3.5, 3.2))
    axis.set_xlim(-1, 1)
    axis.set_ylim(-1, 1)
    placement = label_points(axis, np.array([0.0]), np.array([0.0]), ["ERBB2"], wall_x, wall_y)
    anchor = axis.transData.transform((0.0, 0.0))
    x0, y0, x1, y1 = placement.boxes[0]
    assert x1 <= anchor[0]
    assert axis.get_xlim() == (-1, 1)
    plt.close(figure)


def test_placement_is_identical_on_rerun():
    first = _labelled_figure(5000)
    second = _labelled_figure(5000)
    assert first[2].boxes == second[2].boxes
    assert [text.get_position() for text in first[1].texts] == [text.get_position() for text in second[1].texts]
    plt.close(first[0])
    plt.close(second[0])


@pytest.mark.parametrize("points", [100, 200000])
def test_candidate_checks_do_not_depend_on_the_number_of_points(points):
    rng = np.random.default_rng(1)
    bounds = (0.0, 0.0, 400.0, 300.0)
    anchors = [tuple(point) for point in rng.uniform((50, 50), (350, 250), size=(30, 2))]
    sizes = [(30.0, 8.0)] * 30
    grid = OccupancyGrid(rng.uniform((0, 0), (400, 300), size=(points, 2)), bounds)
    placement = place_boxes(anchors, sizes, grid, bounds)
    assert placement.candidate_checks == 30 * CANDIDATES_PER_LABEL
    # The summed-area table a check reads has one cell per 3 x 3 display pixels, whatever the points.
    assert grid.occupied.shape == (100 + 1, 134 + 1)
    for index, first in enumerate(placement.boxes):
        for second in placement.boxes[index + 1 :]:
            assert not _overlap(first, second)


def test_crowded_labels_fall_back_to_stacking_without_overlaps():
    # 40 labels on one point in a small box: the candidates run out, stacking still keeps them apart.
    bounds = (0.0, 0.0, 120.0, 60.0)
    grid = OccupancyGrid(np.empty((0, 2)), bounds)
    placement = place_boxes([(60.0, 30.0)] * 40, [(30.0, 8.0)] * 40, grid, bounds)
    assert placement.fallbacks > 0
    assert placement.candidate_checks == 40 * CANDIDATES_PER_LABEL
    for index, first in enumerate(placement.boxes):
        for second in placement.boxes[index + 1 :]:
            assert not _overlap(first, second)
