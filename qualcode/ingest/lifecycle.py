"""A document's life after import: replace it in place, remove, rename, correct its metadata.

Replacing keeps the document's id and carries its work over to the new text:

- each old segment is matched to the new segment with the same text (in order, or moved), else
  to the one with nearly the same text (similarity ≥ `NEAR`); a matched segment keeps its id, so
  its key-quote flags, reviews and sample places stay;
- each coding's span is mapped from the old text to the new one (`map_offset`, through the
  matched segments), so a coding of part of a paragraph moves with its words;
- a coding whose text changed is carried and listed; one whose text vanished (its segment has no
  match) is kept in `detached_codings` with its old text and listed: never dropped silently.

Every change is audited and is one transaction.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import Hint, InputError, NotFoundError
from qualcode.core.records import Coding, DetachedCoding, Document, DocumentIn, Segment, SegmentIn, survey_name
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from spacy.language import Language

    from qualcode.project import Project
    from qualcode.store.database import Store

NEAR = 0.6  # a paragraph whose text is at least this similar is "nearly the same"


@dataclass(frozen=True)
class CarriedCoding:
    """One coding (or key-quote flag) after a replace: where it was, where it is, what happened."""

    status: str  # "changed" (carried, text differs) | "vanished" (kept for review)
    code_id: str | None  # None for a key-quote flag
    coder: str
    old_text: str
    new_text: str
    coding_id: int | None  # the carried coding, or None when detached
    detached_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status, "code": self.code_id, "coder": self.coder, "old_text": self.old_text,
            "new_text": self.new_text, "coding": self.coding_id, "detached": self.detached_id,
        }


@dataclass
class ReplaceResult:
    """What replacing one document did."""

    document_id: int
    name: str
    segments: int = 0
    carried: int = 0  # codings on the same text
    changed: list[CarriedCoding] = field(default_factory=list)
    vanished: list[CarriedCoding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id, "name": self.name, "segments": self.segments, "carried": self.carried,
            "changed": [c.to_dict() for c in self.changed], "vanished": [c.to_dict() for c in self.vanished],
        }


# -- matching old text to new text (pure) ----------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


def match_segments(old: Sequence[str], new: Sequence[str], near: float = NEAR) -> list[int | None]:
    """For each old segment text, the index of its new segment (same, moved or nearly the same text), or None."""
    a, b = [_norm(t) for t in old], [_norm(t) for t in new]
    out: list[int | None] = [None] * len(a)
    taken: set[int] = set()
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pending: list[tuple[range, range]] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                out[i1 + k] = j1 + k
                taken.add(j1 + k)
        else:
            pending.append((range(i1, i2), range(j1, j2)))
    # Moved paragraphs: the same text elsewhere.
    free = [j for j in range(len(b)) if j not in taken]
    for i in (i for i, m in enumerate(out) if m is None):
        j = next((j for j in free if b[j] == a[i]), None)
        if j is not None:
            out[i] = j
            taken.add(j)
            free.remove(j)
    # Edited paragraphs: the most similar free new paragraph, preferring the one in the same place.
    for olds, news in pending:
        for i in olds:
            if out[i] is not None:
                continue
            best, score = _best(a[i], [j for j in news if j not in taken], b)
            if best is None or score < near:
                best, score = _best(a[i], [j for j in range(len(b)) if j not in taken], b)
            if best is not None and score >= near:
                out[i] = best
                taken.add(best)
    return out


def _best(text: str, candidates: Sequence[int], new: Sequence[str]) -> tuple[int | None, float]:
    best, score = None, 0.0
    for j in candidates:
        r = difflib.SequenceMatcher(None, text, new[j], autojunk=False).ratio()
        if r > score:
            best, score = j, r
    return best, score


def map_offset(old: str, new: str, offset: int, side: str = "start") -> int:
    """Where character offset `offset` of `old` lies in `new`; inside an edit a start goes to the
    edit's start and an end to its end, so a span keeps the words around it."""
    if old == new:
        return offset
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal" and i1 <= offset <= i2:
            return j1 + (offset - i1)
        if i1 <= offset < i2 or (op != "equal" and offset == i2 and side == "end"):
            return j1 if side == "start" else j2
    return len(new)


