"""Contrast entries of the config beyond 'target vs reference': general contrasts, thresholds, LRTs.

A config contrast is one of three kinds (``contrast_kind``):

- ``pairwise``: ``{name, variable, reference, target}``, nf-core's convention;
- ``coefficients``: ``{name, coefficients: {coefficient: weight, ...}}``, any linear combination
  c'beta of the design's coefficients, as R's ``results(dds, contrast = <numeric>)`` (one
  coefficient with weight 1 is R's ``results(dds, name = ...)``);
- ``lrt``: ``{name, test: lrt, reduced: "~ ..."}``, the likelihood-ratio test of ``resistseq.lrt``.

Coefficients are named as PyDESeq2 (formulaic) names them, ``line[T.resistant]:treatment[T.drug]``,
or as R's ``resultsNames(dds)`` does, ``lineresistant.treatmentdrug``; ``r_coefficient_name`` maps
the first to the second. Factor levels are sorted, with ``reference_levels`` first (and a pairwise
contrast's reference first), so both name the same coefficients as R with ``relevel``.

Wald and thresholded tests are computed on the contrast, as R's ``results()``: LFC c'beta, SE
sqrt(c' Sigma c), and for ``lfc_threshold`` > 0 R's ``altHypothesis`` formulas on that LFC and SE
(``threshold_test``). PyDESeq2 0.5.4 instead applies ``lfc_null`` to every coefficient before forming
the contrast, which is wrong for any contrast that is not one coefficient.

apeGLM shrinks one coefficient. For a contrast that is not one, R users re-level or
re-parameterise the design so that the contrast is a coefficient; ``contrast_fit.shrink_contrast``
does the same with a linear re-parameterisation: new coefficients gamma = T beta, where T is the
identity with row k replaced by c' (k: the largest |c_k|), and design X T^-1. The fit, the
dispersions and the contrast's MLE and SE are unchanged; gamma_k = c'beta gets the Cauchy prior.
The other coefficients differ from a re-levelled design's, but apeGLM gives them a nearly flat
N(0, 15^2) prior: the shrunken LFC agrees with shrinking the re-levelled design's coefficient
within 0.008 (tests/test_contrasts.py; R's apeglm is not packaged in Debian, so no R reference).

This module holds no model fit (no PyDESeq2), so the config checks can use it; the fits are in
``resistseq.contrast_fit`` and ``resistseq.lrt``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from resistseq.errors import WorkflowInputError

ALTERNATIVES = ("greaterAbs", "lessAbs", "greater", "less")
KINDS = ("pairwise", "coefficients", "lrt")
TREND_TERM = re.compile(r"^(?P<variable>.+)\[T\.(?P<level>.*)\]$")


def contrast_kind(entry: Mapping) -> str:
    """'lrt', 'coefficients' or 'pairwise' for a config contrast entry."""
    if entry.get("test") == "lrt":
        return "lrt"
    if "coefficients" in entry:
        return "coefficients"
    return "pairwise"


def has_direction(entry: Mapping) -> bool:
    """Whether the contrast's log2FoldChange and stat have a direction to rank or plot by.

    An LRT tests all dropped coefficients at once and an equivalence test (``lessAbs``) has no
    direction: GSEA, ORA, volcano and MA plots are skipped for them.
    """
    return contrast_kind(entry) != "lrt" and entry.get("alt_hypothesis", "greaterAbs") != "lessAbs"


def needs_general_test(entry: Mapping) -> bool:
    """Whether the contrast needs ``resistseq.contrast_fit``/``resistseq.lrt`` (else ``deseq.run_deseq2``)."""
    return contrast_kind(entry) != "pairwise" or bool(entry.get("lfc_threshold")) or "design" in entry


def is_pairwise(entry: Mapping) -> bool:
    return contrast_kind(entry) == "pairwise"


def group_variable(contrasts: list[Mapping], design: str) -> str:
    """The sheet column figures colour samples by: the first pairwise contrast's variable, else the
    design's first variable (LRT and coefficient contrasts name no groups)."""
    for entry in contrasts:
        if is_pairwise(entry):
            return entry["variable"]
    return design_variables(design)[0]


def describe(entry: Mapping) -> str:
    """One line for logs and the methods text."""
    kind = contrast_kind(entry)
    if kind == "lrt":
        return f"likelihood-ratio test of the design against '{entry['reduced']}'"
    if kind == "coefficients":
        terms = " + ".join(f"{weight:g} x {name}" for name, weight in entry["coefficients"].items())
        text = f"Wald test of {terms}"
    else:
        text = f"{entry['target']} vs {entry['reference']} ({entry['variable']})"
    if entry.get("lfc_threshold"):
        text += f", |log2FC| threshold {entry['lfc_threshold']:g} ({entry.get('alt_hypothesis', 'greaterAbs')})"
    return text


