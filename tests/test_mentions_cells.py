"""Mention tables from one cell that names several areas, and from checkbox exports (one column per option)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qualcode.analysis.mentions.mapper import EJ_SVAR, OVRIGT, MentionMapper
from qualcode.analysis.mentions.tables import (
    compare_published,
    count_mentions,
    read_answers,
    report_tables,
    review_items,
    select_columns,
    to_csv_rows,
    to_json,
)
from qualcode.cli.main import app
from qualcode.core.errors import InputError

from helpers import mention_zero, write_utf8_csv

runner = CliRunner()

# the issue's file: one cell per question, the areas separated in the ways people write them
CELLS = [
    ["id", "stadsdel", "Längst", "Störst behov"],
    ["1", "Bromma", "4, 6, 2", "1, 3, 5"],
    ["2", "Bromma", "handledning, lön och lokaler", "3 och 7"],
    ["3", "Kista", "punkt 2 & 9", ""],
]
# a checkbox export: Netigate/SurveyMonkey style headers for one question, a Google Forms grid for the other
BOXES = [
    ["id", "roll", "Längst – Handledning", "Längst – Lokaler",
     "Längst: 3. Rimlig arbetsbelastning – antal medarbetare i förhållande till uppdraget",
     "Störst behov [Lön]", "Störst behov [Introduktion]", "Störst behov [Övrigt]"],
    ["1", "chef", "x", "", "1", "Ja", "", ""],
    ["2", "chef", "", "X", "0", "", "Introduktion", ""],
    ["3", "hl", "Vald", "✓", "Nej", "", "", ""],
    ["4", "hl", "", "", "", "", "", "Checked"],
]


@pytest.fixture(scope="module")
def mapper() -> MentionMapper:
    return MentionMapper()




def _cats(mapper: MentionMapper, cell: str) -> list[str | None]:
    return [m.category for m in mapper.map_cell(cell).mentions]


# -- one cell, several areas ---------------------------------------------------------------


@pytest.mark.parametrize("cell, expected", [
    ("4, 6, 2", ["P04", "P06", "P02"]),
    ("4,6,2", ["P04", "P06", "P02"]),
    ("4 6 2", ["P04", "P06", "P02"]),
    ("3 och 7", ["P03", "P07"]),
    ("punkt 2 & 9", ["P02", "P09"]),
    ("2/6; 13", ["P02", "P06", "P13"]),
    ("intro + handledning", ["P02", "P08"]),
    ("handledning, lön och lokaler", ["P08", OVRIGT, "P13"]),
    ("lokaler samt handledning", ["P13", "P08"]),
    ("- handledning\n- lokaler\n• lön", ["P08", "P13", OVRIGT]),
    ("handledning\nlokaler", ["P08", "P13"]),
])
def test_a_cell_naming_several_areas_is_parted(mapper, cell, expected):
    reading = mapper.map_cell(cell)
    assert reading.split
    assert _cats(mapper, cell) == expected


@pytest.mark.parametrize("cell, expected", [
    # a point's name holds 'och' and commas: the whole cell is read first
    ("Administrativt stöd till socialsekreterare och biståndshandläggare", ["P06"]),
    ("Brukardelaktighet och återkoppling från brukare", ["P01"]),
    ("Lämpliga lokaler och fungerande arbetsredskap", ["P13"]),
    ("Rimlig arbetsbelastning – antal medarbetare i förhållande till uppdraget", ["P03"]),
    # and within a list, the pieces of one name are read together
    ("Lämpliga lokaler och fungerande arbetsredskap, handledning", ["P13", "P08"]),
    ("Administrativt stöd till socialsekreterare och biståndshandläggare; lön", ["P06", OVRIGT]),
    ("Brukardelaktighet och återkoppling från brukare, 3", ["P01", "P03"]),
])
def test_a_name_with_och_and_commas_stays_one_area(mapper, cell, expected):
    assert _cats(mapper, cell) == expected


@pytest.mark.parametrize("cell, method", [
    ("3,5", "decimal"),         # a decimal comma, not areas 3 and 5
    ("2.5", "decimal"),
    ("3,5 och 7", "decimal"),
    ("lokaler, inte 3", None),  # a negated part is never counted, so the cell is not parted
    ("inte 3 och 5", "negated"),
    ("allt utom 3, 5", "negated"),
    ("adm stöd, lokaler", None),  # 'adm stöd' is P06 or P07: every part must resolve
    ("alla 13", "all-areas"),
])
def test_a_cell_that_cannot_be_parted_with_certainty_stays_unresolved(mapper, cell, method):
    reading = mapper.map_cell(cell)
    assert not reading.split
    assert [m.category for m in reading.mentions] == [None]
    if method:
        assert reading.whole.method == method


def test_an_area_named_twice_in_a_cell_counts_once_and_review_says_so(tmp_path, mapper):
    reading = mapper.map_cell("lokaler, lön, lokalerna")
    assert [m.category for m in reading.mentions] == ["P13", OVRIGT]
    assert reading.repeated == ("P13",)
    answers = read_answers(write_utf8_csv(tmp_path / "s.csv", [["id", "Längst"], ["1", "lokaler, lön, lokalerna"], ["2", "lokaler"]]))
    counts = count_mentions(answers, select_columns(answers.columns, ["Längst"], mapper), mapper)
    data = to_json(counts)
    assert data["sets"]["Längst"]["total"] == mention_zero(P13=2, OVRIGT=1)
    assert data["sets"]["Längst"]["respondents"] == mention_zero(P13=2, OVRIGT=1)
    items = review_items(counts)
    assert [(it.answer, it.category, it.method) for it in items] == [("lokaler, lön, lokalerna", "P13 + OVRIGT", "split")]
    assert items[0].evidence[-1] == "P13 nämns två gånger i cellen och räknas en gång"


def test_the_issues_file_gives_exact_tables(tmp_path, mapper):
    answers = read_answers(write_utf8_csv(tmp_path / "m.csv", CELLS))
    counts = count_mentions(answers, select_columns(answers.columns, ["Längst", "Störst behov"], mapper), mapper)
    data = to_json(counts)
    assert data["respondents"] == 3
    assert data["unresolved"] == []
    assert data["sets"]["Längst"]["total"] == mention_zero(P02=2, P04=1, P06=1, P08=1, P09=1, P13=1, OVRIGT=1)
    assert data["sets"]["Längst"]["respondents"] == data["sets"]["Längst"]["total"]
    assert data["sets"]["Längst"]["first"] == mention_zero(P04=1, P08=1, P02=1)
    assert data["sets"]["Störst behov"]["total"] == mention_zero(P01=1, P03=2, P05=1, P07=1, EJ_SVAR=1)
    assert data["sets"]["Störst behov"]["first"] == mention_zero(P01=1, P03=1, EJ_SVAR=1)
    assert data["columns"]["Längst"] == data["sets"]["Längst"]["respondents"]
    assert data["total"] == mention_zero(P01=1, P02=2, P03=2, P04=1, P05=1, P06=1, P07=1, P08=1, P09=1, P13=1, OVRIGT=1, EJ_SVAR=1)
    tables = report_tables(counts)
    # one table per question: the column's own table would repeat it with a base the mentions exceed
    assert [t.title for t in tables] == [
        "Längst: gånger nämnd, respondenter (procent), först = nämnd först i cellen",
        "Störst behov: gånger nämnd, respondenter (procent), först = nämnd först i cellen",
    ]
    assert tables[0].columns == ("Kategori", "Gånger", "Resp.", "Procent", "Först")
    assert tables[0].rows[1] == ("2. Introduktionsprogram och mentorskap för nyanställda", "2", "2", "66,7", "1")
    assert tables[0].rows[-1] == ("Totalt", "8", "3", "", "3")
    assert tables[1].rows[-1] == ("Totalt", "6", "3", "", "3")
    rows = [r for r in to_csv_rows(counts) if r["antal"] != "0"]
    assert [(r["set"], r["column"], r["category"], r["antal"], r["respondenter"], r["procent"]) for r in rows][:3] == [
        ("Längst", "Längst", "P02", "2", "2", "66,7"), ("Längst", "Längst", "P04", "1", "1", "33,3"),
        ("Längst", "Längst", "P06", "1", "1", "33,3"),
    ]


def test_a_parted_cell_in_a_numbered_set_is_counted_in_its_position(tmp_path, mapper):
    rows = [["id", "langst_1", "langst_2"], ["1", "2 och 6", "6"], ["2", "handledning", "3,5"]]
    answers = read_answers(write_utf8_csv(tmp_path / "s.csv", rows))
    counts = count_mentions(answers, select_columns(answers.columns, ["langst"], mapper), mapper)
    data = to_json(counts)
    assert data["columns"]["langst_1"] == mention_zero(P02=1, P06=1, P08=1)
    # times named: P06 in position 1 and in position 2; respondents: one
    assert data["sets"]["langst"]["total"] == mention_zero(P02=1, P06=2, P08=1)
    assert data["sets"]["langst"]["respondents"] == mention_zero(P02=1, P06=1, P08=1)
    assert data["sets"]["langst"]["first"] == mention_zero(P02=1, P08=1)
    assert data["unresolved"] == [{"column": "langst_2", "row": "2", "answer": "3,5"}]


def test_cli_count_by_group_and_review_of_cells(tmp_path):
    path = write_utf8_csv(tmp_path / "m.csv", CELLS)
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "Längst", "--by", "stadsdel", "-f", "json"])
    assert r.exit_code == 0, r.output
    groups = json.loads(r.stdout)["by"]["groups"]
    assert groups["Bromma"]["columns"]["Längst"] == mention_zero(P02=1, P04=1, P06=1, P08=1, P13=1, OVRIGT=1)
    assert groups["Kista"]["columns"]["Längst"] == mention_zero(P02=1, P09=1)
    r = runner.invoke(app, ["mentions", "review", str(path), "-c", "Längst", "--all", "-f", "json"])
    rows = {row["answer"]: row for row in json.loads(r.stdout)}
    assert (rows["4, 6, 2"]["category"], rows["4, 6, 2"]["reason"]) == ("P04 + P06 + P02", "split")
    assert rows["punkt 2 & 9"]["evidence"] == "'punkt 2' → P02 (number); '9' → P09 (number)"


# -- checkbox exports ------------------------------------------------------------------------


def test_checkbox_columns_are_one_set_with_marks_and_option_text(tmp_path, mapper):
    answers = read_answers(write_utf8_csv(tmp_path / "b.csv", BOXES))
    sets = select_columns(answers.columns, [], mapper, answers.rows)  # found without --columns
    assert [(s.name, len(s.columns)) for s in sets] == [("Längst", 3), ("Störst behov", 3)]
    assert dict(sets[0].options) == {"Längst – Handledning": "P08", "Längst – Lokaler": "P13",
                                     BOXES[0][4]: "P03"}
    assert dict(sets[1].options)["Störst behov [Övrigt]"] == OVRIGT
    counts = count_mentions(answers, sets, mapper)
    data = to_json(counts)
    assert data["unresolved"] == []
    assert data["sets"]["Längst"]["total"] == mention_zero(P03=1, P08=2, P13=2, EJ_SVAR=1)  # respondent 4 marked none
    assert data["sets"]["Längst"]["respondents"] == mention_zero(P03=1, P08=2, P13=2, EJ_SVAR=1)
    assert data["sets"]["Längst"]["first"] is None
    # Lön and Övrigt are both Övrigt: named twice, by two respondents
    assert data["sets"]["Störst behov"]["total"] == mention_zero(P02=1, OVRIGT=2, EJ_SVAR=1)
    table = report_tables(counts)[0]
    assert table.title == "Längst: gånger nämnd, respondenter (procent), 3 kolumner, en per alternativ"
    assert table.columns == ("Kategori", "Gånger", "Resp.", "Procent")
    assert table.rows[7] == ("8. Systematisk intern ärendehandledning", "2", "2", "50,0")
    assert table.rows[-1] == ("Totalt", "6", "4", "")
    assert {r["column"] for r in to_csv_rows(counts)} == {"totalt"}
    grouped = to_json(count_mentions(answers, sets, mapper, by="roll"))
    assert grouped["by"]["groups"]["hl"]["total"] == mention_zero(P08=1, P13=1, OVRIGT=1, EJ_SVAR=2)


def test_checkbox_columns_by_glob_and_a_cell_that_is_no_mark(tmp_path, mapper):
    rows = [r[:5] for r in BOXES]
    rows[2][2] = "kanske"
    answers = read_answers(write_utf8_csv(tmp_path / "b.csv", rows))
    sets = select_columns(answers.columns, ["Längst*"], mapper)
    assert [s.name for s in sets] == ["Längst"]
    counts = count_mentions(answers, sets, mapper)
    assert [(u.column, u.row, u.answer, u.mention.method) for u in counts.unresolved] == [
        ("Längst – Handledning", "2", "kanske", "mark-unknown")]
    # found by themselves, columns whose cells are not all marks are no checkbox family
    with pytest.raises(InputError):
        select_columns(answers.columns, [], mapper, answers.rows)


def test_an_option_naming_no_area_stops_with_its_header_and_a_mapping_file_settles_it(tmp_path):
    path = write_utf8_csv(tmp_path / "b.csv", [["id", "Längst – Handledning", "Längst – Struktur"], ["1", "x", ""], ["2", "", "x"]])
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "Längst*"])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        "fel: kolumnen 'Längst – Struktur' är ett alternativ i 'Längst', men 'Struktur' nämner inget av områdena"
        " — ge alternativets text dess område i en mappningsfil (svar;kategori): `--mapping svar-mappning.csv`"]
    mapping = tmp_path / "svar-mappning.csv"
    mapping.write_text("answer;category\nStruktur;P05\n", encoding="utf-8")
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "Längst", "--mapping", str(mapping), "-f", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["sets"]["Längst"]["total"] == mention_zero(P05=1, P08=1)


def test_compare_reads_a_cell_set_by_position_and_a_checkbox_family_as_one_table(tmp_path, mapper):
    answers = read_answers(write_utf8_csv(tmp_path / "m.csv", CELLS))
    counts = count_mentions(answers, select_columns(answers.columns, ["Längst"], mapper), mapper)
    cmp = compare_published(counts, {"längst": {"1": mention_zero(P02=2, P04=1, P06=1, P08=1, P09=1, P13=1, OVRIGT=1)}})
    assert (cmp.cells, cmp.equal) == (15, 15)
    answers = read_answers(write_utf8_csv(tmp_path / "b.csv", BOXES))
    counts = count_mentions(answers, select_columns(answers.columns, ["Längst"], mapper), mapper)
    cmp = compare_published(counts, {"Längst": {"1": mention_zero(P03=1, P08=2, P13=1, EJ_SVAR=1)}})
    assert (cmp.cells, cmp.equal) == (15, 14)
    assert [(d.category, d.published, d.computed) for d in cmp.cell_differences] == [("P13", 1, 2)]
    published = tmp_path / "pub.json"
    published.write_text(json.dumps({"Längst": {"1": mention_zero(P03=1, P08=2, P13=2, EJ_SVAR=1)}}), encoding="utf-8")
    r = runner.invoke(app, ["mentions", "compare", str(tmp_path / "b.csv"), "--published", str(published), "-f", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["equal"] == 15


def test_cells_and_checkboxes_from_a_project_survey(tmp_path):
    from qualcode.ingest.service import import_survey

    from helpers import make_project

    rows = [CELLS[0] + BOXES[0][2:5]] + [c + b[2:5] for c, b in zip(CELLS[1:], BOXES[1:])]
    path = write_utf8_csv(tmp_path / "s.csv", rows)
    project = make_project(tmp_path)
    try:
        import_survey(project, path, ["Längst", "Störst behov"], id_column="id")
    finally:
        project.store.close()
    for spec in (["-c", "Längst,Störst behov"], ["-c", "Längst –*,Längst:*"]):
        from_project = runner.invoke(app, ["mentions", "count", "--project", str(tmp_path / "p"), *spec, "-f", "json"])
        from_file = runner.invoke(app, ["mentions", "count", str(path), *spec, "-f", "json"])
        assert from_project.exit_code == 0, from_project.output
        assert json.loads(from_project.stdout) == json.loads(from_file.stdout)
    data = json.loads(from_project.stdout)
    assert data["sets"]["Längst"]["total"] == mention_zero(P03=1, P08=2, P13=2)
    grouped = runner.invoke(app, ["mentions", "count", "--project", str(tmp_path / "p"), "-c", "Störst behov",
                                  "--by", "stadsdel", "-f", "json"])
    assert json.loads(grouped.stdout)["by"]["groups"]["Bromma"]["total"] == mention_zero(P01=1, P03=2, P05=1, P07=1)


def test_chosen_free_text_columns_with_a_common_prefix_stay_columns_of_their_own(tmp_path, mapper):
    rows = [["id", "Enkät: Längst", "Enkät: Störst behov"], ["1", "4, 6", "lokaler"], ["2", "handledning", "3 och 7"]]
    answers = read_answers(write_utf8_csv(tmp_path / "s.csv", rows))
    sets = select_columns(answers.columns, ["Enkät*"], mapper, answers.rows)
    assert [(s.name, s.columns, s.options) for s in sets] == [
        ("Enkät: Längst", ("Enkät: Längst",), ()), ("Enkät: Störst behov", ("Enkät: Störst behov",), ())]
    data = to_json(count_mentions(answers, sets, mapper))
    assert data["sets"]["Enkät: Störst behov"]["total"] == mention_zero(P03=1, P07=1, P13=1)


def test_the_browser_view_counts_checkbox_families_of_a_project(tmp_path):
    from qualcode.coding.workspace import mention_view
    from qualcode.ingest.service import import_survey

    from helpers import make_project

    path = write_utf8_csv(tmp_path / "b.csv", BOXES)
    project = make_project(tmp_path)
    try:
        import_survey(project, path, ["Längst – Handledning"], id_column="id")
        view = mention_view(project)
    finally:
        project.store.close()
    assert [s.name for s in view.sets] == ["Längst", "Störst behov"]
    assert view.tables[0].rows[-1] == ("Totalt", "6", "4", "")


def test_without_columns_the_refusal_names_the_questions_answered_in_one_cell(tmp_path):
    comments = ["Vi har fått bättre lokaler men handledningen har blivit sämre sedan omorganisationen i våras",
                "Det är för mycket att göra och ingen lyssnar på ledningen när vi säger att ärendena är för många",
                "Introduktionen för nya medarbetare fungerar bra men administrativt stöd saknas fortfarande helt"]
    rows = [["id", "stadsdel", "roll", "Längst", "Störst behov", "Kommentar"]]
    längst = ["4, 6, 2", "handledning och lokaler", "punkt 2 & 9", "lokalerna", "1, 3", "introduktion"]
    behov = ["lön", "3 och 7", "arbetsbelastning", "adm stöd till chefer", "13", "vet ej"]
    for i in range(6):
        rows.append([str(i + 1), ["Bromma", "Kista"][i % 2], ["chef", "handläggare"][i % 2], längst[i], behov[i], comments[i % 3]])
    r = runner.invoke(app, ["mentions", "count", str(write_utf8_csv(tmp_path / "enkät.csv", rows))])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        "fel: ange vilka kolumner som ska räknas — kolumner: id, stadsdel, roll, Längst, Störst behov, Kommentar — "
        "kolumnerna 'Längst', 'Störst behov' svarar med områden i några få ord: för att räkna dem: "
        "`--columns Längst --columns 'Störst behov'`"]