# -- replacing (service) ---------------------------------------------------------------------


def replace_document(
    store: Store, nlp: Language, old: Document, new: DocumentIn, content_hash: str, actor: str,
) -> ReplaceResult:
    """Update `old` in place with `new`'s text and metadata; see the module docstring."""
    from qualcode.ingest.segment import segment_texts

    result = ReplaceResult(document_id=old.id, name=old.name)
    old_segments = list(store.iter_segments(document=old.id))
    units = list(dict.fromkeys(s.unit for s in old_segments))
    fresh: dict[str, list[SegmentIn]] = {u: list(segment_texts(nlp, [(old.id, new.text)], u)) for u in units}
    codings = store.document_codings(old.id)
    flags = store.quote_flags([s.id for s in old_segments])

    # old segment id -> (old segment, new segment or None, the new id it will have)
    matched: dict[int, tuple[Segment, SegmentIn | None]] = {}
    for unit in units:
        olds = [s for s in old_segments if s.unit == unit]
        news = fresh[unit]
        pairs = match_segments([s.text for s in olds], [new.text[n.start:n.end] for n in news])
        for s, j in zip(olds, pairs):
            matched[s.id] = (s, news[j] if j is not None else None)

    # Detach first: deleting a vanished segment removes what hangs on it.
    by_id = {s.id: s for s in old_segments}
    moved: list[tuple[Coding, int, int, int]] = []
    for c in codings:
        seg, target = matched[c.segment_id]
        old_text = old.text[c.start:c.end]
        span = _map_span(old.text, new.text, c, seg, target, matched, by_id)
        if span is None:
            did = store.detach_coding(old.id, c.code_id, c.coder, c.source, c.memo, False, old_text, c.start, c.end)
            result.vanished.append(CarriedCoding("vanished", c.code_id, c.coder, old_text, "", None, did))
            store.log(actor, "coding.detach", coding_id=c.id, segment_id=c.segment_id, code_id=c.code_id,
                      detail={"document": old.name, "text": old_text, "source": c.source, "memo": c.memo, "detached": did})
            store.delete_coding(c.id)
            continue
        moved.append((c, span[0], span[1], c.segment_id))
        new_text = new.text[span[0]:span[1]]
        if _norm(new_text) == _norm(old_text):
            result.carried += 1
        else:
            result.changed.append(CarriedCoding("changed", c.code_id, c.coder, old_text, new_text, c.id))
            store.log(actor, "coding.carry", coding_id=c.id, segment_id=c.segment_id, code_id=c.code_id,
                      detail={"document": old.name, "was": old_text, "now": new_text})
    for seg_id, coder, note in flags:
        seg, target = matched[seg_id]
        if target is None:
            did = store.detach_coding(old.id, None, coder, "quote", note, True, seg.text, seg.start, seg.end)
            result.vanished.append(CarriedCoding("vanished", None, coder, seg.text, "", None, did))
            store.log(actor, "quote.detach", segment_id=seg_id, detail={"document": old.name, "text": seg.text, "detached": did})

    # Segments: matched ones keep their id at their new place; the others go or come.
    store.park_segments(old.id)
    added: list[SegmentIn] = []
    for unit in units:
        kept = {id(t): sid for sid, (s, t) in matched.items() if t is not None and s.unit == unit}
        for n in fresh[unit]:
            sid = kept.get(id(n))
            if sid is None:
                added.append(n)
            else:
                store.move_segment(sid, n.idx, n.start, n.end, n.lemmas)
    store.add_segments(added)
    store.update_document(old.id, text=new.text, meta=new.meta, source=new.source or old.source, content_hash=content_hash)
    placed = [s for s in store.iter_segments(document=old.id) if s.idx >= 0]  # parked = vanished
    for c, start, end, anchor in moved:
        unit = by_id[anchor].unit
        target = matched[anchor][1]
        first = next(
            (s.id for s in placed if s.unit == unit and ((s.start < end and start < s.end) or (s.start, s.end) == (start, end))),
            None,
        )
        if first is None and target is not None:
            first = next(s.id for s in placed if s.unit == unit and s.idx == target.idx)
        store.move_coding(c.id, start, end, first if first is not None else anchor)
    for sid, (_s, t) in matched.items():
        if t is None:
            store.delete_segment(sid)
    result.segments = sum(len(v) for v in fresh.values())
    store.log(actor, "document.replace", detail={
        "document": old.name, "document_id": old.id, "old_hash": old.content_hash, "new_hash": content_hash,
        "carried": result.carried, "changed": len(result.changed), "vanished": len(result.vanished),
    })
    return result


