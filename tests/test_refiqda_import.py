"""`qualcode import qdpx`: REFI-QDA projects from qualcode and from other tools, all or nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli.common import render_error
from qualcode.cli.main import app
from qualcode.ingest.service import import_documents, import_notes
from qualcode.core.errors import CodebookError, InputError
from qualcode.core.records import DocumentIn, SegmentIn
from qualcode.exchange.refi_export import write_qdpx
from qualcode.exchange.refi_import import covered_spans, import_qdpx, read_code_map

from conftest import FIXTURES
from helpers import make_project

OTHER_TOOL = FIXTURES / "refiqda" / "annat-program"
KARIN, OLLE = "Karin", "Olle"
UNKNOWN_USER = "0f0e0d0c-0b0a-4909-8807-060504030201"

NOTE_A = (
    "Vi har för få tysta rum på Hägersten–Liljeholmen.\r\nSamtalen hörs genom väggarna.\r\n\r\n"
    "Lönen 😀 är låg, men kollegorna är bra.\r\n\r\n"
    "Introduktionen för nyanställda fungerar. Mentorn är ovärderlig."
)
NOTE_B = "Administratörerna avlastar oss.\n\nIT-systemen krånglar ofta."


def zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder).as_posix())
    return out


def write_zip(out: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return out


def qde(sources: str, codes: str = '<Code guid="{c1}" name="P13" isCodable="true"/>', extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="t">'
        '<Users><User guid="{u1}" name="anna"/></Users>'
        f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources>{extra}</Project>"
    ).format(**GUIDS)


GUIDS = {
    "u1": "9b2f6a34-0000-4000-8000-000000000001", "c1": "9b2f6a34-0000-4000-8000-000000000002",
    "s1": "9b2f6a34-0000-4000-8000-000000000003", "x1": "9b2f6a34-0000-4000-8000-000000000004",
    "k1": "9b2f6a34-0000-4000-8000-000000000005",
}


def selection(start: int, end: int, code: str = "{c1}") -> str:
    return (
        f'<PlainTextSelection guid="{{x1}}" startPosition="{start}" endPosition="{end}">'
        f'<Coding guid="{{k1}}" creatingUser="{{u1}}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


def nothing_written(project) -> bool:
    st = project.store
    stats = st.stats()
    imports = st.row_counts()["imports"]
    audit = sum(1 for a in st.iter_audit() if a.action == "add")
    return (stats["documents"], stats["segments"], stats["codings"], imports, audit) == (0, 0, 0, 0, 0)


def codings(project) -> set[tuple]:
    """(document, paragraph, code, coder, source, memo) for every paragraph a coding counts for."""
    return {
        (seg.document_name, seg.idx, c.code_id, c.coder, c.source, c.memo)
        for c, seg in project.store.iter_coded_segments(sources=("manual", "accepted", "suggested", "rejected"))
    }


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path, "mål") as p:
        yield p


@pytest.fixture
def source_project(tmp_path):
    """Two notes (å ä ö, an emoji, \\r\\n), two coders, a memo, one sentence-level coding."""
    with make_project(tmp_path, "källa") as p:
        import_documents(
            p,
            [DocumentIn("intervju-1", "note", NOTE_A, {"stadsdel": "Hägersten", "år": 2018}),
             DocumentIn("intervju-2", "note", NOTE_B, {"stadsdel": "Bromma"})],
            "test", "note", "paragraph",
        )
        st = p.store
        seg = {(s.document_name, s.idx): s for s in st.iter_segments(unit="paragraph")}
        doc1 = seg[("intervju-1", 0)].document_id
        mentor = NOTE_A.index("Mentorn")
        with st.transaction():
            st.add_segments([SegmentIn(doc1, "sentence", 0, mentor, len(NOTE_A), "")])
            sentence = next(st.iter_segments(unit="sentence")).id
            st.upsert_coding(seg[("intervju-1", 0)].id, "P13", "anna", "manual", memo="Tysta rum saknas.")
            st.upsert_coding(seg[("intervju-1", 0)].id, "P13", "bo", "accepted", score=0.8)
            st.upsert_coding(seg[("intervju-1", 1)].id, "T-LON", "bo", "manual")
            st.upsert_coding(seg[("intervju-1", 1)].id, "T-KLIMAT", "anna", "manual")
            st.upsert_coding(sentence, "P02", "bo", "manual")
            st.upsert_coding(seg[("intervju-2", 0)].id, "P06", "anna", "manual")
            st.upsert_coding(seg[("intervju-2", 1)].id, "T-IT", "qualcode", "suggested", score=0.6)
        yield p


# -- round trip --------------------------------------------------------------------------


def test_round_trip_through_qdpx(source_project, project, tmp_path):
    path = tmp_path / "projekt.qdpx"
    write_qdpx(source_project, path)
    s = import_qdpx(project, path)
    # one selection per coder: anna's and bo's P13 on one paragraph, anna's T-KLIMAT and bo's T-LON on another
    assert (s.documents, s.segments, s.skipped, s.selections, s.codings, s.unchanged) == (2, 5, (), 6, 6, 0)
    assert s.coders == ("anna", "bo") and s.touches_ignored == 0 and s.non_text == ()

    def docs(p):
        return [(d.name, d.kind, d.text.replace("\r\n", "\n"), d.meta) for d in p.store.iter_documents()]

    # stored as `qualcode import notes` stores text: \n line endings; everything else is kept
    assert docs(project) == docs(source_project)
    assert "😀" in project.store.find_document("intervju-1").text

    def paragraphs(p):
        return [(s.document_name, s.idx, s.text.replace("\r\n", "\n")) for s in p.store.iter_segments(unit="paragraph")]

    assert paragraphs(project) == paragraphs(source_project)
    # the sentence-level coding lands on its paragraph; the open suggestion is not exported
    expected = {
        ("intervju-1", 0, "P13", "anna", "manual", "Tysta rum saknas."),
        ("intervju-1", 0, "P13", "bo", "manual", None),
        ("intervju-1", 1, "T-LON", "bo", "manual", None),
        ("intervju-1", 1, "T-KLIMAT", "anna", "manual", None),
        ("intervju-1", 2, "P02", "bo", "manual", None),
        ("intervju-2", 0, "P06", "anna", "manual", None),
    }
    assert codings(project) == expected
    audit = [a for a in project.store.iter_audit() if a.action == "add"]
    assert len(audit) == 6 and {a.detail["via"] for a in audit} == {"qdpx"}


def test_reimport_skips_documents_and_does_not_duplicate_codings(source_project, project, tmp_path):
    path = write_qdpx(source_project, tmp_path / "projekt.qdpx").path
    import_qdpx(project, path)
    before = (project.store.stats(), codings(project))
    s = import_qdpx(project, path)
    assert (s.documents, s.segments, s.skipped, s.codings, s.unchanged) == (0, 0, ("intervju-1", "intervju-2"), 0, 6)
    assert (project.store.stats(), codings(project)) == before
    # into the project it came from: nothing new either (the accepted coding stays accepted)
    s = import_qdpx(source_project, path)
    assert (s.documents, s.codings, s.unchanged) == (0, 0, 6)
    assert ("intervju-1", 0, "P13", "bo", "accepted", None) in codings(source_project)


def test_survey_answers_exported_by_qualcode_are_recognised(project, tmp_path):
    st = project.store
    import_documents(
        project, [DocumentIn("enkat:R1:behov", "survey", "Mer adm stöd till handläggare",
                             {"respondent": "R1", "roll": "chef"})], "enkat.csv", "survey", "response",
    )
    seg = next(st.iter_segments())
    with st.transaction():
        st.upsert_coding(seg.id, "P06", "anna", "manual")
    path = write_qdpx(project, tmp_path / "enkat.qdpx").path
    s = import_qdpx(project, path)
    assert (s.documents, s.skipped, s.codings, s.unchanged) == (0, ("enkat:R1:behov",), 0, 1)
    assert st.count_documents() == 1


def test_equal_answers_of_different_respondents_stay_apart_in_a_fresh_project(tmp_path, project):
    """Survey answers come back as survey answers: their metadata is part of their identity."""
    source = make_project(tmp_path / "enkat-kalla")
    answers = [
        DocumentIn(f"enkat:{r}:motivering", "survey", "Bra chef", {"respondent": r, "pastaende": p})
        for r, p in (("R1", "arbetssituation"), ("R1", "gott arbete"), ("R2", "arbetssituation"))
    ]
    import_documents(source, answers, "enkat.csv", "survey", "response")
    st = source.store
    with st.transaction():
        for seg in st.iter_segments():
            st.upsert_coding(seg.id, "P05", "anna", "manual")
    path = write_qdpx(source, tmp_path / "enkat.qdpx").path
    s = import_qdpx(project, path)
    assert (s.documents, s.skipped, s.codings) == (3, (), 3)
    docs = list(project.store.iter_documents())
    assert {d.kind for d in docs} == {"survey"}
    assert sorted((d.meta["respondent"], d.meta["pastaende"]) for d in docs) == [
        ("R1", "arbetssituation"), ("R1", "gott arbete"), ("R2", "arbetssituation")]
    assert {seg.unit for seg in project.store.iter_segments()} == {"response"}
    source.close()


# -- a file from another tool ------------------------------------------------------------


@pytest.fixture
def other_tool_qdpx(tmp_path):
    return zip_folder(OTHER_TOOL, tmp_path / "annat.qdpx")


@pytest.fixture
def code_map(tmp_path):
    path = tmp_path / "koder.csv"
    path.write_bytes("\ufeffrefi_name;code_id\r\nLokaler;P13\r\nintroduktion;p02\r\nOanvänd kod;\r\n".encode("utf-8"))
    return path


def test_fixture_is_a_valid_refi_qda_project(shared_dir):
    xmlschema = pytest.importorskip("xmlschema")
    xsd = shared_dir / "refi-qda" / "Project.xsd"
    if not xsd.exists():
        pytest.skip("../shared/refi-qda/ has no schemas")
    xmlschema.XMLSchema(str(xsd)).validate(str(OTHER_TOOL / "project.qde"))


def test_project_from_another_tool(project, other_tool_qdpx, code_map):
    s = import_qdpx(project, other_tool_qdpx, code_map=code_map)
    assert (s.documents, s.segments, s.selections, s.codings) == (2, 6, 5, 5)  # a coding per selection and code
    assert s.non_text == ("Enkätrapport 2019.pdf (PDF)", "Intervju Farsta.m4a (ljud)")
    assert s.source_codings == 1  # a coding of a whole source: qualcode codes paragraphs
    assert s.touches_ignored == 1  # the selection that ends on "Lö" of the next paragraph
    assert s.coders == (UNKNOWN_USER, KARIN, OLLE)
    docs = {d.name: d for d in project.store.iter_documents()}
    assert docs["Intervju Farsta"].meta == {"stadsdel": "Farsta", "intervjuår": 2019, "chef": False, "case": "IP1"}
    assert docs["Intervju Skärholmen.txt"].meta == {"stadsdel": "Skärholmen", "roll": "handläggare", "case": "IP2"}
    assert docs["Intervju Skärholmen.txt"].text.endswith("sämre av det.")  # from sources/, final newline dropped
    assert {d.kind for d in docs.values()} == {"note"}
    memo1 = "Trångboddheten återkommer i flera intervjuer."
    assert codings(project) == {
        # one selection spanning two paragraphs codes both; the selection's note is the memo
        ("Intervju Farsta", 0, "P13", KARIN, "manual", memo1),
        ("Intervju Farsta", 1, "P13", KARIN, "manual", memo1),
        ("Intervju Farsta", 1, "T-KLIMAT", OLLE, "manual", None),  # by name
        ("Intervju Farsta", 2, "T-LON", KARIN, "manual", None),  # by name; coder from the selection
        ("Intervju Skärholmen.txt", 1, "P02", OLLE, "manual", "Mentorskapet nämns som det viktigaste stödet."),
        ("Intervju Skärholmen.txt", 2, "T-IT", UNKNOWN_USER, "manual", None),  # "t-it": by id; unknown user
    }


def test_unmapped_codes_are_listed_and_nothing_is_written(project, other_tool_qdpx):
    with pytest.raises(CodebookError) as info:
        import_qdpx(project, other_tool_qdpx)
    msg = str(info.value)
    assert "1 kod används i kodningar men finns inte i kodboken: 'Introduktion'" in msg
    assert "qualcode" not in msg and "--" not in msg
    shown = render_error(info.value)
    assert "`qualcode codebook add ID \"namn\"`" in shown and "`--map koder.csv`" in shown
    # "Lokaler" is the name of a theme group, which is not coded directly
    assert "'Arbetsmiljö/Lokaler' motsvarar temagruppen G-LOKALER, som inte kodas direkt — mappa den till en av dess koder (P13)" in msg
    assert msg.endswith("Inget importerades.")
    assert nothing_written(project)


def test_map_file_problems(project, tmp_path):
    cb = project.codebook
    path = tmp_path / "m.csv"
    path.write_text("Lokaler;P99\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"m.csv rad 1: okänd kod 'P99' — giltiga koder: P01"):
        read_code_map(path, cb)
    path.write_text("namn;kod\nLokaler;G-LOKALER\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rad 2: 'G-LOKALER' är en temagrupp .* P13"):
        read_code_map(path, cb)
    path.write_text("Lokaler;P13\nlokaler;P05\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'lokaler' har två koder, P13 \(rad 1\) och P05 \(rad 2\)"):
        read_code_map(path, cb)
    path.write_text("Lokaler;P13;x\n", encoding="utf-8")
    with pytest.raises(InputError, match="väntade två fält"):
        read_code_map(path, cb)
    path.write_bytes("Lön, förmåner;T-LON;;\r\nLokaler;lämpliga lokaler och fungerande arbetsredskap\r\n".encode("cp1252"))
    assert read_code_map(path, cb) == {"lön, förmåner": "T-LON", "lokaler": "P13"}


# -- positions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, chosen, ignored",
    [
        (2, 5, [0], 0),  # inside one paragraph
        (5, 22, [0], 1),  # ends on 2 characters of the next paragraph
        (5, 40, [0, 1], 0),  # covers 20 of the next
        (18, 22, [1], 0),  # short selection that lies in the next paragraph
        (17, 23, [1], 1),  # touches both by less than the minimum: the larger overlap wins
        (0, 48, [0, 1, 2], 0),  # a short paragraph that is fully covered is coded
        (7, 7, [], 0),  # empty
    ],
)
def test_covered_spans(start, end, chosen, ignored):
    spans = [(0, 18), (20, 45), (45, 48)]
    assert covered_spans(spans, start, end, min_overlap=10) == (chosen, ignored)


def test_crlf_bom_file_and_an_earlier_import_of_the_same_text(project, tmp_path):
    body = "Första stycket om lokaler.\r\n\r\nAndra stycket: åäö 😀 och lönen.\r\n\r\nTredje stycket om IT."
    # imported earlier as a note (\n line endings): the qdpx source is recognised and its
    # positions, counted on the \r\n text after the byte-order mark, land on the right paragraphs
    (tmp_path / "anteckning.txt").write_text(body.replace("\r\n", "\n"), encoding="utf-8")
    import_notes(project, [tmp_path / "anteckning.txt"])
    start = body.index("åäö")
    sources = (
        '<TextSource guid="{s1}" name="anteckning" plainTextPath="internal://{s1}.txt">'
        + selection(start, body.index("Tredje") + 2)
        + "</TextSource>"
    )
    path = write_zip(tmp_path / "crlf.qdpx", {
        "project.qde": qde(sources),
        f"sources/{GUIDS['s1']}.txt": b"\xef\xbb\xbf" + body.encode("utf-8"),
    })
    s = import_qdpx(project, path)
    assert (s.documents, s.skipped, s.codings, s.touches_ignored) == (0, ("anteckning",), 1, 1)
    assert codings(project) == {("anteckning.txt", 1, "P13", "anna", "manual", None)}


def test_coder_defaults_to_the_importing_user_and_unknown_code_guids_are_listed(project, tmp_path):
    text = "Ett stycke om lokaler.\n\nEtt annat om lön."
    sel = selection(0, 10).replace(' creatingUser="{u1}"', "")
    path = write_zip(tmp_path / "a.qdpx", {"project.qde": qde(
        f'<TextSource guid="{{s1}}" name="a"><PlainTextContent>{text}</PlainTextContent>{sel}</TextSource>'
    )})
    assert import_qdpx(project, path).coders == ("anna",)
    assert codings(project) == {("a", 0, "P13", "anna", "manual", None)}
    missing = "9b2f6a34-0000-4000-8000-0000000000ff"
    path = write_zip(tmp_path / "b.qdpx", {"project.qde": qde(
        f'<TextSource guid="{{s1}}" name="b"><PlainTextContent>Annan text.</PlainTextContent>'
        f"{selection(0, 5, missing)}</TextSource>"
    )})
    with pytest.raises(CodebookError, match=f"kod-GUID {missing} \\(finns inte i filens kodbok\\)"):
        import_qdpx(project, path)


# -- bad input: clear errors, nothing written --------------------------------------------


def _bad(tmp_path: Path, name: str, files: dict[str, str | bytes] | bytes) -> Path:
    path = tmp_path / name
    if isinstance(files, bytes):
        path.write_bytes(files)
        return path
    return write_zip(path, files)


TEXT = "Ett stycke om lokaler.\n\nEtt annat om lön."


@pytest.mark.parametrize(
    "files, message",
    [
        (b"inte en zip", r"trasig.qdpx: inte en läsbar .qdpx \(zip\)-fil \(BadZipFile\) — exportera projektet på nytt"),
        ({"annat.xml": "<x/>"}, r"hittade ingen project.qde i arkivet \(innehåller: annat.xml\)"),
        ({"project.qde": "<Project><Sources>"}, r"trasig.qdpx:project.qde rad 1, kolumn \d+: ogiltig XML"),
        ({"project.qde": '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'},
         r"rotelementet '\{urn:QDA-XML:codebook:1.0\}CodeBook', inte ett REFI-QDA-projekt"),
        ({"project.qde": qde(f'<TextSource guid="{{s1}}" name="a"><PlainTextContent>{TEXT}</PlainTextContent>'
                             f'{selection(30, 99)}</TextSource>')},
         r"markeringen '9b2f6a34-0000-4000-8000-000000000004' i källan 'a' går utanför texten "
         r"\(tecken 30–99, texten har 41 tecken\)"),
        ({"project.qde": qde('<TextSource guid="{s1}" name="a" plainTextPath="internal://saknas.txt"/>')},
         r"källan 'a' pekar på internal://saknas.txt, men sources/saknas.txt finns inte i arkivet"),
        ({"project.qde": qde('<TextSource guid="{s1}" name="a" plainTextPath="relative:///C:/data/a.txt"/>')},
         r"källan 'a' är en extern fil \(relative:///C:/data/a.txt\) som inte finns i arkivet — exportera projektet "
         r"med källorna inbäddade"),
        ({"project.qde": qde('<TextSource guid="{s1}" name="a" richTextPath="internal://{s1}.docx"/>')},
         r"källan 'a' har ingen text \(bara richTextPath"),
        ({"project.qde": qde('<TextSource guid="{s1}" name="a" plainTextPath="internal://a.txt"/>'),
          "sources/a.txt": "åäö".encode("cp1252")},
         r"källan 'a' \(sources/a.txt\) är inte UTF-8"),
        ({"project.qde": qde('<PDFSource guid="{s1}" name="rapport.pdf"/>')},
         r"innehåller inga textkällor att importera \(1 källa som inte är text: rapport.pdf \(PDF\)\)"),
    ],
)
def test_bad_files(project, tmp_path, files, message):
    with pytest.raises(InputError, match=message):
        import_qdpx(project, _bad(tmp_path, "trasig.qdpx", files))
    assert nothing_written(project)


def test_a_failure_while_writing_rolls_everything_back(project, other_tool_qdpx, code_map, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disken är full")

    monkeypatch.setattr(project.store, "put_coding", boom)
    with pytest.raises(RuntimeError):
        import_qdpx(project, other_tool_qdpx, code_map=code_map)
    assert nothing_written(project)


# -- CLI ---------------------------------------------------------------------------------


def test_cli_import_qdpx(tmp_path, other_tool_qdpx, code_map):
    runner = CliRunner()
    root = tmp_path / "cli"
    assert runner.invoke(app, ["init", str(root), "--coder", "anna"]).exit_code == 0
    r = runner.invoke(app, ["import", "qdpx", str(other_tool_qdpx), "-p", str(root)])
    assert r.exit_code == 1
    assert r.stderr.startswith("fel: annat.qdpx: 1 kod används i kodningar men finns inte i kodboken: 'Introduktion'")
    r = runner.invoke(app, ["import", "qdpx", str(other_tool_qdpx), "-p", str(root), "--map", str(code_map)])
    assert r.exit_code == 0, r.output
    assert r.stderr == (
        "Importerade 2 dokument (6 segment) från annat.qdpx.\n"
        f"5 markeringar gav 5 skrivna kodningar (0 fanns redan), kodare: {UNKNOWN_USER}, Karin, Olle.\n"
        "1 stycke som en markering bara snuddade vid kodades inte.\n"
        "Hoppade över 2 källor som inte är text: Enkätrapport 2019.pdf (PDF), Intervju Farsta.m4a (ljud).\n"
        "Hoppade över 1 kodning av en hel källa (qualcode kodar stycken).\n"
    )
    r = runner.invoke(app, ["import", "qdpx", str(other_tool_qdpx), "-p", str(root), "--map", str(code_map)])
    assert r.stderr.splitlines()[:3] == [
        "Importerade 0 dokument (0 segment) från annat.qdpx.",
        "Hoppade över 2 dokument som redan var importerade: Intervju Farsta, Intervju Skärholmen.txt.",
        f"5 markeringar gav 0 skrivna kodningar (5 fanns redan), kodare: {UNKNOWN_USER}, Karin, Olle.",
    ]


# -- what QualCoder (and MAXQDA, NVivo) write -------------------------------------------


def test_a_qualcoder_style_file_memo_in_description_bom_user_on_selection_and_dates(project, tmp_path):
    """QualCoder writes the coder on the selection, the memo in its Description, a BOM before
    each source text (and, in older versions, before project.qde) and dates as it likes."""
    body = "Vi saknar tysta rum.\n\nLönen är låg."
    var = "9b2f6a34-0000-4000-8000-0000000000a1"
    var2 = "9b2f6a34-0000-4000-8000-0000000000a2"
    sources = (
        f'<TextSource guid="{{s1}}" name="intervju" plainTextPath="internal://{{s1}}.txt" '
        'creationDateTime="2019-06-04T05:25:16Z">'
        '<PlainTextSelection guid="{x1}" startPosition="0" endPosition="20" creatingUser="{u1}" '
        'creationDateTime="2019-06-07T03:36:36.123+02:00">'
        "<Description>Tydligt om lokalerna.</Description>"
        '<Coding guid="{k1}"><CodeRef targetGUID="{c1}"/></Coding></PlainTextSelection>'
        f'<VariableValue><VariableRef targetGUID="{var}"/><DateValue>04.06.2019</DateValue></VariableValue>'
        f'<VariableValue><VariableRef targetGUID="{var2}"/><DateValue>2018‐03‐27T00:00:00Z</DateValue></VariableValue>'
        "</TextSource>"
    )
    variables = (
        f'<Variables><Variable guid="{var}" name="datum" typeOfVariable="Date"/>'
        f'<Variable guid="{var2}" name="start" typeOfVariable="Date"/></Variables>'
    )
    xml = qde(sources).replace("<CodeBook>", variables + "<CodeBook>")
    path = write_zip(tmp_path / "qualcoder.qdpx", {
        "project.qde": b"\xef\xbb\xbf" + xml.encode("utf-8"),
        f"sources/{GUIDS['s1']}.txt": b"\xef\xbb\xbf" + body.encode("utf-8"),
    })
    s = import_qdpx(project, path)
    assert (s.documents, s.codings, s.coders) == (1, 1, ("anna",))
    assert codings(project) == {("intervju", 0, "P13", "anna", "manual", "Tydligt om lokalerna.")}
    doc = next(project.store.iter_documents())
    assert doc.text == body and doc.meta == {"datum": "2019-06-04", "start": "2018-03-27"}


def test_key_quote_line_flags_the_paragraph_and_is_not_a_memo(source_project, project, tmp_path):
    seg = next(s for s in source_project.store.iter_segments(unit="paragraph") if s.idx == 0)
    with source_project.store.transaction():
        source_project.store.flag_quote(seg.id, "anna")
    write_qdpx(source_project, tmp_path / "p.qdpx")
    import_qdpx(project, tmp_path / "p.qdpx")
    target = next(s for s in project.store.iter_segments(unit="paragraph") if s.idx == 0 and s.document_name == "intervju-1")
    assert project.store.flagged_quotes(by="anna") == {target.id}
    assert project.store.flagged_quotes(by="bo") == set()
    # the memo comes back once (Description and Note hold the same text), without the key-quote line
    assert {c.memo for c, sg in project.store.iter_codings() if sg.id == target.id} == {"Tysta rum saknas.", None}


def test_survey_answers_with_a_shared_name_come_back_apart_and_are_known_again(tmp_path):
    with make_project(tmp_path, "enkat") as src, make_project(tmp_path, "mal") as dst:
        import_documents(src, [
            DocumentIn("enkat:17:motivering", "survey", "Bra stöd", {"respondent": "17", "termin": "HT2016"}),
            DocumentIn("enkat:17:motivering", "survey", "Bra stöd", {"respondent": "17", "termin": "VT2017"}),
        ], "test", "survey", "response")
        write_qdpx(src, tmp_path / "e.qdpx")
        with zipfile.ZipFile(tmp_path / "e.qdpx") as zf:  # unique in the file, for NVivo and MAXQDA
            qde_text = zf.read("project.qde").decode("utf-8")
        assert 'name="enkat:17:motivering (HT2016)"' in qde_text and 'name="enkat:17:motivering (VT2017)"' in qde_text
        s = import_qdpx(dst, tmp_path / "e.qdpx")
        assert s.documents == 2
        # … and back in qualcode the names and metadata are the documents' own (no suffix, no `case`)
        assert sorted((d.name, d.meta["termin"], sorted(d.meta)) for d in dst.store.iter_documents()) == [
            ("enkat:17:motivering", "HT2016", ["respondent", "termin"]),
            ("enkat:17:motivering", "VT2017", ["respondent", "termin"])]
        # exported again from the source project and imported back into it: nothing new
        again = import_qdpx(src, tmp_path / "e.qdpx")
        assert (again.documents, len(again.skipped)) == (0, 2)


@pytest.mark.parametrize("text, iso", [
    ("2019-06-04T05:25:16Z", "2019-06-04T05:25:16+00:00"),
    ("2019-06-04T05:25:16.5+02:00", "2019-06-04T05:25:16.500000+02:00"),
    ("2019-06-04 05:25:16", "2019-06-04T05:25:16"),
    ("2018‐03‐27T18:01:07Z", "2018-03-27T18:01:07+00:00"),
    ("04.06.2019", "2019-06-04T00:00:00"),
    ("04/06/2019 05:25:16", "2019-06-04T05:25:16"),
    ("20190604", "2019-06-04T00:00:00"),
])
def test_parse_datetime_reads_other_tools_forms(text, iso):
    from qualcode.exchange.refi_import import parse_datetime

    assert parse_datetime(text).isoformat() == iso


def test_parse_datetime_gives_none_for_other_text():
    from qualcode.exchange.refi_import import parse_datetime

    assert parse_datetime("våren 2019") is None and parse_datetime("") is None


def test_float_values_json_cannot_hold_are_kept_as_their_text(project, tmp_path):
    """xs:double allows NaN and INF; metadata are JSON, which has no such numbers."""
    names = ("ingen", "stor", "liten", "enorm", "vanlig")
    values = ("NaN", "INF", "-INF", "1e999", "3,5")
    guids = [f"9b2f6a34-0000-4000-8000-0000000000b{i}" for i in range(len(names))]
    sources = (
        '<TextSource guid="{s1}" name="intervju"><PlainTextContent>Vi saknar tysta rum.</PlainTextContent>'
        + "".join(f'<VariableValue><VariableRef targetGUID="{g}"/><FloatValue>{v}</FloatValue></VariableValue>'
                  for g, v in zip(guids, values))
        + "</TextSource>"
    )
    variables = "<Variables>" + "".join(
        f'<Variable guid="{g}" name="{n}" typeOfVariable="Float"/>' for g, n in zip(guids, names)) + "</Variables>"
    path = write_zip(tmp_path / "nan.qdpx", {"project.qde": qde(sources).replace("<CodeBook>", variables + "<CodeBook>")})
    assert import_qdpx(project, path).documents == 1
    doc = next(project.store.iter_documents())
    assert doc.meta == {"ingen": "NaN", "stor": "INF", "liten": "-INF", "enorm": "1e999", "vanlig": 3.5}
    assert [d.name for d in project.store.iter_documents(meta={"ingen": "NaN"})] == ["intervju"]


def test_the_demo_project_round_trips_names_and_metadata_exactly(tmp_path):
    from collections import Counter

    from qualcode.demo import run_demo

    run_demo(tmp_path / "demo")
    with make_project(tmp_path, "mal") as dst:
        from qualcode.project import find_project

        with find_project(tmp_path / "demo") as src:
            write_qdpx(src, tmp_path / "demo.qdpx")
            before = Counter((d.name, d.kind, d.text, repr(sorted(d.meta.items()))) for d in src.store.iter_documents())
        import_qdpx(dst, tmp_path / "demo.qdpx")
        after = Counter((d.name, d.kind, d.text, repr(sorted(d.meta.items()))) for d in dst.store.iter_documents())
    assert after == before
