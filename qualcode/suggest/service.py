"""Suggestions in a project: train on its codings, store suggestions, list and decide them."""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.core.collector import fewer_collections
from qualcode.core.errors import Hint, InputError
from qualcode.core.records import POSITIVE_SOURCES
from qualcode.core.workers import can_fork, forked_pool
from qualcode.suggest.estimator import Suggester, SuggestError, stored_tokens, tokenize, with_structure
from qualcode.suggest.evaluate import Evaluation, cross_validate
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.core.records import Segment
    from qualcode.project import Project
    from qualcode.suggest.rules import Token


BATCH_SIZE = 2000  # segments scored per batch (a scoring process's unit of work)
# Scored batches are stored together, this many segments per write transaction: each commit writes
# the pages of the open suggestions' score index that it touched (random places), and a commit per
# 2,000 segments wrote most of them again every time (14 of 46 s storing 1,400,000 suggestions).
STORE_SIZE = 10_000
# Within a transaction, after each YIELD_SIZE segments (about 15 ms of inserts at 1,000,000), a
# writer waiting for the lock is let in (`Store.writers_waiting`): a coder's save waits for one part.
YIELD_SIZE = 500
# A background retraining stores smaller batches: the coder's next save waits for at most one,
# and scoring the next batch leaves the write lock free between them.
RETRAIN_BATCH_SIZE = 250


@dataclass(frozen=True)
class TrainResult:
    """A trained and saved model with what it was trained on and how well it did."""

    version: str
    n_segments: int
    n_positives: dict[str, int]
    n_rejected: int
    evaluation: Evaluation | None
    seconds: float
    rules_only_codes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version, "n_segments": self.n_segments, "n_positives": self.n_positives,
            "n_rejected": self.n_rejected, "seconds": round(self.seconds, 2),
            "rules_only_codes": list(self.rules_only_codes),
            "evaluation": self.evaluation.to_dict() if self.evaluation else None,
        }


@dataclass(frozen=True)
class SuggestResult:
    """What `suggest_project` stored."""

    model_version: str
    n_segments: int
    n_suggestions: int
    per_code: dict[str, int]
    rules_only: bool
    removed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version, "n_segments": self.n_segments,
            "n_suggestions": self.n_suggestions, "per_code": self.per_code, "rules_only": self.rules_only,
            "removed_old_suggestions": self.removed,
        }


def project_training_data(
    project: Project, pos: bool = False,
) -> tuple[list[int], list[list[Token]], np.ndarray, int]:
    """(segment ids, tokens, label matrix, n rejected) from the project's codings.

    A segment with a manual or accepted coding is positive for its codes and negative for
    the other codes; a rejected suggestion is negative for its code only. A coded span makes
    every segment it overlaps an example; where the spans are shorter than the segment, the
    example's words are the coded words only.
    """
    store = project.store
    code_ids = [c.id for c in project.codebook.leaves]
    index = {c: j for j, c in enumerate(code_ids)}
    labels: dict[int, np.ndarray] = {}
    texts: dict[int, str] = {}
    lemmas: dict[int, str | None] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    n_rejected = 0
    for coding, seg in store.iter_coded_segments(sources=(*POSITIVE_SOURCES, "rejected")):
        if coding.code_id not in index:
            continue  # a group code or a code removed from the codebook
        row = labels.setdefault(seg.id, np.full(len(code_ids), -1, dtype=int))
        texts[seg.id] = seg.text
        lemmas[seg.id] = seg.lemmas
        if coding.source in POSITIVE_SOURCES:
            spans.setdefault(seg.id, []).append((max(coding.start, seg.start) - seg.start,
                                                 min(coding.end, seg.end) - seg.start))
            row[index[coding.code_id]] = 1
        elif row[index[coding.code_id]] != 1:
            row[index[coding.code_id]] = 0
            n_rejected += 1
    for row in labels.values():
        if (row == 1).any():
            row[row == -1] = 0  # a coded segment does not have the codes it was not given
    ids = sorted(labels)
    known = store.segment_structure(ids)
    words = [coded_words(texts[i], spans.get(i, [])) for i in ids]
    if pos:  # POS tags are not stored: the POS filter parses the texts
        X = tokenize(words, nlp=project.nlp(), pos=True)
    else:  # the lemmas stored at import; only a coded part of a segment is lemmatized here
        X = stored_tokens([lemmas[i] if w == texts[i] else None for i, w in zip(ids, words)], words, nlp=project.nlp())
    X = with_structure(X, [known.get(i, (None, None)) for i in ids], nlp=project.nlp(), pos=pos, stored=not pos)
    Y = np.vstack([labels[i] for i in ids]) if ids else np.zeros((0, len(code_ids)), dtype=int)
    return ids, X, Y, n_rejected


