"""Calibration of the hypothesis verdicts on planted truth, and the cost of the robustness audit.

    .venv/bin/python bench/hypothesis_calibration.py                  # 4 scenarios x 20 seeds, 4 vs 4
    .venv/bin/python bench/hypothesis_calibration.py --seeds 5 --scenarios null
    .venv/bin/python bench/hypothesis_calibration.py --audit-cost     # seconds of one audit (4 vs 4)

Genes, baseline means and dispersions come from the bundled example's generator
(example/make_example.py: the bundled gene sets plus 2,000 background genes, negative-binomial counts
with the example's mean-dispersion trend); only the planted log2 fold changes differ by scenario:

- targets_up: NF-kB target genes +1.5, pathway members flat (even seeds) or -0.5 (odd seeds); basal-like
  genes +2, luminal -1.2, HER2 amplicon flat, 5 % of background genes changed (as in the example);
- members_up: pathway members +1.0, targets flat, subtype sets flat; background as above;
- null: nothing changed;
- unrelated: every declared set flat, 30 % of background genes changed by |log2FC| 1-3.

Each seed runs the workflow's own steps: DE (resistseq.deseq.run_deseq2, vectorised backend, pre-filter,
no shrinkage: no verdict reads it), preranked GSEA of all bundled sets (seed 20161001, 1,000
permutations), z-score signature scores and PAM50 correlations on the VST, then the bundled
config/hypotheses.yaml judged by resistseq.hypothesis.judge. ssGSEA rows are supporting only and are left
out (not testable) to keep the bench fast. The NF-kB verdict is right when it is 'supported' in
targets_up and 'not supported' elsewhere. tests/test_hypothesis_calibration.py runs a few seeds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "scripts"))
sys.path.insert(0, str(PROJECT / "example"))

import make_example  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from resistseq.deseq import Contrast, DESettings, VSTSettings, normalise_and_vst, run_deseq2  # noqa: E402
from resistseq.genesets import read_gmt_files, set_coverage  # noqa: E402
from resistseq.gsea import gsea_table, rank_genes, run_prerank, sets_to_test  # noqa: E402
from resistseq.hypothesis import Evidence, is_change_hypothesis, judge, load_hypotheses  # noqa: E402
from resistseq.pam50 import pam50_table, read_centroids  # noqa: E402
from resistseq.runtime import limit_threads  # noqa: E402
from resistseq.signatures import expression_by_symbol, long_scores, zscore_scores  # noqa: E402
from resistseq.validation import load_yaml  # noqa: E402

CONTRAST = Contrast("resistant_vs_parental", "condition", "parental", "resistant")
SCENARIOS = ("targets_up", "members_up", "null", "unrelated")
GSEA_SEED = 20161001
NFKB = "nfkb_activated"


def bundled_declaration(name: str = "hypotheses.yaml") -> dict:
    schema = load_yaml(PROJECT / "config" / "schemas" / "hypotheses.schema.yaml")
    return load_hypotheses(PROJECT / "config" / name, f"config/{name}", schema)


def planted_genes(scenario: str, seed: int) -> pd.DataFrame:
    """The example's gene table with this scenario's log2 fold changes (column log2FoldChange)."""
    rng = np.random.default_rng(seed)
    genes = make_example.gene_table(rng, no_effect=scenario == "null")
    category = genes["category"]
    planted = {
        "targets_up": {
            "NFKB_TARGET_GENES": 1.5,
            "NFKB_CANONICAL_PATHWAY": 0.0 if seed % 2 == 0 else -0.5,
            "BASAL_LIKE_UP": 2.0,
            "LUMINAL_MARKERS": -1.2,
            "HER2_AMPLICON_17Q12": 0.0,
        },
        "members_up": {
            "NFKB_TARGET_GENES": 0.0,
            "NFKB_CANONICAL_PATHWAY": 1.0,
            "BASAL_LIKE_UP": 0.0,
            "LUMINAL_MARKERS": 0.0,
            "HER2_AMPLICON_17Q12": 0.0,
        },
    }
    if scenario in planted:
        for name, change in planted[scenario].items():
            genes.loc[category == name, "log2FoldChange"] = change
    if scenario == "unrelated":
        background = category.str.startswith("background").to_numpy()
        changed = background & (rng.random(len(genes)) < 0.3)
        genes["log2FoldChange"] = 0.0
        genes.loc[changed, "log2FoldChange"] = rng.uniform(1, 3, changed.sum()) * rng.choice([-1, 1], changed.sum())
    return genes


def simulate(scenario: str, seed: int, replicates: int = 4) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Gene counts (genes x samples), the sample sheet and the annotation for one scenario and seed."""
    genes = planted_genes(scenario, seed)
    rng = np.random.default_rng(seed + 1_000_000)
    conditions = ["parental"] * replicates + ["resistant"] * replicates
    names = [f"P{index + 1}" for index in range(replicates)] + [f"R{index + 1}" for index in range(replicates)]
    size_factors = rng.uniform(0.7, 1.4, len(names))
    columns = {}
    for name, condition, factor in zip(names, conditions, size_factors, strict=True):
        mean = genes["baseline_mean"].to_numpy() * factor
        if condition == "resistant":
            mean = mean * np.exp2(genes["log2FoldChange"].to_numpy())
        columns[name] = make_example.negative_binomial(rng, mean, genes["dispersion"].to_numpy())
    counts = pd.DataFrame(columns, index=pd.Index(genes["gene_id"], name="gene_id"))
    samples = pd.DataFrame({"sample": names, "condition": conditions}).set_index("sample", drop=False)
    return counts, samples, genes[["gene_id", "gene_name"]]


