"""Rule plot_marker_heatmap: VST z-scores of HER2-amplicon, NF-kB, basal and luminal marker genes."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import plot_marker_heatmap, save_figure
    from resistseq.tables import indexed_sample_sheet, read_annotation, read_gene_matrix

    vst = read_gene_matrix(snakemake.input.vst)
    annotation = read_annotation(snakemake.input.annotation)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    groups = snakemake.params.groups
    known = set(annotation["gene_name"])
    missing = [gene for genes in snakemake.params.marker_genes.values() for gene in genes if gene not in known]
    if missing:
        logger.warning("marker genes not in the data: %s", ", ".join(missing))
    figure = plot_marker_heatmap(
        vst, annotation, samples, groups["variable"], groups["levels"], snakemake.params.marker_genes
    )
    save_figure(figure, snakemake.output.pdf, snakemake.output.png, snakemake.output.svg, snakemake.output.source_data)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
