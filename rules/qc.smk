rule compute_sample_qc:
    input:
        counts="results/counts/gene_counts.tsv",
        vst="results/counts/vst.tsv",
        sheet=config["samples"],
    output:
        library_stats="results/qc/library_stats.tsv",
        distances="results/qc/sample_distances.tsv",
        outliers=report(
            "results/qc/sample_outliers.tsv",
            caption="../report/sample_outliers.rst",
            category="2. QC",
            subcategory="Samples",
        ),
    log:
        "logs/qc/compute_sample_qc.log",
    benchmark:
        "benchmarks/qc/compute_sample_qc.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        outlier_distance_ratio=config["qc"]["outlier_distance_ratio"],
        code=get_code_version("compute_sample_qc.py"),
    script:
        "../scripts/compute_sample_qc.py"


rule plot_qc_figures:
    input:
        counts="results/counts/gene_counts.tsv",
        normalised="results/counts/normalised_counts.tsv",
        size_factors="results/counts/size_factors.tsv",
        library_stats="results/qc/library_stats.tsv",
        distances="results/qc/sample_distances.tsv",
        outliers="results/qc/sample_outliers.tsv",
        sheet=config["samples"],
    output:
        **figure_output(
            "qc/library_sizes",
            caption="../report/library_sizes.rst",
            category="2. QC",
            subcategory="Samples",
            key="library_sizes",
        ),
        **figure_output(
            "qc/count_distributions",
            caption="../report/count_distributions.rst",
            category="2. QC",
            subcategory="Normalisation",
            key="count_distributions",
        ),
        **figure_output(
            "qc/size_factors",
            caption="../report/size_factors.rst",
            category="2. QC",
            subcategory="Normalisation",
            key="size_factors",
        ),
        **figure_output(
            "qc/sample_distances",
            caption="../report/sample_distances.rst",
            category="2. QC",
            subcategory="Samples",
            key="sample_distances",
        ),
    log:
        "logs/figures/qc/plot_qc_figures.log",
    benchmark:
        "benchmarks/figures/qc/plot_qc_figures.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        code=get_code_version("plot_qc_figures.py"),
    script:
        "../scripts/plot_qc_figures.py"
