import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

WORKFLOW_DIR = Path(workflow.basedir)
sys.path.insert(0, str(WORKFLOW_DIR / "scripts"))

from resistseq.codeversion import code_version
from resistseq.contrasts import group_variable, has_direction, is_pairwise
from resistseq.deseq import DESettings, VSTSettings
from resistseq.errors import WorkflowInputError
from resistseq.genesets import display_path
from resistseq.inputcheck import check_quantifications
from resistseq.overlap import overlap_groups
from resistseq.geneids import table_path
from resistseq.hypothesis import (
    check_hypothesis_genesets,
    declared_names,
    hypotheses_path,
    load_hypotheses,
)
from resistseq.validation import check_inputs, load_yaml, resolve_config

BUNDLED_GENESETS = WORKFLOW_DIR / "resources" / "genesets"
GENEID_TABLES = WORKFLOW_DIR / "resources" / "geneids"
PAM50_CENTROIDS = str(WORKFLOW_DIR / "resources" / "pam50" / "centroids.tsv")
# Vega, Vega-Lite and Vega-Embed for the interactive plot pages (resources/vega/README.md).
VEGA_BUNDLE = str(WORKFLOW_DIR / "resources" / "vega" / "vega_bundle.js")
CONFIG_LABEL = (
    ", ".join(str(path) for path in workflow.overwrite_configfiles)
    if workflow.overwrite_configfiles
    else "config/config.yaml"
)

CONFIG_SCHEMA = load_yaml(WORKFLOW_DIR / "config" / "schemas" / "config.schema.yaml")

try:
    samples = check_inputs(
        config,
        CONFIG_SCHEMA,
        load_yaml(WORKFLOW_DIR / "config" / "schemas" / "samples.schema.yaml"),
        CONFIG_LABEL,
    )
    # From here on all rules read the resolved config, with the schema's defaults filled in once
    # (the schema is their only home) and YAML's `no` read back as "no".
    config.update(resolve_config(config, CONFIG_SCHEMA))
    # Every quant file's content, before any job can delete an earlier result. Cluster jobs re-parse
    # this file: the main process has checked the inputs already.
    if workflow.is_main_process:
        check_quantifications(config, samples, CONFIG_LABEL)
except WorkflowInputError as error:
    raise WorkflowError(f"Invalid input, nothing was run.\n{error}") from None

CONTRASTS = {contrast["name"]: contrast for contrast in config["contrasts"]}
# LRTs and equivalence (lessAbs) tests have no direction: no GSEA, ORA, volcano or MA for them;
# the hypothesis table also needs a target and a reference group.
RANKED_CONTRASTS = [name for name, entry in CONTRASTS.items() if has_direction(entry)]
HYPOTHESIS_CONTRASTS = [
    name for name in RANKED_CONTRASTS if is_pairwise(CONTRASTS[name])
]
# The per-sample signature scores (results/signatures/scores.tsv) of each method, one figure each.
SIGNATURE_METHODS = ["ssgsea", "zscore"]
# Two or more contrasts against the same reference: shared and line-specific changes.
OVERLAP_GROUPS = overlap_groups(config["contrasts"])


# Light steps (a few seconds, < 300 MB each) run in the main Snakemake process, not as cluster jobs.
localrules:
    all,
    compute_sample_qc,
    run_ora,
    call_pam50,
    write_methods,
    plot_pca_figures,
    plot_qc_figures,
    plot_geneset_heatmaps,
    plot_de_figures,
    plot_gene_counts,
    plot_ranked_figures,
    plot_main_figure,
    plot_signature_scores,
    plot_subtype_figures,
    compare_contrasts,
    plot_overlap,
    write_interactive_de_pages,


wildcard_constraints:
    contrast="|".join(re.escape(name) for name in CONTRASTS),
    group="|".join(re.escape(name) for name in OVERLAP_GROUPS) or "(?!)",


# The hypothesis audit is the longest job after DE: it and the jobs it waits for go first, so the
# figure jobs fill the other core while it runs instead of leaving it to run alone at the end.
HYPOTHESIS_PATH_PRIORITY = 10

