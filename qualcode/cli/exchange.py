"""`qualcode export qdc|qdpx|matrix`: exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder, R, SPSS, Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import ExcelOpt, ProjectOpt, err_console, excel_csv, open_project
from qualcode.core.i18n import _, n_

app = typer.Typer(help="Export the codebook or project (REFI-QDA) or a code matrix (CSV/XLSX).", no_args_is_help=True)

UnmaskedOpt = Annotated[
    bool, typer.Option("--unmasked", help="Keep names, e-mail addresses and other personal data (only for your own team).")
]


@app.command("qdc")
def qdc(
    out: Annotated[Path, typer.Argument(help="Output file, e.g. kodbok.qdc.")],
    project: ProjectOpt = None,
) -> None:
    """Export the project's codebook as a REFI-QDA codebook (.qdc)."""
    from qualcode.exchange.refi_export import write_qdc

    with open_project(project) as p:
        cb = p.codebook
        write_qdc(cb, out)
    err_console.print(n_("Wrote {n_cb} code to {out} (REFI-QDA .qdc).", "Wrote {n_cb} codes to {out} (REFI-QDA .qdc).", len(cb)).format(n_cb=len(cb), out=out))


@app.command("qdpx")
def qdpx(
    out: Annotated[Path, typer.Argument(help="Output file, e.g. projekt.qdpx.")],
    coder: Annotated[list[str] | None, typer.Option("--coder", help="Only these coders' codings (repeatable; default all).")] = None,
    case_by: Annotated[
        str | None, typer.Option("--case-by", help="Metadata field that names a survey respondent (default: respondent).")
    ] = None,
    unmasked: UnmaskedOpt = False,
    project: ProjectOpt = None,
) -> None:
    """Export the project as REFI-QDA (.qdpx): sources, codebook, codings per coder, cases with variables.

    Texts, names, variables and memos are pseudonymised unless --unmasked is given.
    """
    from qualcode.exchange.refi_export import write_qdpx
    from qualcode.export.privacy import pseudonymiser_for

    with open_project(project) as p:
        s = write_qdpx(p, out, coders=coder, case_by=case_by, pseudonymiser=None if unmasked else pseudonymiser_for(p))
    # six counts: each noun takes the form of its own count
    counts = ", ".join((
        n_("{n} source", "{n} sources", s.sources).format(n=s.sources),
        n_("{n} case", "{n} cases", s.cases).format(n=s.cases),
        n_("{n} selection", "{n} selections", s.selections).format(n=s.selections),
        n_("{n} coding", "{n} codings", s.codings).format(n=s.codings) + " " + n_("by {n} user", "by {n} users", s.users).format(n=s.users),
        n_("{n} memo", "{n} memos", s.notes).format(n=s.notes),
    ))
    err_console.print(_("Wrote {out}: {counts}.").format(out=out, counts=counts))


@app.command("matrix")
def matrix(
    out: Annotated[Path, typer.Argument(help="Output file: .csv or .xlsx.")],
    by: Annotated[str, typer.Option("--by", help="Rows: auto (respondents for surveys, else documents), document or respondent.")] = "auto",
    coder: Annotated[list[str] | None, typer.Option("--coder", help="Only these coders' codings (repeatable; e.g. consensus).")] = None,
    codes: Annotated[list[str] | None, typer.Option("--code", "--codes", help="Only these codes, comma-separated or repeated.")] = None,
    groups: Annotated[bool, typer.Option("--groups", help="Add a rolled-up column for each theme group.")] = False,
    kind: Annotated[str | None, typer.Option("--kind", help="Only documents of this kind: note or survey.")] = None,
    file_format: Annotated[str | None, typer.Option("--file-format", help="csv or xlsx (default: from the suffix).")] = None,
    delimiter: Annotated[str, typer.Option("--delimiter", help="CSV delimiter; ';' suits Swedish Excel.")] = ",",
    bom: Annotated[bool, typer.Option("--bom", help="Start the CSV with a UTF-8 BOM so Excel reads å/ä/ö.")] = False,
    safe_names: Annotated[bool, typer.Option("--safe-names", help="Column names SPSS accepts (T-LON → T_LON, år → ar).")] = False,
    unmasked: UnmaskedOpt = False,
    excel: ExcelOpt = False,
    project: ProjectOpt = None,
) -> None:
    """Export a 0/1 code matrix with metadata, one row per document or respondent (names and text cells masked)."""
    from qualcode.analysis.matrix import code_matrix, write_matrix
    from qualcode.export.privacy import mask_matrix, pseudonymiser_for

    code_list = [c.strip() for v in codes or [] for c in v.split(",") if c.strip()] or None
    with open_project(project) as p:
        m = code_matrix(p, by=by, coders=coder, codes=code_list, groups=groups, kind=kind)
        if not unmasked:
            m = mask_matrix(pseudonymiser_for(p), m)
        if excel_csv(excel, p):
            delimiter, bom = ";", True  # ';' also gives numbers a decimal comma
    write_matrix(m, out, fmt=file_format, delimiter=delimiter, bom=bom, safe_names=safe_names)
    size = (n_("{n} row", "{n} rows", len(m.rows)).format(n=len(m.rows)) + " × "
            + n_("{n} code", "{n} codes", len(m.code_columns)).format(n=len(m.code_columns)))
    err_console.print(n_("Wrote {out}: {size} (+ {n_meta_columns} metadata field).", "Wrote {out}: {size} (+ {n_meta_columns} metadata fields).",
                         len(m.meta_columns)).format(out=out, size=size, n_meta_columns=len(m.meta_columns)))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="export")
