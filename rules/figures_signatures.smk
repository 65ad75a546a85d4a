# Figures of the signature-score, PAM50 and hypothesis tables (issue 4). Not included in the Snakefile
# yet: after merging issue 4, add `include: "rules/figures_signatures.smk"` after rules/figures.smk and
# add get_signature_figure_outputs() to get_final_output(). The main figure then gains its panel F
# (signature scores) through the rule below, which takes precedence over plot_main_figure.
# The report sorts categories by name; to put the hypothesis tables first, register them (in issue 4's
# rules) with category "Hypothesis" and rename the others if needed, or use a leading "0." in the name.


def get_signature_figure_outputs():
    names = ["signature_scores_ssgsea", "signature_scores_zscore", "pam50"]
    return [
        f"results/figures/{name}.{suffix}"
        for name in names
        for suffix in ("pdf", "svg", "png")
    ]


rule plot_signature_scores:
    input:
        scores="results/signatures/scores.tsv",
    output:
        pdf="results/figures/signature_scores_{method}.pdf",
        svg=report(
            "results/figures/signature_scores_{method}.svg",
            caption="../report/signature_scores.rst",
            category="Hypothesis",
            subcategory="Signatures",
        ),
        png="results/figures/signature_scores_{method}.png",
    log:
        "logs/figures/plot_signature_scores_{method}.log",
    wildcard_constraints:
        method="ssgsea|zscore",
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
    script:
        "../scripts/plot_signature_scores.py"


rule plot_pam50:
    input:
        pam50="results/subtype/pam50.tsv",
    output:
        pdf="results/figures/pam50.pdf",
        svg=report(
            "results/figures/pam50.svg",
            caption="../report/pam50.rst",
            category="Hypothesis",
            subcategory="Subtype",
        ),
        png="results/figures/pam50.png",
    log:
        "logs/figures/plot_pam50.log",
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
    script:
        "../scripts/plot_pam50.py"


use rule plot_main_figure as plot_main_figure_with_scores with:
    input:
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
        outliers="results/qc/sample_outliers.tsv",
        de="results/de/{contrast}/deseq2.tsv",
        running="results/enrichment/{contrast}/running_scores.tsv",
        table="results/enrichment/{contrast}/gsea.tsv",
        scores="results/signatures/scores.tsv",
    log:
        "logs/figures/{contrast}/plot_main_figure_with_scores.log",


ruleorder: plot_main_figure_with_scores > plot_main_figure
