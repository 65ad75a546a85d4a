"""Checks of the config and the sample sheet, run while Snakemake builds the DAG.

Every problem becomes one line that names the file, the row or key, and the
fix; all problems found are reported together in one ``WorkflowInputError``.
"""

from __future__ import annotations

import copy
import csv
import gzip
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from resistseq.contrasts import design_variables, sheet_as_model_frame
from resistseq.errors import WorkflowInputError
from resistseq.schemas import load_yaml, schema_errors, with_schema_defaults  # noqa: F401 - re-exported
from resistseq.tables import read_sample_sheet

SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
def resolve_config(config: Mapping, config_schema: Mapping) -> dict:
    """The config every rule reads: a copy of ``config`` with the schema's defaults filled in.

    The one home of defaults is the schema; this is the one place they are applied. It is also the
    one place of YAML 1.1's quirk that reads an unquoted ``counts_from_abundance: no`` as boolean
    false: the schema accepts false there, and the resolved config holds "no". ``config`` is not
    changed. Call it on a config without schema errors (``schema_errors``).
    """
    resolved = copy.deepcopy(dict(config))
    quantification = resolved.get("quantification")
    if isinstance(quantification, dict) and quantification.get("counts_from_abundance") is False:
        quantification["counts_from_abundance"] = "no"
    return with_schema_defaults(resolved, config_schema)




def sheet_line_number(sheet: pd.DataFrame, position: int) -> int:
    """The sheet file's line number of the row at ``position`` (0-based)."""
    numbers = sheet.attrs.get("line_numbers")
    if numbers is not None and len(numbers) == len(sheet):
        return int(numbers[position])
    return position + 2


def sheet_row_label(sheet_path: str | os.PathLike, position: int, sample: str, line: int | None = None) -> str:
    """'config/samples.tsv, line 3 (sample 'X')' for the row at ``position`` (0-based) or file ``line``."""
    return f"{sheet_path}, line {position + 2 if line is None else line} (sample '{sample}')"


def sample_sheet_errors(sheet: pd.DataFrame, schema: Mapping, sheet_path: str) -> list[str]:
    """Schema and identity checks on every row of the sheet."""
    messages = []
    for position, (_, row) in enumerate(sheet.iterrows()):
        label = sheet_row_label(sheet_path, position, row["sample"], sheet_line_number(sheet, position))
        record = {key: value for key, value in row.items() if value != ""}
        row_messages = schema_errors(record, schema, label)
        messages += row_messages
        sample = row["sample"]
        # One message per unsafe ID: only when the schema has not already flagged the sample key.
        if sample and not SAFE_ID.match(sample) and not any(": key 'sample':" in m for m in row_messages):
            messages.append(
                f"{label}: sample ID is not safe as a file name. Use letters, digits, '.', '_' or '-', "
                "starting with a letter or digit."
            )
    ids = sheet["sample"]
    duplicated = ids[ids.duplicated(keep=False)]
    for sample in sorted(set(duplicated)):
        lines = [str(sheet_line_number(sheet, position)) for position, value in enumerate(ids) if value == sample]
        messages.append(
            f"{sheet_path}: sample ID '{sample}' appears on lines {', '.join(lines)}. "
            "Sample IDs must be unique: rename or remove the duplicate rows."
        )
    return messages


def design_errors(
    design: str,
    sheet: pd.DataFrame,
    config_label: str,
    sheet_path: str,
    categorical: Iterable[str] = (),
) -> list[str]:
    try:
        variables = design_variables(design)
    except Exception as error:  # formulaic raises several parser exception types
        return [f"{config_label}: key 'design': cannot parse formula '{design}' ({error})."]
    missing = [variable for variable in variables if variable not in sheet.columns]
    if missing:
        return [
            f"{config_label}: key 'design': formula '{design}' uses column(s) "
            f"{', '.join(missing)} that {sheet_path} does not have. Add the column(s) to the "
            "sample sheet or change the design."
        ]
    messages = []
    for variable in variables:
        empty = [position for position, value in enumerate(sheet[variable]) if value == ""]
        for position in empty:
            label = sheet_row_label(
                sheet_path, position, sheet["sample"].iloc[position], sheet_line_number(sheet, position)
            )
            messages.append(f"{label}: column '{variable}' is empty but the design '{design}' uses it. Fill it in.")
    if messages:
        return messages
    import numpy as np
    from formulaic import model_matrix

    matrix = model_matrix(design, sheet_as_model_frame(sheet, variables, categorical))
    rank = int(np.linalg.matrix_rank(np.asarray(matrix, dtype=float)))
    if rank < matrix.shape[1]:
        return [
            f"{config_label}: key 'design': formula '{design}' is not full rank on {sheet_path} "
            f"({matrix.shape[1]} coefficients, rank {rank}): a covariate is confounded with "
            "another (for example every batch holds one condition only). Drop or recode it."
        ]
    return []


