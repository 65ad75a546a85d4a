from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/quantification.smk"
include: "rules/diffexp.smk"
include: "rules/enrichment.smk"
include: "rules/figures.smk"
include: "rules/figures_signatures.smk"
include: "rules/signatures.smk"
include: "rules/hypothesis.smk"
include: "rules/overlap.smk"
include: "rules/qc.smk"
include: "rules/interactive.smk"
include: "rules/report.smk"
include: "rules/provenance.smk"


rule all:
    input:
        get_final_output(),
