"""`qualcode import` (notes, survey, qdpx) and `qualcode corpus` (list, show, segments, segment)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.common import (
    Format,
    FormatOpt,
    ProjectOpt,
    console,
    emit,
    err_console,
    open_project,
    parse_meta,
)
from qualcode.core.i18n import _, n_, value_text

if TYPE_CHECKING:
    from qualcode.exchange.refi_import import QdpxImportSummary
    from qualcode.ingest.service import ImportResult

import_app = typer.Typer(help="Import interview notes or survey data into the project.", no_args_is_help=True)
corpus_app = typer.Typer(help="Browse the imported documents and segments.", no_args_is_help=True)

MetaOpt = Annotated[
    list[str] | None, typer.Option("--meta", "-m", help="Metadata key=value for every document (repeatable).")
]
EncodingOpt = Annotated[str | None, typer.Option(help="Text encoding, e.g. utf-8 or cp1252 (default: detected).")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="spaCy pipeline for segmentation (default: the project's).")]


ReplaceOpt = Annotated[
    bool, typer.Option("--replace", help="A file already in the project with changed content: update it in place, keeping its codings.")
]
AsNewOpt = Annotated[
    bool, typer.Option("--as-new", help="A file already in the project with changed content: add it as a new document.")
]


def _on_change(replace: bool, as_new: bool) -> str:
    from qualcode.core.errors import InputError

    if replace and as_new:
        raise InputError(_("choose --replace or --as-new, not both"))
    return "replace" if replace else "new" if as_new else "stop"


def _report(result: ImportResult) -> None:
    if result.respondents is not None:
        msg = n_("Imported {documents} answers from {respondents} respondent ({segments} segments, unit {unit}); respondents without free text count in the bases.",
                 "Imported {documents} answers from {respondents} respondents ({segments} segments, unit {unit}); respondents without free text count in the bases.",
                 result.respondents).format(
            documents=result.documents, respondents=result.respondents, segments=result.segments, unit=result.unit)
    elif result.documents or not (result.replaced or result.meta_updated):
        msg = n_("Imported {documents} document ({segments} segments, unit {unit}).",
                 "Imported {documents} documents ({segments} segments, unit {unit}).", result.documents).format(documents=result.documents, segments=result.segments, unit=result.unit)
    else:
        msg = ""
    if result.skipped:
        shown = ", ".join(result.skipped[:5]) + (" …" if len(result.skipped) > 5 else "")
        msg += n_(" Skipped {n_skipped} document already imported: {shown}", " Skipped {n_skipped} documents already imported: {shown}", len(result.skipped)).format(n_skipped=len(result.skipped), shown=shown)
    if getattr(result, "codings", 0):
        msg += n_(" {codings} coding from the code columns.", " {codings} codings from the code columns.", result.codings).format(codings=result.codings)
    if result.meta_updated:
        msg += n_("\nUpdated the metadata of {n} document whose text was already imported: {shown}",
                  "\nUpdated the metadata of {n} documents whose text was already imported: {shown}", len(result.meta_updated)).format(
            n=len(result.meta_updated), shown=", ".join(result.meta_updated[:5]) + (" …" if len(result.meta_updated) > 5 else ""))
    for a in result.as_new:
        msg += _("\nNew document '{new}' (changed version of '{old}', from {source}).").format(
            new=a.new_name, old=a.name, source=a.source)
    if msg.strip():
        err_console.print(msg.strip(), markup=False)
    for r in result.replaced:
        err_console.print(_replace_report(r), markup=False)


def _replace_report(r) -> str:  # type: ignore[no-untyped-def]
    lines = [
        n_("Replaced '{name}' (id {document_id}, {segments} segments): {carried} coding on the same text, {n_changed} on changed text, {n_vanished} whose text vanished.",
           "Replaced '{name}' (id {document_id}, {segments} segments): {carried} codings on the same text, {n_changed} on changed text, {n_vanished} whose text vanished.",
           r.carried).format(name=r.name, document_id=r.document_id, segments=r.segments, carried=r.carried, n_changed=len(r.changed), n_vanished=len(r.vanished))
    ]

    def what(c) -> str:  # type: ignore[no-untyped-def]
        return f"{c.code_id} ({c.coder})" if c.code_id else _("key quote ({coder})").format(coder=c.coder)

    for c in r.changed:
        lines.append(_("  changed: {what} coding {coding_id}: \"{short}\" → \"{short2}\"").format(what=what(c), coding_id=c.coding_id, short=_short(c.old_text), short2=_short(c.new_text)))
    for c in r.vanished:
        lines.append(_("  vanished: {what}: \"{short}\" — kept for review (qualcode corpus detached)").format(what=what(c), short=_short(c.old_text)))
    return "\n".join(lines)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@import_app.command("notes")
def import_notes(
    paths: Annotated[list[Path], typer.Argument(help="Files (.txt, .md, .docx) or folders.")],
    project: ProjectOpt = None,
    meta: MetaOpt = None,
    sidecar: Annotated[
        Path | None, typer.Option(help="CSV mapping file names (column 'fil') to metadata columns.")
    ] = None,
    encoding: EncodingOpt = None,
    unit: Annotated[str, typer.Option(help="Segment unit: paragraph or sentence.")] = "paragraph",
    model: ModelOpt = None,
    replace: ReplaceOpt = False,
    as_new: AsNewOpt = False,
) -> None:
    """Import interview notes; metadata from --meta, YAML front matter or a sidecar CSV."""
    from qualcode.core.workers import default_workers
    from qualcode.ingest.service import import_notes as do_import

    with open_project(project) as p:
        result = do_import(p, paths, parse_meta(meta), sidecar, encoding, unit, model, _on_change(replace, as_new),
                           workers=default_workers())
    _report(result)


@import_app.command("survey")
def import_survey(
    path: Annotated[Path, typer.Argument(help="Survey table (.csv or .xlsx).")],
    text: Annotated[list[str] | None, typer.Option(
        "--text", "-t", help="Free-text column (repeatable; a pattern such as 'langst_*' or a list 'langst_1,langst_2'; without it the columns are listed).")] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    meta_column: Annotated[
        list[str] | None, typer.Option("--meta-column", help="Column to keep as metadata (repeatable; default: all others).")
    ] = None,
    project: ProjectOpt = None,
    meta: MetaOpt = None,
    encoding: EncodingOpt = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter: ';', ',', '|' or 'tab' (default: detected).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: the first).")] = None,
    model: ModelOpt = None,
    replace: ReplaceOpt = False,
    as_new: AsNewOpt = False,
    codes_column: Annotated[list[str] | None, typer.Option(
        "--codes-column", help="Column with codes done elsewhere ('P13, P02'), or a 0/1 column named by a code (repeatable).")] = None,
) -> None:
    """Import survey answers: one document per (respondent, text column); empty cells skipped."""
    from qualcode.core.workers import default_workers
    from qualcode.ingest.service import import_survey as do_import

    with open_project(project) as p:
        result = do_import(
            p, path, text or [], id_column, meta_column, parse_meta(meta), encoding, delimiter, sheet, "response", model,
            _on_change(replace, as_new), codes_column or (), workers=default_workers(),
        )
    _report(result)


@import_app.command("qdpx")
def import_qdpx(
    path: Annotated[Path, typer.Argument(help="REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder or qualcode.")],
    project: ProjectOpt = None,
    code_map: Annotated[
        Path | None, typer.Option("--map", help="CSV 'refi_name;code_id': the file's code names to codebook ids.")
    ] = None,
    min_overlap: Annotated[
        int | None, typer.Option(help="Characters a selection must cover of a paragraph it only touches (default 10).")
    ] = None,
    model: ModelOpt = None,
) -> None:
    """Import a REFI-QDA project: text sources become notes, coded selections code their paragraphs."""
    from qualcode.exchange.refi_import import import_qdpx as do_import

    with open_project(project) as p:
        summary = do_import(p, path, code_map, min_overlap, model)
    err_console.print(_qdpx_report(summary), markup=False)


def _qdpx_report(s: QdpxImportSummary) -> str:
    def listed(items: tuple[str, ...]) -> str:
        return ", ".join(items[:5]) + (" …" if len(items) > 5 else "")

    lines = [n_("Imported {documents} document ({segments} segments) from {name}.",
                "Imported {documents} documents ({segments} segments) from {name}.", s.documents).format(documents=s.documents, segments=s.segments, name=s.path.name)]
    if s.skipped:
        lines.append(n_("Skipped {n_skipped} document already imported: {listed}.", "Skipped {n_skipped} documents already imported: {listed}.", len(s.skipped)).format(n_skipped=len(s.skipped), listed=listed(s.skipped)))
    # two counts, two nouns: each part takes the form of its own count
    lines.append(n_("{selections} selection gave", "{selections} selections gave", s.selections).format(selections=s.selections) + " "
                 + n_("{codings} written coding ({unchanged} already there), coders: {value}.",
                      "{codings} written codings ({unchanged} already there), coders: {value}.", s.codings).format(
                     codings=s.codings, unchanged=s.unchanged, value=', '.join(s.coders) or '–'))
    if s.touches_ignored:
        lines.append(n_("{touches_ignored} paragraph that a selection only touched was not coded.",
                         "{touches_ignored} paragraphs that a selection only touched were not coded.", s.touches_ignored).format(touches_ignored=s.touches_ignored))
    if s.unplaced:
        lines.append(n_("{unplaced} coded selection without text was skipped.", "{unplaced} coded selections without text were skipped.",
                         s.unplaced).format(unplaced=s.unplaced))
    for items, what in ((s.non_text, n_("source that is not text", "sources that are not text", len(s.non_text))),
                        (s.empty, n_("empty text source", "empty text sources", len(s.empty)))):
        if items:
            lines.append(_("Skipped {n_items} {what}: {listed}.").format(n_items=len(items), what=what, listed=listed(items)))
    if s.source_codings:
        lines.append(n_("Skipped {source_codings} coding of a whole source (qualcode codes paragraphs).",
                         "Skipped {source_codings} codings of whole sources (qualcode codes paragraphs).", s.source_codings).format(source_codings=s.source_codings))
    return "\n".join(lines)


@corpus_app.command("list")
def list_documents(
    project: ProjectOpt = None,
    kind: Annotated[str | None, typer.Option(help="note or survey.")] = None,
    meta: MetaOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List documents with their metadata."""
    with open_project(project) as p:
        rows = ({"id": d.id, "name": d.name, "kind": d.kind, "chars": len(d.text), "meta": d.meta}
                for d in p.store.iter_documents(kind=kind, meta=parse_meta(meta)))
        emit(rows, ["id", "name", "kind", "chars", "meta"], fmt)  # as they are read


