"""salmon, kallisto and count-matrix inputs that describe the same data give the same gene counts.

One simulated transcript table (counts, sample-specific effective lengths, TPM) is written as salmon
``quant.sf`` and kallisto ``abundance.tsv`` files, and as a gene x sample count matrix holding
tximport's lengthScaledTPM counts computed here by hand from tximport's definition:
gene abundance = sum of transcript TPM; gene length = TPM-weighted mean effective length, averaged
over samples; counts = abundance x length, rescaled to each sample's total estimated count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resistseq.quant import import_gene_counts

SAMPLES = ["P1", "P2", "P3", "R1", "R2", "R3"]


@pytest.fixture(scope="module")
def transcripts() -> pd.DataFrame:
    """Long table: transcript, gene, sample, length, effective length, estimated count, TPM."""
    rng = np.random.default_rng(20161001)
    genes = 300
    per_gene = rng.integers(1, 5, genes)
    gene_of = np.repeat([f"GENE{g:04d}" for g in range(genes)], per_gene)
    ids = [f"TX{t:05d}.1" for t in range(len(gene_of))]
    length = rng.integers(400, 6000, len(ids))
    rows = []
    for sample in SAMPLES:
        effective = length - rng.uniform(150, 250, len(ids))  # sample-specific, as salmon's bias model
        mean = rng.lognormal(4, 1.8, len(ids)) * (2.0 if sample.startswith("R") else 1.0)
        counts = rng.negative_binomial(5, 5 / (5 + mean)).astype(float) + rng.uniform(0.01, 1, len(ids))
        rate = counts / effective
        tpm = rate / rate.sum() * 1e6
        rows.append(
            pd.DataFrame(
                {
                    "transcript_id": ids,
                    "gene_id": gene_of,
                    "sample": sample,
                    "length": length,
                    "effective_length": effective,
                    "counts": counts,
                    "tpm": tpm,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def length_scaled_tpm(transcripts: pd.DataFrame) -> pd.DataFrame:
    """tximport's countsFromAbundance = "lengthScaledTPM", by hand, genes x samples (not rounded)."""
    table = transcripts.assign(weighted=transcripts["tpm"] * transcripts["effective_length"])
    genes = table.groupby(["gene_id", "sample"])[["tpm", "weighted", "counts"]].sum()
    abundance = genes["tpm"].unstack()[SAMPLES]
    gene_length = (genes["weighted"] / genes["tpm"]).unstack()[SAMPLES]
    counts = genes["counts"].unstack()[SAMPLES]
    scaled = abundance.mul(gene_length.mean(axis=1), axis=0)
    return scaled * (counts.sum() / scaled.sum())


def write_inputs(transcripts: pd.DataFrame, directory: Path) -> dict[str, dict[str, str] | str]:
    tx2gene = directory / "tx2gene.tsv"
    transcripts.drop_duplicates("transcript_id")[["transcript_id", "gene_id"]].to_csv(tx2gene, sep="\t", index=False)
    salmon, kallisto = {}, {}
    for sample, table in transcripts.groupby("sample"):
        (directory / "salmon" / sample).mkdir(parents=True)
        (directory / "kallisto" / sample).mkdir(parents=True)
        salmon[sample] = str(directory / "salmon" / sample / "quant.sf")
        kallisto[sample] = str(directory / "kallisto" / sample / "abundance.tsv")
        table.rename(
            columns={
                "transcript_id": "Name",
                "length": "Length",
                "effective_length": "EffectiveLength",
                "tpm": "TPM",
                "counts": "NumReads",
            }
        )[["Name", "Length", "EffectiveLength", "TPM", "NumReads"]].to_csv(
            salmon[sample], sep="\t", index=False, float_format="%.17g"
        )
        table.rename(
            columns={
                "transcript_id": "target_id",
                "effective_length": "eff_length",
                "counts": "est_counts",
                "tpm": "tpm",
            }
        )[["target_id", "length", "eff_length", "est_counts", "tpm"]].to_csv(
            kallisto[sample], sep="\t", index=False, float_format="%.17g"
        )
    matrix = directory / "gene_counts.tsv"
    np.rint(length_scaled_tpm(transcripts)).astype(int).rename_axis("gene_id").to_csv(matrix, sep="\t")
    return {"salmon": salmon, "kallisto": kallisto, "matrix": str(matrix), "tx2gene": str(tx2gene)}


@pytest.fixture(scope="module")
def inputs(transcripts, tmp_path_factory):
    return write_inputs(transcripts, tmp_path_factory.mktemp("same_data"))


def test_salmon_and_kallisto_files_give_identical_gene_counts(inputs):
    for mode in ("length_scaled_tpm", "scaled_tpm", "no"):
        salmon = import_gene_counts(inputs["salmon"], "salmon", inputs["tx2gene"], counts_from_abundance=mode)
        kallisto = import_gene_counts(inputs["kallisto"], "kallisto", inputs["tx2gene"], counts_from_abundance=mode)
        pd.testing.assert_frame_equal(salmon.counts[SAMPLES], kallisto.counts[SAMPLES])


def test_transcript_import_equals_tximport_definition_and_the_count_matrix(inputs, transcripts):
    salmon = import_gene_counts(inputs["salmon"], "salmon", inputs["tx2gene"]).counts[SAMPLES]
    matrix = import_gene_counts({sample: inputs["matrix"] for sample in SAMPLES}, "matrix").counts[SAMPLES]
    assert salmon.shape == (300, 6)
    pd.testing.assert_frame_equal(salmon, matrix.loc[salmon.index])
    # Before rounding pytximport agrees with the hand-computed definition to floating-point precision.
    expected = length_scaled_tpm(transcripts).loc[salmon.index]
    assert np.abs(salmon.to_numpy() - expected.to_numpy()).max() <= 0.5
    # The total estimated count per sample is kept (up to rounding).
    assert np.allclose(salmon.sum(), transcripts.groupby("sample")["counts"].sum()[SAMPLES], atol=300)


def test_no_scaling_gives_rounded_summed_counts(inputs, transcripts):
    salmon = import_gene_counts(inputs["salmon"], "salmon", inputs["tx2gene"], counts_from_abundance="no").counts
    summed = transcripts.groupby(["gene_id", "sample"])["counts"].sum().unstack()[SAMPLES]
    assert (salmon[SAMPLES].to_numpy() == np.rint(summed.loc[salmon.index]).to_numpy()).all()
