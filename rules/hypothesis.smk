# One job per contrast: the audit's recomputed verdicts, then the verdicts with their robustness. One job,
# not two, saves a process start-up per contrast; an edit to the judging code also reruns the audit's refits.
rule judge_hypotheses:
    input:
        unpack(get_geneid_table),
        counts="results/counts/gene_counts.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
        de="results/de/{contrast}/deseq2.tsv",
        gsea="results/enrichment/{contrast}/gsea.tsv",
        coverage="results/enrichment/{contrast}/geneset_coverage.tsv",
        scores="results/signatures/scores.tsv",
        pam50="results/subtype/pam50.tsv",
        genesets=get_geneset_files(),
        hypotheses=HYPOTHESES_FILE,
    output:
        audit="results/hypothesis/{contrast}.audit.tsv",
        table=report(
            "results/hypothesis/{contrast}.tsv",
            caption="../report/hypothesis_table.rst",
            category="1. Hypothesis",
            subcategory="{contrast}",
        ),
        summary="results/hypothesis/{contrast}.md",
        html=report(
            "results/hypothesis/{contrast}.html",
            caption="../report/hypothesis_summary.rst",
            category="1. Hypothesis",
            subcategory="{contrast}",
        ),
    log:
        "logs/hypothesis/{contrast}.log",
    benchmark:
        "benchmarks/hypothesis/{contrast}.tsv"
    priority: HYPOTHESIS_PATH_PRIORITY
    conda:
        "../envs/deseq2.yaml"
    # Its refits gain little from a second BLAS thread; one core leaves the other to the figure jobs.
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=120,
    params:
        contrast=get_contrast,
        declaration=HYPOTHESES,
        hypotheses_label=HYPOTHESES_LABEL,
        design=config["design"],
        deseq2=deseq2_params(DESettings),
        enrichment=config["enrichment"],
        geneset_labels=get_geneset_labels(),
        code=get_code_version("judge_hypotheses.py"),
    script:
        "../scripts/judge_hypotheses.py"
