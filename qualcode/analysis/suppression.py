"""Small-cell suppression for count tables, as in the City of Stockholm's survey tables.

Primary suppression: a count from 1 to `min_cell - 1` (default 1–4) is shown as `*`, in the body
and in the margins (a row total of 3 is itself a small count).

Secondary (complementary) suppression: a hidden cell must not be recoverable by subtraction from
a shown total. Every additive line (a row with its total, a column with its total, the row of
column totals with the grand total) that has exactly one hidden entry gets a second one, the
smallest non-zero body cell of that line (then zeros, then the total), until no line has exactly
one. A final check takes the attacker's view: for every hidden cell it solves for the smallest and
largest value consistent with all published rows, columns and totals (linear programming); while
some hidden non-zero cell has only one possible value, one more cell in a line through it is
hidden. So combining several rows and columns does not reveal a cell either.

Zeros: shown as 0 by default. A zero says that nobody in the cell said something; it reveals
nothing about a person, and the city's published tables print empty cells, not `*`, for zero.
Pass `suppress_zeros=True` to treat 0 as a small count too (the literal reading of "under 5").
With zeros shown a reader knows every `*` is at least 1, so no zero is hidden as a complement (the
line's total is, when no non-zero cell is left) and the attacker's check bounds every hidden cell
by 1 from below: four `*` beside a total that leaves 4 for them are each 1, and one more is hidden.
The legend does not say which `*` are small and which are complements (any value), so no `*` is
bounded from above.

Example::

    >>> t = suppress([[3, 10, 12], [8, 9, 7]], row_totals=True, col_totals=False)
    >>> t.show(0, 0), t.show(0, 1), t.show(0, 3)
    ('*', '*', 25)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import Hint, InputError
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from qualcode.analysis.tally import CountTable

STAR = "*"
DEFAULT_MIN_CELL = 5


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with its margins and the set of hidden positions.

    Positions are (row, column) in the full grid: body rows 0..R-1 and columns 0..C-1; column C
    holds the row totals, row R the column totals, (R, C) the grand total.
    """

    values: tuple[tuple[int, ...], ...]
    hidden: frozenset[tuple[int, int]]
    primary: frozenset[tuple[int, int]]
    n_rows: int
    n_cols: int
    row_totals: bool
    col_totals: bool
    min_cell: int

    def value(self, i: int, j: int) -> int | None:
        """The count at (i, j), or None when it is suppressed."""
        return None if (i, j) in self.hidden else self.values[i][j]

    def show(self, i: int, j: int) -> int | str:
        """The count at (i, j), or '*' when it is suppressed."""
        return STAR if (i, j) in self.hidden else self.values[i][j]

    def row_total(self, i: int) -> int | str:
        return self.show(i, self.n_cols)

    def col_total(self, j: int) -> int | str:
        return self.show(self.n_rows, j)

    @property
    def grand_total(self) -> int | str:
        return self.show(self.n_rows, self.n_cols)

    def body(self) -> list[list[int | str]]:
        """The body cells (without margins), suppressed ones as '*'."""
        return [[self.show(i, j) for j in range(self.n_cols)] for i in range(self.n_rows)]

    @property
    def n_secondary(self) -> int:
        return len(self.hidden - self.primary)


