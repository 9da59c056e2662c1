"""Importers: encodings, delimiters, docx, xlsx, metadata sources, and every bad-input case."""

from __future__ import annotations

import pytest

from qualcode.cli.common import render_error
from qualcode.ingest.service import import_notes, import_survey
from qualcode.core.errors import DuplicateImportError, InputError, QualcodeWarning
from qualcode.ingest.readers import detect_encoding, read_note, split_front_matter

from helpers import make_project, write_cp1252_csv

ROWS = [
    ["id", "stadsdel", "termin", "motivering", "betyg"],
    ["E1", "Skärholmen", "HT2017", "För många ärenden; ingen hinner med", "2,5"],
    ["E2", "Älvsjö", "VT2018", "Bra chef och trevliga kollegor", "4"],
    ["E3", "Östermalm", "VT2018", "", "3"],
]


@pytest.fixture
def project(tmp_path, project_db):
    with make_project(tmp_path, db=project_db) as p:
        yield p


def nothing_written(project) -> bool:
    stats = project.store.stats()
    imports = project.store.row_counts()["imports"]
    return stats["documents"] == 0 and stats["segments"] == 0 and imports == 0


def test_cp1252_semicolon_csv(project, tmp_path):
    path = write_cp1252_csv(tmp_path / "enkat.csv", ROWS)
    assert detect_encoding(path) == "cp1252"
    result = import_survey(project, path, ["motivering"], id_column="id")
    assert (result.documents, result.segments) == (2, 2)  # the empty cell is not a document
    docs = list(project.store.iter_documents())
    assert [d.text for d in docs] == ["För många ärenden; ingen hinner med", "Bra chef och trevliga kollegor"]
    assert docs[0].meta == {"stadsdel": "Skärholmen", "termin": "HT2017", "betyg": 2.5, "respondent": "E1",
                            "field": "motivering"}
    seg = next(project.store.iter_segments())
    assert seg.unit == "response" and seg.text == docs[0].text


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_utf8_bom_with_other_delimiters(project, tmp_path, delimiter):
    lines = [delimiter.join(f'"{c}"' if delimiter in c or ";" in c else c for c in row) for row in ROWS]
    path = tmp_path / "enkat.csv"
    path.write_bytes("\ufeff".encode() + "\n".join(lines).encode("utf-8"))
    assert detect_encoding(path) == "utf-8-sig"
    import_survey(project, path, ["motivering"], id_column="id")
    doc = next(project.store.iter_documents())
    assert "id" not in doc.meta and doc.meta["respondent"] == "E1"  # BOM stripped from the first header


