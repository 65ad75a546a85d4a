"""Rule write_interactive_tables: the DE and GSEA tables of one contrast as offline interactive HTML pages."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.interactive import de_table_page, gsea_table_page, write_page

    contrast = snakemake.wildcards.contrast
    results = pd.read_csv(snakemake.input.de, sep="\t", dtype={"gene_id": str, "gene_name": str})
    gsea = pd.read_csv(snakemake.input.gsea, sep="\t", dtype={"term": str, "leading_edge": str})
    pages = {
        snakemake.output.de: de_table_page(results, contrast, snakemake.params.alpha, snakemake.params.lfc_threshold),
        snakemake.output.gsea: gsea_table_page(gsea, contrast),
    }
    for path, text in pages.items():
        write_page(path, text, logger)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
