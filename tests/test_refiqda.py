"""REFI-QDA exchange: .qdc codebook and .qdpx project, validated against the published schemas."""

from __future__ import annotations

import uuid
from pathlib import Path
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timezone

import pytest

from qualcode.core.codebook import Code, build_codebook, default_codebook
from qualcode.core.errors import CodebookError, InputError
from qualcode.core.records import DocumentIn, SegmentIn
from qualcode.project import init_project
from qualcode.exchange.refi_export import (
    QDC_NS,
    QDE_NS,
    code_guid,
    codebook_to_qdc,
    parse_description,
    read_qdc,
    variable_type,
    write_qdc,
    write_qdpx,
)

Q = {"q": QDE_NS}


_SCHEMAS: dict = {}


@pytest.fixture
def schemas(shared_dir):
    """The published REFI-QDA schemas from ../shared/refi-qda (parsed once per run)."""
    xmlschema = pytest.importorskip("xmlschema")
    base = shared_dir / "refi-qda"
    if not (base / "Codebook.xsd").exists():
        pytest.skip("../shared/refi-qda/ has no schemas")
    if not _SCHEMAS:
        _SCHEMAS["codebook"] = xmlschema.XMLSchema(str(base / "Codebook.xsd"))
        _SCHEMAS["project"] = xmlschema.XMLSchema(str(base / "Project.xsd"))
    return _SCHEMAS


# -- codebook ----------------------------------------------------------------------------


def test_qdc_validates_against_published_schema(schemas, tmp_path):
    path = write_qdc(default_codebook(), tmp_path / "kodbok.qdc")
    schemas["codebook"].validate(str(path))


def test_qdc_round_trip_keeps_every_field_and_order(tmp_path):
    cb = default_codebook()
    back = read_qdc(write_qdc(cb, tmp_path / "kodbok.qdc"))
    assert back.codes == cb.codes
    assert back.name == "kodbok"


def test_qdc_structure_guids_and_nesting():
    cb = default_codebook()
    root = ET.fromstring(codebook_to_qdc(cb))
    ns = {"c": QDC_NS}
    codes = root.findall(".//c:Code", ns)
    assert len(codes) == len(cb)
    guids = [c.get("guid") for c in codes]
    assert len(set(guids)) == len(guids)
    for g in guids:
        assert uuid.UUID(g).version == 5
    p13 = next(c for c in codes if c.get("name", "").startswith("P13 "))
    assert p13.get("guid") == code_guid("P13")
    assert p13.get("isCodable") == "true"
    # P13 sits inside its group, and the group cannot be applied to text
    parent = next(c for c in codes if p13 in list(c))
    assert parent.get("name") == "G-LOKALER Lokaler"
    assert parent.get("isCodable") == "false"
    # same codebook, same bytes
    assert codebook_to_qdc(cb) == codebook_to_qdc(cb)


def test_qdc_multiline_definition_and_special_characters(tmp_path):
    cb = build_codebook([
        Code(id="A", name="Ärenden & <belastning>", kind="code", definition="Rad ett: med kolon.",
             keywords=("ärende", "åtta öar"), examples=("Ett \"citat\" här.",)),
        Code(id="A-1", name="Under", parent="A", include="x"),
    ])
    back = read_qdc(write_qdc(cb, tmp_path / "x.qdc"))
    assert back.codes == cb.codes


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="ATLAS.ti 8.4">
  <Codes>
    <Code guid="85D17F60-7BB0-481E-B742-B4861DD669DF" name="Känslor" isCodable="false">
      <Code guid="0F8A1907-7E42-4739-8610-A676B4D1B69F" name="glädje" isCodable="true">
        <Description>När någon uttrycker glädje.
Fortsätter på nästa rad.</Description>
      </Code>
      <Code guid="D2C1E38E-5220-42FA-A442-908471CC7964" name="Glädje!" isCodable="true"/>
    </Code>
    <Code guid="7496BA52-9C8D-4396-8FAB-CC438614E453" name="Coke::diet Coke" isCodable="true" color="#966450"/>
  </Codes>
