"""Several coders on the same material: shared samples, agreement, disagreements, adjudication.

A coder has *judged* a segment when they marked it done in `qualcode tag` or gave it a
code; a judged segment without codes counts as 0 for every code, an unjudged one as
missing. The model takes part as coder `qualcode` and judges every segment in scope: by
default the current model codes them afresh (codes over each code's threshold, or over
`threshold`), or its stored suggestions count (`model='stored'`). A model trained on the
same segments agrees with its teachers too easily: measure it on segments it was not
trained on. Adjudicated codes are stored as coder `consensus`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.core.agreement import OVERALL, CharacterAgreement, CodeAgreement, character_agreement, code_agreement
from qualcode.coding.tag_commands import TagError
from qualcode.coding.tagging import find_code
from qualcode.core.errors import Hint, InputError
from qualcode.core.records import MODEL_CODER, Segment
from qualcode.core.records import POSITIVE_SOURCES as POSITIVE
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from qualcode.project import Project

CONSENSUS = "consensus"


# -- samples ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str
    seed: int
    segment_ids: tuple[int, ...]
    spec: dict[str, Any]
    created: bool


def draw_sample(
    project: Project,
    n: int,
    seed: int,
    name: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
) -> Sample:
    """Draw `n` segments with `seed` and store them under `name`, the same for every coder.

    Drawing again with the same name, seed and filters returns the stored sample; the
    draw only depends on the seed and the project's segments, so it is reproducible.
    """
    store = project.store
    if n <= 0:
        raise InputError(_("the sample size must be at least 1, got {n}").format(n=n), value=n,
                         hint=Hint(_("give the number of segments"), option="n", example="40"))
    name = name or f"urval-{seed}-{n}"
    spec = {"unit": unit, "kind": kind}
    existing = store.get_sample(name)
    if existing is not None:
        if existing.seed != seed or existing.n != n or existing.spec != spec:
            raise InputError(
                _("the sample '{name}' already exists with seed {seed} and n {n}").format(name=name, seed=existing.seed, n=existing.n), value=name,
                hint=Hint(_("choose another name"), option="name", example="NAMN"),
            )
        return Sample(name, seed, existing.segment_ids, spec, created=False)
    population = store.segment_ids(unit=unit, kind=kind)
    if n > len(population):
        raise InputError(n_("the sample cannot be {n} segment — the project has {n_population} that fit",
                            "the sample cannot be {n} segments — the project has {n_population} that fit", n).format(n=n, n_population=len(population)), value=n,
                         hint=Hint("minska urvalet", option="n", example=str(len(population))))
    chosen = sorted(random.Random(seed).sample(population, n))
    with store.transaction():
        store.save_sample(name, seed, spec, chosen)
        store.log(project.coder, "sample", detail={"name": name, "seed": seed, "n": n, **spec})
    return Sample(name, seed, tuple(chosen), spec, created=True)


def sample_ids(project: Project, name: str) -> list[int]:
    sample = project.store.get_sample(name)
    if sample is None:
        names = ", ".join(s.name for s in project.store.list_samples()) or _("none")
        raise InputError(_("unknown sample '{name}' — existing samples: {names}").format(name=name, names=names), value=name,
                         hint=Hint(_("create one"), command=("sample",)))
    return list(sample.segment_ids)


# -- codings per coder -----------------------------------------------------------------


def parse_coders(text: str | Sequence[str]) -> list[str]:
    coders = [c.strip() for c in (text.split(",") if isinstance(text, str) else text) if c.strip()]
    if len(coders) < 2:
        raise InputError(_("give at least two coders (the model is called 'qualcode')"), value=coders,
                         hint=Hint(_("for example"), option="coders", example="anna,bo"))
    if len(set(coders)) != len(coders):
        raise InputError(_("the same coder appears twice among the coders: {coders}").format(coders=', '.join(coders)), value=coders)
    return coders


MODEL_SOURCES = ("predict", "stored")


def coder_codings(
    project: Project,
    coders: Sequence[str],
    segment_ids: Sequence[int] | None = None,
    threshold: float | None = None,
    model: str = "predict",
) -> dict[str, dict[int, set[str]]]:
    """For each coder: judged segment -> the codes given (empty set = judged, no codes).

    The model (coder `qualcode`) judges every segment in scope: with `model='predict'` the
    current model codes them afresh; with `model='stored'` its stored suggestions count.
    """
    if model not in MODEL_SOURCES:
        raise InputError(_("unknown model source '{model}' — choose predict or stored").format(model=model))
    store = project.store
    scope = set(segment_ids) if segment_ids is not None else None
    known = set(store.coders()) | {MODEL_CODER, CONSENSUS}
    out: dict[str, dict[int, set[str]]] = {}
    humans = [c for c in coders if c != MODEL_CODER]
    for coder in humans:
        judged = store.reviewed(coder)
        if not judged and coder not in known:
            raise InputError(
                _("the coder '{coder}' has coded nothing — known coders: {value}").format(coder=coder, value=', '.join(sorted(store.coders())) or _("none"))
            )
        if scope is not None:
            judged &= scope
        sets: dict[int, set[str]] = {sid: set() for sid in judged}
        for seg_id, _doc, code, _meta in store.coded_rows(coders=[coder]):
            if seg_id in sets:
                sets[seg_id].add(code)
        out[coder] = sets
    if MODEL_CODER in coders:
        if scope is None:
            scope = set().union(*(set(s) for s in out.values())) if out else set(store.segment_ids())
        predicted = model_predictions(project, sorted(scope), threshold) if model == "predict" else None
        if predicted is not None:
            out[MODEL_CODER] = predicted
        else:
            sets = {sid: set() for sid in scope}
            for seg_id, code in store.model_codings(MODEL_CODER, threshold):
                if seg_id in sets:
                    sets[seg_id].add(code)
            out[MODEL_CODER] = sets
    return {c: out[c] for c in coders}


def model_predictions(
    project: Project, segment_ids: Sequence[int], threshold: float | None = None
) -> dict[int, set[str]] | None:
    """The current model's codes for each segment (over each code's threshold, or `threshold`).

    Stored suggestions are not enough to treat the model as a coder: they exist only where
    nobody had coded yet. None when the suggestions library is not available.
    """
    try:
        from qualcode.suggest.service import load_project_suggester, segment_tokens
    except ImportError:
        return None
    suggester = load_project_suggester(project)
    segs = list(project.store.iter_segments(ids=list(segment_ids)))
    out: dict[int, set[str]] = {s.id: set() for s in segs}
    if not segs:
        return out
    X = segment_tokens(segs, project.nlp(), pos=getattr(suggester, "pos_filter", False))
    for sug in suggester.suggestions([s.id for s in segs], X, min_score=threshold):
        out[sug.key].add(sug.code_id)
    return out


def _only(sets: dict[str, dict[int, set[str]]], codes: Sequence[str] | None) -> dict[str, dict[int, set[str]]]:
    if not codes:
        return sets
    keep = set(codes)
    return {c: {sid: s & keep for sid, s in judged.items()} for c, judged in sets.items()}


def _codes(project: Project, codes: Sequence[str] | None) -> list[str] | None:
    if not codes:
        return None
    cb = project.codebook
    out: list[str] = []
    for c in codes:
        code = cb.resolve(c)
        # a group stands for its codes: agreement is measured where coding happens
        out += [k.id for k in cb.descendants(code.id) if not k.is_group] if code.is_group else [code.id]
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class AgreementReport:
    coders: tuple[str, ...]
    rows: tuple[CodeAgreement, ...]
    units: int
    sample: str | None
    characters: tuple[CharacterAgreement, ...] = ()  # two coders: the same segments, character by character

    def to_dict(self) -> dict[str, Any]:
        out = {
            "coders": list(self.coders), "sample": self.sample, "units": self.units,
            "codes": [r.to_dict() for r in self.rows if r.code != OVERALL],
            "overall": next(r.to_dict() for r in self.rows if r.code == OVERALL),
        }
        if self.characters:
            out["characters"] = {
                "codes": [r.to_dict() for r in self.characters if r.code != OVERALL],
                "overall": next(r.to_dict() for r in self.characters if r.code == OVERALL),
            }
        return out


def _judged_sets(
    project: Project,
    coders: Sequence[str],
    codes: Sequence[str] | None,
    sample: str | None,
    threshold: float | None,
    model: str,
) -> tuple[list[str] | None, dict[str, dict[int, set[str]]]]:
    """The code ids in scope and each coder's judged segments with their codes (limited to those ids)."""
    code_ids = _codes(project, codes)
    ids = sample_ids(project, sample) if sample else None
    return code_ids, _only(coder_codings(project, coders, ids, threshold, model), code_ids)


