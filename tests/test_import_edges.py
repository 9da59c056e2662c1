"""Import edge cases a tester found: each refusal is one line and leaves the project as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.project import find_project

from helpers import make_project, project_dump

runner = CliRunner()


@pytest.fixture
def proj(tmp_path) -> Path:
    make_project(tmp_path).close()
    return tmp_path / "p"


def _run(proj: Path, *args: str):
    return runner.invoke(app, ["-p", str(proj), *args])


def _refused(proj: Path, *args: str) -> str:
    """The one line of a refused command, checking that the project is unchanged."""
    before = project_dump(proj)
    r = _run(proj, *args)
    assert r.exit_code == 1, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert "Traceback" not in r.output
    assert project_dump(proj) == before
    return lines[0]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# -- 1. respondent ids ------------------------------------------------------------------------


def test_a_duplicated_respondent_id_is_refused_with_its_lines(proj, tmp_path):
    f = _write(tmp_path / "dupid.csv", "id;kommentar;koder\n7;Lönen är för låg;P03\n7;Arbetsmiljön är dålig;P13\n8;Bra;\n")
    line = _refused(proj, "import", "survey", str(f), "-t", "kommentar", "--id", "id", "--codes-column", "koder")
    assert "'7'" in line and "2" in line and "3" in line and "id" in line


def test_a_duplicated_id_with_one_answer_is_refused_and_a_long_export_imports(proj, tmp_path):
    f = _write(tmp_path / "dupid.csv", "id;kommentar\n7;Lönen är för låg\n7;Arbetsmiljön är dålig\n")
    assert "'7'" in _refused(proj, "import", "survey", str(f), "-t", "kommentar", "--id", "id")
    # one row per statement, a respondent's comment on one of them: the long format is kept
    # one row per statement, comments on some: the long format is kept, the statement tells them apart
    g = _write(tmp_path / "lang.csv", "id;pastaende;motivering;koder\nE1;Bra arbete;Lönen är låg;\n"
               "E1;Rekommenderar;Jag söker annat;\nE1;Gott arbete;;\nE2;Bra arbete;Stress;P13\n")
    r = _run(proj, "import", "survey", str(g), "-t", "motivering", "--id", "id", "--codes-column", "koder")
    assert r.exit_code == 0, r.output
    with find_project(proj) as p:
        assert sorted((d.name, d.meta["pastaende"]) for d in p.store.iter_documents()) == [
            ("lang:E1:motivering", "Bra arbete"), ("lang:E1:motivering", "Rekommenderar"), ("lang:E2:motivering", "Bra arbete")]
    # but codes for E1 could not tell which of her two comments they are for
    h = _write(tmp_path / "lang2.csv", g.read_text(encoding="utf-8").replace("Gott arbete;;", "Gott arbete;;P03"))
    assert "'E1'" in _refused(proj, "import", "survey", str(h), "-t", "motivering", "--id", "id", "--codes-column", "koder")


def test_a_repeated_answer_after_many_batches_is_refused_and_nothing_is_kept(proj, tmp_path):
    """Answers are checked as 8-byte keys when the file has been read: a repeat 3,000 rows down,
    after batches were stored, still refuses the import whole and names both lines."""
    rows = [f"R{i};Bromma;Svar nummer {i} om lönen" for i in range(3000)] + ["R17;Bromma;Svar igen"]
    f = _write(tmp_path / "lang.csv", "id;stadsdel;kommentar\n" + "\n".join(rows) + "\n")
    line = _refused(proj, "import", "survey", str(f), "-t", "kommentar", "--id", "id")
    assert "'R17'" in line and "19" in line and "3002" in line


def test_an_empty_respondent_id_is_refused_not_numbered(proj, tmp_path):
    # the empty id would become '2' (its row number) and meet respondent 2 of the line below
    f = _write(tmp_path / "emptyid.csv", "id;kommentar\n5;Lönen\n;Arbetsmiljön\n2;Bra\n")
    line = _refused(proj, "import", "survey", str(f), "-t", "kommentar", "--id", "id")
    assert "3" in line and "'id'" in line


def test_without_an_id_column_rows_are_numbered(proj, tmp_path):
    f = _write(tmp_path / "noid.csv", "kommentar\nLönen\nArbetsmiljön\n")
    r = _run(proj, "import", "survey", str(f), "-t", "kommentar")
    assert r.exit_code == 0, r.output
    with find_project(proj) as p:
        assert sorted(d.name for d in p.store.iter_documents()) == ["noid:1:kommentar", "noid:2:kommentar"]


# -- 2. two surveys of one file name ------------------------------------------------------------


def test_a_survey_of_the_same_file_name_from_another_folder_is_refused(proj, tmp_path):
    a = _write(tmp_path / "y2016" / "enkat.csv", "id;stadsdel;kommentar\n1;Bromma;Lönen är låg\n2;Kista;Stress\n")
    b = _write(tmp_path / "y2017" / "enkat.csv", "id;stadsdel;kommentar\n1;Spånga;Bra chef\n2;Kista;Stress\n3;Enskede;Ok\n")
    assert _run(proj, "import", "survey", str(a), "-t", "kommentar", "--id", "id").exit_code == 0
    line = _refused(proj, "import", "survey", str(b), "-t", "kommentar", "--id", "id")
    assert "enkat_y2017.csv" in line and "--replace" in line and "--as-new" in line
    with find_project(proj) as p:  # the 2016 respondents keep their metadata
        assert sorted((r, m["stadsdel"]) for _s, r, m, _c in p.store.respondents()) == [("1", "Bromma"), ("2", "Kista")]
    # the same file again is the same survey; a new version of it may replace it
    assert "redan importerat" in _refused(proj, "import", "survey", str(a), "-t", "kommentar", "--id", "id")
    r = _run(proj, "import", "survey", str(b), "-t", "kommentar", "--id", "id", "--replace")
    assert r.exit_code == 0, r.output


# -- 3. damaged files and bad options give one line, never a traceback -------------------------


def _rezip(src: Path, dest: Path, member: str, data: bytes) -> Path:
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == member else zin.read(info.filename))
    return dest


@pytest.fixture
def docx_file(tmp_path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("Lönen är för låg.")
    d.save(tmp_path / "base.docx")
    return tmp_path / "base.docx"


@pytest.fixture
def xlsx_file(tmp_path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in [["id", "kommentar"]] + [[i, f"Svar nummer {i} om lönen"] for i in range(200)]:
        ws.append(row)
    wb.save(tmp_path / "enkat.xlsx")
    return tmp_path / "enkat.xlsx"


def test_a_docx_with_damaged_xml_is_refused(proj, tmp_path, docx_file):
    import zipfile

    xml = zipfile.ZipFile(docx_file).read("word/document.xml")
    bad = _rezip(docx_file, tmp_path / "trasig.docx", "word/document.xml", xml[: len(xml) // 2])
    assert "trasig.docx" in _refused(proj, "import", "notes", str(bad))


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(proj, tmp_path, docx_file):
    bomb = _rezip(docx_file, tmp_path / "bomb.docx", "word/document.xml", b" " * (20 * 1024 * 1024))
    line = _refused(proj, "import", "notes", str(bomb))
    assert "word/document.xml" in line and "zip" in line


def test_an_xlsx_with_a_truncated_sheet_or_a_bomb_is_refused(proj, tmp_path, xlsx_file):
    import zipfile

    xml = zipfile.ZipFile(xlsx_file).read("xl/worksheets/sheet1.xml")
    cut = _rezip(xlsx_file, tmp_path / "kort.xlsx", "xl/worksheets/sheet1.xml", xml[: len(xml) // 2])
    assert "kort.xlsx" in _refused(proj, "import", "survey", str(cut), "-t", "kommentar")
    bomb = _rezip(xlsx_file, tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml", xml[:-20] + b" " * (20 << 20) + xml[-20:])
    assert "zip" in _refused(proj, "import", "survey", str(bomb), "-t", "kommentar")


def test_utf16_given_for_a_utf8_survey_and_a_long_delimiter_are_refused(proj, tmp_path):
    f = _write(tmp_path / "enkat.csv", "id;kommentar\n1;Lönen är för låg\n")
    assert "utf-16" in _refused(proj, "import", "survey", str(f), "-t", "kommentar", "--encoding", "utf-16")
    assert "';;'" in _refused(proj, "import", "survey", str(f), "-t", "kommentar", "--delimiter", ";;")


# -- 4. decomposed Unicode (NFD, as macOS writes names) is stored composed (NFC) ----------------


NFD = "Lo\u0308nen a\u0308r fo\u0308r la\u030ag"  # "Lönen är för låg" decomposed


def test_nfd_note_text_name_and_metadata_are_stored_as_nfc(proj, tmp_path):
    import unicodedata

    f = _write(tmp_path / unicodedata.normalize("NFD", "intervju_åsa.md"), f"---\nstadsdel: A\u030arsta\n---\n{NFD}.\n")
    r = _run(proj, "import", "notes", str(f), "-m", "grupp=Fo\u0308rskola")
    assert r.exit_code == 0, r.output
    with find_project(proj) as p:
        (doc,) = p.store.iter_documents()
    assert (doc.name, doc.text, doc.meta) == ("intervju_åsa.md", "Lönen är för låg.", {"stadsdel": "Årsta", "grupp": "Förskola"})
    assert _run(proj, "corpus", "show", "intervju_åsa.md").exit_code == 0
    r = _run(proj, "code", "add", "P13", "--document", "intervju_åsa.md", "--quote", "Lönen är")
    assert r.exit_code == 0, r.output


def test_nfd_survey_cells_and_column_names_are_stored_as_nfc(proj, tmp_path):
    f = _write(tmp_path / "enkat.csv", f"id;fo\u0308rvaltning;kommentar\n1;So\u0308der;{NFD}\n")
    r = _run(proj, "import", "survey", str(f), "-t", "kommentar", "--id", "id")
    assert r.exit_code == 0, r.output
    with find_project(proj) as p:
        (doc,) = p.store.iter_documents()
        assert (doc.text, doc.meta["förvaltning"]) == ("Lönen är för låg", "Söder")
        assert [m for _s, _r, m, _c in p.store.respondents()] == [{"förvaltning": "Söder"}]


def test_an_unchanged_nfc_file_keeps_its_content_hash(tmp_path):
    from qualcode.core.records import DocumentIn
    from qualcode.ingest.readers import read_note
    from qualcode.ingest.service import content_hash

    f = _write(tmp_path / "n.txt", "Lönen är för låg.\n")
    doc = read_note(f)
    assert content_hash(doc) == content_hash(DocumentIn(name="n.txt", kind="note", text="Lönen är för låg.", meta={}))


def test_a_sidecar_matches_nfd_file_names_and_names_rows_and_files_that_do_not_match(proj, tmp_path):
    import unicodedata

    folder = tmp_path / "sc"
    _write(folder / unicodedata.normalize("NFD", "intervju_åsa.txt"), "Text om lönen.\n")
    _write(folder / "intervju_b.txt", "Text om chefen.\n")
    _write(folder / "intervju_d.txt", "Text om lokalerna.\n")
    side = _write(tmp_path / "meta.csv", "fil;stadsdel\nintervju_åsa.txt;Älvsjö\nintervju_b.txt;Kista\nintervju_c.txt;Spånga\n")
    r = _run(proj, "import", "notes", str(folder), "--sidecar", str(side))
    assert r.exit_code == 0, r.output
    assert "intervju_c.txt" in r.output and "intervju_d.txt" in r.output
    with find_project(proj) as p:
        assert {d.name: d.meta for d in p.store.iter_documents()} == {
            "intervju_åsa.txt": {"stadsdel": "Älvsjö"}, "intervju_b.txt": {"stadsdel": "Kista"}, "intervju_d.txt": {}}


# -- 10. one name, two documents ----------------------------------------------------------------


def test_one_file_name_in_two_folders_is_warned_about_and_document_name_is_ambiguous(proj, tmp_path):
    _write(tmp_path / "n" / "HT2016" / "intervju1.txt", "Lönen är låg.\n")
    _write(tmp_path / "n" / "VT2017" / "intervju1.txt", "Chefen stöttar.\n")
    r = _run(proj, "import", "notes", str(tmp_path / "n"))
    assert r.exit_code == 0, r.output
    assert "'intervju1.txt'" in r.output and "HT2016" in r.output and "VT2017" in r.output
    line = _refused(proj, "code", "add", "P13", "--document", "intervju1.txt", "--quote", "Chefen")
    assert "id 1, 2" in line


# -- 5. lock and system files -------------------------------------------------------------------


def test_lock_and_system_files_are_skipped_in_a_folder_and_named_when_given(proj, tmp_path, docx_file):
    folder = tmp_path / "notes"
    folder.mkdir()
    docx_file.rename(folder / "base.docx")
    _write(folder / "~$base.docx", "\x00" * 162)
    _write(folder / ".~lock.base.docx#", "anna,host,01.01.2026")
    _write(folder / "._intervju.txt", "\x00\x05\x16\x07")
    _write(folder / ".DS_Store", "\x00\x00")
    r = _run(proj, "import", "notes", str(folder))
    assert r.exit_code == 0, r.output
    assert "~$base.docx" in r.output and "._intervju.txt" in r.output
    with find_project(proj) as p:
        assert [d.name for d in p.store.iter_documents()] == ["base.docx"]
    assert "Word" in _refused(proj, "import", "notes", str(folder / "~$base.docx"))


# -- 6. long cells -----------------------------------------------------


def test_a_csv_cell_over_131072_characters_imports(proj, tmp_path):
    long = "Lönen är låg. " * 15_000
    f = _write(tmp_path / "lang.csv", f'id;kommentar\n1;"{long}"\n2;Kort\n')
    r = _run(proj, "import", "survey", str(f), "-t", "kommentar", "--id", "id")
    assert r.exit_code == 0, r.output
    with find_project(proj) as p:
        assert sorted(len(d.text) for d in p.store.iter_documents()) == [4, len(long.strip())]


# -- 8, 9. column names -------------------------------------------------------------------------


def test_blank_column_names_are_named_by_place_or_dropped_alike_in_csv_and_xlsx(tmp_path):
    from openpyxl import Workbook

    from qualcode.ingest.readers import SurveySpec, read_survey

    rows = [["id", "", "kommentar", "", "grupp", ""], ["1", "x", "Bra arbetsmiljö", "", "A", ""], ["2", "", "Dålig lön", "", "B", ""]]
    csv_file = _write(tmp_path / "tom.csv", "".join(";".join(r) + "\n" for r in rows))
    wb = Workbook()
    for r in rows:
        wb.active.append([c or None for c in r])
    wb.save(tmp_path / "tom.xlsx")
    spec = SurveySpec(("kommentar",), "id")
    metas = [[d.meta for d in read_survey(f, spec)] for f in (csv_file, tmp_path / "tom.xlsx")]
    # the unnamed column 2 keeps its value; the empty unnamed columns 4 and 6 leave no trace
    assert metas[0] == metas[1] == [
        {"kolumn_2": "x", "grupp": "A", "respondent": "1", "field": "kommentar"},
        {"grupp": "B", "respondent": "2", "field": "kommentar"},
    ]


def test_a_column_or_metadata_named_respondent_or_field_is_refused(proj, tmp_path):
    f = _write(tmp_path / "metacoll.csv", "id;respondent;field;kommentar\n1;chef;IFO;Lönen\n")
    line = _refused(proj, "import", "survey", str(f), "-t", "kommentar", "--id", "id")
    assert "'field'" in line and "'respondent'" in line
    g = _write(tmp_path / "ok.csv", "id;kommentar\n1;Lönen\n")
    assert "'respondent'" in _refused(proj, "import", "survey", str(g), "-t", "kommentar", "-m", "respondent=99")


# -- 10. a note whose front matter alone changed --------------------------------------------------


def test_a_note_whose_front_matter_alone_changed_is_named_and_replace_updates_it(proj, tmp_path):
    f = _write(tmp_path / "i3.md", "---\ntermin: HT2016\n---\n\nFörsta stycket om lönen.\n\nAndra stycket.\n")
    assert _run(proj, "import", "notes", str(f)).exit_code == 0
    f.write_text(f.read_text(encoding="utf-8").replace("HT2016", "VT2017"), encoding="utf-8")
    line = _refused(proj, "import", "notes", str(f))
    assert "HT2016 → VT2017" in line and "--replace" in line
    r = _run(proj, "import", "notes", str(f), "--replace")
    assert r.exit_code == 0, r.output
    assert "i3.md" in r.output
    with find_project(proj) as p:
        (doc,) = p.store.iter_documents()
        assert doc.meta == {"termin": "VT2017"}
        assert "document.meta" in [e.action for e in p.store.iter_audit()]
    assert "redan importerat" in _refused(proj, "import", "notes", str(f), "--replace")


def test_survey_sources_names_the_files_of_a_surveys_respondents_on_both_engines(tmp_path, project_db):
    from qualcode.core.errors import InputError
    from qualcode.ingest.service import import_survey

    a = _write(tmp_path / "y2016" / "enkat.csv", "id;kommentar\n1;Lönen är låg\n")
    b = _write(tmp_path / "y2017" / "enkat.csv", "id;kommentar\n1;Bra chef\n")
    with make_project(tmp_path, db=project_db) as p:
        import_survey(p, a, ["kommentar"], "id")
        assert p.store.survey_sources("enkat") == {str(a)} and p.store.survey_sources("annan") == set()
        with pytest.raises(InputError, match="enkat_y2017.csv"):
            import_survey(p, b, ["kommentar"], "id")


# -- hostile survey exports: an unclosed quotation mark, formulas without values, group headings ---------


def test_an_unclosed_quotation_mark_is_refused_not_read_as_one_long_answer(proj, tmp_path):
    f = _write(tmp_path / "q.csv", 'id;svar\n1;"Bra lokaler\n2;Dålig lön\n3;Mer folk\n')
    line = _refused(proj, "import", "survey", str(f), "-t", "svar", "--id", "id")
    assert line.startswith(f"fel: '{f}' rad 2:") and "2–4" in line and "citattecken" in line


def test_an_unclosed_quotation_mark_on_the_last_line_says_the_file_ends_inside_the_cell(proj, tmp_path):
    f = _write(tmp_path / "q.csv", 'id;svar\n1;"Bra lokaler\nmed fönster"\n2;"Dålig lön\n')
    line = _refused(proj, "import", "survey", str(f), "-t", "svar", "--id", "id")
    assert line.startswith(f"fel: '{f}' rad 4:") and "filen slutar inne i den" in line and "4–4" not in line


def test_a_quotation_mark_inside_a_cell_and_a_quoted_answer_over_lines_still_import(proj, tmp_path):
    f = _write(tmp_path / "ok.csv", 'id;svar\n1;Bra "lokaler\n2;"Dålig\nlön ""sa hon"""\n')
    assert _run(proj, "import", "survey", str(f), "-t", "svar", "--id", "id").exit_code == 0
    with find_project(proj) as p:
        assert sorted(d.text for d in p.store.iter_documents()) == ['Bra "lokaler', 'Dålig\nlön "sa hon"']


