"""Interactive tagging, independent of any terminal: a queue of segments and decisions on them.

A `TagSession` walks segments in an order (uncoded first, most uncertain suggestion first,
or document order, optionally filtered) and applies commands: accept or reject a
suggestion, add or remove a code, write a memo, flag a key quote, mark done, skip, undo.
Every decision is its own transaction together with the session state (`tag_state`), so
a crash loses nothing and the next session resumes at the same segment.

Commands are short lines (the CLI reads them from the keyboard, tests from a list):

    <Enter> | n        done: mark the segment as judged and go to the next
    a [N …] | a *      accept suggestion N (without N: the only open one), or all
    r [N …]            reject suggestion N (without N: all open ones)
    + KOD | + namn     add a code by id or fuzzy name
    - KOD              remove one of your codes
    m [KOD] text       memo on your coding (the last one you touched without KOD)
    k                  flag/unflag as key quote
    s                  skip (the segment comes back at the end)
    u                  undo the last action
    q                  quit
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, SupportsIndex

import numpy as np

from qualcode.coding.retrain import Retrainer
from qualcode.coding.tag_commands import HELP, Command, TagError, parse_command
from qualcode.coding.uncertainty import Margins
from qualcode.core.codebook import Code, Codebook
from qualcode.core.errors import Hint, InputError, QualcodeError
from qualcode.core.records import MODEL_CODER, Coding, Segment
from qualcode.core.records import POSITIVE_SOURCES as POSITIVE
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.project import Project

ORDERS = ("uncoded", "uncertain", "document")
DEFAULT_SESSION = "default"
UNDO_LIMIT = 50
CONTEXT_CHARS = 320
FUZZY_CUTOFF = 70.0
# -- what the front-end shows ------------------------------------------------------------


@dataclass(frozen=True)
class OpenSuggestion:
    number: int
    code_id: str
    name: str
    score: float | None
    reason: str | None
    coding: Coding


@dataclass(frozen=True)
class CodeMark:
    code_id: str
    name: str
    coder: str
    source: str
    memo: str | None
    span: tuple[int, int] | None = None  # the coded part, relative to the segment; None = all of it


@dataclass(frozen=True)
class SegmentView:
    """Everything a front-end shows for one segment."""

    segment: Segment
    before: str
    after: str
    mine: tuple[CodeMark, ...]
    others: tuple[CodeMark, ...]
    suggestions: tuple[OpenSuggestion, ...]
    quote: bool
    position: int
    remaining: int

    @property
    def highlights(self) -> tuple[tuple[int, int], ...]:
        """Parts of the segment text coded as spans (by this coder, and others when shown), merged."""
        parts: list[list[int]] = []
        for a, b in sorted(m.span for m in (*self.mine, *self.others) if m.span is not None):
            if parts and a <= parts[-1][1]:
                parts[-1][1] = max(parts[-1][1], b)
            else:
                parts.append([a, b])
        return tuple((a, b) for a, b in parts)


def _relative_span(c: Coding, seg: Segment) -> tuple[int, int] | None:
    """The part of `seg` a coding covers, relative to the segment; None when it covers all of it."""
    a, b = max(c.start, seg.start) - seg.start, min(c.end, seg.end) - seg.start
    return None if (a, b) == (0, seg.end - seg.start) or a >= b else (a, b)


@dataclass(frozen=True)
class Outcome:
    message: str
    moved: bool = False


# -- fuzzy code lookup -------------------------------------------------------------------


def find_code(codebook: Codebook, query: str, cutoff: float = FUZZY_CUTOFF) -> Code:
    """A codable code by id (any case), exact name, alias, or fuzzy name (rapidfuzz)."""
    q = query.strip()
    try:
        strict = codebook.resolve(q, fuzzy=False)  # id in any case, point number, name, alias
    except QualcodeError:
        strict = None
    if strict is not None and not strict.is_group:
        return strict
    leaves = [c for c in codebook.codes if not c.is_group]
    for c in leaves:
        if c.id.lower() == q.lower() or c.name.lower() == q.lower():
            return c
    exact = [c for c in leaves if q.lower() in (a.lower() for a in c.aliases)]
    if len(exact) == 1:
        return exact[0]
    from rapidfuzz import fuzz, process, utils

    choices: dict[str, list[str]] = {}
    for c in leaves:
        for label in (c.name, *c.aliases):
            choices.setdefault(label, []).append(c.id)
    hits = process.extract(q, list(choices), scorer=fuzz.WRatio, processor=utils.default_process, limit=8)
    ranked: dict[str, float] = {}
    for label, score, _unused in hits:
        for cid in choices[label]:
            ranked[cid] = max(ranked.get(cid, 0.0), float(score))
    best = sorted(ranked.items(), key=lambda kv: -kv[1])
    if not best or best[0][1] < cutoff:
        raise TagError(_("no code resembles {q!r} — give an id (e.g. P13)").format(q=q), value=q,
                       hint=Hint(_("see the codebook"), command=("codebook", "list")))
    if len(best) > 1 and best[1][1] >= best[0][1] - 2 and best[1][1] >= cutoff:
        tied = ", ".join(f"{cid} ({codebook.get(cid).name})" for cid, s in best[:4] if s >= best[0][1] - 2)
        raise TagError(_("{q!r} can mean several codes: {tied} — give the id").format(q=q, tied=tied))
    return codebook.get(best[0][0])


# -- context -----------------------------------------------------------------------------

_SENT_END = re.compile(r"(?<=[.!?…])\s+")


def context(text: str, start: int, end: int, sentences: int = 2, limit: int = CONTEXT_CHARS) -> tuple[str, str]:
    """Up to `sentences` sentences before and after [start, end), each side at most `limit` chars."""
    before = text[max(0, start - 4 * limit):start]
    parts = [p for p in _SENT_END.split(before) if p.strip()]
    before = " ".join(parts[-sentences:]).strip()
    if len(before) > limit:
        before = "…" + before[-limit:].lstrip()
    after = text[end:end + 4 * limit]
    parts = [p for p in _SENT_END.split(after) if p.strip()]
    after = " ".join(parts[:sentences]).strip()
    if len(after) > limit:
        after = after[:limit].rstrip() + "…"
    return before, after


# -- the session -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSpec:
    """Which segments a session walks, and in what order."""

    order: str = "uncoded"
    unit: str | None = None
    code: tuple[str, ...] = ()
    document: str | None = None
    meta: tuple[tuple[str, str], ...] = ()
    sample: str | None = None
    threshold: float | None = None  # None: each code's own threshold (the model's)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order, "unit": self.unit, "code": list(self.code), "document": self.document,
            "meta": [list(kv) for kv in self.meta], "sample": self.sample, "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> QueueSpec:
        return cls(
            order=d.get("order", "uncoded"), unit=d.get("unit"), code=tuple(d.get("code") or ()),
            document=d.get("document"), meta=tuple((str(k), str(v)) for k, v in d.get("meta") or ()),
            sample=d.get("sample"), threshold=None if d.get("threshold") is None else float(d["threshold"]),
        )


@dataclass
class _State:
    spec: QueueSpec
    current: int | None = None
    skipped: list[int] = field(default_factory=list)
    undo: list[dict[str, Any]] = field(default_factory=list)
    decisions: int = 0
    since_train: int = 0
    last_code: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(), "current": self.current, "skipped": self.skipped,
            "undo": self.undo[-UNDO_LIMIT:], "decisions": self.decisions, "since_train": self.since_train,
            "last_code": self.last_code,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _State:
        return cls(
            spec=QueueSpec.from_dict(d.get("spec") or {}), current=d.get("current"),
            skipped=list(d.get("skipped") or []), undo=list(d.get("undo") or []),
            decisions=int(d.get("decisions", 0)), since_train=int(d.get("since_train", 0)),
            last_code=dict(d.get("last_code") or {}),
        )


class _Queue(list[int]):
    """The session's segment ids in order, with a journal: `rollback()` undoes the changes since
    `mark()` (a failed command must leave the queue as it was) without a copy of the queue per
    command (1,000,000 ids: milliseconds each)."""

    def __init__(self, ids: Iterable[int] = ()):
        super().__init__(ids)
        self._journal: list[tuple[str, int, int]] | None = None

    def mark(self) -> None:
        self._journal = []

    def release(self) -> None:
        self._journal = None

    def rollback(self) -> None:
        journal, self._journal = self._journal or [], None
        for op, i, sid in reversed(journal):
            if op == "removed":
                super().insert(i, sid)
            else:  # "inserted"
                super().pop(i)

    def _note(self, op: str, i: int, sid: int) -> None:
        if self._journal is not None:
            self._journal.append((op, i, sid))

    def pop(self, i: SupportsIndex = -1) -> int:
        at = int(i) if int(i) >= 0 else len(self) + int(i)
        sid = super().pop(i)
        self._note("removed", at, sid)
        return sid

    def append(self, sid: int) -> None:
        super().append(sid)
        self._note("inserted", len(self) - 1, sid)

    def insert(self, i: SupportsIndex, sid: int) -> None:
        at = min(max(int(i) if int(i) >= 0 else len(self) + int(i), 0), len(self))
        super().insert(at, sid)
        self._note("inserted", at, sid)

    def remove(self, sid: int) -> None:
        self.pop(self.index(sid))

    def discard(self, sid: int) -> None:
        """Remove `sid` if it is queued (one pass over the queue)."""
        try:
            self.remove(sid)
        except ValueError:
            pass


class TagSession:
    """One coder's tagging session over a queue of segments. Library only: no printing."""

    def __init__(
        self,
        project: Project,
        coder: str | None = None,
        spec: QueueSpec | None = None,
        session: str = DEFAULT_SESSION,
        blind: bool = False,
        show_suggestions: bool = True,
        retrainer: Retrainer | None = None,
    ):
        self.project = project
        self.store = project.store
        self.codebook = project.codebook
        self.coder = coder or project.coder
        if self.coder in (MODEL_CODER, "consensus"):
            raise InputError(_("the coder name '{coder}' is reserved").format(coder=self.coder), value=self.coder,
                             hint=Hint(_("choose another"), option="coder", example="NAMN"))
        self.session = session
        self.blind = blind
        self.show_suggestions = show_suggestions
        self.retrainer = retrainer
        if spec is not None and spec.code:
            # ids, names or any case on the command line; the stored spec keeps exact ids
            spec = replace(spec, code=tuple(self.codebook.resolve(c).id for c in spec.code))
        saved = self.store.load_tag_state(self.coder, session)
        state = _State.from_dict(saved.data) if saved else _State(spec=spec or QueueSpec())
        if spec is not None and saved and spec != state.spec:
            state = _State(spec=spec)  # new order or filter: a fresh walk, same decisions
        self.state = state
        self._check_spec(state.spec)
        self._texts: dict[int, str] = {}
        self.queue = _Queue(self._build_queue())
        if state.current is not None and state.current in self.queue:
            self.queue.remove(state.current)
            self.queue.insert(0, state.current)
        self.resumed = saved is not None and state.current is not None and state.current in self.queue

    # -- queue ---------------------------------------------------------------------

    def _check_spec(self, spec: QueueSpec) -> None:
        if spec.order not in ORDERS:
            raise InputError(_("unknown order '{order}' — choose one of {orders}").format(order=spec.order, orders=', '.join(ORDERS)))
        if spec.code:
            self.codebook.check(spec.code)
        if spec.sample and self.store.get_sample(spec.sample) is None:
            names = ", ".join(s.name for s in self.store.list_samples()) or _("none")
            raise InputError(_("unknown sample '{sample}' — existing samples: {names}").format(sample=spec.sample, names=names), value=spec.sample,
                             hint=Hint(_("create one"), command=("sample",)))

    def _build_queue(self) -> list[int]:
        spec = self.state.spec
        store = self.store
        order = store.segment_order(unit=spec.unit, document=spec.document, meta=dict(spec.meta) or None)
        sample = store.get_sample(spec.sample) if spec.sample else None
        if sample is not None:
            ids = list(sample.segment_ids)
            keep = set(order)
            order = [sid for sid in ids if sid in keep]  # the sample's own order, the same for every coder
        if spec.code:
            code_ids = sorted({c for k in spec.code for c in self.codebook.rollup(k)})
            with_code = store.segments_with_codes(code_ids, (*POSITIVE, "suggested"))
            order = [sid for sid in order if sid in with_code]
        # judged segments are left out, except the one the last session stopped at
        done = store.reviewed(self.coder) - {self.state.current}
        order = [sid for sid in order if sid not in done]
        if spec.order == "uncoded" and not self.blind:
            coded = store.segments_with_codes(self.codebook.ids, POSITIVE)
            order = [sid for sid in order if sid not in coded] + [sid for sid in order if sid in coded]
        elif spec.order == "uncertain":
            # a segment is as uncertain as its most uncertain suggestion, measured against the
            # code's own threshold (or the session's fixed one)
            margin = Margins(store, spec.threshold).of_segments(store, [MODEL_CODER, self.coder])
            at = np.array(order, dtype=np.int64)
            order = at[np.argsort(margin[at], kind="stable")].tolist()  # stable: ties keep document order
        skipped = [sid for sid in self.state.skipped if sid in order]
        return [sid for sid in order if sid not in set(skipped)] + skipped

    # -- views ---------------------------------------------------------------------

    def _doc_text(self, doc_id: int) -> str:
        if doc_id not in self._texts:
            if len(self._texts) > 64:
                self._texts.clear()
            self._texts[doc_id] = self.store.get_document(doc_id).text
        return self._texts[doc_id]

    @property
    def current_id(self) -> int | None:
        return self.queue[0] if self.queue else None

    def view(self) -> SegmentView | None:
        """The current segment with context, codes and open suggestions (None when finished)."""
        sid = self.current_id
        if sid is None:
            return None
        seg = self.store.get_segment(sid)
        before, after = context(self._doc_text(seg.document_id), seg.start, seg.end)
        codings = self.store.codings_for_segment(sid)
        name = lambda cid: self.codebook.get(cid).name if cid in self.codebook else cid  # noqa: E731
        mine = tuple(
            CodeMark(c.code_id, name(c.code_id), c.coder, c.source, c.memo, _relative_span(c, seg))
            for c in codings if c.coder == self.coder and c.source in POSITIVE
        )
        others = () if self.blind else tuple(
            CodeMark(c.code_id, name(c.code_id), c.coder, c.source, c.memo, _relative_span(c, seg))
            for c in codings if c.coder != self.coder and c.source in POSITIVE
        )
        return SegmentView(
            segment=seg, before=before, after=after, mine=mine, others=others,
            suggestions=self._open_suggestions(codings) if self.show_suggestions else (),
            quote=sid in self._flagged(), position=self.state.decisions + 1,
            remaining=len(self.queue),
        )

    def _open_suggestions(self, codings: Sequence[Coding]) -> tuple[OpenSuggestion, ...]:
        """Suggestions this coder has not decided, numbered by score among all of the
        segment's suggestions, so numbers stay put while the coder accepts and rejects."""
        decided = {c.code_id for c in codings if c.coder == self.coder and c.source != "suggested"}
        best: dict[str, Coding] = {}
        for c in codings:
            proposed = c.coder == MODEL_CODER or (
                c.coder == self.coder and (c.source == "suggested" or c.model_version is not None)
            )
            if not proposed or c.code_id not in self.codebook:
                continue
            if c.code_id not in best or (c.score or 0) > (best[c.code_id].score or 0):
                best[c.code_id] = c
        ranked = sorted(best.values(), key=lambda c: (-(c.score or 0), c.code_id))
        return tuple(
            OpenSuggestion(i + 1, c.code_id, self.codebook.get(c.code_id).name, c.score, c.reason, c)
            for i, c in enumerate(ranked) if c.source == "suggested" and c.code_id not in decided
        )

    # -- applying commands -----------------------------------------------------------

    def apply(self, command: Command | str) -> Outcome:
        """Apply one command to the current segment; each change is one transaction."""
        cmd = parse_command(command) if isinstance(command, str) else command
        if cmd.kind == "help":
            return Outcome(_(HELP))
        if cmd.kind == "quit":
            return Outcome(_("quitting — everything is saved"))
        # a failed transaction is rolled back; the in-memory queue and state must follow
        queue, saved_state = self.queue, self.state.to_dict()
        queue.mark()
        try:
            if cmd.kind == "undo":
                return self.undo()
            sid = self.current_id
            if sid is None:
                raise TagError(_("no more segments in the queue — everything is coded"))
            handler = {
                "done": self._done, "skip": self._skip, "accept": self._decide, "reject": self._decide,
                "add": self._add, "remove": self._remove, "memo": self._memo, "quote": self._quote,
            }[cmd.kind]
            return handler(sid, cmd)
        except BaseException:
            queue.rollback()
            self.queue, self.state = queue, _State.from_dict(saved_state)
            raise
        finally:
            queue.release()

    def _snapshot(self, sid: int, code_id: str, coder: str | None = None) -> dict[str, Any]:
        coder = coder or self.coder
        c = self.store.find_coding(sid, code_id, coder)
        row = None if c is None else {
            "source": c.source, "score": c.score, "model_version": c.model_version, "reason": c.reason, "memo": c.memo,
        }
        return {"segment": sid, "code": code_id, "coder": coder, "row": row}

    def _commit(self, sid: int, undo: dict[str, Any], message: str, moved: bool = False) -> Outcome:
        self.state.undo.append(undo)
        self.state.undo = self.state.undo[-UNDO_LIMIT:]
        self.state.current = self.current_id
        self.store.save_tag_state(self.coder, self.session, self.state.to_dict())
        return Outcome(message, moved)

    def _decide(self, sid: int, cmd: Command) -> Outcome:
        view_codings = self.store.codings_for_segment(sid)
        open_ = self._open_suggestions(view_codings)
        if not open_:
            raise TagError(_("no open suggestions for this segment — add a code with `+ CODE`"))
        if cmd.args == ("*",):
            chosen = list(open_)
        elif not cmd.args and cmd.kind == "accept" and len(open_) > 1:
            # accepting several codes at once should be a deliberate choice
            numbers = " ".join(str(x.number) for x in open_)
            raise TagError(_("{n_open} open suggestions — say which, e.g. `a {number}`, or `a *` for all ({numbers})").format(n_open=len(open_), number=open_[0].number, numbers=numbers))
        elif cmd.args:
            by_number = {s.number: s for s in open_}
            try:
                chosen = [by_number[int(n)] for n in cmd.args]
            except (KeyError, ValueError):
                valid = ", ".join(str(x.number) for x in open_)
                raise TagError(_("suggestion {args} does not exist or is already decided — open suggestions: {valid}").format(args=' '.join(cmd.args), valid=valid)) from None
        else:
            chosen = list(open_)
        source = "accepted" if cmd.kind == "accept" else "rejected"
        with self.store.transaction():
            snaps = []
            for s in chosen:
                c = s.coding
                snaps.append(self._snapshot(sid, c.code_id))
                if c.coder != self.coder:
                    snaps.append(self._snapshot(sid, c.code_id, c.coder))
                if c.coder == self.coder:
                    self.store.set_coding_source(c.id, source)
                    cid = c.id
                elif self.blind:
                    # blind double coding: keep the model's row open for the other coders
                    cid = self.store.upsert_coding(
                        sid, c.code_id, self.coder, source, score=c.score, model_version=c.model_version, reason=c.reason,
                    )
                elif source == "accepted":
                    # same convention as `qualcode suggest accept`: the suggestion becomes the coder's coding
                    self.store.set_coding_source(c.id, "accepted", coder=self.coder)
                    cid = c.id
                else:
                    self.store.set_coding_source(c.id, "rejected")
                    cid = c.id
                self.store.log(self.coder, f"suggest.{cmd.kind}", coding_id=cid, segment_id=sid, code_id=c.code_id,
                               detail={"score": c.score, "model_version": c.model_version, "via": "tag"})
            if source == "accepted":
                self.state.last_code[str(sid)] = chosen[-1].code_id
            verb = "accepterade" if source == "accepted" else "avvisade"
            return self._commit(sid, {"op": "codes", "snaps": snaps}, f"{verb} {', '.join(s.code_id for s in chosen)}")

    def _add(self, sid: int, cmd: Command) -> Outcome:
        code = find_code(self.codebook, cmd.text)
        with self.store.transaction():
            snaps = [self._snapshot(sid, code.id)]
            model = self.store.find_coding(sid, code.id, MODEL_CODER)
            if model is not None and model.source == "suggested" and not self.blind:
                # the coder's own code makes the open suggestion redundant (as in `suggest accept`)
                snaps.append(self._snapshot(sid, code.id, MODEL_CODER))
                self.store.delete_coding(model.id)
            cid = self.store.upsert_coding(sid, code.id, self.coder, "manual")
            self.store.log(self.coder, "add", coding_id=cid, segment_id=sid, code_id=code.id,
                           detail={"was": (snaps[0]["row"] or {}).get("source"), "via": "tag"})
            self.state.last_code[str(sid)] = code.id
            return self._commit(sid, {"op": "codes", "snaps": snaps}, _("added {id} {name}").format(id=code.id, name=code.name))

    def _own(self, sid: int, text: str | None) -> Coding:
        mine = [c for c in self.store.codings_for_segment(sid) if c.coder == self.coder and c.source in POSITIVE]
        if text:
            code = find_code(self.codebook, text)
            for c in mine:
                if c.code_id == code.id:
                    return c
            raise TagError(_("you have not coded the segment with {id} — your codes: {value}").format(id=code.id, value=', '.join(c.code_id for c in mine) or _("none")))
        last = self.state.last_code.get(str(sid))
        for c in mine:
            if c.code_id == last:
                return c
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise TagError(_("the segment has no code of yours yet — add a code first (`+ CODE`)"))
        raise TagError(_("say which code: {value} — e.g. `m {code_id} text`").format(value=', '.join(c.code_id for c in mine), code_id=mine[0].code_id))

    def _remove(self, sid: int, cmd: Command) -> Outcome:
        coding = self._own(sid, cmd.text)
        with self.store.transaction():
            snap = self._snapshot(sid, coding.code_id)
            self.store.delete_coding(coding.id)
            self.store.log(self.coder, "remove", coding_id=coding.id, segment_id=sid, code_id=coding.code_id,
                           detail={"source": coding.source, "memo": coding.memo, "via": "tag"})
            return self._commit(sid, {"op": "codes", "snaps": [snap]}, _("removed {code_id}").format(code_id=coding.code_id))

    def _memo(self, sid: int, cmd: Command) -> Outcome:
        first, _unused, rest = cmd.text.partition(" ")
        target = None
        try:
            code = find_code(self.codebook, first, cutoff=101.0)  # exact id/name only
            target, text = code.id, rest.strip()
        except TagError:
            text = cmd.text
        if not text:
            raise TagError(_("memo without text — write e.g. `m P13 A clear example`"))
        coding = self._own(sid, target)
        with self.store.transaction():
            snap = self._snapshot(sid, coding.code_id)
            self.store.set_coding_memo(coding.id, text)
            self.store.log(self.coder, "memo", coding_id=coding.id, segment_id=sid, code_id=coding.code_id,
                           detail={"memo": text, "was": coding.memo, "via": "tag"})
            return self._commit(sid, {"op": "codes", "snaps": [snap]}, _("memo on {code_id} saved").format(code_id=coding.code_id))

    def _flagged(self) -> set[int]:
        """Key quotes as this session shows them: in blind mode only the coder's own flags."""
        return self.store.flagged_quotes(by=self.coder if self.blind else None)

    def _quote(self, sid: int, cmd: Command) -> Outcome:
        flagged = sid in self._flagged()
        with self.store.transaction():
            if flagged:
                # blind: only the coder's own flag; otherwise the shared mark, whoever set it
                removed = self.store.unflag_quote(sid, self.coder if self.blind else None)
                self.store.log(self.coder, "unquote", segment_id=sid, detail={"via": "tag", "flagged_by": removed})
            else:
                removed = []
                self.store.flag_quote(sid, self.coder)
                self.store.log(self.coder, "quote", segment_id=sid, detail={"via": "tag"})
            return self._commit(
                sid, {"op": "quote", "segment": sid, "was": flagged, "removed": removed},
                "nyckelcitat borttaget" if flagged else _("marked as a key quote"),
            )

    def _done(self, sid: int, cmd: Command) -> Outcome:
        was = self.store.has_reviewed(sid, self.coder)
        with self.store.transaction():
            self.store.mark_reviewed(sid, self.coder)
            self.store.log(self.coder, "review", segment_id=sid, detail={"via": "tag"})
            self.queue.pop(0)
            if sid in self.state.skipped:
                self.state.skipped.remove(sid)
            self.state.decisions += 1
            self.state.since_train += 1
            started = self.retrainer.maybe_start(self.state.since_train) if self.retrainer else False
            if started:
                self.state.since_train = 0
            out = self._commit(sid, {"op": "done", "segment": sid, "was": was}, _("done"), moved=True)
        if self.retrainer and self.retrainer.finished.is_set() and self.state.spec.order == "uncertain":
            self.retrainer.finished.clear()
            self.queue = _Queue(self._build_queue())  # new scores: re-rank what is left
        return out

    def _skip(self, sid: int, cmd: Command) -> Outcome:
        with self.store.transaction():
            self.queue.append(self.queue.pop(0))
            if sid not in self.state.skipped:
                self.state.skipped.append(sid)
            return self._commit(sid, {"op": "skip", "segment": sid}, _("skipped (comes back last)"), moved=True)

    def undo(self) -> Outcome:
        """Revert the last action of this session (also after a restart)."""
        if not self.state.undo:
            raise TagError(_("nothing to undo"))
        record = self.state.undo[-1]
        op = record["op"]
        with self.store.transaction():
            if op == "codes":
                # own rows first: a moved suggestion is deleted as the coder's row, then recreated as the model's
                for snap in sorted(record["snaps"], key=lambda sn: (sn.get("coder") or self.coder) != self.coder):
                    self._restore(snap)
                sid = record["snaps"][0]["segment"]
                codes = dict.fromkeys(sn["code"] for sn in record["snaps"])
                message = _("undid the change of ") + ", ".join(codes)
            elif op == "quote":
                sid = record["segment"]
                if record["was"]:
                    for coder in record.get("removed") or [self.coder]:
                        self.store.flag_quote(sid, coder)
                else:
                    self.store.unflag_quote(sid, self.coder)
                message = _("undid the key quote")
            elif op == "done":
                sid = record["segment"]
                if not record["was"]:
                    self.store.unmark_reviewed(sid, self.coder)
                self.state.decisions = max(0, self.state.decisions - 1)
                message = _("undid the done mark")
            elif op == "skip":
                sid = record["segment"]
                if sid in self.state.skipped:
                    self.state.skipped.remove(sid)
                message = _("undid the skip")
            else:  # pragma: no cover - records are written by this class only
                raise TagError(_("unknown undo entry {op!r}").format(op=op))
            self.store.log(self.coder, "undo", segment_id=sid, detail={"op": op, "via": "tag"})
            self.queue.discard(sid)
            self.queue.insert(0, sid)
            self.state.undo.pop()
            self.state.current = sid
            self.store.save_tag_state(self.coder, self.session, self.state.to_dict())
        return Outcome(message, moved=True)

    def _restore(self, snap: dict[str, Any]) -> None:
        sid, code, row = snap["segment"], snap["code"], snap["row"]
        coder = snap.get("coder") or self.coder
        existing = self.store.find_coding(sid, code, coder)
        if row is None:
            if existing is not None:
                self.store.delete_coding(existing.id)
            return
        cid = self.store.upsert_coding(
            sid, code, coder, row["source"], score=row["score"], model_version=row["model_version"],
            reason=row["reason"],
        )
        self.store.set_coding_memo(cid, row["memo"])


