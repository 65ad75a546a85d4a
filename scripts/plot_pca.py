"""Rule plot_pca: PCA of the VST counts, coloured by group, shaped by a covariate, outliers marked."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.contrasts import design_variables
    from resistseq.plots import plot_pca, save_figure
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix, read_sample_table

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
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
