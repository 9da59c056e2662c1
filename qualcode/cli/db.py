"""`qualcode db`: the project's database (engine, size, schema) and copying a project between engines."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.common import Format, FormatOpt, ProjectOpt, emit, err_console, open_project
from qualcode.core.i18n import N_, _, n_

db_app = typer.Typer(
    help="The project's database: which engine, how big, and copying a project between SQLite and PostgreSQL.",
    no_args_is_help=True,
)

COPY_HEADERS = (N_("table"), N_("source_rows"), N_("target_rows"), N_("hash"), N_("match"))


@db_app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="Project folder or database URL to copy from.")],
    target: Annotated[str, typer.Argument(help="New or empty project folder, or an empty database URL, to copy to.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Copy a whole project between SQLite and PostgreSQL (either way); checks rows and content per table."""
    from qualcode.store_admin import copy_project

    with err_console.status(_("copying …")) as status:  # shown on a terminal only
        report = copy_project(
            source, target, progress=lambda table, n: status.update(n_("copying {table}: {n} row", "copying {table}: {n} rows", n).format(table=table, n=n)),
        )
    table = Format(fmt) is Format.table
    rows = [
        {"table": t.table, "source_rows": t.source_rows, "target_rows": t.target_rows,
         "hash": t.source_hash[:16] if table else t.source_hash, "match": (_("yes") if t.ok else _("NO")) if table else t.ok}
        for t in report.tables
    ]
    emit(rows, list(COPY_HEADERS), fmt, title=f"{report.source} → {report.target}")
    if not report.ok:
        bad = ", ".join(t.table for t in report.tables if not t.ok)
        err_console.print(_("[bold red]error:[/] the copy differs from the source in {tables} — do not use it").format(tables=bad))
        raise typer.Exit(1)
    err_console.print(
        _("Copied the project to {target}: {n_tables} tables, rows and content checked.").format(target=report.target, n_tables=len(report.tables))
    )


@db_app.command("info")
def info(project: ProjectOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Which engine and database, the schema revision (and whether it is current), size, row counts."""
    from qualcode.store_admin import database_info

    with open_project(project) as p:
        d = database_info(p)
    current: object = d.current
    if Format(fmt) is Format.table:
        current = _("yes") if d.current else _("no (this qualcode: {head})").format(head=d.head)
    rows: list[dict[str, object]] = [
        {"property": "engine", "value": d.engine},
        {"property": "url", "value": d.url},
        {"property": "revision", "value": d.revision or "-"},
        {"property": "current", "value": current},
        {"property": "size_bytes", "value": d.size_bytes},
        *({"property": name, "value": n} for name, n in d.counts.items()),
    ]
    emit(rows, ["property", "value"], fmt, title=_("Database"))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
