"""The report as data: what the writers (Markdown, DOCX, XLSX) lay out. Nothing here counts.

`qualcode.export.builders` fills these records from the analysis package's counts (already
suppressed and pseudonymised); `qualcode.export.writers` turns one `Report` into files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.analysis.suppression import STAR
from qualcode.core.i18n import N_, _

ROW_KINDS = ("code", "group", "total", "other")
# The chapters a part stands under (keys), and their headings (msgids).
TABLES, QUESTIONNAIRE = "tables", "questionnaire"
CHAPTERS = {TABLES: N_("Tables"), QUESTIONNAIRE: N_("Survey questions")}


@dataclass(frozen=True)
class Row:
    """One table row: the label the reader sees (a code's name, a category), then the cells.

    `code` keeps the code id for the XLSX sheet (and scripts); `kind` says how a writer sets
    the row apart: a theme group, a code under it (`depth`), a total, or anything else.
    """

    label: str
    values: tuple[Any, ...]
    code: str = ""
    depth: int = 0
    kind: str = "code"


@dataclass(frozen=True)
class ReportChart:
    title: str
    path: Path


@dataclass(frozen=True)
class ReportTable:
    """One table: cells are int counts, float percentages, '*' (suppressed) or None."""

    key: str
    title: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""
    sheet: str = ""  # XLSX sheet name (≤ 31 characters); default: from the title
    total_columns: int = 0  # the last columns that are sums of the others
    charts: tuple[ReportChart, ...] = ()

    def body(self) -> list[Any]:
        """The cells that are not totals (no total row, no total column)."""
        end = len(self.columns) - self.total_columns
        return [v for r in self.rows if r.kind != "total" for v in r.values[:end]]

    def shows_nothing(self) -> bool:
        """True when no cell outside the totals shows a count above 0: every one is '*' or 0."""
        return not any(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in self.body())

    def n_suppressed(self) -> int:
        return sum(1 for r in self.rows for v in r.values if v == STAR)


@dataclass(frozen=True)
class TablePart:
    """Tables under one heading: the breakdowns by one field, or one survey question."""

    key: str
    title: str
    intro: str
    tables: tuple[ReportTable, ...]
    chapter: str = TABLES  # the chapter the part stands under: TABLES or QUESTIONNAIRE
    respondents: int = 0  # a survey question: the respondents who answered it

    @property
    def chapter_title(self) -> str:
        """The chapter's heading in the interface language."""
        return _(CHAPTERS[self.chapter]) if self.chapter in CHAPTERS else self.chapter


@dataclass(frozen=True)
class Omitted:
    """A table that is not shown, and why."""

    title: str
    reason: str


@dataclass(frozen=True)
class ReportQuote:
    code: str
    text: str
    source: str
    key: bool
    origin: str


@dataclass(frozen=True)
class CodeSummary:
    code: str
    name: str
    segments: int | str
    documents: int | str
    respondents: int | str
    quotes: tuple[ReportQuote, ...]
    quote_note: str = ""  # why a code has no quotes (its count is suppressed)


@dataclass(frozen=True)
class ThemeSection:
    code: str
    name: str
    description: str
    codes: tuple[CodeSummary, ...]


@dataclass(frozen=True)
class Report:
    """Page 1 (overview and the themes table), the themes with quotes, then the table parts."""

    title: str
    overview: tuple[str, ...]
    summary: ReportTable | None
    sections: tuple[ThemeSection, ...]
    parts: tuple[TablePart, ...]
    omitted: tuple[Omitted, ...]
    min_cell: int

    @property
    def tables(self) -> tuple[ReportTable, ...]:
        head = (self.summary,) if self.summary is not None else ()
        return head + tuple(t for p in self.parts for t in p.tables)

    @property
    def charts(self) -> tuple[ReportChart, ...]:
        return tuple(c for t in self.tables for c in t.charts)


@dataclass(frozen=True)
class ReportResult:
    out_dir: Path
    files: tuple[Path, ...]
    n_tables: int
    n_charts: int
    n_quotes: int
    n_suppressed: int
    n_omitted: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir), "files": [str(f) for f in self.files], "tables": self.n_tables,
            "charts": self.n_charts, "quotes": self.n_quotes, "suppressed_cells": self.n_suppressed,
            "omitted_tables": self.n_omitted,
        }