def suppress(
    cells: Sequence[Sequence[int]],
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    row_totals: bool = True,
    col_totals: bool = True,
    suppress_zeros: bool = False,
    hide: Iterable[tuple[int, int]] = (),
) -> SuppressedTable:
    """Suppress small counts in `cells` (rows × columns of non-negative ints) and protect them.

    `row_totals` / `col_totals`: whether the published table shows row sums / column sums (then
    those lines are additive and open to subtraction). `min_cell` 0 or 1 turns suppression off.
    `hide`: further positions to hide from the start (cells hidden in a linked table, see
    `suppress_linked`); they are protected like small counts.
    """
    rows = [list(r) for r in cells]
    n_rows = len(rows)
    n_cols = len(rows[0]) if rows else 0
    for i, r in enumerate(rows):
        if len(r) != n_cols:
            raise InputError(n_("row {value} of the table has {n_r} cell, expected {n_cols} — all rows must be equally long",
                                  "row {value} of the table has {n_r} cells, expected {n_cols} — all rows must be equally long", len(r)).format(value=i + 1, n_r=len(r), n_cols=n_cols))
        for j, v in enumerate(r):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise InputError(_("cell ({value}, {value2}) is {v!r} — counts must be integers ≥ 0").format(value=i + 1, value2=j + 1, v=v))
    if min_cell < 0:
        raise InputError(_("the smallest cell size is negative ({min_cell})").format(min_cell=min_cell), value=min_cell,
                         hint=Hint(_("give 0 (no masking) or a number such as 5"), option="min_cell", example="5"))
    grid = [r + [sum(r)] for r in rows]
    col_sums = [sum(rows[i][j] for i in range(n_rows)) for j in range(n_cols)]
    grid.append(col_sums + [sum(col_sums)])

    shown = _shown_positions(n_rows, n_cols, row_totals, col_totals)
    lo = 0 if suppress_zeros else 1
    primary = {p for p in shown if lo <= grid[p[0]][p[1]] < min_cell}
    # With zeros shown, a hidden zero would break the reader's '* is at least 1' (and shows nothing).
    hidden = set(primary) | {p for p in set(hide) & shown if suppress_zeros or grid[p[0]][p[1]] > 0}
    lines = _lines(n_rows, n_cols, row_totals, col_totals)
    while True:
        _complete_lines(grid, hidden, lines, n_rows, n_cols)
        extra = _determined(grid, hidden, lines, zeros_sensitive=suppress_zeros)
        if not extra:
            break
        # A hidden cell still follows from rows and columns together: hide one more cell in a
        # line through it, then close the lines again.
        added = False
        for p in sorted(extra):
            for line in (ln for ln in lines if p in ln):
                pick = _complement(grid, hidden, line, n_rows, n_cols)
                if pick is not None:
                    hidden.add(pick)
                    added = True
                    break
            if added:
                break
        if not added:
            # Nothing left to hide in its lines: hide the smallest shown non-zero entry of a line
            # that crosses them (zeros stay printed), and when there is none, stop.
            near = {q for p in extra for ln in lines if p in ln for q in ln if q in hidden}
            spare = min(((grid[q[0]][q[1]], q) for ln in lines if any(q in near for q in ln)
                         for q in ln if q not in hidden and (grid[q[0]][q[1]] > 0 or suppress_zeros)), default=None)
            if spare is None:
                break
            hidden.add(spare[1])
    return SuppressedTable(
        values=tuple(tuple(r) for r in grid),
        hidden=frozenset(hidden & shown),
        primary=frozenset(primary),
        n_rows=n_rows,
        n_cols=n_cols,
        row_totals=row_totals,
        col_totals=col_totals,
        min_cell=min_cell,
    )


def project_min_cell(config: Mapping[str, Any]) -> int:
    """The smallest count a published table shows: `privacy.min_cell` in qualcode.yaml, else 5."""
    return int((config.get("privacy") or {}).get("min_cell", DEFAULT_MIN_CELL))


def holds_small_counts(tables: Iterable[CountTable], min_cell: int = DEFAULT_MIN_CELL) -> bool:
    """True when a table's cells, totals or bases hold a count from 1 to `min_cell` − 1: the
    unsuppressed working counts (`qualcode counts`, `mentions count`) then need a word of warning.

    >>> from qualcode.analysis.tally import CountTable
    >>> holds_small_counts([CountTable(("P13",), ("Bromma",), {("P13", "Bromma"): 3}, {"Bromma": 12})])
    True
    """
    return any(1 <= n < min_cell for t in tables
               for n in (*t.counts.values(), *t.totals.values(), *t.bases.values()))


def suppress_column(
    counts: Sequence[int], *, min_cell: int = DEFAULT_MIN_CELL, total: bool = False, hide: Iterable[int] = (),
) -> list[int | str]:
    """One column of counts (e.g. per code, not additive): small counts become '*'.

    With `total=True` the counts are parts of a shown sum and get complementary suppression.
    `hide`: indexes to hide as well (hidden in a linked column).
    """
    t = suppress([[c] for c in counts], min_cell=min_cell, row_totals=False, col_totals=total,
                 hide=((i, 0) for i in hide))
    return [t.show(i, 0) for i in range(len(counts))]


def suppress_linked(
    tables: Sequence[Sequence[Sequence[int]]], *, min_cell: int = DEFAULT_MIN_CELL,
    row_totals: bool = True, col_totals: bool = True, suppress_zeros: bool = False,
) -> list[SuppressedTable]:
    """Suppress tables of the same shape that count the same cells in different units
    (documents, respondents and coded segments per code and district) and are published together.

    One unit bounds another in each cell (a district's documents with a code are at most its coded
    segments with it), so a cell hidden in one table but shown in another narrows what the hidden
    one can be: 4 documents hidden beside 5 coded segments shown is 4 or 5. Every body cell hidden
    in one table is hidden in all of them, and their complements are chosen again, until no table
    hides a cell another shows.
    """
    hide: set[tuple[int, int]] = set()
    while True:
        out = [suppress(t, min_cell=min_cell, row_totals=row_totals, col_totals=col_totals,
                        suppress_zeros=suppress_zeros, hide=hide) for t in tables]
        body = {p for t in out for p in t.hidden if p[0] < t.n_rows and p[1] < t.n_cols}
        if body <= hide:
            return out
        hide |= body


# --- internals ------------------------------------------------------------------------------------