</CodeBook>
"""


def test_qdc_import_from_another_tool(tmp_path, schemas):
    path = tmp_path / "atlas.qdc"
    path.write_text(FOREIGN, encoding="utf-8")
    schemas["codebook"].validate(str(path))
    cb = read_qdc(path)
    assert [(c.id, c.name, c.parent, c.kind) for c in cb.codes] == [
        ("KANSLOR", "Känslor", None, "group"),
        ("GLADJE", "glädje", "KANSLOR", "code"),
        ("GLADJE-2", "Glädje!", "KANSLOR", "code"),
        ("COKE-DIET-COKE", "Coke::diet Coke", None, "code"),
    ]
    assert cb.get("GLADJE").definition == "När någon uttrycker glädje. Fortsätter på nästa rad."


def test_qdc_bad_input(tmp_path):
    with pytest.raises(InputError, match="finns inte"):
        read_qdc(tmp_path / "saknas.qdc")
    broken = tmp_path / "broken.qdc"
    broken.write_text("<CodeBook><Codes>", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"broken.qdc rad 1, kolumn \d+: ogiltig XML"):
        read_qdc(broken)
    wrong = tmp_path / "wrong.qdc"
    wrong.write_text('<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', encoding="utf-8")
    with pytest.raises(CodebookError, match=r"projektet har ingen kodbok"):
        read_qdc(wrong)
    wrong.write_text("<Kodbok><Codes/></Kodbok>", encoding="utf-8")
    with pytest.raises(CodebookError, match="rotelementet är 'Kodbok', inte en REFI-QDA-kodbok"):
        read_qdc(wrong)


def test_parse_description():
    assert parse_description("Def.\nInkludera: a, b\n  mer\nNyckelord: x | y\nqualcode: id=P01; kind=point") == {
        "definition": "Def.", "include": "a, b mer", "keywords": "x | y", "_id": "P01", "_kind": "point",
    }


@pytest.mark.parametrize(
    "values, kind",
    [
        (["1", "22", 3], "Integer"),
        (["007", "12"], "Text"),
        (["1.5", "2"], "Float"),
        ([True, False], "Boolean"),
        (["2018-10-01", "2019-01-31"], "Date"),
        (["2018-13-01"], "Text"),
        (["chef", "medarbetare"], "Text"),
        ([], "Text"),
    ],
)
def test_variable_type(values, kind):
    assert variable_type(values) == kind


# -- project -----------------------------------------------------------------------------

NOTE = "Första stycket om lokaler.\r\nVi saknar tysta rum på Hägersten–Liljeholmen.\r\n\r\nÖvrigt: lönen 😀 är låg."


@pytest.fixture
def project(tmp_path):
    proj = init_project(tmp_path / "proj", name="Följeforskning", coder="anna")
    st = proj.store
    with st.transaction():
        d1 = st.add_document(DocumentIn("intervju-1", "note", NOTE, {"stadsdel": "Hägersten", "år": 2018}), "h1")
        d2 = st.add_document(DocumentIn("R001-behov_1", "survey", "adm stöd till handläggare",
                                        {"respondent": "R001", "roll": "chef", "fråga": "behov_1"}), "h2")
        d3 = st.add_document(DocumentIn("R001-behov_2", "survey", "Lönen",
                                        {"respondent": "R001", "roll": "chef", "fråga": "behov_2"}), "h3")
        d4 = st.add_document(DocumentIn("R002-behov_1", "survey", "lokaler",
                                        {"respondent": "R002", "roll": "medarbetare", "fråga": "behov_1"}), "h4")
        paras = [(0, NOTE.index("\r\n")), (NOTE.index("Vi"), NOTE.index("\r\n\r\n")), (NOTE.index("Övrigt"), len(NOTE))]
        st.add_segments(SegmentIn(d1, "paragraph", i, a, b, "") for i, (a, b) in enumerate(paras))
        st.add_segments(SegmentIn(d, "response", 0, 0, n, "") for d, n in ((d2, 26), (d3, 5), (d4, 7)))
        seg = {(s.document_id, s.idx): s.id for s in st.iter_segments()}
        st.upsert_coding(seg[(d1, 1)], "P13", "anna", "manual", memo="Tydligt om tysta rum.")
        st.upsert_coding(seg[(d1, 1)], "P13", "bo", "accepted", score=0.9)
        st.upsert_coding(seg[(d1, 2)], "T-LON", "anna", "manual")
        st.upsert_coding(seg[(d1, 0)], "P13", "bo", "rejected")
        st.upsert_coding(seg[(d1, 0)], "P05", "qualcode", "suggested", score=0.4)
        st.upsert_coding(seg[(d2, 0)], "P06", "anna", "manual")
        st.upsert_coding(seg[(d3, 0)], "T-LON", "anna", "manual")
        st.flag_quote(seg[(d1, 1)], "anna")
    yield proj
    proj.close()


STAMP = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


def _open(path):
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        root = ET.fromstring(zf.read("project.qde"))
        files = {n: zf.read(n) for n in names if n.startswith("sources/")}
    return names, root, files


def test_qdpx_validates_against_published_schema(project, tmp_path, schemas):
    path = tmp_path / "out.qdpx"
    write_qdpx(project, path, now=STAMP)
    with zipfile.ZipFile(path) as zf:
        (tmp_path / "project.qde").write_bytes(zf.read("project.qde"))
    schemas["project"].validate(str(tmp_path / "project.qde"))


def test_qdpx_offsets_match_text_with_crlf_and_non_ascii(project, tmp_path):
    summary = write_qdpx(project, tmp_path / "out.qdpx", now=STAMP)
    # one selection per coder: anna's and bo's P13 on the same paragraph are two selections
    assert (summary.sources, summary.cases, summary.selections, summary.codings, summary.notes) == (4, 2, 5, 5, 1)
    names, root, files = _open(tmp_path / "out.qdpx")
    assert names[0] == "project.qde"
    got = {}
    for src in root.iterfind(".//q:TextSource", Q):
        path = src.get("plainTextPath")
        assert path.startswith("internal://") and path.endswith(".txt")
        raw = files["sources/" + path[len("internal://"):]]
        text = raw.decode("utf-8")  # strict UTF-8, no BOM
        assert not raw.startswith(b"\xef\xbb\xbf")
        for sel in src.iterfind("q:PlainTextSelection", Q):
            got.setdefault(text[int(sel.get("startPosition")):int(sel.get("endPosition"))], []).extend(
                c.find("q:CodeRef", Q).get("targetGUID") for c in sel.iterfind("q:Coding", Q)
            )
    assert NOTE.encode("utf-8") in files.values()
    assert got == {
        "Vi saknar tysta rum på Hägersten–Liljeholmen.": [code_guid("P13")] * 2,
        "Övrigt: lönen 😀 är låg.": [code_guid("T-LON")],
        "adm stöd till handläggare": [code_guid("P06")],
        "Lönen": [code_guid("T-LON")],
    }
    # rejected and open suggestions are not codings
    refs = {r.get("targetGUID") for r in root.iterfind(".//q:Coding/q:CodeRef", Q)}
    assert refs == {code_guid(c) for c in ("P13", "T-LON", "P06")}


def test_qdpx_cases_users_notes_and_stable_guids(project, tmp_path):
    write_qdpx(project, tmp_path / "a.qdpx", now=STAMP)
    write_qdpx(project, tmp_path / "b.qdpx", now=STAMP)
    _, root, _ = _open(tmp_path / "a.qdpx")
    assert ET.tostring(root) == ET.tostring(_open(tmp_path / "b.qdpx")[1])
    users = {u.get("name"): u.get("guid") for u in root.iterfind("q:Users/q:User", Q)}
    assert sorted(users) == ["anna", "bo"]
    creators = sorted(users_by for users_by in (
        c.get("creatingUser") for c in root.iterfind(".//q:PlainTextSelection/q:Coding", Q)))
    assert creators.count(users["bo"]) == 1 and creators.count(users["anna"]) == 4
    variables = {v.get("name"): (v.get("guid"), v.get("typeOfVariable")) for v in root.iterfind("q:Variables/q:Variable", Q)}
    assert {k: t for k, (_, t) in variables.items()} == {
        "stadsdel": "Text", "år": "Integer", "respondent": "Text", "roll": "Text", "fråga": "Text",
    }
    cases = {c.get("name"): c for c in root.iterfind("q:Cases/q:Case", Q)}
    assert sorted(cases) == ["R001", "R002"]
    r001 = cases["R001"]
    values = {
        next(k for k, (g, _) in variables.items() if g == vv.find("q:VariableRef", Q).get("targetGUID")):
            vv.find("q:TextValue", Q).text
        for vv in r001.iterfind("q:VariableValue", Q)
    }
    # shared metadata goes on the case …
    assert values == {"respondent": "R001", "roll": "chef"}
    src_guids = {s.get("name"): s.get("guid") for s in root.iterfind(".//q:TextSource", Q)}
    # … and is repeated on each of its sources (QualCoder, NVivo and MAXQDA read the source's own)
    source = next(s for s in root.iterfind(".//q:TextSource", Q) if s.get("name") == "R001-behov_2")
    names = {g: k for k, (g, _) in variables.items()}
    assert {names[vv.find("q:VariableRef", Q).get("targetGUID")]: vv.find("q:TextValue", Q).text
            for vv in source.iterfind("q:VariableValue", Q)} == {"respondent": "R001", "roll": "chef", "fråga": "behov_2"}
    assert sorted(r.get("targetGUID") for r in r001.iterfind("q:SourceRef", Q)) == sorted(
        [src_guids["R001-behov_1"], src_guids["R001-behov_2"]])
    for g in list(users.values()) + list(src_guids.values()):
        uuid.UUID(g)
    note = root.find("q:Notes/q:Note", Q)
    assert note.find("q:PlainTextContent", Q).text == "Tydligt om tysta rum."
    ref = root.find(".//q:Coding/q:NoteRef", Q)
    assert ref.get("targetGUID") == note.get("guid")
    described = [s for s in root.iterfind(".//q:PlainTextSelection", Q) if s.find("q:Description", Q) is not None]
    # anna's selection: her memo (QualCoder reads a coding's memo here) and her key-quote flag
    assert [(s.get("name"), s.get("creatingUser"), s.find("q:Description", Q).text) for s in described] == [
        ("Vi saknar tysta rum på Hägersten–Liljeholmen.", users["anna"], "Tydligt om tysta rum.\n\nNyckelcitat")]


def test_codebook_from_a_project_file(project, tmp_path):
    write_qdpx(project, tmp_path / "p.qdpx", now=STAMP)
    assert read_qdc(tmp_path / "p.qdpx").codes == project.codebook.codes
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        (tmp_path / "project.qde").write_bytes(zf.read("project.qde"))
    assert read_qdc(tmp_path / "project.qde").codes == project.codebook.codes
    (tmp_path / "bad.qdpx").write_bytes(b"not a zip")
    with pytest.raises(CodebookError, match="inte en giltig .qdpx"):
        read_qdc(tmp_path / "bad.qdpx")


def test_qdpx_filter_by_coder(project, tmp_path):
    summary = write_qdpx(project, tmp_path / "bo.qdpx", coders=["bo"], now=STAMP)
    # bo's one coding; anna's key-quote flag on the same paragraph is hers, not bo's
    assert (summary.selections, summary.codings) == (1, 1)
    _, root, _ = _open(tmp_path / "bo.qdpx")
    assert root.find(".//q:PlainTextSelection/q:Description", Q) is None


def test_identical_codings_of_two_coders_are_two_selections_with_user_and_date(project, tmp_path):
    """QualCoder takes the coder from the selection's creatingUser and keeps one coding per
    (code, coder, position): one selection for both coders lost bo's coding and both coders."""
    store = project.store
    seg = next(s for s in store.iter_segments() if s.text.startswith("Vi saknar") or s.idx == 1 and s.unit == "paragraph")
    with store.transaction():
        store.upsert_coding(seg.id, "T-KLIMAT", "anna", "manual")  # anna: two codes, one without memo
    write_qdpx(project, tmp_path / "out.qdpx", now=STAMP)
    _, root, _ = _open(tmp_path / "out.qdpx")
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", Q)}
    codes = {code_guid(c): c for c in ("P13", "T-KLIMAT", "T-LON", "P06")}
    start = str(seg.start)
    sels = [s for s in root.iterfind(".//q:PlainTextSelection", Q) if s.get("startPosition") == start
            and s.get("endPosition") == str(seg.end)]
    got = sorted(
        (users[s.get("creatingUser")], tuple(codes[c.find("q:CodeRef", Q).get("targetGUID")] for c in s.iterfind("q:Coding", Q)),
         (s.findtext("q:Description", None, Q) or "").removesuffix("Nyckelcitat").strip())
        for s in sels
    )
    # anna's coding with a memo and her coding without one are two selections (a selection's
    # Description becomes the memo of every coding in it)
    assert got == [("anna", ("P13",), "Tydligt om tysta rum."), ("anna", ("T-KLIMAT",), ""), ("bo", ("P13",), "")]
    # her key-quote flag is said once, on one of her selections
    assert [users[s.get("creatingUser")] for s in sels if "Nyckelcitat" in s.findtext("q:Description", "", Q)] == ["anna"]
    for s in root.iterfind(".//q:PlainTextSelection", Q):
        assert s.get("creatingUser") in users
        assert datetime.fromisoformat(s.get("creationDateTime")).tzinfo is not None
        for c in s.iterfind("q:Coding", Q):
            assert c.get("creatingUser") == s.get("creatingUser")
    assert len({s.get("guid") for s in root.iterfind(".//q:PlainTextSelection", Q)}) == len(
        root.findall(".//q:PlainTextSelection", Q))