def contrast_errors(
    contrasts: list[Mapping],
    design: str,
    sheet: pd.DataFrame,
    config_label: str,
    sheet_path: str,
    min_replicates: int,
) -> list[str]:
    messages = []
    try:
        in_design = set(design_variables(design))
    except Exception:
        in_design = set()
    names = [contrast["name"] for contrast in contrasts]
    for name in sorted({n for n in names if names.count(n) > 1}):
        messages.append(f"{config_label}: contrast name '{name}' is used twice. Contrast names must be unique.")
    for index, contrast in enumerate(contrasts):
        key = f"{config_label}: key 'contrasts[{index}]' ('{contrast['name']}')"
        if not SAFE_ID.match(contrast["name"]):
            messages.append(f"{key}: name is not safe as a file name. Use letters, digits, '.', '_' or '-'.")
        if not is_pairwise(contrast):
            continue  # general_contrast_errors checks the other kinds
        variable = contrast["variable"]
        if variable not in sheet.columns:
            messages.append(
                f"{key}: variable '{variable}' is not a column of {sheet_path} (columns: {', '.join(sheet.columns)})."
            )
            continue
        used, own_design = in_design, contrast.get("design", design)
        if "design" in contrast:
            try:
                used = set(design_variables(own_design))
            except Exception:
                used = set()
        if used and variable not in used:
            messages.append(f"{key}: variable '{variable}' is not in the design '{own_design}'. Add it to the design.")
        levels = sheet[variable].value_counts()
        for role in ("reference", "target"):
            level = contrast[role]
            if level not in levels.index:
                messages.append(
                    f"{key}: {role} level '{level}' does not occur in column '{variable}' of "
                    f"{sheet_path} (levels: {', '.join(sorted(levels.index))})."
                )
            elif levels[level] < min_replicates:
                messages.append(
                    f"{key}: {role} level '{level}' has {levels[level]} sample(s) in {sheet_path}; "
                    f"at least {min_replicates} replicates per compared group are needed."
                )
        if contrast["reference"] == contrast["target"]:
            messages.append(f"{key}: reference and target are both '{contrast['reference']}'.")
    return messages


PAIRWISE_KEYS = ("variable", "reference", "target")


def is_pairwise(contrast: Mapping) -> bool:
    """nf-core's {name, variable, reference, target}; general_contrast_errors reports incomplete ones."""
    complete = all(key in contrast for key in PAIRWISE_KEYS)
    return complete and contrast.get("test", "wald") != "lrt" and "coefficients" not in contrast