def agreement_report(
    project: Project,
    coders: Sequence[str],
    codes: Sequence[str] | None = None,
    sample: str | None = None,
    threshold: float | None = None,
    model: str = "predict",
) -> AgreementReport:
    """Per-code and pooled agreement between coders over the segments they both judged."""
    coders = parse_coders(coders)
    code_ids, sets = _judged_sets(project, coders, codes, sample, threshold, model)
    rows = code_agreement(sets, codes=code_ids)
    overall = next(r for r in rows if r.code == OVERALL)
    if overall.units == 0:
        raise InputError(
            _("the coders {coders} have no judged segments in common").format(coders=', '.join(coders)), value=coders,
            hint=Hint(_("draw a sample and let them code it"), command=("tag",), option="sample", example="NAMN"),
        )
    chars = _character_rows(project, coders, sets, [r.code for r in rows if r.code != OVERALL]) if len(coders) == 2 else ()
    return AgreementReport(tuple(coders), tuple(rows), overall.units, sample, tuple(chars))


def _character_rows(
    project: Project, coders: Sequence[str], sets: dict[str, dict[int, set[str]]], codes: list[str]
) -> list[CharacterAgreement]:
    """Character-level agreement over the segments both coders judged: their coded spans, clipped."""
    store = project.store
    shared = sorted(set(sets[coders[0]]) & set(sets[coders[1]]))
    where = {s.id: (s.document_id, s.start, s.end) for s in store.iter_segments(ids=shared)}
    spans: dict[str, dict[str, list[tuple[int, int, int]]]] = {}
    for coder in coders:
        mine = spans.setdefault(coder, {})
        if coder == MODEL_CODER:  # the model codes whole segments
            for sid in shared:
                for code in sets[coder].get(sid, ()):
                    mine.setdefault(code, []).append(where[sid])
            continue
        for c, _segment in store.iter_codings(coder=coder, sources=POSITIVE, code=codes or None):
            mine.setdefault(c.code_id, []).append((c.document_id, c.start, c.end))
    return character_agreement(where.values(), spans, codes)


