"""Rule plot_interactive_pca: interactive PCA of the samples (offline HTML), hover shows the sheet columns."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.contrasts import design_variables
    from resistseq.figure_data import PCA_GENES, pca
    from resistseq.interactive import pca_spec, plot_page, write_page
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix
    from resistseq.vega import read_vega_bundle

    vst = read_gene_matrix(snakemake.input.vst)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    groups = snakemake.params.groups
    covariates = [name for name in design_variables(snakemake.params.design) if name != groups["variable"]]
    scores, explained = pca(vst, PCA_GENES)
    top = min(PCA_GENES, len(vst))
    spec = pca_spec(
        scores,
        explained,
        samples.loc[scores.index],
        groups["variable"],
        groups["levels"],
        covariates[0] if covariates else None,
        top,
    )
    note = (
        "Interactive PCA of the VST counts (the same PCA as the static figure). Hover a sample for its "
        "sheet columns and scores on PC1 to PC3; drag to pan, scroll to zoom, double-click to reset."
    )
    javascript = read_vega_bundle(snakemake.input.javascript)
    write_page(snakemake.output.html, plot_page("PCA of the samples", note, spec, javascript), logger)
    logger.info("PCA of %d samples on %d genes", len(scores), top)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
