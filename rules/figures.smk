rule plot_pca:
    input:
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
        outliers="results/qc/sample_outliers.tsv",
    output:
        pdf="results/figures/pca.pdf",
        svg=report(
            "results/figures/pca.svg",
            caption="../report/pca.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        png="results/figures/pca.png",
        source_data=report(
            "results/figures/pca.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Samples",
        ),
    log:
        "logs/figures/plot_pca.log",
    benchmark:
        "benchmarks/figures/plot_pca.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        design=config["design"],
        code=get_code_version("plot_pca.py"),
    script:
        "../scripts/plot_pca.py"


rule plot_marker_heatmap:
    input:
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/marker_heatmap.pdf",
        svg=report(
            "results/figures/marker_heatmap.svg",
            caption="../report/marker_heatmap.rst",
            category="3. Differential expression",
            subcategory="Gene sets",
        ),
        png="results/figures/marker_heatmap.png",
        source_data=report(
            "results/figures/marker_heatmap.source_data.tsv",
            caption="../report/source_data.rst",
            category="3. Differential expression",
            subcategory="Gene sets",
        ),
    log:
        "logs/figures/plot_marker_heatmap.log",
    benchmark:
        "benchmarks/figures/plot_marker_heatmap.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        marker_genes=config["figures"]["marker_genes"],
        code=get_code_version("plot_marker_heatmap.py"),
    script:
        "../scripts/plot_marker_heatmap.py"


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


rule plot_volcano:
    input:
        de="results/de/{contrast}/deseq2.tsv",
    output:
        pdf="results/figures/{contrast}/volcano.pdf",
        svg=report(
            "results/figures/{contrast}/volcano.svg",
            caption="../report/volcano.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        png="results/figures/{contrast}/volcano.png",
        source_data=report(
            "results/figures/{contrast}/volcano.source_data.tsv",
            caption="../report/source_data.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_volcano.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_volcano.tsv"
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
        code=get_code_version("plot_volcano.py"),
    script:
        "../scripts/plot_volcano.py"


rule plot_ma:
    input:
        de="results/de/{contrast}/deseq2.tsv",
    output:
        pdf="results/figures/{contrast}/ma.pdf",
        svg=report(
            "results/figures/{contrast}/ma.svg",
            caption="../report/ma.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        png="results/figures/{contrast}/ma.png",
        source_data=report(
            "results/figures/{contrast}/ma.source_data.tsv",
            caption="../report/source_data.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_ma.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_ma.tsv"
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
        code=get_code_version("plot_ma.py"),
    script:
        "../scripts/plot_ma.py"


rule plot_top_de_heatmap:
    input:
        de="results/de/{contrast}/deseq2.tsv",
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/{contrast}/top_de_heatmap.pdf",
        svg=report(
            "results/figures/{contrast}/top_de_heatmap.svg",
            caption="../report/top_de_heatmap.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
        png="results/figures/{contrast}/top_de_heatmap.png",
        source_data=report(
            "results/figures/{contrast}/top_de_heatmap.source_data.tsv",
            caption="../report/source_data.rst",
            category="3. Differential expression",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_top_de_heatmap.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_top_de_heatmap.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        top=config["figures"]["top_de_genes"],
        alpha=config["deseq2"]["alpha"],
        code=get_code_version("plot_top_de_heatmap.py"),
    script:
        "../scripts/plot_top_de_heatmap.py"


rule plot_gsea_running_scores:
    input:
        running="results/enrichment/{contrast}/running_scores.tsv",
        table="results/enrichment/{contrast}/gsea.tsv",
    output:
        pdf="results/figures/{contrast}/gsea_running_scores.pdf",
        svg=report(
            "results/figures/{contrast}/gsea_running_scores.svg",
            caption="../report/gsea_running_scores.rst",
            category="4. Enrichment",
            subcategory="{contrast}",
        ),
        png="results/figures/{contrast}/gsea_running_scores.png",
        source_data=report(
            "results/figures/{contrast}/gsea_running_scores.source_data.tsv",
            caption="../report/source_data.rst",
            category="4. Enrichment",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_gsea_running_scores.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_gsea_running_scores.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        plot_sets=config["enrichment"]["plot_sets"],
        code=get_code_version("plot_gsea_running_scores.py"),
    script:
        "../scripts/plot_gsea_running_scores.py"


rule plot_enrichment_dots:
    input:
        table="results/enrichment/{contrast}/gsea.tsv",
    output:
        pdf="results/figures/{contrast}/enrichment_dots.pdf",
        svg=report(
            "results/figures/{contrast}/enrichment_dots.svg",
            caption="../report/enrichment_dots.rst",
            category="4. Enrichment",
            subcategory="{contrast}",
        ),
        png="results/figures/{contrast}/enrichment_dots.png",
        source_data=report(
            "results/figures/{contrast}/enrichment_dots.source_data.tsv",
            caption="../report/source_data.rst",
            category="4. Enrichment",
            subcategory="{contrast}",
        ),
    log:
        "logs/figures/{contrast}/plot_enrichment_dots.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_enrichment_dots.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        top=config["figures"]["top_genesets"],
        fdr=HYPOTHESES["thresholds"]["fdr"],
        code=get_code_version("plot_enrichment_dots.py"),
    script:
        "../scripts/plot_enrichment_dots.py"


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
        code=get_code_version("plot_main_figure.py"),
    script:
        "../scripts/plot_main_figure.py"