# The vectorised backend fits all genes at once: a second BLAS thread gave at most 1.08x (bench/de_benchmark.py,
# 6 x 60k and 100 x 20k) and would keep the other core from the next job. PyDESeq2's own backend fits genes in
# parallel on n_cpus.
DE_THREADS = 1 if config["deseq2"]["backend"] == "vectorised" else 4


def deseq2_params(settings_class):
    """The resolved config's deseq2 keys a settings class reads; a change to any other key leaves the rule's results current."""
    return {key: config["deseq2"][key] for key in settings_class.CONFIG_KEYS}


def get_code_version(script):
    """Digest of the package modules that a script imports; editing one reruns the jobs using it."""
    return code_version(WORKFLOW_DIR / "scripts" / script)


def get_quant_files():
    return list(dict.fromkeys(samples["quant"]))


def get_quant_paths():
    return dict(zip(samples["sample"], samples["quant"]))


def get_annotation_inputs(wildcards):
    quantification = config["quantification"]
    return {
        key: quantification[key]
        for key in ("tx2gene", "gene_annotation")
        if quantification[key]
    }


def get_geneid_table(wildcards=None):
    """The offline gene ID table of quantification.organism, as a named input ({} for 'none')."""
    path = table_path(GENEID_TABLES, config["quantification"]["organism"])
    return {"geneid_table": path} if path else {}


def get_contrast(wildcards):
    return CONTRASTS[wildcards.contrast]


def get_geneset_files():
    bundled = (
        sorted(str(path) for path in BUNDLED_GENESETS.glob("*.gmt"))
        if config["enrichment"]["bundled_genesets"]
        else []
    )
    return bundled + list(config["genesets"])


def get_geneset_labels():
    """Bundled files as 'resources/genesets/x.gmt', the same on every machine; user files as given."""
    return [display_path(path, WORKFLOW_DIR) for path in get_geneset_files()]


def get_group_levels():
    """Colour order for groups: the first pairwise contrast's reference, then its target, then the rest."""
    variable = group_variable(config["contrasts"], config["design"])
    pairwise = [entry for entry in config["contrasts"] if is_pairwise(entry)]
    levels = [pairwise[0]["reference"], pairwise[0]["target"]] if pairwise else []
    levels += sorted(set(samples[variable]) - set(levels))
    return {"variable": variable, "levels": levels}


def get_final_output():
    outputs = [
        "results/counts/gene_counts.tsv",
        "results/counts/normalised_counts.tsv",
        "results/counts/vst.tsv",
        "results/figures/pca.pdf",
        "results/figures/marker_heatmap.pdf",
        "results/signatures/scores.tsv",
        "results/subtype/pam50.tsv",
    ]
    outputs += [f"results/de/{name}/deseq2.tsv" for name in CONTRASTS]
    for name in RANKED_CONTRASTS:
        outputs += [
            f"results/enrichment/{name}/gsea.tsv",
            f"results/figures/{name}/volcano.pdf",
            f"results/figures/{name}/ma.pdf",
            f"results/figures/{name}/gsea_running_scores.pdf",
            f"results/enrichment/{name}/ora.tsv",
        ]
    for name in HYPOTHESIS_CONTRASTS:
        outputs += [
            f"results/hypothesis/{name}.tsv",
            f"results/hypothesis/{name}.audit.tsv",
            f"results/hypothesis/{name}.md",
            f"results/hypothesis/{name}.html",
        ]
    outputs += [f"results/overlap/{group}/genes.tsv" for group in OVERLAP_GROUPS]
    outputs += get_figure_outputs() + get_interactive_outputs()
    return outputs


def get_interactive_outputs():
    """Offline interactive pages (rules/interactive.smk), the diagnostics figures (figure_files) and tables."""
    figures = ["qc/pca_scree", "qc/pc_associations"]
    outputs = ["results/interactive/pca.html", "results/qc/pc_associations.tsv"]
    for contrast in CONTRASTS:
        figures += [f"{contrast}/pvalue_histogram", f"{contrast}/gene_counts"]
        outputs.append(f"results/qc/{contrast}/independent_filtering.tsv")
    # The pages show GSEA and a direction: none for LRT or lessAbs contrasts.
    for contrast in RANKED_CONTRASTS:
        outputs += [
            f"results/interactive/{contrast}/{page}.html"
            for page in ("deseq2", "gsea", "volcano", "ma")
        ]
    return outputs + figure_files(figures)


