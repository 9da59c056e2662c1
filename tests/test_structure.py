"""Document structure: headings and prompts recognised at import, stored with the segments, shown in
`tag` and report quotes, and used by the suggester (section heading as evidence; a heading is not coded)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from helpers import make_project
from qualcode.cli.main import app
from qualcode.ingest.structure import paragraph_role, structure

runner = CliRunner()

NOTE = """# Brukarnas synpunkter

Vi skickar en enkät till klienterna efter varje avslutat ärende.

Resultaten gås igenom på arbetsplatsträffen.

3. Beskriv hur ni arbetar med lönefrågor:

Lönen är låg jämfört med grannkommunerna.

Arbetsmiljö

Lokalerna är trånga och det finns inga tysta rum för
samtal med klienter.
"""


@pytest.mark.parametrize("text, nxt, role", [
    ("# Inledning", None, "heading"),
    ("## Resultat och analys", None, "heading"),
    ("Verksamhetens uppdrag", "Enheten ska stötta.", "heading"),
    ("Brukar-/kundgrupp", "Enhetens huvudsakliga målgrupp är personer 18–65 år.", "heading"),
    ("Brukar-/kundgrupp", None, None),  # nothing follows: not a heading
    ("Bättre lokaler", "Mer lön", None),  # a list of short answers
    ("Lönen är för låg", "Chefen lyssnar inte på oss när vi säger att det är för mycket.", "heading"),
    ("3. Beskriv hur ni gör brukarna delaktiga:", None, "prompt"),
    ("2.1 Hur följer ni upp målen?", None, "prompt"),
    ("Beskriv hur ni arbetar med bemötandefrågor och förstärker en kultur där", None, "prompt"),
    ("Hur har ni arbetat med introduktionen?", None, "prompt"),
    ("Lönen är låg.", None, None),
    ("Socialsekreterare: motiverar och ger stöd", "till klienter i processen.", None),  # a broken sentence
    ("Enheten har 59 medarbetare och tre team som leds av biträdande enhetschefer, vilket ger en nära ledning.",
     None, None),
    ("ärenden som ska dras", None, None),
    ("2019", None, None),
])
def test_paragraph_roles(text, nxt, role):
    assert paragraph_role(text, nxt) == role


def test_sections_follow_headings_and_prompts():
    paras = ["# Mål", "Vi har tio mål.", "1. Beskriv målet:", "Fler ska bli självförsörjande.", "Resultat",
             "Målet nåddes."]
    assert structure(paras) == [
        ("heading", "Mål"), (None, "Mål"), ("prompt", "Mål — 1. Beskriv målet:"),
        (None, "Mål — 1. Beskriv målet:"), ("heading", "Resultat"), (None, "Resultat"),
    ]


def _import(tmp_path, text=NOTE, name="ansokan.md"):  # type: ignore[no-untyped-def]
    from qualcode.ingest.service import import_notes

    p = make_project(tmp_path)
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    import_notes(p, [f])
    return p


def test_import_stores_role_and_section_with_the_segments(tmp_path):
    p = _import(tmp_path)
    assert 8 in p.store.applied_migrations()
    segs = list(p.store.iter_segments())
    got = [(s.role, s.section) for s in segs]
    assert got == [
        ("heading", "Brukarnas synpunkter"), (None, "Brukarnas synpunkter"), (None, "Brukarnas synpunkter"),
        ("prompt", "Brukarnas synpunkter — 3. Beskriv hur ni arbetar med lönefrågor:"),
        (None, "Brukarnas synpunkter — 3. Beskriv hur ni arbetar med lönefrågor:"),
        ("heading", "Arbetsmiljö"), (None, "Arbetsmiljö"),
    ]
    assert p.store.segment_structure([segs[1].id])[segs[1].id] == (None, "Brukarnas synpunkter")


def test_docx_heading_styles_are_headings(tmp_path):
    import docx

    from qualcode.ingest.readers import read_docx_text

    d = docx.Document()
    d.add_heading("Brukarnas synpunkter", level=1)
    d.add_paragraph("Vi skickar en enkät till klienterna efter varje ärende.")
    d.add_heading("Resultat i korthet och med en lång rubrik som inte är kort alls utan fortsätter", level=2)
    d.add_paragraph("Fler svarar nu.")
    d.save(tmp_path / "a.docx")
    text = read_docx_text(tmp_path / "a.docx")
    assert text.split("\n\n")[0] == "# Brukarnas synpunkter"
    p = _import(tmp_path, name="x.md", text="Tom rad.")
    from qualcode.ingest.service import import_notes

    import_notes(p, [tmp_path / "a.docx"])
    segs = [s for s in p.store.iter_segments() if s.document_name == "a.docx"]
    assert [s.role for s in segs] == ["heading", None, "heading", None]
    assert segs[3].section.startswith("Resultat i korthet")  # a heading style counts, however long


def test_a_word_form_keeps_its_tables_where_they_stand(tmp_path):
    """A form in Word tables: each question and answer where it stands (not after the whole
    text), a long answer cell as its own paragraphs under its question, a row of short cells as
    one line, a merged cell once."""
    import docx

    from qualcode.ingest.readers import read_docx_text
    from qualcode.ingest.service import import_notes

    answer = ("Vi gör en enkät varje halvår och går igenom svaren på arbetsplatsträffen, och klienterna "
              "kan lämna synpunkter direkt till sin handläggare.")
    d = docx.Document()
    d.add_heading("Klienternas synpunkter", level=1)
    d.add_paragraph("Enheten har arbetat med detta sedan 2015.")
    table = d.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "1. Beskriv hur ni tar tillvara klienternas synpunkter:"
    table.cell(0, 1).text = answer
    table.cell(1, 0).text, table.cell(1, 1).text = "Antal svar", "112"
    box = table.cell(2, 0).merge(table.cell(2, 1))
    box.text = "Sammanfattning av arbetet under året som gick, i en ruta som spänner över hela raden."
    box.add_paragraph("Ett andra stycke i samma ruta.")
    d.add_heading("Arbetsmiljö", level=1)
    d.add_paragraph("Slutord efter tabellen.")
    d.save(tmp_path / "form.docx")
    assert read_docx_text(tmp_path / "form.docx").split("\n\n") == [
        "# Klienternas synpunkter", "Enheten har arbetat med detta sedan 2015.",
        "1. Beskriv hur ni tar tillvara klienternas synpunkter:", answer, "Antal svar | 112",
        "Sammanfattning av arbetet under året som gick, i en ruta som spänner över hela raden.",
        "Ett andra stycke i samma ruta.", "# Arbetsmiljö", "Slutord efter tabellen.",
    ]
    p = _import(tmp_path, name="x.md", text="Tom rad.")
    import_notes(p, [tmp_path / "form.docx"])
    segs = [s for s in p.store.iter_segments() if s.document_name == "form.docx"]
    assert [s.role for s in segs[:4]] == ["heading", None, "prompt", None]
    assert segs[3].text == answer and "Beskriv hur ni tar tillvara" in (segs[3].section or "")
    assert segs[-1].section == "Arbetsmiljö"


def test_word_text_is_what_word_shows(tmp_path):
    """Tracked insertions, content controls (a form's fields, as blocks and inside a paragraph),
    hyperlinks and a text box once; not deleted text, field codes or the text box's fallback copy."""
    import docx
    from docx.oxml import parse_xml

    from qualcode.ingest.readers import read_docx_text

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    d = docx.Document()
    p = d.add_paragraph("Vi har fått ")
    p._p.append(parse_xml(f'<w:ins {w} w:id="1" w:author="A"><w:r><w:t xml:space="preserve">mycket bättre </w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:del {w} w:id="2" w:author="A"><w:r><w:delText>sämre </w:delText></w:r></w:del>'))
    p.add_run("lokaler.")
    p._p.append(parse_xml(f'<w:hyperlink {w}><w:r><w:t xml:space="preserve"> Se bilagan.</w:t></w:r></w:hyperlink>'))
    d.element.body.insert(1, parse_xml(
        f'<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>Svaret i formulärets fält.</w:t></w:r></w:p></w:sdtContent></w:sdt>'))
    q = d.add_paragraph("Enhet: ")
    q._p.append(parse_xml(f'<w:sdt {w}><w:sdtContent><w:r><w:t>Farsta</w:t></w:r></w:sdtContent></w:sdt>'))
    q._p.append(parse_xml(f'<w:r {w}><w:instrText> PAGE </w:instrText></w:r>'))
    box = d.add_paragraph("Ruta:")
    box._p.append(parse_xml(
        f'<w:r {w} {mc}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r>'
        '<w:t>I rutan.</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>'
        '<w:p><w:r><w:t>I rutan.</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    d.save(tmp_path / "t.docx")
    assert read_docx_text(tmp_path / "t.docx").split("\n\n") == [
        "Vi har fått mycket bättre lokaler. Se bilagan.", "Svaret i formulärets fält.", "Enhet: Farsta",
        "Ruta:\nI rutan.",
    ]


def test_word_tables_keep_every_cell_and_moves_and_hyphens_read_as_shown(tmp_path):
    """Equal and empty cells keep their columns ('2017 |  | 5'); a tracked move's old place is not
    read twice; a non-breaking hyphen is a hyphen."""
    import docx
    from docx.oxml import parse_xml

    from qualcode.ingest.readers import read_docx_text

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = docx.Document()
    p = d.add_paragraph("Hässelby")
    p._p.append(parse_xml(f'<w:r {w}><w:noBreakHyphen/><w:t>Vällingby</w:t></w:r>'))
    m = d.add_paragraph("Flyttat:")
    m._p.append(parse_xml(f'<w:moveFrom {w} w:id="3" w:author="A"><w:r><w:t xml:space="preserve"> GAMMAL</w:t></w:r></w:moveFrom>'))
    m._p.append(parse_xml(f'<w:moveTo {w} w:id="4" w:author="A"><w:r><w:t xml:space="preserve"> NY</w:t></w:r></w:moveTo>'))
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["År", "Ja", "Ja"], ["2016", "12", "12"], ["2017", "", "5"]]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.save(tmp_path / "t.docx")
    assert read_docx_text(tmp_path / "t.docx").split("\n\n") == [
        "Hässelby-Vällingby", "Flyttat: NY", "År | Ja | Ja", "2016 | 12 | 12", "2017 |  | 5",
    ]


def test_headings_are_not_coded_and_sections_are_evidence(tmp_path):
    from qualcode.suggest.file_mode import suggest_file

    prose = "Vi diskuterade det i gruppen i våras och kom fram till att det behövs mer tid för samtal med var och en."
    rows = [("h", "Lönen"), ("a", prose), ("b", "Lönen är låg. " + prose), ("c", prose), ("q", "Hur ser lönen ut?"),
            ("d", prose)]
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in rows),
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    suggest_file(str(inp), str(out))
    got = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    # the heading itself: no code, every score 0 (same output format as ever)
    assert got["h"]["codes"] == [] and set(got["h"]["scores"].values()) == {0.0}
    assert got["q"]["codes"] == [] and got["q"]["scores"]["T-LON"] == 0.0
    # under the heading 'Lönen': half a keyword's weight (0.25), below the rules' threshold
    assert got["a"]["scores"]["T-LON"] == 0.25 and got["a"]["codes"] == []
    assert got["b"]["scores"]["T-LON"] == pytest.approx(1 - 0.5 * 0.75)  # own keyword + heading
    assert got["b"]["codes"] == ["T-LON"]


def test_short_answers_are_not_read_as_headings(tmp_path):
    from qualcode.ingest.structure import document_like
    from qualcode.suggest.file_mode import suggest_file

    answers = ["Lönen är för låg", "Bättre lokaler", "Mer administrativt stöd", "Hur ska vi hinna?", "Inget"]
    assert not document_like(answers)
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(answers)),
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    suggest_file(str(inp), str(out))
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert got[0]["codes"] == ["T-LON"] and "P13" in got[1]["codes"]


