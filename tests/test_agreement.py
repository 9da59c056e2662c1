"""Agreement statistics checked against published worked examples, then against independent formulas."""

from __future__ import annotations

import math
import random
from itertools import permutations

import pytest

from qualcode.core.agreement import (
    OVERALL,
    binary_reliability_data,
    code_agreement,
    cohen_kappa,
    coincidences,
    krippendorff_alpha,
    percent_agreement,
)
from qualcode.core.errors import InputError

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units with missing values.
KRIPP_4X12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
# Same paper, section A: two observers, binary data, 10 units.
KRIPP_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


def test_krippendorff_published_nominal_example():
    assert round(krippendorff_alpha(KRIPP_4X12), 3) == 0.743


@pytest.mark.parametrize(
    "level, published",
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_published_levels(level, published):
    assert round(krippendorff_alpha(KRIPP_4X12, level), 3) == published


def test_krippendorff_published_coincidence_marginals():
    # the paper's coincidence matrix: n_1=9, n_2=13, n_3=10, n_4=5, n_5=3, n=40
    matrix = coincidences(KRIPP_4X12)
    marginals: dict[int, float] = {}
    for (c, _k), o in matrix.items():
        marginals[c] = marginals.get(c, 0.0) + o
    assert {c: round(v, 6) for c, v in sorted(marginals.items())} == {1: 9, 2: 13, 3: 10, 4: 5, 5: 3}
    assert round(matrix[(1, 1)], 6) == 7.0
    assert round(matrix[(2, 2)], 6) == 10.0


def test_krippendorff_published_binary_example():
    assert round(krippendorff_alpha(KRIPP_BINARY), 3) == 0.095


def test_percent_agreement_binary_example():
    assert percent_agreement(KRIPP_BINARY) == pytest.approx(0.6)


@pytest.mark.parametrize(
    "yy, yn, ny, nn, kappa",
    [
        # Wikipedia "Cohen's kappa", worked example: p_o = 0.7, p_e = 0.5
        (20, 5, 10, 15, 0.4),
        # same article, the two tables with equal agreement but different kappa
        (45, 15, 25, 15, 0.1304),
        (25, 35, 5, 35, 0.2593),
    ],
)
def test_cohen_kappa_textbook(yy, yn, ny, nn, kappa):
    a = ["y"] * (yy + yn) + ["n"] * (ny + nn)
    b = ["y"] * yy + ["n"] * yn + ["y"] * ny + ["n"] * nn
    assert round(cohen_kappa(a, b), 4) == kappa


def test_cohen_kappa_matches_scikit_learn_on_random_data():
    from sklearn.metrics import cohen_kappa_score

    rng = random.Random(7)
    for _ in range(20):
        a = [rng.choice("abc") for _ in range(40)]
        b = [x if rng.random() < 0.6 else rng.choice("abcd") for x in a]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def _alpha_by_pairs(rows):
    """Nominal alpha straight from the definition over pairable values (independent of coincidences)."""
    units = []
    for j in range(len(rows[0])):
        vals = [r[j] for r in rows if r[j] is not None]
        if len(vals) >= 2:
            units.append(vals)
    n = sum(len(u) for u in units)
    d_o = sum(sum(a != b for a, b in permutations(u, 2)) / (len(u) - 1) for u in units) / n
    pool = [v for u in units for v in u]
    d_e = sum(a != b for a, b in permutations(pool, 2)) / (n * (n - 1))
    return 1 - d_o / d_e


def test_alpha_matches_pairwise_definition_on_random_data_with_missing():
    rng = random.Random(11)
    for _ in range(15):
        coders = rng.randint(2, 4)
        truth = [rng.choice("xyz") for _ in range(25)]
        rows = [
            [None if rng.random() < 0.2 else (t if rng.random() < 0.7 else rng.choice("xyz")) for t in truth]
            for _ in range(coders)
        ]
        assert krippendorff_alpha(rows) == pytest.approx(_alpha_by_pairs(rows))


def test_perfect_agreement_and_undefined_cases():
    assert krippendorff_alpha([[1, 0, 1], [1, 0, 1]]) == 1.0
    assert cohen_kappa([1, 0, 1], [1, 0, 1]) == 1.0
    # no variation: chance-corrected statistics are undefined, not 1.0
    assert math.isnan(krippendorff_alpha([[0, 0, 0], [0, 0, 0]]))
    assert math.isnan(cohen_kappa([0, 0], [0, 0]))
    # no unit coded by both
    assert math.isnan(percent_agreement([[1, None], [None, 1]]))


def test_bad_input_messages():
    with pytest.raises(InputError, match="minst två kodare"):
        krippendorff_alpha([[1, 2, 3]])
    with pytest.raises(InputError, match="lika många enheter"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(InputError, match="okänd mätnivå 'cardinal'"):
        krippendorff_alpha([[1, 2], [1, 2]], level="cardinal")
    with pytest.raises(InputError, match="numeriska"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], level="interval")


def test_binary_reliability_data_marks_unjudged_as_missing():
    codings = {"anna": {"s1": {"P01"}, "s2": set()}, "bo": {"s1": {"P01", "P02"}, "s3": {"P02"}}}
    assert binary_reliability_data(codings, "P02", ["s1", "s2", "s3"]) == [[0, 0, None], [1, None, 1]]


def test_code_agreement_multilabel():
    codings = {
        "anna": {1: {"P01"}, 2: {"P01", "P03"}, 3: set(), 4: {"P03"}, 5: {"P01"}},
        "bo": {1: {"P01"}, 2: {"P01"}, 3: set(), 4: {"P03"}, 5: set(), 6: {"P01"}},
    }
    rows = {r.code: r for r in code_agreement(codings)}
    assert list(rows) == ["P01", "P03", OVERALL]
    # unit 6 is judged by one coder only and does not count
    p01 = rows["P01"]
    assert (p01.units, p01.positives) == (5, 5)
    assert p01.percent == pytest.approx(4 / 5)
    assert p01.kappa == pytest.approx(cohen_kappa([1, 1, 0, 0, 1], [1, 1, 0, 0, 0]))
    assert p01.alpha == pytest.approx(krippendorff_alpha([[1, 1, 0, 0, 1], [1, 1, 0, 0, 0]]))
    p03 = rows["P03"]
    assert p03.percent == pytest.approx(4 / 5)
    overall = rows[OVERALL]
    assert overall.units == 5
    assert overall.percent == pytest.approx(8 / 10)
    assert overall.alpha == pytest.approx(
        krippendorff_alpha([[1, 1, 0, 0, 1, 0, 1, 0, 1, 0], [1, 1, 0, 0, 0, 0, 0, 0, 1, 0]])
    )
    assert overall.to_dict()["coders"] == ["anna", "bo"]


def test_code_agreement_three_coders_has_no_kappa_and_explicit_codes():
    codings = {
        "a": {1: {"P01"}, 2: set()},
        "b": {1: {"P01"}, 2: set()},
        "c": {1: {"P01"}, 2: {"P01"}},
    }
    rows = code_agreement(codings, codes=["P01", "P02"])
    assert [r.code for r in rows] == ["P01", "P02", OVERALL]
    assert rows[0].kappa is None
    assert rows[0].alpha == pytest.approx(krippendorff_alpha([[1, 0], [1, 0], [1, 1]]))
    assert rows[1].to_dict()["alpha"] is None  # nobody used P02: undefined, shown as null
    with pytest.raises(InputError, match="minst två kodare"):
        code_agreement({"a": {1: {"P01"}}})
