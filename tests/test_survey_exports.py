"""Survey tools' exports with more than one heading row: Qualtrics (question texts and a row of
ImportIds under the short names) and SurveyMonkey (answer options under each question) give
answers, not headings, as rows; any other file is read as before."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from helpers import make_project
from qualcode.core.errors import InputError, QualcodeWarning
from qualcode.ingest.readers import iter_table_rows
from qualcode.ingest.service import import_survey

QUALTRICS = [
    ["StartDate", "ResponseId", "Q1", "Q2_1", "Q3"],
    ["Start Date", "Response ID", "Vilken stadsdel?", "Vad har blivit bättre? - Text", "Vad behövs mest?"],
    ['{"ImportId":"startDate","timeZone":"Europe/Stockholm"}', '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}',
     '{"ImportId":"QID2_1_TEXT"}', '{"ImportId":"QID3_TEXT"}'],
    ["2017-11-02 10:14:00", "R_1", "Bromma", "Chefen stöttar oss mer.", "Lokaler"],
    ["2017-11-02 10:20:00", "R_2", "Farsta", "", "Färre ärenden per handläggare."],
]
MONKEY = [
    ["Respondent ID", "Collector ID", "Vilken stadsdel?", "Vad har blivit bättre?", "Vad behövs mest?", "", ""],
    ["", "", "Response", "Open-Ended Response", "Lokaler", "Administrativt stöd", "Annat (ange)"],
    ["1001", "77", "Bromma", "Mer stöd från chefen.", "Lokaler", "", "Kortare handläggningstider"],
    ["1002", "77", "Farsta", "Introduktionen är bättre.", "", "Administrativt stöd", ""],
]


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = Workbook()
    for r in rows:
        wb.active.append([c or None for c in r])
    wb.save(path)
    return path


@pytest.mark.parametrize("write", [_csv, _xlsx, lambda p, r: _csv(p.with_suffix(".csv"), r, "cp1252", ";")])
def test_a_qualtrics_export_reads_its_answers(tmp_path, write):
    path = write(tmp_path / "enkat.xlsx" if write is _xlsx else tmp_path / "enkat.csv", QUALTRICS)
    with pytest.warns(QualcodeWarning, match="Qualtrics.*rad 3"):
        rows = list(iter_table_rows(path))
    assert [r["ResponseId"] for r in rows] == ["R_1", "R_2"]
    assert rows[1]["Q3"] == "Färre ärenden per handläggare." and rows[0]["Q1"] == "Bromma"


@pytest.mark.parametrize("write", [_csv, _xlsx])
def test_a_surveymonkey_export_names_each_option_under_its_question(tmp_path, write):
    path = write(tmp_path / ("enkat.xlsx" if write is _xlsx else "enkat.csv"), MONKEY)
    with pytest.warns(QualcodeWarning, match="SurveyMonkey.*rad 2"):
        rows = list(iter_table_rows(path))
    assert list(rows[0]) == ["Respondent ID", "Collector ID", "Vilken stadsdel?", "Vad har blivit bättre?",
                             "Vad behövs mest? – Lokaler", "Vad behövs mest? – Administrativt stöd",
                             "Vad behövs mest? – Annat (ange)"]
    assert [r["Vad behövs mest? – Annat (ange)"] for r in rows] == ["Kortare handläggningstider", ""]


def test_a_survey_export_imports_answers_not_headings(tmp_path):
    project = make_project(tmp_path / "p")
    path = _csv(tmp_path / "enkat.csv", QUALTRICS)
    with pytest.warns(QualcodeWarning):
        result = import_survey(project, path, ["Q2_1", "Q3"], id_column="ResponseId", meta_columns=["Q1"])
    texts = sorted(d.text for d in project.store.iter_documents(kind="survey"))
    assert result.documents == 3 and texts == ["Chefen stöttar oss mer.", "Färre ärenden per handläggare.", "Lokaler"]
    assert not any("ImportId" in t or "Vad behövs" in t for t in texts)
    project.close()


@pytest.mark.parametrize("second", [
    ["1", "Svar", "Bra."],  # "Svar" as an answer, and no "Respondent ID" column: not SurveyMonkey
    ["2", '{"ImportId":"x"}', "Ett svar."],  # one cell looks like an ImportId, the others do not
])
def test_other_files_keep_their_first_row_as_answers(tmp_path, second, recwarn):
    path = _csv(tmp_path / "enkat.csv", [["id", "typ", "kommentar"], second, ["3", "x", "Sist."]])
    rows = list(iter_table_rows(path))
    assert [r["id"] for r in rows] == [second[0], "3"]
    assert not [w for w in recwarn if issubclass(w.category, QualcodeWarning)]


# -- the tools Swedish municipalities use ---------------------------------------------------------

NETIGATE = [  # Netigate, Webropol, Esmaker, Questback: title lines above the header, 'Ej svar' or '-' for no answer
    ["Medarbetarenkät 2023 – Socialförvaltningen"],
    ["Exporterad 2023-04-01 09:12"],
    [],
    ["Respondent-ID", "Enhet", "Har du något mer du vill säga?", "Vad kan din chef göra bättre?"],
    ["R001", "Hemtjänst Norr", "Nej", "Ge oss mer återkoppling."],
    ["R002", "Hemtjänst Syd", "-", "Ej svar"],
    ["R003", "Hemtjänst Syd", "Ej svar", "Vara mer närvarande på enheten."],
    ["R004", "Hemtjänst Norr", "", " – "],
]


def test_cells_that_say_no_answer_are_no_answers_and_their_respondents_stay(tmp_path):
    project = make_project(tmp_path / "p")
    path = _xlsx(tmp_path / "netigate.xlsx", NETIGATE)
    with pytest.warns(QualcodeWarning) as caught:
        result = import_survey(project, path, ["Har du något mer du vill säga?", "Vad kan din chef göra bättre?"],
                               id_column="Respondent-ID")
    texts = [(d.meta["respondent"], d.text) for d in project.store.iter_documents(kind="survey")]
    assert texts == [("R001", "Nej"), ("R001", "Ge oss mer återkoppling."), ("R003", "Vara mer närvarande på enheten.")]
    assert result.documents == 3 and result.respondents == 4  # R002 and R004 are in the base
    assert str(caught[-1].message) == ("'netigate.xlsx': 4 celler säger att svar saknas ('Ej svar', '-', '–') och "
                                       "importerades inte som svar; respondenterna finns kvar i basen")
    project.close()


@pytest.mark.parametrize("text, expected", [
    ("-", True), (" . ", True), ("–", True), ("?", True), ("Ej svar", True), ("ej svar.", True), ("Inget svar", True),
    ("N/A", True), ("Nej", False), ("Vet ej", False), ("Inget", False), ("0", False), ("Ej svar på frågan om lön", False),
])
def test_no_answer_is_a_mark_not_a_short_answer(text, expected):
    from qualcode.ingest.readers import no_answer

    assert no_answer(text) is expected


def test_an_excel_sep_line_names_the_delimiter_and_is_no_title(tmp_path, recwarn):
    """Excel 'Spara som CSV' on Swedish Windows, with the 'sep=;' line some users add: cp1252, ';',
    decimal comma, a trailing empty column."""
    path = tmp_path / "excel.csv"
    path.write_bytes("sep=;\r\nid;Ålder;Nöjdhet;Kommentar;\r\n1;34;3,5;Lönen är för låg.;\r\n"
                     "2;51;4,0;\"Bra chef; trånga lokaler\";\r\n3;29;2,5;;\r\n".encode("cp1252"))
    project = make_project(tmp_path / "p")
    result = import_survey(project, path, ["Kommentar"], id_column="id")
    docs = list(project.store.iter_documents(kind="survey"))
    assert [(d.text, d.meta["Nöjdhet"], d.meta["Ålder"]) for d in docs] == [
        ("Lönen är för låg.", 3.5, "34"), ("Bra chef; trånga lokaler", 4.0, "51")]
    assert result.respondents == 3
    assert not [w for w in recwarn if issubclass(w.category, QualcodeWarning)]  # no 'title line skipped (sep=)'
    project.close()


def test_a_sep_line_wins_over_the_sniffed_delimiter(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("sep=,\nid,Kommentar\n1,Lönen; för låg\n2,Bra\n", encoding="utf-8")
    assert [r["Kommentar"] for r in iter_table_rows(path)] == ["Lönen; för låg", "Bra"]


def test_without_a_text_column_the_import_lists_the_columns_and_names_the_free_text(tmp_path):
    """Microsoft Forms: ID, times, e-mail and name, then columns named by the whole question."""
    import datetime

    from typer.testing import CliRunner

    from helpers import project_dump
    from qualcode.cli.main import app

    q1, q2 = "Vad fungerar bra i ditt arbete idag?", "Vad skulle du vilja förändra? Beskriv gärna."
    path = _xlsx(tmp_path / "forms.xlsx", [
        ["ID", "Starttid", "Tid för slutförande", "E-post", "Namn", "Vilken stadsdel?", q1, q2],
        [1, datetime.datetime(2023, 3, 12, 10, 15), datetime.datetime(2023, 3, 12, 10, 21), "anonymous", "", "Bromma",
         "Kollegorna är hjälpsamma och chefen lyssnar.", "Färre möten och mer tid för brukarna."],
        [2, datetime.datetime(2023, 3, 12, 11, 1), datetime.datetime(2023, 3, 12, 11, 9), "anonymous", "", "Farsta",
         "", "Bättre introduktion för alla nyanställda."],
    ])
    make_project(tmp_path).close()
    before = project_dump(tmp_path / "p")
    r = CliRunner().invoke(app, ["-p", str(tmp_path / "p"), "import", "survey", str(path), "--id", "ID"])
    assert r.exit_code == 1 and project_dump(tmp_path / "p") == before
    assert r.output.strip() == (
        "fel: 'forms.xlsx': vilka kolumner har fritexten som ska importeras? Kolumner i filen: 'ID', 'Starttid', "
        "'Tid för slutförande', 'E-post', 'Namn', 'Vilken stadsdel?', 'Vad fungerar bra i ditt arbete idag?', "
        "'Vad skulle du vilja förändra? Beskriv gärna.' — ange varje fritextkolumn: "
        "`--text 'Vad fungerar bra i ditt arbete idag?' --text 'Vad skulle du vilja förändra? Beskriv gärna.'`")


def test_a_google_forms_export_keeps_checkbox_answers_and_answers_over_lines(tmp_path):
    """Google Forms: comma-delimited, 'Tidstämpel' with 'em CET', ticked boxes as 'A, B' in one cell."""
    path = _csv(tmp_path / "google.csv", [
        ["Tidstämpel", "Vilka kanaler använder du?", "Övriga kommentarer"],
        ["2018/03/12 10:15:32 em CET", "Intranätet, E-post", "Informationen kommer för sent.\nVi läser om det i tidningen."],
        ["2018/03/12 10:17:01 em CET", "Arbetsplatsträffar", "-"],
    ], encoding="utf-8")
    project = make_project(tmp_path / "p")
    with pytest.warns(QualcodeWarning, match="1 cell säger att svar saknas"):
        import_survey(project, path, ["Övriga kommentarer"], id_column="Tidstämpel")
    (doc,) = project.store.iter_documents(kind="survey")
    assert doc.text == "Informationen kommer för sent.\nVi läser om det i tidningen."
    assert doc.meta["Vilka kanaler använder du?"] == "Intranätet, E-post"
    assert doc.meta["respondent"] == "2018/03/12 10:15:32 em CET"
    project.close()


@pytest.mark.parametrize("asked", [["langst_*"], ["langst_1,langst_2"], ["langst_1, langst_2"], ["langst_1", "langst_2"]])
def test_text_columns_as_a_pattern_or_a_list_import_as_named_one_by_one(tmp_path, asked):
    """`--text 'langst_*'` and `--text langst_1,langst_2` (as `mentions --columns` reads them) import
    the same answers, and store the same text columns for the bases, as naming each column."""
    csv_path = tmp_path / "enkat.csv"
    csv_path.write_text("respondent;stadsdel;langst_1;langst_2;behov_1\nR1;Kista;lokaler;lön;handledning\n"
                        "R2;Bromma;4;;6\n", encoding="utf-8")
    project = make_project(tmp_path / "p")
    r = import_survey(project, csv_path, asked, id_column="respondent")
    docs = sorted((d.meta["field"], d.text) for d in project.store.iter_documents())
    columns = {tuple(c) for _s, _r, _m, c in project.store.respondents()}
    project.close()
    assert (r.documents, r.respondents) == (3, 2)
    assert docs == [("langst_1", "4"), ("langst_1", "lokaler"), ("langst_2", "lön")]
    assert columns == {("langst_1", "langst_2")}


def test_a_pattern_matching_no_column_is_named_as_missing(tmp_path):
    csv_path = tmp_path / "enkat.csv"
    csv_path.write_text("respondent;langst_1\nR1;lokaler\n", encoding="utf-8")
    project = make_project(tmp_path / "p")
    with pytest.raises(InputError, match="behov_\\*"):
        import_survey(project, csv_path, ["behov_*"], id_column="respondent")
    assert list(project.store.iter_documents()) == []
    project.close()


def test_the_command_line_shows_an_exports_warning_once(tmp_path):
    """The file's headings are read more than once in an import (its columns first, then its answers):
    the warning about them is shown once."""
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    make_project(tmp_path).close()
    path = _csv(tmp_path / "enkat.csv", MONKEY)
    r = CliRunner().invoke(app, ["-p", str(tmp_path / "p"), "import", "survey", str(path), "--text", "Vad har blivit bättre?",
                                 "--id", "Respondent ID"])
    assert r.exit_code == 0, r.output
    assert [line for line in r.stderr.splitlines() if "SurveyMonkey" in line] == [
        f"varning: '{path}': en export från SurveyMonkey: rubrikraderna under kolumnnamnen (till och med rad 2) "
        "hoppades över och lästes inte som svar"]