def test_section_words_are_classifier_features_only_when_asked_and_reasons():
    from qualcode.core.codebook import default_codebook
    from qualcode.suggest.estimator import Suggester, label_matrix, tokenize_structured

    cb = default_codebook()
    ids = [c.id for c in cb.leaves]
    texts, st, codes = [], [], []
    for i in range(6):  # a section coded T-KLIMAT throughout, words that say nothing on their own
        texts.append(f"Det gäller alla i gruppen, nummer {i}.")
        st.append((None, "Vi-känsla och sammanhållning"))
        codes.append(["T-KLIMAT"])
    for i in range(6):
        texts.append(f"Det gäller alla i gruppen, nummer {i}.")
        st.append((None, "Ekonomiskt bistånd"))
        codes.append([])
    X = tokenize_structured(texts, st)
    probe = tokenize_structured(["Det gäller alla i gruppen."] * 2,
                                [(None, "Vi-känsla och sammanhållning"), (None, "Ekonomiskt bistånd")])
    j = ids.index("T-KLIMAT")
    learnt = Suggester(cb, section_features=True).fit(X, label_matrix(codes, ids))
    S, _ = learnt.predict_scores(probe)
    assert S[0, j] > learnt.thresholds_["T-KLIMAT"] > S[1, j]
    # by default the section's words are no classifier features (they did not carry over to new
    # sections: scripts/bench_learning_curve.py --levers); only its keywords count, at half weight
    model = Suggester(cb).fit(X, label_matrix(codes, ids))
    P = model.classifier_.decision_scores(probe)
    assert P[0, j] == pytest.approx(P[1, j])
    S, _ = model.predict_scores(probe)
    assert S[0, j] > S[1, j]  # 'sammanhållning' in the first heading: half a keyword
    sug = model.suggestions([1], tokenize_structured(["Det gäller alla."], [(None, "Sammanhållning i gruppen")]),
                            min_score=0.0)
    reason = next(s.reason for s in sug if s.code_id == "T-KLIMAT")
    assert reason.startswith("rubrik: nyckelord: sammanhållning")


