"""Rule normalise_counts: size factors, normalised counts and VST of the gene counts."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.deseq import VSTSettings, normalise_and_vst
    from resistseq.runtime import write_table
    from resistseq.validation import read_sample_sheet

    counts = pd.read_csv(snakemake.input.counts, sep="\t", index_col="gene_id", dtype={"gene_id": str})
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    settings = VSTSettings.from_config(snakemake.params.design, snakemake.params.deseq2, snakemake.threads)
    logger.info("DE backend: %s (r_compatible=%s)", settings.backend, settings.r_compatible)
    result = normalise_and_vst(counts, samples, settings)
    logger.info("size factors: %s", result.size_factors.round(4).to_dict())
    write_table(result.size_factors.rename_axis("sample").reset_index(), snakemake.output.size_factors)
    write_table(result.normalised_counts.reset_index(), snakemake.output.normalised)
    write_table(result.vst.reset_index(), snakemake.output.vst)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
