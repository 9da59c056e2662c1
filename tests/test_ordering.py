"""Reader's order: terms in time order however written, other values Swedish-alphabetically."""

from __future__ import annotations

import pytest

from helpers import make_project
from qualcode.analysis.code_counts import code_counts
from qualcode.analysis.matrix import code_matrix
from qualcode.analysis.mentions.mapper import MentionMapper
from qualcode.analysis.mentions.tables import SurveyAnswers, count_mentions, select_columns
from qualcode.core.ordering import group_order, natural_order, sort_key, term
from qualcode.ingest.service import import_notes


@pytest.mark.parametrize(
    "written",
    ["HT2016", "HT16", "ht 2016", "Ht-16", "hösten 2016", "Höstterminen 2016", "2016 HT", "2016ht", "HT 16"],
)
def test_every_spelling_of_a_term_is_the_same_term(written):
    assert term(written) == (2016, 1)


@pytest.mark.parametrize("written", ["VT2017", "vt17", "våren 2017", "Vårterminen 2017", "2017 VT"])
def test_spring_terms(written):
    assert term(written) == (2017, 0)


@pytest.mark.parametrize("written", ["HT", "2016", "Hötorget 2016", "HTT2016", "", None, 2016])
def test_non_terms(written):
    assert term(written) is None


def test_terms_sort_in_time_order_not_alphabetically():
    values = ["VT2017", "HT16", "våren 2016", "ht 2015", "hösten 2017", "2018 VT"]
    assert natural_order("termin", values) == ["ht 2015", "våren 2016", "HT16", "VT2017", "hösten 2017", "2018 VT"]


def test_swedish_letters_come_after_z_case_insensitively():
    values = ["Örebro", "ängelholm", "Zinkgruvan", "Åre", "arboga", "Umeå", "Borås", "Ystad"]
    assert natural_order("ort", values) == ["arboga", "Borås", "Umeå", "Ystad", "Zinkgruvan", "Åre", "ängelholm", "Örebro"]


def test_variants_sort_with_their_letters():
    assert natural_order(None, ["ön", "øl", "ål", "Ænglarna", "Müller", "Myra", "éclair", "ed"]) == [
        "éclair", "ed", "Müller", "Myra", "ål", "Ænglarna", "øl", "ön",
    ]


def test_numbers_sort_numerically_inside_and_alone():
    assert natural_order(None, ["Grupp 10", "grupp 2", "Grupp 1"]) == ["Grupp 1", "grupp 2", "Grupp 10"]
    assert natural_order("ålder", ["10", "9", "100", "9,5", 3]) == [3, "9", "9,5", "10", "100"]


def test_missing_values_last_and_kinds_grouped():
    assert natural_order("termin", ["(saknas)", "Ö", "HT2016", None, "12", ""]) == ["12", "HT2016", "Ö", "(saknas)", None, ""]
    assert sort_key("x", None) == sort_key("x", "") == sort_key("x", "(saknas)")


def test_bare_year_in_a_term_field_precedes_its_terms():
    assert natural_order("termin", ["HT2016", "2016", "VT2016", "2015"]) == ["2015", "2016", "VT2016", "HT2016"]
    assert natural_order("antal", ["2016", "VT2016"]) == ["2016", "VT2016"]  # numbers first elsewhere


def test_group_order_sorts_field_by_field():
    groups = [("HT2016", "Östermalm"), ("VT2016", "Östermalm"), ("HT2016", "Bromma"), ("VT2016", "Älvsjö")]
    assert group_order(["termin", "distrikt"], groups) == [
        ("VT2016", "Älvsjö"), ("VT2016", "Östermalm"), ("HT2016", "Bromma"), ("HT2016", "Östermalm"),
    ]


# -- applied in analysis ---------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, project_db):
    notes = {
        "a.md": ("HT2016", "Östermalm"), "b.md": ("VT2017", "bromma"),
        "c.md": ("VT2016", "Älvsjö"), "d.md": ("HT2015", "Årsta"),
    }
    for name, (termin, distrikt) in notes.items():
        (tmp_path / name).write_text(
            f"---\ntermin: {termin}\ndistrikt: {distrikt}\n---\nLokalerna är trånga i {name}.\n", encoding="utf-8"
        )
    with make_project(tmp_path, db=project_db) as p:
        import_notes(p, sorted(tmp_path.glob("*.md")))
        yield p


def test_code_counts_groups_terms_in_time_order(project):
    assert code_counts(project, by=["termin"]).table.groups == ("HT2015", "VT2016", "HT2016", "VT2017")


def test_code_counts_groups_swedish_alphabetical(project):
    assert code_counts(project, by=["distrikt"]).table.groups == ("bromma", "Årsta", "Älvsjö", "Östermalm")


def test_matrix_rows_in_natural_order(tmp_path):
    for name in ["intervju 10.md", "intervju 9.md", "Östra.md", "Ängby.md", "Bromma.md"]:
        (tmp_path / name).write_text("Lokalerna är trånga.\n" + name, encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, sorted(tmp_path.glob("*.md")))
        ids = [r["id"] for r in code_matrix(p).rows]
    assert ids == ["Bromma.md", "intervju 9.md", "intervju 10.md", "Ängby.md", "Östra.md"]


def test_mention_groups_in_time_order():
    rows = [
        {"id": str(i), "termin": t, "langst_1": "lokaler"}
        for i, t in enumerate(["VT2017", "HT2016", "ht 2015", "", "VT2016"])
    ]
    answers = SurveyAnswers(columns=("id", "termin", "langst_1"), ids=tuple(r["id"] for r in rows), rows=tuple(rows))
    counts = count_mentions(answers, select_columns(answers.columns, ["langst_1"]), MentionMapper(), by="termin")
    assert counts.groups == ("ht 2015", "VT2016", "HT2016", "VT2017", "(saknas)")


def test_reader_order_either_way_keeps_the_missing_values_last():
    from qualcode.core.ordering import reader_order

    values = ["Östermalm", "", 10, "10", "Årsta", None, "(saknas)", "bromma", 2, "Älvsjö"]
    assert reader_order("stadsdel", values) == [2, 10, "10", "bromma", "Årsta", "Älvsjö", "Östermalm", None, "", "(saknas)"]
    assert reader_order("stadsdel", values, descending=True) == ["Östermalm", "Älvsjö", "Årsta", "bromma", "10", 10, 2, None, "", "(saknas)"]
    assert reader_order("termin", ["HT2016", "VT2017", "vt 2016"], descending=True) == ["VT2017", "HT2016", "vt 2016"]