# -- disagreements and adjudication ------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    segment: Segment
    codes: dict[str, tuple[str, ...]]  # coder -> codes (only coders who judged the segment)
    agreed: tuple[str, ...]
    disputed: tuple[str, ...]


def disagreements(
    project: Project,
    coders: Sequence[str],
    codes: Sequence[str] | None = None,
    sample: str | None = None,
    threshold: float | None = None,
    model: str = "predict",
) -> list[Disagreement]:
    """Segments judged by at least two of `coders` whose code sets differ, in document order."""
    coders = parse_coders(coders)
    _, sets = _judged_sets(project, coders, codes, sample, threshold, model)
    differ: dict[int, dict[str, set[str]]] = {}
    for sid in sorted({sid for judged in sets.values() for sid in judged}):
        present = {c: sets[c][sid] for c in coders if sid in sets[c]}
        if len(present) >= 2 and len({frozenset(v) for v in present.values()}) > 1:
            differ[sid] = present
    if not differ:
        return []
    out = []
    for seg in project.store.iter_segments(ids=list(differ)):
        present = differ[seg.id]
        agreed = set.intersection(*present.values())
        union = set.union(*present.values())
        out.append(Disagreement(
            segment=seg,
            codes={c: tuple(sorted(v)) for c, v in present.items()},
            agreed=tuple(sorted(agreed)),
            disputed=tuple(sorted(union - agreed)),
        ))
    return out


