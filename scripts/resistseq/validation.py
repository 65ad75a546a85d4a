"""Checks of the config and the sample sheet, run while Snakemake builds the DAG.

Every problem becomes one line that names the file, the row or key, and the
fix; all problems found are reported together in one ``WorkflowInputError``.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from resistseq.errors import WorkflowInputError

CONFIG_SCHEMA = Path(__file__).resolve().parents[2] / "config" / "schemas" / "config.schema.yaml"
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SHEET_REQUIRED_COLUMNS = ("sample", "condition", "quant")


def load_yaml(path: str | os.PathLike) -> Any:
    with open(path) as handle:
        return yaml.safe_load(handle)


def _key_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def schema_errors(data: Any, schema: Mapping, source: str) -> list[str]:
    """Messages for every violation of ``schema`` in ``data``, naming the key."""
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    messages = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        hint = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
        message = f"{source}: key '{_key_path(error.absolute_path)}': {error.message}."
        if hint:
            message += f" Expected: {hint}"
        messages.append(message)
    return messages


def _filling_validator(schema: Mapping):
    """A validator of ``schema`` that sets each absent property with a default to it (jsonschema's FAQ recipe)."""
    validator_class = jsonschema.validators.validator_for(schema)
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, subschema):
        if isinstance(instance, dict):
            for name, property_schema in properties.items():
                if isinstance(property_schema, dict) and "default" in property_schema:
                    instance.setdefault(name, copy.deepcopy(property_schema["default"]))
        yield from validate_properties(validator, properties, instance, subschema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})(schema)


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
    for _ in _filling_validator(config_schema).iter_errors(resolved):
        pass
    return resolved


def config_defaults() -> dict:
    """The schema's defaults (config/schemas/config.schema.yaml) for every key that has one."""
    return resolve_config({}, load_yaml(CONFIG_SCHEMA))


def read_sample_sheet(path: str | os.PathLike) -> pd.DataFrame:
    """Read the sample sheet as strings, one row per sample.

    Tab-separated; a sheet with commas and no tabs whose every line has the
    same number of fields is read as CSV. A byte-order mark, Windows line
    endings and spaces around fields are dropped. Duplicate column names are
    an error.
    """
    path = Path(path)
    if not path.is_file():
        raise WorkflowInputError(
            f"Sample sheet '{path}' does not exist. Set 'samples' in the config to a "
            "tab-separated file with columns sample, condition, quant."
        )
    numbered = _content_lines(path)
    if not numbered:
        raise WorkflowInputError(
            f"Sample sheet '{path}' is empty. It needs a tab-separated header naming at least "
            "sample, condition and quant, then one row per sample."
        )
    separator = _sheet_separator(path, numbered)
    header = [column.strip() for column in next(csv.reader([numbered[0][1].rstrip("\r\n")], delimiter=separator))]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        raise WorkflowInputError(
            f"Sample sheet '{path}', line {numbered[0][0]}: column name(s) "
            f"{', '.join(repr(column) for column in duplicated)} appear more than once in the header. "
            "Each column needs its own name: rename or remove the duplicate column(s)."
        )
    text = "".join(line for _, line in numbered)
    try:
        sheet = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, comment="#")
    except pd.errors.ParserError as error:
        raise WorkflowInputError(
            f"Sample sheet '{path}' cannot be read: {error}. Every row needs one field per header column."
        ) from error
    sheet.columns = header
    missing = [column for column in SHEET_REQUIRED_COLUMNS if column not in sheet.columns]
    if missing:
        raise WorkflowInputError(
            f"Sample sheet '{path}': missing column(s) {', '.join(missing)}. "
            f"Found columns: {', '.join(sheet.columns)}. The sheet must be tab-separated "
            "with a header naming at least sample, condition and quant."
        )
    if sheet.empty:
        raise WorkflowInputError(f"Sample sheet '{path}' has a header but no samples.")
    sheet = sheet.apply(lambda column: column.str.strip())
    # The file's own line numbers of the rows, for messages (comment and blank lines skipped).
    if len(numbered) - 1 == len(sheet):
        sheet.attrs["line_numbers"] = [number for number, _ in numbered[1:]]
    return sheet


def _sheet_separator(path: Path, numbered: list[tuple[int, str]]) -> str:
    """Tab; or comma for a sheet with no tab whose lines all split into as many fields as its header."""
    header = numbered[0][1]
    if "\t" in header:
        return "\t"
    if "," in header and not any("\t" in line for _, line in numbered):
        widths = {len(next(csv.reader([line.rstrip("\r\n")]))) for _, line in numbered}
        if len(widths) == 1:
            return ","
        raise WorkflowInputError(
            f"Sample sheet '{path}' is not tab-separated: it uses commas, but its lines do not all have the "
            "same number of comma-separated fields (a value holds a comma?). Save it as tab-separated text."
        )
    if len(header.split()) > 1:
        raise WorkflowInputError(
            f"Sample sheet '{path}', line {numbered[0][0]}: the header has no tabs (columns separated by spaces?). "
            "The sheet must be tab-separated: put one tab between columns."
        )
    return "\t"


def _content_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of every line that is neither blank nor a '#' comment; no byte-order mark."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            return [
                (number, line)
                for number, line in enumerate(handle, start=1)
                if line.strip() and not line.lstrip().startswith("#")
            ]
    except (UnicodeDecodeError, EOFError, OSError) as error:
        raise WorkflowInputError(f"Sample sheet '{path}' cannot be read as UTF-8 text: {error}.") from error


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


def design_variables(design: str) -> list[str]:
    """The sample-sheet columns a formula such as ``~ batch + condition`` uses."""
    from formulaic import Formula

    return sorted(Formula(design).required_variables)


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
