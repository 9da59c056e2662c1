"""Manual coding: add, remove, list, search by lemma, key quotes. Every change is audited."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.errors import Hint, InputError, NotFoundError
from qualcode.core.records import POSITIVE_SOURCES, UNITS, CodedSpan, Coding, Document, Segment
from qualcode.project import Project
from qualcode.suggest.search import matches_all, matches_any, phrase_lemmas
from qualcode.core.i18n import _, n_


@dataclass(frozen=True)
class SearchHit:
    segment: Segment
    matched: tuple[str, ...]


def _codes(project: Project, code_ids: Sequence[str]) -> list[str]:
    if not code_ids:
        raise InputError(_("give at least one code, e.g. P13"), hint=Hint(_("see the codebook"), command=("codebook", "list")))
    cb = project.codebook
    out = []
    for c in code_ids:
        code = cb.resolve(c)
        if code.is_group:
            kids = ", ".join(k.id for k in cb.children(code.id))
            raise InputError(_("'{id}' is a theme group and is not coded directly — use one of its codes: {kids}").format(id=code.id, kids=kids))
        out.append(code.id)
    return out


def add_codes(
    project: Project,
    segment_ids: Sequence[int],
    code_ids: Sequence[str],
    coder: str | None = None,
    memo: str | None = None,
    via: str | None = None,
) -> list[int]:
    """Code segments by hand; an existing suggestion for the same coder becomes manual.

    `via` names the file the codings come from when they are imported (audited; the
    suggester weighs them below codings made in the project).
    """
    store = project.store
    codes = _codes(project, code_ids)
    coder = coder or project.coder
    ids: list[int] = []
    with store.transaction():
        for seg_id in segment_ids:
            store.get_segment(seg_id)
            for code in codes:
                before = store.find_coding(seg_id, code, coder)
                cid = store.upsert_coding(seg_id, code, coder, "manual", memo=memo)
                store.log(coder, "add", coding_id=cid, segment_id=seg_id, code_id=code,
                          detail={"memo": memo, "was": before.source if before else None,
                                  **({"via": via} if via else {})})
                ids.append(cid)
    return ids


def code_hits(
    project: Project, segment_ids: Sequence[int], code_id: str, coder: str | None = None, memo: str | None = None
) -> tuple[int, int]:
    """Code search hits with one code, leaving alone the segments the coder has already coded with it.

    Returns (segments coded now, segments that already had the code): only the new codings are
    stored and audited, so searching again does not inflate the count or the audit log.
    """
    store = project.store
    (code,) = _codes(project, [code_id])
    coder = coder or project.coder
    fresh = []
    for seg_id in segment_ids:
        found = store.find_coding(seg_id, code, coder)
        if found is None or found.source not in POSITIVE_SOURCES:
            fresh.append(seg_id)
    if fresh:
        add_codes(project, fresh, [code], coder, memo=memo)
    return len(fresh), len(segment_ids) - len(fresh)


def remove_codes(project: Project, segment_id: int, code_ids: Sequence[str], coder: str | None = None) -> int:
    """Remove a coder's codings of a segment; raises if one of them does not exist."""
    store = project.store
    codes = _codes(project, code_ids)
    coder = coder or project.coder
    with store.transaction():
        store.get_segment(segment_id)
        for code in codes:
            coding = store.find_coding(segment_id, code, coder)
            if coding is None:
                raise NotFoundError(
                    _("segment {segment_id} has no coding {code} by '{coder}'").format(segment_id=segment_id, code=code, coder=coder), value=code,
                    hint=Hint(_("see the segment's codings"), command=("code", "list"), option="segment",
                              example=str(segment_id)),
                )
            store.delete_coding(coding.id)
            store.log(coder, "remove", coding_id=coding.id, segment_id=segment_id, code_id=code,
                      detail={"source": coding.source, "memo": coding.memo})
    return len(codes)


def resolve_document(project: Project, document: int | str) -> Document:
    """A document by id or name."""
    from qualcode.ingest.lifecycle import find_document

    store = project.store
    if isinstance(document, int) or str(document).isdigit():
        return store.get_document(int(document))
    for name in dict.fromkeys((str(document), Path(str(document)).name)):
        try:
            return find_document(project, name)  # refuses a name that several documents share
        except NotFoundError:
            continue
    raise NotFoundError(_("the document '{document}' is not in the project").format(document=document), value=document,
                        hint=Hint(_("see the documents"), command=("corpus", "list")))


