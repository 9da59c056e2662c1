"""`qualcode code`: add, remove, list, search, memo, quote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import (
    ExcelOpt,
    Format,
    FormatOpt,
    ProjectOpt,
    emit,
    export_mask,
    err_console,
    excel_csv,
    open_project,
    parse_meta,
)
from qualcode.core.errors import InputError
from qualcode.core.records import POSITIVE_SOURCES

app = typer.Typer(help="Code segments by hand, list codings, code by lemma search.", no_args_is_help=True)

CoderOpt = Annotated[str | None, typer.Option(help="Coder name (default: the project's coder).")]


@app.command("add")
def add(
    items: Annotated[list[str], typer.Argument(
        help="SEGMENT CODE... (a whole segment), or CODE... with --document and --quote/--span.", metavar="[SEGMENT] CODE...")],
    document: Annotated[str | None, typer.Option(help="Document id or name: code a span of it.")] = None,
    quote: Annotated[str | None, typer.Option(help="The exact words to code (line breaks match spaces).")] = None,
    occurrence: Annotated[int | None, typer.Option(help="Which place of an ambiguous quote (1 = first).")] = None,
    span: Annotated[str | None, typer.Option(help="START:END in characters (end exclusive).")] = None,
    coder: CoderOpt = None,
    memo: Annotated[str | None, typer.Option(help="Memo on the coding.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Code SEGMENT with CODE..., or the words --quote (or --span) of --document."""
    from qualcode.coding.service import add_codes, add_quote, add_span

    if document is None:
        if quote is not None or span is not None or occurrence is not None:
            raise InputError("--quote, --span och --occurrence kräver --document NAMN")
        if len(items) < 2 or not items[0].isdigit():
            raise InputError("ange SEGMENT KOD… eller KOD… --document NAMN --quote \"exakta ord\"")
        with open_project(project) as p:
            add_codes(p, [int(items[0])], items[1:], coder, memo)
        err_console.print(f"Kodade segment {items[0]} med {', '.join(items[1:])}.")
        return
    if quote is None and span is None:
        raise InputError("ange --quote \"exakta ord\" eller --span START:SLUT för att koda ett spann")
    where = parse_span(span) if span is not None else None
    with open_project(project) as p:
        if quote is None and where is not None:
            codings = add_span(p, document, where[0], where[1], items, coder, memo)
        else:
            codings = add_quote(p, document, quote or "", items, coder, memo, occurrence, where)
    c = codings[0]
    err_console.print(f"Kodade {c.start}:{c.end} i '{document}' med {', '.join(items)}.")


def parse_span(text: str) -> tuple[int, int]:
    """`START:END` to two ints, with a clear error otherwise."""
    start, sep, end = text.partition(":")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise InputError(f"ogiltigt spann '{text}' — skriv START:SLUT, t.ex. --span 120:164")
    return int(start), int(end)