@dataclass
class AdjudicationSession:
    """Walks disagreements; the proposal starts as the codes every coder gave.

    Commands: `<Enter>`/`ok` save the proposal as coder `consensus` and go on; a number
    toggles that disputed code; `+ KOD` / `- KOD` add or remove any code; `a` takes every
    code any coder gave; `c KODARE` takes one coder's codes; `s` skip; `u` undo the last
    save; `q` quit.
    """

    project: Project
    items: list[Disagreement]
    actor: str
    index: int = 0
    proposal: set[str] = field(default_factory=set)
    saved: list[tuple[int, int, list[str], bool]] = field(default_factory=list)  # index, seg, previous, was_reviewed

    def __post_init__(self) -> None:
        done = self.project.store.reviewed(CONSENSUS)
        self.items = [d for d in self.items if d.segment.id not in done]
        self._reset()

    @property
    def current(self) -> Disagreement | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def _reset(self) -> None:
        cur = self.current
        self.proposal = set(cur.agreed) if cur else set()

    def apply(self, line: str) -> str:
        raw = line.strip()
        low = raw.lower()
        if low == "u":
            return self.undo()
        cur = self.current
        if cur is None:
            raise TagError(_("no more disagreements to go through"))
        if low in ("", "ok"):
            return self.save()
        if low == "s":
            self.index += 1
            self._reset()
            return _("skipped")
        if low == "a":
            self.proposal = set(cur.agreed) | set(cur.disputed)
            return _("took in all codes")
        if low.startswith("c "):
            coder = raw[2:].strip()
            if coder not in cur.codes:
                raise TagError(_("the coder '{coder}' has not judged the segment — choose one of {codes}").format(coder=coder, codes=', '.join(cur.codes)))
            self.proposal = set(cur.codes[coder])
            return _("took {coder}'s codes").format(coder=coder)
        if raw.startswith("+") and raw[1:].strip():
            code = find_code(self.project.codebook, raw[1:].strip())
            self.proposal.add(code.id)
            return _("added {id}").format(id=code.id)
        if raw.startswith("-") and raw[1:].strip():
            code = find_code(self.project.codebook, raw[1:].strip())
            self.proposal.discard(code.id)
            return _("removed {id}").format(id=code.id)
        if raw.replace(" ", "").isdigit():
            for tok in raw.split():
                n = int(tok)
                if not 1 <= n <= len(cur.disputed):
                    raise TagError(_("disputed code {n} does not exist — choose 1–{n_disputed}").format(n=n, n_disputed=len(cur.disputed)))
                code_id = cur.disputed[n - 1]
                self.proposal ^= {code_id}
            return _("changed the proposal")
        raise TagError(_("unknown command {raw!r} — Enter saves, a digit toggles a code, + / - CODE, a, c CODER, s, u, q").format(raw=raw))

    def save(self) -> str:
        cur = self.current
        assert cur is not None
        store = self.project.store
        sid = cur.segment.id
        with store.transaction():
            previous = [c for c in store.codings_for_segment(sid) if c.coder == CONSENSUS]
            was = store.has_reviewed(sid, CONSENSUS)
            for c in previous:
                store.delete_coding(c.id)
            for code in sorted(self.proposal):
                store.upsert_coding(sid, code, CONSENSUS, "manual")
            store.mark_reviewed(sid, CONSENSUS)
            store.log(self.actor, "adjudicate", segment_id=sid,
                      detail={"codes": sorted(self.proposal), "coders": cur.codes, "was": [c.code_id for c in previous]})
        self.saved.append((self.index, sid, [c.code_id for c in previous if c.source in POSITIVE], was))
        codes = ", ".join(sorted(self.proposal)) or _("no codes")
        self.index += 1
        self._reset()
        return f"konsensus sparad: {codes}"

    def undo(self) -> str:
        if not self.saved:
            raise TagError(_("nothing to undo"))
        index, sid, previous, was = self.saved.pop()
        store = self.project.store
        with store.transaction():
            for c in store.codings_for_segment(sid):
                if c.coder == CONSENSUS:
                    store.delete_coding(c.id)
            for code in previous:
                store.upsert_coding(sid, code, CONSENSUS, "manual")
            if not was:
                store.unmark_reviewed(sid, CONSENSUS)
            store.log(self.actor, "undo", segment_id=sid, detail={"op": "adjudicate"})
        self.index = index
        self._reset()
        return _("undid the consensus decision")