def coded_words(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The words of `text` inside the (merged) spans, or the whole text when no span is shorter than it.

    >>> coded_words("Lönen är låg. Lokalerna är trånga.", [(0, 12)])
    'Lönen är låg'
    """
    if not spans or any(a <= 0 and b >= len(text) for a, b in spans):
        return text
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return " ".join(text[a:b] for a, b in merged)


def imported_segments(project) -> set[int]:  # type: ignore[no-untyped-def]
    """Segments whose codings all came from a file (a REFI-QDA project or a codings file).

    Every other coded segment was coded in this project: her own decisions, which weigh more.
    """
    imported: set[int] = set()
    own: set[int] = set()
    for entry in project.store.iter_audit():
        seg = entry.segment_id
        if seg is None or entry.action not in ("add", "suggest.accept", "suggest.reject"):
            continue
        (imported if entry.detail.get("via") else own).add(int(seg))
    return imported - own


def train_project(project: Project, cv: int = 5, actor: str | None = None, **params: Any) -> TrainResult:
    """Train on the project's manual and accepted codings (rejections as negatives) and save the model.

    With `cv` >= 2 the model is first cross-validated on the same data (k folds), so the
    reported figures are for segments the model did not see.
    """
    start = time.perf_counter()
    codebook = project.codebook
    ids, X, Y, n_rejected = project_training_data(project, pos=bool(params.get("pos_filter")))
    if not ids or not (Y == 1).any():
        raise SuggestError(
            _("the project has no manual or accepted codings to train on"),
            hint=Hint(_("code a few segments by hand, or suggest with rules first and accept suggestions"),
                      command=("code", "add", "SEGMENT", "KOD")),
        )
    suggester = Suggester(codebook, **params)
    imported = imported_segments(project)
    local = [i not in imported for i in ids]
    evaluation = None
    k = min(cv, len(ids))
    if cv >= 2 and k >= 2:
        evaluation = cross_validate(suggester, X, Y, k, local=local)
    suggester.fit(X, Y, local=local)
    result = TrainResult(
        version=suggester.version_, n_segments=len(ids), n_positives=suggester.n_positives_,
        n_rejected=n_rejected, evaluation=evaluation, seconds=time.perf_counter() - start,
        rules_only_codes=tuple(c for c in suggester.code_ids if c not in suggester.calibrators_),
    )
    trained_on = {
        "n_segments": len(ids), "n_rejected": n_rejected, "codebook": codebook.name,
        "codebook_version": codebook.version, **suggester.info(),
    }
    blob = suggester.to_bytes()
    with project.store.transaction() as store:
        store.save_model(suggester.version_, codebook.hash(), trained_on,
                         evaluation.to_dict() if evaluation else {}, blob)
        store.log(actor or project.coder, "train", detail={"model_version": suggester.version_,
                                                              "n_segments": len(ids), "n_rejected": n_rejected})
    return result


def load_project_suggester(project: Project, trust_pickle: bool = False) -> Suggester:
    """The latest trained model of the project, or a rules-only suggester when none is trained.

    A model saved as a pickle by an older qualcode is refused unless `trust_pickle`.
    """
    row = project.store.latest_model()
    codebook = project.codebook
    if row is None:
        return Suggester(codebook).rules_only()
    if row.codebook_hash != codebook.hash():
        raise SuggestError(
            _("the codebook has changed since the model {version} was trained").format(version=row.version),
            value=row.version, hint=Hint(_("retrain"), command=("train",)),
        )
    return Suggester.from_bytes(row.blob, codebook, trust_pickle=trust_pickle)


def suggest_project(
    project: Project,
    min_score: float | None = None,
    segments: str = "uncoded",
    unit: str | None = None,
    actor: str | None = None,
    meta: dict[str, str] | None = None,
    kind: str | None = None,
    document: str | int | None = None,
    trust_pickle: bool = False,
    workers: int = 1,
    batch_size: int | None = None,
) -> SuggestResult:
    """Store suggestions (source='suggested', coder 'qualcode') for uncoded or all segments.

    `unit`, `meta` (document metadata key=value), `kind` (note/survey) and `document` narrow
    the segments; only suggestions on those segments are replaced.

    Manual and accepted codings are never touched; a (segment, code) that has one, or that
    was rejected before, gets no new suggestion. Old open suggestions on the segments are
    replaced by the new ones. `min_score` None means each code's own threshold.

    `workers` > 1 scores batches in that many forked processes (`default_workers` for a
    command-line run; keep 1 in a process with other threads, such as the web server).
    `batch_size` segments (default BATCH_SIZE) are scored per batch and stored, STORE_SIZE of them
    per write transaction (a given `batch_size`: each batch in its own, as a background retraining
    wants, so that a coder's save waits for a short one at most).
    """
    from qualcode.core.records import MODEL_CODER

    if segments not in ("uncoded", "all"):
        raise InputError(_("unknown segment selection {segments!r} — choose uncoded or all").format(segments=segments), value=segments,
                         valid=("uncoded", "all"), hint=Hint(_("choose the segments"), option="segments", example="uncoded"))
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise InputError(_("the lowest score {min_score} must lie between 0 and 1").format(min_score=min_score), value=min_score,
                         hint=Hint(_("give a number between 0 and 1"), option="min_score", example="0.5"))
    suggester = load_project_suggester(project, trust_pickle=trust_pickle)
    store = project.store
    # Only the ids are held (8 bytes each); each batch is read, scored and stored in a transaction
    # of its own, so other writers wait at most one batch and a crash keeps the batches stored.
    ids = array("q", store.select_segment_ids(unit=unit, uncoded=(segments == "uncoded"), meta=meta, kind=kind,
                                       document=document))
    nlp = project.nlp()
    per_code: dict[str, int] = {}
    stored = removed = 0
    store_size = max(1, int(batch_size)) if batch_size else STORE_SIZE
    batch_size = max(1, int(batch_size or BATCH_SIZE))
    batches = (list(ids[start:start + batch_size]) for start in range(0, len(ids), batch_size))

    def store_part(part: list[int], found: list[ScoredRow]) -> None:
        nonlocal stored, removed
        decided = store.decided_codes(part)  # read in the transaction: decisions made while scoring count
        removed += store.delete_suggestions(part, coder=MODEL_CODER)
        keep = [row for row in found if row[1] not in decided.get(row[0], ())]
        stored += store.add_suggestions(MODEL_CODER, keep)
        for row in keep:
            per_code[row[1]] = per_code.get(row[1], 0) + 1

    def store_scored(batch: list[int], found: list[ScoredRow]) -> None:
        """The batch in parts of YIELD_SIZE segments, one write transaction unless a writer waits
        for the lock after a part (`Store.write_in_parts`)."""
        rows: dict[int, list[ScoredRow]] = {}
        for row in found:
            rows.setdefault(row[0], []).append(row)
        parts = [batch[start:start + YIELD_SIZE] for start in range(0, len(batch), YIELD_SIZE)]
        store.write_in_parts(parts, lambda part: store_part(part, [row for seg in part for row in rows.get(seg, ())]))

    # the model, the pipeline and the lemma caches are frozen: the collector does not walk them per
    # batch; a whole run's page cache is a bulk write's (the indexes the suggestions go into), a
    # background retraining's the connection's own
    with fewer_collections(), (store.bulk_writes() if store_size >= STORE_SIZE else nullcontext()):
        waiting: list[int] = []
        scored: list[ScoredRow] = []
        for batch, found in _scored(store, suggester, nlp, batches, min_score, workers if len(ids) > batch_size else 1):
            waiting.extend(batch)
            scored.extend(found)
            if len(waiting) >= store_size:
                store_scored(waiting, scored)
                waiting, scored = [], []
        if waiting:
            store_scored(waiting, scored)
    with store.transaction():
        store.log(actor or project.coder, "suggest", detail={
            "model_version": suggester.version_, "segments": segments, "min_score": min_score,
            "unit": unit, "meta": meta or {}, "kind": kind, "document": document,
            "n_segments": len(ids), "n_suggestions": stored, "removed": removed,
        })
    return SuggestResult(suggester.version_, len(ids), stored, per_code, suggester.classifier_ is None, removed)


ScoredRow = tuple[int, str, float, str, str]  # segment id, code, score, model version, reason
_WORKER: dict[str, Any] = {}  # what a forked scoring process inherits: the suggester and the pipeline


def _score(segs: Sequence[Segment], min_score: float | None, suggester: Any = None, nlp: Any = None) -> list[ScoredRow]:
    """Suggestions for one batch of stored segments, as rows for `Store.add_suggestions`."""
    suggester = suggester or _WORKER["suggester"]
    nlp = nlp or _WORKER["nlp"]
    found = suggester.suggestions([s.id for s in segs], segment_tokens(segs, nlp, suggester.pos_filter),
                                  min_score=min_score)
    return [(s.key, s.code_id, s.score, s.model_version, s.reason) for s in found]


def _scored(
    store: Any, suggester: Suggester, nlp: Any, batches: Iterable[list[int]], min_score: float | None, workers: int,
) -> Iterator[tuple[list[int], list[ScoredRow]]]:
    """(batch, its suggestion rows) in order. With `workers` > 1 the batches are scored in forked
    processes (each inherits the loaded model), while this one reads the next batches and stores
    the finished ones; at most 2 × `workers` + 1 batches are in flight (the scoring processes have
    the next while this one stores), so memory stays flat."""
    if workers <= 1 or not can_fork():
        for batch in batches:
            yield batch, _score(store.segments_to_score(batch), min_score, suggester, nlp)
        return
    from collections import deque
    from concurrent.futures import Future

    _WORKER.update(suggester=suggester, nlp=nlp)
    try:
        with forked_pool(workers) as pool:
            pending: deque[tuple[list[int], Future[list[ScoredRow]]]] = deque()
            for batch in batches:
                pending.append((batch, pool.submit(_score, store.segments_to_score(batch), min_score)))
                if len(pending) > 2 * workers:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
    finally:
        _WORKER.clear()


def segment_tokens(segs: Sequence[Segment], nlp: Any, pos: bool = False) -> list[list[Token]]:
    """Tokens of stored segments with their structure: the lemmas stored at import, never parsed again.

    POS tags are not stored, so the POS filter (`pos`) parses the texts with the project's pipeline.
    """
    structure = [(s.role, s.section) for s in segs]
    if pos:
        return with_structure(tokenize([s.text for s in segs], nlp=nlp, pos=True), structure, nlp=nlp, pos=True)
    X = stored_tokens([s.lemmas for s in segs], [s.text for s in segs], nlp=nlp)
    return with_structure(X, structure, nlp=nlp, stored=True)


def retrain_project(project: Project) -> SuggestResult:
    """Train on the current codings (no cross-validation) and refresh suggestions: for background retraining."""
    train_project(project, cv=0)
    return suggest_project(project, batch_size=RETRAIN_BATCH_SIZE)


@dataclass(frozen=True)
class OpenSuggestionRow:
    """An open suggestion with its segment text, for `suggest list`."""

    id: int
    segment_id: int
    code_id: str
    score: float | None
    reason: str | None
    model_version: str | None
    document: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "segment": self.segment_id, "code": self.code_id, "score": self.score,
            "reason": self.reason, "model_version": self.model_version, "document": self.document,
            "text": self.text,
        }


def list_suggestions(
    project: Project,
    code: Sequence[str] | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    limit: int | None = None,
) -> list[OpenSuggestionRow]:
    """Open suggestions per code (codebook order), highest score first."""
    codes = _resolve_codes(project, code)
    rows = [
        OpenSuggestionRow(c.id, s.id, c.code_id, c.score, c.reason, c.model_version, s.document_name, s.text)
        for c, s in project.store.iter_codings(code=codes, sources=("suggested",), min_score=min_score,
                                               max_score=max_score, order="score")
    ]
    order = {c.id: i for i, c in enumerate(project.codebook.codes)}
    rows.sort(key=lambda r: (order.get(r.code_id, 10**6), -(r.score or 0.0), r.id))
    if limit is not None:
        per: dict[str, int] = {}
        kept = []
        for r in rows:
            per[r.code_id] = per.get(r.code_id, 0) + 1
            if per[r.code_id] <= limit:
                kept.append(r)
        rows = kept
    return rows


def _resolve_codes(project: Project, code: Sequence[str] | None) -> list[str] | None:
    """Code ids (or names, or group ids rolled up to their codes) to code ids."""
    if not code:
        return None
    cb = project.codebook
    out: list[str] = []
    for c in code:
        out += sorted(cb.rollup(cb.resolve(c).id))
    return out


def decide_suggestions(
    project: Project,
    decision: str,
    ids: Sequence[int] = (),
    code: Sequence[str] | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    actor: str | None = None,
) -> list[int]:
    """Accept or reject open suggestions, by id or in bulk (code and/or score range). Audited.

    Accepting makes the coding the researcher's (source 'accepted', coder = actor);
    rejecting keeps it as source 'rejected' so it is not suggested again and counts as
    negative evidence at the next training.
    """
    from qualcode.core.errors import NotFoundError
    from qualcode.core.records import MODEL_CODER

    if decision not in ("accept", "reject"):
        raise InputError(_("unknown decision {decision!r}").format(decision=decision))
    if not ids and not code and min_score is None and max_score is None:
        raise InputError(
            _("say which suggestions: their ids, or a selection by code and/or score"),
            hint=Hint(_("for example"), command=("suggest", decision, "12", "13")),
        )
    store = project.store
    actor = actor or project.coder
    if ids:
        chosen = []
        for i in ids:
            c = store.get_coding(int(i))
            if c.source != "suggested":
                raise NotFoundError(
                    _("coding {i} is not an open suggestion (source: {source})").format(i=i, source=c.source), value=i,
                    hint=Hint(_("see the open suggestions"), command=("suggest", "list")),
                )
            chosen.append(c)
    else:
        codes = _resolve_codes(project, code)
        chosen = [c for c, _ in store.iter_codings(code=codes, sources=("suggested",), min_score=min_score,
                                                    max_score=max_score)]
    done = []
    with store.transaction():
        for c in chosen:
            if decision == "accept":
                mine = store.find_coding(c.segment_id, c.code_id, actor) if actor != c.coder else None
                if mine is not None:
                    # the researcher already has this code here: the suggestion is redundant
                    store.delete_coding(c.id)
                else:
                    store.set_coding_source(c.id, "accepted", coder=actor if actor != MODEL_CODER else None)
            else:
                store.set_coding_source(c.id, "rejected")
            store.log(actor, f"suggest.{decision}", coding_id=c.id, segment_id=c.segment_id, code_id=c.code_id,
                      detail={"score": c.score, "model_version": c.model_version})
            done.append(c.id)
    return done


