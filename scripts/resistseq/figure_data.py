"""What the static figures and the interactive pages share, without matplotlib: colours and the sample PCA."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
NOT_SIGNIFICANT = "#BBBBBB"
# Up and down genes: the same colours in every figure and interactive page.
UP = "#D55E00"
DOWN = "#0072B2"


# Genes of the PCA (the most variable, as DESeq2's plotPCA): the QC figures and the methods text read it here.
PCA_GENES = 500


def group_colours(levels: Sequence[str]) -> dict[str, str]:
    """The same colour for the same group in every figure: levels in the given order."""
    return {level: OKABE_ITO[index % len(OKABE_ITO)] for index, level in enumerate(levels)}


def pca(vst: pd.DataFrame, top: int = PCA_GENES) -> tuple[pd.DataFrame, np.ndarray]:
    """PCA of the ``top`` most variable genes (as DESeq2's plotPCA): scores and variance explained."""
    variances = vst.var(axis=1, ddof=1)
    chosen = variances.sort_values(ascending=False, kind="mergesort").index[: min(top, len(variances))]
    matrix = vst.loc[chosen].T.to_numpy(dtype=float)
    centred = matrix - matrix.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    scores = u * s
    # Fix each component's sign (largest |loading| positive) so reruns draw the same picture.
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), np.arange(scores.shape[1])])
    signs[signs == 0] = 1
    scores = scores * signs
    explained = s**2 / np.sum(s**2)
    frame = pd.DataFrame(scores, index=vst.columns, columns=[f"PC{i + 1}" for i in range(scores.shape[1])])
    return frame, explained
