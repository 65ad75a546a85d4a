"""Generate the bundled synthetic BT-474 (parental) vs BT-474-R (trastuzumab-resistant) salmon example.

Synthetic data, not a measurement. 3 vs 3 samples, salmon ``quant.sf`` format,
real human gene symbols (the bundled gene sets plus a 2,000-gene HGNC background,
see background_genes.md) with synthetic versioned gene and transcript IDs.

Counts are negative binomial with a mean-dispersion trend
alpha(mu) = (ASYMPTOTIC_DISPERSION + EXTRA_POISSON / mu) * lognormal scatter, drawn per
gene and split over 1-4 transcripts in proportion to abundance x effective length.
Planted effects (log2 resistant / parental), written to ``truth.tsv``:

- NF-kB target genes up (+1.5), canonical NF-kB pathway members up (+0.8)
- basal-like genes up (+2.0), luminal markers down (-1.2)
- HER2 amplicon very high in both groups and unchanged (0)
- 5% of background genes changed (log2FC ~ +-N(1, 0.4)); the rest null

``--no-effect`` writes the same design with every log2 fold change set to 0.

Run from the project root: ``python example/make_example.py`` (fixed seed; output is byte-identical).
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
GENESETS = HERE.parent / "resources" / "genesets"
SEED = 20161001
ASYMPTOTIC_DISPERSION = 0.015
EXTRA_POISSON = 1.5
MEAN_FRAGMENT_LENGTH = {
    "BT474_P1": 196,
    "BT474_P2": 203,
    "BT474_P3": 188,
    "BT474R_1": 210,
    "BT474R_2": 191,
    "BT474R_3": 199,
}
SIZE_FACTORS = {
    "BT474_P1": 0.85,
    "BT474_P2": 1.10,
    "BT474_P3": 1.00,
    "BT474R_1": 1.20,
    "BT474R_2": 0.90,
    "BT474R_3": 1.05,
}
CONDITION = {sample: "parental" if "_P" in sample else "resistant" for sample in SIZE_FACTORS}
BATCH = {sample: f"b{sample[-1]}" for sample in SIZE_FACTORS}

# (set, log2 fold change, typical baseline mean) for the planted categories; first match wins.
PLANTED = [
    ("HER2_AMPLICON_17Q12", 0.0, 3000.0),
    ("NFKB_TARGET_GENES", 1.5, 150.0),
    ("NFKB_CANONICAL_PATHWAY", 0.8, 400.0),
    ("BASAL_LIKE_UP", 2.0, 60.0),
    ("LUMINAL_MARKERS", -1.2, 1500.0),
]
# BT-474 is HER2-amplified and ER+/PR+ luminal B: the amplicon driver and luminal anchors are very high.
BASELINE_OVERRIDES = {
    "ERBB2": 60000.0,
    "GRB7": 9000.0,
    "STARD3": 5000.0,
    "PGAP3": 4000.0,
    "MIEN1": 6000.0,
    "ESR1": 5000.0,
    "KRT8": 30000.0,
    "KRT18": 25000.0,
    "KRT19": 20000.0,
    "GATA3": 4000.0,
}
# Two background symbols get a second gene ID, as real annotations do, to exercise duplicate collapsing.
DUPLICATED_SYMBOLS = 2


def read_gmt(path: Path) -> dict[str, list[str]]:
    sets = {}
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) > 2:
            sets[fields[0]] = fields[2:]
    return sets


def gene_table(rng: np.random.Generator, no_effect: bool) -> pd.DataFrame:
    sets: dict[str, list[str]] = {}
    for path in sorted(GENESETS.glob("*.gmt")):
        sets.update(read_gmt(path))
    rows = []
    seen = set()
    for set_name, log2fc, typical in PLANTED:
        for symbol in sorted(sets[set_name]):
            if symbol in seen:
                continue
            seen.add(symbol)
            mean = BASELINE_OVERRIDES.get(symbol, typical * float(np.exp(rng.normal(0, 0.6))))
            rows.append((symbol, set_name, log2fc, mean))
    background = [g for g in (HERE / "background_genes.txt").read_text().split() if g not in seen]
    for symbol in background:
        mean = float(np.exp(rng.normal(np.log(150), 1.8)))
        changed = rng.random() < 0.05
        log2fc = float(rng.choice([-1, 1]) * abs(rng.normal(1.0, 0.4))) if changed else 0.0
        rows.append((symbol, "background_changed" if changed else "background_null", log2fc, mean))
    for symbol in background[:DUPLICATED_SYMBOLS]:
        rows.append((symbol, "background_null", 0.0, float(np.exp(rng.normal(np.log(20), 0.5)))))
    genes = pd.DataFrame(rows, columns=["gene_name", "category", "log2FoldChange", "baseline_mean"])
    if no_effect:
        genes["log2FoldChange"] = 0.0
        genes["category"] = genes["category"].str.replace("background_changed", "background_null")
    genes["dispersion"] = (ASYMPTOTIC_DISPERSION + EXTRA_POISSON / genes["baseline_mean"]) * np.exp(
        rng.normal(0, 0.35, len(genes))
    )
    genes.insert(0, "gene_id", [f"SYNG{index + 1:06d}.1" for index in range(len(genes))])
    return genes


def transcript_table(rng: np.random.Generator, genes: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for gene in genes.itertuples(index=False):
        count = int(min(4, 1 + rng.geometric(0.55) - 1))
        fractions = rng.dirichlet(np.ones(count))
        for fraction in fractions:
            length = int(max(250, np.exp(rng.normal(np.log(2200), 0.6))))
            rows.append((gene.gene_id, gene.gene_name, length, fraction))
    transcripts = pd.DataFrame(rows, columns=["gene_id", "gene_name", "Length", "fraction"])
    transcripts.insert(0, "transcript_id", [f"SYNT{index + 1:06d}.1" for index in range(len(transcripts))])
    # salmon lists transcripts in index order, not grouped by gene.
    order = rng.permutation(len(transcripts))
    return transcripts.iloc[order].reset_index(drop=True)


def negative_binomial(rng: np.random.Generator, mean: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    size = 1.0 / dispersion
    return rng.negative_binomial(size, size / (size + mean))


def sample_quant(rng, sample, genes, transcripts) -> pd.DataFrame:
    resistant = CONDITION[sample] == "resistant"
    mean = genes["baseline_mean"].to_numpy() * SIZE_FACTORS[sample]
    if resistant:
        mean = mean * np.power(2.0, genes["log2FoldChange"].to_numpy())
    gene_counts = pd.Series(negative_binomial(rng, mean, genes["dispersion"].to_numpy()), index=genes["gene_id"])
    effective = np.maximum(
        10.0, transcripts["Length"] - MEAN_FRAGMENT_LENGTH[sample] + rng.normal(0, 3, len(transcripts))
    )
    weight = transcripts["fraction"].to_numpy() * effective
    num_reads = np.zeros(len(transcripts))
    for gene_id, positions in transcripts.groupby("gene_id", sort=True).indices.items():
        total = int(gene_counts[gene_id])
        probabilities = weight[positions] / weight[positions].sum()
        reads = rng.multinomial(total, probabilities).astype(float)
        if len(positions) > 1 and total > 0:
            # salmon's EM gives fractional reads; move up to half a read between isoforms, keeping the total.
            shift = rng.uniform(-0.5, 0.5, len(positions))
            shift -= shift.mean()
            reads = np.maximum(0.0, reads + shift)
            reads *= total / reads.sum()
        num_reads[positions] = reads
    rate = num_reads / effective
    tpm = rate / rate.sum() * 1e6
    return pd.DataFrame(
        {
            "Name": transcripts["transcript_id"],
            "Length": transcripts["Length"],
            "EffectiveLength": np.round(effective, 3),
            "TPM": np.round(tpm, 6),
            "NumReads": np.round(num_reads, 3),
        }
    )


def write_gzip_tsv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.6g")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(text.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=HERE / "data")
    parser.add_argument("--no-effect", action="store_true", help="plant no differential expression at all")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    genes = gene_table(rng, args.no_effect)
    transcripts = transcript_table(rng, genes)
    outdir = args.outdir
    outdir.mkdir(parents=True, exist_ok=True)
    sheet_rows = []
    for sample in SIZE_FACTORS:
        quant = sample_quant(rng, sample, genes, transcripts)
        path = outdir / sample / "quant.sf.gz"
        write_gzip_tsv(quant, path)
        sheet_rows.append(
            (
                sample,
                CONDITION[sample],
                BATCH[sample],
                str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path),
            )
        )
    tx2gene = transcripts[["transcript_id", "gene_id", "gene_name"]].sort_values("transcript_id")
    tx2gene.to_csv(outdir / "tx2gene.tsv", sep="\t", index=False, lineterminator="\n")
    genes.to_csv(outdir / "truth.tsv", sep="\t", index=False, lineterminator="\n", float_format="%.6g")
    pd.DataFrame(sheet_rows, columns=["sample", "condition", "batch", "quant"]).to_csv(
        outdir / "samples.tsv", sep="\t", index=False, lineterminator="\n"
    )


if __name__ == "__main__":
    main()