def test_a_formula_without_a_saved_value_is_read_as_its_text_with_a_warning(proj, tmp_path):
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "svar", "datum"])
    ws.append([1, "=bra", datetime.datetime(2018, 3, 1)])  # written by a program: a formula with no saved value
    ws.append([2, "Dålig lön", datetime.datetime(2018, 3, 2, 12, 30)])
    ws.append([3, datetime.datetime(2019, 1, 1), "x"])
    wb.save(tmp_path / "f.xlsx")
    r = _run(proj, "import", "survey", str(tmp_path / "f.xlsx"), "-t", "svar", "--id", "id")
    assert r.exit_code == 0, r.output
    assert f"varning: '{tmp_path / 'f.xlsx'}': en rad har en formel utan sparat värde (rad 2); formeln lästes som text" in r.output
    with find_project(proj) as p:
        docs = {d.name: (d.text, d.meta.get("datum")) for d in p.store.iter_documents()}
    assert docs == {"f:1:svar": ("=bra", "2018-03-01"), "f:2:svar": ("Dålig lön", "2018-03-02 12:30:00"),
                    "f:3:svar": ("2019-01-01", "x")}


def test_the_column_names_are_found_under_a_row_of_merged_group_headings(proj, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Bakgrund", None, "Fritext", None])
    ws.merge_cells("A1:B1")
    ws.merge_cells("C1:D1")
    ws.append(["id", "roll", "Lokaler", "Lön"])
    ws.append(["1", "ss", "Trångt", "Låg"])
    wb.save(tmp_path / "m.xlsx")
    r = _run(proj, "import", "survey", str(tmp_path / "m.xlsx"), "-t", "Lokaler", "-t", "Lön", "--id", "id")
    assert r.exit_code == 0, r.output
    assert "kolumnnamnen står på rad 2" in r.output
    with find_project(proj) as p:
        assert sorted((d.name, d.text, d.meta["roll"]) for d in p.store.iter_documents()) == [
            ("m:1:Lokaler", "Trångt", "ss"), ("m:1:Lön", "Låg", "ss")]


def test_a_row_of_data_above_is_no_group_heading(proj, tmp_path):
    """A row with as many cells as the names below it is data, not headings: the first row stays the header."""
    f = _write(tmp_path / "d.csv", "a;b;c\nid;svar;roll\n1;Bra;ss\n")
    line = _refused(proj, "import", "survey", str(f), "-t", "svar", "--id", "id")
    assert "saknar kolumnen" in line


@pytest.mark.parametrize("name, command", [("l.xlsx", ["survey", "-t", "svar"]), ("l.docx", ["notes"])])
def test_a_password_protected_office_file_is_named_so(proj, tmp_path, name, command):
    """Excel and Word store an encrypted file in the old container (OLE), not as a zip: it is not "damaged"."""
    f = tmp_path / name
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    line = _refused(proj, "import", command[0], str(f), *command[1:])
    assert line == (f"fel: '{f}' är lösenordsskyddad, eller en gammal Excel- eller Word-fil (.xls/.doc) med nytt namn — "
                    f"öppna den, ta bort lösenordet (Arkiv → Info → Skydda) och spara den som {f.suffix} igen")


@pytest.mark.parametrize("name, command", [("bild.txt", ["notes"]), ("bild.csv", ["survey", "-t", "svar"])])
def test_an_image_under_a_text_name_is_named_as_an_image_not_an_encoding(proj, tmp_path, name, command):
    f = tmp_path / name
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    line = _refused(proj, "import", command[0], str(f), *command[1:])
    assert line.startswith(f"fel: '{f}' är en bild (PNG), inte text — importera själva") and "encoding" not in line


def test_a_pdf_under_an_xlsx_name_says_to_export_the_table(proj, tmp_path):
    f = tmp_path / "t.xlsx"
    f.write_bytes(b"%PDF-1.4\n%%EOF\n")
    line = _refused(proj, "import", "survey", str(f), "-t", "svar")
    assert line == f"fel: '{f}' är en PDF-fil, inte text — exportera tabellen som .xlsx eller CSV från programmet som skapade den"


def test_an_xlsx_whose_sheet_states_a_wrong_size_is_read_whole(proj, tmp_path):
    """Some programs write <dimension ref="A1"/> for any sheet; openpyxl then read cell A1 alone ("only a header row")."""
    import re
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["id", "roll", "svar"], [1, "ss", "Trånga lokaler"], [2, "bh", "Låg lön"]):
        ws.append(row)
    wb.save(tmp_path / "ok.xlsx")
    bad = tmp_path / "fel-storlek.xlsx"
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
            zout.writestr(item, data)
    r = _run(proj, "import", "survey", str(bad), "-t", "svar", "--id", "id")
    assert r.exit_code == 0, r.output
    with find_project(proj) as p:
        assert sorted((d.text, d.meta["roll"]) for d in p.store.iter_documents()) == [("Låg lön", "bh"), ("Trånga lokaler", "ss")]


