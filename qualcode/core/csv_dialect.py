"""The delimiter of a CSV file, guessed from its first lines (codebooks, surveys, mappings)."""

from __future__ import annotations

import csv

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


def sniff_delimiter(sample: str) -> str:
    """`;`, `,` or tab, from the first lines of a CSV."""
    lines = [ln for ln in sample.splitlines()[:20] if ln.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    head = lines[0] if lines else ""
    counts = {d: head.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
