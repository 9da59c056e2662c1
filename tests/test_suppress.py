"""Small-cell suppression: primary, complementary along rows/columns, and the subtraction attack."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from qualcode.core.errors import InputError
from qualcode.analysis.suppression import STAR, suppress, suppress_column


def published(t):
    """The table as a reader sees it: body, row totals, column totals, grand total ('*' or int)."""
    body = t.body()
    rows = [t.row_total(i) for i in range(t.n_rows)] if t.row_totals else None
    cols = [t.col_total(j) for j in range(t.n_cols)] if t.col_totals else None
    grand = t.grand_total if t.row_totals and t.col_totals else None
    return body, rows, cols, grand


def attack(body, rows, cols, grand, low=0):
    """Black-box attacker: for every '*' body cell, the range of values consistent with what is shown.

    Unknowns are all starred entries (body and margins); each shown line gives an equation;
    counts are at least `low` (1 when zeros are printed as 0). Returns {(i, j): (low, high)} for
    the starred body cells.
    """
    n_rows, n_cols = len(body), len(body[0])
    grid = [list(r) + [rows[i] if rows else None] for i, r in enumerate(body)]
    grid.append(list(cols) + [grand] if cols else [None] * (n_cols + 1))
    unknown = [(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1) if grid[i][j] == STAR]
    idx = {p: k for k, p in enumerate(unknown)}
    eqs = []
    if rows:
        eqs += [[(i, j) for j in range(n_cols)] + [(i, n_cols)] for i in range(n_rows)]
    if cols:
        eqs += [[(i, j) for i in range(n_rows)] + [(n_rows, j)] for j in range(n_cols)]
    if rows and cols:
        eqs.append([(n_rows, j) for j in range(n_cols)] + [(n_rows, n_cols)])
        eqs.append([(i, n_cols) for i in range(n_rows)] + [(n_rows, n_cols)])
    a, b = [], []
    for eq in eqs:
        coeff = np.zeros(len(unknown))
        rhs = 0.0
        for k, p in enumerate(eq):
            sign = -1.0 if k == len(eq) - 1 else 1.0
            v = grid[p[0]][p[1]]
            if v == STAR:
                coeff[idx[p]] += sign
            else:
                rhs -= sign * v
        if coeff.any():
            a.append(coeff)
            b.append(rhs)
    out = {}
    for p in unknown:
        if p[0] >= n_rows or p[1] >= n_cols:
            continue
        if not a:
            out[p] = (float(low), float("inf"))
            continue
        c = np.zeros(len(unknown))
        c[idx[p]] = 1
        lo = linprog(c, A_eq=np.array(a), b_eq=np.array(b), bounds=[(low, None)] * len(unknown), method="highs")
        hi = linprog(-c, A_eq=np.array(a), b_eq=np.array(b), bounds=[(low, None)] * len(unknown), method="highs")
        out[p] = (lo.fun, -hi.fun if hi.status == 0 else float("inf"))
    return out


def test_primary_only_without_totals():
    t = suppress([[3, 10], [0, 5]], row_totals=False, col_totals=False)
    assert t.body() == [[STAR, 10], [0, 5]]
    assert t.n_secondary == 0


def test_row_total_forces_a_complementary_cell():
    t = suppress([[3, 10, 12], [8, 9, 7]], row_totals=True, col_totals=False)
    # 3 is primary; without a second star, 25 - 10 - 12 would give it back. The smallest other cell goes.
    assert t.body() == [[STAR, STAR, 12], [8, 9, 7]]
    assert (t.row_total(0), t.row_total(1)) == (25, 24)


def test_subtraction_attack_on_rows_and_columns():
    cells = [[3, 10, 12], [8, 9, 7], [20, 30, 40]]
    t = suppress(cells)
    body, rows, cols, grand = published(t)
    assert body == [[STAR, STAR, 12], [STAR, STAR, 7], [20, 30, 40]]
    assert rows == [25, 24, 90] and cols == [31, 49, 59] and grand == 139
    ranges = attack(body, rows, cols, grand)
    assert set(ranges) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for low, high in ranges.values():
        assert high - low >= 1
    # The naive line-by-line subtraction finds nothing: every line has 0 or at least 2 stars.
    for i in range(3):
        assert sum(1 for v in body[i] if v == STAR) != 1


def test_small_total_is_suppressed_and_protected():
    # Row 0 has total 4: the total itself is a small count, and so are its cells.
    t = suppress([[1, 3, 0], [10, 12, 9], [6, 7, 8]])
    body, rows, cols, grand = published(t)
    assert rows[0] == STAR and body[0][0] == STAR and body[0][1] == STAR
    # Column of row totals: 4 hidden needs a partner so that grand - 31 - 21 does not give it.
    assert sum(1 for r in rows if r == STAR) >= 2 or grand == STAR
    for low, high in attack(body, rows, cols, grand).values():
        assert high - low >= 1


def test_zeros_shown_by_default_and_suppressed_on_request():
    t = suppress([[0, 10, 12], [8, 6, 7]])
    assert t.show(0, 0) == 0 and t.n_secondary == 0
    z = suppress([[0, 10, 12], [8, 6, 7]], suppress_zeros=True)
    assert z.show(0, 0) == STAR
    body, rows, cols, grand = published(z)
    for p, (low, high) in attack(body, rows, cols, grand).items():
        assert high - low >= 1, p


def test_min_cell_zero_turns_suppression_off():
    t = suppress([[1, 2], [3, 4]], min_cell=0)
    assert t.body() == [[1, 2], [3, 4]] and not t.hidden


def test_suppress_column_for_non_additive_counts():
    assert suppress_column([12, 3, 0, 5]) == [12, STAR, 0, 5]
    # As parts of a shown sum, a second cell must go as well.
    assert suppress_column([12, 3, 0, 5], total=True) == [12, STAR, 0, STAR]


def test_bad_input_names_the_cell():
    with pytest.raises(InputError, match=r"rad 2"):
        suppress([[1, 2], [3]])
    with pytest.raises(InputError, match=r"cell \(1, 2\)"):
        suppress([[1, -2]])


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_resist_the_attack(seed):
    rng = random.Random(seed)
    n_rows, n_cols = rng.randint(1, 5), rng.randint(1, 5)
    cells = [[rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 30]) for _ in range(n_cols)] for _ in range(n_rows)]
    row_totals, col_totals = rng.random() < 0.8, rng.random() < 0.6
    t = suppress(cells, row_totals=row_totals, col_totals=col_totals)
    body, rows, cols, grand = published(t)
    for i in range(n_rows):
        for j in range(n_cols):
            if 1 <= cells[i][j] < 5:
                assert body[i][j] == STAR
            if body[i][j] != STAR:
                assert body[i][j] == cells[i][j]
    for p, (low, high) in attack(body, rows, cols, grand).items():
        if cells[p[0]][p[1]] > 0:
            assert high - low >= 1, (cells, p, body, rows, cols)


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_resist_an_attacker_who_knows_zeros_are_printed(seed):
    """Zeros are printed as 0, so a reader knows every '*' is at least 1: no zero is ever hidden,
    and no hidden cell follows from the shown totals with that bound."""
    rng = random.Random(1000 + seed)
    n_rows, n_cols = rng.randint(1, 6), rng.randint(1, 10)
    cells = [[rng.choice([0, 0, 1, 1, 2, 3, 5, 6, 9, 15]) for _ in range(n_cols)] for _ in range(n_rows)]
    row_totals, col_totals = rng.random() < 0.8, rng.random() < 0.6
    t = suppress(cells, row_totals=row_totals, col_totals=col_totals)
    body, rows, cols, grand = published(t)
    assert not any(body[i][j] == STAR for i, r in enumerate(cells) for j, v in enumerate(r) if v == 0)
    for p, (low, high) in attack(body, rows, cols, grand, low=1).items():
        assert high - low >= 1, (cells, p, body, rows, cols)


def test_hidden_cells_summing_to_their_number_are_protected():
    """Row P03 of 'Dokument per stadsdel': 9|0|5|6|*|*|*|0|0|*|24 — four '*' that add up to 4 are each 1."""
    row = [9, 0, 5, 6, 1, 1, 1, 0, 0, 1]
    t = suppress([row], row_totals=True, col_totals=False)
    body, rows, _, _ = published(t)
    assert [v for v, shown in zip(row, body[0]) if shown == 0] == [0, 0, 0]
    for p, (low, high) in attack(body, rows, None, None, low=1).items():
        assert high - low >= 1, (p, body, rows)


def test_hidden_zeros_are_not_given_away_by_their_total():
    # Two hidden zeros beside a shown total of 9 = 0 + 0 + 9 would show they are both 0.
    t = suppress([[0, 0, 9]], row_totals=True, col_totals=False, suppress_zeros=True)
    assert t.body() == [[STAR, STAR, STAR]] and t.row_total(0) == 9


def test_linked_tables_hide_the_same_cells():
    """Documents and coded segments per code and group, published together: 4 documents hidden
    beside 5 coded segments shown would be 4 or 5, and with the row total 10 it is 4, the other 6."""
    from qualcode.analysis.suppression import suppress_linked

    docs = [[4, 0, 6], [12, 7, 9]]
    segs = [[5, 0, 6], [14, 8, 9]]
    alone = suppress(segs, row_totals=True, col_totals=False)
    assert alone.show(0, 0) == 5  # on its own the segments table hides nothing
    d, s = suppress_linked([docs, segs], row_totals=True, col_totals=False)
    assert d.body()[0] == [STAR, 0, STAR] and d.row_total(0) == 10
    assert s.body()[0] == [STAR, 0, STAR] and s.row_total(0) == 11
    assert d.body()[1] == [12, 7, 9] and s.body()[1] == [14, 8, 9]
    for t in (d, s):  # every line still has zero or at least two hidden entries
        for i in range(2):
            assert sum(1 for v in t.body()[i] if v == STAR) != 1


def test_a_hidden_base_does_not_follow_from_the_total():
    """Groups' bases (documents per district) add up to the total on page 1."""
    assert suppress_column([8, 1, 8]) == [8, STAR, 8]
    assert suppress_column([8, 1, 8], total=True) == [STAR, STAR, 8]
    assert suppress_column([8, 1, 8], total=True, hide=[2]) == [8, STAR, STAR]