# -- driving a session from lines --------------------------------------------------------


@dataclass(frozen=True)
class SessionSummary:
    decisions: int
    remaining: int
    quit: bool
    messages: tuple[str, ...]


def run(
    session: TagSession,
    lines: Iterable[str],
    render: Callable[[SegmentView | None], None] | None = None,
    report: Callable[[str | QualcodeError, bool], None] | None = None,
) -> SessionSummary:
    """Feed command lines to a session until `q`, the end of input, or an empty queue.

    `render` is called with each new view; `report(message, is_error)` with each result (an error
    is passed as the exception, so the front end can render its hint).
    """
    messages: list[str] = []
    start = session.state.decisions
    view = session.view()
    if render:
        render(view)
    quit_ = False
    for line in lines:
        if view is None:
            break
        try:
            cmd = parse_command(line)
            if cmd.kind == "quit":
                quit_ = True
                break
            outcome = session.apply(cmd)
        except QualcodeError as exc:
            messages.append(_("error: {exc}").format(exc=exc))
            if report:
                report(exc, True)
            continue
        messages.append(outcome.message)
        if report:
            report(outcome.message, False)
        view = session.view()
        if render and cmd.kind != "help":
            render(view)
    return SessionSummary(
        decisions=session.state.decisions - start, remaining=len(session.queue), quit=quit_, messages=tuple(messages),
    )
