# Interactive pages (offline: each HTML file carries its JavaScript).


rule write_interactive_de_pages:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        gsea="results/enrichment/{contrast}/gsea.tsv",
        javascript=VEGA_BUNDLE,
    output:
        de=report(
            "results/interactive/{contrast}/deseq2.html",
            caption="../report/interactive_de_table.rst",
            category="6. Interactive",
            subcategory="{contrast}",
        ),
        gsea=report(
            "results/interactive/{contrast}/gsea.html",
            caption="../report/interactive_gsea_table.rst",
            category="6. Interactive",
            subcategory="{contrast}",
        ),
        volcano=report(
            "results/interactive/{contrast}/volcano.html",
            caption="../report/interactive_volcano.rst",
            category="6. Interactive",
            subcategory="{contrast}",
        ),
        ma=report(
            "results/interactive/{contrast}/ma.html",
            caption="../report/interactive_ma.rst",
            category="6. Interactive",
            subcategory="{contrast}",
        ),
    log:
        "logs/interactive/{contrast}/write_interactive_de_pages.log",
    benchmark:
        "benchmarks/interactive/{contrast}/write_interactive_de_pages.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        alpha=config["deseq2"]["alpha"],
        lfc_threshold=config["deseq2"]["lfc_threshold"],
        label_genes=config["figures"]["label_genes"],
        code=get_code_version("write_interactive_de_pages.py"),
    script:
        "../scripts/write_interactive_de_pages.py"
