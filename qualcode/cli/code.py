"""`qualcode code`: add, remove, list, search, memo, quote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli.common import (
    TABLE_ROWS,
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
from qualcode.core.i18n import _, n_

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
            raise InputError(_("--quote, --span and --occurrence need --document NAME"))
        if len(items) < 2 or not items[0].isdigit():
            raise InputError(_("give SEGMENT CODE… or CODE… --document NAME --quote \"exact words\""))
        with open_project(project) as p:
            add_codes(p, [int(items[0])], items[1:], coder, memo)
        err_console.print(_("Coded segment {items} with {items2}.").format(items=items[0], items2=', '.join(items[1:])))
        return
    if quote is None and span is None:
        raise InputError(_("give --quote \"exact words\" or --span START:END to code a span"))
    where = parse_span(span) if span is not None else None
    with open_project(project) as p:
        if quote is None and where is not None:
            codings = add_span(p, document, where[0], where[1], items, coder, memo)
        else:
            codings = add_quote(p, document, quote or "", items, coder, memo, occurrence, where)
    c = codings[0]
    err_console.print(_("Coded {start}:{end} in '{document}' with {items}.").format(start=c.start, end=c.end, document=document, items=', '.join(items)))


def parse_span(text: str) -> tuple[int, int]:
    """`START:END` to two ints, with a clear error otherwise."""
    start, sep, end = text.partition(":")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise InputError(_("invalid span '{text}' — write START:END, e.g. --span 120:164").format(text=text))
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
    err_console.print(_("Removed {codes} from segment {segment}.").format(codes=', '.join(codes), segment=segment))


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
    from qualcode.coding.service import code_hits
    from qualcode.coding.service import search as do_search

    with open_project(project) as p:
        if code:
            p.codebook.resolve(code)
        hits = do_search(p, query, unit=unit, meta=parse_meta(meta), require_all=require_all)
        emit([{"segment": h.segment.id, "document": h.segment.document_name, "matched": h.matched,
               "text": _marked(query, h.segment.text) if Format(fmt) is Format.table and n < TABLE_ROWS else h.segment.text}
              for n, h in enumerate(hits)], ["segment", "document", "matched", "text"], fmt,
             title=_("Hits for '{query}': {n_hits}").format(n_hits=len(hits), query=query))
        if not code or not hits:
            return
        if not yes and not typer.confirm(n_("Code {n_hits} segment with {code}?", "Code {n_hits} segments with {code}?", len(hits)).format(n_hits=len(hits), code=code), default=False, err=True):
            err_console.print(_("Nothing was coded."))
            raise typer.Exit(1)
        coded, already = code_hits(p, [h.segment.id for h in hits], code, coder, memo=_("search: {query}").format(query=query))
    msg = n_("Coded {n_hits} segment with {code}.", "Coded {n_hits} segments with {code}.", coded).format(n_hits=coded, code=code)
    if already:
        msg += " " + n_("{n} already had the code and was left as it was.",
                        "{n} already had the code and were left as they were.", already).format(n=already)
    err_console.print(msg)


def _marked(query: str, text: str) -> Any:
    """A hit's text for the screen with the words the search matched in reverse video."""
    from rich.text import Text

    from qualcode.suggest.search import hit_spans

    shown = Text(text)
    for a, b in hit_spans(query, text):
        shown.stylize("bold reverse", a, b)
    return shown


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
    err_console.print(_("Saved the memo for {code_id} ({coder}) on segment {segment}.").format(code_id=c.code_id, coder=c.coder, segment=segment), markup=False)


@app.command("quote")
def quote(
    segment: Annotated[int, typer.Argument(help="Segment id (as in `code add SEGMENT CODE`).")],
    code: Annotated[str, typer.Argument(help="The code whose quote this is (the coder's coding on SEGMENT).")],
    note: Annotated[str | None, typer.Option(help="Why this quote matters.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the key-quote flag.")] = False,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Flag the coding of CODE on SEGMENT as a key quote (the coder's): the report shows flagged quotes first."""
    from qualcode.coding.service import flag_coding_quote

    with open_project(project) as p:
        c = flag_coding_quote(p, segment, code, coder, note=note, unflag=remove)
    err_console.print(_("Segment {segment} {value} a key quote for {code} ({coder}).").format(
        segment=segment, value=_("is no longer") if remove else _("is now"), code=c.code_id, coder=c.coder), markup=False)


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
        n_("Imported {codings} coding on {segments} segment from {name} (coders: {coders}).",
           "Imported {codings} codings on {segments} segments from {name} (coders: {coders}).", result.codings).format(codings=result.codings, segments=result.segments, name=file.name, coders=', '.join(result.coders)), markup=False,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="code")
