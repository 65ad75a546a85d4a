"""Rule plot_pca: PCA of the VST counts, coloured by group."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    import pandas as pd

    from resistseq.plots import plot_pca, save_figure
    from resistseq.validation import read_sample_sheet

    vst = pd.read_csv(snakemake.input.vst, sep="\t", index_col="gene_id")
    samples = read_sample_sheet(snakemake.input.sheet).set_index("sample", drop=False)
    groups = snakemake.params.groups
    figure = plot_pca(vst, samples, groups["variable"], groups["levels"])
    save_figure(figure, snakemake.output.pdf, snakemake.output.png)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
