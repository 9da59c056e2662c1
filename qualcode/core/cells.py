"""Spreadsheet cells that cannot run: CSV formula neutralising and XLSX cells that are never formulas.

A survey answer such as `=HYPERLINK(...)` or `=cmd|' /C calc'!A0` must reach Excel as text.
CSV (OWASP, "CSV injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading `'`; numbers, and text that is a plain number such as `-3,5`,
stay as they are. XLSX: every text cell is written as a string, never as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def csv_cell(value: Any) -> Any:
    """`value` safe for a CSV cell: a text that a spreadsheet would run is prefixed with `'`."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """`csv_cell` over a row."""
    return [csv_cell(v) for v in values]


def xlsx_strings(sheet: Any) -> Any:
    """Make every formula cell of an openpyxl worksheet a plain string (call before saving).

    openpyxl (and pandas through it) turns any text starting with `=` into a formula; this
    turns them back into text, so the value shows as typed and nothing is computed.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    return sheet


def xlsx_workbook_strings(workbook: Any) -> Any:
    """`xlsx_strings` over every sheet of a workbook."""
    for sheet in workbook.worksheets:
        xlsx_strings(sheet)
    return workbook


def csv_text(value: str) -> str:
    """The inverse of `csv_cell` for files qualcode reads back (codebook CSV, mapping files)."""
    if value.startswith("'") and value[1:].startswith(_TRIGGERS):
        return value[1:]
    return value
