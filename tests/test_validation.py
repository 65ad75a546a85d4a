"""Checks of the config and the sample sheet (resistseq.validation.check_inputs) and their effect in Snakemake.

Each bad input must give a message that names the file, the line or sample, the
config key, and what to do. Everything is built in tmp_path, with the working
directory moved there because relative paths are read from it.
"""

from __future__ import annotations

import copy
import gzip
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from resistseq.errors import WorkflowInputError
from resistseq.validation import check_inputs, load_yaml, resolve_config

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESISTSEQ_SHARED") or Path(__file__).resolve().parents[2] / "shared")
SCHEMAS = PROJECT / "config" / "schemas"
EXAMPLE = PROJECT / "example" / "data"
LABEL = "config.yaml"

CONFIG_SCHEMA = load_yaml(SCHEMAS / "config.schema.yaml")
SHEET_SCHEMA = load_yaml(SCHEMAS / "samples.schema.yaml")

ROWS = [
    ("P1", "parental", "b1"),
    ("P2", "parental", "b2"),
    ("P3", "parental", "b3"),
    ("R1", "resistant", "b1"),
    ("R2", "resistant", "b2"),
    ("R3", "resistant", "b3"),
]


def write_sheet(rows, path: str = "samples.tsv", header: str = "sample\tcondition\tbatch\tquant", preamble: str = ""):
    """A sheet whose quant column points at quant/<sample>.sf unless a row gives its own path."""
    lines = ["\t".join(row if len(row) == 4 else (*row, f"quant/{row[0]}.sf")) for row in rows]
    Path(path).write_text(preamble + header + "\n" + "\n".join(lines) + "\n")
    return path


