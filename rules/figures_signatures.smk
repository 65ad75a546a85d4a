# Figures of the per-sample signature scores and PAM50 calls (results/signatures, results/subtype).


rule plot_signature_scores:
    input:
        scores="results/signatures/scores.tsv",
    output:
        **get_signature_score_outputs(),
    log:
        "logs/figures/plot_signature_scores.log",
    benchmark:
        "benchmarks/figures/plot_signature_scores.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        methods=SIGNATURE_METHODS,
        score_sets=config["figures"]["signature_sets"],
        plot_sets=config["enrichment"]["plot_sets"],
        code=get_code_version("plot_signature_scores.py"),
    script:
        "../scripts/plot_signature_scores.py"


rule plot_subtype_figures:
    input:
        pam50="results/subtype/pam50.tsv",
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
    output:
        **figure_output(
            "pam50",
            caption="../report/pam50.rst",
            category="1. Hypothesis",
            subcategory="Subtype",
            key="pam50",
        ),
        **figure_output(
            "marker_heatmap",
            caption="../report/marker_heatmap.rst",
            category="3. Differential expression",
            subcategory="Gene sets",
            key="marker_heatmap",
        ),
    log:
        "logs/figures/plot_subtype_figures.log",
    benchmark:
        "benchmarks/figures/plot_subtype_figures.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        marker_genes=config["figures"]["marker_genes"],
        code=get_code_version("plot_subtype_figures.py"),
    script:
        "../scripts/plot_subtype_figures.py"