def test_tag_shows_the_section_and_says_a_heading_is_not_content(tmp_path):
    p = _import(tmp_path)
    root = str(p.root)
    res = runner.invoke(app, ["tag", "-p", root, "--lines", "--order", "document"], input="n\nq\n")
    assert res.exit_code == 0, res.output
    assert "Rubrik" in res.output and "kodas inte som innehåll" in res.output
    assert "§ Brukarnas synpunkter" in res.output


def test_a_prompts_keywords_are_no_evidence_for_the_answers_under_it():
    from qualcode.core.codebook import default_codebook
    from qualcode.ingest.structure import split_section
    from qualcode.suggest.estimator import Suggester, tokenize_structured

    prompt = "Beskriv hur lönen har utvecklats."
    assert split_section("Lönen — " + prompt) == ("Lönen", prompt)
    assert split_section(prompt) == (None, prompt)
    assert split_section("Lönen") == ("Lönen", None)
    assert split_section("Mål — delmål") == ("Mål — delmål", None)
    cb = default_codebook()
    j = [c.id for c in cb.leaves].index("T-LON")
    answer = "Vi diskuterade det i gruppen i våras."
    X = tokenize_structured([answer] * 4, [(None, "Lönen"), (None, prompt), (None, "Lönen — " + prompt),
                                           (None, "Arbetsmiljö — " + prompt)])
    S, _ = Suggester(cb).rules_only().predict_scores(X)
    # the heading's keyword counts half (0.25); the prompt's ("lön" in every answer's question) not
    assert [round(float(s), 4) for s in S[:, j]] == [0.25, 0.0, 0.25, 0.0]
    S, _ = Suggester(cb, prompt_rule_weight=0.5).rules_only().predict_scores(X)
    assert [round(float(s), 4) for s in S[:, j]] == [0.25, 0.25, round(1 - 0.75 * 0.75, 4), 0.25]


