"""DESeq2's likelihood-ratio test, as R's ``DESeq(dds, test = "LRT", reduced = ...)`` (nbinomLRT).

PyDESeq2 0.5.4 has no LRT. After the usual fit of the full design (size factors, dispersions, Cook's
refit), the reduced design is fitted by the same IRLS with the full model's final dispersions, as
R's ``nbinomLRT`` does (it does not re-estimate dispersions). Per gene:

    stat = 2 (log L_full - log L_reduced),   pvalue = P(chi^2_df > stat),   df = rank(full) - rank(reduced)

with negative-binomial log-likelihoods at the fitted means (size factors x exp(X beta)). Genes whose
Cook's outliers were replaced are refitted on the replaced counts, in both models, as R's refit.
Cook's filtering and independent filtering follow R's ``results()`` (the cutoff counts the full
model's coefficients). As R documents, ``log2FoldChange`` and ``lfcSE`` are not what the LRT tests:
they are the Wald estimate of the full design's last coefficient (``lfc_coefficient``), and ``stat``
is the LRT statistic. No apeGLM shrinkage is done (those columns are NA).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import gammaln
from scipy.stats import chi2

from resistseq.contrast_fit import fit_model, wald_stats
from resistseq.contrasts import ContrastSpec, adjusted_pvalues, design_matrix, is_nested
from resistseq.errors import WorkflowInputError

if TYPE_CHECKING:
    from resistseq.deseq import DEResult, DESettings


def nb_log_likelihood(counts: np.ndarray, mu: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """Sum over samples (rows) of the negative-binomial log pmf, per gene (columns); R's dnbinom."""
    size = 1.0 / dispersion
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (
            gammaln(counts + size)
            - gammaln(size)
            - gammaln(counts + 1)
            + size * np.log(size / (size + mu))
            + np.where(counts > 0, counts * np.log(mu / (size + mu)), 0.0)
        )
    return terms.sum(axis=0)


def model_counts(dds) -> np.ndarray:
    """The counts each gene's fit used: the original ones, or those with Cook's outliers replaced."""
    counts = np.asarray(dds.X, dtype=float).copy()
    if "refitted" in dds.var and dds.var["refitted"].any():
        refitted = dds.var_names[dds.var["refitted"].to_numpy(dtype=bool)]
        replaced = pd.DataFrame(np.asarray(dds.counts_to_refit.X), columns=dds.counts_to_refit.var_names)
        counts[:, dds.var_names.get_indexer(refitted)] = replaced[refitted].to_numpy(dtype=float)
    return counts


def lrt_statistic(dds, reduced: np.ndarray) -> tuple[np.ndarray, int]:
    """(LRT statistic per gene, NaN for all-zero genes; degrees of freedom) for a fitted DeseqDataSet."""
    full = dds.obsm["design_matrix"].to_numpy(dtype=float)
    df = int(np.linalg.matrix_rank(full) - np.linalg.matrix_rank(reduced))
    size_factors = dds.obs["size_factors"].to_numpy(dtype=float)
    genes = dds.var["non_zero"].to_numpy(dtype=bool) & dds.varm["LFC"].notna().all(axis=1).to_numpy()
    counts = model_counts(dds)[:, genes]
    dispersion = dds.var["dispersions"].to_numpy(dtype=float)[genes]
    beta_full = dds.varm["LFC"].to_numpy(dtype=float)[genes]
    beta_reduced, _, _, _ = dds.inference.irls(
        counts=counts,
        size_factors=size_factors,
        design_matrix=reduced,
        disp=dispersion,
        min_mu=dds.min_mu,
        beta_tol=dds.beta_tol,
    )
    beta_reduced = np.asarray(beta_reduced, dtype=float).reshape(genes.sum(), reduced.shape[1])
    mu_full = size_factors[:, None] * np.exp(full @ beta_full.T)
    mu_reduced = size_factors[:, None] * np.exp(reduced @ beta_reduced.T)
    stat = np.full(dds.n_vars, np.nan)
    stat[genes] = 2 * (
        nb_log_likelihood(counts, mu_full, dispersion) - nb_log_likelihood(counts, mu_reduced, dispersion)
    )
    return stat, df


LRT_LFC_NOTE = (
    "log2FoldChange and lfcSE are the Wald estimate of the design's last coefficient (as R reports), "
    "stat is the LRT statistic"
)


def lfc_coefficient(dds) -> str:
    """The full design's last coefficient, whose Wald LFC R's results() reports for an LRT."""
    return str(dds.obsm["design_matrix"].columns[-1])


def run_lrt(
    counts: pd.DataFrame,
    samples: pd.DataFrame,
    spec: ContrastSpec,
    settings: DESettings,
    annotation: pd.DataFrame | None = None,
) -> DEResult:
    """DESeq2's LRT of ``spec.design`` against ``spec.reduced``.

    As ``deseq.run_deseq2`` (``settings.shrink_lfc`` is ignored: LRT results carry no shrunk LFC).
    """
    from resistseq.deseq import de_result

    alpha, cooks_filter, independent_filter = settings.alpha, settings.cooks_filter, settings.independent_filter
    dds, _, min_samples = fit_model(counts, samples, spec, settings)
    reduced = design_matrix(spec.reduced, dds.obs).to_numpy(dtype=float)
    full = dds.obsm["design_matrix"].to_numpy(dtype=float)
    if not is_nested(full, reduced):
        raise WorkflowInputError(
            f"Contrast '{spec.name}': the reduced design '{spec.reduced}' is not nested in '{spec.design}' "
            "with fewer coefficients. Drop terms of the full design to make the reduced one."
        )
    last = np.zeros(full.shape[1])
    last[-1] = 1.0
    stats = wald_stats(dds, last, alpha, cooks_filter=False, independent_filter=False)
    results = stats.results_df[["baseMean", "log2FoldChange", "lfcSE"]].copy()
    stat, df = lrt_statistic(dds, reduced)
    results["stat"] = stat
    results["pvalue"] = chi2.sf(stat, df)
    if cooks_filter:
        results.loc[dds.cooks_outlier().to_numpy(), "pvalue"] = np.nan
    results["padj"] = adjusted_pvalues(results["baseMean"], results["pvalue"], alpha, independent_filter)
    results["log2FoldChange_shrunk"] = np.nan
    results["lfcSE_shrunk"] = np.nan
    return de_result(results, counts, dds, replace(settings, design=spec.design), annotation, min_samples, None)
