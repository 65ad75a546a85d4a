"""Write a simulated study (count matrix, sample sheet, config) that the workflow runs as it is.

Counts come from ``resistseq.simulation.simulate_counts`` (negative binomial, planted fold changes,
optional batch). Genes carry real symbols where the gene sets need them: the bundled sets, the extra
collection's genes and the example's HGNC background first, then synthetic ``SIMSYM<n>`` symbols.
With more than one contrast the resistant samples are split in order into ``resistant_1..k`` groups
and the contrasts are each resistant group against parental plus the last against the first.

    .venv/bin/python bench/simulate_study.py OUTDIR --genes 60000 --samples 6 --collection h.all.gmt
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "scripts"))

from resistseq.genesets import read_gmt  # noqa: E402
from resistseq.simulation import simulate_counts  # noqa: E402

SEED = 20161001
SIMULATED_SET_SIZE = 100


def symbols(genes: int, collection: Path | None) -> list[str]:
    """``genes`` unique symbols: the gene-set genes first, then the example background, then synthetic ones."""
    ordered: dict[str, None] = {}
    gmts = sorted((PROJECT / "resources" / "genesets").glob("*.gmt")) + ([collection] if collection else [])
    for path in gmts:
        for members in read_gmt(path).values():
            ordered.update(dict.fromkeys(members))
    ordered.update(dict.fromkeys((PROJECT / "example" / "background_genes.txt").read_text().split()))
    named = list(ordered)[:genes]
    return named + [f"SIMSYM{index:05d}" for index in range(genes - len(named))]


def simulated_collection(path: Path, names: list[str], sets: int, rng: np.random.Generator) -> None:
    """``sets`` gene sets of ``SIMULATED_SET_SIZE`` symbols drawn from ``names``, as a GMT file."""
    lines = []
    for index in range(sets):
        members = rng.choice(names, SIMULATED_SET_SIZE, replace=False)
        lines.append("\t".join([f"SIMULATED_SET_{index + 1:02d}", "simulated", *members]))
    path.write_text("\n".join(lines) + "\n")


def write_study(
    outdir: Path,
    genes: int,
    samples: int,
    contrasts: int = 1,
    batch: bool = False,
    collection: Path | None = None,
    simulated_sets: int = 0,
    seed: int = SEED,
) -> Path:
    """Counts, sheet and config under ``outdir``; returns the config path (paths in it relative to ``outdir``)."""
    outdir.mkdir(parents=True, exist_ok=True)
    if samples % 2:
        raise ValueError(f"samples must be even (half parental, half resistant), got {samples}")
    replicates = samples // 2
    if contrasts > 1 and replicates < 2 * (contrasts - 1):
        raise ValueError(f"{samples} samples are too few for {contrasts} contrasts with two replicates a group")
    simulation = simulate_counts(
        seed, genes=genes, replicates=replicates, changed=genes // 10, batch_sd=0.5 if batch else 0.0
    )
    extra_gmt = None
    if simulated_sets:
        extra_gmt = outdir / "simulated_sets.gmt"
        named = symbols(genes, None)
        simulated_collection(extra_gmt, named, simulated_sets, np.random.default_rng(seed))
    names = symbols(genes, collection)
    counts = simulation.counts.copy()
    counts.insert(0, "gene_name", names)
    counts.to_csv(outdir / "counts.tsv", sep="\t", lineterminator="\n")

    sheet = simulation.samples.copy()
    groups = 1 if contrasts == 1 else contrasts - 1
    resistant = sheet.index[sheet["condition"] == "resistant"]
    if groups > 1:
        split = np.array_split(np.arange(len(resistant)), groups)
        for number, positions in enumerate(split, start=1):
            sheet.loc[resistant[positions], "condition"] = f"resistant_{number}"
    sheet["quant"] = "counts.tsv"
    sheet[["sample", "condition", "batch", "quant"]].to_csv(outdir / "samples.tsv", sep="\t", index=False)

    config = yaml.safe_load((PROJECT / "config" / "config.yaml").read_text())
    config["samples"] = "samples.tsv"
    config["quantification"].update(format="matrix", tx2gene=None, gene_annotation=None)
    config["design"] = "~ batch + condition" if batch else "~ condition"
    targets = ["resistant"] if groups == 1 else [f"resistant_{number}" for number in range(1, groups + 1)]
    config["contrasts"] = [
        {"name": f"{target}_vs_parental", "variable": "condition", "reference": "parental", "target": target}
        for target in targets
    ]
    if contrasts > 1:
        config["contrasts"].append(
            {
                "name": f"{targets[-1]}_vs_{targets[0]}",
                "variable": "condition",
                "reference": targets[0],
                "target": targets[-1],
            }
        )
    config["genesets"] = [str(path) for path in (collection, extra_gmt) if path is not None]
    path = outdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--genes", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=6)
    parser.add_argument("--contrasts", type=int, default=1)
    parser.add_argument("--batch", action="store_true", help="design ~ batch + condition with a batch effect")
    parser.add_argument("--collection", type=Path, help="an extra GMT collection (its genes get real symbols)")
    parser.add_argument("--simulated-sets", type=int, default=0, help="add a simulated GMT with this many sets")
    parser.add_argument("--seed", type=int, default=SEED)
    arguments = parser.parse_args()
    config = write_study(
        arguments.outdir,
        arguments.genes,
        arguments.samples,
        arguments.contrasts,
        arguments.batch,
        arguments.collection.resolve() if arguments.collection else None,
        arguments.simulated_sets,
        arguments.seed,
    )
    print(config)


if __name__ == "__main__":
    main()