def _with_footnotes(path, notes: list[str]) -> None:
    """Add a footnotes part (word/footnotes.xml, its relationship and content type) to a saved docx:
    python-docx writes none."""
    import os
    import zipfile

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(f'<w:footnote w:id="{i}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {t}</w:t></w:r></w:p></w:footnote>'
                   for i, t in enumerate(notes, start=1))
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {w}>'
           '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
           '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
           f'{body}</w:footnotes>')
    tmp = f"{path}.tmp"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>')
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
            zout.writestr(info, data)
        zout.writestr("word/footnotes.xml", xml)
    os.replace(tmp, path)


def test_word_footnotes_are_read_at_the_end_and_comments_are_named(tmp_path):
    """A footnote is part of her notes: its number stays in the text ('[1]'), its text is a paragraph
    under 'Fotnoter' at the end (a heading: the notes' section). Comments are a reviewer's: said, not read."""
    import docx
    from docx.oxml import parse_xml

    from qualcode.core.errors import QualcodeWarning
    from qualcode.ingest.service import import_notes

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = docx.Document()
    p = d.add_paragraph("Hon berättade om flytten till de nya lokalerna")
    p._p.append(parse_xml(f'<w:r {w}><w:footnoteReference w:id="2"/></w:r>'))
    p.add_run(" och om hur arbetsgruppen tog emot den.")
    q = d.add_paragraph("Chefen var nöjd")
    q._p.append(parse_xml(f'<w:r {w}><w:footnoteReference w:id="1"/></w:r>'))
    q.add_run(".")
    d.add_comment(p.runs[0], text="Stämmer detta?", author="Granskare")
    d.add_comment(q.runs[0], text="Källa?", author="Granskare")
    d.save(tmp_path / "intervju.docx")
    _with_footnotes(tmp_path / "intervju.docx", ["Osäker uppgift.", "Enligt enhetschefen, mars 2016."])
    p = _import(tmp_path, name="x.md", text="Tom rad.")
    with pytest.warns(QualcodeWarning) as caught:
        import_notes(p, [tmp_path / "intervju.docx"])
    assert [str(c.message) for c in caught] == [
        "'intervju.docx' har 2 kommentarer i marginalen; kommentarer importeras inte — kopiera in en i texten om den hör dit"]
    segs = [s for s in p.store.iter_segments() if s.document_name == "intervju.docx"]
    assert [(s.text, s.role, s.section) for s in segs] == [
        ("Hon berättade om flytten till de nya lokalerna[1] och om hur arbetsgruppen tog emot den.", None, None),
        ("Chefen var nöjd[2].", None, None),
        ("# Fotnoter", "heading", "Fotnoter"),
        ("[1] Enligt enhetschefen, mars 2016.", None, "Fotnoter"),
        ("[2] Osäker uppgift.", None, "Fotnoter"),
    ]