def general_contrast_errors(
    contrasts: list[Mapping], design: str, sheet: pd.DataFrame, config_label: str, sheet_path: str
) -> list[str]:
    """Checks of the keys beyond nf-core's pairwise contrast: LRTs, coefficients, own designs,
    reference levels and thresholds; unknown levels and coefficients are named with the fix."""
    from resistseq.contrasts import ContrastSpec, contrast_metadata, contrast_vector, design_matrix, is_nested

    messages = []
    global_design_problems = bool(design_errors(design, sheet, config_label, sheet_path))
    for index, contrast in enumerate(contrasts):
        key = f"{config_label}: key 'contrasts[{index}]' ('{contrast['name']}')"
        lrt = contrast.get("test", "wald") == "lrt"
        pairwise_keys = [name for name in PAIRWISE_KEYS if name in contrast]
        if lrt and ("coefficients" in contrast or pairwise_keys or "reduced" not in contrast):
            messages.append(
                f"{key}: a likelihood-ratio test (test: lrt) takes 'reduced' (a formula such as '~ condition') "
                "and no 'coefficients', 'variable', 'reference' or 'target'."
            )
            continue
        if not lrt and "reduced" in contrast:
            messages.append(f"{key}: 'reduced' needs 'test: lrt'.")
            continue
        if "coefficients" in contrast and pairwise_keys:
            messages.append(
                f"{key}: give either 'coefficients' or 'variable'/'reference'/'target', not both "
                f"(found {', '.join(pairwise_keys)})."
            )
            continue
        if not lrt and "coefficients" not in contrast and len(pairwise_keys) < len(PAIRWISE_KEYS):
            messages.append(
                f"{key}: needs 'variable', 'reference' and 'target' (a pairwise contrast), 'coefficients', "
                "or 'test: lrt' with 'reduced'."
            )
            continue
        threshold = contrast.get("lfc_threshold", 0) or 0
        alternative = contrast.get("alt_hypothesis", "greaterAbs")
        if lrt and (threshold or alternative != "greaterAbs"):
            messages.append(f"{key}: 'lfc_threshold' and 'alt_hypothesis' apply to Wald tests, not to test: lrt.")
        if alternative == "lessAbs" and threshold <= 0:
            messages.append(f"{key}: alt_hypothesis lessAbs needs an lfc_threshold above 0.")
        own_design = contrast.get("design", design)
        if "design" not in contrast and global_design_problems:
            continue  # design_errors has reported them
        if "design" in contrast:
            categorical = [contrast["variable"]] if "variable" in contrast else []
            problems = design_errors(own_design, sheet, key, sheet_path, categorical)
            if problems:
                messages += problems
                continue
        try:
            variables = design_variables(own_design) + (design_variables(contrast["reduced"]) if lrt else [])
        except Exception as error:  # formulaic raises several parser exception types
            messages.append(f"{key}: cannot parse formula ({error}).")
            continue
        missing = sorted({variable for variable in variables if variable not in sheet.columns})
        if missing:
            messages.append(f"{key}: formula uses column(s) {', '.join(missing)} that {sheet_path} does not have.")
            continue
        level_problems = []
        for variable, level in (contrast.get("reference_levels") or {}).items():
            if variable not in variables:
                level_problems.append(
                    f"{key}: reference_levels names '{variable}', which the design '{own_design}' does not use."
                )
            elif str(level) not in set(sheet[variable]):
                level_problems.append(
                    f"{key}: reference level '{level}' does not occur in column '{variable}' of {sheet_path} "
                    f"(levels: {', '.join(sorted(set(sheet[variable])))})."
                )
        if level_problems:
            messages += level_problems
            continue
        spec = ContrastSpec.from_config(contrast, design)
        metadata = contrast_metadata(sheet.set_index("sample", drop=False), spec.model_formulas, spec.reference_levels)
        if lrt:
            full = design_matrix(spec.design, metadata).to_numpy(dtype=float)
            reduced = design_matrix(spec.reduced, metadata).to_numpy(dtype=float)
            if not is_nested(full, reduced):
                messages.append(
                    f"{key}: the reduced formula '{spec.reduced}' must be nested in the design '{spec.design}' "
                    "with fewer coefficients (drop terms of the design to make it)."
                )
        elif "coefficients" in contrast:
            try:
                contrast_vector(spec, metadata)
            except WorkflowInputError as error:
                messages.append(f"{key}: {error}")
    return messages


def readable_file_error(path: str, what: str) -> str | None:
    target = Path(path)
    if not target.is_file():
        return f"{what} '{path}' does not exist (paths are relative to the working directory {os.getcwd()})."
    if not os.access(target, os.R_OK):
        return f"{what} '{path}' is not readable: check its permissions."
    return None


