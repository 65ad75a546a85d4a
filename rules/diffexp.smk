rule normalise_counts:
    input:
        counts="results/counts/gene_counts.tsv",
        sheet=config["samples"],
    output:
        normalised="results/counts/normalised_counts.tsv",
        vst="results/counts/vst.tsv",
        size_factors="results/counts/size_factors.tsv",
    log:
        "logs/counts/normalise_counts.log",
    benchmark:
        "benchmarks/counts/normalise_counts.tsv"
    priority: HYPOTHESIS_PATH_PRIORITY
    conda:
        "../envs/deseq2.yaml"
    threads: DE_THREADS
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=60,
    params:
        design=config["design"],
        deseq2=deseq2_params(VSTSettings),
        code=get_code_version("normalise_counts.py"),
    script:
        "../scripts/normalise_counts.py"


rule run_deseq2:
    input:
        counts="results/counts/gene_counts.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
    output:
        table=report(
            "results/de/{contrast}/deseq2.tsv",
            caption="../report/deseq2_table.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        dispersions="results/de/{contrast}/dispersions.tsv",
        summary="results/de/{contrast}/summary.json",
    log:
        "logs/de/{contrast}/run_deseq2.log",
    benchmark:
        "benchmarks/de/{contrast}/run_deseq2.tsv"
    priority: HYPOTHESIS_PATH_PRIORITY
    conda:
        "../envs/deseq2.yaml"
    threads: DE_THREADS
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=120,
    params:
        contrast=get_contrast,
        design=config["design"],
        deseq2=deseq2_params(DESettings),
        code=get_code_version("run_deseq2.py"),
    script:
        "../scripts/run_deseq2.py"