def test_word_symbols_keep_their_characters_and_drop_bullets(tmp_path):
    """w:sym: Symbol's Greek letters and signs, Wingdings' check boxes and another font's letters are
    kept; a bullet is a list's mark, not text."""
    import docx
    from docx.oxml import parse_xml

    from qualcode.ingest.readers import read_docx_text

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def sym(font: str, char: str) -> str:
        return f'<w:r {w}><w:sym w:font="{font}" w:char="{char}"/></w:r>'

    d = docx.Document()
    for parts in (
        [sym("Symbol", "F0B7"), "\tLönen är låg"],  # a bullet typed as a symbol
        [sym("Wingdings", "F0A7"), " Lokalerna"],
        ["Temperaturen var 18", sym("Symbol", "F0B0"), ", ", sym("Symbol", "F061"), " = 0,05"],
        [sym("Wingdings", "F0FE"), " Ja ", sym("Wingdings", "F0A8"), " Nej"],
        ["Stadsdelen Sk", sym("Calibri", "F0E4"), "rholmen, ", sym("Times New Roman", "2013"), " sa hon"],
    ):
        para = d.add_paragraph()
        for part in parts:
            if part.startswith("<"):
                para._p.append(parse_xml(part))
            else:
                para.add_run(part)
    d.save(tmp_path / "s.docx")
    assert read_docx_text(tmp_path / "s.docx").split("\n\n") == [
        "Lönen är låg", "Lokalerna", "Temperaturen var 18°, α = 0,05", "☑ Ja ☐ Nej", "Stadsdelen Skärholmen, – sa hon"]
