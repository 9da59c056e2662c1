"""The shared counting module: distinct units per (category, group)."""

from __future__ import annotations

import pytest

from qualcode.analysis.tally import TOTAL, CountTable, format_number, tally
from qualcode.core.errors import InputError


def test_format_number_uses_decimal_comma():
    assert format_number(12.5) == "12,5"
    assert format_number(1 / 3 * 100) == "33,3"
    assert format_number(2 / 3 * 100, 2) == "66,67"
    assert format_number(0.0) == "0,0"
    assert format_number(7) == "7"
    assert format_number(None) == ""


def test_tally_counts_distinct_units_ungrouped():
    obs = [("r1", "A", "x"), ("r1", "A", "y"), ("r2", "A", "x"), ("r2", "B", "x")]
    t = tally(obs, categories=["A", "B", "C"])
    assert t.groups == (TOTAL,)
    assert t.categories == ("A", "B", "C")
    assert t.count("A") == 2
    assert t.count("B") == 1
    assert t.count("C") == 0
    assert t.bases == {TOTAL: 2}
    assert t.percent("B") == 50.0
    assert t.row_total("A") == 2


def test_tally_grouped_with_explicit_bases():
    obs = [(1, "A", "g1"), (2, "A", "g2"), (3, "B", "g2"), (3, "B", "g2")]
    t = tally(obs, categories=["A", "B"], groups=["g2", "g1"], bases={"g1": 4, "g2": 10})
    assert t.groups == ("g2", "g1")
    assert t.count("A", "g1") == 1
    assert t.count("B", "g2") == 1
    assert t.percent("A", "g1") == 25.0
    assert t.percent("B", "g2") == 10.0
    assert t.row_total("A") == 2
    assert t.column_total("g2") == 2
    assert t.to_records() == [
        {"category": "A", "g2": 1, "g2 %": 10.0, "g1": 1, "g1 %": 25.0, "total": 2},
        {"category": "B", "g2": 1, "g2 %": 10.0, "g1": 0, "g1 %": 0.0, "total": 1},
    ]


def test_row_total_counts_a_unit_in_two_groups_once():
    t = tally([("u", "A", "g1"), ("u", "A", "g2")], categories=["A"], groups=["g1", "g2"])
    assert t.count("A", "g1") == 1 and t.count("A", "g2") == 1
    assert t.row_total("A") == 1


def test_percent_is_none_for_empty_group():
    t = tally([], categories=["A"], groups=["g"])
    assert t.bases == {"g": 0}
    assert t.percent("A", "g") is None
    assert t.to_records() == [{"category": "A", "g": 0, "g %": None, "total": 0}]


def test_unknown_category_group_and_missing_base_raise():
    with pytest.raises(InputError, match="okänd kategori 'Z' — giltiga: A, B"):
        tally([(1, "Z", TOTAL)], categories=["A", "B"])
    with pytest.raises(InputError, match="okänd grupp 'h'"):
        tally([(1, "A", "h")], categories=["A"], groups=["g"])
    with pytest.raises(InputError, match="bas saknas för grupp g"):
        tally([], categories=["A"], groups=["g"], bases={})
    t = tally([], categories=["A"])
    with pytest.raises(InputError, match="okänd kategori"):
        t.count("B")


def test_count_table_is_frozen():
    t = tally([], categories=["A"])
    assert isinstance(t, CountTable)
    with pytest.raises(AttributeError):
        t.groups = ("x",)  # type: ignore[misc]


def test_code_counts_by_respondent(tmp_path):
    """A survey respondent with two coded answers is one respondent; a note is its own unit."""
    from qualcode.analysis.code_counts import code_counts
    from qualcode.core.records import DocumentIn, SegmentIn
    from qualcode.project import init_project

    proj = init_project(tmp_path / "r", name="r", coder="anna")
    st = proj.store
    docs = [
        DocumentIn("e:R1:a", "survey", "lokaler", {"respondent": "R1", "roll": "chef", "field": "a"}),
        DocumentIn("e:R1:b", "survey", "lokalerna", {"respondent": "R1", "roll": "chef", "field": "b"}),
        DocumentIn("e:R2:a", "survey", "lön", {"respondent": "R2", "roll": "medarbetare", "field": "a"}),
        DocumentIn("n", "note", "Om lokaler.", {"roll": "chef"}),
    ]
    with st.transaction():
        ids = [st.add_document(d, f"h{i}") for i, d in enumerate(docs)]
        st.add_segments(SegmentIn(i, "response", 0, 0, len(d.text), "") for i, d in zip(ids, docs))
    seg = {s.document_id: s.id for s in st.iter_segments()}
    with st.transaction():
        for i in (0, 1, 3):
            st.upsert_coding(seg[ids[i]], "P13", "anna", "manual")
    result = code_counts(proj, unit="respondent", by=("roll",), codes=["P13"])
    assert result.total.count("P13") == 2 and result.bases == {"chef": 2, "medarbetare": 1, "Totalt": 3}
    assert result.table.count("P13", "chef") == 2 and result.table.count("P13", "medarbetare") == 0
    assert code_counts(proj, unit="document", codes=["P13"]).total.count("P13") == 3
    proj.close()
