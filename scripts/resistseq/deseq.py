"""Differential expression with PyDESeq2: one fit per contrast, normalised counts and VST."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resistseq.errors import WorkflowInputError
from resistseq.filtering import independent_filtering
from resistseq.validation import design_variables, sheet_as_model_frame

RESULT_COLUMNS = [
    "gene_id",
    "gene_name",
    "baseMean",
    "log2FoldChange",
    "lfcSE",
    "stat",
    "pvalue",
    "padj",
    "log2FoldChange_shrunk",
    "lfcSE_shrunk",
]


@dataclass(frozen=True)
class Contrast:
    """Target vs reference level of one sample-sheet column (nf-core's convention)."""

    name: str
    variable: str
    reference: str
    target: str

    @classmethod
    def from_config(cls, entry: Mapping) -> Contrast:
        return cls(entry["name"], entry["variable"], str(entry["reference"]), str(entry["target"]))


def model_metadata(samples: pd.DataFrame, design: str, contrast: Contrast | None = None) -> pd.DataFrame:
    """Sample-sheet columns the design uses; the contrast variable is a factor whose first level is the reference.

    Putting the reference first makes PyDESeq2's coefficient for the contrast
    variable equal the contrast, so apeGLM shrinkage acts on the contrast itself.
    """
    variables = design_variables(design)
    categorical = [contrast.variable] if contrast else []
    metadata = sheet_as_model_frame(samples.reset_index(drop=True), variables, categorical)
    for variable in variables:
        if not pd.api.types.is_numeric_dtype(metadata[variable]):
            levels = sorted(metadata[variable].unique())
            if contrast is not None and variable == contrast.variable:
                levels.remove(contrast.reference)
                levels.insert(0, contrast.reference)
            metadata[variable] = pd.Categorical(metadata[variable], categories=levels)
    return metadata


def _dataset(
    counts: pd.DataFrame,
    metadata: pd.DataFrame,
    design: str,
    n_cpus: int,
    backend: str = "vectorised",
    r_compatible: bool = True,
):
    from resistseq.inference import backend_dataset

    DeseqDataSet, inference = backend_dataset(backend, n_cpus, r_compatible)

    missing = [sample for sample in metadata.index if sample not in counts.columns]
    if missing:
        raise WorkflowInputError(
            f"Samples {', '.join(missing)} of the sample sheet have no column in the gene count matrix."
        )
    library_sizes = counts[metadata.index].sum(axis=0)
    empty = library_sizes.index[library_sizes <= 0].tolist()
    if empty:
        raise WorkflowInputError(
            f"Sample(s) {', '.join(map(str, empty))} have no counts (library size 0 over the {len(counts)} genes "
            "given to DESeq2): a failed library. Remove them from the sample sheet (or fix their quantification)."
        )
    return DeseqDataSet(
        counts=counts[metadata.index].T,
        metadata=metadata,
        design=design,
        refit_cooks=True,
        inference=inference,
        quiet=True,
    )


def coefficient_name(lfc_columns: pd.Index, contrast: Contrast) -> str:
    """PyDESeq2's coefficient that equals the contrast (reference level first)."""
    wanted = f"{contrast.variable}[T.{contrast.target}]"
    if wanted not in lfc_columns:
        raise WorkflowInputError(
            f"Contrast '{contrast.name}': no model coefficient '{wanted}' (coefficients: "
            f"{', '.join(lfc_columns)}). Check that the design contains '{contrast.variable}' as a factor."
        )
    return wanted


def run_deseq2(
    counts: pd.DataFrame,
    samples: pd.DataFrame,
    design: str,
    contrast: Contrast,
    annotation: pd.DataFrame | None = None,
    alpha: float = 0.05,
    cooks_filter: bool = True,
    independent_filter: bool = True,
    shrink_lfc: bool = True,
    n_cpus: int = 1,
    backend: str = "vectorised",
    r_compatible: bool = True,
    min_count: int = 0,
    min_samples: int | None = None,
    with_dispersions: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """DESeq2 results for one contrast, with DESeq2's column names.

    ``backend`` is "vectorised" (``resistseq.inference``; ``r_compatible`` follows
    R DESeq2 where PyDESeq2 differs) or "pydeseq2" (PyDESeq2's DefaultInference).
    Genes with fewer than ``min_count`` counts in ``min_samples`` samples (default:
    the smallest compared group) skip the model and get NA statistics.

    ``counts`` is genes x samples (integers); ``samples`` is the sample sheet
    indexed by sample ID. Adds the apeGLM-shrunken log2 fold change in
    ``log2FoldChange_shrunk`` (and its SE) without touching the MLE columns.
    With ``with_dispersions``, also returns the fit's ``dispersion_table``.
    """
    from resistseq.inference import BoundedPriorDeseqStats
    from resistseq.prefilter import add_filtered_genes, genes_to_model

    metadata = model_metadata(samples, design, contrast)
    keep = genes_to_model(counts, metadata, contrast.variable, min_count, min_samples)
    dds = _dataset(counts[keep], metadata, design, n_cpus, backend, r_compatible)
    dds.deseq2()
    stats = BoundedPriorDeseqStats(
        dds,
        contrast=[contrast.variable, contrast.target, contrast.reference],
        alpha=alpha,
        cooks_filter=cooks_filter,
        independent_filter=independent_filter,
        inference=dds.inference,
        quiet=True,
    )
    stats.summary()
    results = stats.results_df.copy()
    if independent_filter:
        # As R's results(): PyDESeq2's own lowess can skip the filter R applies (resistseq.filtering).
        results["padj"] = independent_filtering(results["baseMean"], results["pvalue"], alpha)
    if shrink_lfc:
        stats.lfc_shrink(coeff=coefficient_name(stats.LFC.columns, contrast))
        results["log2FoldChange_shrunk"] = stats.results_df["log2FoldChange"]
        results["lfcSE_shrunk"] = stats.results_df["lfcSE"]
    else:
        results["log2FoldChange_shrunk"] = np.nan
        results["lfcSE_shrunk"] = np.nan
    results = add_filtered_genes(results, counts, dds.obs["size_factors"])
    results.index.name = "gene_id"
    results = results.reset_index()
    results["gene_name"] = gene_names(results["gene_id"], annotation)
    if with_dispersions:
        return sort_results(results[RESULT_COLUMNS]), dispersion_table(dds)
    return sort_results(results[RESULT_COLUMNS])


def fit_dispersions(
    counts: pd.DataFrame, samples: pd.DataFrame, design: str, contrast: Contrast | None = None, n_cpus: int = 1
) -> pd.DataFrame:
    """DESeq2's dispersions per gene, fitted as in ``run_deseq2``: gene-wise, trend, MAP and final.

    ``dispersion_final`` is the final value (MAP, or gene-wise when the gene is a dispersion outlier;
    after the Cook's refit), the one DESeq2's ``dispersions(dds)`` returns; NaN for all-zero genes.
    """
    dds = _dataset(counts, model_metadata(samples, design, contrast), design, n_cpus)
    dds.deseq2()
    return dispersion_table(dds).set_index("gene_id").reindex(counts.index)


def gene_names(gene_ids: pd.Series, annotation: pd.DataFrame | None) -> pd.Series:
    if annotation is None:
        return gene_ids.copy()
    lookup = annotation.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
    return gene_ids.map(lookup).fillna(gene_ids)


def sort_results(results: pd.DataFrame) -> pd.DataFrame:
    """By padj, then p-value, then gene ID; NA last. Deterministic."""
    return results.sort_values(["padj", "pvalue", "gene_id"], na_position="last", kind="mergesort").reset_index(
        drop=True
    )


@dataclass
class Normalised:
    size_factors: pd.Series
    normalised_counts: pd.DataFrame
    vst: pd.DataFrame


def normalise_and_vst(
    counts: pd.DataFrame,
    samples: pd.DataFrame,
    design: str,
    blind: bool = True,
    n_cpus: int = 1,
    backend: str = "vectorised",
    r_compatible: bool = True,
) -> Normalised:
    """Median-of-ratios size factors, normalised counts and DESeq2's VST (genes x samples).

    ``backend`` and ``r_compatible`` as in ``run_deseq2`` (the VST's dispersion trend comes from that engine).
    """
    metadata = model_metadata(samples, design)
    dds = _dataset(counts, metadata, design, n_cpus, backend, r_compatible)
    dds.fit_size_factors()
    dds.vst(use_design=not blind)
    size_factors = pd.Series(np.asarray(dds.obs["size_factors"]), index=dds.obs_names, name="size_factor")
    normalised = pd.DataFrame(
        np.asarray(dds.X, dtype=float) / size_factors.to_numpy()[:, None], index=dds.obs_names, columns=dds.var_names
    ).T
    vst = pd.DataFrame(dds.layers["vst_counts"], index=dds.obs_names, columns=dds.var_names).T
    for frame in (normalised, vst):
        frame.index.name = "gene_id"
    return Normalised(size_factors, normalised, vst)


DISPERSION_COLUMNS = {
    "_normed_means": "baseMean",
    "genewise_dispersions": "dispersion_genewise",
    "fitted_dispersions": "dispersion_trend",
    "MAP_dispersions": "dispersion_map",
    "dispersions": "dispersion_final",
    "_outlier_genes": "dispersion_outlier",
}


def dispersion_table(dds) -> pd.DataFrame:
    """Per gene of a fitted DeseqDataSet: mean, gene-wise, trend, MAP and final dispersion.

    ``dispersion_outlier`` marks genes whose gene-wise estimate lies so far above
    the trend that DESeq2 keeps it instead of the MAP estimate. Genes with only
    zero counts have no estimates (NA).
    """
    table = dds.var[list(DISPERSION_COLUMNS)].rename(columns=DISPERSION_COLUMNS)
    table.index.name = "gene_id"
    table["dispersion_outlier"] = table["dispersion_outlier"].fillna(False).astype(bool)
    return table.reset_index()
