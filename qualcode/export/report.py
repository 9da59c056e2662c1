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

import errno
import os
import secrets
import shutil
import warnings
from collections.abc import Mapping, Sequence
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.errors import Hint, InputError, QualcodeWarning
from qualcode.core.files import WriteError, fsync, write_error
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
    from qualcode.export.privacy import personal_key_kind

    personal = [f for f in by if personal_key_kind(f) is not None]
    if personal:  # a table per name or e-mail address lists people, masked or not
        raise InputError(
            _("the field '{field}' holds personal data — a breakdown by it would be a column per person; break down by a field such as stadsdel, roll or termin").format(field=personal[0]),
            value=personal[0], hint=Hint(_("break down by another field"), option="by", example="termin"),
        )
    out = Path(out_dir)
    existing = next((p for p in (out, *out.absolute().parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise InputError(_("'{out}' is a file, not a folder").format(out=existing), value=str(existing),
                         hint=Hint(_("give a folder for the report"), option="out", example="MAPP"))
    writers = {"md": write_markdown, "docx": write_docx, "xlsx": write_xlsx}
    names = [FILE_NAMES[fmt] for fmt in FORMATS if fmt in formats]
    # The whole report is made in a folder of its own beside (or inside) `out` and moved into place
    # only when complete: an error, a bad option found late or a kill leaves `out` as it was.
    stage = _stage(out, existing)
    try:
        report = build_report(
            project, stage, by=by, codes=codes, min_cell=min_cell, quotes=quotes, kind=kind,
            pseudonymiser=pseudonymiser, extra_parts=extra_parts, questions=questions,
        )
        for fmt, name in zip((f for f in FORMATS if f in formats), names):
            try:
                writers[fmt](report, stage / name)
            except OSError as exc:
                raise write_error(exc, out / name) from None
        _move_into_place(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if report.min_cell <= 1:
        warnings.warn(QualcodeWarning(
            _("small-cell suppression is off (smallest cell {min_cell}): counts such as 1 or 2 are shown as they are and can point to a person — read the report before sharing it").format(min_cell=report.min_cell),
            value=report.min_cell, hint=Hint(_("hide small counts"), option="min_cell", example="5"),
        ), stacklevel=2)
    files = [out / name for name in names]
    n_quotes = sum(len(c.quotes) for s in report.sections for c in s.codes)
    n_sup = sum(t.n_suppressed() for t in report.tables)
    return ReportResult(out, tuple(files), len(report.tables), len(report.charts), n_quotes, n_sup, len(report.omitted))


STALE_STAGE_SECONDS = 3600  # a stage folder this old whose process is gone was left by a kill


def _stage(out: Path, base: Path) -> Path:
    """A new empty folder in `base` (`out`, or its nearest existing parent), so on the file system
    `out` is (to be) on; a folder that cannot be made is one line. Stage folders of this name that
    a killed run left are removed first."""
    name = out.name or "rapport"
    _sweep_stages(base, name)
    stage = base / f".{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        stage.mkdir()
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS):
            raise write_error(exc, out / FILE_NAMES["md"]) from None
        raise WriteError(
            _("could not create the folder '{out}' ({reason}) — nothing was written").format(out=out, reason=exc.strerror or exc),
            value=str(out), hint=Hint(_("give a folder you may write in"), option="out", example="rapport"),
        ) from None
    return stage


def _sweep_stages(base: Path, name: str) -> None:
    """Remove `.NAME.tmp-PID-…` folders in `base` left by a report that was killed (kill -9, a power
    cut): its process is gone and the folder is over an hour old. A folder on a share that another
    machine's run is writing in now is younger than that, and stays."""
    import time

    try:
        candidates = list(base.glob(f".{glob_escape(name)}.tmp-*-*"))
    except OSError:
        return
    for path in candidates:
        pid = path.name[len(name) + len(".") + len(".tmp-"):].split("-", 1)[0]
        try:
            old = time.time() - path.lstat().st_mtime > STALE_STAGE_SECONDS
        except OSError:
            continue
        if pid.isdigit() and old and path.is_dir() and not path.is_symlink() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no such call here: take it as running
        return True
    return True


def _move_into_place(stage: Path, out: Path) -> None:
    """Move the finished report from `stage` into `out`: the whole folder when `out` is new, else
    file by file (each rename atomic), so other files in `out` stay."""
    try:
        files = [p for p in sorted(stage.rglob("*")) if p.is_file()]
        for path in files:
            fsync(path)
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage, out)
            return
        for path in files:
            target = out / path.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    except OSError as exc:
        raise write_error(exc, out / FILE_NAMES["md"]) from None
