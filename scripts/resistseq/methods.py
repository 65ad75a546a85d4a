"""A methods paragraph written from the run's own settings, software versions and inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from resistseq.contrasts import contrast_kind, describe, is_pairwise
from resistseq.contrasts import group_variable as contrast_groups


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def gsea_outcome(table: pd.DataFrame, coverage: pd.DataFrame | None, fdr: float) -> str:
    """One contrast's GSEA in words: sets tested and passing ``fdr``, or why none was tested."""
    from resistseq.genesets import dropped_statement

    if table.empty:
        dropped = dropped_statement(coverage) if coverage is not None else ""
        return "GSEA was not run, no gene set could be tested" + (f" ({dropped})" if dropped else "")
    passing = int((table["fdr"].astype(float) < fdr).sum())
    if not passing:
        return f"{len(table)} gene sets tested; no gene set with FDR < {fdr}"
    return f"{len(table)} gene sets tested; {passing} with FDR < {fdr}"


def methods_markdown(
    *,
    versions: Mapping[str, str],
    snakemake_version: str,
    python_version: str,
    quantification_format: str,
    counts_from_abundance: str,
    samples: pd.DataFrame,
    design: str,
    contrasts: Sequence[Mapping],
    deseq2: Mapping,
    enrichment: Mapping,
    gsea_settings: Mapping[str, Mapping],
    de_results: Mapping[str, pd.DataFrame],
    geneset_files: Sequence[tuple[str, str]],
    outlier_ratio: float,
    gsea_results: Mapping[str, pd.DataFrame] | None = None,
    coverages: Mapping[str, pd.DataFrame] | None = None,
    gsea_fdr: float = 0.05,
    gene_naming: str = "",
) -> str:
    """Markdown for a paper's methods section; every number and version comes from the arguments."""
    group_variable = contrast_groups(contrasts, design)
    sizes = samples[group_variable].value_counts().sort_index()
    group_text = _join([f"{count} {level}" for level, count in sizes.items()])
    contrast_text = _join(
        [
            f"{c['target']} vs {c['reference']} ({c['variable']}; '{c['name']}')"
            if is_pairwise(c) and not c.get("lfc_threshold")
            else f"{describe(c)} ('{c['name']}')"
            for c in contrasts
        ]
    )
    tests = "Wald tests" if all(contrast_kind(c) != "lrt" for c in contrasts) else "tests"
    lines = ["# Methods", ""]
    lines.append(
        f"Transcript quantifications ({quantification_format}) of {len(samples)} samples ({group_text}) were "
        f"summarised to gene-level counts with pytximport {versions['pytximport']} "
        f"(counts_from_abundance = {counts_from_abundance}). Differential expression was tested with "
        f"PyDESeq2 {versions['pydeseq2']}, a Python implementation of DESeq2, with the design `{design}`: "
        f"median-of-ratios size factors, gene-wise dispersions shrunk towards a fitted mean-dispersion trend, "
        f"and {tests} for {contrast_text}. P-values were adjusted with the Benjamini-Hochberg procedure "
        f"(alpha = {deseq2['alpha']}; independent filtering {'on' if deseq2['independent_filter'] else 'off'}; "
        f"Cook's-distance filtering {'on' if deseq2['cooks_filter'] else 'off'})"
        + (
            ", and log2 fold changes were shrunk with apeGLM for display and ranking of effect sizes."
            if deseq2["shrink_lfc"]
            else "."
        )
    )
    lines.append("")
    kinds = {c["name"]: contrast_kind(c) for c in contrasts}
    for name, results in de_results.items():
        significant = results["padj"] < deseq2["alpha"]
        up = int((significant & (results["log2FoldChange"] > 0)).sum())
        down = int((significant & (results["log2FoldChange"] < 0)).sum())
        tested = int(results["padj"].notna().sum())
        if kinds.get(name) == "lrt":
            found = f"{int(significant.sum())} at padj < {deseq2['alpha']} (LRT: no direction)"
        else:
            found = f"{up} up and {down} down at padj < {deseq2['alpha']}"
        if not significant.any():
            found = f"no gene at padj < {deseq2['alpha']}"
        lines.append(f"- {name}: {len(results)} genes, {tested} with an adjusted p-value; {found}.")
    lines.append("")
    if gsea_settings:
        lines.append(gsea_paragraph(gsea_settings, enrichment, geneset_files))
        if gsea_results:
            lines.append("")
            for name, table in gsea_results.items():
                lines.append(f"- {name}: {gsea_outcome(table, (coverages or {}).get(name), gsea_fdr)}.")
    else:
        lines.append("No contrast has a direction to rank genes by (LRT or equivalence tests only): no GSEA was run.")
    lines.append("")
    lines.append(
        f"For quality control, counts were transformed with DESeq2's variance-stabilising transformation "
        f"(blind = {str(deseq2['vst_blind']).lower()}); principal components used the 500 most variable genes, "
        f"and sample-to-sample distances were Euclidean over all genes. A sample was flagged (and kept) when "
        f"its distance to the nearest sample of its own group exceeded {outlier_ratio:g} times the median of "
        f"that distance, or when a sample of another group was more than {outlier_ratio:g} times closer to it than "
        f"its nearest group mate."
    )
    lines.append("")
    if gene_naming:
        lines += [gene_naming, ""]
    software = ", ".join(f"{name} {versions[name]}" for name in sorted(versions, key=str.lower))
    lines.append(
        f"The analysis ran as a Snakemake {snakemake_version} workflow (resistseq) under Python {python_version}, "
        f"with {software}."
    )
    return "\n".join(lines) + "\n"


