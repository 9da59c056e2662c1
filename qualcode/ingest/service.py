"""Import documents into a project and segment them, committed in batches under one import record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qualcode.core.errors import DuplicateImportError, Hint, InputError, QualcodeError
from qualcode.core.records import DocumentIn
from qualcode.ingest.readers import (
    NOTE_SUFFIXES,
    SurveySpec,
    iter_paths,
    read_note,
    read_sidecar,
    read_survey,
)
from qualcode.ingest.segment import segment_texts
from qualcode.project import Project

BATCH = 1000


def content_hash(doc: DocumentIn) -> str:
    """Notes are identified by their text; survey answers also by respondent, column and metadata."""
    h = hashlib.sha256()
    h.update(doc.kind.encode())
    h.update(b"\0")
    h.update(" ".join(doc.text.split()).encode("utf-8"))
    if doc.kind == "survey":
        h.update(b"\0")
        h.update(json.dumps(doc.meta, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    return h.hexdigest()


@dataclass
class ImportResult:
    """What an import did: documents and segments added, duplicates skipped."""

    source: str
    documents: int = 0
    segments: int = 0
    skipped: list[str] = field(default_factory=list)
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "documents": self.documents, "segments": self.segments,
            "skipped": len(self.skipped), "unit": self.unit,
        }


def _batches(items: Iterable[DocumentIn], size: int) -> Iterator[list[DocumentIn]]:
    batch: list[DocumentIn] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_documents(
    project: Project,
    documents: Iterable[DocumentIn],
    source: str,
    kind: str,
    unit: str,
    options: dict[str, Any] | None = None,
    model: str | None = None,
) -> ImportResult:
    """Store and segment documents, committing in batches under one import record; skip known content.

    The import record is marked complete only at the end; until then its documents are not
    shown, an error removes them again, and a crash leaves a record the next open rolls back.
    Other writers (coding commands) interleave between batches. Raises DuplicateImportError
    (and stores nothing) when every document was imported before.
    """
    store = project.store
    nlp = project.nlp(model)
    result = ImportResult(source=source, unit=unit)
    seen: set[str] = set()
    with store.transaction():
        import_id = store.add_import(source, kind, dict(options or {}, unit=unit), status="running")
    try:
        for batch in _batches(documents, BATCH):
            fresh = _fresh(store, batch, seen, result.skipped)
            # Segmenting is the slow part: it runs outside the write transaction.
            segments = list(segment_texts(nlp, [(i, doc.text) for i, (_, doc) in enumerate(fresh)], unit))
            with store.transaction():
                late = store.find_hashes(h for h, _ in fresh)  # stored by another writer meanwhile
                ids: dict[int, int] = {}
                for i, (h, doc) in enumerate(fresh):
                    if h in late:
                        result.skipped.append(doc.name)
                    else:
                        ids[i] = store.add_document(doc, h, import_id)
                result.documents += len(ids)
                result.segments += store.add_segments(
                    replace(s, document_id=ids[s.document_id]) for s in segments if s.document_id in ids
                )
                store.touch_import(import_id)
        if result.documents == 0:
            if result.skipped:
                raise DuplicateImportError(
                    f"allt innehåll i '{source}' är redan importerat ({len(result.skipped)} dokument) — "
                    "inget importerades", value=str(source),
                    hint=Hint("se dokumenten", command=("corpus", "list")),
                )
            raise InputError(f"'{source}' innehöll inga texter att importera (alla celler/filer tomma)")
        with store.transaction():
            store.finish_import(import_id, result.documents)
    except BaseException:
        try:
            store.discard_import(import_id)
        except QualcodeError:  # locked or read-only now: the next open rolls the import back
            pass
        raise
    return result


def _fresh(
    store: Any, batch: list[DocumentIn], seen: set[str], skipped: list[str]
) -> list[tuple[str, DocumentIn]]:
    """(hash, document) of the batch's documents whose content is not stored or seen yet."""
    hashed = [(content_hash(d), d) for d in batch]
    known = store.find_hashes(h for h, _ in hashed)
    fresh = []
    for h, doc in hashed:
        if h in known or h in seen:
            skipped.append(doc.name)
            continue
        seen.add(h)
        fresh.append((h, doc))
    return fresh


def import_notes(
    project: Project,
    paths: Sequence[str | Path],
    meta: dict[str, Any] | None = None,
    sidecar: str | Path | None = None,
    encoding: str | None = None,
    unit: str = "paragraph",
    model: str | None = None,
) -> ImportResult:
    """Import interview notes (.txt, .md, .docx); every file is read before anything is stored."""
    if not paths:
        raise InputError("ange minst en fil eller mapp att importera")
    side = read_sidecar(sidecar, encoding) if sidecar else None
    docs = [read_note(p, meta, side, encoding) for p in iter_paths(paths, NOTE_SUFFIXES)]
    source = ", ".join(str(p) for p in paths)
    return import_documents(project, docs, source, "note", unit, {"meta": meta or {}}, model)


def import_survey(
    project: Project,
    path: str | Path,
    text_columns: Sequence[str],
    id_column: str | None = None,
    meta_columns: Sequence[str] | None = None,
    meta: dict[str, Any] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    unit: str = "response",
    model: str | None = None,
) -> ImportResult:
    """Import a survey table: one document per (respondent, text column), streamed."""
    spec = SurveySpec(tuple(text_columns), id_column, tuple(meta_columns) if meta_columns is not None else None)
    docs = read_survey(path, spec, encoding=encoding, delimiter=delimiter, sheet=sheet, extra_meta=meta)
    return import_documents(
        project, docs, str(path), "survey", unit,
        {"text_columns": list(text_columns), "id_column": id_column}, model,
    )


def resegment(project: Project, unit: str, kind: str | None = None, model: str | None = None) -> int:
    """(Re)build segments of `unit` for documents that do not have them yet."""
    store = project.store
    nlp = project.nlp(model)
    todo = [(d.id, d.text) for d in store.iter_documents(kind=kind) if unit not in store.segmented_units(d.id)]
    with store.transaction():
        return store.add_segments(segment_texts(nlp, todo, unit))
