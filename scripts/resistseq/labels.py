"""Gene labels placed next to their points without overlaps, at a cost independent of the number of points.

The plotted points are binned once into a coarse occupancy grid in display space with a
summed-area table, so the share of a candidate box that covers points is four look-ups whatever
the number of points. Each label then tries a fixed list of boxes around its point (rings at
growing distance, fixed directions) and takes the cheapest: covered points, distance, other
labelled points covered and leader lines crossed all cost, and a box must stay inside the axes and
clear every label placed before it. Labels are placed greedily in the order given, so reruns give
the same layout. If every candidate clashes, the label goes above the labels it would overlap,
which always succeeds. A thin leader line joins each label that sits away from its point.
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
# Costs, in rings moved outwards: a box whose cells all hold points, another labelled point under
# the box, a leader line crossing a label.
RING_COST = 1.0
COVERED_COST = 3.0
ANCHOR_COST = 4.0
CROSSING_COST = 2.0
LEADER_MIN_PIXELS = 5.0
LEADER_COLOUR = "#555555"


@dataclass
class Placement:
    """Where each label went (display boxes x0, y0, x1, y1) and how much searching it took."""

    boxes: list[Box] = field(default_factory=list)
    candidate_checks: int = 0
    fallbacks: int = 0


class OccupancyGrid:
    """Which display-space cells over a bounding box hold points, queried in O(1) per rectangle."""

    def __init__(self, points: np.ndarray, bounds: Box, cell: float = CELL_PIXELS):
        self.x0, self.y0, x1, y1 = bounds
        self.cell = cell
        self.columns = max(1, int(np.ceil((x1 - self.x0) / cell)))
        self.rows = max(1, int(np.ceil((y1 - self.y0) / cell)))
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        finite = np.isfinite(points).all(axis=1)
        counts = np.zeros((self.rows, self.columns), dtype=np.int64)
        if finite.any():
            column = np.floor((points[finite, 0] - self.x0) / cell).astype(np.int64)
            row = np.floor((points[finite, 1] - self.y0) / cell).astype(np.int64)
            inside = (column >= 0) & (column < self.columns) & (row >= 0) & (row < self.rows)
            flat = row[inside] * self.columns + column[inside]
            counts = np.bincount(flat, minlength=self.rows * self.columns)
            counts = counts.reshape(self.rows, self.columns)
        self.occupied = _summed_area((counts > 0).astype(float))

    def _cells(self, box: Box) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = box
        first_column = min(max(int(np.floor((x0 - self.x0) / self.cell)), 0), self.columns)
        last_column = min(max(int(np.floor((x1 - self.x0) / self.cell)) + 1, 0), self.columns)
        first_row = min(max(int(np.floor((y0 - self.y0) / self.cell)), 0), self.rows)
        last_row = min(max(int(np.floor((y1 - self.y0) / self.cell)) + 1, 0), self.rows)
        return first_row, last_row, first_column, last_column

    def covered_share(self, box: Box) -> float:
        """Share of the cells the box touches (within the grid) that hold at least one point."""
        first_row, last_row, first_column, last_column = self._cells(box)
        cells = (last_row - first_row) * (last_column - first_column)
        return _area_sum(self.occupied, first_row, last_row, first_column, last_column) / cells if cells else 0.0


def _summed_area(values: np.ndarray) -> np.ndarray:
    table = np.zeros((values.shape[0] + 1, values.shape[1] + 1))
    table[1:, 1:] = values.cumsum(axis=0).cumsum(axis=1)
    return table


def _area_sum(table: np.ndarray, first_row: int, last_row: int, first_column: int, last_column: int) -> float:
    return float(
        table[last_row, last_column]
        - table[first_row, last_column]
        - table[last_row, first_column]
        + table[first_row, first_column]
    )


def _overlaps(first: Box, second: Box) -> bool:
    return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]


def _contains(box: Box, point: tuple[float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def leader_end(anchor: tuple[float, float], box: Box) -> tuple[float, float]:
    """The point of the box nearest the anchor, where its leader line ends."""
    return (min(max(anchor[0], box[0]), box[2]), min(max(anchor[1], box[1]), box[3]))


def _crosses(start: tuple[float, float], end: tuple[float, float], box: Box) -> bool:
    """Whether the segment passes through the box's interior (Liang-Barsky clipping)."""
    low, high = 0.0, 1.0
    delta = (end[0] - start[0], end[1] - start[1])
    for axis, (lower, upper) in enumerate(((box[0], box[2]), (box[1], box[3]))):
        if delta[axis] == 0:
            if not lower < start[axis] < upper:
                return False
            continue
        first = (lower - start[axis]) / delta[axis]
        second = (upper - start[axis]) / delta[axis]
        low, high = max(low, min(first, second)), min(high, max(first, second))
        if low >= high:
            return False
    return True


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
    leaders: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for label, (anchor, (width, height)) in enumerate(zip(anchors, sizes, strict=True)):
        others = anchors[:label] + anchors[label + 1 :]
        best, best_cost = None, np.inf
        for index, box in enumerate(candidate_boxes(anchor, width, height)):
            placement.candidate_checks += 1
            if box[0] < x_min or box[1] < y_min or box[2] > x_max or box[3] > y_max:
                continue
            if any(_overlaps(box, other) for other in placement.boxes):
                continue
            end = leader_end(anchor, box)
            crossings = sum(_crosses(anchor, end, other) for other in placement.boxes)
            crossings += sum(_crosses(start, stop, box) for start, stop in leaders)
            cost = (
                RING_COST * (index // DIRECTIONS)
                + COVERED_COST * grid.covered_share(box)
                + ANCHOR_COST * sum(_contains(box, point) for point in others)
                + CROSSING_COST * crossings
            )
            if cost < best_cost:
                best, best_cost = box, cost
        if best is None:
            placement.fallbacks += 1
            best = _stacked_box(anchor, width, height, placement.boxes)
        placement.boxes.append(best)
        leaders.append((anchor, leader_end(anchor, best)))
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
    import matplotlib.patheffects

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
    grid = OccupancyGrid(background, bounds)
    anchors = [tuple(point) for point in to_display.transform(np.column_stack([x, y]).astype(float))]
    # A white outline keeps a label legible where it has to sit on points.
    outline = [matplotlib.patheffects.withStroke(linewidth=1.5, foreground="white")]
    texts = [axis.text(0, 0, name, fontsize=fontsize, ha="left", va="bottom", path_effects=outline) for name in names]
    sizes = []
    for text in texts:
        extent = text.get_window_extent(renderer)
        sizes.append((extent.width + 2 * PAD_PIXELS, extent.height + 2 * PAD_PIXELS))
    placement = place_boxes(anchors, sizes, grid, bounds)
    to_data = to_display.inverted()
    for text, anchor, box in zip(texts, anchors, placement.boxes, strict=True):
        text.set_position(to_data.transform((box[0] + PAD_PIXELS, box[1] + PAD_PIXELS)))
        end = leader_end(anchor, box)
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
