"""Rule plot_pca_figures: the sample PCA (static, and interactive as offline HTML whose hover shows the sheet
columns), its scree plot and the association of the first PCs with sheet columns."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.contrasts import design_variables, sheet_as_model_frame
    from resistseq.diagnostics import pc_associations, plot_pc_associations, plot_scree
    from resistseq.interactive import pca_spec, plot_page, write_page
    from resistseq.plots import PCA_GENES, figure_paths, pca, plot_pca, save_figure
    from resistseq.runtime import write_table
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix, read_sample_table
    from resistseq.vega import read_vega_bundle

    vst = read_gene_matrix(snakemake.input.vst)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    outliers = read_sample_table(snakemake.input.outliers)
    groups = snakemake.params.groups
    covariates = [name for name in design_variables(snakemake.params.design) if name != groups["variable"]]
    shape_by = covariates[0] if covariates else None
    if shape_by:
        logger.info("points shaped by the design covariate %s", shape_by)
    flagged = outliers.loc[outliers["flagged"], "sample"].tolist()
    figure = plot_pca(vst, samples, groups["variable"], groups["levels"], shape_by=shape_by, flagged=flagged)
    save_figure(figure, *figure_paths(snakemake.output, "pca"))

    scores, explained = pca(vst, PCA_GENES)
    top = min(PCA_GENES, len(vst))
    spec = pca_spec(scores, explained, samples.loc[scores.index], groups["variable"], groups["levels"], shape_by, top)
    note = (
        "Interactive PCA of the VST counts (the same PCA as the static figure). Hover a sample for its "
        "sheet columns and scores on PC1 to PC3; drag to pan, scroll to zoom, double-click to reset."
    )
    javascript = read_vega_bundle(snakemake.input.javascript)
    write_page(snakemake.output.html, plot_page("PCA of the samples", note, spec, javascript), logger)
    logger.info("PCA of %d samples on %d genes", len(scores), top)

    columns = [column for column in samples.columns if column not in ("sample", "quant")]
    model_frame = sheet_as_model_frame(samples.reset_index(drop=True), columns, categorical=[groups["variable"]])
    associations = pc_associations(scores, explained, model_frame)
    left_out = sorted(set(columns) - set(associations["column"]))
    if left_out:
        logger.info("sheet columns left out (one value, or a different value for every sample): %s", left_out)
    write_table(associations, snakemake.output.associations)
    save_figure(plot_scree(explained, top), *figure_paths(snakemake.output, "scree"))
    save_figure(plot_pc_associations(associations), *figure_paths(snakemake.output, "pc_associations"))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
