rule plot_pca_figures:
    input:
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
        outliers="results/qc/sample_outliers.tsv",
        javascript=VEGA_BUNDLE,
    output:
        **figure_output(
            "pca",
            caption="../report/pca.rst",
            category="2. QC",
            subcategory="Samples",
            key="pca",
        ),
        **figure_output(
            "qc/pca_scree",
            caption="../report/pca_scree.rst",
            category="2. QC",
            subcategory="Samples",
            key="scree",
        ),
        **figure_output(
            "qc/pc_associations",
            caption="../report/pc_associations.rst",
            category="2. QC",
            subcategory="Samples",
            key="pc_associations",
        ),
        associations=report(
            "results/qc/pc_associations.tsv",
            caption="../report/pc_associations_table.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        html=report(
            "results/interactive/pca.html",
            caption="../report/interactive_pca.rst",
            category="6. Interactive",
            subcategory="Samples",
        ),
    log:
        "logs/figures/plot_pca_figures.log",
    benchmark:
        "benchmarks/figures/plot_pca_figures.tsv"
    conda:
        "../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        design=config["design"],
        code=get_code_version("plot_pca_figures.py"),
    script:
        "../scripts/plot_pca_figures.py"


rule plot_geneset_heatmaps:
    input:
        unpack(get_geneid_table),
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
        genesets=get_geneset_files(),
    output:
        **get_geneset_heatmap_outputs(),
    log:
        "logs/figures/plot_geneset_heatmaps.log",
    benchmark:
        "benchmarks/figures/plot_geneset_heatmaps.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        geneset_labels=get_geneset_labels(),
        plot_sets=config["enrichment"]["plot_sets"],
        code=get_code_version("plot_geneset_heatmaps.py"),
    script:
        "../scripts/plot_geneset_heatmaps.py"


rule plot_de_figures:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        dispersions="results/de/{contrast}/dispersions.tsv",
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
    output:
        **figure_output(
            "{contrast}/dispersions",
            caption="../report/dispersions.rst",
            category="2. QC",
            subcategory="Dispersion ({contrast})",
            key="dispersions",
        ),
        **figure_output(
            "{contrast}/top_de_heatmap",
            caption="../report/top_de_heatmap.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
            key="top_de_heatmap",
        ),
        **figure_output(
            "{contrast}/pvalue_histogram",
            caption="../report/pvalue_histogram.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
            key="pvalue_histogram",
        ),
        filtering="results/qc/{contrast}/independent_filtering.tsv",
    log:
        "logs/figures/{contrast}/plot_de_figures.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_de_figures.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        contrast=get_contrast,
        groups=get_group_levels(),
        top=config["figures"]["top_de_genes"],
        alpha=config["deseq2"]["alpha"],
        code=get_code_version("plot_de_figures.py"),
    script:
        "../scripts/plot_de_figures.py"


rule plot_gene_counts:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        normalised="results/counts/normalised_counts.tsv",
        sheet=config["samples"],
    output:
        **figure_output(
            "{contrast}/gene_counts",
            caption="../report/gene_counts.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_gene_counts.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_gene_counts.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        contrast=get_contrast,
        groups=get_group_levels(),
        key_genes=declared_names(HYPOTHESES, "gene"),
        label_genes=config["figures"]["label_genes"],
        code=get_code_version("plot_gene_counts.py"),
    script:
        "../scripts/plot_gene_counts.py"


rule plot_ranked_figures:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        running="results/enrichment/{contrast}/running_scores.tsv",
        table="results/enrichment/{contrast}/gsea.tsv",
    output:
        **figure_output(
            "{contrast}/volcano",
            caption="../report/volcano.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
            key="volcano",
        ),
        **figure_output(
            "{contrast}/ma",
            caption="../report/ma.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
            key="ma",
        ),
        **figure_output(
            "{contrast}/gsea_running_scores",
            caption="../report/gsea_running_scores.rst",
            category="4. Enrichment",
            subcategory="{contrast}",
            key="gsea_running_scores",
        ),
        **figure_output(
            "{contrast}/enrichment_dots",
            caption="../report/enrichment_dots.rst",
            category="4. Enrichment",
            subcategory="{contrast}",
            key="enrichment_dots",
        ),
    log:
        "logs/figures/{contrast}/plot_ranked_figures.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_ranked_figures.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        alpha=config["deseq2"]["alpha"],
        lfc_threshold=config["deseq2"]["lfc_threshold"],
        label_genes=config["figures"]["label_genes"],
        plot_sets=config["enrichment"]["plot_sets"],
        top=config["figures"]["top_genesets"],
        fdr=HYPOTHESES["thresholds"]["fdr"],
        code=get_code_version("plot_ranked_figures.py"),
    script:
        "../scripts/plot_ranked_figures.py"


rule plot_main_figure:
    input:
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
        outliers="results/qc/sample_outliers.tsv",
        de="results/de/{contrast}/deseq2.tsv",
        running="results/enrichment/{contrast}/running_scores.tsv",
        table="results/enrichment/{contrast}/gsea.tsv",
        scores="results/signatures/scores.tsv",
    output:
        pdf="results/figures/{contrast}/main_figure.pdf",
        svg=report(
            "results/figures/{contrast}/main_figure.svg",
            caption="../report/main_figure.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        png="results/figures/{contrast}/main_figure.png",
        source_data=report(
            "results/figures/{contrast}/main_figure.source_data.tsv",
            caption="../report/source_data.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_main_figure.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_main_figure.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        groups=get_group_levels(),
        design=config["design"],
        marker_genes=config["figures"]["marker_genes"],
        gsea_sets=config["figures"]["main_gsea_sets"],
        alpha=config["deseq2"]["alpha"],
        lfc_threshold=config["deseq2"]["lfc_threshold"],
        label_genes=config["figures"]["label_genes"],
        score_method=config["figures"]["signature_method"],
        score_sets=config["figures"]["signature_sets"],
        plot_sets=config["enrichment"]["plot_sets"],
        code=get_code_version("plot_main_figure.py"),
    script:
        "../scripts/plot_main_figure.py"