def test_a_quotation_mark_opened_mid_file_is_refused_not_merging_the_rows_below(proj, tmp_path):
    """Python's csv would read row 1's open cell on to the next quotation mark (row 3) and give one
    answer holding rows 1–3; the import names the lines instead and stores nothing."""
    f = _write(tmp_path / "mid.csv", 'id;svar\n1;"Bra lokaler\n2;Dålig lön\n3;Han sa "hej" till mig\n4;Sista\n')
    line = _refused(proj, "import", "survey", str(f), "-t", "svar", "--id", "id")
    assert line.startswith(f"fel: '{f}' rad 2:") and "2–4" in line and "citattecken" in line
    g = _write(tmp_path / "inner.csv", 'id;svar\n1;Bra\n2;"Han sa "hej" till mig"\n3;Sista\n')
    line = _refused(proj, "import", "survey", str(g), "-t", "svar", "--id", "id")
    assert line.startswith(f"fel: '{g}' rad 3:") and '""' in line
    with find_project(proj) as p:
        assert p.store.count_documents() == 0


def test_a_line_break_inside_a_cell_is_stored_as_in_notes(proj, tmp_path):
    """CR LF (Windows) and a lone CR inside a quoted cell become \\n, as a note's line endings do;
    the rows' own CR LF endings are not part of any answer."""
    f = tmp_path / "crlf.csv"
    f.write_bytes('id;svar\r\n1;"Rad ett\r\nrad två"\r\n2;"Gammal\rMac"\r\n3;Enkel\r\n'.encode("utf-8"))
    assert _run(proj, "import", "survey", str(f), "-t", "svar", "--id", "id").exit_code == 0
    with find_project(proj) as p:
        assert sorted(d.text for d in p.store.iter_documents()) == ["Enkel", "Gammal\nMac", "Rad ett\nrad två"]