@app.command("remove")
def remove(
    segment: Annotated[int, typer.Argument(help="Segment id.")],
    codes: Annotated[list[str], typer.Argument(help="Code ids to remove.")],
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Remove a coder's CODE... from SEGMENT."""
    from qualcode.coding.service import remove_codes

    with open_project(project) as p:
        remove_codes(p, segment, codes, coder)
    err_console.print(f"Tog bort {', '.join(codes)} från segment {segment}.")


@app.command("list")
def list_(
    project: ProjectOpt = None,
    code: Annotated[list[str] | None, typer.Option("--code", help="Code or group id (repeatable; groups roll up).")] = None,
    document: Annotated[str | None, typer.Option(help="Document id or name.")] = None,
    meta: Annotated[list[str] | None, typer.Option("--meta", "-m", help="Metadata key=value filter (repeatable).")] = None,
    coder: CoderOpt = None,
    segment: Annotated[int | None, typer.Option(help="Only this segment.")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Include open and rejected suggestions.")] = False,
    fmt: FormatOpt = Format.table,
    excel: ExcelOpt = False,
) -> None:
    """List codings with their coded words, filtered by code, document, metadata, coder."""
    from qualcode.coding.service import list_spans

    with open_project(project) as p:
        spans = list_spans(p, code, document, parse_meta(meta), coder,
                           None if all_sources else POSITIVE_SOURCES, segment)
        rows = [dict(s.to_dict(), memo=s.memo or "") for s in spans]
        excel = excel_csv(excel, p)
        mask = export_mask(p, fmt)
    emit(rows, ["coding", "segment", "code", "coder", "source", "document", "start", "end", "memo", "text"], fmt,
         mask=mask, excel=excel)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find by lemma (compounds too); commas separate alternatives (OR).")],
    require_all: Annotated[bool, typer.Option("--all", help="Only segments with every comma-separated phrase (AND).")] = False,
    code: Annotated[str | None, typer.Option("--code", help="Code every hit with this code.")] = None,
    unit: Annotated[str | None, typer.Option(help="paragraph, sentence or response.")] = None,
    meta: Annotated[list[str] | None, typer.Option("--meta", "-m", help="Metadata key=value filter.")] = None,
    coder: CoderOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Code without asking.")] = False,
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Find segments whose lemmas match QUERY (`lokal` finds `arbetslokalerna`); optionally code them."""
    from qualcode.coding.service import add_codes
    from qualcode.coding.service import search as do_search

    with open_project(project) as p:
        if code:
            p.codebook.resolve(code)
        hits = do_search(p, query, unit=unit, meta=parse_meta(meta), require_all=require_all)
        emit([{"segment": h.segment.id, "document": h.segment.document_name, "matched": h.matched, "text": h.segment.text}
              for h in hits], ["segment", "document", "matched", "text"], fmt, title=f"{len(hits)} träffar för '{query}'")
        if not code or not hits:
            return
        if not yes and not typer.confirm(f"Koda {len(hits)} segment med {code}?", default=False, err=True):
            err_console.print("Inget kodades.")
            raise typer.Exit(1)
        add_codes(p, [h.segment.id for h in hits], [code], coder, memo=f"sökning: {query}")
    err_console.print(f"Kodade {len(hits)} segment med {code}.")


@app.command("memo")
def memo(
    segment: Annotated[int, typer.Argument(help="Segment id (as in `code add SEGMENT CODE`).")],
    code: Annotated[str, typer.Argument(help="The code whose memo to set.")],
    text: Annotated[str, typer.Argument(help="Memo text ('' clears it).")],
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Set or clear the memo of CODE on SEGMENT (the coder's coding; default the project's coder)."""
    from qualcode.coding.service import set_segment_memo

    with open_project(project) as p:
        c = set_segment_memo(p, segment, code, text or None, coder)
    err_console.print(f"Sparade memo för {c.code_id} ({c.coder}) på segment {segment}.", markup=False)


@app.command("quote")
def quote(
    segment: Annotated[int, typer.Argument(help="Segment id to flag as a key quote.")],
    note: Annotated[str | None, typer.Option(help="Why this quote matters.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the key-quote flag.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Flag SEGMENT as a key quote: the report shows flagged quotes first."""
    from qualcode.coding.service import flag_quote

    with open_project(project) as p:
        flag_quote(p, segment, note=note, unflag=remove)
    err_console.print(f"Segment {segment} {'är inte längre' if remove else 'är nu'} ett nyckelcitat.")


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="Codings file: JSONL (the demo's) or CSV document;quote;code;coder;memo.")],
    unit: Annotated[str, typer.Option(help="Segment unit the quotes are found in.")] = "paragraph",
    encoding: Annotated[str | None, typer.Option(help="CSV encoding (default: detected).")] = None,
    project: ProjectOpt = None,
) -> None:
    """Bring in coding done elsewhere; every line is checked first and a wrong one writes nothing."""
    from qualcode.coding.codings_import import import_codings_file

    with open_project(project) as p:
        result = import_codings_file(p, file, unit, encoding)
    err_console.print(
        f"Importerade {result.codings} kodningar på {result.segments} segment från {file.name} "
        f"(kodare: {', '.join(result.coders)}).", markup=False,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="code")
