"""The report's survey tables from every kind of answer set `mentions` counts: numbered sets,
checkbox families (one column per option) and questions answered in one cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.analysis.mentions.mapper import EJ_SVAR, OVRIGT, MentionMapper
from qualcode.analysis.mentions.tables import (
    compare_published,
    count_mentions,
    read_answers,
    select_columns,
    to_json,
)
from qualcode.analysis.suppression import STAR
from qualcode.cli.main import app
from qualcode.core.errors import InputError
from qualcode.export.report import questionnaire_parts

from helpers import make_project, mention_zero, write_utf8_csv

runner = CliRunner()




def _survey(tmp_path: Path, rows: list[list[str]], text: list[str]):
    from qualcode.ingest.service import import_survey

    path = write_utf8_csv(tmp_path / "enkät.csv", rows)
    project = make_project(tmp_path)
    import_survey(project, path, text, id_column="respondent")
    return project


def _body(table) -> dict[str, tuple]:
    return {r.code or r.label: r.values for r in table.rows}


# 12 respondents: Handledning marked by 8, Lokaler by 6, Lön by 2, respondent R11 marks none; a
# one-cell question beside it and a comment whose sentences the mapper reads as areas too
ROWS = [["respondent", "roll", "Längst – Handledning", "Längst – Lokaler", "Längst – Lön", "Störst behov", "Övriga synpunkter"]]
for _i in range(12):
    ROWS.append([
        f"R{_i:02d}", "chef" if _i < 6 else "handläggare",
        "x" if _i < 8 else "", "Ja" if 5 <= _i < 11 else "", "1" if _i < 2 else "",
        ["handledning, lokaler", "lokalerna", "3 och 7", "punkt 13"][_i % 4] if _i < 11 else "",
        "Det är för mycket att göra och ingen lyssnar på ledningen",
    ])


def test_a_checkbox_family_gets_one_table_of_respondents_per_area(tmp_path):
    project = _survey(tmp_path, ROWS, ["Längst*", "Störst behov", "Övriga synpunkter"])
    try:
        parts = questionnaire_parts(project, 5, by=("roll",))
    finally:
        project.close()
    # the one-cell question and the comments are not found by themselves: only the family
    assert [(p.title, p.respondents) for p in parts] == [("Enkätfråga Längst", 12)]
    assert parts[0].intro == "Alternativen som kryssats i 3 kolumner, en per alternativ, kategoriserade efter kodbokens punkter."
    table, by_roll = parts[0].tables
    assert (table.title, table.columns) == ("Antal respondenter per kategori", ("Respondenter",))
    body = _body(table)
    assert (body["P08"], body["P13"], body[OVRIGT], body[EJ_SVAR], body["P01"]) == ((8,), (6,), (STAR,), (STAR,), (0,))
    # 8 + 6 + 2 + 1: a respondent marking two areas is in two rows
    assert (table.rows[-1].label, table.rows[-1].kind, table.rows[-1].values) == ("Totalt", "total", (17,))
    assert table.note == ("12 respondenter som svarat på frågan (3 kolumner, en per alternativ). En respondent som nämner "
                          "flera områden räknas en gång på raden för vart och ett, så kolumnen summerar till fler än "
                          "antalet svarande.")
    assert by_roll.title == "Respondenter per kategori och roll"
    assert by_roll.columns == ("chef", "handläggare", "Totalt")
    assert _body(by_roll)["P08"] == (STAR, STAR, 8)  # 6 and 2: the 2 is small, the 6 would give it away
    assert by_roll.rows[-1].values == (9, 8, 17)
    assert by_roll.note.endswith("Respondenter per roll: chef: 6, handläggare: 6.")


def test_a_question_answered_in_one_cell_is_reported_when_the_project_names_it(tmp_path):
    project = _survey(tmp_path, ROWS, ["Längst*", "Störst behov", "Övriga synpunkter"])
    try:
        project.config["mentions"] = {"columns": ["Störst behov"]}
        parts = questionnaire_parts(project, 0, questions={"Störst behov": "Inom vilka områden är behovet störst?"})
    finally:
        project.close()
    assert [p.title for p in parts] == ["Inom vilka områden är behovet störst?", "Enkätfråga Längst"]
    (table,) = parts[0].tables
    assert parts[0].intro == "Svaren i Störst behov, kategoriserade efter kodbokens punkter."
    body = _body(table)
    # lokaler: 'handledning, lokaler' (R00, R04, R08), 'lokalerna' (R01, R05, R09), 'punkt 13' (R03, R07)
    assert (body["P13"], body["P08"], body["P03"], body["P07"], body[EJ_SVAR]) == ((8,), (3,), (3,), (3,), (1,))
    assert table.rows[-1].values == (18,)
    assert table.note.startswith("12 respondenter som svarat på frågan (Störst behov). En respondent som nämner flera områden")


def test_a_respondent_naming_an_area_twice_in_her_cell_counts_once_and_the_note_says_each_is_in_one_row(tmp_path):
    rows = [["respondent", "Längst"]] + [[f"R{i:02d}", "lokaler, lokalerna" if i < 6 else "handledning"] for i in range(12)]
    project = _survey(tmp_path, rows, ["Längst"])
    try:
        project.config["mentions"] = {"columns": "Längst"}
        (part,) = questionnaire_parts(project, 5)
    finally:
        project.close()
    (table,) = part.tables
    assert (_body(table)["P13"], _body(table)["P08"], table.rows[-1].values) == ((6,), (6,), (12,))
    assert table.note == ("12 respondenter som svarat på frågan (Längst). Varje respondent räknas på en rad, så kolumnen "
                          "summerar till antalet svarande.")


def test_numbered_sets_and_a_family_in_questionnaire_order(tmp_path):
    rows = [["respondent", "behov_1", "behov_2", "Q5: Längst – Handledning", "Q5: Längst – Lokaler"]]
    rows += [[f"R{i:02d}", "2", "p.5", "x" if i < 6 else "", "" if i < 6 else "x"] for i in range(12)]
    project = _survey(tmp_path, rows, ["behov_1", "behov_2", "Q5*"])
    try:
        texts = {"Längst": "Inom vilka områden har arbetet kommit längst?", "behov": "Inom vilka områden är behovet störst?"}
        parts = questionnaire_parts(project, 5, questions=texts)
    finally:
        project.close()
    # the family is headed by its question's text given for 'Längst' (its name without 'Q5: ')
    assert [p.title for p in parts] == list(texts.values())
    assert parts[0].tables[0].rows[-1].values == (12,)
    assert parts[1].tables[0].columns == ("1:a svaret", "2:a svaret", "Gånger nämnd")


def test_a_project_with_only_comments_leaves_its_answers_unread():
    from qualcode.analysis.mentions.tables import may_hold_sets

    assert not may_hold_sets(["respondent", "stadsdel", "termin", "kommentar"])
    assert may_hold_sets(["respondent", "langst_1", "langst_2"])
    assert may_hold_sets(["respondent", "Längst – Handledning", "Längst – Lokaler"])
    assert not may_hold_sets(["respondent", "langst_1", "Längst – Lokaler"])


def test_mentions_count_in_a_project_counts_the_configured_question_beside_the_family(tmp_path):
    from qualcode.project import find_project

    project = _survey(tmp_path, ROWS, ["Längst*", "Störst behov", "Övriga synpunkter"])
    project.close()
    r = runner.invoke(app, ["mentions", "count", "--project", str(tmp_path / "p"), "-f", "json"])
    assert r.exit_code == 0, r.output
    assert list(json.loads(r.stdout)["sets"]) == ["Längst"]
    p = find_project(tmp_path / "p")
    p.config["mentions"] = {"columns": ["Störst behov"]}
    p.save_config()
    p.close()
    r = runner.invoke(app, ["mentions", "count", "--project", str(tmp_path / "p"), "-f", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert list(data["sets"]) == ["Störst behov", "Längst"]
    assert data["sets"]["Störst behov"]["respondents"] == mention_zero(P03=3, P07=3, P08=3, P13=8, EJ_SVAR=1)
    p = find_project(tmp_path / "p")
    p.config["mentions"] = {"columns": {"Störst behov": 1}}
    p.save_config()
    p.close()
    r = runner.invoke(app, ["mentions", "count", "--project", str(tmp_path / "p")])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        "fel: qualcode.yaml: mentions.columns är {'Störst behov': 1} — skriv kolumnerna som en lista, t.ex. "
        "columns: [Längst, 'behov_*']"]


# -- a question's number before a family's name ----------------------------------------------


@pytest.fixture(scope="module")
def mapper() -> MentionMapper:
    return MentionMapper()


@pytest.mark.parametrize("prefix, bracket", [("Q5: Längst", False), ("5. Längst", False), ("Fråga 5 Längst", True),
                                             ("Q5 – Längst", False)])
def test_a_family_after_a_question_number_is_chosen_by_its_name(tmp_path, mapper, prefix, bracket):
    def col(option: str) -> str:
        return f"{prefix} [{option}]" if bracket else f"{prefix} – {option}"

    rows = [["id", "Q1: Roll", col("Handledning"), col("Lokaler"), col("Lön")],
            ["1", "chef", "x", "", "x"], ["2", "handläggare", "", "Lokaler", ""]]
    answers = read_answers(write_utf8_csv(tmp_path / "b.csv", rows))
    found = select_columns(answers.columns, [], mapper, answers.rows)
    chosen = select_columns(answers.columns, ["Längst"], mapper, answers.rows)
    assert [(s.name, s.columns) for s in found] == [(prefix, tuple(rows[0][2:]))] == [(s.name, s.columns) for s in chosen]
    counts = count_mentions(answers, chosen, mapper)
    assert to_json(counts)["sets"][prefix]["respondents"] == mention_zero(P08=1, P13=1, OVRIGT=1)
    # and compared with a published file that names the question 'längst'
    cmp = compare_published(counts, {"längst": {"1": mention_zero(P08=1, P13=1, OVRIGT=1)}})
    assert (cmp.cells, cmp.equal) == (15, 15)


def test_two_numbered_questions_stay_two_families_and_metadata_stays_out(tmp_path, mapper):
    rows = [["id", "Q1: Roll", "Q5: Längst – Handledning", "Q5: Längst – Lokaler", "Q5: Kommentar",
             "Q6: Behov – Handledning", "Q6: Behov – Lokaler"],
            ["1", "chef", "x", "", "bra", "", "x"], ["2", "hl", "", "x", "", "x", ""]]
    answers = read_answers(write_utf8_csv(tmp_path / "b.csv", rows))
    sets = select_columns(answers.columns, [], mapper, answers.rows)
    assert [(s.name, len(s.columns)) for s in sets] == [("Q5: Längst", 2), ("Q6: Behov", 2)]
    assert [s.name for s in select_columns(answers.columns, ["Behov"], mapper, answers.rows)] == ["Q6: Behov"]


def test_one_name_for_two_numbered_families_is_refused(tmp_path, mapper):
    rows = [["id", "Q5: Längst – Handledning", "Q5: Längst – Lokaler", "Q9: Längst – Handledning", "Q9: Längst – Lokaler"],
            ["1", "x", "", "", "x"]]
    answers = read_answers(write_utf8_csv(tmp_path / "b.csv", rows))
    with pytest.raises(InputError) as exc:
        select_columns(answers.columns, ["Längst"], mapper, answers.rows)
    assert str(exc.value) == "kolumnen 'Längst' är tvetydig — skriv exakt en av Q5: Längst, Q9: Längst"


# -- Google Forms ------------------------------------------------------------------------------


def test_a_google_forms_checkbox_cell_of_options_joined_by_semicolons_is_a_one_cell_set(tmp_path, mapper):
    rows = [["Tidstämpel", "Vilka områden har kommit längst?"],
            ["2018-03-01 10:00", "Handledning;Lokaler;Lön"], ["2018-03-01 10:05", "Introduktion för nyanställda;Lokaler"],
            ["2018-03-01 10:07", ""]]
    answers = read_answers(write_utf8_csv(tmp_path / "g.csv", rows))
    counts = count_mentions(answers, select_columns(answers.columns, ["Vilka områden*"], mapper), mapper)
    data = to_json(counts)["sets"]["Vilka områden har kommit längst?"]
    assert data["respondents"] == mention_zero(P02=1, P08=1, P13=2, OVRIGT=1, EJ_SVAR=1)
    assert counts.unresolved == ()


# -- compare: 'named most often first' needs answer positions ---------------------------------


def test_compare_checks_named_most_often_first_only_for_answer_positions(tmp_path, mapper):
    published = {"längst": {"1": mention_zero(P08=2, P13=2)}, "prose_first": {"längst": "P08"}}
    boxes = [["id", "Längst – Handledning", "Längst – Lokaler"], ["1", "x", "x"], ["2", "x", "x"]]
    cell = [["id", "Längst"], ["1", "handledning, lokaler"], ["2", "lokaler och handledning"]]
    numbered = [["id", "Längst_1", "Längst_2"], ["1", "handledning", "lokaler"], ["2", "handledning", "lokaler"]]
    kinds = {}
    for name, rows in (("boxes", boxes), ("cell", cell), ("numbered", numbered)):
        answers = read_answers(write_utf8_csv(tmp_path / f"{name}.csv", rows))
        counts = count_mentions(answers, select_columns(answers.columns, ["Längst"], mapper, answers.rows), mapper)
        kinds[name] = [(f.kind, f.status) for f in compare_published(counts, published).figures if f.kind == "prose_first"]
    # a family's options have no order and a cell's table 1 is every area it names, not the first
    assert kinds == {"boxes": [], "cell": [], "numbered": [("prose_first", "stämmer")]}


# a Google Forms checkbox grid: a row per area, the two questions as its columns
GRID = [["respondent", "roll", "Vilka områden? [Handledning]", "Vilka områden? [Lokaler]", "Vilka områden? [Lön]"],
        ["R1", "chef", "Längst", "Störst behov", ""], ["R2", "hl", "Längst;Störst behov", "", "Störst behov"],
        ["R3", "hl", "", "Längst", ""]]


def _sets_json(r) -> dict[str, dict[str, int]]:
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    return {name: {c: n for c, n in s["respondents"].items() if n} for name, s in data["sets"].items()}


@pytest.mark.parametrize("joined", [";", ", "])  # Microsoft Forms, Google Forms
def test_a_grid_whose_columns_are_questions_is_counted_per_question_when_chosen(tmp_path, joined):
    from qualcode.coding.workspace import mention_view

    rows = [[c.replace(";", joined) for c in row] for row in GRID]
    path = write_utf8_csv(tmp_path / "grid.csv", rows)
    want = {"Längst": {"P08": 2, "P13": 1}, "Störst behov": {"P13": 1, "P08": 1, OVRIGT: 1, EJ_SVAR: 1}}
    # chosen by the grid's name, by a pattern, or by its questions
    for choice in (["Vilka områden?"], ["Vilka*"], ["Längst", "störst behov"]):
        r = runner.invoke(app, ["mentions", "count", str(path), "--format", "json", *(a for c in choice for a in ("-c", c))])
        assert _sets_json(r) == want, choice
    r = runner.invoke(app, ["mentions", "count", str(path), "--format", "json", "-c", "Längst"])
    assert _sets_json(r) == {"Längst": want["Längst"]}
    # found by itself it is no checkbox family (a rating grid looks the same): no set, no report table
    r = runner.invoke(app, ["mentions", "count", str(path)])
    assert r.exit_code == 1 and "ange vilka kolumner som ska räknas" in r.stderr
    project = _survey(tmp_path, rows, ["Vilka*"])
    try:
        assert questionnaire_parts(project, 0) == []
        project.config["mentions"] = {"columns": ["Vilka områden?"]}
        parts = questionnaire_parts(project, 0)
        view = mention_view(project, ["Vilka*"])  # the browser's mention view
    finally:
        project.close()
    assert [(p.title, p.respondents) for p in parts] == [("Enkätfråga Längst", 3), ("Enkätfråga Störst behov", 3)]
    assert _body(parts[1].tables[0])["P13"] == (1,) and _body(parts[1].tables[0])[EJ_SVAR] == (1,)
    r = runner.invoke(app, ["mentions", "count", "-p", str(tmp_path / "p"), "-c", "Vilka områden?", "--format", "json"])
    assert _sets_json(r) == want
    assert [s.name for s in view.sets] == ["Längst", "Störst behov"]


def test_a_grid_whose_new_column_the_file_has_is_refused(tmp_path):
    rows = [row + [v] for row, v in zip(GRID, ["Längst [Lön]", "", "", ""])]
    r = runner.invoke(app, ["mentions", "count", str(write_utf8_csv(tmp_path / "grid.csv", rows)), "-c", "Vilka områden?"])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        "fel: rutnätet 'Vilka områden?' skulle lägga till kolumnen 'Längst [Lön]', som filen redan har — byt namn på en av dem"]


def test_numbered_columns_and_options_of_one_name_do_not_stop_the_report(tmp_path):
    """`Längst_1`, `Längst_2` beside `Längst – Handledning`, `Längst – Lokaler`: found by no choice of
    hers, the numbered set is counted as before and the options are named in a warning, with the
    way to count them; the report is not refused."""
    from qualcode.core.errors import QualcodeWarning

    rows = [["respondent", "Längst_1", "Längst_2", "Längst – Handledning", "Längst – Lokaler"]]
    for i in range(12):
        rows.append([f"R{i:02d}", "handledning", "lokalerna", "x" if i < 7 else "", "x" if i >= 5 else ""])
    project = _survey(tmp_path, rows, ["Längst*"])
    try:
        with pytest.warns(QualcodeWarning, match="Längst") as caught:
            parts = questionnaire_parts(project, 5)
        assert len(parts) == 1 and len(parts[0].tables[0].columns) == 3  # two answer positions and the times named
        assert any("mentions.columns" in str(w.message) and "Längst – Handledning" in str(w.message) for w in caught)
        body = _body(parts[0].tables[0])
        assert body["P08"] == (12, 0, 12) and body["P13"] == (0, 12, 12)  # Längst_1, Längst_2: handledning, lokalerna
    finally:
        project.close()