def test_xlsx_survey(project, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    for row in ROWS:
        wb.active.append([float(c.replace(",", ".")) if c[:1].isdigit() else c for c in row])
    wb.save(tmp_path / "enkat.xlsx")
    result = import_survey(project, tmp_path / "enkat.xlsx", ["motivering"], id_column="id")
    assert result.documents == 2
    assert next(project.store.iter_documents()).meta["betyg"] == "2.5"


def test_docx_note_with_sidecar(project, tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Farsta, medarbetare", level=1)
    d.add_paragraph("Arbetslokalerna är för trånga och det saknas tysta rum.")
    d.add_paragraph("")
    d.add_paragraph("Introduktionen har blivit bättre med mentor.")
    d.save(tmp_path / "farsta.docx")
    (tmp_path / "meta.csv").write_text("fil;stadsdel;termin\nfarsta.docx;Farsta;VT2017\n", encoding="utf-8")
    result = import_notes(project, [tmp_path / "farsta.docx"], sidecar=tmp_path / "meta.csv")
    assert (result.documents, result.segments) == (1, 3)
    doc = next(project.store.iter_documents())
    assert doc.meta == {"stadsdel": "Farsta", "termin": "VT2017"}
    assert [s.text for s in project.store.iter_segments()][1].startswith("Arbetslokalerna")


def test_front_matter_and_cli_meta_precedence(tmp_path):
    (tmp_path / "a.md").write_text("---\nstadsdel: Bromma\ntermin: HT2016\n---\nText om lokaler.\n", encoding="utf-8")
    doc = read_note(tmp_path / "a.md", meta={"termin": "VT2017"}, sidecar={"a.md": {"grupp": "chefer", "stadsdel": "X"}})
    assert doc.meta == {"stadsdel": "Bromma", "termin": "VT2017", "grupp": "chefer"}
    assert doc.text == "Text om lokaler."


def test_front_matter_nan_and_inf_are_kept_as_text(project, tmp_path):
    note = tmp_path / "a.md"
    note.write_text("---\npoäng: .nan\nvikt: .inf\nlägst: -.inf\nbetyg: 3.5\n---\nText om lokaler.\n", encoding="utf-8")
    import_notes(project, [note])
    doc = next(project.store.iter_documents(meta={"poäng": "nan"}))
    assert doc.meta == {"poäng": "nan", "vikt": "inf", "lägst": "-inf", "betyg": 3.5}


def test_front_matter_errors_name_the_file():
    with pytest.raises(InputError, match="a.md, rad 2: ogiltig YAML"):
        split_front_matter("---\nx: [1\n---\ntext", "a.md")


def test_reimport_is_skipped_and_partial_reimport_adds_only_new(project, tmp_path):
    path = write_cp1252_csv(tmp_path / "e.csv", ROWS)
    import_survey(project, path, ["motivering"], id_column="id")
    with pytest.raises(DuplicateImportError, match="redan importerat \\(2 dokument\\)"):
        import_survey(project, path, ["motivering"], id_column="id")
    write_cp1252_csv(tmp_path / "e2.csv", ROWS + [["E4", "Farsta", "HT2018", "Nya datorer", "5"]])
    with pytest.warns(QualcodeWarning, match="'e2:E1:motivering' = 'e:E1:motivering'"):  # another file's answers
        result = import_survey(project, tmp_path / "e2.csv", ["motivering"], id_column="id")
    assert (result.documents, len(result.skipped)) == (1, 2)
    assert project.store.stats()["documents"] == 3


def test_same_answer_from_two_respondents_is_two_documents(project, tmp_path):
    path = write_cp1252_csv(tmp_path / "e.csv", [["id", "m"], ["1", "Bra chef!"], ["2", "Bra chef!"]])
    assert import_survey(project, path, ["m"], id_column="id").documents == 2


def test_the_garbage_collector_settings_come_back_after_an_import(project, tmp_path):
    """An import tunes the collector for its rows (qualcode.core.collector.fewer_collections);
    afterwards, and after a failed import, the process has its own settings again."""
    import gc

    saved = gc.get_threshold()
    gc.set_threshold(600, 9, 8)
    try:
        path = write_cp1252_csv(tmp_path / "e.csv", ROWS)
        import_survey(project, path, ["motivering"], id_column="id")
        assert (gc.get_threshold(), gc.get_freeze_count()) == ((600, 9, 8), 0)
        with pytest.raises(DuplicateImportError):
            import_survey(project, path, ["motivering"], id_column="id")
        assert (gc.get_threshold(), gc.get_freeze_count()) == ((600, 9, 8), 0)
    finally:
        gc.set_threshold(*saved)


def test_an_import_gives_its_connection_a_larger_cache_and_takes_it_back(project, tmp_path, monkeypatch):
    from qualcode.ingest import segment
    from qualcode.store.database import BULK_CACHE_KB

    if project.store.pg:
        pytest.skip("SQLite's page cache")
    cache = lambda: project.store._x("PRAGMA cache_size").fetchone()[0]  # noqa: E731
    before, during = cache(), []
    segment_texts = segment.segment_texts
    monkeypatch.setattr(segment, "segment_texts", lambda *a, **k: during.append(cache()) or segment_texts(*a, **k))
    import_survey(project, write_cp1252_csv(tmp_path / "e.csv", ROWS), ["motivering"], id_column="id")
    assert (during, cache()) == ([-BULK_CACHE_KB], before)


def test_answers_another_writer_stored_meanwhile_are_skipped(project, tmp_path, monkeypatch):
    """Between the first look for known content and the batch's transaction another connection
    imports the same answers: they are skipped, not stored twice (nor a unique-key error)."""
    from qualcode.ingest import segment
    from qualcode.project import find_project

    path = write_cp1252_csv(tmp_path / "e.csv", ROWS)
    (tmp_path / "kopia").mkdir()
    same = write_cp1252_csv(tmp_path / "kopia" / "e.csv", ROWS[:2])  # E1's answer, the same content
    segment_texts = segment.segment_texts

    def other_writer_first(*args, **kwargs):
        monkeypatch.setattr(segment, "segment_texts", segment_texts)
        other = find_project(project.root)
        try:
            assert import_survey(other, same, ["motivering"], id_column="id").documents == 1
        finally:
            other.close()
        return segment_texts(*args, **kwargs)

    monkeypatch.setattr(segment, "segment_texts", other_writer_first)
    result = import_survey(project, path, ["motivering"], id_column="id")
    assert (result.documents, result.skipped) == (1, ["e:E1:motivering"])
    assert sorted(d.name for d in project.store.iter_documents()) == ["e:E1:motivering", "e:E2:motivering"]


@pytest.mark.parametrize(
    "make, call, message",
    [
        (lambda t: t / "saknas.csv", "survey", "finns inte — kontrollera sökvägen"),
        (lambda t: _write(t / "tom.csv", b""), "survey", "är tom"),
        (lambda t: write_cp1252_csv(t / "e.csv", ROWS), "badcol",
         "saknar kolumnen 'kommentar' — kolumner i filen: id, stadsdel, termin, motivering, betyg"),
        (lambda t: _write(t / "bad.csv", b"id;m\n1;\x81\x8d\xff\xfe\n"), "survey", "varken som UTF-8 eller cp1252"),
        (lambda t: _write(t / "trasig.docx", b"PK\x03\x04 not really a zip"), "notes", "skadad"),
        (lambda t: _write(t / "trasig.xlsx", b"garbage"), "survey", "skadad"),
        (lambda t: _write(t / "bara.csv", b"id;m\n"), "survey", "bara en rubrikrad"),
        (lambda t: _write(t / "a.md", b"---\nx: 1\n---\n\n"), "notes", "ingen text"),
        (lambda t: _write(t / "a.pdf", b"%PDF"), "notes", "en PDF-fil kan inte läsas som anteckningar — öppna den i Word"),
        (lambda t: _write(t / "rapport.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "notes", "är en PDF-fil, inte text"),
        (lambda t: _write(t / "brev.txt", b"{\\rtf1\\ansi Hej}"), "notes", "är en RTF-fil, inte ren text"),
        (lambda t: _write(t / "brev.odt", b"PK\x03\x04"), "notes", ".odt-filer kan inte läsas som anteckningar"),
        (lambda t: _write(t / "d.csv", "id;m\n1;a;b;c\n".encode()), "survey", "rad 2: 4 fält men rubrikraden har 2"),
        (lambda t: _write(t / "export.csv", b"PK\x03\x04\x14\x00\x06\x00" + bytes(200)), "survey", "är en Excel- eller Word-fil (.xlsx/.docx), inte text"),
        (lambda t: _write(t / "gammal.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200)), "survey", "är en gammal Excel- eller Word-fil (.xls/.doc)"),
        (lambda t: _write(t / "enkat.xls", b"id;m\n1;a\n"), "survey", "'.xls'-filer kan inte läsas"),
        (lambda t: _write(t / "intervju.md", b"PK\x03\x04" + bytes(100)), "notes", "är en Excel- eller Word-fil"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(project, tmp_path, make, call, message):
    path = make(tmp_path)
    with pytest.raises(InputError, match=message.replace("(", "\\(").replace(")", "\\)")):
        if call == "notes":
            import_notes(project, [path])
        elif call == "badcol":
            import_survey(project, path, ["kommentar"], id_column="id")
        else:
            import_survey(project, path, ["m"], id_column="id")
    assert nothing_written(project)


def test_a_bad_file_among_good_ones_imports_nothing(project, tmp_path):
    (tmp_path / "ok.md").write_text("Bra text.", encoding="utf-8")
    _write(tmp_path / "trasig.docx", b"not a zip")
    with pytest.raises(InputError, match="trasig.docx"):
        import_notes(project, [tmp_path / "ok.md", tmp_path / "trasig.docx"])
    assert nothing_written(project)


def test_explicit_wrong_encoding_suggests_the_fix(project, tmp_path):
    path = write_cp1252_csv(tmp_path / "e.csv", ROWS)
    with pytest.raises(InputError, match="kunde inte läsa .* som utf-8") as info:
        import_survey(project, path, ["motivering"], id_column="id", encoding="utf-8")
    assert "--" not in str(info.value) and info.value.info.hint.option == "encoding"
    assert render_error(info.value).endswith("prova en annan teckenkodning: `--encoding cp1252`")
    assert nothing_written(project)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_title_lines_above_the_column_names_are_skipped_with_a_warning(project, tmp_path):
    lines = ["Medarbetarenkät socialtjänsten 2017", "", "Utskrivet 2017-11-02",
             *[";".join(f'"{c}"' if ";" in c else c for c in r) for r in ROWS]]
    path = _write(tmp_path / "export.csv", "\n".join(lines).encode("cp1252"))
    with pytest.warns(QualcodeWarning, match="kolumnnamnen står på rad 4"):
        result = import_survey(project, path, ["motivering"], id_column="id")
    assert result.documents == 2
    assert next(project.store.iter_documents()).meta["stadsdel"] == "Skärholmen"


def test_title_rows_above_the_header_in_a_sheet_are_skipped(project, tmp_path):
    from openpyxl import Workbook

    from qualcode.core.errors import QualcodeWarning

    wb = Workbook()
    wb.active.append(["Enkät HT2017"])
    wb.active.append([])
    for row in ROWS:
        wb.active.append(row)
    wb.save(tmp_path / "enkat.xlsx")
    with pytest.warns(QualcodeWarning, match="rad 3"):
        assert import_survey(project, tmp_path / "enkat.xlsx", ["motivering"], id_column="id").documents == 2


def test_a_one_column_file_whose_answers_hold_commas_is_one_column(project, tmp_path):
    path = _write(tmp_path / "kommentarer.csv", "Kommentar\nBra, men trångt\nLokalerna är bra\nFör lite tid, för många ärenden\n".encode())
    assert import_survey(project, path, ["Kommentar"]).documents == 3
    assert [d.text for d in project.store.iter_documents()][0] == "Bra, men trångt"


def test_answers_that_look_like_a_header_are_not_taken_for_one():
    """A single-cell first row is a title only when the row below has named, unique columns as wide as the data."""
    from qualcode.ingest.readers import _header_index

    assert _header_index([["Enkät"], [], ["id", "m"], ["1", "a"]]) == 2
    assert _header_index([["Kommentar"], ["Bra", " men trångt"], ["Lokalerna"]]) == 0  # the rows below seldom fill two
    assert _header_index([["Kommentar"], ["ja", "ja"], ["1", "2", "3"]]) == 0  # a row below is wider
    assert _header_index([["id", "m"], ["1", "a"]]) == 0
    assert _header_index([["x"], ["y"]]) == 0
    # asked for columns: the row that names them, however sparse the answers
    assert _header_index([["Enkät"], ["id", "m"], ["1", ""], ["2", ""]]) == 0
    assert _header_index([["Enkät"], ["id", "m"], ["1", ""], ["2", ""]], want=["m"]) == 1
    assert _header_index([["Kommentar"], ["Bra", "men"], ["x"]], want=["Kommentar"]) == 0


def _survey_rows(n: int, meta: str = "Bromma") -> list[list[str]]:
    return [["id", "stadsdel", "motivering"]] + [
        [f"R{i}", meta, f"Svar nummer {i} om arbetsmiljön" if i % 3 else ""] for i in range(n)
    ]


def test_respondents_are_stored_batch_by_batch_not_held(project, tmp_path, monkeypatch):
    """The reader's respondent list is emptied at every batch: an import holds one batch of them."""
    from qualcode.ingest import service

    monkeypatch.setattr(service, "BATCH", 10)
    held: list[int] = []
    stage = service._Respondents.stage
    monkeypatch.setattr(service._Respondents, "stage", lambda self, *a: held.append(len(self.cases)) or stage(self, *a))
    result = import_survey(project, write_cp1252_csv(tmp_path / "e.csv", _survey_rows(100)), ["motivering"], id_column="id")
    assert result.respondents == 100 and len(held) > 5
    # a batch of 10 answers, the rows with empty answers between them, and the next answer (read
    # to know whether the batch is the last)
    assert max(held) <= 17
    assert [r[1] for r in project.store.respondents()] == [f"R{i}" for i in range(100)]


def test_a_failed_import_leaves_the_respondents_as_they_were(project, tmp_path, monkeypatch):
    """New respondents of batches already stored go again, and earlier ones keep their metadata."""
    from qualcode.ingest import segment, service

    import_survey(project, write_cp1252_csv(tmp_path / "a.csv", _survey_rows(30)), ["motivering"], id_column="id")
    before = sorted(project.store.respondents())
    monkeypatch.setattr(service, "BATCH", 10)
    segment_texts, calls = segment.segment_texts, []

    def third_batch_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disken är full")
        return segment_texts(*args, **kwargs)

    monkeypatch.setattr(segment, "segment_texts", third_batch_fails)
    fresh = [[f"N{i}", "Farsta", f"Nytt svar {i}"] for i in range(25)]
    changed = _survey_rows(30, meta="Farsta")  # the header, then R0..R29 in Farsta
    rows = changed[:6] + fresh + changed[6:]
    with pytest.raises(OSError):
        import_survey(project, write_cp1252_csv(tmp_path / "a.csv", rows), ["motivering"], id_column="id", on_change="new")
    assert sorted(project.store.respondents()) == before
    assert project.store.row_counts()["respondents"] == 30


def test_respondents_another_writer_stores_during_an_import_are_looked_up(project, tmp_path, monkeypatch):
    """A new survey's respondents are not looked up batch by batch, until another connection commits:
    one it stored meanwhile is then an earlier import's, claimed in the final transaction."""
    from qualcode.ingest import segment, service
    from qualcode.store.database import Store

    monkeypatch.setattr(service, "BATCH", 10)
    segment_texts, calls = segment.segment_texts, []

    def another_writer_in_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            with Store.open(project.store.url) as other, other.transaction():
                other_import = other.add_import("annan.csv", "survey", {})
                other.put_respondents("e", ["motivering"], [("R35", {"stadsdel": "Farsta"})], other_import)
        return segment_texts(*args, **kwargs)

    monkeypatch.setattr(segment, "segment_texts", another_writer_in_the_second_batch)
    import_survey(project, write_cp1252_csv(tmp_path / "e.csv", _survey_rows(40)), ["motivering"], id_column="id")
    ours = min(r[0] for r in project.store.table_rows("imports"))
    rows = {r[1]: (r[2], r[4]) for r in project.store.table_rows("respondents")}
    assert len(rows) == 40
    assert rows["R35"] == ('{"stadsdel": "Bromma"}', ours)
    assert {imp for _meta, imp in rows.values()} == {ours}


def test_respondents_of_an_unfinished_import_are_not_read(project, tmp_path, monkeypatch):
    """While an import runs (or after a crash, until it is rolled back) its respondents are not in the bases."""
    from qualcode.ingest import segment, service

    monkeypatch.setattr(service, "BATCH", 10)
    segment_texts, seen = segment.segment_texts, []

    def look_in_the_second_batch(*args, **kwargs):
        if project.store.row_counts()["respondents"]:
            seen.append((len(list(project.store.respondents())), project.store.survey_columns()[1]))
        return segment_texts(*args, **kwargs)

    monkeypatch.setattr(segment, "segment_texts", look_in_the_second_batch)
    import_survey(project, write_cp1252_csv(tmp_path / "e.csv", _survey_rows(40)), ["motivering"], id_column="id")
    assert seen and all(s == (0, set()) for s in seen)
    assert len(list(project.store.respondents())) == 40


def _in_flight(monkeypatch, batch: int = 2) -> None:
    """Small batches segmented in a forked process while the import stores the batch before."""
    from qualcode.ingest import segment, service

    monkeypatch.setattr(service, "BATCH", batch)
    monkeypatch.setattr(segment, "PARALLEL_MIN_CHARS", 0)


def test_with_two_workers_a_copy_in_the_next_batch_is_skipped_once(project, tmp_path, monkeypatch):
    """The batch after one still being segmented holds a copy of one of its notes: skipped, stored once
    (batches of two: the third batch is read while the second waits to be stored)."""
    _in_flight(monkeypatch)
    texts = ["Lokalerna är trånga.", "Chefen lyssnar.", "Ärendena är för många.", "Handledningen hjälper.",
             "Ärendena är för många.", "Lokalerna är trånga."]
    paths = []
    for i, text in enumerate(texts):
        (tmp_path / f"n{i}.txt").write_text(text, encoding="utf-8")
        paths.append(tmp_path / f"n{i}.txt")
    result = import_notes(project, paths, workers=2)
    assert (result.documents, sorted(result.skipped)) == (4, ["n4.txt", "n5.txt"])
    stored = sorted(d.name for d in project.store.iter_documents())
    assert stored == ["n0.txt", "n1.txt", "n2.txt", "n3.txt"]
    lemmas = {s.document_id: s.lemmas for s in project.store.iter_segments()}
    assert sorted(lemmas.values()) == sorted(["lokal vara trång", "chef lyssna", "ärende vara för många", "handledning hjälpa"])


def test_with_two_workers_a_failure_while_segmenting_stores_nothing(project, tmp_path, monkeypatch):
    """The forked process fails on the third batch: the import is rolled back, the first batches too."""
    from qualcode.ingest import segment

    _in_flight(monkeypatch, batch=10)
    segment_texts = segment.segment_texts

    def fails_on_a_word(nlp, documents, unit):  # runs in the forked process, which inherits it
        if any("R25" in text for _, text in documents):
            raise OSError("minnet tog slut")
        return segment_texts(nlp, documents, unit)

    monkeypatch.setattr(segment, "segment_texts", fails_on_a_word)
    rows = [["id", "stadsdel", "motivering"]] + [[f"R{i}", "Bromma", f"Svar R{i} om lokalerna"] for i in range(40)]
    with pytest.raises(OSError, match="minnet tog slut"):
        import_survey(project, write_cp1252_csv(tmp_path / "e.csv", rows), ["motivering"], id_column="id", workers=2)
    counts = project.store.row_counts()
    assert (counts["documents"], counts["segments"], counts["respondents"]) == (0, 0, 0)
