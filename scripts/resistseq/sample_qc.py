"""Sample-level QC numbers: library sizes, sample distances, outlying samples. The figures are resistseq.qc's:
this module imports no plotting library, so the QC step does not pay for one."""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTLIER_COLUMNS = [
    "sample",
    "group",
    "nearest_in_group_distance",
    "median_nearest_in_group_distance",
    "distance_ratio",
    "nearest_group",
    "flagged",
    "reason",
]


def library_stats(counts: pd.DataFrame) -> pd.DataFrame:
    """Per sample: total counts and genes with at least one count (counts are genes x samples)."""
    return pd.DataFrame(
        {
            "sample": counts.columns,
            "library_size": counts.sum(axis=0).to_numpy(dtype=np.int64),
            "detected_genes": (counts > 0).sum(axis=0).to_numpy(dtype=np.int64),
        }
    )


def sample_distances(vst: pd.DataFrame) -> pd.DataFrame:
    """Euclidean distances between samples over all genes of the VST matrix (DESeq2 vignette's dist(t(vst)))."""
    from scipy.spatial.distance import pdist, squareform  # here only: the other QC figures need no scipy

    matrix = squareform(pdist(vst.T.to_numpy(dtype=float), metric="euclidean"))
    return pd.DataFrame(matrix, index=vst.columns, columns=vst.columns)


def flag_outliers(distances: pd.DataFrame, groups: pd.Series, ratio: float) -> pd.DataFrame:
    """Samples that stand far from their own group, kept in the analysis but named with the reason.

    For each sample, the VST distance to its nearest neighbour in its own group
    is compared with the median of that distance over all samples (the nearest
    neighbour, not the group mean, so that one stray sample does not make its
    group mates look far too). A sample is flagged when it is more than
    ``ratio`` times that median away, or when a sample of another group is more than
    ``ratio`` times closer than its nearest group mate. Merely having a neighbour from
    another group is not enough: where nothing changed, all distances are about equal and
    most samples have one.
    """
    groups = groups.loc[distances.index].astype(str)
    rows = []
    for sample in distances.index:
        others = distances.loc[sample].drop(sample)
        other_groups = groups.drop(sample)
        own = groups[sample]
        mates = others[other_groups == own]
        strangers = others[other_groups != own]
        nearest = str(other_groups[others.idxmin()]) if len(others) else own
        rows.append(
            (sample, own, mates.min() if len(mates) else np.nan, nearest, strangers.min() if len(strangers) else np.nan)
        )
    columns = ["sample", "group", "nearest_in_group_distance", "nearest_group", "nearest_other_distance"]
    table = pd.DataFrame(rows, columns=columns)
    typical = float(table["nearest_in_group_distance"].median())
    table["median_nearest_in_group_distance"] = typical
    table["distance_ratio"] = table["nearest_in_group_distance"] / typical if typical > 0 else np.nan
    reasons = []
    for row in table.itertuples(index=False):
        reason = []
        if np.isfinite(row.distance_ratio) and row.distance_ratio > ratio:
            reason.append(
                f"distance to the nearest sample of its group ({row.nearest_in_group_distance:.1f}) is "
                f"{row.distance_ratio:.1f}x the median over all samples ({typical:.1f}; threshold {ratio:g}x)"
            )
        if row.nearest_group != row.group and row.nearest_in_group_distance > ratio * row.nearest_other_distance:
            reason.append(
                f"its nearest sample is in group '{row.nearest_group}', not in its own group '{row.group}' "
                f"({row.nearest_other_distance:.1f} against {row.nearest_in_group_distance:.1f} to its nearest group "
                f"mate; threshold {ratio:g}x)"
            )
        reasons.append("; ".join(reason))
    table["reason"] = reasons
    table["flagged"] = table["reason"] != ""
    return table[OUTLIER_COLUMNS]