def test_source_names_are_unique_and_readable(tmp_path):
    from qualcode.exchange.refi_export import unique_source_names

    proj = init_project(tmp_path / "p", coder="anna")
    st = proj.store
    with st.transaction():
        for i, (name, meta) in enumerate([
            ("enkat:17:motivering", {"respondent": "17", "termin": "HT2016"}),
            ("enkat:17:motivering", {"respondent": "17", "termin": "VT2017"}),
            ("enkat:18:motivering", {"respondent": "18"}),
            ("enkat:17:motivering (HT2016)", {"respondent": "19"}),
            ("enkat:20:motivering", {"respondent": "20"}),
            ("enkat:20:motivering", {"respondent": "20"}),
        ]):
            st.add_document(DocumentIn(name, "survey", f"svar {i}", meta), f"h{i}")
    names = unique_source_names(list(st.iter_documents()))
    assert sorted(names.values()) == sorted([
        "enkat:17:motivering (HT2016)", "enkat:17:motivering (VT2017)", "enkat:18:motivering",
        "enkat:17:motivering (HT2016) (2)", "enkat:20:motivering", "enkat:20:motivering (2)",
    ])
    write_qdpx(proj, tmp_path / "p.qdpx", now=STAMP)
    _, root, _ = _open(tmp_path / "p.qdpx")
    exported = [s.get("name") for s in root.iterfind(".//q:TextSource", Q)]
    assert len(set(exported)) == len(exported) == 6
    proj.close()


