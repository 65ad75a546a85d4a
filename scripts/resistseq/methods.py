"""A methods paragraph written from the run's own settings, software versions and inputs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from resistseq.contrasts import contrast_kind, describe, is_pairwise
from resistseq.contrasts import group_variable as contrast_groups
from resistseq.deseq import engine


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


@dataclass(frozen=True)
class MethodsInputs:
    """What the methods text is written from: the resolved config, the run's records and the software in use.

    ``de_summaries`` are the DE rule's run summaries per contrast (``results/de/{contrast}/summary.json``,
    ``resistseq.deseq.run_summary``): the DE paragraph describes what they record, not the config.
    ``vst_engine`` is the resolved config's ``deseq2`` block the VST rule read (backend, r_compatible).
    """

    versions: Mapping[str, str]
    snakemake_version: str
    python_version: str
    quantification: Mapping
    samples: pd.DataFrame
    design: str
    contrasts: Sequence[Mapping]
    de_summaries: Mapping[str, Mapping]
    de_results: Mapping[str, pd.DataFrame]
    vst_blind: bool
    vst_engine: Mapping
    pca_genes: int
    outlier_ratio: float
    enrichment: Mapping
    gsea_settings: Mapping[str, Mapping]
    geneset_files: Sequence[tuple[str, str]]
    gsea_results: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    coverages: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    gsea_fdr: float = 0.05
    gene_naming: str = ""


R_CHOICES = (
    "follows R DESeq2 where PyDESeq2 differs: R's parametric dispersion trend (parametricDispersionFit), "
    "R's gene-wise dispersion line search (fitDisp) and fitted means floored at 0.5 in the Wald test"
)


def engine_text(engine: Mapping) -> str:
    """The DE engine a run summary's ``engine`` records, in words."""
    if engine["backend"] == "pydeseq2":
        return f"PyDESeq2 {engine['pydeseq2_version']}'s own per-gene inference (DefaultInference)"
    choices = R_CHOICES if engine["r_compatible"] else "uses PyDESeq2's own algorithms"
    return (
        f"this workflow's vectorised inference (resistseq.inference) on PyDESeq2 {engine['pydeseq2_version']}, "
        f"which fits all genes at once and {choices}"
    )


def _one(values, what: str):
    """The value every contrast's run summary shares (the DE rule runs with one config)."""
    distinct = {json.dumps(value, sort_keys=True) for value in values}
    if len(distinct) != 1:
        raise ValueError(f"The DE run summaries disagree on {what}: {sorted(distinct)}")
    return json.loads(distinct.pop())


def _per_contrast(counts: Mapping[str, int], unit: str, of: str = "") -> str:
    """'3 genes' (one contrast, or the same count in each), else '3 (a) and 5 (b) genes'; ``of``: ' of 2167'."""
    if len(set(counts.values())) == 1:
        return f"{next(iter(counts.values()))}{of} {unit}" + (" in each contrast" if len(counts) > 1 else "")
    return _join([f"{count} ({name})" for name, count in counts.items()]) + f"{of} {unit}"


def shared_settings(settings: Mapping) -> dict:
    """A run summary's settings without those that differ by contrast (its design, the pre-filter's samples)."""
    prefilter = {key: value for key, value in settings["prefilter"].items() if key != "min_samples_applied"}
    return {**{key: value for key, value in settings.items() if key != "design"}, "prefilter": prefilter}


