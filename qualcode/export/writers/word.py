"""The report as DOCX, laid out for pasting into a city report.

Columns are sized from their content: no column is narrower than its longest word (header or
cell), so no header breaks inside a word. A table that does not fit a portrait page gets a
smaller font, then a landscape page, then abbreviated headers with a legend under the table,
then parts of its columns (`split_wide`).
Rows show names (no id columns); theme-group rows are shaded and bold, their codes indented.
Widths are measured with DejaVu Sans (matplotlib's font), which is wider than Calibri and its
metric twin Carlito, so the measure errs on the safe side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any

from qualcode.core.i18n import _, language
from qualcode.export.model import Report, ReportTable
from qualcode.export.writers.text import cell_text, count_phrase

# A4 with 2 cm margins: usable width in cm.
USABLE = {"portrait": 17.0, "landscape": 25.7}
FONT_SIZES = (8.5, 7.5)
CELL_PADDING = 0.45  # cm: the cell's left and right margins (0.19 cm each) and a little slack
SLACK = 1.08  # text is measured 8 % wider: the renderer's hinting and kerning differ from the font file's
INDENT = 0.35  # cm per level for codes under a theme group
LABEL_MAX = {"portrait": 8.0, "landscape": 10.0}
GROUP_FILL = "E4E9F0"
HEADER_FILL = "D5DDE8"


@dataclass(frozen=True)
class Layout:
    orientation: str
    font: float
    widths: tuple[float, ...]  # cm, label column first
    headers: tuple[str, ...]  # value column headers as printed (maybe abbreviated)
    legend: tuple[tuple[str, str], ...]  # (abbreviation, full header)


# -- measuring ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _font(bold: bool) -> Any:
    from matplotlib import font_manager
    from PIL import ImageFont

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal"))
    return ImageFont.truetype(path, 100)


@lru_cache(maxsize=20000)
def text_width(text: str, pt: float, bold: bool = False) -> float:
    """Width of `text` in cm at `pt` points (DejaVu Sans metrics)."""
    if not text:
        return 0.0
    return _font(bold).getlength(text) / 100 * pt / 72 * 2.54 * SLACK


def _words(text: str) -> list[str]:
    # a line breaks at spaces only: "Hässelby-Vällingby" split at its hyphen reads as two headers
    return text.split()


def longest_word(text: str, pt: float, bold: bool = False) -> float:
    return max((text_width(w, pt, bold) for w in _words(text)), default=0.0)


def abbreviations(headers: Sequence[str]) -> list[str]:
    """Short unique forms: initials of a multi-word header ("Hässelby-Vällingby" → "H-V"), else its
    first letters and a full stop ("Skärholmen" → "Skär."); lengthened until unique."""
    def short(h: str, n: int) -> str:
        parts = [p for p in re.split(r"([\s\-–/]+)", h) if p]
        words = [p for p in parts if not re.fullmatch(r"[\s\-–/]+", p)]
        if len(h) <= n + 1:
            return h
        if len(words) > 1:
            out = "".join(p[: max(1, n - 3)] if not re.fullmatch(r"[\s\-–/]+", p) else p.strip() or " " for p in parts)
            return out if len(out) < len(h) else h
        return h[:n] + "."

    out: list[str] = []
    for n in range(4, 40):
        out = [short(h, n) for h in headers]
        if len(set(out)) == len(out):
            return out
    return list(headers)


def layout(t: ReportTable) -> Layout:
    """Orientation, font size, column widths and (abbreviated) headers for one table."""
    headers = list(t.columns)
    labels = [(r.label, r.depth, r.kind in ("group", "total")) for r in t.rows]
    for orientation in ("portrait", "landscape"):
        for pt in FONT_SIZES:
            fit = _fit(t, headers, labels, orientation, pt)
            if fit is not None:
                return Layout(orientation, pt, fit, tuple(headers), ())
    # Still too wide: abbreviate the value headers (not the totals) and explain them under the table.
    n_body = len(headers) - t.total_columns
    short = abbreviations(headers[:n_body]) + headers[n_body:]
    legend = tuple((s, h) for s, h in zip(short, headers) if s != h)
    for orientation in ("portrait", "landscape"):
        for pt in FONT_SIZES:
            fit = _fit(t, short, labels, orientation, pt)
            if fit is not None:
                return Layout(orientation, pt, fit, tuple(short), legend)
    pt = FONT_SIZES[-1]
    widths = _fit(t, short, labels, "landscape", pt, force=True)
    assert widths is not None
    return Layout("landscape", pt, widths, tuple(short), legend)


def split_wide(t: ReportTable) -> list[ReportTable]:
    """`t`, or `t` in parts of its value columns when even abbreviated headers at the smallest font
    on a landscape page do not fit (21 columns of districts by kind): each part keeps the label
    column, as many value columns as fit, and the last one the totals; the note goes with the
    first part, the charts and the legend with each part's own columns."""
    lay = layout(t)
    if sum(lay.widths) <= USABLE["landscape"] + 0.01:
        return [t]
    n_body = len(t.columns) - t.total_columns
    chunks: list[list[int]] = []
    current: list[int] = []
    for j in range(n_body):
        trial = [*current, j]
        last = j == n_body - 1
        cols = trial + (list(range(n_body, len(t.columns))) if last else [])
        if current and not _fits(_columns(t, cols, t.total_columns if last else 0)):
            chunks.append(current)
            current = [j]
        else:
            current = trial
    chunks.append(current)
    if len(chunks) > 1 and not _fits(_columns(t, chunks[-1] + list(range(n_body, len(t.columns))), t.total_columns)):
        chunks.append([])  # the totals on a part of their own
    parts = []
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        cols = chunk + (list(range(n_body, len(t.columns))) if last else [])
        part = _columns(t, cols, t.total_columns if last else 0)
        parts.append(replace(
            part, key=f"{t.key}-{i + 1}",
            title=_("{title} (part {i} of {n})").format(title=t.title, i=i + 1, n=len(chunks)),
            note=t.note if i == 0 else "", charts=t.charts if last else ()))
    return parts


