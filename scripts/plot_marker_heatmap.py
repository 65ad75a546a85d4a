"""Rule plot_marker_heatmap: VST z-scores of HER2-amplicon, NF-kB, basal and luminal marker genes."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import plot_marker_heatmap, save_figure
    from resistseq.validation import read_sample_sheet

    vst = pd.read_csv(snakemake.input.vst, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    annotation = pd.read_csv(snakemake.input.annotation, sep="\t", dtype=str, keep_default_na=False)
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
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