def _shown_positions(n_rows: int, n_cols: int, row_totals: bool, col_totals: bool) -> set[tuple[int, int]]:
    shown = {(i, j) for i in range(n_rows) for j in range(n_cols)}
    if row_totals:
        shown |= {(i, n_cols) for i in range(n_rows)}
    if col_totals:
        shown |= {(n_rows, j) for j in range(n_cols)}
    if row_totals and col_totals:
        shown.add((n_rows, n_cols))
    return shown


def _lines(n_rows: int, n_cols: int, row_totals: bool, col_totals: bool) -> list[tuple[tuple[int, int], ...]]:
    """Every additive line: its body entries followed by the total entry."""
    lines: list[tuple[tuple[int, int], ...]] = []
    if row_totals:
        for i in range(n_rows):
            lines.append(tuple((i, j) for j in range(n_cols)) + ((i, n_cols),))
    if col_totals:
        for j in range(n_cols):
            lines.append(tuple((i, j) for i in range(n_rows)) + ((n_rows, j),))
    if row_totals and col_totals:
        lines.append(tuple((n_rows, j) for j in range(n_cols)) + ((n_rows, n_cols),))
        lines.append(tuple((i, n_cols) for i in range(n_rows)) + ((n_rows, n_cols),))
    return lines


def _complement(
    grid: list[list[int]], hidden: set[tuple[int, int]], line: tuple[tuple[int, int], ...], n_rows: int, n_cols: int
) -> tuple[int, int] | None:
    """The entry to hide next in `line`: its smallest non-zero body cell, else its total.

    Never a zero: zeros that are not small counts are printed, so a reader takes every '*' for 1
    or more (with zeros suppressed they are all hidden already).
    """
    body = [p for p in line[:-1] if p not in hidden]
    nonzero = sorted((grid[i][j], (i, j)) for i, j in body if grid[i][j] > 0)
    if nonzero:
        return nonzero[0][1]
    total = line[-1]
    return None if total in hidden else total


def _complete_lines(
    grid: list[list[int]], hidden: set[tuple[int, int]], lines: list[tuple[tuple[int, int], ...]], n_rows: int, n_cols: int
) -> None:
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for p in line if p in hidden) == 1:
                pick = _complement(grid, hidden, line, n_rows, n_cols)
                if pick is not None:
                    hidden.add(pick)
                    changed = True


def _determined(
    grid: list[list[int]],
    hidden: set[tuple[int, int]],
    lines: list[tuple[tuple[int, int], ...]],
    zeros_sensitive: bool = False,
) -> set[tuple[int, int]]:
    """Hidden positions whose value follows uniquely from the published lines (linear algebra)."""
    unknown = sorted(p for p in hidden if any(p in ln for ln in lines))
    if not unknown:
        return set()

    def floor(p: tuple[int, int]) -> int:
        # What a reader knows of a '*': at least 1 when zeros are printed. A zero hidden all the
        # same (a whole line hidden as a last resort) has 0 as its floor.
        return 0 if zeros_sensitive else min(1, grid[p[0]][p[1]])

    if all(sum(1 for ln in lines if p in ln) == 1 for p in unknown):
        # Lines share no hidden cell (only row totals, or only column totals). With the total
        # shown, each hidden body cell ranges from its floor to the hidden sum less the others'
        # floors: pinned when the hidden cells add up to their floors (four '*' summing to 4).
        # A hidden total leaves its line free.
        pinned: set[tuple[int, int]] = set()
        for line in lines:
            hid = [p for p in line if p in hidden]
            if hid and line[-1] not in hidden and sum(grid[i][j] for i, j in hid) == sum(floor(p) for p in hid):
                pinned.update(p for p in hid if grid[p[0]][p[1]] > 0 or zeros_sensitive)
        return pinned
    import numpy as np
    from scipy.optimize import linprog

    index = {p: k for k, p in enumerate(unknown)}
    a_rows: list[list[float]] = []
    b_vals: list[float] = []
    for line in lines:
        coeffs = [0.0] * len(unknown)
        known = 0
        for p in line[:-1]:
            if p in index:
                coeffs[index[p]] += 1.0
            else:
                known += grid[p[0]][p[1]]
        total = line[-1]
        if total in index:
            coeffs[index[total]] -= 1.0
            rhs = -known
        else:
            rhs = grid[total[0]][total[1]] - known
        if any(coeffs):
            a_rows.append(coeffs)
            b_vals.append(float(rhs))
    if not a_rows:
        return set()
    a_eq, b_eq = np.array(a_rows), np.array(b_vals)
    bounds = [(floor(p), None) for p in unknown]
    out: set[tuple[int, int]] = set()
    # The attacker's view: the smallest and largest value each hidden cell can take given every
    # published row and column and each '*' at least its floor. Equal bounds = recovered.
    for p, k in index.items():
        c = np.zeros(len(unknown))
        c[k] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and (-high.fun) - low.fun < 0.5:
            if grid[p[0]][p[1]] > 0 or zeros_sensitive:
                out.add(p)
    return out
