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


rule plot_library_sizes:
    input:
        library_stats="results/qc/library_stats.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/qc/library_sizes.pdf",
        svg=report(
            "results/figures/qc/library_sizes.svg",
            caption="../report/library_sizes.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        png="results/figures/qc/library_sizes.png",
        source_data=report(
            "results/figures/qc/library_sizes.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Samples",
        ),
    log:
        "logs/figures/qc/plot_library_sizes.log",
    benchmark:
        "benchmarks/figures/qc/plot_library_sizes.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        code=get_code_version("plot_library_sizes.py"),
    script:
        "../scripts/plot_library_sizes.py"


rule plot_count_distributions:
    input:
        counts="results/counts/gene_counts.tsv",
        normalised="results/counts/normalised_counts.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/qc/count_distributions.pdf",
        svg=report(
            "results/figures/qc/count_distributions.svg",
            caption="../report/count_distributions.rst",
            category="2. QC",
            subcategory="Normalisation",
        ),
        png="results/figures/qc/count_distributions.png",
        source_data=report(
            "results/figures/qc/count_distributions.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Normalisation",
        ),
    log:
        "logs/figures/qc/plot_count_distributions.log",
    benchmark:
        "benchmarks/figures/qc/plot_count_distributions.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        code=get_code_version("plot_count_distributions.py"),
    script:
        "../scripts/plot_count_distributions.py"


rule plot_size_factors:
    input:
        size_factors="results/counts/size_factors.tsv",
        library_stats="results/qc/library_stats.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/qc/size_factors.pdf",
        svg=report(
            "results/figures/qc/size_factors.svg",
            caption="../report/size_factors.rst",
            category="2. QC",
            subcategory="Normalisation",
        ),
        png="results/figures/qc/size_factors.png",
        source_data=report(
            "results/figures/qc/size_factors.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Normalisation",
        ),
    log:
        "logs/figures/qc/plot_size_factors.log",
    benchmark:
        "benchmarks/figures/qc/plot_size_factors.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        code=get_code_version("plot_size_factors.py"),
    script:
        "../scripts/plot_size_factors.py"


rule plot_sample_distances:
    input:
        distances="results/qc/sample_distances.tsv",
        outliers="results/qc/sample_outliers.tsv",
        sheet=config["samples"],
    output:
        pdf="results/figures/qc/sample_distances.pdf",
        svg=report(
            "results/figures/qc/sample_distances.svg",
            caption="../report/sample_distances.rst",
            category="2. QC",
            subcategory="Samples",
        ),
        png="results/figures/qc/sample_distances.png",
        source_data=report(
            "results/figures/qc/sample_distances.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Samples",
        ),
    log:
        "logs/figures/qc/plot_sample_distances.log",
    benchmark:
        "benchmarks/figures/qc/plot_sample_distances.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        groups=get_group_levels(),
        code=get_code_version("plot_sample_distances.py"),
    script:
        "../scripts/plot_sample_distances.py"


rule plot_dispersions:
    input:
        dispersions="results/de/{contrast}/dispersions.tsv",
    output:
        pdf="results/figures/{contrast}/dispersions.pdf",
        svg=report(
            "results/figures/{contrast}/dispersions.svg",
            caption="../report/dispersions.rst",
            category="2. QC",
            subcategory="Dispersion ({contrast})",
        ),
        png="results/figures/{contrast}/dispersions.png",
        source_data=report(
            "results/figures/{contrast}/dispersions.source_data.tsv",
            caption="../report/source_data.rst",
            category="2. QC",
            subcategory="Dispersion ({contrast})",
        ),
    log:
        "logs/figures/{contrast}/plot_dispersions.log",
    benchmark:
        "benchmarks/figures/{contrast}/plot_dispersions.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=get_code_version("plot_dispersions.py"),
    script:
        "../scripts/plot_dispersions.py"
