"""PAM50 centroids (bundled copy), the nearest-centroid caller on hand-made inputs and against hoadley-lab/pam50."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT, SHARED, requires_shared
from scipy.stats import spearmanr

from resistseq.errors import WorkflowInputError
from resistseq.genesets import read_gmt
from resistseq.pam50 import PAM50_COLUMNS, SUBTYPES, call_subtypes, centroid_correlations, pam50_table, read_centroids

CENTROIDS = PROJECT / "resources" / "pam50" / "centroids.tsv"
REFERENCE_NAMES = {"Basal": "basal", "Her2": "her2", "LumA": "luminal_a", "LumB": "luminal_b", "Normal": "normal"}


@pytest.fixture(scope="module")
def centroids():
    return read_centroids(CENTROIDS)


def test_bundled_centroids_shape_and_renamed_symbols(centroids):
    table = pd.read_csv(CENTROIDS, sep="\t")
    assert list(table.columns) == ["gene", *SUBTYPES, "published_symbol"]
    assert centroids.shape == (50, 5) and centroids.index.is_unique
    renamed = table[table["gene"] != table["published_symbol"]]
    assert dict(zip(renamed["published_symbol"], renamed["gene"], strict=True)) == {
        "CDCA1": "NUF2",
        "KNTC2": "NDC80",
        "ORC6L": "ORC6",
    }


@requires_shared
def test_bundled_centroids_equal_the_published_ones(centroids):
    published = pd.read_csv(
        SHARED / "data" / "pam50" / "pam50_centroids.txt", sep="\t", index_col=0, float_precision="round_trip"
    )
    table = pd.read_csv(CENTROIDS, sep="\t", float_precision="round_trip").set_index("published_symbol")
    assert sorted(published.index) == sorted(table.index)
    pd.testing.assert_frame_equal(
        table.loc[published.index, SUBTYPES], published[SUBTYPES], check_names=False, rtol=0, atol=0
    )
    current = pd.read_csv(
        SHARED / "data" / "pam50" / "pam50_centroids.tsv", sep="\t", index_col=0, float_precision="round_trip"
    )
    current.columns = SUBTYPES
    pd.testing.assert_frame_equal(centroids.loc[current.index], current, check_names=False, rtol=0, atol=0)


def test_a_centroid_itself_correlates_one_without_centring(centroids):
    expression = centroids[["Basal", "LumA"]].rename(columns={"Basal": "s1", "LumA": "s2"})
    table = centroid_correlations(expression, centroids, centre=False).set_index("sample")
    assert table.loc["s1", "corr_Basal"] == pytest.approx(1.0) and table.loc["s2", "corr_LumA"] == pytest.approx(1.0)
    assert call_subtypes(table).tolist() == ["Basal", "LumA"]
    assert table["n_genes"].tolist() == [50, 50]


def test_median_centring_two_samples_by_hand(centroids):
    # With two samples the median is their mean: s1 = offset + Basal and s2 = offset - Basal centre to +/- Basal.
    offset = pd.Series(np.linspace(3, 12, 50), index=centroids.index)
    expression = pd.DataFrame({"s1": offset + centroids["Basal"], "s2": offset - centroids["Basal"]})
    expression = expression.drop(index=["ESR1", "KRT5"])  # missing genes are left out
    table = pam50_table(expression, centroids, {"s1": "resistant", "s2": "parental"}).set_index("sample")
    assert list(table.reset_index().columns) == PAM50_COLUMNS
    assert table["n_genes"].tolist() == [48, 48]
    kept = centroids.drop(index=["ESR1", "KRT5"])
    for subtype in SUBTYPES:
        expected = spearmanr(kept["Basal"], kept[subtype]).statistic
        assert table.loc["s1", f"corr_{subtype}"] == pytest.approx(expected, abs=1e-12)
        assert table.loc["s2", f"corr_{subtype}"] == pytest.approx(-expected, abs=1e-12)
    assert table.loc["s1", "call"] == "Basal" and table.loc["s1", "group"] == "resistant"
    # s2 is the mirror image of Basal: its call is the centroid least like Basal.
    least_like_basal = min(SUBTYPES, key=lambda subtype: spearmanr(kept["Basal"], kept[subtype]).statistic)
    assert table.loc["s2", "call"] == least_like_basal == "LumA"


def test_calls_without_normal_and_missing_columns(tmp_path):
    correlations = pd.DataFrame(
        {f"corr_{subtype}": [0.1, 0.2, 0.3, 0.4, 0.5][i : i + 1] for i, subtype in enumerate(SUBTYPES)}
    )
    assert call_subtypes(correlations).tolist() == ["Normal"]
    assert call_subtypes(correlations, include_normal=False).tolist() == ["LumB"]
    broken = tmp_path / "centroids.tsv"
    broken.write_text("gene\tBasal\tHer2\nESR1\t1\t2\n")
    with pytest.raises(WorkflowInputError, match="lacks the column"):
        read_centroids(broken)


@requires_shared
def test_caller_reproduces_hoadley_lab_assignments(centroids):
    """All 200 test samples get the reference call; correlations agree to 1e-12 (the reference median-centres
    each gene across samples, scales each sample, and takes Spearman over pairwise-complete genes)."""
    data = SHARED / "data" / "pam50"
    expression = pd.read_csv(data / "pam50_testdata.tsv", sep="\t", index_col=0, float_precision="round_trip")
    assert expression.isna().to_numpy().sum() > 0  # missing values are handled pairwise, as in R
    expected = pd.read_csv(data / "pam50_testdata_assignments.tsv", sep="\t", index_col=0, float_precision="round_trip")
    table = pam50_table(expression, centroids, {}).set_index("sample")
    assert len(table) == 200
    calls = table["call"].map(REFERENCE_NAMES)
    assert (calls == expected.loc[table.index, "assignment"]).all()
    for subtype, reference in REFERENCE_NAMES.items():
        np.testing.assert_allclose(table[f"corr_{subtype}"], expected.loc[table.index, reference], rtol=0, atol=1e-12)


def test_pam50_basal_gene_sets_follow_their_rule(centroids):
    sets = read_gmt(PROJECT / "resources" / "genesets" / "pam50_basal.gmt")
    amplicon = set(read_gmt(PROJECT / "resources" / "genesets" / "her2_amplicon.gmt")["HER2_AMPLICON_17Q12"])
    luminal = centroids[["LumA", "LumB"]]
    up = centroids.index[centroids["Basal"] - luminal.max(axis=1) >= 0.5]
    down = centroids.index[luminal.min(axis=1) - centroids["Basal"] >= 0.5]
    assert sets["PAM50_BASAL_UP"] == sorted(up)
    assert sets["PAM50_BASAL_DOWN"] == sorted(set(down) - amplicon)
    assert math.isclose(len(sets["PAM50_BASAL_UP"]), 8) and "ERBB2" not in sets["PAM50_BASAL_DOWN"]