def evidence_for(counts, samples, annotation, gene_sets, sources, centroids, permutations=1000) -> Evidence:
    """The workflow's steps on one simulated study, as judge_hypotheses reads them."""
    settings = DESettings.defaults("~ condition", shrink_lfc=False, min_count=10)
    de = run_deseq2(counts, samples, CONTRAST, settings, annotation).table
    ranking = rank_genes(de)
    coverage = set_coverage(gene_sets, sources, ranking.scores.index, 5, 2000, 0.5)
    tested = sets_to_test(gene_sets, coverage, ranking.scores)
    gsea = gsea_table(run_prerank(ranking.scores, tested, seed=GSEA_SEED, permutations=permutations), coverage)
    vst = normalise_and_vst(counts, samples, VSTSettings.defaults("~ condition")).vst
    expression, _ = expression_by_symbol(vst, annotation.set_index("gene_id")["gene_name"])
    groups = dict(zip(samples["sample"], samples["condition"], strict=True))
    scored = {name: genes for name, genes in tested.items()}
    scores = long_scores({"zscore": zscore_scores(expression, scored)}, groups, list(samples["sample"]))
    pam50 = pam50_table(expression, centroids, groups)
    return Evidence(
        de=de,
        gsea=gsea.set_index("term"),
        scores=scores,
        pam50=pam50,
        target_samples=list(samples.index[samples["condition"] == "resistant"]),
        reference_samples=list(samples.index[samples["condition"] == "parental"]),
        target="resistant",
        reference="parental",
        coverage=coverage,
    )


def expected_nfkb(scenario: str) -> str:
    return "supported" if scenario == "targets_up" else "not supported"


def calibrate(scenario: str, seed: int, declaration: dict, permutations: int = 1000) -> dict:
    """One seed of one scenario: every overall verdict and whether a change hypothesis was supported."""
    gene_sets, sources = read_gmt_files(
        sorted(str(path) for path in (PROJECT / "resources" / "genesets").glob("*.gmt"))
    )
    centroids = read_centroids(PROJECT / "resources" / "pam50" / "centroids.tsv")
    counts, samples, annotation = simulate(scenario, seed)
    evidence = evidence_for(counts, samples, annotation, gene_sets, sources, centroids, permutations)
    table = judge(evidence, declaration)
    overall = table[table["role"] == "overall"].set_index("hypothesis")["verdict"].to_dict()
    changes = [entry["id"] for entry in declaration["hypotheses"] if is_change_hypothesis(entry)]
    return {
        "scenario": scenario,
        "seed": seed,
        **overall,
        "nfkb_right": overall[NFKB] == expected_nfkb(scenario),
        "change_supported": any(overall[name] == "supported" for name in changes),
        "any_contradicted": "contradicted" in overall.values(),
    }


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    def counts(values: pd.Series) -> str:
        return ", ".join(f"{verdict} {count}" for verdict, count in values.value_counts().sort_index().items())

    summary = rows.groupby("scenario", sort=False).agg(
        seeds=("seed", "size"),
        nfkb_right=("nfkb_right", "mean"),
        nfkb=(NFKB, counts),
        basal=("basal_like_shift", counts),
        her2=("her2_maintained", counts),
        change_supported=("change_supported", "mean"),
        any_contradicted=("any_contradicted", "mean"),
    )
    return summary.reset_index()


def audit_cost(threads: int) -> None:
    """Seconds of the workflow's audit on one targets_up study (4 vs 4): 8 DE refits and 6 GSEA runs."""
    from resistseq.hypothesis_audit import GseaSettings, audit_verdicts

    declaration = bundled_declaration()
    gene_sets, sources = read_gmt_files(
        sorted(str(path) for path in (PROJECT / "resources" / "genesets").glob("*.gmt"))
    )
    centroids = read_centroids(PROJECT / "resources" / "pam50" / "centroids.tsv")
    counts, samples, annotation = simulate("targets_up", 1)
    start = time.perf_counter()
    evidence = evidence_for(counts, samples, annotation, gene_sets, sources, centroids)
    main_seconds = time.perf_counter() - start

    def refit(left_out):
        kept = [name for name in samples.index if name not in left_out]
        settings = DESettings.defaults("~ condition", shrink_lfc=False, min_count=10)
        return run_deseq2(counts[kept], samples.loc[kept], CONTRAST, settings, annotation).table

    start = time.perf_counter()
    audit = audit_verdicts(
        evidence, declaration, gene_sets, GseaSettings(GSEA_SEED, 1000, 5, 2000, 0.5, threads), refit
    )
    seconds = time.perf_counter() - start
    print(f"{len(counts)} genes, 4 vs 4, {threads} thread(s)")
    print(f"main DE + GSEA + scores + PAM50: {main_seconds:.1f} s")
    print(f"audit ({audit['recomputation'].nunique()} recomputations): {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write one row per seed (TSV)")
    parser.add_argument("--audit-cost", action="store_true", help="time one robustness audit instead")
    arguments = parser.parse_args()
    limit_threads(arguments.threads)
    if arguments.audit_cost:
        audit_cost(arguments.threads)
        return
    declaration = bundled_declaration()
    rows = []
    for scenario in arguments.scenarios:
        for seed in range(arguments.first_seed, arguments.first_seed + arguments.seeds):
            rows.append(calibrate(scenario, seed, declaration))
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    if arguments.out:
        table.to_csv(arguments.out, sep="\t", index=False)
    print(summarise(table).to_markdown(index=False, floatfmt=".2f"))


if __name__ == "__main__":
    main()
