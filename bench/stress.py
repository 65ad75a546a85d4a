"""DE stress suite: the workflow's run_deseq2 on random datasets, with both backends.

    .venv/bin/python bench/stress.py                        # 200 datasets, seed 1
    .venv/bin/python bench/stress.py --n 50 --seed 7 --out bench/stress_results

Each dataset comes from stress_case in tests/simulation.py (null to strong effects, 2-10 replicates,
one or two covariates, size factors spread up to 20x, dispersions 0.001-5, genes all zero in one
group, single-count genes, 50-1000x outliers, 500-60,000 genes). For each, resistseq.deseq.run_deseq2
runs with the workflow's default backend (vectorised, r_compatible), with the vectorised backend in
PyDESeq2 mode (r_compatible off) and with stock PyDESeq2 ("pydeseq2"). Recorded per run: crash or
not (with the exception), the share of finite log2FoldChange / p-value / shrunken LFC among genes
with counts, and the genes the vectorised backend refitted per gene. Where both succeed, the
PyDESeq2-mode vectorised run is compared with the stock one: max |delta log2FoldChange|, max
relative p-value error (p > 1e-300), Jaccard index of the padj < 0.05 sets. Writes ``OUT.tsv``
(one row per dataset and backend) and ``OUT.md`` (summary table).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from simulation import stress_case  # noqa: E402

from resistseq.deseq import Contrast, DESettings, run_deseq2  # noqa: E402
from resistseq.runtime import limit_threads  # noqa: E402

CONTRAST = Contrast("resistant_vs_parental", "condition", "parental", "resistant")
# (label, backend, r_compatible)
RUNS = [
    ("default", "vectorised", True),
    ("vectorised_pydeseq2_mode", "vectorised", False),
    ("pydeseq2", "pydeseq2", False),
]
STAT_COLUMNS = {"lfc": "log2FoldChange", "pvalue": "pvalue", "shrunk": "log2FoldChange_shrunk"}


class FallbackRecorder(logging.Handler):
    """Collects the vectorised backend's per-gene fallback log lines of one run."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def finite_shares(results: pd.DataFrame) -> dict:
    with_counts = results["baseMean"] > 0
    return {
        f"finite_{key}": float(np.isfinite(results.loc[with_counts, column]).mean()) if with_counts.any() else 1.0
        for key, column in STAT_COLUMNS.items()
    }


def agreement(ours: pd.DataFrame, stock: pd.DataFrame, alpha: float = 0.05) -> dict:
    """max |delta LFC|, max relative p-value error (stock p > 1e-300) and Jaccard of padj < alpha sets."""
    ours, stock = ours.set_index("gene_id"), stock.set_index("gene_id").loc[ours.set_index("gene_id").index]
    both = np.isfinite(ours["log2FoldChange"]) & np.isfinite(stock["log2FoldChange"])
    lfc = (
        float(np.abs(ours.loc[both, "log2FoldChange"] - stock.loc[both, "log2FoldChange"]).max()) if both.any() else 0.0
    )
    usable = np.isfinite(ours["pvalue"]) & np.isfinite(stock["pvalue"]) & (stock["pvalue"] > 1e-300)
    p_error = (np.abs(ours.loc[usable, "pvalue"] - stock.loc[usable, "pvalue"]) / stock.loc[usable, "pvalue"]).max()
    ours_set, stock_set = set(ours.index[ours["padj"] < alpha]), set(stock.index[stock["padj"] < alpha])
    union = ours_set | stock_set
    return {
        "max_abs_dlfc": lfc,
        "max_rel_pvalue_error": float(p_error) if usable.any() else 0.0,
        "jaccard_padj": len(ours_set & stock_set) / len(union) if union else 1.0,
    }


def run_one(case, backend: str, r_compatible: bool, recorder: FallbackRecorder) -> tuple[pd.DataFrame | None, dict]:
    recorder.messages.clear()
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            settings = DESettings.defaults(case.design, backend=backend, r_compatible=r_compatible, min_count=0)
            results = run_deseq2(case.simulation.counts, case.simulation.samples, CONTRAST, settings).table
    except Exception as error:  # noqa: BLE001 - a crash is what this bench records
        return None, {
            "crashed": True,
            "error": f"{type(error).__name__}: {error}"[:300],
            "seconds": time.perf_counter() - start,
        }
    row = {"crashed": False, "error": "", "seconds": time.perf_counter() - start}
    row.update(finite_shares(results))
    row["fallbacks"] = " | ".join(recorder.messages)
    return results, row