def _span_unit(project: Project, doc: Document) -> str:
    """The segmentation a span of `doc` is coded in: the project's unit when the document has it."""
    units = project.store.segmented_units(doc.id)
    preferred = str(project.config.get("unit") or "paragraph")
    for unit in (preferred, *UNITS):
        if unit in units:
            return unit
    raise InputError(_("the document '{name}' has no segments to code in").format(name=doc.name), value=doc.name,
                     hint=Hint("segmentera dokumenten", command=("corpus", "segment")))


def add_span(
    project: Project,
    document: int | str,
    start: int,
    end: int,
    codes: Sequence[str],
    coder: str | None = None,
    memo: str | None = None,
) -> list[Coding]:
    """Code the characters `start:end` (code points, end exclusive) of a document.

    The coder's overlapping spans of the same code merge into one (audited); other codes and
    other coders may overlap freely. Returns one coding per code.
    """
    store = project.store
    code_ids = _codes(project, codes)
    coder = coder or project.coder
    doc = resolve_document(project, document)
    if not (0 <= start < end <= len(doc.text)):
        raise InputError(
            n_("invalid span {start}:{end} — the document '{name}' has {n_text} character; give start < end within the text",
               "invalid span {start}:{end} — the document '{name}' has {n_text} characters; give start < end within the text", len(doc.text)).format(start=start, end=end, name=doc.name, n_text=len(doc.text)),
            value=f"{start}:{end}", hint=Hint(_("give a span within the text"), option="span", example=f"0:{len(doc.text)}"),
        )
    if not doc.text[start:end].strip():
        raise InputError(_("the span {start}:{end} holds only whitespace — mark words to code").format(start=start, end=end), value=f"{start}:{end}")
    unit = _span_unit(project, doc)
    out: list[Coding] = []
    with store.transaction():
        for code in code_ids:
            before = [c for c in store.document_codings(doc.id) if c.code_id == code and c.coder == coder]
            cid, merged = store.put_coding(doc.id, start, end, unit, code, coder, "manual", memo=memo)
            coding = store.get_coding(cid)
            was = next((c for c in before if c.id == cid), None)
            store.log(coder, "add", coding_id=cid, segment_id=coding.segment_id, code_id=code,
                      detail={"memo": memo, "was": was.source if was else None, "document": doc.id,
                              "start": start, "end": end, "span": [coding.start, coding.end],
                              "merged": [c.id for c in merged]})
            out.append(coding)
    return out


def find_quote(project: Project, document: int | str, quote: str) -> list[tuple[int, int]]:
    """Every place (start, end) where `quote` stands in the document; line breaks and runs of spaces match any white space."""
    import re

    doc = resolve_document(project, document)
    words = quote.split()
    if not words:
        raise InputError(_("the quote is empty — give the exact words to code"), hint=Hint(_("give the words"), option="quote"))
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(doc.text)]


def add_quote(
    project: Project,
    document: int | str,
    quote: str,
    codes: Sequence[str],
    coder: str | None = None,
    memo: str | None = None,
    occurrence: int | None = None,
    span: tuple[int, int] | None = None,
) -> list[Coding]:
    """Code the span of `quote` in a document; an ambiguous quote needs `occurrence` (1 = first) or `span`."""
    doc = resolve_document(project, document)
    places = find_quote(project, doc.id, quote)
    shown = " ".join(quote.split())
    if not places:
        raise InputError(_("the quote '{shown}' is not in '{name}' — give exact words from the text").format(shown=shown[:60], name=doc.name), value=quote)
    if span is not None:
        if tuple(span) not in places:
            raise InputError(
                _("the span {span}:{span2} is not a place of the quote '{shown}' in '{name}'").format(span=span[0], span2=span[1], shown=shown[:60], name=doc.name),
                value=f"{span[0]}:{span[1]}", valid=[f"{a}:{b}" for a, b in places],
                hint=Hint(_("choose one of the places"), option="span", example=f"{places[0][0]}:{places[0][1]}"),
            )
        return add_span(project, doc.id, span[0], span[1], codes, coder, memo)
    if occurrence is None and len(places) > 1:
        listed = [f"{i}) {a}:{b} «{_context(doc.text, a, b)}»" for i, (a, b) in enumerate(places, start=1)]
        raise InputError(
            _("the quote '{shown}' occurs in {n_places} places in '{name}': ").format(shown=shown[:60], n_places=len(places), name=doc.name) + "; ".join(listed),
            value=quote, valid=[f"{a}:{b}" for a, b in places],
            hint=Hint(_("choose the occurrence"), option="occurrence", example="1"),
        )
    n = occurrence or 1
    if not 1 <= n <= len(places):
        raise InputError(n_("occurrence {n} does not exist — the quote occurs {n_places} time in '{name}'", "occurrence {n} does not exist — the quote occurs {n_places} times in '{name}'", len(places)).format(n=n, n_places=len(places), name=doc.name),
                         value=n, valid=[str(i) for i in range(1, len(places) + 1)],
                         hint=Hint(_("choose the occurrence"), option="occurrence", example="1"))
    start, end = places[n - 1]
    return add_span(project, doc.id, start, end, codes, coder, memo)


