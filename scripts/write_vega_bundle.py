"""Rule write_vega_bundle: vl-convert's Vega, Vega-Lite and Vega-Embed JavaScript, built once per run for every
interactive plot page."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.vega import write_vega_bundle

    size = write_vega_bundle(snakemake.output.javascript)
    logger.info("%s: %d bytes", snakemake.output.javascript, size)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