def _map_span(
    old_text: str, new_text: str, c: Coding, anchor: Segment, target: SegmentIn | None,
    matched: dict[int, tuple[Segment, SegmentIn | None]], by_id: dict[int, Segment],
) -> tuple[int, int] | None:
    """A coding's span in the new text, through the matched segments of its unit; None when its text is gone."""
    unit = anchor.unit
    covered = [
        (s, t) for s, t in (matched[sid] for sid in by_id if by_id[sid].unit == unit)
        if s.id == c.segment_id or (c.start < s.end and s.start < c.end)
    ]
    covered.sort(key=lambda st: st[0].start)
    alive = [(s, t) for s, t in covered if t is not None]
    if not alive:
        return None
    (s0, t0), (s1, t1) = alive[0], alive[-1]
    assert t0 is not None and t1 is not None
    if (c.start, c.end) == (anchor.start, anchor.end) and target is not None:
        return target.start, target.end  # a whole-segment coding covers its segment's new text
    seg_old0, seg_new0 = old_text[s0.start:s0.end], new_text[t0.start:t0.end]
    seg_old1, seg_new1 = old_text[s1.start:s1.end], new_text[t1.start:t1.end]
    start = t0.start + map_offset(seg_old0, seg_new0, max(c.start, s0.start) - s0.start, "start")
    end = t1.start + map_offset(seg_old1, seg_new1, min(c.end, s1.end) - s1.start, "end")
    if end < start or (end == start and c.end > c.start):
        return None  # its words are gone, though its paragraph is still there
    return start, end


# -- remove, rename, metadata ----------------------------------------------------------------


def find_document(project: Project, ref: str | int) -> Document:
    """A document by id or by name; a name that several documents share must be given as an id."""
    store = project.store
    if isinstance(ref, int) or str(ref).isdigit():
        return store.get_document(int(ref))
    from qualcode.ingest.readers import nfc

    names = {str(ref), nfc(str(ref))}  # a name typed as the keyboard gives it finds an NFC name
    found = [d for name in names for d in store.documents_like(name)]
    found = sorted({d.id: d for d in found if d.name in names}.values(), key=lambda d: d.id)
    if not found:
        raise NotFoundError(
            _("the document '{ref}' is not in the project").format(ref=ref), value=ref,
            hint=Hint(_("see the documents and their ids"), command=("corpus", "list")),
        )
    if len(found) > 1:
        raise InputError(
            _("{n_found} documents are called '{ref}' (id {value}) — give the document's id").format(n_found=len(found), ref=ref, value=', '.join(str(d.id) for d in found)),
            value=ref, valid=[str(d.id) for d in found],
        )
    return found[0]