def _context(text: str, start: int, end: int, width: int = 20) -> str:
    before = " ".join(text[max(0, start - width):start].split())
    after = " ".join(text[end:end + width].split())
    return f"…{before} [{' '.join(text[start:end].split())}] {after}…"


def remove_span_coding(project: Project, coding_id_or_key: int | str, coder: str | None = None) -> Coding:
    """Remove one coding by id or key (see `document_codings`); with `coder`, only that coder's."""
    store = project.store
    with store.transaction():
        coding = _find_coding(project, coding_id_or_key)
        if coder is not None and coding.coder != coder:
            raise InputError(_("coding {id} was made by '{coder}', not '{coder2}'").format(id=coding.id, coder=coding.coder, coder2=coder), value=coding.id)
        store.delete_coding(coding.id)
        store.log(coder or project.coder, "remove", coding_id=coding.id, segment_id=coding.segment_id,
                  code_id=coding.code_id, detail={"source": coding.source, "memo": coding.memo,
                                                  "document": coding.document_id, "start": coding.start,
                                                  "end": coding.end, "coder": coding.coder})
    return coding


def _span_key(c: Coding) -> str:
    return f"{c.document_id}:{c.start}:{c.end}:{c.code_id}:{c.coder}"


def _find_coding(project: Project, coding_id_or_key: int | str) -> Coding:
    store = project.store
    if isinstance(coding_id_or_key, int) or str(coding_id_or_key).isdigit():
        return store.get_coding(int(coding_id_or_key))
    parts = str(coding_id_or_key).split(":", 4)
    if len(parts) == 5 and all(p.isdigit() for p in parts[:3]):
        for c in store.document_codings(int(parts[0])):
            if _span_key(c) == coding_id_or_key:
                return c
    raise NotFoundError(_("the coding '{coding_id_or_key}' does not exist").format(coding_id_or_key=coding_id_or_key), value=coding_id_or_key,
                        hint=Hint(_("see the codings"), command=("code", "list")))


def coded_spans(project: Project, codings: Sequence[Coding]) -> list[CodedSpan]:
    """Codings as front ends show them: with their words, segments and key-quote flag."""
    store = project.store
    docs: dict[int, Document] = {}
    flags: dict[str, set[tuple[int, str]]] = {}
    out = []
    for c in codings:
        doc = docs.get(c.document_id) or docs.setdefault(c.document_id, store.get_document(c.document_id))
        segs = tuple(store.span_covers(c.id))
        flagged = flags[c.coder] if c.coder in flags else flags.setdefault(c.coder, store.quoted_codes(c.coder))
        out.append(CodedSpan(
            id=c.id, key=_span_key(c), document_id=c.document_id, document=doc.name, start=c.start, end=c.end,
            text=doc.text[c.start:c.end], code_id=c.code_id, coder=c.coder, source=c.source, score=c.score,
            reason=c.reason, memo=c.memo, key_quote=is_key_quote(flagged, segs, c.code_id), segments=segs,
        ))
    return out


