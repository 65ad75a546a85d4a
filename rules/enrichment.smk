rule run_gsea:
    input:
        unpack(get_geneid_table),
        de="results/de/{contrast}/deseq2.tsv",
        genesets=get_geneset_files(),
    output:
        table=report(
            "results/enrichment/{contrast}/gsea.tsv",
            caption="../report/gsea_table.rst",
            category="4. Enrichment",
            subcategory="{contrast}",
        ),
        coverage="results/enrichment/{contrast}/geneset_coverage.tsv",
        ranking="results/enrichment/{contrast}/ranking.tsv",
        collapsed="results/enrichment/{contrast}/collapsed_duplicates.tsv",
        running="results/enrichment/{contrast}/running_scores.tsv",
        settings="results/enrichment/{contrast}/gsea_settings.json",
    log:
        "logs/enrichment/{contrast}/run_gsea.log",
    benchmark:
        "benchmarks/enrichment/{contrast}/run_gsea.tsv"
    priority: HYPOTHESIS_PATH_PRIORITY
    conda:
        "../envs/enrichment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=60,
    params:
        seed=config["enrichment"]["seed"],
        method=config["enrichment"]["method"],
        pvalue_floor=config["enrichment"]["pvalue_floor"],
        permutations=config["enrichment"]["permutations"],
        min_size=config["enrichment"]["min_size"],
        max_size=config["enrichment"]["max_size"],
        min_coverage=config["enrichment"]["min_coverage"],
        plot_sets=config["enrichment"]["plot_sets"],
        geneset_labels=get_geneset_labels(),
        code=get_code_version("run_gsea.py"),
    script:
        "../scripts/run_gsea.py"


rule run_ora:
    input:
        unpack(get_geneid_table),
        de="results/de/{contrast}/deseq2.tsv",
        genesets=get_geneset_files(),
    output:
        table="results/enrichment/{contrast}/ora.tsv",
    log:
        "logs/enrichment/{contrast}/run_ora.log",
    benchmark:
        "benchmarks/enrichment/{contrast}/run_ora.tsv"
    conda:
        "../envs/enrichment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=30,
    params:
        alpha=config["deseq2"]["alpha"],
        lfc_threshold=config["deseq2"]["lfc_threshold"],
        min_size=config["enrichment"]["min_size"],
        max_size=config["enrichment"]["max_size"],
        min_coverage=config["enrichment"]["min_coverage"],
        geneset_labels=get_geneset_labels(),
        code=get_code_version("run_ora.py"),
    script:
        "../scripts/run_ora.py"
