"""Code counts: codes (with theme-group roll-ups) × metadata, per segment or per document.

Counting itself is `qualcode.analysis.tally.tally` (shared with the questionnaire mention tables):
a cell is the number of distinct units (segments or documents) coded with the code, or with
any code under a group. Document-level counts answer "in how many interviews was it raised".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.analysis.tally import MISSING, MISSING_NAME, TOTAL, TOTAL_NAME, CountTable, tally
from qualcode.core.errors import InputError
from qualcode.core.ordering import group_order
from qualcode.project import Project
from qualcode.core.i18n import N_, _, n_, value_text

if TYPE_CHECKING:
    from qualcode.core.codebook import Codebook
    from qualcode.store.database import Store

# Group keys and base labels are the same in every language (JSON and CSV keys that scripts read);
# a person reads `CodeCounts.group_names` and `base_texts`, in the interface language.
UNITS = ("segment", "document", "respondent")
# What a base of each kind counts, in the words of the keys.
KIND_LABELS = {"note": "anteckningar", "survey": "enkätsvar"}
# ... and as a person reads them (msgids; the Swedish catalog gives the keys' words back)
KIND_NAMES = {"note": N_("notes"), "survey": N_("survey answers")}


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
    # per group and for TOTAL, in the interface language: its name and what its base counts
    group_names: dict[str, str] = field(default_factory=dict)
    base_texts: dict[str, str] = field(default_factory=dict)
    # per group split by kind ("anteckningar / Bromma"): that kind, whose total page 1 shows
    split_kinds: dict[str, str] = field(default_factory=dict)

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

    def group_name(self, group: str) -> str:
        """A group (or TOTAL) as a person reads it: 'notes / (missing)' in English, the key in Swedish."""
        return self.group_names.get(group) or (_(TOTAL_NAME) if group == TOTAL else group)


class Documents:
    """The project's metadata fields and the size of each group of documents, each read once: what one
    command's counts share (a report counts a dozen tables). One row per group, never one per document.

    Made per command and dropped with it, so it never outlives a change to the project.
    """

    def __init__(self, store: Store):
        self.store = store
        self.keys = frozenset(store.meta_keys())
        self._sizes: dict[tuple[tuple[str, ...], str | None], list[tuple[str, tuple[str | None, ...], int, int]]] = {}

    def sizes(self, by: Sequence[str], kind: str | None) -> list[tuple[str, tuple[str | None, ...], int, int]]:
        """(kind, JSON text of each `by` value, documents, segments) per group (`Store.group_sizes`)."""
        key = (tuple(by), kind)
        if key not in self._sizes:
            self._sizes[key] = self.store.group_sizes(by, kind=kind)
        return self._sizes[key]


def group_label(value: Any) -> str:
    """A metadata value as a group is named: its text, or "(saknas)" when it is missing or empty."""
    return value_text(value) if value not in (None, "") else MISSING


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
    from a group interview, the document itself. The database gives one row per group and
    per coded unit in unit order, so memory follows the size of the table, not of the project.
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

    sizes = docs.sizes(by, kind)
    n_kind: dict[str, int] = {}
    for k, _raw, n_docs, _n_segs in sizes:
        n_kind[k] = n_kind.get(k, 0) + n_docs
    kinds = {k: n_kind[k] for k in KIND_LABELS if n_kind.get(k)}
    # Interviews and survey answers are never one base: with both, every group is split by kind.
    split = bool(by) and len(kinds) > 1 and unit != "respondent"  # a group interview is a respondent too

    # a group's labels, worked out once per distinct (kind, values) and not per row
    named: dict[tuple[str, tuple[str | None, ...]], tuple[str, ...]] = {}

    def values(doc_kind: str, raw: tuple[str | None, ...]) -> tuple[str, ...]:
        vals = named.get((doc_kind, raw))
        if vals is None:
            vals = tuple(group_label(None if r is None else json.loads(r)) for r in raw)
            vals = named[(doc_kind, raw)] = (KIND_LABELS[doc_kind], *vals) if split else vals
        return vals

    def gkey(doc_kind: str, raw: tuple[str | None, ...]) -> str:
        return " / ".join(values(doc_kind, raw)) if by else TOTAL

    def gname(doc_kind: str, raw: tuple[str | None, ...]) -> str:
        """The group as a person reads it: the kind and a missing value in the interface language."""
        vals = [value_text(v) if v not in (None, "") else _(MISSING_NAME) for v in (None if r is None else json.loads(r) for r in raw)]
        return " / ".join([_(KIND_NAMES[doc_kind]), *vals] if split else vals)

    # Terms in time order, other values in Swedish alphabetical order, field by field.
    fields = ("kind", *by) if split else by
    groups = [" / ".join(g) for g in group_order(fields, (values(k, raw) for k, raw, _, _ in sizes))] if by else None
    bases: dict[str, int] = {}
    kinds_by_group: dict[str, dict[str, int]] = {}
    group_names: dict[str, str] = {TOTAL: _(TOTAL_NAME)}
    for k, raw, n_docs, n_segs in sizes:
        g = gkey(k, raw)
        if by:
            group_names.setdefault(g, gname(k, raw))
        bases[g] = bases.get(g, 0) + (n_segs if unit == "segment" else n_docs)
        in_group = kinds_by_group.setdefault(g, {})
        in_group[k] = in_group.get(k, 0) + n_docs
    if unit == "respondent":  # a respondent answers in several documents: counted once per group
        per_values = store.respondent_counts(by, kind=kind)
        names = [gkey("survey", raw) for raw, _n in per_values]
        if len(set(names)) == len(names):
            bases = {g: n for g, (_raw, n) in zip(names, per_values)}
        else:  # several values name one group ("" and a missing value): count each respondent once
            bases = _respondent_bases(store, by, kind, gkey)
    total_base = sum(bases.values())

    counted = set(rows)
    obs = (
        (unit_id, c, gkey(doc_kind, raw))
        for unit_id, doc_kind, raw, code_id in store.coded_units(unit, by, kind=kind, coders=coders)
        for c in (code_id, *ancestors.get(code_id, ()))
        if c in counted
    )
    table = tally(obs, rows, groups, bases if by else {TOTAL: total_base}, units_in_order=True)
    # the same units over all groups: the table's row totals
    total = CountTable(categories=table.categories, groups=(TOTAL,), bases={TOTAL: total_base},
                       counts={(c, TOTAL): n for c, n in table.totals.items() if n}, totals=dict(table.totals))
    depth = {c: len(ancestors.get(c, [])) for c in rows}
    labels = {c: cb.get(c).name for c in rows}
    base_labels = {g: _base_label(unit, kinds_by_group.get(g, {})) for g in (groups or [])}
    base_labels[TOTAL] = _base_label(unit, n_kind)
    base_texts = {g: base_text(unit, kinds_by_group.get(g, {}), bases.get(g, 0)) for g in (groups or [])}
    base_texts[TOTAL] = base_text(unit, n_kind, total_base)
    split_kinds = {g: next(iter(k)) for g, k in kinds_by_group.items() if split and len(k) == 1}
    return CodeCounts(table=table, total=total, unit=unit, by=by, labels=labels, depth=depth,
                      base_labels=base_labels, kinds=kinds, group_names=group_names, base_texts=base_texts,
                      split_kinds=split_kinds)


def _respondent_bases(
    store: Store, by: tuple[str, ...], kind: str | None, gkey: Callable[[str, tuple[str | None, ...]], str],
) -> dict[str, int]:
    """Distinct respondents per group, from rows that come ordered by respondent."""
    bases: dict[str, int] = {}
    current: str | None = None
    seen: set[str] = set()
    for unit_id, raw in store.respondent_groups(by, kind=kind):
        if unit_id != current:
            current = unit_id
            seen.clear()
        g = gkey("survey", raw)  # never split by kind: only the values name the group
        if g not in seen:
            seen.add(g)
            bases[g] = bases.get(g, 0) + 1
    return bases


def _base_label(unit: str, docs_per_kind: Mapping[str, int]) -> str:
    """What a base counts: 'anteckningar', 'segment i enkätsvar', 'respondenter', or a mix spelled out."""
    words = {"note": KIND_LABELS["note"], "survey": "respondenter" if unit == "respondent" else KIND_LABELS["survey"]}
    n = {k: docs_per_kind[k] for k in KIND_LABELS if docs_per_kind.get(k)}
    if len(n) == 1:
        (k,) = n
        return f"segment i {words[k]}" if unit == "segment" else words[k]
    parts = " och ".join(f"{v} {KIND_LABELS[k]}" for k, v in n.items())
    if not n:
        return "dokument"
    return f"segment i {parts}" if unit == "segment" else f"dokument: {parts}"


def base_text(unit: str, docs_per_kind: Mapping[str, int], count: int) -> str:
    """A base of `count` as a person reads it, the number with its noun (`_base_label` in the
    interface language): "1 anteckning", "8 anteckningar", "982 dokument: 17 anteckningar och 965 enkätsvar"."""
    n = {k: docs_per_kind[k] for k in KIND_LABELS if docs_per_kind.get(k)}
    if len(n) == 1:
        (k,) = n
        if unit == "respondent" and k == "survey":
            text = n_("{n} survey respondent", "{n} survey respondents", count)
        elif unit == "segment":
            text = (n_("{n} segment in notes", "{n} segments in notes", count) if k == "note"
                    else n_("{n} segment in survey answers", "{n} segments in survey answers", count))
        else:
            text = n_("{n} note", "{n} notes", count) if k == "note" else n_("{n} survey answer", "{n} survey answers", count)
        return text.format(n=count)
    if not n:
        return n_("{n} document", "{n} documents", count).format(n=count)
    if unit == "segment":
        return n_("{n} segments in {notes} note and {answers} survey answers", "{n} segments in {notes} notes and {answers} survey answers",
                  n["note"]).format(n=count, notes=n["note"], answers=n["survey"])
    return n_("{n} documents: {notes} note and {answers} survey answers", "{n} documents: {notes} notes and {answers} survey answers",
              n["note"]).format(n=count, notes=n["note"], answers=n["survey"])


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
