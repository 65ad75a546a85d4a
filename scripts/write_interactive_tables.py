"""Rule write_interactive_tables: the DE and GSEA tables of one contrast as offline interactive HTML pages."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.interactive import de_table_page, gsea_table_page, write_page
    from resistseq.tables import read_enrichment_table, read_gene_table

    contrast = snakemake.wildcards.contrast
    results = read_gene_table(snakemake.input.de)
    gsea = read_enrichment_table(snakemake.input.gsea)
    pages = {
        snakemake.output.de: de_table_page(results, contrast, snakemake.params.alpha, snakemake.params.lfc_threshold),
        snakemake.output.gsea: gsea_table_page(gsea, contrast),
    }
    for path, text in pages.items():
        write_page(path, text, logger)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
