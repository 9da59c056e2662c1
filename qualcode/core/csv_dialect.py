"""The delimiter of a CSV file, guessed from its first lines (codebooks, surveys, mappings)."""

from __future__ import annotations

import csv
import re

from qualcode.core.errors import InputError
from qualcode.core.i18n import _

DELIMITERS = (";", ",", "\t")


def check_delimiter(delimiter: str | None) -> str | None:
    """A delimiter given by the user as one character ('tab' and '\\t' name the tab); None stays None."""
    if delimiter is None:
        return None
    if delimiter in ("\\t", "tab", "TAB"):
        return "\t"
    if len(delimiter) != 1 or delimiter in "\"\r\n" or delimiter.isalnum():
        raise InputError(
            _("the delimiter '{delimiter}' cannot be used — give one character, e.g. ';', ',', 'tab' or '|'").format(delimiter=delimiter),
            value=delimiter, valid=(";", ",", "tab", "|"),
        )
    return delimiter


# Excel's own first line naming the delimiter ('sep=;'), as Swedish Excel users add it so that
# Excel opens the file in columns: not a row of the table.
_SEP_LINE = re.compile(r"\A\ufeff?sep=(.)[ \t]*(?:\r\n|\r|\n|\Z)", re.IGNORECASE)


def sep_line(sample: str) -> str | None:
    """The delimiter an Excel 'sep=;' first line names, or None for a file without one."""
    match = _SEP_LINE.match(sample)
    return match.group(1) if match else None


def sniff_delimiter(sample: str) -> str:
    """`;`, `,` or tab, from the first lines of a CSV (the one an Excel 'sep=;' first line names)."""
    named = sep_line(sample)
    if named is not None:
        return named
    lines = [ln for ln in sample.splitlines()[:20] if ln.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    head = lines[0] if lines else ""
    counts = {d: head.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
