"""The report as XLSX: one sheet per table (code id and name columns, counts as numbers, '*' as text), and the quotes."""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.core.cells import xlsx_workbook_strings
from qualcode.core.i18n import _
from qualcode.export.model import Report


def write_xlsx(report: Report, path: Path) -> Path:
    """One sheet per table; counts stay numbers, suppressed cells are the text '*'."""
    import pandas as pd

    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for t in report.tables:
            name = _sheet_name(t.sheet or t.title, used)
            frame = pd.DataFrame([[r.code, r.label, *r.values] for r in t.rows],
                                 columns=[_("Code"), t.label_header, *t.columns])
            frame.to_excel(writer, sheet_name=name, index=False, startrow=1)
            ws = writer.sheets[name]
            ws.cell(row=1, column=1, value=t.title)
            if t.note:
                ws.cell(row=len(t.rows) + 4, column=1, value=t.note)
            ws.column_dimensions["B"].width = 48
        quotes = [
            row for s in report.sections for c in s.codes
            for row in ([(c.code, c.name, c.quote_note, "", "", "")] if c.quote_note else
                        [(c.code, c.name, q.text, q.source, q.origin, _("yes") if q.key else "") for q in c.quotes])
        ]
        if quotes:
            name = _sheet_name(_("Quotes"), used)
            pd.DataFrame(quotes, columns=[_("Code"), _("Code (name)"), _("Quote"), _("Source"), _("Origin"),
                                          _("Key quote")]).to_excel(
                writer, sheet_name=name, index=False
            )
        name = _sheet_name(_("About the report"), used)
        pd.DataFrame([[line] for line in report.overview], columns=[report.title]).to_excel(
            writer, sheet_name=name, index=False)
        xlsx_workbook_strings(writer.book)  # a quote or a heading that starts with '=' stays text
    return path


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title.split(":")[0] if ":" in title else title).strip()[:31] or _("Table")
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name