def de_paragraph(inputs: MethodsInputs) -> str:
    """The DE engine, pre-filter, filters and shrinkage, as the run summaries record them."""
    summaries = inputs.de_summaries
    engine = _one([summary["engine"] for summary in summaries.values()], "the engine")
    # Per contrast: its design and the pre-filter's samples (the smallest group of its model by default).
    settings = _one([shared_settings(summary["settings"]) for summary in summaries.values()], "the settings")
    alpha = settings["alpha"]
    group_variable = contrast_groups(inputs.contrasts, inputs.design)
    sizes = inputs.samples[group_variable].value_counts().sort_index()
    group_text = _join([f"{count} {level}" for level, count in sizes.items()])
    contrast_text = _join(
        [
            f"{c['target']} vs {c['reference']} ({c['variable']}; '{c['name']}')"
            if is_pairwise(c) and not c.get("lfc_threshold")
            else f"{describe(c)} ('{c['name']}')"
            for c in inputs.contrasts
        ]
    )
    tests = "Wald tests" if all(contrast_kind(c) != "lrt" for c in inputs.contrasts) else "tests"
    quantification = inputs.quantification
    text = (
        f"Transcript quantifications ({quantification['format']}) of {len(inputs.samples)} samples ({group_text}) "
        f"were summarised to gene-level counts with pytximport {inputs.versions['pytximport']} "
        f"(counts_from_abundance = {quantification['counts_from_abundance']}). Differential expression was "
        f"tested with DESeq2's model and the design `{inputs.design}`: median-of-ratios size factors, gene-wise "
        f"dispersions shrunk towards a fitted mean-dispersion trend, and {tests} for {contrast_text}. The model "
        f"was fitted by {engine_text(engine)}."
    )
    if engine["backend"] == "vectorised":
        fallbacks = {name: sum(summary["fallbacks"].values()) for name, summary in summaries.items()}
        if any(fallbacks.values()):
            steps = Counter()
            for summary in summaries.values():
                steps.update(summary["fallbacks"])
            text += (
                f" Where the batched fit failed, did not converge or was not finite, PyDESeq2's per-gene routines "
                f"refitted the gene: {_per_contrast(fallbacks, 'gene fits')} ("
                + "; ".join(f"{step}: {count}" for step, count in sorted(steps.items()))
                + ")."
            )
        else:
            text += " No gene needed PyDESeq2's per-gene routines (every batched fit converged)."
    prefilter = settings["prefilter"]
    if prefilter["min_count"]:
        applied = {name: summary["settings"]["prefilter"]["min_samples_applied"] for name, summary in summaries.items()}
        if len(set(applied.values())) == 1:
            rule = "the smallest group's size" if prefilter["min_samples"] is None else "as configured"
            samples = f"{next(iter(applied.values()))} samples ({rule})"
        else:
            samples = (
                "as many samples as the smallest group of the contrast's model ("
                + _join([f"{count} for '{name}'" for name, count in applied.items()])
                + ")"
            )
        removed = {name: summary["genes"]["prefiltered_out"] for name, summary in summaries.items()}
        genes_in = {name: summary["genes"]["in"] for name, summary in summaries.items()}
        of = f" of {genes_in.popitem()[1]}" if len(set(genes_in.values())) == 1 else ""
        text += (
            f" Before the fit, genes without at least {prefilter['min_count']} counts in at least {samples} were "
            f"left out of the model and kept in the tables with NA statistics: {_per_contrast(removed, 'genes', of)}."
        )
    else:
        text += " No gene was pre-filtered before the fit (deseq2.prefilter.min_count = 0)."
    if settings["independent_filter"]:
        text += (
            f" P-values were adjusted with the Benjamini-Hochberg procedure after DESeq2's independent filtering "
            f"on the mean of normalised counts at alpha = {alpha} (R's results() rule; the baseMean threshold "
            "of each contrast is listed below)."
        )
    else:
        text += f" P-values were adjusted with the Benjamini-Hochberg procedure (alpha = {alpha}; "
        text += "no independent filtering)."
    if settings["cooks_filter"]:
        outliers = {name: summary["cooks"]["outliers"] for name, summary in summaries.items()}
        text += (
            f" Genes with a Cook's-distance outlier got no p-value (DESeq2's cooksCutoff): "
            f"{_per_contrast(outliers, 'genes')}."
        )
    else:
        text += " Cook's-distance filtering was off."
    refitted = {name: summary["cooks"]["refitted_genes"] for name, summary in summaries.items()}
    if any(refitted.values()):
        text += (
            " Outlier counts in groups of 7 or more samples were replaced (DESeq2's default) and the genes "
            f"refitted: {_per_contrast(refitted, 'genes')}."
        )
    shrunk = {name: summary["shrinkage"] for name, summary in summaries.items() if summary["shrinkage"]}
    if shrunk:
        coefficients = _join(
            [
                f"the contrast as one coefficient ('{name}')"
                if shrinkage["coefficient"] == "contrast"
                else f"`{shrinkage['coefficient']}` ('{name}')"
                for name, shrinkage in shrunk.items()
            ]
        )
        text += f" Log2 fold changes were shrunk with apeGLM ({coefficients}) for display and ranking of effect sizes."
    elif settings["shrink_lfc"]:
        text += " No fold change was shrunk (LRT results carry none)."
    else:
        text += " Log2 fold changes were not shrunk."
    return text


