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
    conda:
        "../envs/deseq2.yaml"
    threads: 4
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=60,
    params:
        design=config["design"],
        blind=config["deseq2"]["vst_blind"],
        backend=config["deseq2"]["backend"],
        r_compatible=config["deseq2"]["r_compatible"],
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
    log:
        "logs/de/{contrast}/run_deseq2.log",
    benchmark:
        "benchmarks/de/{contrast}/run_deseq2.tsv"
    conda:
        "../envs/deseq2.yaml"
    threads: 4
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=120,
    params:
        contrast=get_contrast,
        design=config["design"],
        alpha=config["deseq2"]["alpha"],
        cooks_filter=config["deseq2"]["cooks_filter"],
        independent_filter=config["deseq2"]["independent_filter"],
        shrink_lfc=config["deseq2"]["shrink_lfc"],
        backend=config["deseq2"]["backend"],
        r_compatible=config["deseq2"]["r_compatible"],
        prefilter=config["deseq2"]["prefilter"],
        code=get_code_version("run_deseq2.py"),
    script:
        "../scripts/run_deseq2.py"