def test_code_colours_from_another_tool_are_kept(tmp_path):
    qdc = tmp_path / "qualcoder.qdc"
    qdc.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><CodeBook xmlns="{QDC_NS}"><Codes>'
        '<Code guid="a0000000-0000-4000-8000-000000000001" name="Lokaler" isCodable="true" color="#ff7f00">'
        '<Code guid="a0000000-0000-4000-8000-000000000002" name="Tysta rum" isCodable="true" color="#1F77B4"/></Code>'
        '<Code guid="a0000000-0000-4000-8000-000000000003" name="Lön" isCodable="true"/>'
        "</Codes></CodeBook>", encoding="utf-8")
    cb = read_qdc(qdc)
    assert [(c.name, c.color) for c in cb.codes] == [("Lokaler", "#FF7F00"), ("Tysta rum", "#1F77B4"), ("Lön", "")]
    root = ET.fromstring(codebook_to_qdc(cb))
    assert [c.get("color") for c in root.iter(f"{{{QDC_NS}}}Code")][:2] == ["#FF7F00", "#1F77B4"]
    # a qualcode export's palette colours are not taken for the codes' own; own colours survive the round trip
    assert read_qdc(write_qdc(cb, tmp_path / "back.qdc")).codes == cb.codes
    assert all(c.color == "" for c in read_qdc(write_qdc(default_codebook(), tmp_path / "d.qdc")).codes)


def small_codebook():
    return build_codebook([
        Code(id="G-MILJO", name="Arbetsmiljö", kind="group"),
        Code(id="P13", name="Lämpliga lokaler", parent="G-MILJO", kind="point", number=13,
             definition="Arbetsrum & utrustning.", include="lokaler, tysta rum", exclude="IT-system (T-IT)",
             examples=("Vi saknar tysta rum.",), keywords=("lokal", "tyst rum"), aliases=("lokaler",)),
        Code(id="T-KLIMAT", name="Arbetsklimat", parent="G-MILJO", kind="theme", keywords=("kollega",)),
        Code(id="ANNAT", name="Övrigt <annat>", kind="code"),
    ], name="Liten", version=2)


def test_qdc_matches_golden_file():
    from qualcode.exchange.refi_export import ORIGIN

    golden = Path(__file__).parent / "golden" / "refiqda" / "small.qdc"
    got = codebook_to_qdc(small_codebook()).replace(ORIGIN.encode(), b"qualcode VERSION")
    assert got.decode("utf-8") == golden.read_text(encoding="utf-8")
    assert read_qdc(golden).codes == small_codebook().codes
