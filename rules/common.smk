import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

WORKFLOW_DIR = Path(workflow.basedir)
sys.path.insert(0, str(WORKFLOW_DIR / "scripts"))

from resistseq.errors import WorkflowInputError
from resistseq.genesets import display_path
from resistseq.validation import check_inputs, load_yaml

BUNDLED_GENESETS = WORKFLOW_DIR / "resources" / "genesets"
CONFIG_LABEL = (
    ", ".join(str(path) for path in workflow.overwrite_configfiles)
    if workflow.overwrite_configfiles
    else "config/config.yaml"
)

try:
    samples = check_inputs(
        config,
        load_yaml(WORKFLOW_DIR / "config" / "schemas" / "config.schema.yaml"),
        load_yaml(WORKFLOW_DIR / "config" / "schemas" / "samples.schema.yaml"),
        CONFIG_LABEL,
    )
except WorkflowInputError as error:
    raise WorkflowError(f"Invalid input, nothing was run.\n{error}") from None

# Fill in the schema's defaults; check_inputs has already reported any violation.
validate(config, "../config/schemas/config.schema.yaml")

CONTRASTS = {contrast["name"]: contrast for contrast in config["contrasts"]}


# Light steps (a few seconds, < 300 MB each) run in the main Snakemake process, not as cluster jobs.
localrules:
    all,
    plot_pca,
    plot_marker_heatmap,
    plot_volcano,
    plot_ma,
    plot_gsea_running_scores,


wildcard_constraints:
    contrast="|".join(re.escape(name) for name in CONTRASTS),


def get_quant_files():
    return list(dict.fromkeys(samples["quant"]))


def get_quant_paths():
    return dict(zip(samples["sample"], samples["quant"]))


def get_annotation_inputs(wildcards):
    quantification = config["quantification"]
    return {
        key: quantification[key]
        for key in ("tx2gene", "gene_annotation")
        if quantification.get(key)
    }


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
    """Colour order for groups: the first contrast's reference, then its target, then the rest."""
    first = config["contrasts"][0]
    variable = first["variable"]
    levels = [first["reference"], first["target"]]
    levels += sorted(set(samples[variable]) - set(levels))
    return {"variable": variable, "levels": levels}


def get_final_output():
    outputs = [
        "results/counts/gene_counts.tsv",
        "results/counts/normalised_counts.tsv",
        "results/counts/vst.tsv",
        "results/figures/pca.pdf",
        "results/figures/marker_heatmap.pdf",
    ]
    for name in CONTRASTS:
        outputs += [
            f"results/de/{name}/deseq2.tsv",
            f"results/enrichment/{name}/gsea.tsv",
            f"results/figures/{name}/volcano.pdf",
            f"results/figures/{name}/ma.pdf",
            f"results/figures/{name}/gsea_running_scores.pdf",
        ]
    return outputs
