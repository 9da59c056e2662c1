"""What the browser workspace reads and writes: a document with its codings, the survey grid,
a code's passages, the overview, and an undo of the last change per coder.

Every function takes a `Project` (the service layer); the web layer only renders the records.
Writes go through the coding and suggestion services and record what they changed, so that
`undo_last` can put the rows back (the same snapshots as `qualcode tag`), also after a restart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qualcode.coding.uncertainty import Margins
from qualcode.core.codebook import Codebook
from qualcode.core.errors import AccessError, InputError, NotFoundError
from qualcode.core.records import MODEL_CODER, POSITIVE_SOURCES, AuditEntry, Coding, Document, Segment
from qualcode.project import Project
from qualcode.core.i18n import N_, _, n_

WEB_SESSION = "web"
UNDO_LIMIT = 50
SHOWN_SOURCES = (*POSITIVE_SOURCES, "suggested")
GRID_FIELDS_FROM = 2000
LIVE_FEED_LIMIT = 2000  # audit entries the live view reads per poll before it simply shows the document again  # survey answers whose metadata keys make the grid's columns


# -- records the pages show ------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One coding placed in its document's text: [start, end) are document offsets."""

    coding_id: int
    code_id: str
    name: str
    start: int
    end: int
    coder: str
    source: str
    score: float | None
    reason: str | None
    memo: str | None
    quote: bool
    segment_id: int

    @property
    def suggested(self) -> bool:
        return self.source == "suggested"


@dataclass(frozen=True)
class Piece:
    """A run of text covered by the same marks (indices into `DocumentView.marks`, longest first).

    `role` is `heading` or `prompt` when the run is part of a heading or a form's prompt
    (`qualcode.ingest.structure`): the page shows it as one, not as content.
    """

    start: int
    end: int
    marks: tuple[int, ...]
    role: str | None = None


@dataclass(frozen=True)
class DocumentView:
    document: Document
    marks: tuple[Mark, ...]
    pieces: tuple[Piece, ...]
    coder: str
    blind: bool
    codebook: Codebook
    can_undo: bool
    seen: int = 0  # the newest audit entry when the view was read (the live view asks for changes after it)

    @property
    def open_suggestions(self) -> int:
        return sum(1 for m in self.marks if m.suggested)