def is_key_quote(flags: set[tuple[int, str]], segments: Sequence[int], code_id: str) -> bool:
    """Is a coding of `code_id` over `segments` flagged, by one coder's `flags` (`Store.quoted_codes`)?"""
    return any((s, code_id) in flags or (s, "") in flags for s in segments)


def document_codings(project: Project, document_id: int | str) -> list[CodedSpan]:
    """Every coding of a document (suggestions and rejections included), by position."""
    doc = resolve_document(project, document_id)
    return coded_spans(project, project.store.document_codings(doc.id))


def set_memo(project: Project, coding_id: int, memo: str | None, actor: str | None = None) -> None:
    store = project.store
    with store.transaction():
        coding = store.get_coding(coding_id)
        store.set_coding_memo(coding_id, memo)
        store.log(actor or project.coder, "memo", coding_id=coding_id, segment_id=coding.segment_id,
                  code_id=coding.code_id, detail={"memo": memo, "was": coding.memo})


def set_segment_memo(
    project: Project, segment_id: int, code: str, memo: str | None, coder: str | None = None, actor: str | None = None
) -> Coding:
    """Set or clear the memo of the coding of `code` by `coder` (default: the project's) on a segment.

    A coding is addressed as segment + code + coder, as `add_codes` addresses it, never by a
    coding id that could be read as a segment id."""
    found = segment_coding(project, segment_id, code, coder)
    set_memo(project, found.id, memo, actor)
    return project.store.get_coding(found.id)


def segment_coding(project: Project, segment_id: int, code: str, coder: str | None = None) -> Coding:
    """The coding of `code` by `coder` (default: the project's) on a segment: segment + code + coder."""
    store = project.store
    code_id = _codes(project, [code])[0]
    coder = coder or project.coder
    store.get_segment(segment_id)
    found = store.find_coding(segment_id, code_id, coder)
    if found is None:
        have = sorted({f"{c.code_id} ({c.coder})" for c in store.codings_for_segment(segment_id)})
        raise NotFoundError(
            _("segment {segment_id} has no coding {code_id} by {coder}").format(segment_id=segment_id, code_id=code_id, coder=coder)
            + (_(" — codings there: {have}").format(have=', '.join(have)) if have else _(" — the segment is not coded")),
            value=code_id, valid=have,
        )
    return found


def list_codings(
    project: Project,
    code: Sequence[str] | None = None,
    document: str | None = None,
    meta: dict[str, str] | None = None,
    coder: str | None = None,
    sources: Sequence[str] | None = POSITIVE_SOURCES,
    segment: int | None = None,
) -> Iterator[tuple[Coding, Segment]]:
    codes = None
    if code:
        cb = project.codebook
        codes = sorted({c for k in code for c in cb.rollup(cb.resolve(k).id)})
    return project.store.iter_codings(
        code=codes, coder=coder, sources=sources, document=document, meta=meta,
        segment_ids=[segment] if segment is not None else None,
    )


def list_spans(
    project: Project,
    code: Sequence[str] | None = None,
    document: str | None = None,
    meta: dict[str, str] | None = None,
    coder: str | None = None,
    sources: Sequence[str] | None = POSITIVE_SOURCES,
    segment: int | None = None,
) -> list[CodedSpan]:
    """Like `list_codings`, as spans with their words and the segments they lie in."""
    return coded_spans(project, [c for c, _ in list_codings(project, code, document, meta, coder, sources, segment)])


def search(
    project: Project,
    query: str,
    unit: str | None = None,
    document: str | None = None,
    meta: dict[str, str] | None = None,
    require_all: bool = False,
) -> list[SearchHit]:
    """Segments whose lemmas contain one of the comma-separated phrases of `query` (compounds included).

    `lokal` finds `arbetslokalerna`; the words of a phrase stand together ("eget rum").
    `lokal, kontorslandskap` finds segments with either; `require_all` asks for all of them.
    """
    phrases = [phrase_lemmas(p) for p in query.split(",") if p.strip()]
    phrases = [p for p in phrases if p]
    if not phrases:
        raise InputError(_("the query is empty — give one or more words, e.g. `lokal`"))
    hits = []
    for seg in project.store.iter_segments(unit=unit, document=document, meta=meta):
        matched = (matches_all if require_all else matches_any)(phrases, seg.lemmas.split())
        if matched:
            hits.append(SearchHit(seg, tuple(matched)))
    return hits


