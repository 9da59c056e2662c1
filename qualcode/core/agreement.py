"""Intercoder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

Reliability data follows Krippendorff: one row per coder, one column per unit, `None`
for a value the coder did not give. Multi-label codings (a segment may carry any number
of codes) are compared code by code, each code as a 0/1 variable per segment.

Undefined statistics (no variation at all, fewer than two pairable values) are `nan`:
a kappa of 1.0 for two coders who both never used a code would be misleading.

Example:
    >>> round(cohen_kappa(["y", "y", "n", "n"], ["y", "n", "n", "n"]), 3)
    0.5
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qualcode.core.errors import InputError
from qualcode.core.i18n import _

LEVELS = ("nominal", "ordinal", "interval", "ratio")
OVERALL = "*"


def _check_rows(reliability_data: Sequence[Sequence[Hashable | None]]) -> list[list[Hashable | None]]:
    rows = [list(r) for r in reliability_data]
    if len(rows) < 2:
        raise InputError(_("agreement needs at least two coders — got {n_rows}").format(n_rows=len(rows)))
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise InputError(
            _("all coders must have as many units (columns) — got the lengths {widths}; use None for missing values").format(widths=sorted(widths))
        )
    return rows


def _units(rows: list[list[Hashable | None]]) -> list[list[Hashable]]:
    """The pairable values of each unit (units with fewer than two values are dropped)."""
    out = []
    for j in range(len(rows[0])):
        values = [r[j] for r in rows if r[j] is not None]
        if len(values) >= 2:
            out.append(values)
    return out


def percent_agreement(reliability_data: Sequence[Sequence[Hashable | None]]) -> float:
    """Share of agreeing coder pairs, averaged over units with at least two values.

    For two coders this is the plain share of jointly coded units where they agree.
    """
    units = _units(_check_rows(reliability_data))
    if not units:
        return math.nan
    total = 0.0
    for values in units:
        m = len(values)
        counts = Counter(values)
        agreeing = sum(n * (n - 1) for n in counts.values())
        total += agreeing / (m * (m - 1))
    return total / len(units)


def cohen_kappa(coder_a: Sequence[Hashable | None], coder_b: Sequence[Hashable | None]) -> float:
    """Cohen's kappa for two coders over the units both coded (None = missing)."""
    if len(coder_a) != len(coder_b):
        raise InputError(_("the coders have different numbers of units ({n_coder_a} and {n_coder_b})").format(n_coder_a=len(coder_a), n_coder_b=len(coder_b)))
    pairs = [(a, b) for a, b in zip(coder_a, coder_b) if a is not None and b is not None]
    n = len(pairs)
    if n == 0:
        return math.nan
    observed = sum(1 for a, b in pairs if a == b) / n
    marg_a = Counter(a for a, _ in pairs)
    marg_b = Counter(b for _, b in pairs)
    expected = sum(marg_a[c] * marg_b.get(c, 0) for c in marg_a) / (n * n)
    if expected >= 1.0:
        return math.nan
    return (observed - expected) / (1.0 - expected)


