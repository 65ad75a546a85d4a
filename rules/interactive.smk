# Interactive pages (offline: each HTML file carries its JavaScript) and the diagnostics reviewers ask for.


rule write_interactive_tables:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        gsea="results/enrichment/{contrast}/gsea.tsv",
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
    log:
        "logs/interactive/{contrast}/write_interactive_tables.log",
    benchmark:
        "benchmarks/interactive/{contrast}/write_interactive_tables.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        alpha=config["deseq2"]["alpha"],
        lfc_threshold=config["deseq2"]["lfc_threshold"],
        code=get_code_version("write_interactive_tables.py"),
    script:
        "../scripts/write_interactive_tables.py"


rule plot_interactive_de:
    input:
        de="results/de/{contrast}/deseq2.tsv",
    output:
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
        "logs/interactive/{contrast}/plot_interactive_de.log",
    benchmark:
        "benchmarks/interactive/{contrast}/plot_interactive_de.tsv"
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
        code=get_code_version("plot_interactive_de.py"),
    script:
        "../scripts/plot_interactive_de.py"


rule plot_interactive_pca:
    input:
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
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


rule plot_pca_diagnostics:
    input:
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
    output:
        table=report(
            "results/qc/pc_associations.tsv",
            caption="../report/pc_associations_table.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        scree_pdf="results/figures/qc/pca_scree.pdf",
        scree_svg=report(
            "results/figures/qc/pca_scree.svg",
            caption="../report/pca_scree.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        scree_png="results/figures/qc/pca_scree.png",
        scree_source_data=report(
            "results/figures/qc/pca_scree.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        associations_pdf="results/figures/qc/pc_associations.pdf",
        associations_svg=report(
            "results/figures/qc/pc_associations.svg",
            caption="../report/pc_associations.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        associations_png="results/figures/qc/pc_associations.png",
        associations_source_data=report(
            "results/figures/qc/pc_associations.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Samples",
        ),
    log:
        "logs/figures/plot_pca_diagnostics.log",
    benchmark:
        "benchmarks/figures/plot_pca_diagnostics.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        code=get_code_version("plot_pca_diagnostics.py"),
    script:
        "../scripts/plot_pca_diagnostics.py"


rule plot_de_diagnostics:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        normalised="results/counts/normalised_counts.tsv",
        sheet=config["samples"],
    output:
        filtering="results/qc/{contrast}/independent_filtering.tsv",
        histogram_pdf="results/figures/{contrast}/pvalue_histogram.pdf",
        histogram_svg=report(
            "results/figures/{contrast}/pvalue_histogram.svg",
            caption="../report/pvalue_histogram.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        histogram_png="results/figures/{contrast}/pvalue_histogram.png",
        histogram_source_data=report(
            "results/figures/{contrast}/pvalue_histogram.source_data.tsv",
            caption="../report/source_data.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        counts_pdf="results/figures/{contrast}/gene_counts.pdf",
        counts_svg=report(
            "results/figures/{contrast}/gene_counts.svg",
            caption="../report/gene_counts.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        counts_png="results/figures/{contrast}/gene_counts.png",
        counts_source_data=report(
            "results/figures/{contrast}/gene_counts.source_data.tsv",
            caption="../report/source_data.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_de_diagnostics.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_de_diagnostics.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        contrast=get_contrast,
        alpha=config["deseq2"]["alpha"],
        groups=get_group_levels(),
        key_genes=declared_names(HYPOTHESES, "gene"),
        label_genes=config["figures"]["label_genes"],
        code=get_code_version("plot_de_diagnostics.py"),
    script:
        "../scripts/plot_de_diagnostics.py"
