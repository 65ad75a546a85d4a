rule compare_contrasts:
    input:
        de=lambda wildcards: expand(
            "results/de/{contrast}/deseq2.tsv",
            contrast=OVERLAP_GROUPS[wildcards.group],
        ),
        gsea=lambda wildcards: expand(
            "results/enrichment/{contrast}/gsea.tsv",
            contrast=OVERLAP_GROUPS[wildcards.group],
        ),
    output:
        genes=report(
            "results/overlap/{group}/genes.tsv",
            caption="../report/overlap_table.rst",
            category="5. Shared and line-specific changes",
            subcategory="{group}",
        ),
        genesets="results/overlap/{group}/genesets.tsv",
    log:
        "logs/overlap/{group}/compare_contrasts.log",
    benchmark:
        "benchmarks/overlap/{group}/compare_contrasts.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        contrasts=lambda wildcards: OVERLAP_GROUPS[wildcards.group],
        alpha=config["deseq2"]["alpha"],
        code=get_code_version("compare_contrasts.py"),
    script:
        "../scripts/compare_contrasts.py"


rule plot_overlap:
    input:
        genes="results/overlap/{group}/genes.tsv",
        genesets="results/overlap/{group}/genesets.tsv",
    output:
        pdf="results/figures/overlap/{group}/upset.pdf",
        svg=report(
            "results/figures/overlap/{group}/upset.svg",
            caption="../report/overlap_upset.rst",
            category="5. Shared and line-specific changes",
            subcategory="{group}",
        ),
        png="results/figures/overlap/{group}/upset.png",
        source_data=report(
            "results/figures/overlap/{group}/upset.source_data.tsv",
            caption="../report/source_data.rst",
            category="5. Shared and line-specific changes",
            subcategory="{group}",
        ),
    log:
        "logs/figures/overlap/{group}/plot_overlap.log",
    benchmark:
        "benchmarks/figures/overlap/{group}/plot_overlap.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        contrasts=lambda wildcards: OVERLAP_GROUPS[wildcards.group],
        alpha=config["deseq2"]["alpha"],
        code=get_code_version("plot_overlap.py"),
    script:
        "../scripts/plot_overlap.py"