def flag_quote(project: Project, segment_id: int, actor: str | None = None, note: str | None = None, unflag: bool = False) -> bool:
    """Mark a segment as a key quote for the report (or remove the mark)."""
    store = project.store
    actor = actor or project.coder
    with store.transaction():
        store.get_segment(segment_id)
        if unflag:
            removed = store.unflag_quote(segment_id)
            store.log(actor, "unquote", segment_id=segment_id, detail={"flagged_by": removed})
            return bool(removed)
        store.flag_quote(segment_id, actor, note)
        store.log(actor, "quote", segment_id=segment_id, detail={"note": note})
        return True


def flag_coding_quote(
    project: Project, segment_id: int, code: str, coder: str | None = None, note: str | None = None,
    unflag: bool = False,
) -> Coding:
    """Flag the coding of `code` by `coder` on a segment as that coder's key quote (or remove her flag).

    Addressed as `set_segment_memo` addresses a coding (segment + code + coder), so a number meant
    as another kind of id cannot flag the wrong segment; a suggestion not yet accepted is refused."""
    found = segment_coding(project, segment_id, code, coder)
    if found.source not in POSITIVE_SOURCES:
        raise InputError(
            _("the coding {code_id} by {coder} on segment {segment_id} is a suggestion ({source}) — accept it first").format(
                code_id=found.code_id, coder=found.coder, segment_id=segment_id, source=found.source),
            value=found.code_id, hint=Hint(_("review the suggestions"), command=("tag",)),
        )
    store = project.store
    with store.transaction():
        if unflag:
            removed = store.unflag_quote(segment_id, found.coder, found.code_id)
            store.log(found.coder, "unquote", segment_id=segment_id, code_id=found.code_id, coding_id=found.id,
                      detail={"flagged_by": removed})
        else:
            store.flag_quote(segment_id, found.coder, note, code_id=found.code_id)
            store.log(found.coder, "quote", segment_id=segment_id, code_id=found.code_id, coding_id=found.id,
                      detail={"note": note})
    return found


def import_codings(project: Project, path: str | Path, unit: str = "paragraph") -> int:
    """Apply codings from JSONL lines `{"document", "quote", "codes", "coder"?, "memo"?}`.

    The quote must be a verbatim part of one segment of the named document. All lines are
    checked before anything is written; a bad line names its number.
    """
    import json

    path = Path(path)
    if not path.exists():
        raise InputError(_("the file '{path}' does not exist — check the path").format(path=path))
    store = project.store
    cb = project.codebook
    planned: list[tuple[int, list[str], str, str | None]] = []
    segments_by_doc: dict[str, list[Segment]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        where = _("{name} line {n}").format(name=path.name, n=n)
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(_("{where}: invalid JSON ({msg}) — one coding per line").format(where=where, msg=exc.msg)) from None
        if not isinstance(rec, dict) or not all(k in rec for k in ("document", "quote", "codes")):
            raise InputError(_("{where}: every line needs 'document', 'quote' and 'codes'").format(where=where))
        name = Path(str(rec["document"])).name
        if name not in segments_by_doc:
            doc = store.find_document(name)
            if doc is None:
                raise InputError(_("{where}: the document '{name}' is not in the project — import it first").format(where=where, name=name))
            segments_by_doc[name] = list(store.iter_segments(document=doc.id, unit=unit))
        quote = " ".join(str(rec["quote"]).split())
        found = [s for s in segments_by_doc[name] if quote in " ".join(s.text.split())]
        if len(found) != 1:
            what = _("is not in") if not found else _("occurs in {n_found} segments of").format(n_found=len(found))
            raise InputError(_("{where}: the quote {quote!r}… {what} '{name}' — give a longer, exact quote").format(where=where, quote=quote[:40], what=what, name=name))
        codes = [str(c) for c in rec["codes"]]
        cb.check(codes)
        planned.append((found[0].id, codes, str(rec.get("coder") or project.coder), rec.get("memo")))
    with store.transaction():
        for seg_id, codes, coder, memo in planned:
            add_codes(project, [seg_id], codes, coder, memo, via=f"kodningsfil:{path.name}")
    return sum(len(c) for _, c, _, _ in planned)
