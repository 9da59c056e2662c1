"""Survey tools' exports with more than one heading row: Qualtrics (question texts and a row of
ImportIds under the short names) and SurveyMonkey (answer options under each question) give
answers, not headings, as rows; any other file is read as before."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from helpers import make_project
from qualcode.core.errors import QualcodeWarning
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