def _columns(t: ReportTable, cols: Sequence[int], total_columns: int) -> ReportTable:
    return replace(t, columns=tuple(t.columns[j] for j in cols), total_columns=total_columns,
                   rows=tuple(replace(r, values=tuple(r.values[j] for j in cols)) for r in t.rows))


def _fits(t: ReportTable) -> bool:
    return sum(layout(t).widths) <= USABLE["landscape"] + 0.01


def _fit(
    t: ReportTable, headers: Sequence[str], labels: Sequence[tuple[str, int, bool]], orientation: str, pt: float,
    force: bool = False,
) -> tuple[float, ...] | None:
    usable = USABLE[orientation]
    label_min = max([longest_word(t.label_header, pt, True)]
                    + [longest_word(lab, pt, bold) + INDENT * d for lab, d, bold in labels]) + CELL_PADDING
    label_ideal = max([text_width(t.label_header, pt, True)]
                      + [text_width(lab, pt, bold) + INDENT * d for lab, d, bold in labels]) + CELL_PADDING
    label_ideal = max(label_min, min(label_ideal, LABEL_MAX[orientation]))
    mins, ideals = [], []
    for j, h in enumerate(headers):
        values = max((text_width(cell_text(r.values[j]), pt, r.kind == "total") for r in t.rows), default=0.0)
        lo = max(longest_word(h, pt, True), values) + CELL_PADDING
        whole = text_width(h, pt, True) + CELL_PADDING
        # a header of a few words may take two or three lines, not more
        mins.append(lo)
        ideals.append(max(lo, min(whole, max(lo, whole / 2.2))))
    if label_min + sum(mins) > usable and not force:
        return None
    widths = [label_min, *mins]
    spare = usable - sum(widths)
    # Give the label column room first (fewer wrapped names), then the headers.
    grow = min(max(spare, 0.0), label_ideal - label_min)
    widths[0] += grow
    spare -= grow
    wants = [max(0.0, i - m) for i, m in zip(ideals, mins)]
    if spare > 0 and sum(wants) > 0:
        share = min(1.0, spare / sum(wants))
        for j, w in enumerate(wants):
            widths[j + 1] += w * share
    return tuple(round(w, 2) for w in widths)


# -- writing -----------------------------------------------------------------------------


def write_docx(report: Report, path: Path) -> Path:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    _page(doc.sections[0], "portrait")
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    doc.core_properties.title = report.title
    doc.core_properties.language = "sv-SE" if language() == "sv" else "en-GB"
    doc.add_heading(report.title, level=0)
    doc.add_heading(_("Overview"), level=1)
    for line in report.overview:
        head, sep, rest = line.partition(": ")
        para = doc.add_paragraph()
        if sep and len(head) <= 12:
            para.add_run(head + ":").bold = True
            para.add_run(" " + rest)
        else:
            para.add_run(line)
    state = _State(doc)
    if report.summary is not None:
        # on page 1, under the overview: the table may run on to the next page
        _table(state, report.summary, level=2, keep_together=False)
    state.orientation("portrait", new_page=True)
    doc.add_heading(_("Themes and quotes"), level=1)
    for s in report.sections:
        doc.add_heading(s.name, level=2)
        if s.description:
            doc.add_paragraph(s.description).runs[0].italic = True
        for c in s.codes:
            doc.add_heading(c.name, level=3)
            doc.add_paragraph(count_phrase(c) + ".")
            if c.quote_note:
                doc.add_paragraph(c.quote_note).runs[0].italic = True
            for q in c.quotes:
                para = doc.add_paragraph(style="Quote")
                if q.key:
                    para.add_run(_("Key quote") + ". ").bold = True
                para.add_run(f"”{q.text}”")
                src = doc.add_paragraph(f"— {q.source} ({q.origin})")
                src.runs[0].font.size = Pt(9)
    for chapter, parts in groupby(report.parts, key=lambda p: p.chapter_title):
        for i, part in enumerate(parts):
            # headings go on the page of the part's first table (landscape only if it needs it)
            first = layout(part.tables[0]).orientation
            if i == 0:
                state.orientation(first, new_page=True)
                doc.add_heading(chapter, level=1)
            else:
                state.orientation(first)
            doc.add_heading(part.title, level=2)
            if part.intro:
                doc.add_paragraph(part.intro).paragraph_format.keep_with_next = True
            for t in part.tables:
                for piece in split_wide(t):
                    _table(state, piece, level=3)
    doc.save(str(path))
    return path


