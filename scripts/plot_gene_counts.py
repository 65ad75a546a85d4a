"""Rule plot_gene_counts: normalised counts per group of the declared key and label genes, then the top genes
by padj, one panel each (DESeq2's plotCounts)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.diagnostics import chosen_genes, gene_count_levels, plot_gene_counts
    from resistseq.plots import figure_paths, save_figure
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix, read_gene_table

    params = snakemake.params
    contrast = params.contrast
    groups = params.groups
    results = read_gene_table(snakemake.input.de)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    normalised = read_gene_matrix(snakemake.input.normalised)
    declared = list(params.key_genes) + list(params.label_genes)
    missing = sorted(set(declared) - set(results["gene_name"]))
    if missing:
        logger.info("declared genes not in the DE table (not plotted): %s", missing)
    genes = chosen_genes(results[results["gene_id"].isin(normalised.index)], declared)
    variable, levels, colour_levels = gene_count_levels(contrast, samples, groups["variable"], groups["levels"])
    figure = plot_gene_counts(normalised, samples, genes, variable, levels, colour_levels, contrast["name"])
    save_figure(figure, *figure_paths(snakemake.output))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