def coincidences(reliability_data: Sequence[Sequence[Hashable | None]]) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix o_ck (each unit's pairs weighted by 1/(m_u - 1))."""
    matrix: dict[tuple[Hashable, Hashable], float] = {}
    for values in _units(_check_rows(reliability_data)):
        m = len(values)
        counts = Counter(values)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    matrix[(c, k)] = matrix.get((c, k), 0.0) + pairs / (m - 1)
    return matrix


def _delta(level: str, values: list[Hashable], marginals: Mapping[Hashable, float]):  # type: ignore[no-untyped-def]
    """The squared difference function δ²(c, k) for a measurement level."""
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    try:
        numeric = {v: float(v) for v in values}  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(_("the level '{level}' needs numeric values — use level='nominal' for categories").format(level=level)) from None
    if level == "interval":
        return lambda c, k: (numeric[c] - numeric[k]) ** 2
    if level == "ratio":
        def ratio(c: Hashable, k: Hashable) -> float:
            s = numeric[c] + numeric[k]
            return 0.0 if s == 0 else ((numeric[c] - numeric[k]) / s) ** 2
        return ratio
    order = sorted(values, key=lambda v: numeric[v])
    position = {v: i for i, v in enumerate(order)}

    def ordinal(c: Hashable, k: Hashable) -> float:
        lo, hi = sorted((position[c], position[k]))
        between = sum(marginals[order[g]] for g in range(lo, hi + 1))
        return (between - (marginals[c] + marginals[k]) / 2.0) ** 2
    return ordinal


def krippendorff_alpha(reliability_data: Sequence[Sequence[Hashable | None]], level: str = "nominal") -> float:
    """Krippendorff's alpha; rows = coders, columns = units, None = missing.

    alpha = 1 - D_o / D_e from the coincidence matrix; `nan` when undefined
    (fewer than two pairable values, or only one value used).
    """
    if level not in LEVELS:
        raise InputError(_("unknown level of measurement '{level}' — choose one of {levels}").format(level=level, levels=', '.join(LEVELS)))
    matrix = coincidences(reliability_data)
    marginals: dict[Hashable, float] = {}
    for (c, _k), o in matrix.items():
        marginals[c] = marginals.get(c, 0.0) + o
    n = sum(marginals.values())
    if n < 2 or len(marginals) < 2:
        return math.nan
    values = list(marginals)
    delta = _delta(level, values, marginals)
    observed = sum(o * delta(c, k) for (c, k), o in matrix.items())
    expected = sum(marginals[c] * marginals[k] * delta(c, k) for c in values for k in values)
    if expected == 0:
        return math.nan
    return 1.0 - (n - 1) * observed / expected


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one code (or `*` = all codes pooled) between a set of coders."""

    code: str
    coders: tuple[str, ...]
    units: int
    positives: int
    percent: float
    kappa: float | None
    alpha: float

    def to_dict(self) -> dict[str, object]:
        def clean(x: float | None) -> float | None:
            return None if x is None or math.isnan(x) else round(x, 4)

        return {
            "code": self.code,
            "coders": list(self.coders),
            "units": self.units,
            "positives": self.positives,
            "percent": clean(self.percent),
            "kappa": clean(self.kappa),
            "alpha": clean(self.alpha),
        }


def binary_reliability_data(
    codings: Mapping[str, Mapping[Hashable, Iterable[str]]],
    code: str,
    units: Sequence[Hashable],
) -> list[list[int | None]]:
    """One 0/1 row per coder for `code`; None where the coder did not judge the unit."""
    rows = []
    for judged in codings.values():
        row: list[int | None] = []
        for unit in units:
            if unit in judged:
                row.append(1 if code in set(judged[unit]) else 0)
            else:
                row.append(None)
        rows.append(row)
    return rows


def code_agreement(
    codings: Mapping[str, Mapping[Any, Iterable[str]]],  # coder → unit (any hashable) → codes
    codes: Sequence[str] | None = None,
) -> list[CodeAgreement]:
    """Per-code agreement for multi-label codings, then one pooled row (`code='*'`).

    `codings[coder][unit]` is the set of codes the coder gave the unit; a unit the coder
    judged but left uncoded must be present with an empty set (it counts as 0 for every
    code), a unit the coder never saw is absent (missing). Only units judged by at least
    two coders count. The pooled row treats every (unit, code) pair as one binary unit.
    """
    coders = tuple(codings)
    if len(coders) < 2:
        raise InputError(_("agreement needs at least two coders — got {n_coders}: {coders}").format(n_coders=len(coders), coders=', '.join(coders)))
    # Counter keeps first-seen order, so the unit order is deterministic for a given input
    seen = Counter(unit for judged in codings.values() for unit in judged)
    units = [u for u, n in seen.items() if n >= 2]
    if codes is None:
        codes = sorted({c for judged in codings.values() for u in units if u in judged for c in judged[u]})
    result = []
    pooled: list[list[int | None]] = [[] for _ in coders]
    for code in codes:
        rows = binary_reliability_data(codings, code, units)
        for i, row in enumerate(rows):
            pooled[i].extend(row)
        result.append(_summarise(code, coders, rows))
    result.append(_summarise(OVERALL, coders, pooled, units=len(units)))
    return result


def _summarise(
    code: str, coders: tuple[str, ...], rows: list[list[int | None]], units: int | None = None
) -> CodeAgreement:
    if not rows[0]:
        return CodeAgreement(code, coders, 0, 0, math.nan, math.nan if len(coders) == 2 else None, math.nan)
    return CodeAgreement(
        code=code,
        coders=coders,
        units=units if units is not None else sum(1 for j in range(len(rows[0])) if sum(r[j] is not None for r in rows) >= 2),
        positives=sum(1 for r in rows for v in r if v == 1),
        percent=percent_agreement(rows),
        kappa=cohen_kappa(rows[0], rows[1]) if len(coders) == 2 else None,
        alpha=krippendorff_alpha(rows),
    )


# -- character level -------------------------------------------------------------------
# As QualCoder and ATLAS.ti report it: every character of the material in scope is a unit,
# coded or not coded with a code by each coder. Spans are (document, start, end), end exclusive.

Span = tuple[Hashable, int, int]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans covering the same characters.

    >>> merge_spans([(1, 5, 9), (1, 0, 6), (2, 3, 4)])
    [(1, 0, 9), (2, 3, 4)]
    """
    out: list[list[Any]] = []
    for doc, a, b in sorted(spans, key=lambda s: (str(s[0]), s[1], s[2])):
        if b <= a:
            continue
        if out and out[-1][0] == doc and a <= out[-1][2]:
            out[-1][2] = max(out[-1][2], b)
        else:
            out.append([doc, a, b])
    return [(d, a, b) for d, a, b in out]


def intersect_spans(x: Iterable[Span], y: Iterable[Span]) -> list[Span]:
    """The characters in both span lists (each merged first)."""
    xs, ys = merge_spans(x), merge_spans(y)
    out: list[Span] = []
    i = j = 0
    key = lambda s: (str(s[0]), s[1])  # noqa: E731
    while i < len(xs) and j < len(ys):
        (dx, ax, bx), (dy, ay, by) = xs[i], ys[j]
        if dx == dy:
            lo, hi = max(ax, ay), min(bx, by)
            if lo < hi:
                out.append((dx, lo, hi))
            if bx <= by:
                i += 1
            else:
                j += 1
        elif key(xs[i]) < key(ys[j]):
            i += 1
        else:
            j += 1
    return out


def span_length(spans: Iterable[Span]) -> int:
    return sum(b - a for _, a, b in merge_spans(spans))


@dataclass(frozen=True)
class CharacterAgreement:
    """Two coders on one code (or `*` = all codes pooled), character by character."""

    code: str
    coders: tuple[str, str]
    characters: int  # characters in scope
    coded: tuple[int, int]  # characters each coder coded
    both: int  # characters both coded
    either: int  # characters at least one coded
    percent: float  # characters where they agree (both coded or both not) / characters
    overlap: float  # both / either: how much of the coded text they share
    kappa: float

    def to_dict(self) -> dict[str, object]:
        def clean(x: float) -> float | None:
            return None if math.isnan(x) else round(x, 4)

        return {
            "code": self.code, "coders": list(self.coders), "characters": self.characters,
            "coded": list(self.coded), "both": self.both, "either": self.either,
            "percent": clean(self.percent), "overlap": clean(self.overlap), "kappa": clean(self.kappa),
        }


def character_agreement(
    scope: Iterable[Span],
    coded: Mapping[str, Mapping[str, Iterable[Span]]],
    codes: Sequence[str],
) -> list[CharacterAgreement]:
    """Per-code agreement of two coders over the characters of `scope`, then a pooled row.

    `coded[coder][code]` are the coder's spans of the code; only characters inside `scope`
    count. The pooled row treats every (character, code) pair as one unit.

    >>> [r.both for r in character_agreement([("d", 0, 10)], {"a": {"X": [("d", 0, 6)]}, "b": {"X": [("d", 4, 8)]}}, ["X"])]
    [2, 2]
    """
    coders = tuple(coded)
    if len(coders) != 2:
        raise InputError(_("agreement per character compares two coders — got {n_coders}: {coders}").format(n_coders=len(coders), coders=', '.join(coders)))
    area = merge_spans(scope)
    n = span_length(area)
    rows = []
    totals = [0, 0, 0, 0]  # coded a, coded b, both, either
    for code in codes:
        a = intersect_spans(coded[coders[0]].get(code, ()), area)
        b = intersect_spans(coded[coders[1]].get(code, ()), area)
        na, nb, both = span_length(a), span_length(b), span_length(intersect_spans(a, b))
        either = na + nb - both
        for k, v in enumerate((na, nb, both, either)):
            totals[k] += v
        rows.append(_char_row(code, coders, n, na, nb, both, either))
    rows.append(_char_row(OVERALL, coders, n * len(codes), *totals))
    return rows


def _char_row(code: str, coders: tuple[str, ...], n: int, na: int, nb: int, both: int, either: int) -> CharacterAgreement:
    if n == 0:
        return CharacterAgreement(code, (coders[0], coders[1]), 0, (na, nb), both, either, math.nan, math.nan, math.nan)
    agree = (n - either + both) / n
    pa, pb = na / n, nb / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    kappa = (agree - expected) / (1 - expected) if expected < 1 else math.nan
    overlap = both / either if either else math.nan
    return CharacterAgreement(code, (coders[0], coders[1]), n, (na, nb), both, either, agree, overlap, kappa)
