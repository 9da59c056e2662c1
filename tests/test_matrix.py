"""Code matrix export (CSV/XLSX) for R, SPSS and Excel."""

from __future__ import annotations

import pytest

from qualcode.core.errors import InputError
from qualcode.analysis.matrix import code_matrix, matrix_csv, safe_name, write_matrix
from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn
from qualcode.project import init_project


def _store(st, docs):  # type: ignore[no-untyped-def]
    """The documents, each one segment; (their ids, segment id per document id)."""
    with st.transaction():
        ids = [st.add_document(d, f"h{i}") for i, d in enumerate(docs)]
        st.add_segments(SegmentIn(i, "response", 0, 0, len(d.text), "") for i, d in zip(ids, docs))
    return ids, {s.document_id: s.id for s in st.iter_segments()}


@pytest.fixture
def project(tmp_path):
    proj = init_project(tmp_path / "p", name="m", coder="anna")
    st = proj.store
    docs = [
        DocumentIn("enkät:R1:behov_1", "survey", "lokaler", {"respondent": "R1", "roll": "chef", "field": "behov_1"}),
        DocumentIn("enkät:R1:behov_2", "survey", "lönen", {"respondent": "R1", "roll": "chef", "field": "behov_2"}),
        DocumentIn("enkät:R2:behov_1", "survey", "vet ej", {"respondent": "R2", "roll": "medarbetare", "field": "behov_1"}),
        DocumentIn("intervju", "note", "Om lokaler.", {"stadsdel": "Älvsjö"}),
    ]
    ids, seg = _store(st, docs)
    with st.transaction():
        st.upsert_coding(seg[ids[0]], "P13", "anna", "manual")
        st.upsert_coding(seg[ids[1]], "T-LON", "anna", "accepted")
        st.upsert_coding(seg[ids[2]], "P05", "anna", "rejected")
        st.upsert_coding(seg[ids[2]], "P05", MODEL_CODER, "suggested", score=0.9)
        st.upsert_coding(seg[ids[3]], "P13", "bo", "manual")
    yield proj
    proj.close()


def test_matrix_by_respondent(project):
    m = code_matrix(project, codes=["P13", "T-LON", "P05", "G-LOKALER"])
    assert m.columns == ("id", "kind", "documents", "roll", "stadsdel", "P13", "T-LON", "P05", "G-LOKALER")
    assert [dict(r) for r in m.rows] == [
        {"id": "R1", "kind": "survey", "documents": 2, "roll": "chef", "stadsdel": "", "P13": 1, "T-LON": 1, "P05": 0, "G-LOKALER": 1},
        {"id": "R2", "kind": "survey", "documents": 1, "roll": "medarbetare", "stadsdel": "", "P13": 0, "T-LON": 0, "P05": 0, "G-LOKALER": 0},
        {"id": "intervju", "kind": "note", "documents": 1, "roll": "", "stadsdel": "Älvsjö", "P13": 1, "T-LON": 0, "P05": 0, "G-LOKALER": 1},
    ]


def test_matrix_by_document_and_coder(project):
    m = code_matrix(project, by="document", coders=["anna"], codes=["P13", "T-LON"], kind="survey")
    assert m.meta_columns == ("field", "respondent", "roll")  # the store keeps metadata keys sorted
    assert [(r["id"], r["field"], r["P13"], r["T-LON"]) for r in m.rows] == [
        ("enkät:R1:behov_1", "behov_1", 1, 0), ("enkät:R1:behov_2", "behov_2", 0, 1), ("enkät:R2:behov_1", "behov_1", 0, 0),
    ]


def test_default_columns_are_codable_codes_in_codebook_order(project):
    m = code_matrix(project)
    leaves = [c.id for c in project.codebook.codes if not c.is_group]
    assert list(m.code_columns) == leaves
    assert len(code_matrix(project, groups=True).code_columns) == len(project.codebook)