def summarise(table: pd.DataFrame) -> str:
    lines = [
        "| run | datasets | crashes | min share finite LFC / p / shrunk LFC | datasets with per-gene fallbacks |",
        "|---|---:|---:|---|---:|",
    ]
    for label, group in table.groupby("run", sort=False):
        done = group[~group["crashed"]]
        shares = " / ".join(f"{done[f'finite_{key}'].min():.4f}" if len(done) else "-" for key in STAT_COLUMNS)
        fallbacks = int((done["fallbacks"].fillna("") != "").sum())
        lines.append(f"| {label} | {len(group)} | {int(group['crashed'].sum())} | {shares} | {fallbacks} |")
    compared = table[
        (table["run"] == "vectorised_pydeseq2_mode") & table.get("jaccard_padj", pd.Series(dtype=float)).notna()
    ]
    if len(compared):
        lines += [
            "",
            f"Vectorised (PyDESeq2 mode) vs stock PyDESeq2 on the {len(compared)} datasets both finished:",
            "",
            "| statistic | median | 95th percentile | max |",
            "|---|---:|---:|---:|",
        ]
        for column in ["max_abs_dlfc", "max_rel_pvalue_error"]:
            values = compared[column]
            lines.append(f"| {column} | {values.median():.2e} | {values.quantile(0.95):.2e} | {values.max():.2e} |")
        values = compared["jaccard_padj"]
        lines.append(
            f"| jaccard_padj (padj < 0.05) | {values.median():.4f} | {values.quantile(0.05):.4f} (5th) "
            f"| {values.min():.4f} (min) |"
        )
    crashes = table[table["crashed"]]
    if len(crashes):
        lines += ["", "Crashes:", ""]
        lines += [f"- seed {row.seed}, {row.run}: {row.error}" for row in crashes.itertuples()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="number of datasets")
    parser.add_argument("--seed", type=int, default=1, help="first dataset seed; datasets use seed .. seed + n - 1")
    parser.add_argument("--max-genes", type=int, default=60_000)
    parser.add_argument("--out", default="stress", help="output prefix: writes OUT.tsv and OUT.md")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--compare-every",
        type=int,
        default=1,
        help="run the two PyDESeq2-mode backends (slow: stock PyDESeq2 fits gene by gene) on every k-th dataset only",
    )
    parser.add_argument(
        "--summarise",
        nargs="+",
        metavar="TSV",
        help="only merge these TSVs (e.g. shards of one run) into OUT.tsv/OUT.md",
    )
    args = parser.parse_args()
    if args.summarise:
        table = pd.concat(
            [pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""]) for path in args.summarise]
        )
        table["fallbacks"] = table["fallbacks"].fillna("")
        table.to_csv(f"{args.out}.tsv", sep="\t", index=False)
        Path(f"{args.out}.md").write_text(summarise(table))
        print(summarise(table))
        return
    limit_threads(args.threads)
    recorder = FallbackRecorder()
    logging.getLogger("resistseq").addHandler(recorder)
    logging.getLogger("resistseq").setLevel(logging.INFO)
    logging.getLogger("resistseq").propagate = False
    rows = []
    for seed in range(args.seed, args.seed + args.n):
        case = stress_case(seed, max_genes=args.max_genes)
        outputs = {}
        runs = RUNS if (seed - args.seed) % args.compare_every == 0 else RUNS[:1]
        for label, backend, r_compatible in runs:
            outputs[label], row = run_one(case, backend, r_compatible, recorder)
            rows.append({"seed": seed, "run": label, **case.parameters(), **row})
        if outputs.get("vectorised_pydeseq2_mode") is not None and outputs.get("pydeseq2") is not None:
            rows[-2].update(agreement(outputs["vectorised_pydeseq2_mode"], outputs["pydeseq2"]))
        status = ", ".join(f"{row['run']}: {'CRASH' if row['crashed'] else 'ok'}" for row in rows[-len(runs) :])
        print(
            f"seed {seed} ({case.genes} genes, {case.replicates}v{case.replicates}, {case.design}): {status}",
            flush=True,
        )
        table = pd.DataFrame(rows)
        table.to_csv(f"{args.out}.tsv", sep="\t", index=False)
    Path(f"{args.out}.md").write_text(summarise(table))
    print(summarise(table))


if __name__ == "__main__":
    main()
