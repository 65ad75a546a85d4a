"""One Snakemake run of the bundled example with four kinds of contrast: pairwise, LRT, a pairwise
contrast with an |LFC| threshold (with the first: two contrasts against one reference, so the overlap
table and figure are made), and an equivalence (lessAbs) test of a coefficient."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import copy_example, snakemake

from resistseq.contrasts import threshold_test

pytestmark = pytest.mark.workflow

CONTRASTS = [
    {"name": "resistant_vs_parental", "variable": "condition", "reference": "parental", "target": "resistant"},
    {"name": "any_condition", "test": "lrt", "reduced": "~ 1"},
    {
        "name": "above_one",
        "variable": "condition",
        "reference": "parental",
        "target": "resistant",
        "lfc_threshold": 1,
    },
    {
        "name": "unchanged",
        "coefficients": {"condition[T.resistant]": 1},
        "lfc_threshold": 0.5,
        "alt_hypothesis": "lessAbs",
    },
]


TARGETS = [
    *(f"results/de/{entry['name']}/deseq2.tsv" for entry in CONTRASTS),
    "results/figures/any_condition/top_de_heatmap.pdf",
    "results/figures/any_condition/gene_counts.pdf",
    "results/figures/unchanged/gene_counts.pdf",
    "results/overlap/condition_vs_parental/genes.tsv",
    "results/figures/overlap/condition_vs_parental/upset.pdf",
    "results/hypothesis/above_one.tsv",
    "results/methods.md",
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("contrasts_run")
    configfile = copy_example(workdir)
    config = yaml.safe_load(configfile.read_text())
    config["contrasts"] = CONTRASTS
    config["enrichment"]["permutations"] = 200
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


@pytest.fixture(scope="module")
def planned(workdir) -> dict[str, set[str]]:
    """The full DAG (dry run): rule -> the contrasts (or groups) it would run for."""
    completed = snakemake(workdir, "--configfile", "config.yaml", "--dry-run", "--cores", "1")
    assert completed.returncode == 0, completed.stderr[-4000:]
    jobs: dict[str, set[str]] = {}
    rule = None
    for line in completed.stdout.splitlines():
        line = line.strip()
        if line.startswith(("rule ", "localrule ")) and line.endswith(":"):
            rule = line.split()[1].rstrip(":")
            jobs.setdefault(rule, set())
        elif line.startswith("wildcards:") and rule:
            jobs[rule] |= {value.split("=", 1)[1] for value in line.removeprefix("wildcards:").split(", ")}
    return jobs


@pytest.fixture(scope="module")
def run(workdir, planned):
    """The DE tables, the LRT's heatmap, per-gene counts, the overlap outputs and methods.md: the parts these contrasts
    change (the whole example DAG takes too long on a shared test machine)."""
    completed = snakemake(workdir, "--configfile", "config.yaml", "--cores", "2", *TARGETS, timeout=1800)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return workdir


def test_the_dag_runs_each_step_only_for_the_contrasts_it_suits(planned):
    every = {entry["name"] for entry in CONTRASTS}
    assert planned["run_deseq2"] == every
    # Dispersions, p-value histogram and top-DE heatmap; per-gene counts: every contrast.
    assert planned["plot_de_figures"] == every == planned["plot_gene_counts"]
    # Volcano, MA, GSEA figures and interactive pages: only contrasts with a direction (not the LRT or lessAbs).
    for rule in ("run_gsea", "run_ora", "plot_ranked_figures", "plot_main_figure", "write_interactive_de_pages"):
        assert planned[rule] == {"resistant_vs_parental", "above_one"}, rule
    assert planned["judge_hypotheses"] == {"resistant_vs_parental", "above_one"}
    assert planned["compare_contrasts"] == {"condition_vs_parental"} == planned["plot_overlap"]


def test_gene_count_panels_of_an_lrt_and_a_coefficient_contrast_follow_the_study_groups(run):
    sheet = pd.read_csv(run / "samples.tsv", sep="\t", index_col="sample")
    for name in ("any_condition", "unchanged"):
        source = pd.read_csv(run / "results" / "figures" / name / "gene_counts.source_data.tsv", sep="\t")
        assert set(source["sample"]) == set(sheet.index)
        assert (source["condition"] == sheet.loc[source["sample"], "condition"].to_numpy()).all()


def table(workdir, name: str) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / "de" / name / "deseq2.tsv", sep="\t", index_col="gene_id")


def test_logs_and_methods_describe_each_kind(run):
    results = run / "results"
    log = (run / "logs" / "de" / "any_condition" / "run_deseq2.log").read_text()
    assert "GSEA, ORA, volcano, MA and the hypothesis table are skipped" in log
    assert "stat is the LRT statistic" in log
    methods = (results / "methods.md").read_text()
    assert "likelihood-ratio test of the design against '~ 1' ('any_condition')" in methods
    assert "- any_condition: " in methods and "(LRT: no direction)" in methods
    assert "|log2FC| threshold 0.5 (lessAbs) ('unchanged')" in methods


def test_gsea_of_a_thresholded_ranking_falls_back_to_permutation_and_says_so(run):
    # Above |log2FC| 1 most Wald statistics are exactly 0: gseapy's multilevel method cannot rank those ties.
    settings = json.loads((run / "results" / "enrichment" / "above_one" / "gsea_settings.json").read_text())
    assert settings["pvalue_method"] == "permutation" and settings["pvalue_method_configured"] == "multilevel"
    log = (run / "logs" / "enrichment" / "above_one" / "run_gsea.log").read_text()
    assert "the multilevel method failed on this ranking" in log
    # The hypothesis audit's own GSEA runs of the declared sets on that ranking fall back, and say so too.
    assert "the multilevel method failed on this ranking" in (run / "logs" / "hypothesis" / "above_one.log").read_text()
    default = json.loads((run / "results" / "enrichment" / "resistant_vs_parental" / "gsea_settings.json").read_text())
    assert default["pvalue_method"] == "multilevel"
    methods = (run / "results" / "methods.md").read_text()
    assert (
        "for resistant_vs_parental, p-values by adaptive multilevel splitting (gseapy's port of fgsea; p-values "
        "below 1e-10 reported as that bound), FDR by "
        "Benjamini-Hochberg across the sets tested together, NES from 200 gene-set permutations; for above_one, "
        "p-values, GSEA's NES-based FDR and FWER from 200 gene-set permutations; random seed 20161001"
    ) in methods
    gsea = pd.read_csv(run / "results" / "enrichment" / "above_one" / "gsea.tsv", sep="\t")
    assert gsea["fwer"].between(0, 1).all() and len(gsea) > 0


def test_lrt_of_a_two_level_factor_agrees_with_its_wald_test(run):
    wald = table(run, "resistant_vs_parental")
    lrt = table(run, "any_condition").loc[wald.index]
    # log2FoldChange is the last coefficient's Wald estimate: here the same coefficient.
    assert np.allclose(lrt["log2FoldChange"], wald["log2FoldChange"], equal_nan=True)
    assert lrt["log2FoldChange_shrunk"].isna().all()
    tested = lrt["pvalue"].notna() & wald["pvalue"].notna()
    assert tested.sum() > 1000
    # One degree of freedom: the LRT and Wald p-values rank genes alike and agree in size.
    assert lrt.loc[tested, "pvalue"].corr(wald.loc[tested, "pvalue"], method="spearman") > 0.99
    log_ratio = np.log10(lrt.loc[tested, "pvalue"] / wald.loc[tested, "pvalue"])
    assert np.median(np.abs(log_ratio)) < 0.1
    assert (lrt["pvalue"].isna() == wald["pvalue"].isna()).all()


@pytest.mark.parametrize(
    ("name", "threshold", "alternative"), [("above_one", 1.0, "greaterAbs"), ("unchanged", 0.5, "lessAbs")]
)
def test_thresholded_tests_are_computed_on_the_contrast(run, name, threshold, alternative):
    wald = table(run, "resistant_vs_parental")
    ours = table(run, name).loc[wald.index]
    assert np.allclose(ours["log2FoldChange"], wald["log2FoldChange"], equal_nan=True)
    assert np.allclose(ours["log2FoldChange_shrunk"], wald["log2FoldChange_shrunk"], equal_nan=True)
    stat, pvalue = threshold_test(wald["log2FoldChange"], wald["lfcSE"], threshold, alternative)
    tested = ours["pvalue"].notna()
    assert tested.sum() > 1000
    assert np.allclose(ours.loc[tested, "pvalue"], pvalue[tested.to_numpy()])
    assert np.allclose(ours.loc[tested, "stat"], stat[tested.to_numpy()])
    significant = ours["padj"] < 0.05
    if alternative == "greaterAbs":
        assert significant.sum() > 0 and (ours.loc[significant, "log2FoldChange"].abs() > threshold).all()
        assert significant.sum() < (wald["padj"] < 0.05).sum()
    else:
        assert significant.sum() > 0 and (ours.loc[significant, "log2FoldChange"].abs() < threshold).all()


def test_overlap_of_two_contrasts_against_one_reference(run):
    group = run / "results" / "overlap" / "condition_vs_parental"
    genes = pd.read_csv(group / "genes.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
    for name in ("resistant_vs_parental", "above_one"):
        significant = table(run, name)["padj"] < 0.05
        assert genes["significant_in"].str.split(";").apply(lambda names, n=name: n in names).sum() == significant.sum()
    # Every gene beyond |log2FC| 1 is also DE without the threshold, in the same direction.
    both = genes[genes["n_significant"] == 2]
    assert len(both) == (genes["significant_in"] == "resistant_vs_parental;above_one").sum() > 0
    assert both["same_direction"].all()
    sets = pd.read_csv(group / "genesets.tsv", sep="\t")
    assert {"term", "source", "resistant_vs_parental:nes", "above_one:fdr"} <= set(sets.columns)
    for suffix in ("pdf", "svg", "png"):
        assert (run / "results" / "figures" / "overlap" / "condition_vs_parental" / f"upset.{suffix}").is_file()
    upset = pd.read_csv(
        run / "results" / "figures" / "overlap" / "condition_vs_parental" / "upset.source_data.tsv", sep="\t"
    )
    drawn = upset[(upset["panel"] == "DE genes") & (upset["significant_in"] == "resistant_vs_parental;above_one")]
    assert drawn["size"].tolist() == [len(both)]