def test_csv_and_xlsx_files(project, tmp_path):
    m = code_matrix(project, codes=["P13", "T-LON"])
    text = matrix_csv(m, delimiter=";")
    assert text.splitlines()[0] == "id;kind;documents;roll;stadsdel;P13;T-LON"
    assert text.splitlines()[3] == "intervju;note;1;;Älvsjö;1;0"
    path = write_matrix(m, tmp_path / "m.csv", bom=True, safe_names=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == "id,kind,documents,roll,stadsdel,P13,T_LON"
    from openpyxl import load_workbook

    xlsx = write_matrix(m, tmp_path / "m.xlsx")
    ws = load_workbook(xlsx).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == list(m.columns)
    assert values[1] == ["R1", "survey", 2, "chef", None, 1, 1]
    with pytest.raises(InputError, match="okänt matrisformat 'txt'"):
        write_matrix(m, tmp_path / "m.txt")
    with pytest.raises(InputError, match="okänd radindelning 'person' — välj en av auto"):
        code_matrix(project, by="person")


def test_safe_name():
    used: set[str] = set()
    assert [safe_name(n, used) for n in ("T-OMORG", "år", "2018 termin", "T_OMORG", "ä ö")] == [
        "T_OMORG", "ar", "v_2018_termin", "T_OMORG_2", "a_o",
    ]


def test_semicolon_csv_writes_a_decimal_comma(tmp_path):
    """Swedish Excel and LibreOffice in a Swedish locale read `41.0` as text; `;` CSVs get `41,0`."""
    proj = init_project(tmp_path / "d", name="d", coder="anna")
    st = proj.store
    with st.transaction():
        doc = st.add_document(DocumentIn("intervju", "note", "Om lokaler.", {"tjänstgöring": 41.0, "andel": 0.25}), "h")
        st.add_segments([SegmentIn(doc, "paragraph", 0, 0, 11, "")])
        st.upsert_coding(next(st.iter_segments()).id, "P13", "anna", "manual")
    m = code_matrix(proj, codes=["P13"])
    semicolon = matrix_csv(m, delimiter=";").splitlines()
    assert semicolon[0] == "id;kind;documents;andel;tjänstgöring;P13"
    assert semicolon[1] == "intervju;note;1;0,25;41,0;1"
    assert matrix_csv(m, delimiter=",").splitlines()[1] == "intervju,note,1,0.25,41.0,1"
    path = write_matrix(m, tmp_path / "m.csv", delimiter=";")
    assert path.read_text(encoding="utf-8").splitlines()[1] == "intervju;note;1;0,25;41,0;1"
    proj.close()


def test_one_id_in_two_surveys_is_two_respondents(tmp_path):
    """2017's respondent 1 and 2018's are two people: two rows, each with her own term and codes."""
    proj = init_project(tmp_path / "p", name="m", coder="anna")
    st = proj.store
    docs = [
        DocumentIn("enkat2017:1:kommentar", "survey", "lokaler", {"respondent": "1", "termin": "HT2017"}, source="a/enkat2017.csv"),
        DocumentIn("enkat2018:1:kommentar", "survey", "lönen", {"respondent": "1", "termin": "HT2018"}, source="b/enkat2018.csv"),
    ]
    try:
        ids, seg = _store(st, docs)
        with st.transaction():
            st.upsert_coding(seg[ids[0]], "P13", "anna", "manual")
            st.upsert_coding(seg[ids[1]], "T-LON", "anna", "manual")
        m = code_matrix(proj, codes=["P13", "T-LON"])
    finally:
        proj.close()
    assert m.columns == ("id", "survey", "kind", "documents", "termin", "P13", "T-LON")
    assert [dict(r) for r in m.rows] == [
        {"id": "1", "survey": "enkat2017", "kind": "survey", "documents": 1, "termin": "HT2017", "P13": 1, "T-LON": 0},
        {"id": "1", "survey": "enkat2018", "kind": "survey", "documents": 1, "termin": "HT2018", "P13": 0, "T-LON": 1},
    ]
