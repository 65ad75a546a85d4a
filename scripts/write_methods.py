"""Rule write_methods: a methods paragraph generated from this run's settings, versions and inputs."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import json
    import platform

    from resistseq.geneids import table_note
    from resistseq.methods import gene_naming_text, hypotheses_markdown, methods_markdown
    from resistseq.provenance import imported_versions, sha256_file
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
    versions = imported_versions()
    for name, used in settings.items():
        if used["gseapy_version"] != versions["gseapy"]:
            logger.warning(
                "%s: GSEA ran with gseapy %s, this step imports %s", name, used["gseapy_version"], versions["gseapy"]
            )
    text = methods_markdown(
        versions=versions,
        snakemake_version=params.snakemake_version,
        python_version=platform.python_version(),
        quantification_format=params.quantification["format"],
        counts_from_abundance=params.quantification["counts_from_abundance"],
        samples=read_sample_sheet(snakemake.input.sheet),
        design=params.design,
        contrasts=params.contrasts,
        deseq2=params.deseq2,
        enrichment=params.enrichment,
        gsea_settings=settings,
        de_results=de_results,
        geneset_files=[
            (label, sha256_file(path))
            for label, path in zip(params.geneset_labels, snakemake.input.genesets, strict=True)
        ],
        outlier_ratio=params.outlier_ratio,
        gsea_results=gsea_results,
        coverages=coverages,
        gsea_fdr=params.gsea_fdr,
        gene_naming=gene_naming_text(
            read_annotation(snakemake.input.annotation),
            read_coverage(snakemake.input.coverage[0]),
            snakemake.input.coverage[0],
            params.quantification["organism"],
            table_note(snakemake.input.get("geneid_table")) if snakemake.input.get("geneid_table") else "",
        ),
    )
    text += "\n" + hypotheses_markdown(
        params.hypotheses_label, sha256_file(snakemake.input.hypotheses), params.declaration
    )
    with atomic_path(snakemake.output.methods) as temporary:
        temporary.write_text(text)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