class _State:
    """The document and the orientation of its last section."""

    def __init__(self, doc: Any):
        self.doc = doc
        self.current = "portrait"
        self.figures = 0

    def orientation(self, orientation: str, new_page: bool = False) -> None:
        from docx.enum.section import WD_SECTION

        if orientation != self.current:
            _page(self.doc.add_section(WD_SECTION.NEW_PAGE), orientation)
            self.current = orientation
        elif new_page:
            self.doc.add_page_break()


def _page(section: Any, orientation: str) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section.orientation = WD_ORIENT.LANDSCAPE if orientation == "landscape" else WD_ORIENT.PORTRAIT
    long_side, short_side = Cm(29.7), Cm(21.0)
    section.page_width, section.page_height = (long_side, short_side) if orientation == "landscape" else (short_side, long_side)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)


def _table(state: _State, t: ReportTable, level: int, keep_together: bool = True) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    lay = layout(t)
    if lay.orientation != state.current:
        state.orientation(lay.orientation)
    doc = state.doc
    doc.add_heading(t.title, level=level)
    font = Pt(lay.font)
    if t.note:
        # The note goes above the table, so a table kept on one page keeps its note with it.
        note = doc.add_paragraph(t.note)
        note.runs[0].italic = True
        note.runs[0].font.size = Pt(8.5)
        note.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(t.columns) + 1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for j, text in enumerate((t.label_header, *lay.headers)):
        cell = table.rows[0].cells[j]
        para = cell.paragraphs[0]
        run = para.add_run(text)
        run.bold = True
        run.font.size = font
        if j:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _shade(cell, HEADER_FILL)
    _repeat_header(table.rows[0])
    for r in t.rows:
        cells = table.add_row().cells
        bold = r.kind in ("group", "total")
        para = cells[0].paragraphs[0]
        para.paragraph_format.left_indent = Cm(INDENT * r.depth)
        run = para.add_run(r.label)
        run.font.size = font
        run.bold = bold
        for j, v in enumerate(r.values, start=1):
            p = cells[j].paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = p.add_run(cell_text(v))
            run.font.size = font
            run.bold = bold
        if r.kind == "group":
            for cell in cells:
                _shade(cell, GROUP_FILL)
    if keep_together and len(table.rows) <= (16 if lay.orientation == "landscape" else 34):
        # Keep a short table on one page: every row but the last keeps with the next.
        for row in table.rows[:-1]:
            for cell in row.cells:
                for para in cell.paragraphs:
                    para.paragraph_format.keep_with_next = True
    # Both the grid (LibreOffice reads it) and every cell (Word reads those) get the widths.
    for j, w in enumerate(lay.widths):
        table.columns[j].width = Cm(w)
    for row in table.rows:
        row_cells = row.cells  # computed on each access: fetch once per row
        for j, w in enumerate(lay.widths):
            row_cells[j].width = Cm(w)
    if lay.legend:
        legend = doc.add_paragraph(_("Abbreviations: {legend}.").format(legend="; ".join(f"{s} = {h}" for s, h in lay.legend)))
        legend.runs[0].font.size = Pt(8)
    for ch in t.charts:
        state.figures += 1
        doc.add_paragraph().paragraph_format.keep_with_next = True
        doc.add_picture(str(ch.path), width=Cm(15.5))
        cap = doc.add_paragraph(_("Figure {n}. {title}.").format(n=state.figures, title=ch.title))
        cap.runs[0].italic = True
        cap.runs[0].font.size = Pt(9)
    doc.add_paragraph()


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _repeat_header(row: Any) -> None:
    """Mark a table's first row as a header row, repeated on each printed page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