def pieces(
    length: int, spans: Sequence[tuple[int, int]], blocks: Sequence[tuple[int, int, str]] = (),
) -> list[Piece]:
    """Cut [0, length) at every span boundary; each piece lists the spans covering it.

    Spans are listed longest first, so an element for a long coding encloses the shorter ones
    it overlaps. ``pieces(10, [(2, 6), (4, 8)])`` gives 0–2 (), 2–4 (0), 4–6 (0, 1), 6–8 (1), 8–10 ().
    `blocks` are (start, end, role) of headings and prompts: pieces are cut at their edges too
    and carry their role.
    """
    cuts = sorted({0, length, *(max(0, min(length, x)) for s in spans for x in s),
                   *(max(0, min(length, x)) for b in blocks for x in b[:2])})
    order = sorted(range(len(spans)), key=lambda i: (-(spans[i][1] - spans[i][0]), spans[i][0], i))
    rank = {i: r for r, i in enumerate(order)}
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(spans):
        if b > a:
            starts.setdefault(a, []).append(i)
            ends.setdefault(b, []).append(i)
    active: set[int] = set()
    heads = sorted(blocks)  # headings do not overlap one another
    at = 0
    out = []
    for a, b in zip(cuts, cuts[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        while at < len(heads) and heads[at][1] <= a:
            at += 1
        role = heads[at][2] if at < len(heads) and heads[at][0] <= a and b <= heads[at][1] else None
        out.append(Piece(a, b, tuple(sorted(active, key=rank.__getitem__)), role))
    return out


def _open_document(project: Project, document_id: int) -> Document:
    return project.store.get_document(int(document_id))


def document_view(project: Project, document_id: int, coder: str | None = None, blind: bool = False) -> DocumentView:
    """The whole document with every coding and open suggestion as a mark.

    `blind`: only `coder`'s own codings (and the model's open suggestions) are shown.
    """
    from qualcode.coding.service import is_key_quote
    from qualcode.store.accounts import last_audit_id

    store = project.store
    seen = last_audit_id(store)  # before the codings: a change in between shows again, never goes missing
    doc = _open_document(project, document_id)
    coder = coder or project.coder
    cb = project.codebook
    # as `coding.service.document_codings`, with the covered segments of all codings in one query
    covers = store.document_covers(doc.id)
    flags: dict[str, set[tuple[int, str]]] = {}
    marks = []
    for c in store.document_codings(doc.id, SHOWN_SOURCES):
        if blind and c.coder not in (coder, MODEL_CODER):
            continue
        flagged = flags[c.coder] if c.coder in flags else flags.setdefault(c.coder, store.quoted_codes(c.coder))
        segs = covers.get(c.id, [c.segment_id])
        name = cb.get(c.code_id).name if c.code_id in cb else c.code_id
        marks.append(Mark(c.id, c.code_id, name, c.start, c.end, c.coder, c.source, c.score, c.reason, c.memo,
                          is_key_quote(flagged, segs, c.code_id), c.segment_id))
    marks.sort(key=lambda m: (m.start, -m.end, m.code_id, m.coder))
    blocks = sorted(set(store.segment_roles(doc.id)))
    cut = pieces(len(doc.text), [(m.start, m.end) for m in marks], blocks)
    return DocumentView(doc, tuple(marks), tuple(cut), coder, blind, cb, can_undo(project, coder), seen)


def marks_at(
    project: Project, document_id: int, offset: int, coder: str | None = None, blind: bool = False,
) -> tuple[list[Mark], Codebook]:
    """The codings and open suggestions covering one character of a document (a click on it)."""
    view = document_view(project, document_id, coder, blind)
    return [m for m in view.marks if m.start <= offset < m.end], view.codebook


@dataclass(frozen=True)
class DocumentRow:
    id: int
    name: str
    kind: str
    chars: int
    meta: dict[str, Any]
    coded: int  # segments with a code
    segments: int


def find_documents(
    project: Project, text: str = "", meta: dict[str, str] | None = None, kind: str | None = None,
) -> list[DocumentRow]:
    """Documents filtered by metadata (case aside, as in the grid) and by a text in the name or the text (any case)."""
    store = project.store
    needle = text.strip().casefold()
    coded = store.coded_segment_counts()
    totals = store.segment_counts()
    rows = []
    for d in store.iter_documents(kind=kind, meta=_as_stored(store, meta) or None):
        if needle and needle not in d.name.casefold() and needle not in d.text.casefold():
            continue
        rows.append(DocumentRow(d.id, d.name, d.kind, len(d.text), d.meta, coded.get(d.id, 0), totals.get(d.id, 0)))
    return rows


@dataclass(frozen=True)
class Overview:
    name: str
    coder: str
    documents: int
    notes: int
    surveys: int
    segments: int
    coded_segments: int
    codings: int
    suggestions: int
    codes_used: int
    codes: int
    coders: tuple[str, ...]
    by_kind: tuple[tuple[str, int, int, int], ...]  # kind, documents, segments, coded segments
    recent: tuple[AuditEntry, ...]  # the last changes from the audit log

    @property
    def uncoded_segments(self) -> int:
        return self.segments - self.coded_segments


# The audit log's actions as a person reads them (the overview's latest changes); the ids stay identifiers.
ACTION_NAMES: dict[str, str] = {
    "add": N_("coded"), "remove": N_("removed"), "memo": N_("memo"), "quote": N_("key quote"),
    "unquote": N_("removed key quote"), "undo": N_("undid"), "review": N_("done"),
    "suggest": N_("suggested codes"), "train": N_("trained the suggestions"),
    "suggest.accept": N_("accepted suggestion"), "suggest.reject": N_("rejected suggestion"),
    "code-add": N_("new code"), "code-edit": N_("edited a code"), "code-rename": N_("renamed"),
    "code-merge": N_("merged"), "merge": N_("merged"), "codebook-import": N_("read codebook"),
    "document.replace": N_("replaced a document's text"), "document.rename": N_("renamed a document"),
    "document.meta": N_("changed metadata"), "document.remove": N_("removed a document"),
    "respondent.remove": N_("removed a respondent"), "coding.carry": N_("carried a coding over"),
    "coding.detach": N_("detached a coding"), "quote.detach": N_("detached a key quote"),
    "span.merge": N_("merged overlapping codings"), "mention-mapping": N_("placed an answer in a category"),
    "adjudicate": N_("adjudicated"), "sample": N_("drew a sample to double-code"),
    "schema.upgrade": N_("upgraded the project"), "account-add": N_("added an account"),
    "account-password": N_("set a new password"), "account-role": N_("changed a role"),
    "account-remove": N_("removed an account"),
}


def action_name(action: str) -> str:
    """An audit action in the interface language ('suggest' → 'föreslog koder'); an unknown one as it is."""
    return _(ACTION_NAMES[action]) if action in ACTION_NAMES else action


def overview(project: Project) -> Overview:
    store = project.store
    stats = store.stats()
    usage = store.positive_code_usage()
    coded = store.coded_segment_counts()
    return Overview(
        name=str(project.config.get("name") or project.root.name), coder=project.coder,
        documents=stats["documents"], notes=store.count_documents("note"), surveys=store.count_documents("survey"),
        segments=stats["segments"], coded_segments=sum(coded.values()), codings=stats["codings"],
        suggestions=stats["suggestions"], codes_used=sum(1 for n in usage.values() if n),
        codes=len(project.codebook.leaves), coders=tuple(c for c in store.coders() if c != MODEL_CODER),
        by_kind=tuple(store.coverage_by_kind()), recent=tuple(store.iter_audit(limit=8)),
    )


# -- writes with undo ----------------------------------------------------------------------


def resolve_codes(project: Project, codes: Sequence[str]) -> list[str]:
    """Codable codes by id, name, alias or a fuzzy name (as the tagger's `+ namn`)."""
    from qualcode.coding.tagging import find_code

    wanted = [c.strip() for c in codes if c and c.strip()]
    if not wanted:
        raise InputError(_("choose at least one code, e.g. P13"))
    cb = project.codebook
    out = []
    for c in wanted:
        if c in cb and cb.get(c).is_group:
            kids = ", ".join(k.id for k in cb.children(c))
            raise InputError(_("'{c}' is a theme group and is not coded directly — choose one of its codes: {kids}").format(c=c, kids=kids), value=c)
        out.append(find_code(cb, c).id)
    return list(dict.fromkeys(out))


def _snapshot(project: Project, document_id: int, code_id: str, coder: str) -> dict[str, Any]:
    """Every coding of (document, code, coder) as it is now, to put back on undo."""
    from dataclasses import asdict

    rows = [asdict(c) for c in project.store.document_codings(document_id) if c.code_id == code_id and c.coder == coder]
    return {"document": document_id, "code": code_id, "coder": coder, "rows": rows}


def _snapshots(project: Project, keys: Sequence[tuple[int, str, str]]) -> list[dict[str, Any]]:
    """Snapshots of (document, code, coder) triples, each once."""
    return [_snapshot(project, doc, code, coder) for doc, code, coder in dict.fromkeys(keys)]


def _restore(project: Project, snap: dict[str, Any]) -> None:
    project.store.replace_codings(snap["document"], snap["code"], snap["coder"], [Coding(**r) for r in snap["rows"]])


def _text_marks(store: Any, record: dict[str, Any]) -> dict[str, str]:
    """A fingerprint of the text of each document an undo step touches ("" for one that is gone):
    an undo puts codings back at their offsets, which name other words once the text was corrected."""
    import hashlib

    docs = {int(record["document"]), *(int(sn["document"]) for sn in record.get("snaps") or ())}
    marks = {}
    for d in sorted(docs):
        try:
            text = store.get_document(d).text
        except NotFoundError:
            text = None
        marks[str(d)] = "" if text is None else hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    return marks


def _push_undo(project: Project, coder: str, record: dict[str, Any]) -> int:
    """Remember how to undo a change; returns the coder's changes since the last retraining."""
    store = project.store
    state = _web_state(project, coder)
    record = {**record, "texts": _text_marks(store, record)}
    stack = [*(state.get("undo") or []), record][-UNDO_LIMIT:]
    since = int(state.get("since_train") or 0) + 1
    store.save_tag_state(coder, WEB_SESSION, {**state, "undo": stack, "since_train": since})
    return since


def retraining_started(project: Project, coder: str | None = None) -> None:
    """The background retraining has started: count the coder's changes from zero again."""
    coder = coder or project.coder
    state = _web_state(project, coder)
    project.store.save_tag_state(coder, WEB_SESSION, {**state, "since_train": 0})


@dataclass(frozen=True)
class Change:
    """What a write did, in the interface's words, and the document it happened in."""

    message: str
    document_id: int
    coding_ids: tuple[int, ...] = ()
    decisions: int = 0  # the coder's changes since the model was last retrained from the workspace


def code_selection(
    project: Project, document_id: int, start: int, end: int, codes: Sequence[str],
    coder: str | None = None, memo: str | None = None,
) -> Change:
    """Code the selected characters of a document; her code replaces the model's open suggestion there."""
    from qualcode.coding.service import add_span

    coder = coder or project.coder
    wanted = resolve_codes(project, codes)
    doc = _open_document(project, document_id)
    store = project.store
    with store.transaction():
        snaps = _snapshots(project, [(doc.id, c, who) for c in wanted for who in (coder, MODEL_CODER)])
        done = add_span(project, doc.id, start, end, wanted, coder, memo)
        if coder != MODEL_CODER:
            for c in store.document_codings(doc.id, sources=("suggested",)):
                if c.coder == MODEL_CODER and c.code_id in wanted and c.start < end and start < c.end:
                    store.delete_coding(c.id)  # redundant now, as in `qualcode tag`
        n = _push_undo(project, coder, {"op": "codes", "document": doc.id, "snaps": snaps})
    words = " ".join(doc.text[start:end].split())
    shown = words if len(words) <= 40 else words[:39] + "…"
    return Change(_("coded «{shown}» with {wanted}").format(shown=shown, wanted=', '.join(wanted)), doc.id, tuple(c.id for c in done), n)


def _coding_document(project: Project, coding: Coding) -> int:
    return coding.document_id


def remove_coding(project: Project, coding_id: int, coder: str | None = None) -> Change:
    """Remove one of the coder's codings (an open suggestion is rejected instead, not removed)."""
    from qualcode.coding.service import remove_span_coding

    store = project.store
    coder = coder or project.coder
    c = store.get_coding(int(coding_id))
    if c.source == "suggested":
        raise InputError(_("coding {coding_id} is an open suggestion — accept or reject it").format(coding_id=coding_id), value=coding_id)
    with store.transaction():
        snaps = _snapshots(project, [(c.document_id, c.code_id, c.coder)])
        remove_span_coding(project, c.id, coder)
        n = _push_undo(project, coder, {"op": "codes", "document": c.document_id, "snaps": snaps})
    return Change(_("removed {code_id}").format(code_id=c.code_id), c.document_id, decisions=n)


def write_memo(project: Project, coding_id: int, memo: str | None, coder: str | None = None, was: str | None = None) -> Change:
    """Save her memo on a coding. `was` is the memo as the page showed it when she began: if it
    has changed since (she saved another text in a second tab), nothing is saved and she is told,
    so neither text is lost without a word; None saves whatever is stored."""
    from qualcode.coding.service import set_memo

    store = project.store
    coder = coder or project.coder
    c = store.get_coding(int(coding_id))
    if c.coder != coder:
        raise InputError(_("coding {coding_id} is {coder}'s — write memos on your own codings").format(coding_id=coding_id, coder=c.coder), value=coding_id)
    doc_id = _coding_document(project, c)
    with store.transaction():
        now = store.get_coding(int(coding_id)).memo or ""
        if was is not None and now != was.strip() and now != (memo or "").strip():
            raise InputError(
                _("the memo on {code_id} was changed since this page showed it (now: '{now}') — nothing was saved; copy your text, reload the page and write it again").format(
                    code_id=c.code_id, now=now if len(now) <= 60 else now[:59] + "…"),
                value=coding_id,
            )
        snaps = _snapshots(project, [(c.document_id, c.code_id, c.coder)])
        set_memo(project, c.id, (memo or "").strip() or None, actor=coder)
        _push_undo(project, coder, {"op": "codes", "document": doc_id, "snaps": snaps})
    return Change(_("memo on {code_id} saved").format(code_id=c.code_id) if (memo or "").strip() else _("memo on {code_id} removed").format(code_id=c.code_id), doc_id)


def toggle_quote(project: Project, coding_id: int, coder: str | None = None, blind: bool = False) -> Change:
    """Flag the coded passage as a key quote of the coding's coder, or remove that flag; another
    coder's flag on the same segment stays (the panel shows each coding with its own coder's flag)."""
    from qualcode.coding.service import is_key_quote

    store = project.store
    coder = coder or project.coder
    c = store.get_coding(int(coding_id))
    doc_id = _coding_document(project, c)
    if blind and c.coder != coder:
        raise AccessError(_("in blind mode you flag only your own codings as key quotes"), status=403)
    flagged = is_key_quote(store.quoted_codes(c.coder), [c.segment_id], c.code_id)
    with store.transaction():
        if flagged:
            removed = store.unflag_quote(c.segment_id, c.coder, c.code_id)
            store.log(coder, "unquote", segment_id=c.segment_id, code_id=c.code_id, coding_id=c.id,
                      detail={"via": "web", "flagged_by": removed})
        else:
            removed = []
            store.flag_quote(c.segment_id, c.coder, code_id=c.code_id)
            store.log(coder, "quote", segment_id=c.segment_id, code_id=c.code_id, coding_id=c.id,
                      detail={"via": "web", "flagged_by": [c.coder]})
        _push_undo(project, coder, {"op": "quote", "document": doc_id, "segment": c.segment_id,
                                    "was": flagged, "removed": removed, "by": c.coder, "code": c.code_id})
    return Change(_("key quote removed") if flagged else _("marked as a key quote"), doc_id)


def decide(project: Project, coding_id: int, decision: str, coder: str | None = None) -> Change:
    """Accept or reject one open suggestion (as `qualcode suggest accept/reject`)."""
    from qualcode.suggest.service import decide_suggestions

    store = project.store
    coder = coder or project.coder
    c = store.get_coding(int(coding_id))
    doc_id = _coding_document(project, c)
    with store.transaction():
        snaps = _snapshots(project, [(c.document_id, c.code_id, c.coder), (c.document_id, c.code_id, coder)])
        decide_suggestions(project, decision, ids=[c.id], actor=coder)
        n = _push_undo(project, coder, {"op": "codes", "document": doc_id, "snaps": snaps})
    verb = "accepterade" if decision == "accept" else "avvisade"
    return Change(f"{verb} {c.code_id}", doc_id, decisions=n)


def undo_last(project: Project, coder: str | None = None) -> Change:
    """Put back what the coder's last change in the workspace altered (also after a restart)."""
    store = project.store
    coder = coder or project.coder
    state = _web_state(project, coder)
    stack = list(state.get("undo") or [])
    if not stack:
        raise InputError(_("nothing to undo"))
    record = stack.pop()
    if "texts" in record and _text_marks(store, record) != record["texts"]:
        # the step is dropped, so that the next undo reaches the one before it (refused too if it is as old)
        with store.transaction():
            store.save_tag_state(coder, WEB_SESSION, {**state, "undo": stack})
        changed = [int(d) for d, mark in _text_marks(store, record).items() if mark != record["texts"].get(d)]
        names = ", ".join(_document_name(store, d) for d in changed)
        raise InputError(_("cannot undo: {documents} was corrected or removed after this change, so its codings "
                           "would land on other words — code the passage again where it now stands").format(documents=names),
                         value=names)
    document = store.get_document(int(record["document"])).name  # the message says where: maybe not the page she is on
    with store.transaction():
        if record["op"] == "codes":
            # own rows first: an accepted suggestion is removed as hers, then recreated as the model's
            for snap in sorted(record["snaps"], key=lambda sn: sn["coder"] != coder):
                _restore(project, snap)
            codes = ", ".join(dict.fromkeys(sn["code"] for sn in record["snaps"]))
            message = _("undid the change of {codes} in {document}").format(codes=codes, document=document)
            sid = None
        else:
            sid = record["segment"]
            if record["was"]:
                for who in record.get("removed") or [coder]:
                    store.flag_quote(sid, who, code_id=record.get("code") or "")
            else:
                store.unflag_quote(sid, record.get("by") or coder, record.get("code"))
            message = _("undid the key quote in {document}").format(document=document)
        store.log(coder, "undo", segment_id=sid,
                  detail={"op": record["op"], "via": "web", "document": int(record["document"])})
        store.save_tag_state(coder, WEB_SESSION, {**state, "undo": stack})
    return Change(message, int(record["document"]))


def _document_name(store: Any, document_id: int) -> str:
    try:
        return str(store.get_document(document_id).name)
    except NotFoundError:
        return _("document {document_id}").format(document_id=document_id)


def _web_state(project: Project, coder: str) -> dict[str, Any]:
    """The coder's saved browser session (undo stack, changes since training), or an empty one."""
    saved = project.store.load_tag_state(coder, WEB_SESSION)
    return dict(saved.data) if saved else {}


def can_undo(project: Project, coder: str | None = None) -> bool:
    state = _web_state(project, coder or project.coder)
    return bool(state.get("undo"))


@dataclass(frozen=True)
class DocumentChanges:
    """What changed in one document after audit entry `since`: the newest entry id, who changed it."""

    latest: int
    actors: tuple[str, ...]  # in the order they first changed it
    reload: bool = False  # too much happened to read entry by entry: show the document again

    @property
    def changed(self) -> bool:
        return bool(self.actors) or self.reload


def document_changes(
    project: Project, document_id: int, since: int, coder: str | None = None, blind: bool = False,
) -> DocumentChanges:
    """The audit log (the change feed) after `since`, read for one open document.

    `blind`: other coders' changes are not shown (nor named), only the coder's own and the model's.
    A document-wide change (replace, remove) counts for the document it names.
    """
    from qualcode.store.accounts import audit_changes, last_audit_id

    coder = coder or project.coder
    latest = last_audit_id(project.store)
    since = max(0, int(since))
    if latest - since > LIVE_FEED_LIMIT:
        return DocumentChanges(latest, (), reload=True)
    actors: list[str] = []
    for ch in audit_changes(project.store, since, limit=max(0, latest - since)):
        if ch.document_id != int(document_id):
            continue
        if blind and ch.actor not in (coder, MODEL_CODER):
            continue
        if ch.actor not in actors:
            actors.append(ch.actor)
    return DocumentChanges(latest, tuple(actors))


# -- suggestions in active-learning order --------------------------------------------------


@dataclass(frozen=True)
class NextSuggestion:
    coding_id: int
    document_id: int
    code_id: str
    score: float | None


def next_uncertain(project: Project, coder: str | None = None, threshold: float | None = None) -> NextSuggestion | None:
    """The open suggestion whose score is closest to its threshold (the tagger's 'uncertain' order).

    `threshold` None measures each suggestion against its code's own threshold in the model
    that made it; a number measures every suggestion against that one.
    """
    coder = coder or project.coder
    store = project.store
    margins = Margins(store, threshold)
    # Within one code and model the margin grows with the distance from the one threshold, so
    # the nearest suggestion above and below it are the only candidates: index seeks per code
    # instead of reading every suggestion (1,000,000: seconds).
    best: tuple[float, int] | None = None
    for holder, code_id, version in store.open_suggestion_groups([MODEL_CODER, coder]):
        for cid, score in store.suggestions_near(holder, code_id, version, margins.threshold(code_id, version)):
            key = (margins.of(code_id, version, score), cid)
            if best is None or key < best:
                best = key
    if best is None:
        return None
    c = store.get_coding(best[1])
    return NextSuggestion(c.id, c.document_id, c.code_id, c.score)


# -- the survey grid -----------------------------------------------------------------------


@dataclass(frozen=True)
class GridRow:
    segment: Segment
    document_id: int
    codes: frozenset[str]  # the coder's (or, not blind, anyone's) positive codes
    mine: frozenset[str]  # the coder's own
    suggested: frozenset[str]


@dataclass(frozen=True)
class Grid:
    rows: tuple[GridRow, ...]
    meta_keys: tuple[str, ...]
    codes: tuple[str, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def survey_grid(
    project: Project,
    page: int = 1,
    per_page: int = 50,
    meta: dict[str, str] | None = None,
    sort: str | None = None,
    descending: bool = False,
    code: str | None = None,
    uncoded: bool = False,
    text: str = "",
    coder: str | None = None,
    blind: bool = False,
) -> Grid:
    """One row per survey answer, a page at a time, with its metadata and codes."""
    store = project.store
    cb = project.codebook
    coder = coder or project.coder
    if per_page < 1 or per_page > 1000:
        raise InputError(_("invalid number of rows per page {per_page} — choose 1–1000").format(per_page=per_page), value=per_page)
    codes = sorted(cb.rollup(cb.resolve(code).id)) if code else None
    # the columns: the fields of the first answers (reading every answer's metadata costs 5 µs each)
    keys = tuple(store.meta_fields(kind="survey", limit=GRID_FIELDS_FROM))
    if sort and sort not in keys:
        raise InputError(_("unknown metadata field {sort!r} to sort by").format(sort=sort), value=sort, valid=keys)
    page = max(1, int(page))
    meta = _as_stored(store, meta)

    def one(page: int) -> tuple[int, list[Segment]]:
        return store.page_segments(
            kind="survey", meta=meta or None, sort_meta=sort, descending=descending, codes=codes, uncoded=uncoded,
            text=text.strip() or None, offset=(page - 1) * per_page, limit=per_page,
        )

    total, segs = one(page)
    if not segs and total and page > 1:  # past the last page (the list got shorter): the last one
        page = -(-total // per_page)
        total, segs = one(page)
    codings: dict[int, list[Coding]] = {}
    for c in store.codings_for_segments([s.id for s in segs]):
        codings.setdefault(c.segment_id, []).append(c)
    rows = []
    for s in segs:
        cs = codings.get(s.id, [])
        pos = [c for c in cs if c.source in POSITIVE_SOURCES and (not blind or c.coder == coder)]
        rows.append(GridRow(
            s, s.document_id, frozenset(c.code_id for c in pos), frozenset(c.code_id for c in pos if c.coder == coder),
            frozenset(c.code_id for c in cs if c.source == "suggested"),
        ))
    return Grid(tuple(rows), keys, tuple(c.id for c in cb.leaves), total, page, per_page)


def _as_stored(store: Any, meta: dict[str, str] | None) -> dict[str, str] | None:
    """A filter's values as they are stored: `stadsdel=bromma` finds Bromma when that is the one
    stored value that reads the same case aside (Unicode-normalised); an exact value, or one that
    several stored values read as, stays as typed."""
    if not meta:
        return meta
    out = {}
    for key, value in meta.items():
        stored = store.meta_values(key)
        texts = {str(v) for v in stored or ()}
        if stored is not None and str(value) not in texts:
            folded = unicodedata.normalize("NFC", str(value)).strip().casefold()
            same = [t for t in texts if unicodedata.normalize("NFC", t).strip().casefold() == folded]
            value = same[0] if len(same) == 1 else value
        out[key] = value
    return out


def grid_columns(project: Project, per_page: int = 50) -> Grid:
    """The grid's columns and no rows: the page around a filter that could not be read."""
    keys = tuple(project.store.meta_fields(kind="survey", limit=GRID_FIELDS_FROM))
    return Grid((), keys, tuple(c.id for c in project.codebook.leaves), 0, 1, max(1, min(per_page, 1000)))


def toggle_code(project: Project, segment_id: int, code_id: str, coder: str | None = None) -> Change:
    """Give a segment the coder's code, or take it away if she has it (a grid cell)."""
    from qualcode.coding.service import _codes, add_codes, remove_codes

    store = project.store
    coder = coder or project.coder
    (code,) = _codes(project, [code_id])
    seg = store.get_segment(int(segment_id))
    mine = store.find_coding(seg.id, code, coder)
    with store.transaction():
        snaps = _snapshots(project, [(seg.document_id, code, coder), (seg.document_id, code, MODEL_CODER)])
        if mine is not None and mine.source in POSITIVE_SOURCES:
            remove_codes(project, seg.id, [code], coder)
            message = _("removed {code}").format(code=code)
        else:
            model = store.find_coding(seg.id, code, MODEL_CODER)
            if model is not None and model.source == "suggested" and coder != MODEL_CODER:
                store.delete_coding(model.id)
            add_codes(project, [seg.id], [code], coder)
            message = _("coded with {code}").format(code=code)
        n = _push_undo(project, coder, {"op": "codes", "document": seg.document_id, "snaps": snaps})
    return Change(message, seg.document_id, decisions=n)


def grid_row(project: Project, segment_id: int, coder: str | None = None, blind: bool = False) -> tuple[GridRow, tuple[str, ...]]:
    """One row of the grid after a change, with the grid's code columns."""
    store = project.store
    coder = coder or project.coder
    s = store.get_segment(int(segment_id))
    cs = store.codings_for_segment(s.id)
    pos = [c for c in cs if c.source in POSITIVE_SOURCES and (not blind or c.coder == coder)]
    row = GridRow(s, s.document_id, frozenset(c.code_id for c in pos),
                  frozenset(c.code_id for c in pos if c.coder == coder),
                  frozenset(c.code_id for c in cs if c.source == "suggested"))
    return row, tuple(c.id for c in project.codebook.leaves)


# -- a code's passages -----------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    coding: Coding
    segment: Segment
    before: str
    after: str


def code_passages(
    project: Project, code: str, meta: dict[str, str] | None = None, coder: str | None = None,
    blind: bool = False, limit: int | None = 500,
) -> list[Passage]:
    """Every passage coded with `code` (a group rolls up), with a sentence of context each side."""
    from qualcode.coding.service import list_codings
    from qualcode.coding.tagging import context

    store = project.store
    texts: dict[int, str] = {}
    out = []
    meta = _as_stored(store, meta)  # case aside, as in the grid
    for c, s in list_codings(project, [code], meta=meta or None, coder=(coder or project.coder) if blind else None):
        if s.document_id not in texts:
            texts[s.document_id] = store.get_document(s.document_id).text
        before, after = context(texts[s.document_id], s.start, s.end, sentences=1)
        out.append(Passage(c, s, before, after))
        if limit and len(out) >= limit:
            break
    if not out:
        project.codebook.resolve(code)  # an unknown code is an error, not an empty page
    return out


def require_document(project: Project, document_id: int) -> Document:
    try:
        return _open_document(project, document_id)
    except NotFoundError:
        raise NotFoundError(_("document {document_id} does not exist").format(document_id=document_id), value=document_id) from None


# -- codebook, search, counts, report, coders ---------------------------------------------


def codebook_of(project: Project) -> Codebook:
    return project.codebook


@dataclass(frozen=True)
class CodebookEntry:
    code: Any  # qualcode.core.codebook.Code
    depth: int
    codings: int  # positive codings, own and rolled up from sub-codes


@dataclass(frozen=True)
class CodebookTree:
    entries: tuple[CodebookEntry, ...]
    retrain: bool  # the codebook changed since the model was trained


def codebook_tree(project: Project) -> CodebookTree:
    """The codebook in tree order with each code's number of codings (groups roll up)."""
    from qualcode.analysis.code_counts import _tree_order

    cb = project.codebook
    usage = project.store.positive_code_usage()
    entries = []
    for cid in _tree_order(cb, cb.ids):
        code = cb.get(cid)
        n = sum(usage.get(c, 0) for c in cb.rollup(cid))
        entries.append(CodebookEntry(code, len(cb.ancestors(cid)), n))
    model = project.store.latest_model()
    return CodebookTree(tuple(entries), model is not None and model.codebook_hash != cb.hash())


def change_codebook(project: Project, action: str, fields: dict[str, str], actor: str | None = None) -> str:
    """Add, rename or merge codes (audited); returns what was done, with the retrain reminder."""
    from qualcode.coding import codebook_changes as changes

    actor = actor or project.coder
    get = lambda k: (fields.get(k) or "").strip()  # noqa: E731
    if action == "add":
        keywords = tuple(k.strip() for k in get("keywords").split(",") if k.strip())
        code = changes.new_code(get("id"), get("name"), get("parent") or None, get("definition"), keywords)
        changes.add_code(project, code, actor)
        done = _("added {id} {name}").format(id=code.id, name=code.name)
    elif action == "rename":
        moved = changes.rename(project, get("code"), get("new_id") or None, get("new_name") or None, actor)
        done = _("renamed {get}").format(get=get('code')) + (n_(" ({moved} coding followed)", " ({moved} codings followed)", moved).format(moved=moved) if moved else "")
    elif action == "edit":
        keywords = tuple(dict.fromkeys(k.strip() for k in get("keywords").split(",") if k.strip()))
        code = changes.edit(project, get("code"), get("definition"), get("include"), get("exclude"), keywords, actor)
        done = _("saved {id} {name}").format(id=code.id, name=code.name)
    elif action == "merge":
        moved = changes.merge(project, get("source"), get("target"), actor)
        done = n_("merged {get} into {get2} ({moved} coding moved)", "merged {get} into {get2} ({moved} codings moved)", moved).format(get=get('source'), get2=get('target'), moved=moved)
    else:
        raise NotFoundError(_("unknown codebook change {action!r}").format(action=action), valid=("add", "edit", "rename", "merge"))
    reminder = _(" The codebook has changed: retrain the model so that the suggestions follow.") if project.store.latest_model() else ""
    return done + "." + reminder


SHOWN_HITS = 500  # a search page shows this many hits (all of them are coded)


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Any, ...]  # qualcode.coding.service.SearchHit
    marks: dict[int, list[tuple[int, int]]]  # segment id -> where its matching words stand in its text (shown hits)


def search_preview(project: Project, query: str, meta: dict[str, str] | None = None) -> SearchResult:
    """The lemma- and compound-aware search of `code search`, to look at before coding the hits,
    the matching words of each shown hit marked."""
    from qualcode.coding.service import search
    from qualcode.suggest.search import hit_spans

    hits = tuple(search(project, query, meta=_as_stored(project.store, meta)))
    return SearchResult(query, hits, {h.segment.id: hit_spans(query, h.segment.text) for h in hits[:SHOWN_HITS]})


def code_search_hits(project: Project, query: str, code: str, coder: str | None = None) -> str:
    """Code every hit of a search with one code (as `code search --code`); one transaction."""
    from qualcode.coding.service import code_hits, search

    (code_id,) = resolve_codes(project, [code])
    coder = coder or project.coder
    hits = search(project, query)
    if not hits:
        raise InputError(_("no hits for {query!r} — nothing was coded").format(query=query), value=query)
    docs = [h.segment.document_id for h in hits]
    with project.store.transaction():  # one undo step for all the hits (her code replaces the model's suggestions)
        snaps = _snapshots(project, [(d, code_id, who) for d in docs for who in (coder, MODEL_CODER)])
        coded, already = code_hits(project, [h.segment.id for h in hits], code_id, coder,
                                   memo=_("search: {query}").format(query=query))
        if coded:
            _push_undo(project, coder, {"op": "codes", "document": docs[0], "snaps": snaps})
    msg = n_("Coded {n_hits} segment with {code}.", "Coded {n_hits} segments with {code}.", coded).format(n_hits=coded, code=code_id)
    if already:
        msg += " " + n_("{n} already had the code and was left as it was.",
                        "{n} already had the code and were left as they were.", already).format(n=already)
    return msg


@dataclass(frozen=True)
class CountRow:
    code: str
    name: str
    depth: int
    cells: tuple[int | str, ...]
    total: int | str


@dataclass(frozen=True)
class CountTable:
    by: tuple[str, ...]
    unit: str
    groups: tuple[str, ...]
    bases: tuple[int | str, ...]
    rows: tuple[CountRow, ...]
    min_cell: int
    fields: tuple[str, ...]
    names: tuple[str, ...] = ()  # the groups as a person reads them, in the interface language


def count_table(project: Project, by: Sequence[str] = (), unit: str = "document", kind: str | None = None) -> CountTable:
    """Codes × metadata groups with small cells suppressed (as in the report)."""
    from qualcode.analysis.code_counts import code_counts
    from qualcode.analysis.suppression import suppress, suppress_column

    min_cell = int((project.config.get("privacy") or {}).get("min_cell", 5))
    counts = code_counts(project, by=by, unit=unit, kind=kind)
    codes = list(counts.table.categories)
    groups = list(counts.table.groups) if counts.by else []
    totals = suppress_column([counts.total.count(c) for c in codes], min_cell=min_cell)
    rows = []
    if groups:
        sup = suppress([[counts.table.count(c, g) for g in groups] for c in codes], min_cell=min_cell,
                       row_totals=True, col_totals=False)
        for i, c in enumerate(codes):
            rows.append(CountRow(c, counts.labels[c], counts.depth[c],
                                 tuple(sup.show(i, j) for j in range(len(groups))), sup.row_total(i)))
        # the bases add up to the total of the unit: a hidden one must not follow from the others
        bases = tuple(suppress_column([counts.table.bases[g] for g in groups], min_cell=min_cell, total=True))
    else:
        rows = [CountRow(c, counts.labels[c], counts.depth[c], (), totals[i]) for i, c in enumerate(codes)]
        bases = ()
    return CountTable(tuple(by), unit, tuple(groups), bases, tuple(rows), min_cell,
                      tuple(project.store.meta_fields(kind=kind)), tuple(counts.group_name(g) for g in groups))


def count_chart(project: Project, by: Sequence[str] = (), unit: str = "document", kind: str | None = None) -> bytes:
    """The totals of `count_table` as the report's bar chart (PNG); suppressed counts have no bar."""
    import tempfile
    from pathlib import Path

    from qualcode.export.charts import bar_chart

    table = count_table(project, by, unit, kind)
    rows = [r for r in table.rows if r.depth > 0 or not any(x.depth > 0 for x in table.rows)]
    title, axis = ((_("Number of coded documents per code"), _("Number of documents")) if unit == "document"
                   else (_("Number of coded segments per code"), _("Number of segments")))
    with tempfile.TemporaryDirectory() as tmp:
        path = bar_chart([f"{r.code} {r.name}" for r in rows], [r.total for r in rows], Path(tmp) / "chart.png",
                         title, axis, table.min_cell)
        return path.read_bytes()


@dataclass(frozen=True)
class ReportOptions:
    formats: tuple[str, ...]
    fields: tuple[str, ...]
    min_cell: int


def report_options(project: Project) -> ReportOptions:
    from qualcode.export.report import FORMATS

    return ReportOptions(tuple(FORMATS), tuple(project.store.meta_fields()),
                         int((project.config.get("privacy") or {}).get("min_cell", 5)))


REPORT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def build_report_file(project: Project, fmt: str, by: Sequence[str] = ()) -> tuple[bytes, str, str]:
    """Build the report in one format in a temporary folder; returns (bytes, file name, media type)."""
    import tempfile

    from qualcode.export.report import write_report

    fmt = fmt.strip().lower()
    if fmt not in REPORT_TYPES:
        raise InputError(_("unknown format {fmt!r} — choose from {report_types}").format(fmt=fmt, report_types=', '.join(REPORT_TYPES)), value=fmt,
                         valid=tuple(REPORT_TYPES))
    with tempfile.TemporaryDirectory() as tmp:
        result = write_report(project, tmp, formats=[fmt], by=by)
        path = result.files[0]
        return path.read_bytes(), path.name, REPORT_TYPES[fmt]


@dataclass(frozen=True)
class CodersPage:
    current: str
    configured: str
    coders: tuple[str, ...]
    agreement: Any  # qualcode.coding.double_coding.AgreementReport | None
    agreement_note: str
    names: dict[str, str]


def coders_page(project: Project, coder: str | None = None) -> CodersPage:
    """The coders who have coded, who codes now, and their agreement when two or more have coded."""
    from qualcode.coding.double_coding import agreement_report

    coders = tuple(dict.fromkeys([project.coder, *(c for c in project.store.coders() if c != MODEL_CODER)]))
    report, note = None, ""
    humans = [c for c in coders if c in project.store.coders()]
    if len(humans) >= 2:
        try:
            report = agreement_report(project, humans)
        except InputError as exc:
            note = str(exc)
    else:
        note = _("agreement needs at least two coders who have coded the same segments")
    names = {c.id: c.name for c in project.codebook.codes}
    return CodersPage(coder or project.coder, project.coder, coders, report, note, names)


def check_coder(project: Project, name: str) -> str:
    """A coder name to code as: letters, digits, dot, dash, underscore; not the model's name."""
    import re

    name = name.strip()
    if not re.fullmatch(r"[\w.\-]{1,40}", name):
        raise InputError(_("invalid coder name {name!r} — use letters, digits, dot, hyphen").format(name=name), value=name)
    if name == MODEL_CODER:
        raise InputError(_("'{model_coder}' is the model's name — choose another coder name").format(model_coder=MODEL_CODER), value=name)
    return name


# -- questionnaire mentions ---------------------------------------------------------------

MAPPING_FILE = "mappning.csv"  # in the project folder; the CLI reads it with `mentions count --mapping`


@dataclass(frozen=True)
class MentionView:
    sets: tuple[Any, ...]  # qualcode.analysis.mentions.tables.ColumnSet
    tables: tuple[Any, ...]  # TextTable
    items: tuple[Any, ...]  # ReviewItem: unresolved answers with candidates
    categories: tuple[tuple[str, str], ...]  # (id, label) to settle an answer with
    mapping: str  # the mapping file's path
    unresolved: int
    available: tuple[str, ...]  # the answer columns to choose from
    problem: str = ""  # why no set was found by itself (qualcode.yaml's mentions.columns refused …)


def _mapping_path(project: Project) -> Any:
    return project.root / MAPPING_FILE


def mention_view(project: Project, columns: Sequence[str] = ()) -> MentionView:
    """The questionnaire's mention tables and the answers still to settle (as `mentions count` / `review`)."""
    from qualcode.analysis.mentions.mapper import MentionMapper, load_mapping, mention_labels
    from qualcode.analysis.mentions.tables import (
        answered_only,
        count_mentions,
        project_answers,
        project_mention_columns,
        project_sets,
        report_tables,
        review_items,
        select_columns,
        with_grids,
    )

    cb = project.codebook
    answers = project_answers(project.store)
    available = tuple(c for c in answers.columns if c != "respondent")
    path = _mapping_path(project)
    mapper = MentionMapper(cb, load_mapping(path, cb) if path.exists() else None)
    problem = ""
    try:
        answers, chosen = with_grids(answers, list(columns) or project_mention_columns(project.config), mapper)
        sets = (select_columns(answers.columns, chosen, mapper, answers.rows) if columns
                else project_sets(answers, mapper, chosen))
    except InputError as exc:
        if columns:
            raise
        sets, problem = (), str(exc)  # shown above the choice: she need not guess why nothing was counted
    if not sets:
        # nothing chosen and no questionnaire columns to guess: show the choice
        return MentionView((), (), (), (), str(path), 0, available, problem)
    answers = answered_only(answers, [c for s in sets for c in s.columns])
    counts = count_mentions(answers, sets, mapper)
    labels = mention_labels(cb)
    return MentionView(tuple(sets), tuple(report_tables(counts)), tuple(review_items(counts)),
                       tuple(labels.items()), str(path), len(counts.unresolved), available)


def settle_mention(project: Project, answer: str, category: str, actor: str | None = None) -> str:
    """Settle an unresolved answer: write `answer;category` to the project's mapping file (UTF-8, ';').

    A row for the same answer (compared as the mapper compares answers) is replaced; the file
    is checked with the mapper's own parser before it replaces the old one.
    """
    import csv
    import io
    import os

    from qualcode.analysis.mentions.mapper import MAPPING_HEADER, mapping_columns, parse_category, parse_mapping
    from qualcode.analysis.mentions.words import normalise_answer

    cb = project.codebook
    answer = answer.strip()
    if not answer:
        raise InputError(_("the answer is empty — choose an answer from the list"))
    cat = parse_category(category, cb)
    path = _mapping_path(project)
    rows: list[list[str]] = []
    if path.exists():
        text = path.read_text(encoding="utf-8-sig")
        parse_mapping(text, cb, source=str(path))  # a broken file is reported, not overwritten
        delim = ";" if ";" in (text.splitlines() or [""])[0] else ","
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if r and any(c.strip() for c in r)]
        a_col, c_col = 0, 1
        header = mapping_columns(rows[0]) if rows else None
        if header is not None:
            (a_col, c_col), rows = header, rows[1:]
        key = normalise_answer(answer)
        rows = [[r[a_col], r[c_col] if c_col < len(r) else ""] for r in rows if normalise_answer(r[a_col]) != key]
    rows.append([answer, cat])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(MAPPING_HEADER)
    writer.writerows(rows)
    parse_mapping(out.getvalue(), cb, source=str(path))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    os.replace(tmp, path)
    project.store.log(actor or project.coder, "mention-mapping", detail={"answer": answer, "category": cat, "file": path.name})
    return _("«{answer}» now counts as {cat}").format(answer=answer, cat=cat)
