"""Rule plot_subtype_figures: each sample's correlation with the PAM50 centroids (calls outlined), and the
VST z-scores of the marker genes (HER2 amplicon, NF-kB, basal, luminal)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.plots import figure_paths, plot_marker_heatmap, save_figure
    from resistseq.signature_figures import plot_pam50
    from resistseq.tables import indexed_sample_sheet, read_annotation, read_gene_matrix, read_sample_table

    groups = snakemake.params.groups
    pam50 = read_sample_table(snakemake.input.pam50)
    save_figure(plot_pam50(pam50, groups["levels"]), *figure_paths(snakemake.output, "pam50"))

    vst = read_gene_matrix(snakemake.input.vst)
    annotation = read_annotation(snakemake.input.annotation)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    marker_genes = snakemake.params.marker_genes
    known = set(annotation["gene_name"])
    missing = [gene for genes in marker_genes.values() for gene in genes if gene not in known]
    if missing:
        logger.warning("marker genes not in the data: %s", ", ".join(missing))
    figure = plot_marker_heatmap(vst, annotation, samples, groups["variable"], groups["levels"], marker_genes)
    save_figure(figure, *figure_paths(snakemake.output, "marker_heatmap"))


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
