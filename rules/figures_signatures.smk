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


rule plot_pam50:
    input:
        pam50="results/subtype/pam50.tsv",
    output:
        pdf="results/figures/pam50.pdf",
        svg=report(
            "results/figures/pam50.svg",
            caption="../report/pam50.rst",
            category="1. Hypothesis",
            subcategory="Subtype",
        ),
        png="results/figures/pam50.png",
        source_data=report(
            "results/figures/pam50.source_data.tsv",
            caption="../report/source_data.rst",
            category="1. Hypothesis",
            subcategory="Subtype",
        ),
    log:
        "logs/figures/plot_pam50.log",
    benchmark:
        "benchmarks/figures/plot_pam50.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        code=get_code_version("plot_pam50.py"),
    script:
        "../scripts/plot_pam50.py"