@corpus_app.command("show")
def show_document(
    document: Annotated[str, typer.Argument(help="Document id or name.")],
    project: ProjectOpt = None,
) -> None:
    """Print one document's text with its metadata."""
    from qualcode.core.errors import NotFoundError
    from qualcode.ingest.lifecycle import find_document

    with open_project(project) as p:
        try:
            doc = find_document(p, document)
        except NotFoundError:
            raise NotFoundError(_("no document is called '{document}' — see `qualcode corpus list`").format(document=document)) from None
    from rich.markup import escape

    meta = ", ".join(f"{k}={value_text(v)}" for k, v in doc.meta.items())
    err_console.print(f"[bold]{escape(doc.name)}[/]" + (f" — {escape(meta)}" if meta else ""))
    console.out(doc.text)


@corpus_app.command("segments")
def list_segments(
    project: ProjectOpt = None,
    document: Annotated[str | None, typer.Option(help="Document id or name.")] = None,
    unit: Annotated[str | None, typer.Option(help="paragraph, sentence or response.")] = None,
    meta: MetaOpt = None,
    uncoded: Annotated[bool, typer.Option(help="Only segments without codes.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List segments (id, document, unit, offsets, text) to code by id."""
    with open_project(project) as p:
        segments = p.store.iter_segments(unit=unit, document=document, meta=parse_meta(meta), uncoded=uncoded)
        rows = ({"id": s.id, "document": s.document_name, "unit": s.unit, "start": s.start, "end": s.end,
                 "text": s.text} for s in itertools.islice(segments, limit or None))
        emit(rows, ["id", "document", "unit", "start", "end", "text"], fmt)  # as they are read


@corpus_app.command("segment")
def segment(
    unit: Annotated[str, typer.Argument(help="Unit to add: paragraph, sentence or response.")],
    project: ProjectOpt = None,
    kind: Annotated[str | None, typer.Option(help="Only documents of this kind.")] = None,
    model: ModelOpt = None,
) -> None:
    """Add segments of another unit (e.g. sentences) to documents that lack them."""
    from qualcode.ingest.service import resegment

    with open_project(project) as p:
        n = resegment(p, unit, kind, model)
    err_console.print(n_("Created {n} segment of the unit {unit}.", "Created {n} segments of the unit {unit}.", n).format(n=n, unit=unit))


DocsArg = Annotated[list[str], typer.Argument(help="Document ids or names.")]


@corpus_app.command("remove")
def remove(
    documents: DocsArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Remove documents with their segments, codings and key quotes (asks first; audited)."""
    from qualcode.ingest.lifecycle import find_document, remove_documents

    with open_project(project) as p:
        docs = [find_document(p, d) for d in documents]
        n = sum(1 for _ in p.store.iter_codings(document=docs[0].id)) if len(docs) == 1 else None
        what = f"'{docs[0].name}'" + (n_(" and its {n} coding", " and its {n} codings", n).format(n=n) if n else "") if len(docs) == 1 else _("{n_docs} documents").format(n_docs=len(docs))
        if not yes and not typer.confirm(_("Remove {what}?").format(what=what), default=False, err=True):
            raise typer.Exit(1)
        gone = remove_documents(p, [d.id for d in docs])
    for g in gone:
        err_console.print(n_("Removed '{document}' ({segments} segments, {codings} coding).",
                             "Removed '{document}' ({segments} segments, {codings} codings).", g['codings']).format(document=g['document'], segments=g['segments'], codings=g['codings']), markup=False)
        if g.get("respondent_removed"):
            err_console.print(_("Respondent {respondent} has no answers left and no longer counts in the bases.").format(
                respondent=g["respondent_removed"]), markup=False)


@corpus_app.command("rename")
def rename(
    document: Annotated[str, typer.Argument(help="Document id or name.")],
    new_name: Annotated[str, typer.Argument(help="The new name.")],
    project: ProjectOpt = None,
) -> None:
    """Give a document a new name (audited)."""
    from qualcode.ingest.lifecycle import rename_document

    with open_project(project) as p:
        doc = rename_document(p, document, new_name)
    err_console.print(_("Document {id} is now called '{name}'.").format(id=doc.id, name=doc.name), markup=False)


@corpus_app.command("meta")
def meta(
    document: Annotated[str, typer.Argument(help="Document id or name.")],
    values: Annotated[list[str], typer.Argument(help="key=value to set; key= removes the key.")],
    project: ProjectOpt = None,
) -> None:
    """Correct a document's metadata, e.g. `termin=HT2016` (audited)."""
    from qualcode.ingest.lifecycle import set_document_meta

    pairs = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip():
            from qualcode.core.errors import InputError

            raise InputError(_("invalid '{v}' — write key=value, e.g. termin=HT2016").format(v=v))
        pairs[key.strip()] = value.strip()
    with open_project(project) as p:
        doc = set_document_meta(p, document, pairs)
    err_console.print(f"'{doc.name}': " + ", ".join(f"{k}={value_text(v)}" for k, v in doc.meta.items()), markup=False)


@corpus_app.command("detached")
def detached(
    document: Annotated[str | None, typer.Argument(help="Document id or name (default: all).")] = None,
    project: ProjectOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Codings and key quotes whose text vanished when a document was replaced, kept for review."""
    from qualcode.ingest.lifecycle import detached as do_list

    with open_project(project) as p:
        rows = [
            {"id": r.id, "document": r.document, "code": r.code_id or "nyckelcitat", "coder": r.coder,
             "memo": r.memo, "text": r.text, "created_at": r.created_at}
            for r in do_list(p, document)
        ]
    emit(rows, ["id", "document", "code", "coder", "memo", "text", "created_at"], fmt)


def register(root: typer.Typer) -> None:
    root.add_typer(import_app, name="import")
    root.add_typer(corpus_app, name="corpus")
