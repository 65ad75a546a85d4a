from snakemake import __version__ as SNAKEMAKE_VERSION


rule write_methods:
    input:
        unpack(get_geneid_table),
        sheet=config["samples"],
        de=expand("results/de/{contrast}/deseq2.tsv", contrast=CONTRASTS),
        de_summaries=expand("results/de/{contrast}/summary.json", contrast=CONTRASTS),
        settings=expand(
            "results/enrichment/{contrast}/gsea_settings.json",
            contrast=RANKED_CONTRASTS,
        ),
        gsea=expand("results/enrichment/{contrast}/gsea.tsv", contrast=RANKED_CONTRASTS),
        genesets=get_geneset_files(),
        annotation="results/counts/gene_annotation.tsv",
        coverage=expand(
            "results/enrichment/{contrast}/geneset_coverage.tsv",
            contrast=RANKED_CONTRASTS,
        ),
        hypotheses=HYPOTHESES_FILE,
    output:
        methods="results/methods.md",
    log:
        "logs/write_methods.log",
    benchmark:
        "benchmarks/write_methods.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        snakemake_version=SNAKEMAKE_VERSION,
        quantification=config["quantification"],
        design=config["design"],
        contrasts=config["contrasts"],
        ranked_contrasts=RANKED_CONTRASTS,
        deseq2=config["deseq2"],
        enrichment=config["enrichment"],
        geneset_labels=get_geneset_labels(),
        outlier_ratio=config["qc"]["outlier_distance_ratio"],
        gsea_fdr=HYPOTHESES["thresholds"]["fdr"],
        hypotheses_label=HYPOTHESES_LABEL,
        declaration=HYPOTHESES,
        code=get_code_version("write_methods.py"),
    script:
        "../scripts/write_methods.py"