@dataclass(frozen=True)
class ContrastSpec:
    """A config contrast entry of any kind, with its test settings."""

    name: str
    kind: str
    design: str
    reference_levels: Mapping[str, str] = field(default_factory=dict)
    variable: str | None = None
    reference: str | None = None
    target: str | None = None
    coefficients: Mapping[str, float] = field(default_factory=dict)
    reduced: str | None = None
    lfc_threshold: float = 0.0
    alt_hypothesis: str = "greaterAbs"

    @classmethod
    def from_config(cls, entry: Mapping, design: str) -> ContrastSpec:
        """``design`` is the config's; an entry's own ``design`` replaces it."""
        kind = contrast_kind(entry)
        reference_levels = {str(key): str(value) for key, value in (entry.get("reference_levels") or {}).items()}
        if kind == "pairwise":
            reference_levels[entry["variable"]] = str(entry["reference"])
        return cls(
            name=entry["name"],
            kind=kind,
            design=entry.get("design", design),
            reference_levels=reference_levels,
            variable=entry.get("variable"),
            reference=None if entry.get("reference") is None else str(entry["reference"]),
            target=None if entry.get("target") is None else str(entry["target"]),
            coefficients={str(key): float(value) for key, value in (entry.get("coefficients") or {}).items()},
            reduced=entry.get("reduced"),
            lfc_threshold=float(entry.get("lfc_threshold", 0.0)),
            alt_hypothesis=entry.get("alt_hypothesis", "greaterAbs"),
        )

    @property
    def model_formulas(self) -> list[str]:
        return [self.design] + ([self.reduced] if self.reduced else [])


# ---- model frame and coefficient names ---------------------------------------------------------


def design_variables(design: str) -> list[str]:
    """The sample-sheet columns a formula such as ``~ batch + condition`` uses."""
    from formulaic import Formula

    return sorted(Formula(design).required_variables)


def sheet_as_model_frame(
    sheet: pd.DataFrame, variables: Iterable[str], categorical: Iterable[str] = ()
) -> pd.DataFrame:
    """Sample-sheet columns as model variables.

    A column whose every value is a number is a continuous covariate (write
    ``C(column)`` in the design to treat it as a factor); the others, and the
    contrast variables in ``categorical``, are factors.
    """
    categorical = set(categorical)
    frame = pd.DataFrame(index=pd.Index(sheet["sample"].values, name="sample"))
    for variable in variables:
        values = sheet[variable].to_numpy()
        numeric = pd.to_numeric(pd.Series(values), errors="coerce")
        if variable not in categorical and numeric.notna().all():
            frame[variable] = numeric.to_numpy(dtype=float)
        else:
            frame[variable] = values.astype(str)
    return frame


def contrast_metadata(samples: pd.DataFrame, formulas: list[str], reference_levels: Mapping[str, str]) -> pd.DataFrame:
    """The model frame of ``formulas``: factors with sorted levels, each reference level first."""
    variables = sorted({variable for formula in formulas for variable in design_variables(formula)})
    metadata = sheet_as_model_frame(samples.reset_index(drop=True), variables, reference_levels)
    for variable in variables:
        if not pd.api.types.is_numeric_dtype(metadata[variable]):
            levels = sorted(metadata[variable].unique())
            reference = reference_levels.get(variable)
            if reference is not None and reference in levels:
                levels.remove(reference)
                levels.insert(0, reference)
            metadata[variable] = pd.Categorical(metadata[variable], categories=levels)
    return metadata


def design_matrix(formula: str, metadata: pd.DataFrame) -> pd.DataFrame:
    from formulaic import model_matrix

    return pd.DataFrame(model_matrix(formula, metadata))


def make_names(text: str) -> str:
    """R's ``make.names`` for one string: invalid characters become '.', a leading digit gets 'X'."""
    name = re.sub(r"[^A-Za-z0-9._]", ".", text)
    if not name or not (name[0].isalpha() or (name[0] == "." and not name[1:2].isdigit())):
        name = "X" + name
    return name


def _components(column: str, metadata: pd.DataFrame) -> list[tuple[str, str | None]]:
    """(variable, level) per factor of a formulaic column name; level None for a numeric covariate."""
    parts = []
    for part in column.split(":"):
        match = TREND_TERM.match(part)
        if match and match["variable"] in metadata.columns:
            parts.append((match["variable"], match["level"]))
        else:
            parts.append((part, None))
    return parts


def r_coefficient_names(column: str, metadata: pd.DataFrame, formula: str) -> list[str]:
    """The names R DESeq2's ``resultsNames`` may give a formulaic column; the first is R's own.

    Main effects of a factor: ``variable_level_vs_reference``; interactions: the model.matrix name
    with ':' made '.', e.g. ``lineresistant.treatmentdrug``, variables in the formula's order.
    """
    if column == "Intercept":
        return ["Intercept"]
    parts = _components(column, metadata)
    if len(parts) == 1 and parts[0][1] is not None:
        variable, level = parts[0]
        reference = metadata[variable].cat.categories[0]
        return [make_names(f"{variable}_{level}_vs_{reference}")]
    order = {variable: formula.find(variable) for variable, _ in parts}
    ordered = sorted(parts, key=lambda part: order[part[0]])
    names = [":".join(variable + (level or "") for variable, level in ordered)]
    names += [
        ":".join(variable + (level or "") for variable, level in permutation)
        for permutation in itertools.permutations(parts)
    ]
    return list(dict.fromkeys(make_names(name) for name in names))


