"""Rule write_methods: a methods paragraph generated from this run's DE summaries, settings, versions and inputs."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import json
    import platform

    import pandas as pd

    from resistseq.geneids import table_note
    from resistseq.methods import MethodsInputs, gene_naming_text, imported_versions, methods_markdown, sha256
    from resistseq.plots import PCA_GENES
    from resistseq.runtime import atomic_path
    from resistseq.validation import read_sample_sheet

    params = snakemake.params
    names = [contrast["name"] for contrast in params.contrasts]
    settings = {}
    for name, path in zip(params.ranked_contrasts, snakemake.input.settings, strict=True):
        with open(path) as handle:
            settings[name] = json.load(handle)
    de_results = {
        name: pd.read_csv(path, sep="\t", dtype={"gene_id": str, "gene_name": str})
        for name, path in zip(names, snakemake.input.de, strict=True)
    }
    ranked = params.ranked_contrasts
    gsea_results = {name: pd.read_csv(path, sep="\t") for name, path in zip(ranked, snakemake.input.gsea, strict=True)}
    coverage_files = dict(zip(names, snakemake.input.coverage, strict=True))
    coverages = {name: pd.read_csv(coverage_files[name], sep="\t") for name in ranked}
    versions = imported_versions()
    for name, used in settings.items():
        if used["gseapy_version"] != versions["gseapy"]:
            logger.warning(
                "%s: GSEA ran with gseapy %s, this step imports %s", name, used["gseapy_version"], versions["gseapy"]
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
            (label, sha256(path)) for label, path in zip(params.geneset_labels, snakemake.input.genesets, strict=True)
        ],
        gsea_results=gsea_results,
        coverages=coverages,
        gsea_fdr=params.gsea_fdr,
        gene_naming=gene_naming_text(
            pd.read_csv(snakemake.input.annotation, sep="\t", dtype=str, keep_default_na=False),
            pd.read_csv(snakemake.input.coverage[0], sep="\t"),
            snakemake.input.coverage[0],
            params.quantification["organism"],
            table_note(snakemake.input.get("geneid_table")) if snakemake.input.get("geneid_table") else "",
        ),
    )
    text = methods_markdown(inputs)
    with atomic_path(snakemake.output.methods) as temporary:
        temporary.write_text(text)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
