"""Rule plot_geneset_heatmaps: VST z-scores of the genes of each set in enrichment.plot_sets, one figure each."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.de_figures import plot_geneset_heatmap
    from resistseq.genesets import read_gene_sets
    from resistseq.plots import figure_paths, save_figure
    from resistseq.tables import indexed_sample_sheet, read_annotation, read_gene_matrix

    vst = read_gene_matrix(snakemake.input.vst)
    annotation = read_annotation(snakemake.input.annotation)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    groups = snakemake.params.groups
    sets, sources = read_gene_sets(
        snakemake.input.genesets,
        snakemake.params.geneset_labels,
        annotation["gene_name"],
        snakemake.input.get("geneid_table"),
        logger,
    )
    for name in dict.fromkeys(snakemake.params.plot_sets):
        if name not in sets:
            logger.warning("gene set %s is in enrichment.plot_sets but in none of the gene-set files", name)
        else:
            logger.info("gene set %s from %s: %d genes", name, sources[name], len(sets[name]))
        figure = plot_geneset_heatmap(
            vst, annotation, samples, groups["variable"], groups["levels"], name, sets.get(name)
        )
        save_figure(figure, *figure_paths(snakemake.output, name))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
