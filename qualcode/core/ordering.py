"""The order a Swedish reader expects, for every table, chart, CSV and report.

- Terms in time order however they are written: ``VT2016 < HT2016 < VT2017``, and ``HT16``,
  ``ht 2016``, ``hösten 2016``, ``höstterminen 2016``, ``2016 HT`` and ``HT-16`` are all HT 2016.
- Other values in Swedish alphabetical order: case-insensitive, Å Ä Ö after Z (æ sorts as ä,
  ø as ö, ü as y, é as e), numbers inside values numerically (``Grupp 2 < Grupp 10``).
- Numbers before terms before text; missing values (``None``, ``""``, ``(saknas)``) last.

API: `sort_key(field, value)` for ``sorted(..., key=...)``, `natural_order(field, values)` for a
sorted list without duplicates, `group_order(fields, groups)` for groups of several fields, and
`term(value)` to read a term as ``(year, half)`` (half 0 = vår, 1 = höst) or None, and
`reader_order(field, values, descending)` for a sort either way with the missing values last.

    >>> natural_order("termin", ["HT2016", "vt 2017", "VT16", "hösten 2015"])
    ['hösten 2015', 'VT16', 'HT2016', 'vt 2017']
    >>> natural_order("ort", ["Örebro", "Umeå", "Ängelholm", "arboga", "Åre"])
    ['arboga', 'Umeå', 'Åre', 'Ängelholm', 'Örebro']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

MISSING_VALUES = frozenset({"", "(saknas)", "saknas"})

# Fields whose bare years ("2016") are terms too; elsewhere a bare year is just a number.
TERM_FIELDS = frozenset({"termin", "term", "terminer", "semester", "läsår"})

_HALF = {
    "vt": 0, "vår": 0, "våren": 0, "vårterminen": 0, "vårtermin": 0, "spring": 0,
    "ht": 1, "höst": 1, "hösten": 1, "höstterminen": 1, "hösttermin": 1, "autumn": 1, "fall": 1,
}
_HALF_RE = "|".join(sorted((re.escape(h) for h in _HALF), key=len, reverse=True))
_YEAR = r"(?P<year>(?:19|20)\d{2}|\d{2})"
_TERM_PATTERNS = (
    re.compile(rf"^(?P<half>{_HALF_RE})[\s\-_/.]*{_YEAR}$"),
    re.compile(rf"^{_YEAR}[\s\-_/.]*(?P<half>{_HALF_RE})$"),
)

# Swedish alphabet: a–z, then å ä ö. Letters Swedish treats as variants sort with them.
_VARIANTS = {"æ": "ä", "ø": "ö", "ü": "y"}
_AFTER_Z = {"å": 27, "ä": 28, "ö": 29}
_DIGITS = re.compile(r"(\d+)")


def term(value: Any) -> tuple[int, int] | None:
    """A term as (year, half) with half 0 = vår (VT) and 1 = höst (HT), or None."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value).strip().casefold()
    for pattern in _TERM_PATTERNS:
        m = pattern.match(text)
        if m:
            year = int(m.group("year"))
            return (2000 + year if year < 100 else year, _HALF[m.group("half")])
    return None


def _letter_rank(ch: str) -> tuple[int, int]:
    """Primary rank of one character: digits/punctuation below letters, å ä ö after z."""
    ch = _VARIANTS.get(ch, ch)
    if ch in _AFTER_Z:
        return (2, _AFTER_Z[ch])
    base = unicodedata.normalize("NFKD", ch)[0] if not ch.isascii() else ch
    if "a" <= base <= "z":
        return (2, ord(base) - ord("a"))
    if ch.isalpha():
        return (3, ord(ch))
    return (1, ord(ch))


def _text_key(text: str) -> tuple[Any, ...]:
    """Swedish alphabetical key of a string, numbers inside it compared as numbers."""
    parts: list[tuple[Any, ...]] = []
    for i, chunk in enumerate(_DIGITS.split(unicodedata.normalize("NFC", text).casefold())):
        if not chunk:
            continue
        if i % 2:
            parts.append((0, int(chunk)))
        else:
            parts.append((1, tuple(_letter_rank(c) for c in chunk)))
    return tuple(parts)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        s = value.strip().replace("\u2212", "-").replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(r"[-+]?\d+(?:[.,]\d+)?", s):
            return float(s.replace(",", "."))
    return None


def sort_key(field: str | None, value: Any) -> tuple[Any, ...]:
    """The key that puts `value` (of metadata field `field`) where a Swedish reader expects it."""
    if value is None or (isinstance(value, str) and value.strip().casefold() in MISSING_VALUES):
        return (9, (), "")
    raw = value if isinstance(value, str) else str(value)
    t = term(raw)
    if t is None and field is not None and field.casefold() in TERM_FIELDS:
        n = _number(raw)
        if n is not None and n.is_integer() and 1900 <= n <= 2100:
            t = (int(n), -1)  # a bare year comes before both of its terms
    if t is not None:
        return (1, t, raw)
    n = _number(value)
    if n is not None:
        return (0, (n,), raw)
    return (2, _text_key(raw), raw)


def natural_order(field: str | None, values: Iterable[Any]) -> list[Any]:
    """The distinct `values` in the reader's order (see `sort_key`)."""
    return sorted(dict.fromkeys(values), key=lambda v: sort_key(field, v))


def group_order(fields: Sequence[str], groups: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Distinct groups (one value per field) in the reader's order, field by field."""
    return sorted(
        dict.fromkeys(tuple(g) for g in groups),
        key=lambda g: tuple(sort_key(f, v) for f, v in zip(fields, g)),
    )


def reader_order(field: str | None, values: Iterable[Any], descending: bool = False) -> list[Any]:
    """Distinct stored values of `field` in the reader's order, reversed when `descending`, the
    missing ones ("", "(saknas)") last either way; a number before a text that reads the same
    (10 before "10")."""
    def key(v: Any) -> tuple[Any, ...]:
        return (sort_key(field, v), isinstance(v, bool) or not isinstance(v, (int, float)))

    ordered = sorted(values, key=key)
    present = [v for v in ordered if sort_key(field, v)[0] != 9]
    missing = sorted((v for v in ordered if sort_key(field, v)[0] == 9), key=lambda v: (v is not None, str(v)))
    return (present[::-1] if descending else present) + missing
