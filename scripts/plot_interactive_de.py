"""Rule plot_interactive_de: interactive volcano and MA plots of one contrast (offline HTML)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.interactive import (
        gene_plot_note,
        gene_points,
        ma_spec,
        plot_page,
        vega_javascript,
        volcano_spec,
        write_page,
    )

    contrast = snakemake.wildcards.contrast
    alpha, lfc_threshold = snakemake.params.alpha, snakemake.params.lfc_threshold
    label_genes = snakemake.params.label_genes
    results = pd.read_csv(snakemake.input.de, sep="\t", dtype={"gene_id": str, "gene_name": str})
    javascript = vega_javascript()
    volcano, tested = gene_points(results, alpha, lfc_threshold, label_genes, "log2FoldChange", "neg_log10_pvalue")
    ma, _ = gene_points(results, alpha, lfc_threshold, label_genes, "baseMean", "log2FoldChange")
    pages = {
        snakemake.output.volcano: plot_page(
            f"Volcano: {contrast}",
            gene_plot_note("volcano plot", len(volcano), tested, alpha, lfc_threshold),
            volcano_spec(volcano, contrast, alpha, lfc_threshold),
            javascript,
        ),
        snakemake.output.ma: plot_page(
            f"MA plot: {contrast}",
            gene_plot_note("MA plot", len(ma), tested, alpha, lfc_threshold),
            ma_spec(ma, contrast, lfc_threshold),
            javascript,
        ),
    }
    for path, text in pages.items():
        write_page(path, text, logger)
    logger.info(
        "%s: %d of %d tested genes drawn in the volcano, %d in the MA plot", contrast, len(volcano), tested, len(ma)
    )


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
