"""Rule call_pam50: PAM50 centroid correlations and nearest-centroid calls per sample (relative, not clinical)."""

from resistseq.runtime import run_rule


def main(snakemake, logger):
    from resistseq.errors import WorkflowInputError
    from resistseq.pam50 import pam50_table, read_centroids
    from resistseq.runtime import write_table
    from resistseq.signatures import read_vst_by_symbol

    params = snakemake.params
    inputs = snakemake.input
    expression, groups = read_vst_by_symbol(inputs.vst, inputs.annotation, inputs.sheet, params.variable, logger)
    centroids = read_centroids(snakemake.input.centroids)
    missing = [gene for gene in centroids.index if gene not in expression.index]
    found = len(centroids) - len(missing)
    if found < params.min_genes:
        raise WorkflowInputError(
            f"Only {found} of the {len(centroids)} PAM50 genes are in the data (subtype.min_genes is "
            f"{params.min_genes}); PAM50 needs gene symbols such as ESR1, ERBB2, KRT5. Missing: {', '.join(missing)}."
        )
    if missing:
        logger.warning(
            "PAM50: %d of %d genes not in the data, called on %d: %s",
            len(missing),
            len(centroids),
            found,
            ", ".join(missing),
        )
    table = pam50_table(expression, centroids, groups, include_normal=params.include_normal)
    for entry in table.itertuples(index=False):
        logger.info("%s (%s): %s", entry.sample, entry.group, entry.call)
    write_table(table, snakemake.output.table)


run_rule(main, snakemake)  # noqa: F821 - injected by Snakemake
