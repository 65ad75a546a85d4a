"""Pre-filtering of lowly counted genes before the DE model (DESeq2 vignette style)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from resistseq.errors import WorkflowInputError

logger = logging.getLogger("resistseq.prefilter")


def genes_to_model(
    counts: pd.DataFrame, metadata: pd.DataFrame, variable: str, min_count: int, min_samples: int | None = None
) -> pd.Series:
    """Genes with at least ``min_count`` counts in at least ``min_samples`` of the model's samples.

    ``min_samples`` defaults to the smallest group of ``variable`` (the DESeq2
    vignette's ``smallestGroupSize``), so a gene expressed in one group only is
    kept. ``min_count`` 0 keeps every gene. Logs how many genes were removed.
    """
    if min_count < 0 or (min_samples is not None and min_samples < 1):
        raise WorkflowInputError(
            f"deseq2.prefilter: min_count must be >= 0 and min_samples >= 1 (got {min_count}, {min_samples})."
        )
    columns = [sample for sample in metadata.index if sample in counts.columns]
    if min_count == 0:
        return pd.Series(True, index=counts.index)
    if min_samples is None:
        min_samples = smallest_group(metadata, variable)
    if min_samples > len(columns):
        raise WorkflowInputError(
            f"deseq2.prefilter.min_samples is {min_samples} but the model has only {len(columns)} samples."
        )
    keep = (counts[columns].to_numpy() >= min_count).sum(axis=1) >= min_samples
    logger.info(
        "Pre-filtering: %d of %d genes have >= %d counts in >= %d samples; %d genes removed (NA statistics).",
        int(keep.sum()),
        len(keep),
        min_count,
        min_samples,
        int((~keep).sum()),
    )
    if not keep.any():
        raise WorkflowInputError(
            f"Pre-filtering removed every gene (none has >= {min_count} counts in >= {min_samples} samples). "
            "Lower deseq2.prefilter.min_count or min_samples, or set min_count to 0."
        )
    return pd.Series(keep, index=counts.index)


def smallest_group(metadata: pd.DataFrame, variable: str) -> int:
    """Samples in the smallest group of ``variable``: the pre-filter's default min_samples."""
    return int(metadata[variable].value_counts().min())


def add_filtered_genes(results: pd.DataFrame, counts: pd.DataFrame, size_factors: pd.Series) -> pd.DataFrame:
    """Results for every gene of ``counts``: pre-filtered genes get their baseMean and NA statistics.

    baseMean uses the model's size factors, as DESeq2 reports it for all-zero rows (0, with NA).
    """
    missing = counts.index.difference(results.index, sort=False)
    if not len(missing):
        return results
    normalised = counts.loc[missing, size_factors.index].to_numpy(dtype=float) / size_factors.to_numpy()
    filtered = pd.DataFrame(np.nan, index=missing, columns=results.columns)
    filtered["baseMean"] = normalised.mean(axis=1)
    return pd.concat([results, filtered]).loc[counts.index]
