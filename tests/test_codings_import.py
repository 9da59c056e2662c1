"""Bringing in coding done elsewhere: codings files (JSONL, CSV) and survey codes columns."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from helpers import make_project, write_cp1252_csv
from qualcode.cli.main import app
from qualcode.coding.codings_import import import_codings_file, lookup_code
from qualcode.core.codebook import default_codebook
from qualcode.core.errors import InputError
from qualcode.ingest.service import import_notes, import_survey

runner = CliRunner()


@pytest.fixture
def proj(tmp_path):
    (tmp_path / "a.md").write_text("Lokalerna är trånga.\n\nLönen är låg för alla.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("Vi har fått en mentor.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, [tmp_path / "a.md", tmp_path / "b.md"])
        yield p


def codings(p):
    return sorted((s.document_name, c.code_id, c.coder, c.memo) for c, s in p.store.iter_codings())


def test_lookup_code_by_id_any_case_number_name_alias():
    cb = default_codebook()
    assert lookup_code(cb, "p13").id == "P13"
    assert lookup_code(cb, "13").id == "P13" and lookup_code(cb, "punkt 2").id == "P02"
    assert lookup_code(cb, cb.get("P05").name.upper()).id == "P05"
    assert lookup_code(cb, "P99") is None and lookup_code(cb, "G-LOKALER") is None  # groups are not coded


def test_csv_semicolon_cp1252(proj, tmp_path):
    path = write_cp1252_csv(tmp_path / "kod.csv", [
        ["document", "quote", "code", "coder", "memo"],
        ["a.md", "Lokalerna är  trånga", "p13, T-OMORG", "bertil", "trångt"],
        ["b.md", "en mentor", "2", "", ""],
    ])
    r = import_codings_file(proj, path)
    assert (r.codings, r.segments, r.coders) == (3, 2, ("bertil", "anna"))
    assert codings(proj) == [("a.md", "P13", "bertil", "trångt"), ("a.md", "T-OMORG", "bertil", "trångt"),
                             ("b.md", "P02", "anna", None)]
    assert {a.detail.get("via") for a in proj.store.iter_audit()} == {"kodningsfil:kod.csv"}


def test_jsonl_as_the_demo_writes_it(proj, tmp_path):
    path = tmp_path / "kod.jsonl"
    path.write_text(json.dumps({"document": "a.md", "quote": "Lönen är låg", "codes": ["T-LON"], "coder": "anna"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_codings_file(proj, path).codings == 1
    assert codings(proj) == [("a.md", "T-LON", "anna", None)]


def test_every_wrong_line_is_listed_and_nothing_is_written(proj, tmp_path):
    path = tmp_path / "kod.csv"
    path.write_text(
        "dokument;citat;kod\n"
        "a.md;Lokalerna är trånga;P13\n"
        "a.md;Lokalerna är trånga;P14\n"
        "b.md;en kontorsstol;P13\n"
        "c.md;något;P13\n"
        "a.md;Lönen;T-LON,XYZ\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_codings_file(proj, path)
    msg = str(exc.value)
    assert msg.startswith("kod.csv: 4 fel, inget skrevs — ")
    assert "rad 3: okänd kod 'P14'" in msg
    assert "rad 4: citatet 'en kontorsstol' finns inte i texten ('b.md')" in msg
    assert "rad 5: dokumentet 'c.md' finns inte i projektet" in msg
    assert "rad 6: okänd kod 'XYZ'" in msg
    assert codings(proj) == [] and list(proj.store.iter_audit()) == []


def test_cli_code_import(proj, tmp_path):
    path = tmp_path / "kod.csv"
    path.write_text("document;quote;code;coder;memo\na.md;Lokalerna;P13;;\n", encoding="utf-8")
    r = runner.invoke(app, ["code", "import", str(path), "-p", str(proj.root)])
    assert r.exit_code == 0, r.output
    assert "Importerade 1 kodning på 1 segment från kod.csv (kodare: anna)." in r.output


SURVEY = (
    "id;roll;kommentar;koder;P06\n"
    "r1;chef;Lokalerna är trånga;P13, t-omorg;0\n"
    "r2;chef;Bra administratörer;;1\n"
    "r3;chef;Inget att tillägga;;\n"
)


def test_survey_codes_column_and_0_1_columns(tmp_path):
    path = tmp_path / "enkat.csv"
    path.write_text(SURVEY, encoding="utf-8")
    with make_project(tmp_path) as p:
        r = import_survey(p, path, ["kommentar"], "id", codes_columns=["koder", "P06"])
        assert r.documents == 3 and r.codings == 3
        assert codings(p) == [("enkat:r1:kommentar", "P13", "anna", None), ("enkat:r1:kommentar", "T-OMORG", "anna", None),
                              ("enkat:r2:kommentar", "P06", "anna", None)]
        doc = p.store.find_document("enkat:r1:kommentar")
        assert "koder" not in doc.meta and "P06" not in doc.meta


def test_survey_codes_unknown_code_listed_with_line_nothing_imported(tmp_path):
    path = tmp_path / "enkat.csv"
    path.write_text(SURVEY.replace("P13, t-omorg", "P13, P77"), encoding="utf-8")
    with make_project(tmp_path) as p:
        with pytest.raises(InputError, match="rad 2: okänd kod 'P77' i kolumnen koder"):
            import_survey(p, path, ["kommentar"], "id", codes_columns=["koder"])
        assert p.store.count_documents() == 0


def test_cli_import_survey_codes_column(tmp_path):
    path = tmp_path / "enkat.csv"
    path.write_text(SURVEY, encoding="utf-8")
    with make_project(tmp_path) as p:
        root = str(p.root)
    r = runner.invoke(app, ["import", "survey", str(path), "--text", "kommentar", "--id", "id",
                            "--codes-column", "koder", "-p", root])
    assert r.exit_code == 0, r.output
    assert "2 kodningar" in r.output