def contrast_line(name: str, results: pd.DataFrame, summary: Mapping, kind: str) -> str:
    """One contrast's genes at each step of the DE run and what passed alpha."""
    alpha = summary["settings"]["alpha"]
    genes = summary["genes"]
    significant = results["padj"] < alpha
    up = int((significant & (results["log2FoldChange"] > 0)).sum())
    down = int((significant & (results["log2FoldChange"] < 0)).sum())
    tested = int(results["padj"].notna().sum())
    if kind == "lrt":
        found = f"{int(significant.sum())} at padj < {alpha} (LRT: no direction)"
    else:
        found = f"{up} up and {down} down at padj < {alpha}"
    if not significant.any():
        found = f"no gene at padj < {alpha}"
    steps = []
    if summary["settings"]["prefilter"]["min_count"]:
        steps.append(f"{genes['prefiltered_out']} pre-filtered")
    steps.append(f"{genes['with_pvalue']} with a p-value")
    if summary["settings"]["independent_filter"]:
        threshold = summary["independent_filtering_basemean_threshold"]
        steps.append(
            f"{genes['independent_filtered']} below the independent-filtering baseMean threshold {threshold:.4g}"
            if genes["independent_filtered"]
            else "none removed by independent filtering"
        )
    return f"- {name}: {len(results)} genes, {', '.join(steps)}; {tested} with an adjusted p-value; {found}."


def methods_markdown(inputs: MethodsInputs) -> str:
    """Markdown for a paper's methods section; every number and version comes from ``inputs``."""
    lines = ["# Methods", "", de_paragraph(inputs), ""]
    kinds = {c["name"]: contrast_kind(c) for c in inputs.contrasts}
    for name, results in inputs.de_results.items():
        lines.append(contrast_line(name, results, inputs.de_summaries[name], kinds.get(name, "")))
    lines.append("")
    if inputs.gsea_settings:
        lines.append(gsea_paragraph(inputs.gsea_settings, inputs.enrichment, inputs.geneset_files))
        if inputs.gsea_results:
            lines.append("")
            for name, table in inputs.gsea_results.items():
                lines.append(f"- {name}: {gsea_outcome(table, inputs.coverages.get(name), inputs.gsea_fdr)}.")
    else:
        lines.append("No contrast has a direction to rank genes by (LRT or equivalence tests only): no GSEA was run.")
    lines.append("")
    vst_engine = engine(inputs.vst_engine["backend"], inputs.vst_engine["r_compatible"])
    engines = [summary["engine"] for summary in inputs.de_summaries.values()]
    vst_text = "the same inference" if engines and all(e == vst_engine for e in engines) else engine_text(vst_engine)
    ratio = inputs.outlier_ratio
    lines.append(
        f"For quality control, counts were transformed with DESeq2's variance-stabilising transformation "
        f"(blind = {str(inputs.vst_blind).lower()}; its dispersion trend fitted by {vst_text}); principal components "
        f"used the {inputs.pca_genes} most variable genes, and sample-to-sample distances were Euclidean over all "
        f"genes. A sample was flagged (and kept) when its distance to the nearest sample of its own group exceeded "
        f"{ratio:g} times the median of that distance, or when a sample of another group was more than {ratio:g} "
        f"times closer to it than its nearest group mate."
    )
    lines.append("")
    if inputs.gene_naming:
        lines += [inputs.gene_naming, ""]
    versions = inputs.versions
    software = ", ".join(f"{name} {versions[name]}" for name in sorted(versions, key=str.lower))
    lines.append(
        f"The analysis ran as a Snakemake {inputs.snakemake_version} workflow (resistseq) under Python "
        f"{inputs.python_version}, with {software}."
    )
    return "\n".join(lines) + "\n"


