"""Rule write_methods: a methods paragraph generated from this run's DE summaries, settings, versions and inputs."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import json
    import platform

    from resistseq.figure_data import PCA_GENES
    from resistseq.geneids import table_note
    from resistseq.methods import MethodsInputs, gene_naming_text, hypotheses_markdown, methods_markdown
    from resistseq.provenance import cited_versions, sha256_file
    from resistseq.runtime import atomic_path
    from resistseq.tables import (
        read_annotation,
        read_coverage,
        read_enrichment_table,
        read_gene_table,
        read_sample_sheet,
    )

    params = snakemake.params
    names = [contrast["name"] for contrast in params.contrasts]
    settings = {}
    for name, path in zip(params.ranked_contrasts, snakemake.input.settings, strict=True):
        with open(path) as handle:
            settings[name] = json.load(handle)
    de_results = {name: read_gene_table(path) for name, path in zip(names, snakemake.input.de, strict=True)}
    ranked = params.ranked_contrasts
    gsea_results = {name: read_enrichment_table(path) for name, path in zip(ranked, snakemake.input.gsea, strict=True)}
    coverage_files = dict(zip(ranked, snakemake.input.coverage, strict=True))
    coverages = {name: read_coverage(path) for name, path in coverage_files.items()}
    versions = cited_versions()
    for name, used in settings.items():
        if used["gseapy_version"] != versions["gseapy"]:
            logger.warning(
                "%s: GSEA ran with gseapy %s, %s is installed", name, used["gseapy_version"], versions["gseapy"]
            )
    summaries = {}
    for name, path in zip(names, snakemake.input.de_summaries, strict=True):
        with open(path) as handle:
            summaries[name] = json.load(handle)
    inputs = MethodsInputs(
        versions=versions,
        snakemake_version=params.snakemake_version,
        python_version=platform.python_version(),
        quantification=params.quantification,
        samples=read_sample_sheet(snakemake.input.sheet),
        design=params.design,
        contrasts=params.contrasts,
        de_summaries=summaries,
        de_results=de_results,
        vst_blind=params.deseq2["vst_blind"],
        vst_engine={key: params.deseq2[key] for key in ("backend", "r_compatible")},
        pca_genes=PCA_GENES,
        outlier_ratio=params.outlier_ratio,
        enrichment=params.enrichment,
        gsea_settings=settings,
        geneset_files=[
            (label, sha256_file(path))
            for label, path in zip(params.geneset_labels, snakemake.input.genesets, strict=True)
        ],
        gsea_results=gsea_results,
        coverages=coverages,
        gsea_fdr=params.gsea_fdr,
        gene_naming=gene_naming_text(
            read_annotation(snakemake.input.annotation),
            coverages[ranked[0]] if ranked else None,
            coverage_files[ranked[0]] if ranked else None,
            params.quantification["organism"],
            table_note(snakemake.input.get("geneid_table")) if snakemake.input.get("geneid_table") else "",
        ),
    )
    text = methods_markdown(inputs)
    text += "\n" + hypotheses_markdown(
        params.hypotheses_label, sha256_file(snakemake.input.hypotheses), params.declaration
    )
    with atomic_path(snakemake.output.methods) as temporary:
        temporary.write_text(text)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
