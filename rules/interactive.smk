# Interactive pages (offline: each HTML file carries its JavaScript).


# vl-convert builds its Vega bundle anew on every call (about 1.3 s of CPU), the same bytes for a given version:
# one job builds it for every plot page. Not temp(): rebuilding a deleted bundle for one page job would make it
# newer than every other page and rerun them all (ancient() does not help with a missing file).
rule write_vega_bundle:
    output:
        javascript="results/interactive/vega_bundle.js",
    log:
        "logs/interactive/write_vega_bundle.log",
    benchmark:
        "benchmarks/interactive/write_vega_bundle.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=get_code_version("write_vega_bundle.py"),
    script:
        "../scripts/write_vega_bundle.py"


rule write_interactive_de_pages:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        gsea="results/enrichment/{contrast}/gsea.tsv",
        javascript=rules.write_vega_bundle.output.javascript,
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


rule plot_interactive_pca:
    input:
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
        javascript=rules.write_vega_bundle.output.javascript,
    output:
        html=report(
            "results/interactive/pca.html",
            caption="../report/interactive_pca.rst",
            category="6. Interactive",
            subcategory="Samples",
        ),
    log:
        "logs/interactive/plot_interactive_pca.log",
    benchmark:
        "benchmarks/interactive/plot_interactive_pca.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        design=config["design"],
        code=get_code_version("plot_interactive_pca.py"),
    script:
        "../scripts/plot_interactive_pca.py"
