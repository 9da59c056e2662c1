"""The report as Markdown: headings, pipe tables (names, group rows in bold, codes indented), charts, quotes."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from qualcode.core.i18n import _
from qualcode.export.model import Report, ReportTable
from qualcode.export.writers.text import cell_text, count_phrase


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(t: ReportTable, base: Path) -> list[str]:
    lines = [f"#### {t.title}", ""]
    if t.note:
        lines += ["*" + t.note.replace("*", "\\*") + "*", ""]
    lines.append("| " + " | ".join(_md(c) for c in (t.label_header, *t.columns)) + " |")
    lines.append("|---|" + "|".join("---:" for _ in t.columns) + "|")
    for r in t.rows:
        label = _md(r.label)
        if r.kind in ("group", "total"):
            label = f"**{label}**"
        label = "&nbsp;&nbsp;" * r.depth + label
        lines.append("| " + " | ".join([label, *(_md(cell_text(v)) for v in r.values)]) + " |")
    lines.append("")
    for ch in t.charts:
        rel = ch.path.relative_to(base) if ch.path.is_relative_to(base) else ch.path
        lines += [f"![{ch.title}]({rel.as_posix()})", ""]
    return lines


def write_markdown(report: Report, path: Path) -> Path:
    lines = [f"# {report.title}", "", "## " + _("Overview"), ""]
    lines += [p + "  " for p in report.overview] + [""]
    if report.summary is not None:
        lines += _table(report.summary, path.parent)
    lines += ["## " + _("Themes and quotes"), ""]
    for s in report.sections:
        lines += [f"### {s.name}", ""]
        for c in s.codes:
            lines += [f"#### {c.name} ({c.code})", "", count_phrase(c) + ".", ""]
            if c.quote_note:
                lines += [f"*{c.quote_note}*", ""]
            for q in c.quotes:
                star = "**" + _("Key quote") + ".** " if q.key else ""
                lines += [f"> {star}”{q.text}”", ">", f"> — {q.source} ({q.origin})", ""]
    for chapter, parts in groupby(report.parts, key=lambda p: p.chapter_title):
        lines += [f"## {chapter}", ""]
        for part in parts:
            lines += [f"### {part.title}", ""]
            if part.intro:
                lines += [part.intro, ""]
            for t in part.tables:
                lines += _table(t, path.parent)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path
