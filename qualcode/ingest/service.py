"""Import documents into a project and segment them, committed in batches under one import record."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, MutableSequence, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.core.collector import fewer_collections
from qualcode.core.errors import DocumentChangedError, DuplicateImportError, Hint, InputError, QualcodeError
from qualcode.core.records import DocumentIn, SegmentIn
from qualcode.ingest.readers import (
    NOTE_SUFFIXES,
    SurveySpec,
    iter_paths,
    read_note,
    read_sidecar,
    read_survey,
)
from qualcode.ingest.lifecycle import ReplaceResult, replace_document
from qualcode.ingest.prepare import Hashed, SegmentRow, as_document, content_hash, prepared_batches, segment_row
from qualcode.ingest.segment import Segmenter, segment_texts
from qualcode.project import Project
from qualcode.core.i18n import _, n_

BATCH = 20_000  # documents per transaction: other writers wait at most one batch's inserts (well under 1 s)
PART = 1_000  # documents per part of a batch's transaction: a writer waiting for the lock goes first after one
ON_CHANGE = ("stop", "replace", "new")  # a known file with changed content: stop, update in place, or add


@dataclass(frozen=True)
class AddedAsNew:
    """A changed document added beside the stored one (`--as-new`): its name, the name it got, its file."""

    name: str
    new_name: str
    source: str


@dataclass
class ImportResult:
    """What an import did: documents and segments added, duplicates skipped."""

    source: str
    documents: int = 0
    segments: int = 0
    skipped: list[str] = field(default_factory=list)
    # skipped survey answers equal to one stored under another name (another file's answer with the
    # same respondent id, column, metadata and text): (skipped, stored)
    skipped_elsewhere: list[tuple[str, str]] = field(default_factory=list)
    unit: str = ""
    replaced: list[ReplaceResult] = field(default_factory=list)
    as_new: list[AddedAsNew] = field(default_factory=list)  # added as new under another name
    codings: int = 0  # from a survey's codes columns
    meta_updated: list[str] = field(default_factory=list)  # notes whose text was imported before, given new metadata
    respondents: int | None = None  # a survey's respondents (the base), whatever their free text holds

    @property
    def renamed(self) -> dict[str, str]:
        """Original name → new name of the documents added as new (see `as_new` for two of one name)."""
        return {a.name: a.new_name for a in reversed(self.as_new)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "documents": self.documents, "segments": self.segments,
            "skipped": len(self.skipped), "unit": self.unit,
            "replaced": [r.to_dict() for r in self.replaced], "renamed": self.renamed, "codings": self.codings,
            "respondents": self.respondents,
            "as_new": [{"document": a.name, "new_name": a.new_name, "source": a.source} for a in self.as_new],
        }


def import_documents(
    project: Project,
    documents: Iterable[DocumentIn],
    source: str,
    kind: str,
    unit: str,
    options: dict[str, Any] | None = None,
    model: str | None = None,
    on_change: str = "stop",
    cases: tuple[str, Sequence[str], list[tuple[str, dict[str, Any]]]] | None = None,
    workers: int = 1,
    read_into: Sequence[MutableSequence[Any]] = (),
) -> ImportResult:
    """Store and segment documents, committing in batches under one import record; skip known content.

    The import record is marked complete only at the end; until then its documents are not
    shown, an error removes them again, and a crash leaves a record the next open rolls back.
    Other writers (coding commands) interleave between batches. Raises DuplicateImportError
    (and stores nothing) when every document was imported before.

    A document whose name (or, for notes, source path) is in the project with other content
    stops the import (`on_change="stop"`: every such document is named, nothing is stored), is
    updated in place keeping its codings (`"replace"`, in the final transaction, so a failure
    leaves the old document as it was), or is added under a free name (`"new"`).
    `cases` is (survey, text columns, respondents filled while the documents are read): the
    survey's respondents, stored with the import whatever their answers hold.
    `workers` > 1 reads, hashes and segments a stream of documents in a forked process ahead
    of this one, which stores (`prepare.prepared_batches`), and segments each large batch of a
    list in other processes (`Segmenter`); the command line gives `default_workers()`.
    `read_into`: further containers that reading `documents` fills (besides the respondents of
    `cases`), filled here as the batches arrive when the reading runs in another process.
    """
    if on_change not in ON_CHANGE:
        raise InputError(_("unknown choice for changed documents '{on_change}'").format(on_change=on_change), value=on_change, valid=ON_CHANGE)
    with fewer_collections(), project.store.bulk_writes(), Segmenter(project.nlp(model), unit, workers) as segment:
        return _import_documents(project, documents, source, kind, unit, options, model, on_change, cases, segment,
                                 [*([cases[2]] if cases is not None else []), *read_into])


def _import_documents(
    project: Project, documents: Iterable[DocumentIn], source: str, kind: str, unit: str,
    options: dict[str, Any] | None, model: str | None, on_change: str,
    cases: tuple[str, Sequence[str], list[tuple[str, dict[str, Any]]]] | None, segment: Segmenter,
    read_into: Sequence[MutableSequence[Any]],
) -> ImportResult:
    store = project.store
    nlp = project.nlp(model)
    result = ImportResult(source=source, unit=unit)
    seen: set[str] = set()
    taken: set[str] = set()  # names given to documents added as new in this import, not stored yet
    changed: list[str] = []
    replacing: list[tuple[list[Any], DocumentIn, str]] = []
    respondents = _Respondents(*cases) if cases is not None else None
    pending: deque[tuple[list[Hashed], Any, Callable[[], list[SegmentRow]], list[int] | None]] = deque()
    with store.transaction():
        import_id = store.add_import(source, kind, dict(options or {}, unit=unit), status="running")
    if respondents is not None:
        respondents.start(store)
    try:
        reading = prepared_batches(documents, BATCH, segment.workers, nlp, unit, read_into)
        with reading as prepared:
            for prep in prepared:
                ahead = 0 if prep.segments is not None else segment.ahead  # segmented already: store it now
                mark = store.change_mark()
                new = _fresh(store, prep.documents, seen, result)
                stored = _stored_like(store, [row for row, _i in new], kind, import_id)
                fresh: list[Hashed] = []
                read_at: list[int] = []  # each fresh document's index in the batch (its segments' key)
                for row, i in new:
                    earlier = stored(row)
                    if earlier and on_change == "stop":
                        changed.append(row[2])
                    elif earlier and on_change == "replace":
                        replacing.append((earlier, as_document(row), row[0]))
                    else:
                        if earlier:
                            renamed = _as_new(store, as_document(row), taken)
                            taken.add(renamed.name)
                            result.as_new.append(AddedAsNew(row[2], renamed.name, row[5]))
                            row = (row[0], row[1], renamed.name, *row[3:])
                        fresh.append(row)
                        read_at.append(i)
                if changed:
                    if respondents is not None:
                        respondents.cases.clear()  # the import stops: nothing of it is stored
                    continue  # only look for more changed documents: the import stops
                if prep.segments is not None:  # the batch's, keyed by place: _store_batch takes the fresh ones'
                    segments, key = _ready(prep.segments), read_at
                else:
                    # Segmenting is the slow part: it runs outside the write transaction, and with workers
                    # in other processes while this one reads the next batch and stores the one before.
                    segments, key = _as_rows(segment.submit([(k, row[4]) for k, row in enumerate(fresh)], share=prep.last)), None
                pending.append((fresh, mark, segments, key))
                if len(pending) > ahead:
                    _store_batch(store, import_id, result, respondents, *pending.popleft())
                    # Stored now, so find_hashes sees them: only hashes not in the store yet stay (memory stays flat).
                    seen = {h for _, _, h in replacing} | {row[0] for waiting in pending for row in waiting[0]}
        while pending and not changed:
            _store_batch(store, import_id, result, respondents, *pending.popleft())
        if changed:
            shown = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
            raise DocumentChangedError(
                n_("{n_changed} document is already in the project with other content: {shown} — nothing was imported",
                   "{n_changed} documents are already in the project with other content: {shown} — nothing was imported", len(changed)).format(n_changed=len(changed), shown=shown),
                value=changed[0],
                hint=Hint(
                    _("update them in place and keep the codings"), option="replace",
                    also=(Hint(_("add them as new documents"), option="as_new"),),
                ),
            )
        if result.documents == 0 and not replacing:
            if result.skipped:
                raise DuplicateImportError(
                    n_("all content of '{source}' is already imported ({n_skipped} document) — nothing was imported",
                       "all content of '{source}' is already imported ({n_skipped} documents) — nothing was imported", len(result.skipped)).format(source=source, n_skipped=len(result.skipped)), value=str(source),
                    hint=Hint(_("see the documents"), command=("corpus", "list")),
                )
            raise InputError(_("'{source}' held no texts to import (all cells/files empty)").format(source=source))
        with store.transaction():
            for earlier, doc, h in replacing:
                result.replaced.append(_replace(project, nlp, earlier, doc, h))
            if respondents is not None:
                respondents.stage(store, import_id)  # rows after the last answer
                store.put_respondents(respondents.survey, respondents.columns, respondents.changed, import_id)
                store.claim_respondents(respondents.survey, respondents.same, import_id)
                result.respondents = respondents.count
            store.finish_import(import_id, result.documents + len(result.replaced))
        if result.skipped_elsewhere and result.documents:
            _warn_skipped_elsewhere(result.skipped_elsewhere)
    except BaseException:
        try:
            store.discard_import(import_id)
        except QualcodeError:  # locked or read-only now: the next open rolls the import back
            pass
        raise
    return result


def _store_batch(
    store: Any, import_id: int, result: ImportResult, respondents: _Respondents | None,
    fresh: list[Hashed], mark: Any, segments: Callable[[], list[SegmentRow]], key: list[int] | None = None,
) -> None:
    """Store one batch's fresh documents and their segments in one transaction, in parts of PART
    documents: when another writer waits for the lock after a part (a coder's save), the parts so
    far are committed, she goes first, and a new transaction stores the rest. A segment's document
    key is its document's index in `fresh`, or with `key` the one `key` gives that document (its
    place in the batch as read)."""
    segmented = segments()  # waits for the segmenting process
    by_document: dict[int, list[SegmentRow]] = {}
    for seg in segmented:
        by_document.setdefault(seg[0], []).append(seg)
    at = key if key is not None else range(len(fresh))

    def write(part: range) -> None:
        # stored by another writer meanwhile (when anyone else wrote since _fresh looked)
        late = store.find_hashes(fresh[i][0] for i in part) if store.changed_since(mark) else {}
        keep = [i for i in part if fresh[i][0] not in late]
        result.skipped.extend(fresh[i][2] for i in part if fresh[i][0] in late)
        rows = [fresh[i] for i in keep]
        added = store.add_document_rows(
            [(name, kind, source, text, h, store.meta_json(meta) if encoded is None else encoded)
             for h, encoded, name, kind, text, source, meta in rows], import_id)
        ids = {at[i]: doc_id for i, doc_id in zip(keep, added)}
        result.documents += len(ids)
        result.segments += store.add_segment_rows([s for i in keep for s in by_document.get(at[i], ())], document_ids=ids)

    def close(last: bool) -> None:
        if last and respondents is not None:
            respondents.stage(store, import_id)
        store.touch_import(import_id)

    store.write_in_parts([range(start, min(len(fresh), start + PART)) for start in range(0, len(fresh), PART)], write, close)


class _Respondents:
    """A survey's respondents as the reader fills `cases`, stored batch by batch (`Store.stage_respondents`);
    the ones an earlier import stored wait for the final transaction: in `changed` with their new metadata,
    in `same` by id when they are unchanged (a new survey holds neither; a re-import holds ids only)."""

    def __init__(self, survey: str, columns: Sequence[str], cases: list[tuple[str, dict[str, Any]]]):
        self.survey, self.columns, self.cases = survey, list(columns), cases
        self.count = 0
        self.changed: list[tuple[str, dict[str, Any]]] = []
        self.same: list[str] = []  # stored by an earlier import, unchanged: only their import is updated
        self._mark: int | None = None
        self._none_before = False  # no respondent of the survey was stored when the import began

    def start(self, store: Any) -> None:
        """Note whether the survey has stored respondents: while it has none and no other connection
        commits (SQLite's data_version stays; PostgreSQL keeps no such mark), none is looked up per batch."""
        self._mark = store.change_mark()
        self._none_before = self._mark is not None and not store.has_respondents(self.survey)

    def stage(self, store: Any, import_id: int) -> None:
        if not self.cases:
            return
        if self._none_before and store.changed_since(self._mark):
            self._none_before = False  # another writer may have stored some: look them up from now on
        n, changed, same = store.stage_respondents(self.survey, self.columns, self.cases, import_id,
                                                   only_this_import=self._none_before)
        self.cases.clear()
        self.count += n
        self.changed.extend(changed)
        self.same.extend(same)


def _replace(project: Project, nlp: Any, earlier: list[Any], doc: DocumentIn, h: str) -> ReplaceResult:
    same_path = [d for d in earlier if doc.source and d.source == doc.source]
    chosen = same_path if len(same_path) == 1 else [d for d in earlier if d.name == doc.name]
    if len(chosen) != 1:
        raise InputError(
            _("{n_earlier} documents in the project are called '{name}' — it cannot be decided which one to replace").format(n_earlier=len(earlier), name=doc.name),
            value=doc.name, valid=[str(d.id) for d in earlier],
            hint=Hint(_("remove or rename the duplicates first"), command=("corpus", "list")),
        )
    return replace_document(project.store, nlp, chosen[0], doc, h, project.coder)


def _fresh(store: Any, batch: list[Hashed], seen: set[str], result: ImportResult) -> list[tuple[Hashed, int]]:
    """(row, its index in the batch) of the batch's documents whose content is not stored or seen yet."""
    known = store.find_hashes(row[0] for row in batch)
    fresh = []
    for i, row in enumerate(batch):
        h = row[0]
        if h in known or h in seen:
            result.skipped.append(row[2])
            if row[3] == "survey" and h in known and known[h] != row[2]:
                result.skipped_elsewhere.append((row[2], known[h]))
            continue
        seen.add(h)
        fresh.append((row, i))
    return fresh


def _ready(segments: list[SegmentRow]) -> Callable[[], list[SegmentRow]]:
    return lambda: segments


def _as_rows(segments: Callable[[], list[SegmentIn]]) -> Callable[[], list[SegmentRow]]:
    return lambda: [segment_row(s) for s in segments()]


def _stored_like(store: Any, rows: list[Hashed], kind: str, import_id: int) -> Callable[[Hashed], list[Any]]:
    """For each of `rows`, `store.documents_like(name, source for notes, kind, import_id)`,
    asked for the whole batch at once."""
    sources = [row[5] for row in rows if row[5]] if kind == "note" else []
    found = store.documents_like_any([row[2] for row in rows], sources, kind, import_id) if rows else []
    by_name: dict[str, list[Any]] = {}
    by_source: dict[str, list[Any]] = {}
    for d in found:
        by_name.setdefault(d.name, []).append(d)
        by_source.setdefault(d.source, []).append(d)

    def like(row: Hashed) -> list[Any]:
        hits = by_name.get(row[2], [])
        if kind == "note" and row[5]:
            hits = sorted({d.id: d for d in (*hits, *by_source.get(row[5], []))}.values(), key=lambda d: d.id)
        return hits

    return like


def _as_new(store: Any, doc: DocumentIn, taken: set[str]) -> DocumentIn:
    """The same document under the first free name: 'intervju.md' -> 'intervju (2).md'; a name
    in `taken` (given earlier in the same import) is not free."""
    stem, dot, suffix = doc.name.rpartition(".") if "." in doc.name else (doc.name, "", "")
    n = 2
    while True:
        name = f"{stem} ({n}){dot}{suffix}"
        if name not in taken and not [d for d in store.documents_like(name) if d.name == name]:
            return DocumentIn(name=name, kind=doc.kind, text=doc.text, meta=doc.meta, source=doc.source)
        n += 1


def import_notes(
    project: Project,
    paths: Sequence[str | Path],
    meta: dict[str, Any] | None = None,
    sidecar: str | Path | None = None,
    encoding: str | None = None,
    unit: str = "paragraph",
    model: str | None = None,
    on_change: str = "stop",
    workers: int = 1,
) -> ImportResult:
    """Import interview notes (.txt, .md, .docx); every file is read before anything is stored."""
    if not paths:
        raise InputError(_("give at least one file or folder to import"))
    side = read_sidecar(sidecar, encoding) if sidecar else None
    docs = [read_note(p, meta, side, encoding) for p in iter_paths(paths, NOTE_SUFFIXES)]
    if side is not None:
        _warn_sidecar(str(sidecar), side, [d.name for d in docs])
    source = ", ".join(str(p) for p in paths)
    meta_only = _meta_only_changes(project.store, docs)
    try:
        result = import_documents(project, docs, source, "note", unit, {"meta": meta or {}}, model, on_change, workers=workers)
    except DuplicateImportError:
        if not meta_only:
            raise
        if on_change != "replace":
            stored, doc = meta_only[0]
            raise DocumentChangedError(
                _("'{name}' is in the project with the same text; only its metadata changed ({changes}) — nothing was imported").format(
                    name=doc.name, changes=_meta_diff(stored.meta, doc.meta)),
                value=doc.name,
                hint=Hint(_("take the new metadata"), option="replace",
                          also=(Hint(_("or set single values"), command=("corpus", "meta", doc.name, "KEY=VALUE")),)),
            ) from None
        result = ImportResult(source=source, unit=unit, skipped=[d.name for d in docs])
    _warn_same_names(docs, {(a.name, a.source) for a in result.as_new})
    if meta_only and on_change == "replace":
        _update_meta(project, meta_only)
        result.meta_updated = [doc.name for _stored, doc in meta_only]
    elif meta_only:
        import warnings

        from qualcode.core.errors import QualcodeWarning

        names = [doc.name for _stored, doc in meta_only]
        warnings.warn(QualcodeWarning(
            n_("{n} document already had its text in the project and only new metadata; it kept the old: {shown}",
               "{n} documents already had their text in the project and only new metadata; they kept the old: {shown}", len(names)).format(n=len(names), shown=_shown(names)),
            value=names[0], hint=Hint(_("take the new metadata"), option="replace")), stacklevel=2)
    return result


def _meta_only_changes(store: Any, docs: Sequence[DocumentIn]) -> list[tuple[Any, DocumentIn]]:
    """(stored document, note) for each note whose text is stored under its name or path with other metadata."""
    hashes = {content_hash(d): d for d in docs}
    out = []
    for stored in store.find_documents(hashes=list(hashes)):
        doc = hashes.get(stored.content_hash)
        if doc is not None and (stored.name == doc.name or stored.source == doc.source) and stored.meta != doc.meta:
            out.append((stored, doc))
    return out


def _meta_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    return ", ".join(f"{k}: {old.get(k, '–')} → {new.get(k, '–')}" for k in keys[:3]) + (" …" if len(keys) > 3 else "")


def _update_meta(project: Project, changes: list[tuple[Any, DocumentIn]]) -> None:
    """Give stored notes the metadata of their file (one transaction; audited as document.meta)."""
    store = project.store
    with store.transaction():
        for stored, doc in changes:
            store.update_document(stored.id, meta=doc.meta)
            store.log(project.coder, "document.meta", detail={
                "document": stored.name, "document_id": stored.id, "was": stored.meta, "now": doc.meta})


def _warn_skipped_elsewhere(pairs: Sequence[tuple[str, str]]) -> None:
    """Answers of this file skipped because another file holds the same respondent id, column,
    metadata and text: two survey rounds numbered alike lose their equal answers unless told."""
    import warnings

    from qualcode.core.errors import QualcodeWarning

    skipped, stored = pairs[0]
    warnings.warn(QualcodeWarning(
        n_("{n} skipped answer has the same respondent id, column, metadata and text as one already in the project from another file ('{skipped}' = '{stored}') and was not imported; if the files are different surveys or rounds, give each its own metadata",
           "{n} skipped answers have the same respondent id, column, metadata and text as ones already in the project from another file ('{skipped}' = '{stored}' …) and were not imported; if the files are different surveys or rounds, give each its own metadata",
           len(pairs)).format(n=len(pairs), skipped=skipped, stored=stored),
        value=skipped, hint=Hint(_("give the round as metadata"), option="meta", example="termin=HT2017")), stacklevel=3)


def _shown(names: Sequence[str], n: int = 5) -> str:
    return ", ".join(names[:n]) + (" …" if len(names) > n else "")


def _warn_sidecar(sidecar: str, side: dict[str, dict[str, Any]], names: Sequence[str]) -> None:
    """One warning each for files the metadata file has no row for and rows that name no file."""
    import warnings

    from qualcode.core.errors import QualcodeWarning

    lacking = [n for n in names if n not in side]
    unused = [n for n in side if n not in set(names)]
    if lacking:
        warnings.warn(QualcodeWarning(
            n_("'{sidecar}' has no row for {n} of the files, which gets no metadata from it: {shown}",
               "'{sidecar}' has no row for {n} of the files, which get no metadata from it: {shown}", len(lacking)).format(
                sidecar=sidecar, n=len(lacking), shown=_shown(lacking)), value=lacking[0]), stacklevel=3)
    if unused:
        warnings.warn(QualcodeWarning(
            n_("'{sidecar}' has {n} row that names none of the files imported: {shown} — check the names in its file column",
               "'{sidecar}' has {n} rows that name none of the files imported: {shown} — check the names in its file column", len(unused)).format(
                sidecar=sidecar, n=len(unused), shown=_shown(unused)), value=unused[0]), stacklevel=3)


def _warn_same_names(docs: Sequence[DocumentIn], renamed: AbstractSet[tuple[str, str]] = frozenset()) -> None:
    """Files of one name from different folders become documents of one name: say so, once per name
    (a changed file added as new under a name of its own, `renamed`, is not one of them)."""
    import warnings

    from qualcode.core.errors import QualcodeWarning

    sources: dict[str, list[str]] = {}
    for d in docs:
        if (d.name, d.source) not in renamed:
            sources.setdefault(d.name, []).append(d.source)
    for name, paths in sources.items():
        if len(paths) > 1:
            warnings.warn(QualcodeWarning(
                _("{n} files are called '{name}' ({shown}): they become documents of one name — give a document's id where a command asks for one").format(
                    n=len(paths), name=name, shown=_shown(paths)),
                value=name, hint=Hint(_("or rename one"), command=("corpus", "rename"))), stacklevel=2)


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
    on_change: str = "stop",
    codes_columns: Sequence[str] = (),
    workers: int = 1,
) -> ImportResult:
    """Import a survey table: one document per (respondent, text column), streamed.

    `codes_columns` hold coding done elsewhere (a codes column 'P13, P02', or 0/1 columns named
    by a code); they are checked before anything is stored and code the respondent's answer in
    the first text column."""
    from qualcode.coding.codings_import import survey_codes
    from qualcode.ingest.readers import expand_columns, nfc, table_columns

    # column names as the reader gives them (NFC), whatever form they were typed in
    text_columns = [nfc(c) for c in text_columns]
    if any(any(ch in c for ch in "*?[,") for c in text_columns):  # a pattern or a list: the header says which
        plain = [c for c in text_columns if not any(ch in c for ch in "*?[,")]
        text_columns = expand_columns(text_columns, table_columns(path, encoding, delimiter, sheet, plain))
    id_column = nfc(id_column) if id_column else id_column
    meta_columns = [nfc(c) for c in meta_columns] if meta_columns is not None else None
    codes_columns = [nfc(c) for c in codes_columns]
    survey = nfc(Path(path).stem)
    if on_change == "stop":  # --replace and --as-new: a new version of the same survey
        _check_survey_name(project, Path(path))
    coded: dict[str, tuple[int, list[str]]] = {}
    if codes_columns and text_columns:  # without a text column the reader lists the file's columns
        coded = survey_codes(path, codes_columns, project.codebook, id_column, encoding, delimiter, sheet, text_columns[0])
        if meta_columns is None:
            skip = set(text_columns) | set(codes_columns) | {id_column}
            want = [*text_columns, *([id_column] if id_column else [])]
            meta_columns = [c for c in table_columns(path, encoding, delimiter, sheet, want) if c not in skip]
    spec = SurveySpec(tuple(text_columns), id_column, tuple(meta_columns) if meta_columns is not None else None)
    if on_change == "replace" and not id_column:
        _refuse_moved_rows(project, Path(path), survey,
                           lambda: read_survey(path, spec, encoding=encoding, delimiter=delimiter, sheet=sheet, extra_meta=meta))
    cases: list[tuple[str, dict[str, Any]]] = []
    # with --replace, the answers' names (as 8-byte hashes: flat memory) to find the stored ones a new version lacks
    in_file = array("q")
    docs: Iterable[DocumentIn] = read_survey(path, spec, encoding=encoding, delimiter=delimiter, sheet=sheet, extra_meta=meta, cases=cases)
    if on_change == "replace":
        docs = _noting_names(docs, in_file)
    try:
        result = import_documents(
            project, docs, str(path), "survey", unit,
            {"text_columns": list(text_columns), "id_column": id_column}, model, on_change,
            cases=(survey, list(text_columns), cases), workers=workers, read_into=[in_file],
        )
    except DuplicateImportError as exc:
        missing = _answers_not_in(project, survey, in_file) if on_change == "replace" else []
        if missing:  # nothing new, but answers are gone from the new version: say so, not "already imported"
            raise InputError(
                n_("'{source}' holds nothing new, and {n} answer in the project is not in it (deleted or emptied there): {shown}",
                   "'{source}' holds nothing new, and {n} answers in the project are not in it (deleted or emptied there): {shown}",
                   len(missing)).format(source=Path(path).name, n=len(missing), shown=_shown(missing)),
                value=missing[0], hint=_remove_hint(missing),
            ) from None
        raise exc
    if not id_column:
        from qualcode.ingest.readers import warn_numbered_rows

        warn_numbered_rows(Path(path), table_columns(path, encoding, delimiter, sheet, list(text_columns)))
    if on_change == "replace":
        missing = _answers_not_in(project, survey, in_file)
        if missing:
            import warnings

            from qualcode.core.errors import QualcodeWarning

            warnings.warn(QualcodeWarning(
                n_("{n} answer of '{survey}' in the project is not in the new version (deleted or emptied there) and was kept: {shown}",
                   "{n} answers of '{survey}' in the project are not in the new version (deleted or emptied there) and were kept: {shown}",
                   len(missing)).format(n=len(missing), survey=survey, shown=_shown(missing)),
                value=missing[0], hint=_remove_hint(missing),
            ), stacklevel=2)
    if coded:
        result.codings = _code_answers(project, survey, text_columns[0], coded, Path(path).name)
    return result


