"""Rule write_interactive_de_pages: one contrast's DE and GSEA tables and its volcano and MA plots as offline
interactive HTML pages."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.interactive import (
        de_table_page,
        gene_plot_note,
        gene_points,
        gsea_table_page,
        ma_spec,
        plot_page,
        volcano_spec,
        write_page,
    )
    from resistseq.tables import read_enrichment_table, read_gene_table
    from resistseq.vega import read_vega_bundle

    contrast = snakemake.wildcards.contrast
    alpha, lfc_threshold = snakemake.params.alpha, snakemake.params.lfc_threshold
    label_genes = snakemake.params.label_genes
    results = read_gene_table(snakemake.input.de)
    gsea = read_enrichment_table(snakemake.input.gsea)
    javascript = read_vega_bundle(snakemake.input.javascript)
    volcano, tested = gene_points(results, alpha, lfc_threshold, label_genes, "log2FoldChange", "neg_log10_pvalue")
    ma, _ = gene_points(results, alpha, lfc_threshold, label_genes, "baseMean", "log2FoldChange")
    pages = {
        snakemake.output.de: de_table_page(results, contrast, alpha, lfc_threshold),
        snakemake.output.gsea: gsea_table_page(gsea, contrast),
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
