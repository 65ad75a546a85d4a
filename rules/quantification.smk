rule import_quantifications:
    input:
        unpack(get_geneid_table),
        unpack(get_annotation_inputs),
        quant=get_quant_files(),
        sheet=config["samples"],
    output:
        counts="results/counts/gene_counts.tsv",
        annotation="results/counts/gene_annotation.tsv",
    log:
        "logs/counts/import_quantifications.log",
    benchmark:
        "benchmarks/counts/import_quantifications.tsv"
    conda:
        "../envs/import.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        quant_paths=get_quant_paths(),
        file_format=config["quantification"]["format"],
        counts_from_abundance=config["quantification"]["counts_from_abundance"],
        gene_name_column=config["quantification"]["gene_name_column"],
        code=get_code_version("import_quantifications.py"),
    script:
        "../scripts/import_quantifications.py"