def remove_documents(project: Project, refs: Sequence[str | int], actor: str | None = None) -> list[dict[str, Any]]:
    """Remove documents with their segments, codings and key quotes: one transaction, audited.

    A survey document is one answer: removing it empties that cell of the respondent's row, as
    editing the file would; once all of a respondent's answers are removed she is removed too
    (`respondent_removed`), so project and file mode keep the same bases."""
    store = project.store
    actor = actor or project.coder
    docs = list({d.id: d for d in (find_document(project, r) for r in refs)}.values())
    out = []
    with store.transaction():
        for d in docs:
            gone = store.delete_document(d.id)
            store.log(actor, "document.remove", detail={"document": d.name, "document_id": d.id, "kind": d.kind,
                                                        "content_hash": d.content_hash, **gone})
            out.append({"document": d.name, "id": d.id, **gone})
        for d, row in zip(docs, out):
            case = survey_case(d)
            if case is None or _answers_left(store, *case):
                continue
            if store.delete_respondent(*case):
                store.log(actor, "respondent.remove", detail={"survey": case[0], "respondent": case[1]})
                row["respondent_removed"] = case[1]
    return out


def survey_case(doc: Document) -> tuple[str, str] | None:
    """(survey, respondent) of a survey answer, as the import stored the respondent."""
    respondent = (doc.meta or {}).get("respondent")
    survey = survey_name(doc)
    if doc.kind != "survey" or respondent is None or survey is None:
        return None
    return survey, str(respondent)


def _answers_left(store: Store, survey: str, respondent: str) -> bool:
    return any(survey_case(d) == (survey, respondent)
               for d in store.iter_documents(kind="survey", meta={"respondent": respondent}))


def rename_document(project: Project, ref: str | int, new_name: str, actor: str | None = None) -> Document:
    """Give a document a new name (unique in the project); audited."""
    store = project.store
    new_name = new_name.strip()
    if not new_name:
        raise InputError(_("the new name is empty — give a name"))
    doc = find_document(project, ref)
    clash = [d for d in store.documents_like(new_name) if d.name == new_name and d.id != doc.id]
    if clash:
        raise InputError(_("there is already a document called '{new_name}' — choose another name").format(new_name=new_name), value=new_name)
    with store.transaction():
        store.update_document(doc.id, name=new_name)
        store.log(actor or project.coder, "document.rename", detail={"document_id": doc.id, "was": doc.name, "now": new_name})
    return store.get_document(doc.id)


def set_document_meta(
    project: Project, ref: str | int, values: dict[str, Any], actor: str | None = None
) -> Document:
    """Correct metadata: `key=value` sets, an empty value removes the key; audited."""
    from qualcode.ingest.service import content_hash

    store = project.store
    doc = find_document(project, ref)
    if not values:
        raise InputError(_("give at least one metadata as key=value"), hint=Hint("t.ex.", example="termin=HT2016"))
    meta = dict(doc.meta)
    for k, v in values.items():
        if v in (None, ""):
            meta.pop(k, None)
        else:
            meta[k] = v
    new_hash = content_hash(DocumentIn(name=doc.name, kind=doc.kind, text=doc.text, meta=meta, source=doc.source))
    if new_hash != doc.content_hash and store.find_hashes([new_hash]):
        raise InputError(
            _("the document '{name}' would become identical to '{find_hashes}' — nothing was changed").format(name=doc.name, find_hashes=store.find_hashes([new_hash])[new_hash])
        )
    with store.transaction():
        store.update_document(doc.id, meta=meta, content_hash=new_hash)
        store.log(actor or project.coder, "document.meta", detail={
            "document": doc.name, "document_id": doc.id,
            "was": {k: doc.meta.get(k) for k in values}, "now": {k: meta.get(k) for k in values},
        })
    return store.get_document(doc.id)


def detached(project: Project, ref: str | int | None = None) -> list[DetachedCoding]:
    """Codings and key-quote flags kept for review after their text vanished in a replace."""
    doc_id = find_document(project, ref).id if ref is not None else None
    return project.store.detached_codings(doc_id)