def gsea_paragraph(gsea_settings: Mapping[str, Mapping], enrichment: Mapping, geneset_files) -> str:
    """The enrichment sentence, from the settings the GSEA rules recorded."""
    permutations = {settings["permutations"] for settings in gsea_settings.values()}
    seeds = {settings["seed"] for settings in gsea_settings.values()}
    gseapy_used = {settings["gseapy_version"] for settings in gsea_settings.values()}
    drawn = f"{_join(sorted(map(str, permutations)))} gene-set permutations"
    # No floor is recorded where no set could be tested (GSEA did not run).
    floors = sorted(
        f"{floor:g}" for floor in {settings.get("pvalue_floor") for settings in gsea_settings.values()} - {None}
    )
    floor_text = f"; p-values below {_join(floors)} reported as that bound" if floors else ""
    pvalues = {
        "multilevel": f"p-values by adaptive multilevel splitting (gseapy's port of fgsea{floor_text}), FDR by "
        f"Benjamini-Hochberg across the sets tested together, NES from {drawn}",
        "permutation": f"p-values, GSEA's NES-based FDR and FWER from {drawn}",
    }
    contrasts_by_method: dict[str, list[str]] = {}
    for name, settings in gsea_settings.items():
        contrasts_by_method.setdefault(settings["pvalue_method"], []).append(name)
    if len(contrasts_by_method) == 1:
        pvalue_text = pvalues[next(iter(contrasts_by_method))]
    else:
        # The multilevel method falls back to permutation on rankings it cannot score (run_gsea logs it).
        pvalue_text = "; ".join(
            f"for {_join(names)}, {pvalues[method]}" for method, names in sorted(contrasts_by_method.items())
        )
    return (
        f"Genes were ranked by the DESeq2 Wald statistic and tested for enrichment with preranked GSEA "
        f"(gseapy {_join(sorted(gseapy_used))}; {pvalue_text}; "
        f"random seed {_join(sorted(map(str, seeds)))}, weight 1, set sizes {enrichment['min_size']} to "
        f"{enrichment['max_size']} genes after matching, at least {enrichment['min_coverage']:.0%} of each set's "
        f"genes found in the data). Gene sets came from local GMT files (no download): "
        + "; ".join(f"`{label}` (SHA-256 {digest[:16]}…)" for label, digest in geneset_files)
        + ". The bundled sets were curated for this workflow from the literature; their sources are listed in "
        "resources/genesets/README.md."
    )


def gene_naming_text(
    annotation: pd.DataFrame, coverage: pd.DataFrame | None, coverage_path: str | None, organism: str, table_note: str
) -> str:
    """How many genes carry a symbol and where from, and the share of each gene set's genes found.

    ``coverage`` None: no contrast was ranked (LRT or equivalence tests only), so no set was matched.
    """
    from resistseq.geneids import naming_summary

    table = f"the offline `{organism}` gene ID table ({table_note})" if organism != "none" else "no gene ID table"
    text = f"Gene symbols came from the inputs, then {table}: " + naming_summary(annotation) + ". "
    if coverage is None:
        return text + "No contrast ranked the genes, so no gene set was matched to them."
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
