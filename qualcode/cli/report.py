"""`qualcode report` (theme summaries) and `qualcode privacy scan` (what would be masked)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import (
    Format,
    FormatOpt,
    ProjectOpt,
    emit,
    err_console,
    open_project,
)
from qualcode.core.i18n import _, n_

privacy_app = typer.Typer(help="Check what pseudonymisation masks before sharing anything.", no_args_is_help=True)


def _split(values: list[str] | None) -> list[str]:
    """`--by a,b --by c` -> [a, b, c]."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into (created if missing).")],
    project: ProjectOpt = None,
    formats: Annotated[str, typer.Option("--formats", help="Comma-separated formats: md, docx, xlsx.")] = "md,docx,xlsx",
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Metadata field(s) to break counts down by, e.g. stadsdel,termin.")
    ] = None,
    codes: Annotated[
        list[str] | None, typer.Option("--code", "--codes", help="Only these codes or theme groups (comma-separated or repeated).")
    ] = None,
    min_cell: Annotated[
        int | None, typer.Option("--min-cell", help="Counts under this are shown as * (default: the project's, 5).")
    ] = None,
    quotes: Annotated[int, typer.Option("--quotes", help="Representative quotes per code (0 = none).")] = 3,
    kind: Annotated[str | None, typer.Option("--kind", help="Only documents of this kind: note or survey.")] = None,
    questions: Annotated[
        Path | None, typer.Option("--questions", help="Survey question texts, CSV 'fråga;text' in questionnaire order "
                                  "(default: report.questions in qualcode.yaml).")
    ] = None,
) -> None:
    """Write theme summaries (counts, charts, pseudonymised quotes) as Markdown, DOCX and XLSX."""
    from qualcode.export.report import write_report

    with open_project(project) as p:
        result = write_report(
            p, out, formats=_split([formats]), by=_split(by), codes=_split(codes) or None,
            min_cell=min_cell, quotes=quotes, kind=kind, questions=questions,
        )
    for f in result.files:
        typer.echo(str(f))
    # several counts: each noun takes the form of its own count
    contents = ", ".join((
        n_("{n} table", "{n} tables", result.n_tables).format(n=result.n_tables),
        n_("{n} chart", "{n} charts", result.n_charts).format(n=result.n_charts),
        n_("{n} quote", "{n} quotes", result.n_quotes).format(n=result.n_quotes),
    ))
    err_console.print(
        n_("Wrote {n_files} file: {contents}; ", "Wrote {n_files} files: {contents}; ", len(result.files)).format(n_files=len(result.files), contents=contents)
        + n_("{n} cell shown as *", "{n} cells shown as *", result.n_suppressed).format(n=result.n_suppressed)
        + (n_("; {n_omitted} table left out (all counts below the threshold).", "; {n_omitted} tables left out (all counts below the threshold).",
              result.n_omitted).format(n_omitted=result.n_omitted) if result.n_omitted else ".")
    )


@privacy_app.command("scan")
def scan(
    project: ProjectOpt = None,
    file: Annotated[
        list[Path] | None, typer.Option("--file", help="Scan these text files instead of the project's corpus.")
    ] = None,
    show: Annotated[int, typer.Option("--show", help="Also list up to N findings with context (0 = counts only).")] = 0,
    model: Annotated[
        str | None, typer.Option("--model", help="spaCy pipeline whose NER to use (default: the project's; 'blank' = rules only).")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Encoding of --file texts (default: detected).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List what pseudonymisation would mask: counts per kind, and examples with --show."""
    from qualcode.export.privacy import (
        KINDS,
        RULE_NAMES,
        Pseudonymiser,
        pseudonymiser_for,
        scan_files,
        scan_project,
        token_word,
    )
    from qualcode.nlp.pipeline import load_pipeline

    if file:
        nlp = load_pipeline(model) if model not in (None, "", "blank", "default") else None
        result = scan_files([str(f) for f in file], Pseudonymiser(nlp), encoding)
    else:
        with open_project(project) as p:
            result = scan_project(p, pseudonymiser_for(p, model))
    counts = result.counts()
    # kinds and rules are identifiers in json and csv; the table names them in the interface language
    table = Format(fmt) is Format.table
    if show:
        rows = [h.to_dict() for h in result.hits[:show]]
        if table:
            rows = [{**r, "kind": token_word(str(r["kind"])), "rule": _(RULE_NAMES.get(str(r["rule"]), str(r["rule"])))} for r in rows]
        emit(rows, ["document", "kind", "text", "rule", "context"], fmt,
             title=_("Findings (showing {n_rows} of {n_hits})").format(n_rows=len(rows), n_hits=len(result.hits)))
    else:
        emit([{"kind": token_word(k) if table else k, "count": counts[k]} for k in KINDS], ["kind", "count"], fmt,
             title=_("What would be masked"))
    err_console.print(
        n_("{n_hits} finding", "{n_hits} findings", len(result.hits)).format(n_hits=len(result.hits))
        + n_(" in {n_texts} text; ", " in {n_texts} texts; ", result.n_texts).format(n_texts=result.n_texts)
        + (_("rules + NER.") if result.uses_ner else _("rules only (the pipeline has no NER)."))
    )


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.add_typer(privacy_app, name="privacy")
