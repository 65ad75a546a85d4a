from resistseq.hypothesis import check_hypothesis_genesets

try:
    check_hypothesis_genesets(
        config["hypothesis"], get_geneset_files(), get_geneset_labels()
    )
except WorkflowInputError as error:
    raise WorkflowError(f"Invalid input, nothing was run.\n{error}") from None


rule judge_hypotheses:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        gsea="results/enrichment/{contrast}/gsea.tsv",
        coverage="results/enrichment/{contrast}/geneset_coverage.tsv",
        scores="results/signatures/scores.tsv",
        pam50="results/subtype/pam50.tsv",
        normalised="results/counts/normalised_counts.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
    output:
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
    conda:
        "../envs/enrichment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        contrast=get_contrast,
        settings=config["hypothesis"],
        code=get_code_version("judge_hypotheses.py"),
    script:
        "../scripts/judge_hypotheses.py"
