"""The researcher's report: theme summaries as Markdown, DOCX and XLSX, with charts and quotes.

Three steps: the analysis package counts (`qualcode.analysis.code_counts`, mention tables),
`qualcode.export.builders` turns the counts into a report model (`qualcode.export.model`:
suppressed tables with names for a reader, masked quotes, an overview for page 1), and the
writers in `qualcode.export.writers` lay the model out in each format. Every count under
`min_cell` is shown as '*' (with complementary suppression, see `qualcode.analysis.suppression`);
every quote and every text cell is pseudonymised (see `qualcode.export.privacy`). Nothing else
of a document's text is exported.

    >>> result = write_report(project, "rapport", formats=("md", "docx", "xlsx"), by=("stadsdel",))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.errors import Hint, InputError
from qualcode.core.files import atomic_write
from qualcode.export.builders import build_report, questionnaire_parts, questionnaire_tables, quote_text
from qualcode.export.model import Report, ReportResult, TablePart
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.export.privacy import Pseudonymiser
    from qualcode.project import Project

FORMATS = ("md", "docx", "xlsx")
FILE_NAMES = {"md": "rapport.md", "docx": "rapport.docx", "xlsx": "rapport.xlsx"}

__all__ = [
    "FORMATS", "Report", "ReportResult", "build_report", "questionnaire_parts", "questionnaire_tables",
    "quote_text", "write_report",
]


def write_report(
    project: Project,
    out_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    by: Sequence[str] = (),
    codes: Sequence[str] | None = None,
    min_cell: int | None = None,
    quotes: int = 3,
    kind: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    extra_parts: Sequence[TablePart] = (),
    questions: str | Path | Mapping[str, str] | None = None,
) -> ReportResult:
    """Build the report for `project` and write it to `out_dir` in each of `formats`."""
    from qualcode.export.writers import write_docx, write_markdown, write_xlsx

    formats = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError(
            _("unknown format {value} — choose from {formats}").format(value=', '.join(repr(b) for b in bad) or _('(nothing)'), formats=', '.join(FORMATS)),
            value=bad, valid=FORMATS, hint=Hint(_("choose the format"), option="formats", example="md,docx"),
        )
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(_("'{out}' is a file, not a folder").format(out=out), value=str(out),
                         hint=Hint(_("give a folder for the report"), option="out", example="MAPP"))
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(
        project, out, by=by, codes=codes, min_cell=min_cell, quotes=quotes, kind=kind,
        pseudonymiser=pseudonymiser, extra_parts=extra_parts, questions=questions,
    )
    writers = {"md": write_markdown, "docx": write_docx, "xlsx": write_xlsx}
    files: list[Path] = []
    # Each file is written under a temporary name and renamed into place: a kill keeps the old one.
    for fmt in FORMATS:
        if fmt in formats:
            path = out / FILE_NAMES[fmt]
            with atomic_write(path) as tmp:
                writers[fmt](report, tmp)
            files.append(path)
    n_quotes = sum(len(c.quotes) for s in report.sections for c in s.codes)
    n_sup = sum(t.n_suppressed() for t in report.tables)
    return ReportResult(out, tuple(files), len(report.tables), len(report.charts), n_quotes, n_sup, len(report.omitted))
