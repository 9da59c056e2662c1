"""Code counts: codes (with theme-group roll-ups) × metadata, per segment or per document.

Counting itself is `qualcode.analysis.tally.tally` (shared with the questionnaire mention tables):
a cell is the number of distinct units (segments or documents) coded with the code, or with
any code under a group. Document-level counts answer "in how many interviews was it raised".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.analysis.tally import TOTAL, CountTable, tally
from qualcode.core.errors import InputError
from qualcode.core.ordering import group_order
from qualcode.project import Project
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.core.codebook import Codebook
    from qualcode.store.database import Store

MISSING = "(saknas)"
UNITS = ("segment", "document", "respondent")
# What a base of each kind counts, in the words a report uses.
KIND_LABELS = {"note": "anteckningar", "survey": "enkätsvar"}


@dataclass(frozen=True)
class CodeCounts:
    """A crosstab of codes by metadata groups, plus the ungrouped total column."""

    table: CountTable
    total: CountTable
    unit: str
    by: tuple[str, ...]
    labels: dict[str, str]
    depth: dict[str, int]
    # per group and for TOTAL: what its base counts ("anteckningar", "segment i enkätsvar", or
    # a mixed total spelled out: "dokument: 4 anteckningar och 25 enkätsvar")
    base_labels: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)  # documents per kind in the counts

    @property
    def mixed(self) -> bool:
        """True when the total base holds documents of more than one kind (groups never do)."""
        return len(self.kinds) > 1

    def to_records(self) -> list[dict[str, Any]]:
        """One record per code: id, name, level, a count and a percent per group, total."""
        out = []
        for code in self.table.categories:
            rec: dict[str, Any] = {"code": code, "name": self.labels[code], "level": self.depth[code]}
            if self.by:
                for g in self.table.groups:
                    rec[g] = self.table.count(code, g)
                    pct = self.table.percent(code, g)
                    rec[f"{g} %"] = None if pct is None else round(pct, 1)
            rec[TOTAL] = self.total.count(code)
            pct = self.total.percent(code)
            rec[f"{TOTAL} %"] = None if pct is None else round(pct, 1)
            out.append(rec)
        return out

    @property
    def bases(self) -> dict[str, int]:
        return {**dict(self.table.bases), TOTAL: self.total.bases[TOTAL]}


class Documents:
    """Every document's kind and metadata, the project's metadata fields, segments per document and
    the coded rows, each read once: what one command's counts share (a report counts a dozen tables).

    Made per command and dropped with it, so it never outlives a change to the project.
    """

    def __init__(self, store: Store):
        self.store = store
        self.kind: dict[int, str] = {}
        self.meta: dict[int, dict[str, Any]] = {}
        for doc_id, kind, meta in store.document_kinds_meta():
            self.kind[doc_id] = kind
            self.meta[doc_id] = meta
        self.keys = frozenset(store.meta_keys())
        self._segment_counts: dict[int, int] | None = None
        self._coded: dict[tuple[str, ...] | None, list[tuple[int, int, str]]] = {}

    def of_kind(self, kind: str | None) -> dict[int, dict[str, Any]]:
        """Metadata per document id, of one kind or all."""
        if kind is None:
            return self.meta
        return {i: m for i, m in self.meta.items() if self.kind[i] == kind}

    def segment_counts(self) -> dict[int, int]:
        if self._segment_counts is None:
            self._segment_counts = self.store.segment_counts()
        return self._segment_counts

    def coded(self, coders: Sequence[str] | None = None) -> list[tuple[int, int, str]]:
        """(segment id, document id, code) of every positive coding and segment it covers (`Store.coded_rows`)."""
        key = tuple(coders) if coders else None
        if key not in self._coded:
            self._coded[key] = [(s, d, c) for s, d, c, _ in self.store.coded_rows(coders=coders)]
        return self._coded[key]


def group_values(meta: dict[str, Any], by: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(meta.get(f) if meta.get(f) not in (None, "") else MISSING) for f in by)


def group_key(meta: dict[str, Any], by: Sequence[str]) -> str:
    return " / ".join(group_values(meta, by))


def code_counts(
    project: Project,
    by: Sequence[str] = (),
    unit: str = "document",
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    kind: str | None = None,
    documents: Documents | None = None,
) -> CodeCounts:
    """Count coded segments, documents or respondents per code (groups roll up) and metadata group.

    A respondent is a survey respondent (their answers are several documents) or, for notes
    from a group interview, the document itself.
    """
    if unit not in UNITS:
        raise InputError(_("unknown counting unit '{unit}' — choose segment, document or respondent").format(unit=unit),
                         value=unit, valid=UNITS)
    store = project.store
    cb = project.codebook
    by = tuple(by)
    docs = documents or Documents(store)
    known = docs.keys
    bad = [f for f in by if f not in known]
    if bad:
        raise InputError(
            _("unknown metadata field {value} — fields in the project: {value2}").format(value=', '.join(repr(b) for b in bad), value2=', '.join(sorted(known)) or _("(none)"))
        )
    wanted = [cb.resolve(c).id for c in codes] if codes else cb.ids
    order = [c.id for c in cb.codes if c.id in set(wanted) | {a.id for w in wanted for a in cb.ancestors(w)}]
    # Groups first, each followed by its codes, so roll-ups read top-down.
    rows = _tree_order(cb, order)
    ancestors = {c.id: [a.id for a in cb.ancestors(c.id)] for c in cb.codes}

    doc_meta = docs.of_kind(kind)
    kinds_counted = [kind] if kind else list(KIND_LABELS)
    kind_of = {i: docs.kind[i] for i in doc_meta if docs.kind[i] in kinds_counted}
    kinds = {k: n for k in KIND_LABELS if (n := sum(1 for v in kind_of.values() if v == k))}
    # Interviews and survey answers are never one base: with both, every group is split by kind.
    split = bool(by) and len(kinds) > 1 and unit != "respondent"  # a group interview is a respondent too

    def values(doc_id: int, meta: dict[str, Any]) -> tuple[str, ...]:
        vals = group_values(meta, by)
        return (KIND_LABELS[kind_of[doc_id]], *vals) if split else vals

    # each document's group, worked out once per count (it is asked for per base, per coding, per label)
    vals_of = {i: values(i, m) for i, m in doc_meta.items()} if by else {}
    key_of = {i: " / ".join(v) for i, v in vals_of.items()}

    def gkey(doc_id: int, meta: dict[str, Any]) -> str:
        key = key_of.get(doc_id)
        return key if key is not None else " / ".join(values(doc_id, meta))

    # Terms in time order, other values in Swedish alphabetical order, field by field.
    fields = ("kind", *by) if split else by
    groups = [" / ".join(g) for g in group_order(fields, vals_of.values())] if by else None
    survey = {i for i, k in docs.kind.items() if k == "survey"} if unit == "respondent" else set()
    bases = _bases(docs, doc_meta, by, unit, survey, gkey)

    obs = []
    counted = set(rows)
    for seg_id, doc_id, code_id in docs.coded(coders):
        meta = doc_meta.get(doc_id)  # the coding's document: the same metadata the row would carry
        if meta is None:
            continue
        unit_id = _unit(unit, seg_id, doc_id, meta, survey)
        g = gkey(doc_id, meta) if by else TOTAL
        for c in [code_id, *ancestors.get(code_id, [])]:
            if c in counted:
                obs.append((unit_id, c, g))
    table = tally(obs, rows, groups, bases if by else {TOTAL: sum(bases.values())})
    total = tally(((u, c, TOTAL) for u, c, _ in obs), rows, None, {TOTAL: sum(bases.values())})
    depth = {c: len(ancestors.get(c, [])) for c in rows}
    labels = {c: cb.get(c).name for c in rows}
    kinds_by_group: dict[str, list[str]] = {}
    for i, m in doc_meta.items() if groups else ():  # one pass, not one per group
        kinds_by_group.setdefault(gkey(i, m), []).append(kind_of[i])
    base_labels = {g: _base_label(unit, kinds_by_group.get(g, [])) for g in (groups or [])}
    base_labels[TOTAL] = _base_label(unit, list(kind_of.values()))
    return CodeCounts(table=table, total=total, unit=unit, by=by, labels=labels, depth=depth,
                      base_labels=base_labels, kinds=kinds)


def _base_label(unit: str, kinds_of_docs: Sequence[str]) -> str:
    """What a base counts: 'anteckningar', 'segment i enkätsvar', 'respondenter', or a mix spelled out."""
    words = {"note": KIND_LABELS["note"], "survey": "respondenter" if unit == "respondent" else KIND_LABELS["survey"]}
    n = {k: kinds_of_docs.count(k) for k in KIND_LABELS if k in kinds_of_docs}
    if len(n) == 1:
        (k,) = n
        return f"segment i {words[k]}" if unit == "segment" else words[k]
    parts = " och ".join(f"{v} {KIND_LABELS[k]}" for k, v in n.items())
    if not n:
        return "dokument"
    return f"segment i {parts}" if unit == "segment" else f"dokument: {parts}"


def _tree_order(cb: Codebook, ids: list[str]) -> list[str]:
    keep = set(ids)
    out: list[str] = []

    def visit(code_id: str) -> None:
        if code_id in keep and code_id not in out:
            out.append(code_id)
        for child in cb.children(code_id):
            visit(child.id)

    for code in cb.codes:
        if code.parent is None:
            if code.is_group:
                visit(code.id)
    for code in cb.codes:
        if code.parent is None and not code.is_group:
            visit(code.id)
    return out


def _unit(unit: str, seg_id: int, doc_id: int, meta: dict[str, Any], survey: set[int]) -> Any:
    if unit == "segment":
        return seg_id
    if unit == "respondent" and doc_id in survey and meta.get("respondent") not in (None, ""):
        return ("r", str(meta["respondent"]))
    return ("d", doc_id) if unit == "respondent" else doc_id


def _bases(
    docs: Documents, doc_meta: dict[int, dict[str, Any]], by: tuple[str, ...], unit: str, survey: set[int],
    key: Callable[[int, dict[str, Any]], str],
) -> dict[str, int]:
    bases: dict[str, int] = {}
    if unit == "respondent":
        units: dict[str, set[Any]] = {}
        for doc_id, meta in doc_meta.items():
            units.setdefault(key(doc_id, meta) if by else TOTAL, set()).add(_unit(unit, 0, doc_id, meta, survey))
        return {g: len(u) for g, u in units.items()}
    seg_counts = docs.segment_counts() if unit == "segment" else {}
    for doc_id, meta in doc_meta.items():
        g = key(doc_id, meta) if by else TOTAL
        bases[g] = bases.get(g, 0) + (seg_counts.get(doc_id, 0) if unit == "segment" else 1)
    return bases
