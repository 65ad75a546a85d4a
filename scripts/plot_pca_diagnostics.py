"""Rule plot_pca_diagnostics: PCA scree plot and the association of the first PCs with each sheet column."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.contrasts import sheet_as_model_frame
    from resistseq.diagnostics import pc_associations, plot_pc_associations, plot_scree
    from resistseq.plots import PCA_GENES, pca, save_figure
    from resistseq.runtime import write_table
    from resistseq.tables import read_gene_matrix, read_sample_sheet

    vst = read_gene_matrix(snakemake.input.vst)
    samples = read_sample_sheet(snakemake.input.sheet)
    scores, explained = pca(vst, PCA_GENES)
    top = min(PCA_GENES, len(vst))
    columns = [column for column in samples.columns if column not in ("sample", "quant")]
    model_frame = sheet_as_model_frame(samples, columns, categorical=[snakemake.params.groups["variable"]])
    associations = pc_associations(scores, explained, model_frame)
    left_out = sorted(set(columns) - set(associations["column"]))
    if left_out:
        logger.info("sheet columns left out (one value, or a different value for every sample): %s", left_out)
    write_table(associations, snakemake.output.table)
    save_figure(
        plot_scree(explained, top),
        snakemake.output.scree_pdf,
        snakemake.output.scree_png,
        snakemake.output.scree_svg,
        snakemake.output.scree_source_data,
    )
    save_figure(
        plot_pc_associations(associations),
        snakemake.output.associations_pdf,
        snakemake.output.associations_png,
        snakemake.output.associations_svg,
        snakemake.output.associations_source_data,
    )


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