def gsea_paragraph(gsea_settings: Mapping[str, Mapping], enrichment: Mapping, geneset_files) -> str:
    """The enrichment sentence, from the settings the GSEA rules recorded."""
    permutations = {settings["permutations"] for settings in gsea_settings.values()}
    seeds = {settings["seed"] for settings in gsea_settings.values()}
    gseapy_used = {settings["gseapy_version"] for settings in gsea_settings.values()}
    return (
        f"Genes were ranked by the DESeq2 Wald statistic and tested for enrichment with preranked GSEA "
        f"(gseapy {_join(sorted(gseapy_used))}; {_join(sorted(map(str, permutations)))} gene-set permutations, "
        f"random seed {_join(sorted(map(str, seeds)))}, weight 1, set sizes {enrichment['min_size']} to "
        f"{enrichment['max_size']} genes after matching, at least {enrichment['min_coverage']:.0%} of each set's "
        f"genes found in the data). Gene sets came from local GMT files (no download): "
        + "; ".join(f"`{label}` (SHA-256 {digest[:16]}…)" for label, digest in geneset_files)
        + ". The bundled sets were curated for this workflow from the literature; their sources are listed in "
        "resources/genesets/README.md."
    )


def gene_naming_text(
    annotation: pd.DataFrame, coverage: pd.DataFrame, coverage_path: str, organism: str, table_note: str
) -> str:
    """How many genes carry a symbol and where from, and the share of each gene set's genes found."""
    from resistseq.geneids import naming_summary

    table = f"the offline `{organism}` gene ID table ({table_note})" if organism != "none" else "no gene ID table"
    text = f"Gene symbols came from the inputs, then {table}: " + naming_summary(annotation) + ". "
    shares = [f"{row.term} {row.genes_found}/{row.set_size} ({row.share_found:.0%})" for row in coverage.itertuples()]
    if len(shares) <= 60:
        text += "Share of each gene set's genes found among the ranked genes: " + "; ".join(shares) + "."
    else:
        lowest = coverage.sort_values(["share_found", "term"]).iloc[0]
        text += (
            f"Across {len(coverage)} gene sets a median {coverage['share_found'].median():.0%} of each set's genes "
            f"were found among the ranked genes (lowest: {lowest['term']}, {lowest['share_found']:.0%}); each "
            f"set's share is in `{coverage_path}`."
        )
    return text


def hypotheses_markdown(label: str, digest: str, declaration: Mapping) -> str:
    """The declared hypotheses and how they were judged, for the methods text (from the validated file)."""
    thresholds, audit = declaration["thresholds"], declaration["audit"]
    listed = "; ".join(f"{entry['id']} ({entry['statement']})" for entry in declaration["hypotheses"])
    level = f"{100 * (1 - 2 * thresholds['equivalence_alpha']):g}%"
    jackknife = "each sample of the compared groups left out in turn (DE refitted), " if audit["jackknife"] else ""
    return (
        f"Hypotheses were declared in `{label}` (SHA-256 {digest}; its full text is in results/provenance.json) "
        f"and judged as written: {listed}. Each verdict (supported, not supported, contradicted, not testable) "
        f"follows from the hypothesis's primary evidence only; supporting evidence is reported with its own "
        f"result. Gene sets counted as shifted at GSEA FDR < {thresholds['fdr']}, genes at padj < "
        f"{thresholds['fdr']}; per-sample score and PAM50-correlation shifts needed a Benjamini-Hochberg-adjusted "
        f"Welch p < {thresholds['fdr']} and |Hedges' g| >= {thresholds['min_effect_size']}; a gene counted as "
        f"unchanged when the {level} confidence interval of its log2 fold change lay within the declared margin "
        f"(two one-sided tests). Each verdict was recomputed with {jackknife}the declared gene sets tested on "
        f"their own and with {audit['gsea_seeds']} other GSEA seeds; a verdict reproduced in fewer than "
        f"{audit['fragile_below']:.0%} of these recomputations is marked fragile.\n"
    )
