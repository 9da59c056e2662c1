"""Counting distinct units per (category, group): the one counting module of qualcode.

Mention tables (`qualcode mentions count`) and code counts (`qualcode counts`) both count
the same way: how many DISTINCT units (respondents, documents, segments) fall in each
(category, group) cell. A unit named twice in one cell is counted once.

API:

- `tally(observations, categories, groups=None, bases=None) -> CountTable`
  `observations` yields `(unit, category, group)` triples; `unit` is any hashable id.
  `categories` fixes the row order (an unknown category raises `InputError`);
  `groups` fixes the column order (default: the single group `TOTAL` = "Totalt", and
  the group value of each observation is ignored). `bases` gives the denominator per
  group for percentages; by default it is the number of distinct units seen in the group.
- `CountTable`: `count(cat, group)`, `percent(cat, group) -> float | None` (None when the
  base is 0), `row_total(cat)` (distinct units over all groups), `column_total(group)`
  (sum of the cells in a column), `to_records(decimals=1)` (one dict per category).
- `format_number(x, decimals=1) -> str`: Swedish decimal comma ("12,5"), used by every
  table, CSV and markdown output; None gives "".

Example:

    >>> t = tally([("r1", "P02", "Chef"), ("r2", "P02", "Handläggare"), ("r1", "P02", "Chef")],
    ...           categories=["P01", "P02"], groups=["Chef", "Handläggare"])
    >>> t.count("P02", "Chef"), format_number(t.percent("P02", "Chef"))
    (1, '100,0')
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.core.errors import InputError
from qualcode.core.i18n import N_, _

TOTAL = "Totalt"
MISSING = "(saknas)"  # the group of a missing or empty value
# TOTAL and MISSING are keys, the same in every language (JSON and CSV that scripts read); a person
# reads these (msgids; the Swedish catalog gives the keys' words back)
TOTAL_NAME = N_("Total")
MISSING_NAME = N_("(missing)")


def format_number(x: float | int | None, decimals: int = 1) -> str:
    """A number in the interface language: 12.5 -> '12,5' (Swedish) or '12.5' (English); ints stay ints."""
    from qualcode.core.i18n import format_decimal

    if x is None:
        return ""
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    return format_decimal(x, decimals)


@dataclass(frozen=True)
class CountTable:
    """Distinct-unit counts per (category, group), with the denominators per group."""

    categories: tuple[str, ...]
    groups: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]
    bases: Mapping[str, int]
    # distinct units per category over all groups (a unit in two groups counts once)
    totals: Mapping[str, int] = field(default_factory=dict)

    def count(self, category: str, group: str = TOTAL) -> int:
        self._check(category, group)
        return self.counts.get((category, group), 0)

    def percent(self, category: str, group: str = TOTAL) -> float | None:
        """Count as a percentage of the group's base; None when the base is 0."""
        base = self.bases.get(group, 0)
        if not base:
            self._check(category, group)
            return None
        return 100.0 * self.count(category, group) / base

    def row_total(self, category: str) -> int:
        """Distinct units in `category` over all groups."""
        if category not in self.categories:
            raise InputError(_("unknown category '{category}' — valid: {categories}").format(category=category, categories=', '.join(self.categories)))
        if category in self.totals:
            return self.totals[category]
        return sum(self.counts.get((category, g), 0) for g in self.groups)

    def column_total(self, group: str = TOTAL) -> int:
        """Sum of the cells of one group (equals the base when each unit has one category)."""
        if group not in self.groups:
            raise InputError(_("unknown group '{group}' — valid: {groups}").format(group=group, groups=', '.join(self.groups)))
        return sum(self.counts.get((c, group), 0) for c in self.categories)

    def to_records(self, decimals: int = 1) -> list[dict[str, Any]]:
        """One record per category: {category, <group>: count, <group> %: float|None, total}."""
        out: list[dict[str, Any]] = []
        for cat in self.categories:
            rec: dict[str, Any] = {"category": cat}
            for g in self.groups:
                rec[g] = self.count(cat, g)
                pct = self.percent(cat, g)
                rec[f"{g} %"] = None if pct is None else round(pct, decimals)
            rec["total"] = self.row_total(cat)
            out.append(rec)
        return out

    def _check(self, category: str, group: str) -> None:
        if category not in self.categories:
            raise InputError(_("unknown category '{category}' — valid: {categories}").format(category=category, categories=', '.join(self.categories)))
        if group not in self.groups:
            raise InputError(_("unknown group '{group}' — valid: {groups}").format(group=group, groups=', '.join(self.groups)))


def tally(
    observations: Iterable[tuple[Hashable, str, str]],
    categories: Sequence[str],
    groups: Sequence[str] | None = None,
    bases: Mapping[str, int] | None = None,
    units_in_order: bool = False,
) -> CountTable:
    """Count distinct units per (category, group); see the module docstring.

    `units_in_order=True` promises that each unit's observations come one after another (a query
    ordered by unit): then only the current unit's cells are held, not every unit of every cell,
    so memory follows the table's size and not the number of units.
    """
    cats = tuple(dict.fromkeys(categories))
    grouped = groups is not None
    grps = tuple(dict.fromkeys(groups)) if groups is not None else (TOTAL,)
    cat_set, grp_set = set(cats), set(grps)
    counts: dict[tuple[str, str], int] = {}
    per_cat: dict[str, int] = {}
    per_group: dict[str, int] = dict.fromkeys(grps, 0)
    # the units seen so far: all of them, or (units in order) the current one's
    cells: dict[tuple[str, str], set[Hashable]] = {}
    cats_seen: dict[str, set[Hashable]] = {}
    groups_seen: dict[str, set[Hashable]] = {}
    current: Hashable = _NONE

    def flush() -> None:
        for cell, units in cells.items():
            counts[cell] = counts.get(cell, 0) + len(units)
        for cat, units in cats_seen.items():
            per_cat[cat] = per_cat.get(cat, 0) + len(units)
        for g, units in groups_seen.items():
            per_group[g] += len(units)
        cells.clear()
        cats_seen.clear()
        groups_seen.clear()

    for unit, cat, group in observations:
        if cat not in cat_set:
            raise InputError(_("unknown category '{cat}' — valid: {cats}").format(cat=cat, cats=', '.join(cats)))
        g = group if grouped else TOTAL
        if g not in grp_set:
            raise InputError(_("unknown group '{g}' — valid: {grps}").format(g=g, grps=', '.join(grps)))
        if units_in_order and unit != current:
            flush()
            current = unit
        cells.setdefault((cat, g), set()).add(unit)
        cats_seen.setdefault(cat, set()).add(unit)
        groups_seen.setdefault(g, set()).add(unit)
    flush()
    if bases is None:
        base_map = {g: per_group[g] for g in grps}
    else:
        missing = [g for g in grps if g not in bases]
        if missing:
            raise InputError(_("no base for group {missing} — give a base for every group").format(missing=', '.join(missing)))
        base_map = {g: int(bases[g]) for g in grps}
    return CountTable(
        categories=cats,
        groups=grps,
        counts=counts,
        bases=base_map,
        totals={c: per_cat.get(c, 0) for c in cats},
    )


_NONE = object()  # no unit yet
