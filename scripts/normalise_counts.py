"""Rule normalise_counts: size factors, normalised counts and VST of the gene counts."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.deseq import VSTSettings, normalise_and_vst
    from resistseq.runtime import write_table
    from resistseq.tables import indexed_sample_sheet, read_gene_matrix

    counts = read_gene_matrix(snakemake.input.counts)
    samples = indexed_sample_sheet(snakemake.input.sheet)
    settings = VSTSettings.from_config(snakemake.params.design, snakemake.params.deseq2, snakemake.threads)
    logger.info("DE backend: %s (r_compatible=%s)", settings.backend, settings.r_compatible)
    result = normalise_and_vst(counts, samples, settings)
    logger.info("size factors: %s", result.size_factors.round(4).to_dict())
    write_table(result.size_factors.rename_axis("sample").reset_index(), snakemake.output.size_factors)
    write_table(result.normalised_counts.reset_index(), snakemake.output.normalised)
    write_table(result.vst.reset_index(), snakemake.output.vst)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