def test_a_second_round_numbered_alike_says_which_equal_answers_it_skipped(tmp_path):
    """Two rounds of a survey, respondents numbered 1, 2, 3 in both and no column that tells them
    apart: the second round's answers equal to the first's are skipped (they are the same content)
    — and the import says so, naming both, with the fix, instead of only listing them as skipped."""
    import warnings

    from qualcode.core.errors import QualcodeWarning
    from qualcode.ingest.service import import_survey

    first = tmp_path / "enkat2016.csv"
    first.write_text("id;stadsdel;kommentar\n1;Bromma;Lokalerna är trånga.\n2;Farsta;Nej.\n3;Farsta;Bra chef.\n", encoding="utf-8")
    second = tmp_path / "enkat2017.csv"
    second.write_text("id;stadsdel;kommentar\n1;Bromma;Mer handledning.\n2;Farsta;Nej.\n3;Farsta;Bra chef.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import_survey(p, first, ["kommentar"], id_column="id")
        assert not [w for w in caught if isinstance(w.message, QualcodeWarning)]
        with pytest.warns(QualcodeWarning, match="enkat2017:2:kommentar' = 'enkat2016:2:kommentar") as got:
            r = import_survey(p, second, ["kommentar"], id_column="id")
        assert r.documents == 1 and r.skipped == ["enkat2017:2:kommentar", "enkat2017:3:kommentar"]
        assert r.skipped_elsewhere == [("enkat2017:2:kommentar", "enkat2016:2:kommentar"),
                                       ("enkat2017:3:kommentar", "enkat2016:3:kommentar")]
        assert got[0].message.info.hint.example == "termin=HT2017"


def test_a_column_name_over_two_lines_is_one_line_to_type_and_to_read(tmp_path):
    """Survey tools and Excel write a long question with a line break in its header cell: it is
    typed with a space (or as written), and names the answers and the metadata on one line."""
    import openpyxl

    from qualcode.ingest.service import import_survey

    book = tmp_path / "forms.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["ID", "Vilken stadsdel\narbetar du i?", "Vad fungerar bra\ni ditt arbete?"])
    wb.active.append([1, "Farsta", "Kollegorna och handledningen."])
    wb.save(book)
    flat = tmp_path / "enkat.csv"
    flat.write_text('id;"Vad fungerar\r\nbra?";stadsdel\r\n1;Bra kollegor;Farsta\r\n', encoding="utf-8")
    with make_project(tmp_path) as p:
        import_survey(p, book, ["Vad fungerar bra i ditt arbete?"], id_column="ID")
        import_survey(p, flat, ["Vad fungerar\nbra?"], id_column="id")
        docs = {d.name: d.meta for d in p.store.iter_documents()}
    assert set(docs) == {"forms:1:Vad fungerar bra i ditt arbete?", "enkat:1:Vad fungerar bra?"}
    assert docs["forms:1:Vad fungerar bra i ditt arbete?"]["Vilken stadsdel arbetar du i?"] == "Farsta"


def test_columns_that_name_who_answered_are_not_kept_as_metadata_without_a_word(tmp_path):
    import warnings

    from qualcode.core.errors import QualcodeWarning
    from qualcode.ingest.service import import_survey

    f = tmp_path / "forms.csv"
    f.write_text("ID;Namn;E-post;stadsdel;svar\n1;Anna Svensson;anna@example.se;Farsta;Bra kollegor\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        with pytest.warns(QualcodeWarning, match="'Namn', 'E-post'") as got:
            import_survey(p, f, ["svar"], id_column="ID")
        assert got[0].message.info.hint.option == "meta_column" and got[0].message.info.hint.example == "stadsdel"
    with make_project(tmp_path, name="q") as p, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import_survey(p, f, ["svar"], id_column="ID", meta_columns=["stadsdel"])  # she chose the metadata
        assert not [w for w in caught if isinstance(w.message, QualcodeWarning)]
        assert [d.meta for d in p.store.iter_documents()] == [{"stadsdel": "Farsta", "respondent": "1", "field": "svar"}]


def test_an_unreadable_file_in_a_folder_stops_in_one_line_and_imports_nothing(tmp_path, monkeypatch):
    """A file the user may not read (chmod 000 in a shared folder) is named in one line, with no
    traceback, and the import stores nothing of the folder."""
    from typer.testing import CliRunner

    import qualcode.ingest.readers as readers
    import qualcode.ingest.service as service
    from qualcode.cli.main import app

    from helpers import make_project

    project = make_project(tmp_path)
    project.store.close()
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("Lokalerna är trånga.", encoding="utf-8")
    (folder / "b.txt").write_text("Handledningen fungerar.", encoding="utf-8")
    real = readers.read_note

    def read_note(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name == "b.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(service, "read_note", read_note)
    result = CliRunner().invoke(app, ["-p", str(tmp_path / "p"), "import", "notes", str(folder)])
    assert result.exit_code == 1, result.output
    assert "b.txt': åtkomst nekad" in result.output and "Traceback" not in result.output
    import json

    status = CliRunner().invoke(app, ["-p", str(tmp_path / "p"), "status", "--format", "json"])
    assert {row["what"]: row["n"] for row in json.loads(status.stdout)}["documents"] == 0


@pytest.mark.parametrize("column", ["Namn (frivilligt)", "RecipientFirstName", "IPAddress", "Mejladress", "Födelseår"])
def test_a_personal_column_is_named_by_its_words_and_the_fix_keeps_every_other_column(tmp_path, column):
    import csv
    import warnings

    from qualcode.core.errors import QualcodeWarning
    from qualcode.ingest.service import import_survey
    from qualcode.cli.common import render_error

    survey = tmp_path / "enkat.csv"
    with survey.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([
            ["id", column, "Vilken roll har du?", "stadsdel", "svar"],
            ["R1", "x", "chef", "Farsta", "Lokalerna är trånga."],
        ])
    with make_project(tmp_path) as p, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QualcodeWarning)
        import_survey(p, survey, ["svar"], id_column="id")
    shown = [render_error(w.message) for w in caught if isinstance(w.message, QualcodeWarning)]
    assert any(repr(column) in m and "--meta-column 'Vilken roll har du?' --meta-column stadsdel" in m for m in shown), shown


def test_a_workbook_whose_first_sheet_has_no_answers_names_the_others_and_sheet_names_ignore_case(tmp_path):
    from openpyxl import Workbook

    from qualcode.core.errors import InputError
    from qualcode.ingest.service import import_survey

    wb = Workbook()
    wb.active.title = "Info"
    wb.active.append(["Enkät om arbetsmiljö 2024"])
    ws = wb.create_sheet("Svar")
    ws.append(["id", "Kommentar"])
    ws.append(["1", "Lokalerna är trånga."])
    path = tmp_path / "esmaker.xlsx"
    wb.save(path)
    with make_project(tmp_path) as p:
        with pytest.raises(InputError) as info:
            import_survey(p, path, ["Kommentar"], id_column="id")
        assert info.value.info.hint is not None and info.value.info.hint.option == "sheet" and "Svar" in info.value.info.hint.text
        assert import_survey(p, path, ["Kommentar"], id_column="id", sheet="svar").documents == 1


def test_a_new_version_of_a_survey_names_the_answers_it_no_longer_holds(tmp_path):
    """Respondent 2 withdrew: the new export lacks her answer. --replace keeps it (an import never
    deletes coded work) and says which answers are gone and how to remove them."""
    import warnings

    from qualcode.core.errors import InputError, QualcodeWarning
    from qualcode.ingest.service import import_survey

    first, second = tmp_path / "v1", tmp_path / "v2"
    first.mkdir(), second.mkdir()
    (first / "enkat.csv").write_text("id;kommentar\n1;Lönen är låg.\n2;Lokalerna är trånga.\n3;Chefen är bra.\n", encoding="utf-8")
    (second / "enkat.csv").write_text("id;kommentar\n1;Lönen är låg.\n3;Chefen är bra.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_survey(p, first / "enkat.csv", ["kommentar"], id_column="id")
        with pytest.raises(InputError, match="har inget nytt, och 1 svar i projektet finns inte i den") as info:
            import_survey(p, second / "enkat.csv", ["kommentar"], id_column="id", on_change="replace")
        assert info.value.info.hint is not None and info.value.info.hint.command == ("corpus", "remove", "enkat:2:kommentar")
        (second / "enkat.csv").write_text("id;kommentar\n1;Lönen är för låg.\n3;Chefen är bra.\n", encoding="utf-8")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", QualcodeWarning)
            import_survey(p, second / "enkat.csv", ["kommentar"], id_column="id", on_change="replace")
        assert any("1 svar från 'enkat' i projektet finns inte i den nya versionen" in str(w.message) for w in caught)
        assert sorted(d.name for d in p.store.iter_documents(kind="survey")) == ["enkat:1:kommentar", "enkat:2:kommentar", "enkat:3:kommentar"]


def test_a_survey_without_id_names_the_column_that_would_keep_its_answers_apart(tmp_path):
    import warnings

    from qualcode.core.errors import QualcodeWarning
    from qualcode.ingest.service import import_survey

    path = tmp_path / "svar.csv"
    path.write_text("Tidstämpel,Stadsdel,Kommentar\n2024/03/05 10:00:00,Bromma,Lönen är för låg.\n", encoding="utf-8")
    with make_project(tmp_path) as p, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QualcodeWarning)
        import_survey(p, path, ["Kommentar"])
    shown = [w.message for w in caught if isinstance(w.message, QualcodeWarning)]
    assert len(shown) == 1 and "'Tidstämpel' ser ut att vara en" in str(shown[0])
    assert shown[0].info.hint is not None and (shown[0].info.hint.option, shown[0].info.hint.example) == ("id", "Tidstämpel")


def test_a_quotation_mark_inside_a_quoted_cell_is_named_in_the_interface_language(tmp_path):
    from qualcode.core.errors import InputError
    from qualcode.ingest.service import import_survey

    path = tmp_path / "svar.csv"
    path.write_text('id;kommentar\n1;"Han sa "hej" till mig"\n2;ok\n', encoding="utf-8")
    with make_project(tmp_path) as p:
        with pytest.raises(InputError) as info:
            import_survey(p, path, ["kommentar"], id_column="id")
    assert "rad 2: ett citattecken avslutar en citerad cell före dess slut" in str(info.value)
    assert "expected" not in str(info.value)


def test_front_matter_that_is_never_closed_stops_the_import(tmp_path):
    from qualcode.core.errors import InputError
    from qualcode.ingest.service import import_notes

    note = tmp_path / "intervju.md"
    note.write_text("---\ntermin: HT2016\nstadsdel: Bromma\n\nFörsta stycket.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        with pytest.raises(InputError, match="stängs aldrig"):
            import_notes(p, [note])
        assert list(p.store.iter_documents()) == []
        ruled = tmp_path / "linje.md"
        ruled.write_text("---\n\nEtt stycke efter en linje.\n", encoding="utf-8")  # a rule, no metadata: text
        import_notes(p, [ruled])


def test_corpus_show_prints_metadata_as_key_value_and_a_bracketed_name_whole(tmp_path):
    from qualcode.ingest.service import import_notes

    note = tmp_path / "intervju [utkast].md"
    note.write_text("---\ntermin: HT2016\nbetyg: 3,5\n---\nLokalerna är trånga.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, [note])
    r = _run(tmp_path / "p", "corpus", "show", "intervju [utkast].md")
    assert r.exit_code == 0, r.output
    assert "intervju [utkast].md — betyg=3,5, termin=HT2016" in r.output and "{" not in r.output


def test_a_question_text_given_for_a_qualtrics_column_names_its_short_name(tmp_path):
    from qualcode.core.errors import InputError
    from qualcode.ingest.service import import_survey

    path = tmp_path / "qualtrics.csv"
    path.write_text(
        'ResponseId,Q1,Q3\n'
        'Response ID,Vilken roll har du?,Beskriv med egna ord vad som kan bli bättre.\n'
        '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID3_TEXT""}"\n'
        'R_1,chef,Lokalerna är trånga.\n', encoding="utf-8")
    from qualcode.core.errors import QualcodeWarning

    with make_project(tmp_path) as p:
        with pytest.raises(InputError) as info, pytest.warns(QualcodeWarning, match="Qualtrics"):
            import_survey(p, path, ["Beskriv med egna ord vad som kan bli bättre."], id_column="ResponseId")
    hint = info.value.info.hint
    assert hint is not None and (hint.option, hint.example) == ("text", "Q3")


def test_a_survey_in_utf16_without_a_byte_order_mark_names_the_encoding(tmp_path):
    from qualcode.core.errors import InputError
    from qualcode.ingest.service import import_survey

    path = tmp_path / "svar.txt"
    path.write_bytes("Respondent\tKommentar\r\n1\tLokalerna är trånga.\r\n".encode("utf-16-le"))
    with make_project(tmp_path) as p:
        with pytest.raises(InputError, match="UTF-16 utan byte order mark") as info:
            import_survey(p, path, ["Kommentar"])
        assert info.value.info.hint is not None and info.value.info.hint.example == "utf-16-le"
        assert import_survey(p, path, ["Kommentar"], id_column="Respondent", encoding="utf-16-le").documents == 1


# -- files under another type's name ----------------------------------------------------------------


def _ole(path: Path, stream: str) -> Path:
    """An old Office container (OLE2) whose directory names `stream` (UTF-16LE, as Word and Excel write it)."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + (stream + "\0").encode("utf-16-le") + b"\0" * 64)
    return path


@pytest.mark.parametrize("name, stream, command, expected", [
    ("intervju.docx", "WordDocument", ["notes"],
     "är en gammal Word-fil (.doc) med namnet .docx — öppna den i Word och spara den som .docx (Arkiv → Spara som)"),
    ("enkat.xlsx", "Workbook", ["survey", "-t", "svar"],
     "är en gammal Excel-fil (.xls) med namnet .xlsx — öppna den i Excel och spara den som .xlsx (Arkiv → Spara som)"),
    ("enkat.xlsx", "EncryptedPackage", ["survey", "-t", "svar"],
     "är lösenordsskyddad — öppna den, ta bort lösenordet (Arkiv → Info → Skydda) och spara den som .xlsx igen"),
])
def test_an_old_office_file_under_a_new_name_is_named_by_what_it_holds(proj, tmp_path, name, stream, command, expected):
    f = _ole(tmp_path / name, stream)
    assert _refused(proj, "import", command[0], str(f), *command[1:]) == f"fel: '{f}' {expected}"


def test_a_csv_named_xlsx_and_a_text_named_docx_are_named_text(proj, tmp_path):
    csv_file = _write(tmp_path / "enkat.xlsx", "id;svar\n1;Bra\n")
    assert _refused(proj, "import", "survey", str(csv_file), "-t", "svar") == (
        f"fel: '{csv_file}' är en textfil (CSV), inte en Excel-fil — ge den filändelsen .csv och importera den igen")
    note = _write(tmp_path / "intervju.docx", "Intervju med enhetschefen\n\nHon sa att lokalerna är för små.\n")
    assert _refused(proj, "import", "notes", str(note)) == (
        f"fel: '{note}' är en textfil, inte en Word-fil — ge den filändelsen .txt (eller .md) och importera den igen")


def test_an_excel_file_named_docx_and_a_word_file_named_xlsx_say_so(proj, tmp_path, docx_file):
    import shutil

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["id", "svar"])
    wb.save(tmp_path / "enkat.xlsx")
    as_docx = shutil.copy(tmp_path / "enkat.xlsx", tmp_path / "enkat.docx")
    assert _refused(proj, "import", "notes", str(as_docx)) == (
        f"fel: '{as_docx}' är en Excel-fil, inte en Word-fil — ge den filändelsen .xlsx — "
        "importera den sedan som enkät: `qualcode import survey enkat.xlsx`")
    as_xlsx = shutil.copy(docx_file, tmp_path / "intervju.xlsx")
    assert _refused(proj, "import", "survey", str(as_xlsx), "-t", "svar") == (
        f"fel: '{as_xlsx}' är en Word-fil, inte en Excel-fil — ge den filändelsen .docx — "
        "importera den sedan som anteckningar: `qualcode import notes intervju.docx`")


def test_a_repeated_column_name_is_named_with_its_columns(proj, tmp_path):
    f = _write(tmp_path / "dubbel.csv", "id;Kommentar;Ålder;Kommentar\n1;Bra;34;Dåligt\n")
    assert _refused(proj, "import", "survey", str(f), "-t", "Kommentar") == (
        f"fel: '{f}': kolumnnamnet 'Kommentar' förekommer 2 gånger (kolumn 2, 4) — ge varje kolumn ett eget namn "
        "i rubrikraden (t.ex. 'Kommentar 2'), spara filen och importera den igen")


def test_a_line_wider_than_a_spreadsheet_is_refused_at_once(proj, tmp_path):
    """A line of millions of cells (50 MB of 'a;') took minutes to compare its names; more than
    Excel's 16 384 columns is no survey table."""
    import time

    f = _write(tmp_path / "bred.csv", "a;" * 200_000 + "\n")
    start = time.perf_counter()
    assert _refused(proj, "import", "survey", str(f), "-t", "Kommentar") == (
        f"fel: '{f}' rad 1 har 200\u00a0001 celler, fler än ett kalkylblad har kolumner (16\u00a0384) — det är ingen "
        "enkättabell: kontrollera att det är rätt fil, sparad som CSV")
    assert time.perf_counter() - start < 2