def coefficient_table(metadata: pd.DataFrame, formula: str) -> pd.DataFrame:
    """Per design column: the formulaic (PyDESeq2) name and R's resultsNames name."""
    columns = design_matrix(formula, metadata).columns
    return pd.DataFrame(
        {"coefficient": list(columns), "r_name": [r_coefficient_names(c, metadata, formula)[0] for c in columns]}
    )


def contrast_vector(spec: ContrastSpec, metadata: pd.DataFrame) -> np.ndarray:
    """c over the design's columns; a clear error naming any coefficient the design does not have."""
    columns = list(design_matrix(spec.design, metadata).columns)
    aliases = {}
    for index, column in enumerate(columns):
        for name in [column, *r_coefficient_names(column, metadata, spec.design)]:
            aliases.setdefault(name, index)
    vector = np.zeros(len(columns))
    wanted = spec.coefficients if spec.kind == "coefficients" else {f"{spec.variable}[T.{spec.target}]": 1.0}
    unknown = [name for name in wanted if name not in aliases]
    if unknown:
        table = coefficient_table(metadata, spec.design)
        available = ", ".join(f"{row.coefficient} (R: {row.r_name})" for row in table.itertuples())
        raise WorkflowInputError(
            f"Contrast '{spec.name}': the design '{spec.design}' has no coefficient(s) {', '.join(unknown)}. "
            f"Its coefficients: {available}. Use either name; set 'reference_levels' to change the baselines."
        )
    for name, weight in wanted.items():
        vector[aliases[name]] += weight
    if not np.any(vector):
        raise WorkflowInputError(f"Contrast '{spec.name}': the coefficient weights sum to the zero contrast.")
    return vector


# ---- tests on the contrast ------------------------------------------------------------------------


def threshold_test(lfc: np.ndarray, se: np.ndarray, threshold: float, alternative: str):
    """R DESeq2's ``results(..., lfcThreshold, altHypothesis)`` statistic and p-value (log2 scale)."""
    from scipy.stats import norm  # here only: the figures that read the design need no scipy

    lfc = np.asarray(lfc, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if alternative == "greaterAbs":
            stat = np.sign(lfc) * np.fmax((np.abs(lfc) - threshold) / se, 0)
            pvalue = np.fmin(1, 2 * norm.sf((np.abs(lfc) - threshold) / se))
        elif alternative == "lessAbs":
            above = np.fmax((threshold - lfc) / se, 0)
            below = np.fmax((lfc + threshold) / se, 0)
            stat = np.fmin(above, below)
            pvalue = np.fmax(norm.sf((threshold - lfc) / se), norm.sf((lfc + threshold) / se))
        elif alternative == "greater":
            stat = np.fmax((lfc - threshold) / se, 0)
            pvalue = norm.sf((lfc - threshold) / se)
        elif alternative == "less":
            stat = np.fmin((lfc + threshold) / se, 0)
            pvalue = norm.sf((-threshold - lfc) / se)
        else:
            raise ValueError(f"Unknown alternative hypothesis {alternative!r}; use one of {', '.join(ALTERNATIVES)}.")
    missing = ~np.isfinite(lfc) | ~np.isfinite(se)
    stat[missing], pvalue[missing] = np.nan, np.nan
    return stat, pvalue


def adjusted_pvalues(base_mean: pd.Series, pvalue: pd.Series, alpha: float, independent_filter: bool) -> pd.Series:
    """padj as R's ``results()``: independent filtering on baseMean, or plain BH."""
    from scipy.stats import false_discovery_control

    from resistseq.filtering import independent_filtering

    if independent_filter:
        return independent_filtering(base_mean, pvalue, alpha)
    padj = pd.Series(np.nan, index=pvalue.index, name="padj")
    tested = pvalue.notna()
    if tested.any():
        padj[tested] = false_discovery_control(pvalue[tested].to_numpy(), method="bh")
    return padj


def contrast_all_zero(counts: np.ndarray, design: np.ndarray, contrast: np.ndarray) -> np.ndarray:
    """R's ``contrastAllZeroNumeric``: for a contrast with weights of both signs, genes (columns of
    ``counts``, samples x genes) with no count in any sample the contrast involves."""
    if np.all(contrast >= 0) or np.all(contrast <= 0):
        return np.zeros(counts.shape[1], dtype=bool)
    involved = design @ (contrast != 0).astype(float) != 0
    return counts[involved].sum(axis=0) == 0


def smallest_cell(metadata: pd.DataFrame, formula: str) -> int:
    """Samples in the smallest group of identical design rows (the vignette's smallestGroupSize)."""
    matrix = design_matrix(formula, metadata)
    return int(matrix.round(12).astype(str).agg("|".join, axis=1).value_counts().min())


def is_nested(full: np.ndarray, reduced: np.ndarray) -> bool:
    """Whether the reduced design's columns lie in the full design's span, with fewer columns."""
    rank = np.linalg.matrix_rank(full)
    return reduced.shape[1] < full.shape[1] and np.linalg.matrix_rank(np.hstack([full, reduced])) == rank