def _refuse_moved_rows(project: Project, path: Path, survey: str, read: Callable[[], Iterable[DocumentIn]]) -> None:
    """A new version of a survey without an id column replaces its answers by row number. When a row
    was removed or added, the answers below it stand at other numbers, and replacing them in place
    would give each another answer's text under its codings: refuse that, storing nothing.

    Seen as: changed answers whose new text is the text the project holds (once, in that column)
    at another row, most of them by one offset (at least 3 and half of the changed answers), so a
    few short answers that recur ('Bra', 'Inget') or ordinary edits do not count."""
    import warnings
    from collections import Counter

    from qualcode.ingest.lifecycle import survey_case

    stored: dict[tuple[str, str], int] = {}  # (column, row) -> hash of the stored text
    for d in project.store.iter_documents(kind="survey"):
        case = survey_case(d)
        field_name = str((d.meta or {}).get("field"))
        if case is not None and case[0] == survey and d.name == f"{survey}:{case[1]}:{field_name}":
            stored[(field_name, case[1])] = hash(d.text)
    if not stored:
        return
    times = Counter((f, t) for (f, _r), t in stored.items())
    once = {(f, t): r for (f, r), t in stored.items() if times[(f, t)] == 1}
    offsets: Counter[int] = Counter()
    first: dict[int, int] = {}
    changed = 0
    with warnings.catch_warnings():  # the import reads the file again and warns then
        warnings.simplefilter("ignore")
        for doc in read():
            f, r = str(doc.meta.get("field")), str(doc.meta.get("respondent"))
            t = hash(doc.text)
            if stored.get((f, r), t) == t:
                continue
            changed += 1
            at = once.get((f, t))
            if at is not None and at != r and at.isdigit() and r.isdigit():
                shift = int(r) - int(at)
                offsets[shift] += 1
                first[shift] = min(first.get(shift, int(r)), int(r))
    if not offsets:
        return
    shift, n = offsets.most_common(1)[0]
    if n < 3 or 2 * n < changed:
        return
    raise InputError(
        n_("'{name}' has no id column, so its rows are numbered: from row {row} on, {n} answer is one the project holds {where} — a row was removed or added above it, and replacing by row number would give it another answer's codings; nothing was imported",
           "'{name}' has no id column, so its rows are numbered: from row {row} on, {n} answers are ones the project holds {where} — a row was removed or added above them, and replacing by row number would give them other answers' codings; nothing was imported",
           n).format(name=path.name, row=first[shift], n=n, where=(
               n_("{k} row higher up", "{k} rows higher up", abs(shift)) if shift > 0
               else n_("{k} row further down", "{k} rows further down", abs(shift))).format(k=abs(shift))),
        value=str(first[shift]),
        hint=Hint(_("add the new version's answers beside the old ones, and remove the old ones when their codings are moved"), option="as_new"),
    )


