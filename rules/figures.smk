rule plot_pca:
    input:
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/pca.pdf",
        png="results/figures/pca.png",
    log:
        "logs/figures/plot_pca.log",
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
    script:
        "../scripts/plot_pca.py"


rule plot_marker_heatmap:
    input:
        vst="results/counts/vst.tsv",
        annotation="results/counts/gene_annotation.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/marker_heatmap.pdf",
        png="results/figures/marker_heatmap.png",
    log:
        "logs/figures/plot_marker_heatmap.log",
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        marker_genes=config["figures"]["marker_genes"],
    script:
        "../scripts/plot_marker_heatmap.py"


rule plot_volcano:
    input:
        de="results/de/{contrast}/deseq2.tsv",
    output:
        pdf="results/figures/{contrast}/volcano.pdf",
        png="results/figures/{contrast}/volcano.png",
    log:
        "logs/figures/{contrast}/plot_volcano.log",
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
    script:
        "../scripts/plot_volcano.py"


rule plot_ma:
    input:
        de="results/de/{contrast}/deseq2.tsv",
    output:
        pdf="results/figures/{contrast}/ma.pdf",
        png="results/figures/{contrast}/ma.png",
    log:
        "logs/figures/{contrast}/plot_ma.log",
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
    script:
        "../scripts/plot_ma.py"


rule plot_gsea_running_scores:
    input:
        running="results/enrichment/{contrast}/running_scores.tsv",
        table="results/enrichment/{contrast}/gsea.tsv",
    output:
        pdf="results/figures/{contrast}/gsea_running_scores.pdf",
        png="results/figures/{contrast}/gsea_running_scores.png",
    log:
        "logs/figures/{contrast}/plot_gsea_running_scores.log",
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        plot_sets=config["enrichment"]["plot_sets"],
    script:
        "../scripts/plot_gsea_running_scores.py"