@pytest.fixture
def config(tmp_path, monkeypatch):
    """A valid config, sheet, tiny quant files and tx2gene in tmp_path, which is the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quant").mkdir()
    for sample, *_ in ROWS:
        (tmp_path / "quant" / f"{sample}.sf").write_text("Name\tLength\tEffectiveLength\tTPM\tNumReads\n")
    (tmp_path / "tx2gene.tsv").write_text("transcript_id\tgene_id\tgene_name\nT1\tG1\tA\n")
    write_sheet(ROWS)
    return {
        "samples": "samples.tsv",
        "quantification": {"format": "salmon", "tx2gene": "tx2gene.tsv"},
        "design": "~ condition",
        "contrasts": [
            {"name": "resistant_vs_parental", "variable": "condition", "reference": "parental", "target": "resistant"}
        ],
    }


def problems(config) -> str:
    with pytest.raises(WorkflowInputError) as error:
        check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    return str(error.value)


# --- passing inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize("design", ["~ condition", "~ batch + condition"])
def test_valid_inputs_return_the_sheet_indexed_by_sample(config, design):
    config["design"] = design
    sheet = check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    assert list(sheet.index) == ["P1", "P2", "P3", "R1", "R2", "R3"]
    assert sheet.index.name == "sample"
    assert list(sheet.columns) == ["sample", "condition", "batch", "quant"]
    assert sheet.loc["R2", "quant"] == "quant/R2.sf"
    assert sheet.loc["P3", "condition"] == "parental"


def test_sheet_values_are_stripped_and_comment_lines_skipped(config):
    rows = [(f" {sample} ", f"{condition} ", batch, f"quant/{sample}.sf ") for sample, condition, batch in ROWS]
    write_sheet(rows, preamble="# BT-474 run 2016\n\n")
    sheet = check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    assert list(sheet.index) == ["P1", "P2", "P3", "R1", "R2", "R3"]
    assert sorted(set(sheet["condition"])) == ["parental", "resistant"]


def test_shipped_example_config_and_sheet_pass(monkeypatch):
    monkeypatch.chdir(PROJECT)
    sheet = check_inputs(load_yaml(PROJECT / "config" / "config.yaml"), CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    assert list(sheet.index) == ["BT474_P1", "BT474_P2", "BT474_P3", "BT474R_1", "BT474R_2", "BT474R_3"]
    assert sheet["condition"].value_counts().to_dict() == {"parental": 3, "resistant": 3}


# --- config ------------------------------------------------------------------------------------


def test_unknown_quantification_format_names_the_key(config):
    config["quantification"]["format"] = "star"
    message = problems(config)
    assert message.startswith(
        "config.yaml: key 'quantification.format': 'star' is not one of "
        "['salmon', 'kallisto', 'rsem', 'featurecounts', 'matrix']. Expected: what the sheet's quant files are"
    )


def test_unquoted_yaml_no_means_counts_from_abundance_no(config):
    config["quantification"].update(yaml.safe_load("counts_from_abundance: no"))
    check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    assert config["quantification"]["counts_from_abundance"] is False  # the checks leave the config as written
    assert resolve_config(config, CONFIG_SCHEMA)["quantification"]["counts_from_abundance"] == "no"


def test_resolved_config_has_the_schema_defaults_and_leaves_the_input_alone(config):
    written = copy.deepcopy(config)
    config["deseq2"] = {"alpha": 0.1, "prefilter": {"min_samples": 2}}
    resolved = resolve_config(config, CONFIG_SCHEMA)
    assert config == {**written, "deseq2": {"alpha": 0.1, "prefilter": {"min_samples": 2}}}
    # Set values kept, absent ones from the schema, nested blocks included.
    assert resolved["deseq2"]["alpha"] == 0.1 and resolved["deseq2"]["prefilter"] == {"min_count": 10, "min_samples": 2}
    assert resolved["deseq2"]["backend"] == "vectorised" and resolved["enrichment"]["permutations"] == 1000
    assert resolved["quantification"]["counts_from_abundance"] == "length_scaled_tpm"
    assert resolve_config(resolved, CONFIG_SCHEMA) == resolved
    # The schema's default objects are copied, not shared between resolved configs.
    resolved["qc"]["outlier_distance_ratio"] = 99
    assert resolve_config(written, CONFIG_SCHEMA)["qc"]["outlier_distance_ratio"] == 2


def test_salmon_without_tx2gene(config):
    del config["quantification"]["tx2gene"]
    assert problems(config).startswith(
        "config.yaml: key 'quantification.tx2gene' is required for format 'salmon': give a transcript → gene table"
    )


def test_genesets_entry_that_is_not_a_gmt(config):
    Path("sets.gmt").write_text("SET_A\tna\tG1\tG2\n")
    config["genesets"] = ["sets.gmt", "sets.txt"]
    assert problems(config) == (
        "config.yaml: key 'genesets[1]': 'sets.txt' must be a local .gmt file (the workflow never downloads gene sets)."
    )


def test_genesets_gmt_that_does_not_exist(config, tmp_path):
    config["genesets"] = ["hallmark.gmt"]
    assert problems(config) == (
        f"config.yaml: key 'genesets[0]': 'hallmark.gmt' does not exist "
        f"(paths are relative to the working directory {tmp_path.resolve()})."
    )


@pytest.mark.skipif(not (SHARED / "data" / "genesets").is_dir(), reason=f"shared gene sets not found at {SHARED}")
def test_real_msigdb_gmt_is_accepted_by_absolute_path(config):
    config["genesets"] = [str(SHARED / "data" / "genesets" / "h.all.v7.1.symbols.gmt")]
    assert len(check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)) == 6


# --- the sample sheet --------------------------------------------------------------------------


def test_missing_sample_sheet(config):
    config["samples"] = "missing.tsv"
    assert problems(config) == (
        "Sample sheet 'missing.tsv' does not exist. Set 'samples' in the config to a tab-separated file "
        "with columns sample, condition, quant."
    )


def test_empty_sample_sheet(config):
    Path("samples.tsv").write_text("")
    assert problems(config).startswith("Sample sheet 'samples.tsv' is empty.")


def test_sheet_without_quant_column(config):
    Path("samples.tsv").write_text("sample\tcondition\tbatch\nP1\tparental\tb1\n")
    assert problems(config) == (
        "Sample sheet 'samples.tsv': missing column(s) quant. Found columns: sample, condition, batch. "
        "The sheet must be tab-separated with a header naming at least sample, condition and quant."
    )


def test_duplicate_sample_names_both_lines(config):
    write_sheet([*ROWS, ("P2", "resistant", "b4", "quant/P2.sf")])
    assert problems(config) == (
        "samples.tsv: sample ID 'P2' appears on lines 3, 8. "
        "Sample IDs must be unique: rename or remove the duplicate rows."
    )


def test_line_numbers_count_comment_and_blank_lines(config):
    write_sheet([*ROWS[:3], ("P1", "resistant", "b4", "quant/P1.sf")], preamble="# sheet\n\n")
    # Line 1 comment, 2 blank, 3 header, 4-6 P1..P3, 7 the second P1.
    assert problems(config).startswith("samples.tsv: sample ID 'P1' appears on lines 4, 7.")


@pytest.mark.parametrize("sample", ["a b", "../x", "-x"])
def test_unsafe_sample_id_is_reported_once_with_its_line(config, sample):
    write_sheet([*ROWS, (sample, "resistant", "b4", "quant/R1.sf")])
    message = problems(config)
    assert message.startswith(f"samples.tsv, line 8 (sample '{sample}'): key 'sample': '{sample}' does not match")
    assert "safe as a file name" in message
    assert "problems with the inputs" not in message  # one problem, not the same one twice


def test_quant_file_that_does_not_exist(config, tmp_path):
    write_sheet([*ROWS[:2], ("P3", "parental", "b3", "quant/P3_missing.sf"), *ROWS[3:]])
    assert problems(config) == (
        "samples.tsv, line 4 (sample 'P3'): quant file 'quant/P3_missing.sf' does not exist "
        f"(paths are relative to the working directory {tmp_path.resolve()}). Fix the 'quant' column."
    )


def test_quant_paths_are_relative_to_the_working_directory(config, tmp_path, monkeypatch):
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    config["samples"] = "../samples.tsv"
    config["quantification"]["tx2gene"] = "../tx2gene.tsv"
    message = problems(config)
    assert message.startswith("6 problems with the inputs:\n")
    assert "../samples.tsv, line 2 (sample 'P1'): quant file 'quant/P1.sf' does not exist" in message


# --- contrasts and design ----------------------------------------------------------------------


def test_contrast_variable_not_in_sheet(config):
    config["contrasts"][0]["variable"] = "treatment"
    assert problems(config) == (
        "config.yaml: key 'contrasts[0]' ('resistant_vs_parental'): variable 'treatment' is not a column of "
        "samples.tsv (columns: sample, condition, batch, quant)."
    )


@pytest.mark.parametrize("role", ["reference", "target"])
def test_contrast_level_not_in_sheet_lists_the_levels(config, role):
    config["contrasts"][0][role] = "sensitive"
    assert problems(config) == (
        f"config.yaml: key 'contrasts[0]' ('resistant_vs_parental'): {role} level 'sensitive' does not occur "
        "in column 'condition' of samples.tsv (levels: parental, resistant)."
    )


@pytest.mark.parametrize(
    ("rows", "min_replicates", "expected"),
    [
        (ROWS[:4], None, "target level 'resistant' has 1 sample(s) in samples.tsv; at least 2 replicates"),
        (ROWS[:5], 3, "target level 'resistant' has 2 sample(s) in samples.tsv; at least 3 replicates"),
    ],
)
def test_too_few_replicates_in_a_compared_group(config, rows, min_replicates, expected):
    write_sheet(rows)
    if min_replicates:
        config["deseq2"] = {"min_replicates": min_replicates}
    assert problems(config) == (
        f"config.yaml: key 'contrasts[0]' ('resistant_vs_parental'): {expected} per compared group are needed."
    )


def test_design_uses_a_column_the_sheet_lacks(config):
    config["design"] = "~ donor + condition"
    assert problems(config) == (
        "config.yaml: key 'design': formula '~ donor + condition' uses column(s) donor that samples.tsv does "
        "not have. Add the column(s) to the sample sheet or change the design."
    )


def test_design_confounded_with_condition_is_not_full_rank(config):
    write_sheet([(sample, condition, "b1" if condition == "parental" else "b2") for sample, condition, _ in ROWS])
    config["design"] = "~ batch + condition"
    assert problems(config).startswith(
        "config.yaml: key 'design': formula '~ batch + condition' is not full rank on samples.tsv "
        "(3 coefficients, rank 2): a covariate is confounded with another"
    )


def test_design_column_empty_for_a_sample(config):
    write_sheet([*ROWS[:3], ("R1", "resistant", ""), *ROWS[4:]])
    config["design"] = "~ batch + condition"
    assert problems(config) == (
        "samples.tsv, line 5 (sample 'R1'): column 'batch' is empty but the design '~ batch + condition' uses it. "
        "Fill it in."
    )


# --- sample sheet hygiene ----------------------------------------------------------------------


def test_sheet_with_bom_windows_line_endings_and_stray_spaces_reads_as_meant(config):
    lines = ["sample \t condition\tbatch\tquant"] + [f"{s} \t {c}\t{b}\tquant/{s}.sf " for s, c, b in ROWS]
    Path("samples.tsv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    sheet = check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    assert list(sheet.columns) == ["sample", "condition", "batch", "quant"]
    assert list(sheet["sample"]) == ["P1", "P2", "P3", "R1", "R2", "R3"]
    assert sheet.loc["R3", "quant"] == "quant/R3.sf"
    assert sheet.loc["P1", "condition"] == "parental"


def test_comma_separated_sheet_is_read_as_csv(config):
    lines = ["sample,condition,batch,quant"] + [f"{s},{c},{b},quant/{s}.sf" for s, c, b in ROWS]
    Path("samples.tsv").write_text("\n".join(lines) + "\n")
    sheet = check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    assert sheet.loc["R2"].to_dict() == {
        "sample": "R2",
        "condition": "resistant",
        "batch": "b2",
        "quant": "quant/R2.sf",
    }


def test_comma_sheet_with_uneven_fields_says_it_is_not_tab_separated(config):
    lines = ["sample,condition,quant"] + [f"{s},{c},quant/{s}.sf" for s, c, _ in ROWS]
    lines[2] = "P2,parental,quant/P2.sf,extra"
    Path("samples.tsv").write_text("\n".join(lines) + "\n")
    assert problems(config).startswith(
        "Sample sheet 'samples.tsv' is not tab-separated: it uses commas, but its lines do not all have the "
        "same number of comma-separated fields"
    )


def test_space_separated_sheet_is_an_error_naming_the_line(config):
    Path("samples.tsv").write_text("sample condition quant\nP1 parental quant/P1.sf\n")
    assert problems(config) == (
        "Sample sheet 'samples.tsv', line 1: the header has no tabs (columns separated by spaces?). "
        "The sheet must be tab-separated: put one tab between columns."
    )


def test_duplicate_column_names_are_an_error_naming_them_and_the_file(config):
    write_sheet(
        [(s, c, c, f"quant/{s}.sf") for s, c, _ in ROWS], header="sample\tcondition\tcondition\tquant", preamble="# x\n"
    )
    assert problems(config) == (
        "Sample sheet 'samples.tsv', line 2: column name(s) 'condition' appear more than once in the header. "
        "Each column needs its own name: rename or remove the duplicate column(s)."
    )


# --- count matrix ------------------------------------------------------------------------------


def test_matrix_without_a_column_for_a_sample(config):
    with gzip.open("counts.tsv.gz", "wt") as handle:
        handle.write("gene_id\tP1\tP2\tR1\tR2\tR3\nG1\t1\t2\t3\t4\t5\n")
    write_sheet([(sample, condition, batch, "counts.tsv.gz") for sample, condition, batch in ROWS])
    config["quantification"] = {"format": "matrix"}
    assert problems(config) == (
        "samples.tsv: sample 'P3' has no column in count matrix 'counts.tsv.gz' "
        "(its columns: P1, P2, R1, R2, R3). Rename the column or the sample."
    )


def test_r_write_table_matrix_passes_and_a_missing_symbol_column_is_named(config):
    header = "\t".join(f'"{sample}"' for sample, *_ in ROWS)
    Path("counts.txt").write_text(header + '\n"ENSG00000141736"\t1\t2\t3\t4\t5\t6\n')
    write_sheet([(sample, condition, batch, "counts.txt") for sample, condition, batch in ROWS])
    config["quantification"] = {"format": "matrix"}
    assert list(check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL).index) == [s for s, *_ in ROWS]
    config["quantification"]["gene_name_column"] = "symbol"
    assert problems(config) == (
        "Count matrix 'counts.txt' has no column 'symbol' (quantification.gene_name_column); its columns: "
        "P1, P2, P3, R1, R2, R3. Set the key to the column that holds the gene symbols."
    )


@pytest.fixture
def pasilla():
    folder = SHARED / "data" / "pasilla"
    if not (folder / "pasilla_gene_counts.tsv").is_file():
        pytest.skip(f"shared pasilla data not found at {folder}")
    annotation = pd.read_csv(folder / "pasilla_sample_annotation.csv")
    return folder / "pasilla_gene_counts.tsv", annotation


def pasilla_sheet(annotation, matrix, suffix: str) -> None:
    lines = ["sample\tcondition\ttype\tquant"]
    for file, condition, kind in zip(annotation["file"], annotation["condition"], annotation["type"], strict=True):
        sample = file.removesuffix("fb") + suffix
        lines.append(f"{sample}\t{condition}\t{kind}\t{matrix}")
    Path("samples.tsv").write_text("\n".join(lines) + "\n")


def test_real_pasilla_matrix_two_factor_design_passes(config, pasilla):
    matrix, annotation = pasilla
    pasilla_sheet(annotation, matrix, suffix="")
    config["quantification"] = {"format": "matrix"}
    config["design"] = "~ type + condition"
    config["contrasts"][0].update(name="treated_vs_untreated", reference="untreated", target="treated")
    sheet = check_inputs(config, CONFIG_SCHEMA, SHEET_SCHEMA, LABEL)
    assert sorted(sheet.index) == [
        "treated1",
        "treated2",
        "treated3",
        "untreated1",
        "untreated2",
        "untreated3",
        "untreated4",
    ]


def test_real_pasilla_annotation_names_do_not_match_matrix_columns(config, pasilla):
    """The annotation's 'treated1fb' is the matrix's 'treated1': every sample is reported."""
    matrix, annotation = pasilla
    pasilla_sheet(annotation, matrix, suffix="fb")
    config["quantification"] = {"format": "matrix"}
    config["contrasts"][0].update(reference="untreated", target="treated")
    message = problems(config)
    assert message.startswith("7 problems with the inputs:\n")
    assert (
        f"samples.tsv: sample 'treated1fb' has no column in count matrix '{matrix}' (its columns: untreated1, "
        "untreated2, untreated3, untreated4, treated1, treated2, treated3). Rename the column or the sample."
    ) in message


# --- several problems at once ------------------------------------------------------------------


def test_several_problems_are_reported_together(config, tmp_path):
    write_sheet([*ROWS[:5], ("R3", "resistant", "b3", "quant/R3_missing.sf")])
    config["contrasts"][0]["reference"] = "sensitive"
    config["genesets"] = ["sets.txt"]
    message = problems(config)
    assert message.splitlines() == [
        "3 problems with the inputs:",
        "  - config.yaml: key 'contrasts[0]' ('resistant_vs_parental'): reference level 'sensitive' does not "
        "occur in column 'condition' of samples.tsv (levels: parental, resistant).",
        "  - samples.tsv, line 7 (sample 'R3'): quant file 'quant/R3_missing.sf' does not exist "
        f"(paths are relative to the working directory {tmp_path.resolve()}). Fix the 'quant' column.",
        "  - config.yaml: key 'genesets[0]': 'sets.txt' must be a local .gmt file "
        "(the workflow never downloads gene sets).",
    ]


# --- Snakemake ---------------------------------------------------------------------------------


def dry_run(workdir: Path, rows: list[str]) -> subprocess.CompletedProcess:
    """`snakemake -n` of the project's workflow from ``workdir`` on the example with the given sheet rows."""
    config = load_yaml(PROJECT / "config" / "config.yaml")
    config["samples"] = "samples.tsv"
    config["quantification"]["tx2gene"] = str(EXAMPLE / "tx2gene.tsv")
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (workdir / "samples.tsv").write_text("sample\tcondition\tbatch\tquant\n" + "".join(f"{row}\n" for row in rows))
    env = {key: value for key, value in os.environ.items() if not key.startswith("SNAKEMAKE_")}
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "-n",
        "--snakefile",
        str(PROJECT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--cores",
        "1",
        "--workflow-profile",
        "none",
    ]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


EXAMPLE_ROWS = [
    f"{sample}\t{condition}\t{batch}\t{EXAMPLE / sample / 'quant.sf.gz'}"
    for sample, condition, batch in [
        ("BT474_P1", "parental", "b1"),
        ("BT474_P2", "parental", "b2"),
        ("BT474_P3", "parental", "b3"),
        ("BT474R_1", "resistant", "b1"),
        ("BT474R_2", "resistant", "b2"),
        ("BT474R_3", "resistant", "b3"),
    ]
]


@pytest.mark.workflow
def test_snakemake_dry_run_stops_on_a_duplicated_sample(tmp_path):
    completed = dry_run(tmp_path, [*EXAMPLE_ROWS, EXAMPLE_ROWS[1]])
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    assert "Invalid input, nothing was run." in output
    assert "samples.tsv: sample ID 'BT474_P2' appears on lines 3, 8." in output
    assert not (tmp_path / "results").exists()


@pytest.mark.workflow
def test_snakemake_dry_run_accepts_the_same_sheet_without_the_duplicate(tmp_path):
    completed = dry_run(tmp_path, EXAMPLE_ROWS)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert "import_quantifications" in output
    assert "Invalid input" not in output
    assert not (tmp_path / "results").exists()