def read_header(path: str) -> list[str]:
    """The column names of a tab- or comma-separated file, skipping '#' comment lines."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", newline="") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            delimiter = "\t" if "\t" in line else ","
            return next(csv.reader([line], delimiter=delimiter))
    return []


def input_file_errors(config: Mapping, sheet: pd.DataFrame, config_label: str, sheet_path: str) -> list[str]:
    messages = []
    quantification = config["quantification"]
    file_format = quantification["format"]
    for position, row in enumerate(sheet.itertuples(index=False)):
        label = sheet_row_label(sheet_path, position, row.sample, sheet_line_number(sheet, position))
        problem = readable_file_error(row.quant, f"{label}: quant file")
        if problem:
            messages.append(problem + " Fix the 'quant' column.")
    tx2gene = quantification["tx2gene"]
    if file_format in ("salmon", "kallisto") and not tx2gene:
        messages.append(
            f"{config_label}: key 'quantification.tx2gene' is required for format '{file_format}': "
            "give a transcript → gene table (columns transcript_id, gene_id, optional gene_name)."
        )
    for key in ("tx2gene", "gene_annotation"):
        if quantification[key]:
            problem = readable_file_error(quantification[key], f"{config_label}: key 'quantification.{key}':")
            if problem:
                messages.append(problem)
    for index, path in enumerate(config["genesets"]):
        if not str(path).endswith(".gmt"):
            messages.append(
                f"{config_label}: key 'genesets[{index}]': '{path}' must be a local .gmt file "
                "(the workflow never downloads gene sets)."
            )
            continue
        problem = readable_file_error(path, f"{config_label}: key 'genesets[{index}]':")
        if problem:
            messages.append(problem)
    if file_format == "matrix" and not messages:
        messages += matrix_column_errors(sheet, sheet_path, quantification["gene_name_column"])
    return messages


def matrix_column_errors(sheet: pd.DataFrame, sheet_path: str, gene_name_column: str | None) -> list[str]:
    """Each count matrix read from its first lines: every sample has a column, the symbol column exists."""
    from resistseq.count_matrix import matrix_layout, sample_column

    messages = []
    for path, rows in sheet.groupby("quant", sort=True):
        try:
            layout = matrix_layout(path, [], gene_name_column)
        except WorkflowInputError as error:
            messages.append(str(error))
            continue
        for sample in rows["sample"]:
            if sample_column(sample, layout.data_columns) is None:
                messages.append(
                    f"{sheet_path}: sample '{sample}' has no column in count matrix '{path}' "
                    f"(its columns: {', '.join(layout.data_columns)}). Rename the column or the sample."
                )
    return messages


def check_inputs(
    config: Mapping,
    config_schema: Mapping,
    sheet_schema: Mapping,
    config_label: str,
) -> pd.DataFrame:
    """Validate config and sample sheet; return the sheet indexed by sample.

    The schema checks the config as written; the cross-checks read it resolved (``resolve_config``).
    ``config`` is not changed. Raises ``WorkflowInputError`` listing every problem found.
    """
    messages = schema_errors(config, config_schema, config_label)
    if messages:
        raise WorkflowInputError(join_messages(messages))
    config = resolve_config(config, config_schema)
    sheet_path = str(config["samples"])
    sheet = read_sample_sheet(sheet_path)
    messages = sample_sheet_errors(sheet, sheet_schema, sheet_path)
    if messages:
        raise WorkflowInputError(join_messages(messages))
    design = config["design"]
    min_replicates = config["deseq2"]["min_replicates"]
    contrast_variables = [contrast["variable"] for contrast in config["contrasts"] if "variable" in contrast]
    messages += design_errors(design, sheet, config_label, sheet_path, contrast_variables)
    messages += contrast_errors(config["contrasts"], design, sheet, config_label, sheet_path, min_replicates)
    messages += general_contrast_errors(config["contrasts"], design, sheet, config_label, sheet_path)
    messages += input_file_errors(config, sheet, config_label, sheet_path)
    if messages:
        raise WorkflowInputError(join_messages(messages))
    return sheet.set_index("sample", drop=False, verify_integrity=True)


def join_messages(messages: list[str]) -> str:
    if len(messages) == 1:
        return messages[0]
    return f"{len(messages)} problems with the inputs:\n" + "\n".join(f"  - {m}" for m in messages)
