"""Differential expression with PyDESeq2: one fit per contrast, normalised counts and VST."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from resistseq.contrasts import design_variables, sheet_as_model_frame
from resistseq.errors import WorkflowInputError
from resistseq.filtering import filtering_summary, independent_filtering

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


@dataclass(frozen=True)
class DESettings:
    """How the DE step fits and tests: the resolved config's ``design`` and ``deseq2`` block, and the threads.

    Built with ``from_config`` from the resolved config (schema defaults filled), or with ``defaults``
    (the schema's defaults, for tests and benchmarks).
    """

    design: str
    alpha: float
    cooks_filter: bool
    independent_filter: bool
    shrink_lfc: bool
    backend: str
    r_compatible: bool
    min_count: int
    min_samples: int | None
    n_cpus: int = 1

    # The config's deseq2 keys these settings read (rules pass only these, so other keys leave DE current).
    CONFIG_KEYS = ("alpha", "cooks_filter", "independent_filter", "shrink_lfc", "backend", "r_compatible", "prefilter")

    @classmethod
    def from_config(cls, design: str, deseq2: Mapping, n_cpus: int = 1) -> DESettings:
        """From the resolved config's ``design`` and ``deseq2`` block (at least ``CONFIG_KEYS``)."""
        return cls(
            design=design,
            alpha=deseq2["alpha"],
            cooks_filter=deseq2["cooks_filter"],
            independent_filter=deseq2["independent_filter"],
            shrink_lfc=deseq2["shrink_lfc"],
            backend=deseq2["backend"],
            r_compatible=deseq2["r_compatible"],
            min_count=deseq2["prefilter"]["min_count"],
            min_samples=deseq2["prefilter"]["min_samples"],
            n_cpus=n_cpus,
        )

    @classmethod
    def defaults(cls, design: str, n_cpus: int = 1, **overrides) -> DESettings:
        """The config schema's defaults for ``design``, with ``overrides`` (field names of this class)."""
        from resistseq.schemas import config_defaults

        settings = cls.from_config(design, config_defaults()["deseq2"], n_cpus)
        return replace(settings, **overrides)

    def recorded(self) -> dict:
        """The settings a run summary records (threads left out: they change no result)."""
        return {
            "design": self.design,
            "alpha": self.alpha,
            "cooks_filter": self.cooks_filter,
            "independent_filter": self.independent_filter,
            "shrink_lfc": self.shrink_lfc,
            "backend": self.backend,
            "r_compatible": self.r_compatible,
            "prefilter": {"min_count": self.min_count, "min_samples": self.min_samples},
        }


@dataclass(frozen=True)
class VSTSettings:
    """How ``normalise_and_vst`` runs: the design, DESeq2's ``blind`` and the engine of the dispersion trend."""

    design: str
    blind: bool
    backend: str
    r_compatible: bool
    n_cpus: int = 1

    CONFIG_KEYS = ("vst_blind", "backend", "r_compatible")

    @classmethod
    def from_config(cls, design: str, deseq2: Mapping, n_cpus: int = 1) -> VSTSettings:
        """From the resolved config's ``design`` and ``deseq2`` block (at least ``CONFIG_KEYS``)."""
        return cls(design, deseq2["vst_blind"], deseq2["backend"], deseq2["r_compatible"], n_cpus)

    @classmethod
    def defaults(cls, design: str, n_cpus: int = 1, **overrides) -> VSTSettings:
        """The config schema's defaults for ``design``, with ``overrides`` (field names of this class)."""
        from resistseq.schemas import config_defaults

        return replace(cls.from_config(design, config_defaults()["deseq2"], n_cpus), **overrides)


@dataclass(frozen=True)
class DEResult:
    """One contrast's DE: the results table (``RESULT_COLUMNS``), the fit's dispersion table, the run summary.

    ``summary`` is what ran and what it did (``run_summary``): engine, settings, gene counts at each filter.
    """

    table: pd.DataFrame
    dispersions: pd.DataFrame
    summary: dict


def fit_prefiltered(counts: pd.DataFrame, metadata: pd.DataFrame, settings: DESettings, min_samples: int | None):
    """(DeseqDataSet fitted on the genes that pass the pre-filter, the pre-filter's min_samples as applied)."""
    from resistseq.prefilter import genes_to_model

    keep = genes_to_model(counts, metadata, "", settings.min_count, min_samples)
    dds = _dataset(counts[keep], metadata, settings.design, settings.n_cpus, settings.backend, settings.r_compatible)
    dds.deseq2()
    return dds, min_samples if settings.min_count else None


def run_deseq2(
    counts: pd.DataFrame,
    samples: pd.DataFrame,
    contrast: Contrast,
    settings: DESettings,
    annotation: pd.DataFrame | None = None,
) -> DEResult:
    """DESeq2 results for one contrast, with DESeq2's column names, its dispersions and a run summary.

    ``settings.backend`` is "vectorised" (``resistseq.inference``; ``r_compatible`` follows
    R DESeq2 where PyDESeq2 differs) or "pydeseq2" (PyDESeq2's DefaultInference).
    Genes with fewer than ``min_count`` counts in ``min_samples`` samples (default:
    the smallest compared group) skip the model and get NA statistics.

    ``counts`` is genes x samples (integers); ``samples`` is the sample sheet
    indexed by sample ID. Adds the apeGLM-shrunken log2 fold change in
    ``log2FoldChange_shrunk`` (and its SE) without touching the MLE columns.
    """
    from resistseq.inference import BoundedPriorDeseqStats
    from resistseq.prefilter import smallest_group

    metadata = model_metadata(samples, settings.design, contrast)
    min_samples = settings.min_samples
    if settings.min_count and min_samples is None:
        min_samples = smallest_group(metadata, contrast.variable)
    dds, min_samples = fit_prefiltered(counts, metadata, settings, min_samples)
    stats = BoundedPriorDeseqStats(
        dds,
        contrast=[contrast.variable, contrast.target, contrast.reference],
        alpha=settings.alpha,
        cooks_filter=settings.cooks_filter,
        # PyDESeq2's plain BH; its own independent filtering would be replaced below.
        independent_filter=False,
        inference=dds.inference,
        quiet=True,
    )
    stats.summary()
    results = stats.results_df.copy()
    if settings.independent_filter:
        # As R's results(): PyDESeq2's own lowess can skip the filter R applies (resistseq.filtering).
        results["padj"] = independent_filtering(results["baseMean"], results["pvalue"], settings.alpha)
    shrunk = None
    if settings.shrink_lfc:
        shrunk = coefficient_name(stats.LFC.columns, contrast)
        stats.lfc_shrink(coeff=shrunk)
        results["log2FoldChange_shrunk"] = stats.results_df["log2FoldChange"]
        results["lfcSE_shrunk"] = stats.results_df["lfcSE"]
    else:
        results["log2FoldChange_shrunk"] = np.nan
        results["lfcSE_shrunk"] = np.nan
    return de_result(results, counts, dds, settings, annotation, min_samples=min_samples, shrunk=shrunk)


def de_result(
    results: pd.DataFrame,
    counts: pd.DataFrame,
    dds,
    settings: DESettings,
    annotation: pd.DataFrame | None,
    min_samples: int | None,
    shrunk: str | None,
) -> DEResult:
    """The ``DEResult`` of a fit: rows for every gene of ``counts`` (pre-filtered ones with NA), sorted."""
    from resistseq.prefilter import add_filtered_genes

    results = add_filtered_genes(results, counts, dds.obs["size_factors"])
    results.index.name = "gene_id"
    results = results.reset_index()
    results["gene_name"] = gene_names(results["gene_id"], annotation)
    table = sort_results(results[RESULT_COLUMNS])
    return DEResult(table, dispersion_table(dds), run_summary(table, dds, settings, min_samples, shrunk))


def engine(backend: str, r_compatible: bool) -> dict:
    """The engine ``deseq2.backend`` and ``r_compatible`` select (the latter applies to the vectorised one only),
    with the PyDESeq2 version it runs on."""
    from importlib.metadata import version

    return {
        "backend": backend,
        "r_compatible": r_compatible if backend == "vectorised" else False,
        "pydeseq2_version": version("pydeseq2"),
    }


def run_summary(table: pd.DataFrame, dds, settings: DESettings, min_samples: int | None, shrunk: str | None) -> dict:
    """What one contrast's DE step ran and what each filter did, for ``results/de/{contrast}/summary.json``.

    ``shrunk`` is the coefficient apeGLM shrank (None: no shrinkage). The independent-filtering
    threshold is read off the table as the QC's ``independent_filtering.tsv`` reads it
    (``resistseq.filtering.filtering_summary``). ``fallbacks`` counts, per fitting step, the genes the
    vectorised engine refitted with PyDESeq2's per-gene routine (``fallback_failures``: those that
    routine could not fit either).
    """
    filtering = filtering_summary(table, settings.alpha).iloc[0]
    non_zero = dds.var["non_zero"].to_numpy(dtype=bool)
    cooks = int((dds.cooks_outlier().to_numpy(dtype=bool) & non_zero).sum()) if settings.cooks_filter else 0
    refitted = int(dds.var["refitted"].sum()) if "refitted" in dds.var else 0
    inference = dds.inference
    recorded = settings.recorded()
    recorded["prefilter"]["min_samples_applied"] = min_samples
    return {
        "engine": engine(settings.backend, settings.r_compatible),
        "settings": recorded,
        "genes": {
            "in": len(table),
            "prefiltered_out": len(table) - int(dds.n_vars),
            "modelled": int(dds.n_vars),
            "all_zero": int((~non_zero).sum()),
            "with_pvalue": int(filtering["genes_with_pvalue"]),
            "independent_filtered": int(filtering["genes_filtered"]),
            "with_padj": int(table["padj"].notna().sum()),
            "significant": int(filtering["significant"]),
        },
        "independent_filtering_basemean_threshold": float(filtering["basemean_threshold"]),
        "cooks": {"outliers": cooks, "refitted_genes": refitted},
        "shrinkage": {"method": "apeGLM", "coefficient": shrunk} if shrunk else None,
        "fallbacks": dict(sorted(getattr(inference, "fallbacks", {}).items())),
        "fallback_failures": dict(sorted(getattr(inference, "failures", {}).items())),
    }


def gene_names(gene_ids: pd.Series, annotation: pd.DataFrame | None) -> pd.Series:
    if annotation is None:
        return gene_ids.copy()
    lookup = annotation.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
    return gene_ids.map(lookup).fillna(gene_ids)


def sort_results(results: pd.DataFrame) -> pd.DataFrame:
    """By padj, then p-value, then gene ID; NA last. Deterministic (``sort_values`` order, through numpy)."""
    from resistseq.ordering import sort_order

    order = sort_order([results["padj"], results["pvalue"], results["gene_id"]], [True, True, True])
    return results.iloc[order].reset_index(drop=True)


@dataclass
class Normalised:
    size_factors: pd.Series
    normalised_counts: pd.DataFrame
    vst: pd.DataFrame


def normalise_and_vst(counts: pd.DataFrame, samples: pd.DataFrame, settings: VSTSettings) -> Normalised:
    """Median-of-ratios size factors, normalised counts and DESeq2's VST (genes x samples).

    The VST is blind to the design with ``settings.blind``; its dispersion trend comes from the
    engine ``settings`` select (``backend``, ``r_compatible``, as in ``run_deseq2``).
    """
    metadata = model_metadata(samples, settings.design)
    dds = _dataset(counts, metadata, settings.design, settings.n_cpus, settings.backend, settings.r_compatible)
    # vst() fits the size factors itself (PyDESeq2 0.5.4 looks for them in obsm, where they never are).
    dds.vst(use_design=not settings.blind)
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
