"""Counts aggregated in the database equal counts made the plain way, one Python dict per document.

`code_counts` asks the store for one row per group and per coded unit (ordered by unit) and
never holds every document; `_plain_counts` below is the way it counted before (every
document's metadata in memory, every coded row in a list, a set of units per cell), kept here
as the reference on a project with notes and survey answers, missing and empty values, an
integer value, two coders, spans over several segments and theme-group roll-ups.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from helpers import make_project
from qualcode.analysis.code_counts import KIND_LABELS, MISSING, UNITS, Documents, _base_label, code_counts
from qualcode.analysis.tally import TOTAL, tally
from qualcode.coding.service import add_codes, add_span
from qualcode.core.ordering import group_order
from qualcode.ingest.service import import_notes, import_survey

SURVEY = [
    "id;roll;termin;kommentar",
    "r1;chef;HT2016;Lokalerna är trånga. Lönen är låg.",
    "r2;;HT2016;Lönen är för låg.",  # an empty roll: "(saknas)"
    "r3;medarbetare;VT2017;Mer tid för handledning.",
    "r4;medarbetare;VT2017;Lokalerna är bra.",
    "r5;chef;VT2017;Ledningen lyssnar.",
]
NOTES = {
    "n1.md": "---\ntermin: HT2016\ngrupp: 1\n---\nLokalerna är trånga.\n\nLönen är låg.\n",
    "n2.md": "---\ntermin: VT2017\n---\nVi behöver mer tid.\n\nLedningen lyssnar inte.\n",  # no grupp
    "n3.md": "---\ntermin: ''\ngrupp: 2\n---\nInget att säga om lönen.\n",  # an empty termin
}


def _plain_counts(project: Any, by: tuple[str, ...], unit: str, kind: str | None, coders: list[str] | None):
    """The reference: (groups, counts, bases, totals, base kinds per group) the materialising way."""
    store, cb = project.store, project.codebook
    meta = {d.id: d.meta for d in store.iter_documents(kind=kind)}
    kind_of = {d.id: d.kind for d in store.iter_documents(kind=kind)}
    kinds = {k for k in kind_of.values()}
    split = bool(by) and len(kinds) > 1 and unit != "respondent"

    def values(doc_id: int) -> tuple[str, ...]:
        vals = tuple(str(meta[doc_id].get(f) if meta[doc_id].get(f) not in (None, "") else MISSING) for f in by)
        return (KIND_LABELS[kind_of[doc_id]], *vals) if split else vals

    def key(doc_id: int) -> str:
        return " / ".join(values(doc_id)) if by else TOTAL

    def unit_of(seg_id: int, doc_id: int) -> Any:
        if unit == "segment":
            return seg_id
        if unit == "respondent" and kind_of[doc_id] == "survey" and meta[doc_id].get("respondent") not in (None, ""):
            return ("r", str(meta[doc_id]["respondent"]))
        return ("d", doc_id) if unit == "respondent" else doc_id

    segments = store.segment_counts()
    bases: dict[str, int] = {}
    units: dict[str, set[Any]] = {}
    for doc_id in meta:
        if unit == "respondent":
            units.setdefault(key(doc_id), set()).add(unit_of(0, doc_id))
        else:
            bases[key(doc_id)] = bases.get(key(doc_id), 0) + (segments.get(doc_id, 0) if unit == "segment" else 1)
    if unit == "respondent":
        bases = {g: len(u) for g, u in units.items()}
    groups = [" / ".join(g) for g in group_order(("kind", *by) if split else by, (values(i) for i in meta))] if by else None
    rows = [c.id for c in cb.codes]
    obs = [
        (unit_of(s, d), c, key(d))
        for s, d, code, _ in store.coded_rows(coders=coders) if d in meta
        for c in [code, *(a.id for a in cb.ancestors(code))]
    ]
    table = tally(obs, rows, groups, bases if by else {TOTAL: sum(bases.values())})
    per_group: dict[str, dict[str, int]] = {}
    for doc_id in meta:
        per_group.setdefault(key(doc_id), {}).setdefault(kind_of[doc_id], 0)
        per_group[key(doc_id)][kind_of[doc_id]] += 1
    return table, sum(bases.values()), per_group


@pytest.fixture
def project(tmp_path, project_db):
    csv = tmp_path / "enkat.csv"
    csv.write_text("\n".join(SURVEY) + "\n", encoding="utf-8")
    for name, text in NOTES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with make_project(tmp_path, db=project_db) as p:
        import_notes(p, sorted(tmp_path.glob("n*.md")))
        import_survey(p, csv, ["kommentar"], "id")
        cb = p.codebook
        group = next(g for g in cb.codes if g.is_group and len([c for c in cb.children(g.id) if not c.is_group]) >= 2)
        a, b = [c.id for c in cb.children(group.id) if not c.is_group][:2]
        segs = list(p.store.iter_segments())
        for i, s in enumerate(segs):
            # two codes of one group on some segments (the group counts them once), a second coder elsewhere
            add_codes(p, [s.id], [a] if i % 2 else [a, b], coder="anna")
            if i % 3 == 0:
                add_codes(p, [s.id], [b, "P13"], coder="bo")
        note = next(d for d in p.store.iter_documents(kind="note") if "\n\n" in d.text)
        add_span(p, note.id, 0, len(note.text), ["P02"], coder="bo")  # one span over two segments
        yield p


def test_streamed_counts_equal_the_plain_counts(project):
    docs = Documents(project.store)
    n = 0
    for unit in UNITS:
        for k in range(3):
            for by in itertools.permutations(("termin", "roll", "grupp"), k):
                for kind in (None, "note", "survey"):
                    for coders in (None, ["bo"]):
                        got = code_counts(project, by=by, unit=unit, kind=kind, coders=coders, documents=docs)
                        table, total_base, per_group = _plain_counts(project, by, unit, kind, coders)
                        where = (unit, by, kind, coders)
                        assert got.table.groups == table.groups, where
                        assert dict(got.table.bases) == dict(table.bases), where
                        assert {c: v for c, v in got.table.counts.items() if v} == dict(table.counts), where
                        assert dict(got.table.totals) == {c: table.totals[c] for c in got.table.categories}, where
                        assert got.total.bases == {TOTAL: total_base}, where
                        assert all(got.total.count(c) == table.totals[c] for c in got.table.categories), where
                        all_kinds: dict[str, int] = {}
                        for g in per_group.values():
                            for k, v in g.items():
                                all_kinds[k] = all_kinds.get(k, 0) + v
                        labels = {g: _base_label(unit, per_group.get(g, {})) for g in (table.groups if by else ())}
                        assert got.base_labels == {**labels, TOTAL: _base_label(unit, all_kinds)}, where
                        n += 1
    assert n == 3 * 10 * 3 * 2
    # the fixture has what the streamed path must get right
    c = code_counts(project, by=("termin", "roll"), unit="respondent")
    assert any(MISSING in g for g in c.table.groups) and c.table.bases["VT2017 / medarbetare"] == 2
    assert "1" in code_counts(project, by=("grupp",), kind="note").table.groups  # an integer value, as text


def test_streamed_tally_equals_tally_of_every_unit():
    obs = [(u, c, g) for u in range(40) for c, g in [("A", "x" if u % 3 else "y"), ("B", "y"), ("A", "x")] if u % (2 + (c == "B")) == 0]
    plain = tally(obs, ["A", "B"], ["x", "y"])
    streamed = tally(iter(sorted(obs, key=lambda o: o[0])), ["A", "B"], ["x", "y"], units_in_order=True)
    assert streamed == plain and plain.count("A", "x") > 0 and plain.bases["y"] > 0
