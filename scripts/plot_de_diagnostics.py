"""Rule plot_de_diagnostics: p-value histogram with the independent-filtering summary, per-gene counts."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.contrasts import is_pairwise
    from resistseq.diagnostics import chosen_genes, plot_gene_counts, plot_pvalue_histogram
    from resistseq.filtering import filtering_summary
    from resistseq.plots import save_figure
    from resistseq.runtime import write_table
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix, read_gene_table

    contrast = snakemake.params.contrast
    results = read_gene_table(snakemake.input.de)
    normalised = read_gene_matrix(snakemake.input.normalised)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    summary = filtering_summary(results, snakemake.params.alpha)
    write_table(summary, snakemake.output.filtering)
    logger.info("independent filtering: %s", summary.iloc[0].to_dict())
    save_figure(
        plot_pvalue_histogram(results, summary, contrast["name"]),
        snakemake.output.histogram_pdf,
        snakemake.output.histogram_png,
        snakemake.output.histogram_svg,
        snakemake.output.histogram_source_data,
    )
    declared = list(snakemake.params.key_genes) + list(snakemake.params.label_genes)
    missing = sorted(set(declared) - set(results["gene_name"]))
    if missing:
        logger.info("declared genes not in the DE table (not plotted): %s", missing)
    genes = chosen_genes(results[results["gene_id"].isin(normalised.index)], declared)
    groups = snakemake.params.groups
    if is_pairwise(contrast):
        variable = contrast["variable"]
        levels = [contrast["reference"], contrast["target"]]
        levels += sorted(set(samples[variable]) - set(levels))
    else:
        # An LRT or a coefficient contrast compares no two levels: panels follow the study's groups.
        variable, levels = groups["variable"], list(groups["levels"])
    colour_levels = groups["levels"] if groups["variable"] == variable else levels
    figure = plot_gene_counts(normalised, samples, genes, variable, levels, colour_levels, contrast["name"])
    save_figure(
        figure,
        snakemake.output.counts_pdf,
        snakemake.output.counts_png,
        snakemake.output.counts_svg,
        snakemake.output.counts_source_data,
    )


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
