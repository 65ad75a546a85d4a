"""Gene labels placed next to their points without overlaps, at a cost independent of the number of points.

The plotted points are binned once into a coarse occupancy grid in display space, with a
summed-area table, so the number of points under any candidate box is four look-ups whatever the
number of points. Each label then tries a fixed list of boxes around its point (rings at growing
distance, fixed directions) and takes the one covering the fewest points, nearer rings first; a box
must stay inside the axes and clear every label placed before it. Labels are placed greedily in the
order given, so reruns give the same layout. If every candidate clashes, the label goes above the
highest label placed so far near its point, which always succeeds. A thin leader line joins each
label that sits away from its point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Box = tuple[float, float, float, float]  # display x0, y0, x1, y1

# Display-space geometry at the figure's dpi (labels scale with it when saved at another dpi).
CELL_PIXELS = 3.0
GAP_PIXELS = 2.0
PAD_PIXELS = 1.0
# Ring distances from the point, in label heights beyond the gap.
RINGS = (0.0, 1.0, 2.0, 3.5, 5.5, 8.0)
# Cost of moving one ring further out, and of covering another labelled point, in background points covered.
RING_COST = 2.0
ANCHOR_WEIGHT = 25.0
LEADER_MIN_PIXELS = 5.0
LEADER_COLOUR = "#555555"


@dataclass
class Placement:
    """Where each label went (display boxes x0, y0, x1, y1) and how much searching it took."""

    boxes: list[Box] = field(default_factory=list)
    candidate_checks: int = 0
    fallbacks: int = 0


class OccupancyGrid:
    """Counts of points per display-space cell over a bounding box, queried in O(1) per rectangle."""

    def __init__(
        self,
        points: np.ndarray,
        bounds: Box,
        weights: np.ndarray | None = None,
        cell: float = CELL_PIXELS,
    ):
        self.x0, self.y0, x1, y1 = bounds
        self.cell = cell
        self.columns = max(1, int(np.ceil((x1 - self.x0) / cell)))
        self.rows = max(1, int(np.ceil((y1 - self.y0) / cell)))
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
        finite = np.isfinite(points).all(axis=1)
        counts = np.zeros((self.rows, self.columns))
        if finite.any():
            column = np.floor((points[finite, 0] - self.x0) / cell).astype(np.int64)
            row = np.floor((points[finite, 1] - self.y0) / cell).astype(np.int64)
            inside = (column >= 0) & (column < self.columns) & (row >= 0) & (row < self.rows)
            flat = row[inside] * self.columns + column[inside]
            counts = np.bincount(flat, weights=weights[finite][inside], minlength=self.rows * self.columns)
            counts = counts.reshape(self.rows, self.columns)
        self.table = np.zeros((self.rows + 1, self.columns + 1))
        self.table[1:, 1:] = counts.cumsum(axis=0).cumsum(axis=1)

    def count(self, box: Box) -> float:
        """Weighted points in the cells the box touches."""
        x0, y0, x1, y1 = box
        first_column = min(max(int(np.floor((x0 - self.x0) / self.cell)), 0), self.columns)
        last_column = min(max(int(np.floor((x1 - self.x0) / self.cell)) + 1, 0), self.columns)
        first_row = min(max(int(np.floor((y0 - self.y0) / self.cell)), 0), self.rows)
        last_row = min(max(int(np.floor((y1 - self.y0) / self.cell)) + 1, 0), self.rows)
        table = self.table
        return float(
            table[last_row, last_column]
            - table[first_row, last_column]
            - table[last_row, first_column]
            + table[first_row, first_column]
        )


def _overlaps(first: Box, second: Box) -> bool:
    return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]


def candidate_boxes(anchor: tuple[float, float], width: float, height: float) -> list[Box]:
    """Boxes around the anchor in a fixed order: ring by ring, right, left, above, below, then the diagonals."""
    ax, ay = anchor
    boxes = []
    for ring in RINGS:
        r = GAP_PIXELS + ring * height
        d = r * 0.7071
        lower_left = [
            (ax + r, ay - height / 2),  # right
            (ax - r - width, ay - height / 2),  # left
            (ax - width / 2, ay + r),  # above
            (ax - width / 2, ay - r - height),  # below
            (ax + d, ay + d),  # above right
            (ax - d - width, ay + d),  # above left
            (ax + d, ay - d - height),  # below right
            (ax - d - width, ay - d - height),  # below left
            (ax, ay + r),  # above, starting at the point
            (ax - width, ay + r),  # above, ending at the point
            (ax, ay - r - height),  # below, starting at the point
            (ax - width, ay - r - height),  # below, ending at the point
        ]
        boxes.extend((x, y, x + width, y + height) for x, y in lower_left)
    return boxes


CANDIDATES_PER_LABEL = len(candidate_boxes((0.0, 0.0), 1.0, 1.0))
DIRECTIONS = CANDIDATES_PER_LABEL // len(RINGS)


def place_boxes(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    grid: OccupancyGrid,
    bounds: Box,
) -> Placement:
    """Non-overlapping display boxes (x0, y0, x1, y1) for labels of the given sizes next to their anchors."""
    placement = Placement()
    x_min, y_min, x_max, y_max = bounds
    for anchor, (width, height) in zip(anchors, sizes, strict=True):
        best, best_cost = None, np.inf
        for index, box in enumerate(candidate_boxes(anchor, width, height)):
            placement.candidate_checks += 1
            if box[0] < x_min or box[1] < y_min or box[2] > x_max or box[3] > y_max:
                continue
            if any(_overlaps(box, other) for other in placement.boxes):
                continue
            cost = grid.count(box) + RING_COST * (index // DIRECTIONS)
            if cost < best_cost:
                best, best_cost = box, cost
        if best is None:
            placement.fallbacks += 1
            best = _stacked_box(anchor, width, height, placement.boxes)
        placement.boxes.append(best)
    return placement


def _stacked_box(anchor, width, height, placed) -> Box:
    """Right of the point, lifted above every placed label it would overlap: always free."""
    x0 = anchor[0] + GAP_PIXELS
    box = (x0, anchor[1] - height / 2, x0 + width, anchor[1] + height / 2)
    while True:
        clashes = [other for other in placed if _overlaps(box, other)]
        if not clashes:
            return box
        lift = max(other[3] for other in clashes) + PAD_PIXELS - box[1]
        box = (box[0], box[1] + lift, box[2], box[3] + lift)


def label_points(axis, x, y, names: Sequence[str], background_x, background_y, fontsize: float = 6) -> Placement:
    """Label the points (x, y) with ``names`` on ``axis``, clear of each other and of the background points.

    Freezes the axis limits first (later artists must not move the points under the labels). Returns
    the placement for inspection.
    """
    import matplotlib.lines

    axis.autoscale_view()
    axis.set_xlim(axis.get_xlim())
    axis.set_ylim(axis.get_ylim())
    if len(names) == 0:
        return Placement()
    figure = axis.figure
    renderer = figure.canvas.get_renderer()
    to_display = axis.transData
    window = axis.get_window_extent(renderer)
    bounds = (window.x0, window.y0, window.x1, window.y1)
    background = to_display.transform(np.column_stack([background_x, background_y]).astype(float))
    labelled = to_display.transform(np.column_stack([x, y]).astype(float))
    weights = np.r_[np.ones(len(background)), np.full(len(labelled), ANCHOR_WEIGHT)]
    grid = OccupancyGrid(np.vstack([background, labelled]), bounds, weights)
    anchors = [tuple(point) for point in labelled]
    texts = [axis.text(0, 0, name, fontsize=fontsize, ha="left", va="bottom") for name in names]
    sizes = []
    for text in texts:
        extent = text.get_window_extent(renderer)
        sizes.append((extent.width + 2 * PAD_PIXELS, extent.height + 2 * PAD_PIXELS))
    placement = place_boxes(anchors, sizes, grid, bounds)
    to_data = to_display.inverted()
    for text, anchor, box in zip(texts, anchors, placement.boxes, strict=True):
        text.set_position(to_data.transform((box[0] + PAD_PIXELS, box[1] + PAD_PIXELS)))
        end = (min(max(anchor[0], box[0]), box[2]), min(max(anchor[1], box[1]), box[3]))
        length = float(np.hypot(end[0] - anchor[0], end[1] - anchor[1]))
        if length < LEADER_MIN_PIXELS:
            continue
        # Stop short of the point so the line does not hide it.
        start = (
            anchor[0] + (end[0] - anchor[0]) * GAP_PIXELS / length,
            anchor[1] + (end[1] - anchor[1]) * GAP_PIXELS / length,
        )
        line = to_data.transform([start, end])
        axis.add_line(matplotlib.lines.Line2D(line[:, 0], line[:, 1], color=LEADER_COLOUR, linewidth=0.4, zorder=1.5))
    return placement
