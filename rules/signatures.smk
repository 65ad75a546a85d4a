rule score_signatures:
    input:
        unpack(get_geneid_table),
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
        genesets=get_geneset_files(),
    output:
        scores="results/signatures/scores.tsv",
        coverage="results/signatures/geneset_coverage.tsv",
    log:
        "logs/signatures/score_signatures.log",
    benchmark:
        "benchmarks/signatures/score_signatures.tsv"
    priority: HYPOTHESIS_PATH_PRIORITY
    conda:
        "../envs/enrichment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        variable=get_group_levels()["variable"],
        seed=config["enrichment"]["seed"],
        ssgsea_weight=config["signatures"]["ssgsea_weight"],
        min_size=config["enrichment"]["min_size"],
        max_size=config["enrichment"]["max_size"],
        min_coverage=config["enrichment"]["min_coverage"],
        geneset_labels=get_geneset_labels(),
        code=get_code_version("score_signatures.py"),
    script:
        "../scripts/score_signatures.py"


rule call_pam50:
    input:
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
        centroids=PAM50_CENTROIDS,
    output:
        table="results/subtype/pam50.tsv",
    log:
        "logs/subtype/call_pam50.log",
    benchmark:
        "benchmarks/subtype/call_pam50.tsv"
    priority: HYPOTHESIS_PATH_PRIORITY
    conda:
        "../envs/enrichment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        variable=get_group_levels()["variable"],
        include_normal=config["subtype"]["include_normal"],
        min_genes=config["subtype"]["min_genes"],
        code=get_code_version("call_pam50.py"),
    script:
        "../scripts/call_pam50.py"
