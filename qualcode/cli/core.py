"""Project-level commands: init, status, counts, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import (
    ExcelOpt,
    Format,
    FormatOpt,
    ProjectOpt,
    console,
    emit,
    export_mask,
    note_small_counts,
    err_console,
    excel_csv,
    open_project,
    render_hint,
)
from qualcode.core.i18n import _, n_


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new project (created if missing).")] = Path("."),
    codebook: Annotated[
        Path | None, typer.Option("--codebook", "-c", help="Codebook file (.yaml/.json/.csv/.qdc); default: the shipped one.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder name).")] = None,
    coder: Annotated[str | None, typer.Option(help="Default coder name for this project.")] = None,
    model: Annotated[str | None, typer.Option(help="spaCy pipeline: 'blank' (default), a package name or a path.")] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Keep the data in this PostgreSQL database, e.g. postgresql+psycopg://USER@HOST/NAME (no password in it)."),
    ] = None,
) -> None:
    """Create a project: qualcode.db (SQLite) and qualcode.yaml in DIRECTORY."""
    from qualcode.coding.codebook_changes import read_any_codebook
    from qualcode.project import init_project
    from qualcode.store.urls import display_url

    cb = read_any_codebook(codebook) if codebook else None
    with init_project(directory, cb, name=name, coder=coder, model=model, db=db) as project:
        err_console.print(
            n_("Created the project '{name}' in {directory} with {n_codebook} code.",
               "Created the project '{name}' in {directory} with {n_codebook} codes.", len(project.codebook)).format(name=project.config['name'], directory=directory, n_codebook=len(project.codebook))
            if not db else
            n_("Created the project '{name}' in {directory} (data in {url}) with {n_codebook} code.",
               "Created the project '{name}' in {directory} (data in {url}) with {n_codebook} codes.", len(project.codebook)).format(
                name=project.config['name'], directory=directory, url=display_url(db), n_codebook=len(project.codebook))
        )


def status(project: ProjectOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Show what the project holds: documents, segments, codes, codings, suggestions."""
    with open_project(project) as p:
        stats = p.store.stats()
        rows = [{"what": k, "n": v} for k, v in stats.items()]
        rows.append({"what": "coders", "n": ", ".join(p.store.coders()) or "-"})
        rows.append({"what": "pipeline", "n": p.model})
        emit(rows, ["what", "n"], fmt, title=_("Project {value}").format(value=p.config.get('name') or p.root))


def counts(
    project: ProjectOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", "-b", help="Metadata fields to break down by, comma-separated (e.g. termin,grupp).")
    ] = None,
    unit: Annotated[str, typer.Option(help="Count coded 'document's (interviews, answers), 'segment's or 'respondent's.")] = "document",
    coder: Annotated[list[str] | None, typer.Option(help="Only these coders' codings (repeatable).")] = None,
    code: Annotated[list[str] | None, typer.Option("--code", help="Only these codes (repeatable; groups roll up).")] = None,
    kind: Annotated[str | None, typer.Option(help="Only documents of this kind: note or survey.")] = None,
    fmt: FormatOpt = Format.table,
    excel: ExcelOpt = False,
) -> None:
    """Crosstab of codes × metadata with theme-group roll-ups (manual + accepted codings)."""
    from qualcode.analysis.code_counts import code_counts
    from qualcode.analysis.suppression import project_min_cell
    from qualcode.analysis.tally import TOTAL, format_number

    fields = [f.strip() for f in (by or "").split(",") if f.strip()]
    with open_project(project) as p:
        result = code_counts(p, by=fields, unit=unit, coders=coder, codes=code, kind=kind)
        excel = excel_csv(excel, p)
        min_cell = project_min_cell(p.config)
        mask = export_mask(p, fmt)  # group labels are metadata values: names are masked in csv/json
    records = result.to_records()
    groups = list(result.table.groups) if result.by else []
    if result.mixed:
        err_console.print(
            _("note: Total mixes {split} in one base; the groups are split by kind — choose `--kind note` or `--kind survey` for a base of one kind").format(split=result.base_texts[TOTAL].split(': ', 1)[-1]), markup=False,
        )
    note_small_counts([result.table, result.total], min_cell, fmt)
    if fmt is Format.json:
        emit([{"bases": result.bases, "base_labels": result.base_labels, "unit": unit, "by": fields, "rows": records}],
             [], fmt, mask=mask)
        return
    columns = ["code", "name", *groups, TOTAL]
    if fmt is Format.csv:
        emit(records, ["code", "name", *[c for g in groups for c in (g, f"{g} %")], TOTAL, f"{TOTAL} %"], fmt,
             mask=mask, excel=excel)
        return
    shown = []
    for r in records:
        indent = "  " * r["level"]
        row = {"code": r["code"], "name": indent + r["name"]}
        for g in [*groups, TOTAL]:
            pct = r.get(f"{g} %")
            row[g] = f"{r[g]} ({format_number(pct)} %)" if pct is not None and r[g] else str(r[g])
        shown.append(row)
    # csv and json keep the group keys; the table names them in the interface language
    bases = ", ".join(f"{result.group_name(g)}: {result.base_texts.get(g) or n}" for g, n in result.bases.items())
    title = {"document": _("Number of coded documents (base: {bases})"), "respondent": _("Number of coded respondents (base: {bases})"),
             "segment": _("Number of coded segments (base: {bases})")}[unit]
    emit(shown, columns, fmt, title=title.format(bases=bases), headers={g: result.group_name(g) for g in [*groups, TOTAL]})


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Folder for the demo project.")] = Path("qualcode-demo"),
    corpus: Annotated[Path | None, typer.Option(help="Sample corpus folder (default: the bundled corpora/).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing demo folder.")] = False,
) -> None:
    """Build a project from the bundled sample corpus, code it, count, suggest and report."""
    from qualcode.demo import run_demo

    def say(msg: str) -> None:
        err_console.print(msg)

    result = run_demo(directory, corpus_dir=corpus, force=force, progress=say)
    for title, columns, rows in result.tables:
        emit(rows, columns, Format.table, title=title)
    for line in result.summary:
        console.print(line)
    for hint in result.next_steps:
        console.print(_("Next step — {render_hint}").format(render_hint=render_hint(hint)), markup=False)
    console.print(_("All help: `qualcode -h`, and `qualcode COMMAND -h` for each command."), markup=False)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(status)
    app.command()(counts)
    app.command()(demo)