def figure_files(names):
    """Every file of each figure: PDF, SVG, PNG and the source data (the numbers behind its panels)."""
    return [
        f"results/figures/{name}.{suffix}"
        for name in names
        for suffix in ("pdf", "svg", "png", "source_data.tsv")
    ]


def figure_output(name, caption, category, subcategory, key=None):
    """Named outputs of one figure: figure_files' four files, the SVG and the source data in the report.

    Keys pdf, svg, png, source_data, prefixed '{key}_' when a job draws several figures.
    """
    prefix = f"{key}_" if key else ""
    path = f"results/figures/{name}"
    return {
        f"{prefix}pdf": f"{path}.pdf",
        f"{prefix}svg": report(
            f"{path}.svg", caption=caption, category=category, subcategory=subcategory
        ),
        f"{prefix}png": f"{path}.png",
        f"{prefix}source_data": report(
            f"{path}.source_data.tsv",
            caption="../report/source_data.rst",
            category=category,
            subcategory=subcategory,
        ),
    }


def get_geneset_heatmap_outputs():
    """One heatmap per set of enrichment.plot_sets, drawn by one job: figure_output keys prefixed by the set name."""
    outputs = {}
    for name in config["enrichment"]["plot_sets"]:
        outputs |= figure_output(
            f"genesets/{name}",
            caption="../report/geneset_heatmap.rst",
            category="3. Differential expression",
            subcategory="Gene sets",
            key=name,
        )
    return outputs


def get_signature_score_outputs():
    """One figure per scoring method of rules/signatures.smk, drawn by one job: figure_output keys prefixed by the method."""
    outputs = {}
    for method in SIGNATURE_METHODS:
        outputs |= figure_output(
            f"signature_scores_{method}",
            caption="../report/signature_scores.rst",
            category="1. Hypothesis",
            subcategory="Signatures",
            key=method,
        )
    return outputs


def get_figure_outputs():
    """QC and result figures (figure_files: PDF, SVG, PNG, source data), the outlier table and the methods text."""
    names = [
        "pca",
        "marker_heatmap",
        "qc/library_sizes",
        "qc/count_distributions",
        "qc/size_factors",
        "qc/sample_distances",
        "pam50",
    ]
    names += [f"signature_scores_{method}" for method in SIGNATURE_METHODS]
    names += [f"genesets/{name}" for name in config["enrichment"]["plot_sets"]]
    names += [f"overlap/{group}/upset" for group in OVERLAP_GROUPS]
    for contrast in CONTRASTS:
        names += [
            f"{contrast}/{figure}" for figure in ("dispersions", "top_de_heatmap")
        ]
    for contrast in RANKED_CONTRASTS:
        names += [
            f"{contrast}/{figure}"
            for figure in (
                "volcano",
                "ma",
                "gsea_running_scores",
                "enrichment_dots",
                "main_figure",
            )
        ]
    return figure_files(names) + [
        "results/qc/sample_outliers.tsv",
        "results/methods.md",
    ]


def get_hypotheses():
    """The hypotheses file (path, label as on every machine) and its validated declaration."""
    path = hypotheses_path(config["hypotheses"], WORKFLOW_DIR)
    label = display_path(path, WORKFLOW_DIR)
    schema = load_yaml(WORKFLOW_DIR / "config" / "schemas" / "hypotheses.schema.yaml")
    declaration = load_hypotheses(path, label, schema)
    check_hypothesis_genesets(
        declaration, label, get_geneset_files(), get_geneset_labels()
    )
    return str(path.resolve()), label, declaration


try:
    HYPOTHESES_FILE, HYPOTHESES_LABEL, HYPOTHESES = get_hypotheses()
except WorkflowInputError as error:
    raise WorkflowError(f"Invalid input, nothing was run.\n{error}") from None
