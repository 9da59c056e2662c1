"""The delimiter of a CSV file, guessed from its first lines (codebooks, surveys, mappings)."""

from __future__ import annotations

import csv

DELIMITERS = (";", ",", "\t")


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
