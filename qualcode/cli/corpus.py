"""`qualcode import` (notes, survey, qdpx) and `qualcode corpus` (list, show, segments, segment)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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

import_app = typer.Typer(help="Import interview notes or survey data into the project.", no_args_is_help=True)
corpus_app = typer.Typer(help="Browse the imported documents and segments.", no_args_is_help=True)

MetaOpt = Annotated[
    list[str] | None, typer.Option("--meta", "-m", help="Metadata key=value for every document (repeatable).")
]
EncodingOpt = Annotated[str | None, typer.Option(help="Text encoding, e.g. utf-8 or cp1252 (default: detected).")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="spaCy pipeline for segmentation (default: the project's).")]


def _report(result) -> None:  # type: ignore[no-untyped-def]
    msg = f"Importerade {result.documents} dokument ({result.segments} segment, enhet {result.unit})."
    if result.skipped:
        shown = ", ".join(result.skipped[:5]) + (" …" if len(result.skipped) > 5 else "")
        msg += f" Hoppade över {len(result.skipped)} redan importerade: {shown}"
    err_console.print(msg)


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
) -> None:
    """Import interview notes; metadata from --meta, YAML front matter or a sidecar CSV."""
    from qualcode.ingest.service import import_notes as do_import

    with open_project(project) as p:
        result = do_import(p, paths, parse_meta(meta), sidecar, encoding, unit, model)
    _report(result)


@import_app.command("survey")
def import_survey(
    path: Annotated[Path, typer.Argument(help="Survey table (.csv or .xlsx).")],
    text: Annotated[list[str], typer.Option("--text", "-t", help="Free-text column (repeatable).")],
    id_column: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    meta_column: Annotated[
        list[str] | None, typer.Option("--meta-column", help="Column to keep as metadata (repeatable; default: all others).")
    ] = None,
    project: ProjectOpt = None,
    meta: MetaOpt = None,
    encoding: EncodingOpt = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter: ';', ',' or 'tab' (default: detected).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: the first).")] = None,
    model: ModelOpt = None,
) -> None:
    """Import survey answers: one document per (respondent, text column); empty cells skipped."""
    from qualcode.ingest.service import import_survey as do_import

    with open_project(project) as p:
        result = do_import(
            p, path, text, id_column, meta_column, parse_meta(meta), encoding, delimiter, sheet, "response", model
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


def _qdpx_report(s) -> str:  # type: ignore[no-untyped-def]
    def listed(items: tuple[str, ...]) -> str:
        return ", ".join(items[:5]) + (" …" if len(items) > 5 else "")

    lines = [f"Importerade {s.documents} dokument ({s.segments} segment) från {s.path.name}."]
    if s.skipped:
        lines.append(f"Hoppade över {len(s.skipped)} redan importerade: {listed(s.skipped)}.")
    lines.append(f"{s.selections} markeringar gav {s.codings} skrivna kodningar ({s.unchanged} fanns redan), "
                 f"kodare: {', '.join(s.coders) or '–'}.")
    if s.touches_ignored:
        lines.append(f"{s.touches_ignored} stycken som en markering bara snuddade vid kodades inte.")
    if s.unplaced:
        lines.append(f"{s.unplaced} kodade markeringar utan text hoppades över.")
    for what, items in (("källor som inte är text", s.non_text), ("tomma textkällor", s.empty)):
        if items:
            lines.append(f"Hoppade över {len(items)} {what}: {listed(items)}.")
    if s.source_codings:
        lines.append(f"Hoppade över {s.source_codings} kodningar av hela källor (qualcode kodar stycken).")
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
        rows = [
            {"id": d.id, "name": d.name, "kind": d.kind, "chars": len(d.text), "meta": d.meta}
            for d in p.store.iter_documents(kind=kind, meta=parse_meta(meta))
        ]
    emit(rows, ["id", "name", "kind", "chars", "meta"], fmt)


@corpus_app.command("show")
def show_document(
    document: Annotated[str, typer.Argument(help="Document id or name.")],
    project: ProjectOpt = None,
) -> None:
    """Print one document's text with its metadata."""
    from qualcode.core.errors import NotFoundError

    with open_project(project) as p:
        doc = p.store.get_document(int(document)) if document.isdigit() else p.store.find_document(document)
        if doc is None:
            raise NotFoundError(f"inget dokument heter '{document}' — se `qualcode corpus list`")
    err_console.print(f"[bold]{doc.name}[/] {doc.meta}")
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
        rows = []
        for s in p.store.iter_segments(unit=unit, document=document, meta=parse_meta(meta), uncoded=uncoded):
            rows.append({"id": s.id, "document": s.document_name, "unit": s.unit, "start": s.start, "end": s.end,
                         "text": s.text})
            if limit and len(rows) >= limit:
                break
    emit(rows, ["id", "document", "unit", "start", "end", "text"], fmt)


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
    err_console.print(f"Skapade {n} segment av enheten {unit}.")


def register(root: typer.Typer) -> None:
    root.add_typer(import_app, name="import")
    root.add_typer(corpus_app, name="corpus")