def _noting_names(docs: Iterable[DocumentIn], names: array[int]) -> Iterator[DocumentIn]:
    for doc in docs:
        names.append(hash(doc.name))
        yield doc


def _answers_not_in(project: Project, survey: str, hashes: array[int]) -> list[str]:
    """The stored answers of `survey` whose names a new version of its file does not hold (under
    the name the import gives them: an answer added as new, 'enkat:7:svar (2)', is another version's)."""
    from qualcode.ingest.lifecycle import survey_case

    names = frozenset(hashes)
    return sorted(d.name for d in project.store.iter_documents(kind="survey")
                  if hash(d.name) not in names and (survey_case(d) or ("",))[0] == survey
                  and d.name == f"{survey}:{d.meta.get('respondent')}:{d.meta.get('field')}")


def _remove_hint(missing: Sequence[str]) -> Hint:
    """Withdrawn answers (consent, a mistaken row) are removed on purpose, with their codings: never by an import."""
    return Hint(_("to remove what was withdrawn, with its codings"), command=("corpus", "remove", *missing[:3]))


def _same_file(a: str, b: str) -> bool:
    try:
        return a == b or Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _check_survey_name(project: Project, path: Path) -> None:
    """A survey is named by its file's stem: refuse a second file of that name from another folder
    (y2016/enkat.csv, then y2017/enkat.csv), whose respondents would be mixed with the first's,
    unless the caller said it is a new version of that survey (replace, or add as new)."""
    from qualcode.ingest.readers import nfc

    survey = nfc(path.stem)
    other = sorted(s for s in project.store.survey_sources(survey) if not _same_file(s, str(path)))
    if other:
        suggestion = f"{survey}_{path.parent.name or 2}{path.suffix}"
        raise InputError(
            _("'{path}': the project already holds the survey '{survey}' from '{other}' — their respondents would be mixed; give this file a name of its own (e.g. '{suggestion}') and import it again").format(
                path=path, survey=survey, other=other[0], suggestion=suggestion),
            value=str(path),
            hint=Hint(_("if it is a new version of that survey, update it in place"), option="replace",
                      also=(Hint(_("or add its changed answers beside the old ones"), option="as_new"),)),
        )


def _code_answers(project: Project, survey: str, column: str, coded: dict[str, tuple[int, list[str]]], via: str) -> int:
    """Code each respondent's answer in `column` with the codes from her row (one transaction)."""
    from qualcode.coding.service import add_codes
    from qualcode.ingest.readers import nfc

    store = project.store
    n = 0
    with store.transaction():
        for respondent, (_line, codes) in coded.items():
            doc = store.find_document(f"{survey}:{nfc(respondent)}:{column}")
            segs = list(store.iter_segments(document=doc.id)) if doc else []
            if not segs:
                continue  # an empty answer has nothing to code
            add_codes(project, [segs[0].id], codes, None, None, via=f"kodkolumn:{via}")
            n += len(codes)
    return n


def resegment(project: Project, unit: str, kind: str | None = None, model: str | None = None) -> int:
    """(Re)build segments of `unit` for documents that do not have them yet."""
    store = project.store
    nlp = project.nlp(model)
    todo = [(d.id, d.text) for d in store.iter_documents(kind=kind) if unit not in store.segmented_units(d.id)]
    with store.transaction():
        return store.add_segments(segment_texts(nlp, todo, unit))
