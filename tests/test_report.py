"""The report: DOCX/XLSX/Markdown for a small project built through the library, and for the sample corpus."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CORPORA
from qualcode.core.errors import InputError
from qualcode.coding.service import add_codes, flag_quote
from qualcode.ingest.service import import_notes
from qualcode.project import init_project
from qualcode.export.report import write_report

PERSONAL = ("Wallin", "lisa.wallin", "123 45 67", "850101-1234", "Storgatan 12")


DISTRICTS = ["Bromma"] * 7 + ["Farsta"] * 6 + ["Hässelby-Vällingby"] * 2
GROUPS = ["A", "B", "C", "D", "E"]  # three notes each: every count under 5, so those tables are left out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Fifteen group-interview notes (seven from Bromma, six from Farsta, two from Hässelby-Vällingby), coded and reported."""
    root = tmp_path_factory.mktemp("report")
    notes = root / "notes"
    notes.mkdir()
    for i, district in enumerate(DISTRICTS):
        extra = (
            "Enhetschefen Lisa Wallin nås på lisa.wallin@stockholm.se eller 070-123 45 67, "
            "pnr 850101-1234, Storgatan 12."
            if i == 0 else f"Gruppen {i} önskar mer stöd av närmaste chef."
        )
        (notes / f"n{i:02d}.md").write_text(
            f"---\nstadsdel: {district}\ntermin: {'HT2016' if i % 2 else 'VT2017'}\ngrupp: {GROUPS[i % 5]}\n---\n\n"
            f"Arbetslokalerna är trånga i grupp {i}.\n\n{extra}\n\nHEMLIG{i} stycke som ingen kodat.\n",
            encoding="utf-8",
        )
    project = init_project(root / "proj", name="Testprojekt", coder="anna")
    import_notes(project, sorted(notes.glob("*.md")))
    segs = list(project.store.iter_segments())
    by_doc: dict[int, list] = {}
    for s in segs:
        by_doc.setdefault(s.document_id, []).append(s)
    firsts = [v[0].id for v in by_doc.values()]
    seconds = [v[1].id for v in by_doc.values()]
    add_codes(project, firsts, ["P13"])
    add_codes(project, seconds, ["P05"])
    flag_quote(project, seconds[0])
    with project.store.transaction():  # five, so that P06's count (and its quotes) are shown
        for seg, score in zip(seconds[3:8], (0.91, 0.55, 0.5, 0.45, 0.4)):
            project.store.upsert_coding(seg, "P06", "qualcode", "accepted", score=score)
    out = root / "out"
    result = write_report(project, out, by=("stadsdel", "termin", "grupp"), quotes=2)
    project.close()
    return result, out


def _docx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_files_written(built):
    result, out = built
    assert [f.name for f in result.files] == ["rapport.md", "rapport.docx", "rapport.xlsx"]
    # the grupp tables are all stars: left out, with their chart
    assert result.n_omitted == 3 and result.n_charts == 4 and all((out / "diagram" / n).exists() for n in (
        "dokument-per-temagrupp.png", "dokument-per-kod.png", "dokument-per-stadsdel.png", "dokument-per-termin.png"))


def _table_headers(doc) -> list[list[str]]:
    return [[c.text for c in t.rows[0].cells] for t in doc.tables]


def test_docx_structure_heading_levels_headers_and_no_id_columns(built):
    """What she pastes into the city's report: headings in levels, names instead of ids, group rows
    set apart and their codes indented, page 1 an overview, '*' explained once."""
    from docx import Document

    from qualcode.core.codebook import default_codebook

    _, out = built
    doc = Document(str(out / "rapport.docx"))
    heads = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert heads[:3] == [("Title", "Temasammanställning: Testprojekt"), ("Heading 1", "Översikt"),
                         ("Heading 2", "Teman och koder: kodade segment, dokument och respondenter")]
    assert [t for s, t in heads if s == "Heading 1"] == ["Översikt", "Teman och citat", "Tabeller"]
    assert ("Heading 2", "Lokaler") in heads and ("Heading 3", "Lämpliga lokaler och fungerande arbetsredskap") in heads
    h2_tables = [t for s, t in heads if s == "Heading 2"]
    assert h2_tables[-2:] == ["Uppdelat på stadsdel", "Uppdelat på termin"]  # grupp: left out
    h3 = [t for s, t in heads if s == "Heading 3"]
    assert h3[-6:] == ["Dokument per stadsdel", "Respondenter per stadsdel", "Kodade segment per stadsdel",
                       "Dokument per termin", "Respondenter per termin", "Kodade segment per termin"]
    headers = _table_headers(doc)
    assert headers[0] == ["Tema och kod", "Kodade segment", "Dokument", "Andel av dokumenten (%)", "Respondenter"]
    assert headers[1] == ["Tema och kod", "Bromma", "Farsta", "Hässelby-Vällingby", "Totalt"]
    assert headers[4] == ["Tema och kod", "HT2016", "VT2017", "Totalt"]  # terms in time order
    # no column of ids: no cell is a code id, and the first column holds names
    ids = set(default_codebook().ids)
    for t in doc.tables:
        for row in t.rows:
            assert not ids & {c.text.strip() for c in row.cells}
    first = doc.tables[0]
    by_name = {r.cells[0].text: r for r in first.rows[1:]}
    group, code = by_name["Lokaler"], by_name["Lämpliga lokaler och fungerande arbetsredskap"]
    assert all(run.bold for run in group.cells[0].paragraphs[0].runs) and "w:shd" in group.cells[0]._tc.xml
    assert "w:shd" not in code.cells[0]._tc.xml and code.cells[0].paragraphs[0].paragraph_format.left_indent > 0
    assert [c.text for c in code.cells[1:]] == ["15", "15", "100,0", "15"]  # Swedish decimal comma
    # page 1: the overview, then the themes table; '*' is explained once, not under every table
    body = [p.text for p in doc.paragraphs]
    start = body.index("Översikt") + 1
    assert [t.split(":")[0] for t in body[start:start + 5]] == ["Material", "Period", "Underlag", "Så läses *", "Utelämnat"]
    assert "Period: HT2016–VT2017 (2 terminer, fältet termin)." in body
    text = "\n".join(body)
    assert text.count("visas som *") == 1
    assert ("Utelämnat: 3 tabeller visas inte (alla antal under 5): Dokument per grupp; Respondenter per grupp; "
            "Kodade segment per grupp.") in body
    assert "per grupp" not in "\n".join(t for _, t in heads)


def test_docx_breakdown_cells_are_suppressed(built):
    from docx import Document

    _, out = built
    doc = Document(str(out / "rapport.docx"))
    table = doc.tables[1]
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]}
    # Hässelby-Vällingby has 2 documents on P13 (primary suppression), Farsta 6 (complementary: 15 - 7 - 2).
    assert rows["Lämpliga lokaler och fungerande arbetsredskap"] == ["7", "*", "*", "15"]
    # five accepted suggestions, four in Bromma and one in Farsta: both small, the row total shown
    assert rows["Administrativt stöd till socialsekreterare och biståndshandläggare"] == ["*", "*", "0", "5"]


def test_breakdown_bases_and_linked_tables_hide_together(built):
    """Page 1 says 15 notes: Hässelby-Vällingby's base of 2 hidden alone would be 15 − 7 − 6. The
    documents and coded segments per district hide the same cells (one bounds the other)."""
    _, out = built
    md = (out / "rapport.md").read_text(encoding="utf-8")
    assert "Underlag per stadsdel: Bromma: 7, Farsta: \\*, Hässelby-Vällingby: \\*." in md
    from docx import Document

    doc = Document(str(out / "rapport.docx"))
    by_title = {}
    for t in doc.tables[1:]:
        header = [c.text for c in t.rows[0].cells]
        by_title.setdefault(tuple(header), []).append(
            [[c.text == "*" for c in r.cells[1:-1]] for r in t.rows[1:]])
    linked = [tabs for tabs in by_title.values() if len(tabs) >= 2]
    assert linked
    for tabs in linked:
        assert all(t == tabs[0] for t in tabs), "the linked tables hide different cells"


def test_no_personal_data_and_no_uncoded_text_in_any_export(built):
    _, out = built
    xml = _docx_xml(out / "rapport.docx")
    md = (out / "rapport.md").read_text(encoding="utf-8")
    with zipfile.ZipFile(out / "rapport.xlsx") as z:
        xlsx = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    for text in (xml, md, xlsx):
        for secret in PERSONAL + ("HEMLIG",):
            assert secret not in text
    assert "[NAMN]" in md and "[E-POST]" in md and "[TELEFON]" in md and "[PERSONNUMMER]" in md and "[ADRESS]" in md


def test_quotes_key_first_then_manual_then_accepted_by_score(built):
    _, out = built
    md = (out / "rapport.md").read_text(encoding="utf-8")
    p05 = md.split("(P05)")[1].split("####")[0]
    assert p05.index("**Nyckelcitat.**") < p05.index("Gruppen 1 önskar")
    assert "Enhetschefen [NAMN] nås på [E-POST] eller [TELEFON]" in p05
    p06 = md.split("(P06)")[1].split("####")[0]
    assert p06.index("Gruppen 3") < p06.index("Gruppen 4")
    assert "accepterat förslag (0,91)" in p06


def test_xlsx_sheets_numbers_and_stars(built):
    import openpyxl

    _, out = built
    wb = openpyxl.load_workbook(out / "rapport.xlsx")
    assert wb.sheetnames[:2] == ["Översikt", "Dokument per stadsdel"] and "Citat" in wb.sheetnames
    ws = wb["Dokument per stadsdel"]
    header = [c.value for c in ws[2]]
    # the sheet keeps the code id beside the name, for scripts and pivot tables
    assert header == ["Kod", "Tema och kod", "Bromma", "Farsta", "Hässelby-Vällingby", "Totalt"]
    p13 = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == "P13")
    assert p13[2:] == (7, "*", "*", 15) and isinstance(p13[5], int)
    ov = wb["Översikt"]
    p13o = next(r for r in ov.iter_rows(min_row=3, values_only=True) if r[0] == "P13")
    assert p13o[2:] == (15, 15, 100.0, 15)
    assert "Om rapporten" in wb.sheetnames and not any("grupp" in n for n in wb.sheetnames)


def test_markdown_links_charts(built):
    _, out = built
    md = (out / "rapport.md").read_text(encoding="utf-8")
    assert "![Antal dokument per kod](diagram/dokument-per-kod.png)" in md
    assert "| **Lokaler** | 7 | * | * | 15 |" in md
    assert "| &nbsp;&nbsp;Lämpliga lokaler och fungerande arbetsredskap | 7 | * | * | 15 |" in md


def test_report_cli_and_bad_format(built, tmp_path):
    from qualcode.cli.main import app

    result, out = built
    proj = out.parent / "proj"
    runner = CliRunner()
    r = runner.invoke(app, ["report", "-p", str(proj), "--out", str(tmp_path / "r"), "--formats", "md",
                            "--by", "stadsdel", "--min-cell", "3", "--quotes", "0"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "r" / "rapport.md").read_text(encoding="utf-8")
    assert "| Lämpliga lokaler och fungerande arbetsredskap | 7 | * | * | 15 |" in md.replace("&nbsp;", "")
    assert "antal under 3 visas som *" in md and "> ”" not in md
    r = runner.invoke(app, ["report", "-p", str(proj), "--out", str(tmp_path / "x"), "--formats", "pdf"])
    assert r.exit_code == 1 and "okänt format 'pdf'" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["--by", "nosuchfield"], "okänt metadatafält 'nosuchfield'"),
    (["--min-cell", "-3"], "minsta cellstorlek är negativ (-3)"),
    (["--codes", "NOPE"], "okänd kod 'NOPE'"),
    (["--questions", "nosuch.csv"], "frågefilen 'nosuch.csv' finns inte"),
])
def test_a_failed_report_writes_nothing(built, tmp_path, args, message):
    from qualcode.cli.main import app

    _, out = built
    proj = out.parent / "proj"
    target = tmp_path / "ny" / "rapport"
    r = CliRunner().invoke(app, ["report", "-p", str(proj), "--out", str(target), *args])
    assert r.exit_code == 1 and r.output.count("\n") == 1 and message in r.output, r.output
    assert list(tmp_path.iterdir()) == []  # no report folder, no parent made for it, no temporary folder
    (tmp_path / "gammal").mkdir()
    (tmp_path / "gammal" / "rapport.md").write_text("förra rapporten\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["report", "-p", str(proj), "--out", str(tmp_path / "gammal"), *args])
    assert r.exit_code == 1
    assert [p.name for p in (tmp_path / "gammal").iterdir()] == ["rapport.md"]
    assert (tmp_path / "gammal" / "rapport.md").read_text(encoding="utf-8") == "förra rapporten\n"


def test_a_report_folder_that_cannot_be_made_is_one_line(built, tmp_path):
    from qualcode.cli.main import app

    _, out = built
    proj = out.parent / "proj"
    (tmp_path / "fil.txt").write_text("x", encoding="utf-8")
    r = CliRunner().invoke(app, ["report", "-p", str(proj), "--out", str(tmp_path / "fil.txt" / "rapport")])
    assert r.exit_code == 1 and r.output.count("\n") == 1, r.output
    assert f"'{tmp_path / 'fil.txt'}' är en fil, inte en mapp" in r.output
    if Path("/proc/self").is_dir():
        r = CliRunner().invoke(app, ["report", "-p", str(proj), "--out", "/proc/r4"])
        assert r.exit_code == 1 and r.output.count("\n") == 1, r.output
        assert r.output.startswith("fel: kunde inte skapa mappen '/proc/r4' (") and "inget skrevs" in r.output


@pytest.mark.parametrize("min_cell", ["0", "1"])
def test_a_report_without_suppression_says_so_and_warns(built, tmp_path, min_cell):
    from qualcode.cli.main import app

    _, out = built
    proj = out.parent / "proj"
    r = CliRunner().invoke(app, ["report", "-p", str(proj), "--out", str(tmp_path / "r"), "--formats", "md",
                                 "--min-cell", min_cell])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "r" / "rapport.md").read_text(encoding="utf-8")
    assert "visas som *" not in md
    assert "Små antal döljs inte: maskeringen av små celler är avstängd i den här rapporten" in md
    warned = [line for line in r.stderr.splitlines() if line.startswith("varning:")]
    assert warned == [f"varning: maskeringen av små celler är avstängd (minsta cell {min_cell}): antal som 1 eller 2 "
                      "visas som de är och kan peka ut en person — läs rapporten innan du delar den — dölj små "
                      "antal: `--min-cell 5`"]


def test_privacy_scan_cli(built, tmp_path):
    from qualcode.cli.main import app

    _, out = built
    proj = out.parent / "proj"
    runner = CliRunner()
    r = runner.invoke(app, ["privacy", "scan", "-p", str(proj), "--format", "json"])
    assert r.exit_code == 0, r.output
    counts = {row["kind"]: row["count"] for row in json.loads(r.stdout)}
    assert counts == {"NAMN": 1, "E-POST": 1, "TELEFON": 1, "PERSONNUMMER": 1, "ADRESS": 1,
                      "FÖDELSEDATUM": 0, "REGNR": 0, "DIARIENR": 0, "KONTONR": 0}
    f = tmp_path / "x.txt"
    f.write_text("Ring Sara Ekberg på 08-508 05 167.\n", encoding="utf-8")
    r = runner.invoke(app, ["privacy", "scan", "--file", str(f), "--show", "5", "--format", "csv"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[1:] == [
        f"{f},NAMN,Sara Ekberg,namnlista,Ring ⟨Sara Ekberg⟩ på [TELEFON].",
        f"{f},TELEFON,08-508 05 167,mönster,Ring [NAMN] på ⟨08-508 05 167⟩.",
    ]


@pytest.mark.slow
def test_sample_corpus_report_is_suppressed_and_masked(tmp_path):
    """The demo project (sample corpus) through write_report: every shown breakdown count is 0 or ≥ 5."""
    import openpyxl

    if not (CORPORA / "intervjuer").is_dir():
        pytest.skip("corpora/ is not present")
    from qualcode.demo import run_demo
    from qualcode.project import find_project

    run_demo(tmp_path / "demo")
    with find_project(tmp_path / "demo") as project:
        result = write_report(project, tmp_path / "out", formats=("xlsx", "docx"), by=("stadsdel", "termin"))
    assert result.n_suppressed > 0
    wb = openpyxl.load_workbook(tmp_path / "out" / "rapport.xlsx")
    checked = 0
    for ws in wb.worksheets:
        if ws.title == "Citat":
            continue
        header = [c.value for c in ws[2]]
        for row in ws.iter_rows(min_row=3, values_only=True):
            for h, v in zip(header[2:], row[2:]):
                if isinstance(v, int) and "%" not in str(h):
                    assert v == 0 or v >= 5, (ws.title, row)
                    checked += 1
    assert checked > 50
    from docx import Document

    doc = Document(str(tmp_path / "out" / "rapport.docx"))
    assert len(doc.inline_shapes) == result.n_charts
    # The sample notes name a unit manager with e-mail and phone; none of it reaches an export.
    xml = _docx_xml(tmp_path / "out" / "rapport.docx")
    assert "[NAMN]" in xml
    for secret in ("Lindqvist", "karin.lindqvist", "508 12 345"):
        assert secret not in xml


def test_questionnaire_mention_tables_are_suppressed(tmp_path):
    from qualcode.ingest.service import import_survey
    from qualcode.export.report import questionnaire_tables
    from qualcode.analysis.suppression import STAR

    rows = ["respondent;roll;langst_1;langst_2"]
    for i in range(12):
        roll = "chef" if i < 7 else "medarbetare"
        first = "2" if i < 8 else "punkt 13"
        second = "-" if i % 2 else "p.5"
        rows.append(f"R{i:02d};{roll};{first};{second}")
    csv = tmp_path / "enkat.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    project = init_project(tmp_path / "q", name="q", coder="anna")
    import_survey(project, csv, ["langst_1", "langst_2"], id_column="respondent")
    tables = questionnaire_tables(project, 5, by=("roll",))
    project.close()
    assert [t.title for t in tables] == [
        "Antal respondenter per kategori och svarsposition",
        "Gånger nämnd per roll (alla svarspositioner)",
    ]
    t = tables[0]
    assert (t.label_header, t.columns) == ("Kategori", ("1:a svaret", "2:a svaret", "Gånger nämnd"))
    body = {r.code: r.values for r in t.rows if r.code}
    assert body["P13"][0] == STAR and body["P13"][2] == STAR  # 4 respondents: small, and so is the row total
    assert (t.rows[-1].label, t.rows[-1].kind, t.rows[-1].values) == ("Totalt", "total", (12, 12, 24))
    assert next(r.label for r in t.rows if r.code == "P13").startswith("13. ")
    for r in t.rows[:-1]:
        assert sum(1 for v in r.values if v == STAR) != 1
    for j in range(3):
        assert sum(1 for r in t.rows[:-1] if r.values[j] == STAR) != 1
    g = tables[1]
    assert g.columns == ("chef", "medarbetare", "Totalt")
    assert g.rows[-1].values == (14, 10, 24)


def _survey(tmp_path, header: str, rows: list[str]):
    from qualcode.ingest.service import import_survey

    csv = tmp_path / "enkat.csv"
    csv.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    project = init_project(tmp_path / "q", name="q", coder="anna")
    cols = [c for c in header.split(";") if c[-1].isdigit()]
    import_survey(project, csv, cols, id_column="respondent")
    return project


def test_survey_sections_headed_by_the_question_in_questionnaire_order(tmp_path):
    """behov comes first in the file, but the questions file says längst is asked first."""
    from qualcode.export.report import questionnaire_parts

    rows = [f"R{i:02d};{2 + i % 3};p.5;{1 + i % 2};13" for i in range(12)]
    project = _survey(tmp_path, "respondent;behov_1;behov_2;langst_1;langst_2", rows)
    assert [p.title for p in questionnaire_parts(project, 5)] == ["Enkätfråga behov", "Enkätfråga langst"]
    questions = tmp_path / "fragor.csv"
    questions.write_text("fråga;text\nlangst;Inom vilka områden har arbetet kommit längst?\n"
                         "behov;Inom vilka områden är behovet störst?\n", encoding="utf-8")
    project.config["report"] = {"questions": str(questions)}
    from qualcode.export.builders import load_questions

    texts = load_questions(project)
    assert list(texts) == ["langst", "behov"]
    parts = questionnaire_parts(project, 5, questions=texts)
    assert [p.title for p in parts] == ["Inom vilka områden har arbetet kommit längst?",
                                        "Inom vilka områden är behovet störst?"]
    assert all(p.chapter == "questionnaire" and p.chapter_title == "Enkätfrågor" for p in parts)
    out = write_report(project, tmp_path / "r", formats=("docx", "md"), quotes=0)
    from docx import Document

    heads = [(p.style.name, p.text) for p in Document(str(out.out_dir / "rapport.docx")).paragraphs
             if p.style.name.startswith("Heading")]
    body = [p.text for p in Document(str(out.out_dir / "rapport.docx")).paragraphs]
    assert ("Enkät: 12 respondenter, 2 frågor med fritextsvar (Inom vilka områden har arbetet kommit längst?; "
            "Inom vilka områden är behovet störst?).") in body
    i = heads.index(("Heading 1", "Enkätfrågor"))
    assert [t for s, t in heads[i:] if s == "Heading 2"] == ["Inom vilka områden har arbetet kommit längst?",
                                                              "Inom vilka områden är behovet störst?"]
    assert "### Inom vilka områden har arbetet kommit längst?" in (out.out_dir / "rapport.md").read_text(encoding="utf-8")
    project.close()
    with pytest.raises(InputError, match="frågefilen"):
        load_questions(project, tmp_path / "saknas.csv")


def test_layout_sizes_columns_from_content_and_abbreviates_only_when_needed():
    """No column narrower than its longest word; landscape only for a table that needs it; a table
    too wide even then gets abbreviated headers and a legend."""
    from qualcode.export.model import ReportTable, Row
    from qualcode.export.writers.word import CELL_PADDING, USABLE, layout, longest_word

    def table(groups):
        rows = (Row("Lämpliga lokaler och fungerande arbetsredskap", (*[12] * len(groups), 99), "P13", 1),)
        return ReportTable("t", "t", "Tema och kod", (*groups, "Totalt"), rows, total_columns=1)

    few = layout(table(["Bromma", "Skärholmen", "Hässelby-Vällingby"]))
    assert few.orientation == "portrait" and few.legend == () and few.font == 8.5
    for header, width in zip(("Bromma", "Skärholmen", "Hässelby-Vällingby", "Totalt"), few.widths[1:]):
        assert width >= longest_word(header, few.font, True) + CELL_PADDING - 0.01
    assert sum(few.widths) <= USABLE["portrait"] + 0.01
    districts = ["Bromma", "Enskede-Årsta-Vantör", "Farsta", "Hägersten-Älvsjö", "Hässelby-Vällingby", "Kungsholmen",
                 "Norrmalm", "Rinkeby-Kista", "Skarpnäck", "Skärholmen", "Spånga-Tensta", "Södermalm", "Östermalm"]
    wide = layout(table(districts[:7]))
    assert wide.orientation == "landscape" and wide.legend == ()
    widest = layout(table(districts))
    assert widest.orientation == "landscape" and widest.legend
    for header, width in zip(widest.headers, widest.widths[1:]):
        assert width >= longest_word(header, widest.font, True) + CELL_PADDING - 0.01
    assert len(set(widest.headers)) == len(widest.headers) and widest.headers[-1] == "Totalt"
    assert dict(widest.legend)["Skär."] == "Skärholmen"


def test_quote_sources_never_name_a_small_group(built):
    """Three notes per grupp and two from Hässelby-Vällingby: a quote names neither; Bromma (7
    notes) and a term (7 or 8) are named as long as the combination has five notes."""
    _, out = built
    md = (out / "rapport.md").read_text(encoding="utf-8")
    sources = [line for line in md.splitlines() if line.startswith("> — ")]
    assert sources
    assert not any("grupp:" in s or "Hässelby" in s for s in sources)
    assert any("stadsdel: Bromma" in s for s in sources)
    for s in sources:  # Bromma has 7 notes, but Bromma in one term 3 or 4: never both
        assert not ("stadsdel: Bromma" in s and "termin:" in s), s


def test_a_table_too_wide_for_landscape_is_split_into_parts_that_fit():
    """Notes and survey answers per district: 21 value columns do not fit abbreviated either; the
    table is printed in parts, each with the label column, the last with the totals."""
    from qualcode.export.model import ReportTable, Row
    from qualcode.export.writers.word import USABLE, layout, split_wide

    districts = ["Bromma", "Enskede-Årsta-Vantör", "Farsta", "Hägersten-Älvsjö", "Hässelby-Vällingby", "Kungsholmen",
                 "Norrmalm", "Rinkeby-Kista", "Skarpnäck", "Skärholmen", "Spånga-Tensta"]
    groups = [f"{k} / {d}" for k in ("anteckningar", "enkätsvar") for d in districts][:21]
    rows = tuple(Row(f"Kod {i}", (*range(i, i + 21), 1000 + i), f"P{i:02d}", 1) for i in range(5))
    t = ReportTable("dokument-stadsdel", "Dokument per stadsdel", "Tema och kod", (*groups, "Totalt"), rows,
                    note="Underlag …", total_columns=1)
    assert sum(layout(t).widths) > USABLE["landscape"] + 0.01  # on one page it runs off the edge
    parts = split_wide(t)
    assert len(parts) >= 2
    assert [c for p in parts for c in p.columns] == list(t.columns)
    for i, r in enumerate(t.rows):
        assert [v for p in parts for v in p.rows[i].values] == list(r.values)
        assert all(p.rows[i].label == r.label for p in parts)
    assert [p.total_columns for p in parts] == [0] * (len(parts) - 1) + [1]
    assert parts[0].note == "Underlag …" and all(p.note == "" for p in parts[1:])
    assert parts[0].title.startswith("Dokument per stadsdel (del 1 av ")
    for p in parts:
        assert sum(layout(p).widths) <= USABLE["landscape"] + 0.01
    narrow = ReportTable("t", "t", "Tema och kod", ("Bromma", "Totalt"), (Row("a", (1, 1)),), total_columns=1)
    assert split_wide(narrow) == [narrow]


def test_bases_split_by_kind_are_protected_within_each_kind(tmp_path):
    """Page 1 gives the notes and the survey answers apart (6 notes, 12 answers): a survey group's
    hidden base is complemented by another survey group, not by the notes' base."""
    from qualcode.ingest.service import import_survey

    project = init_project(tmp_path / "p", name="p", coder="anna")
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(6):
        (notes / f"n{i}.md").write_text(f"Arbetslokalerna är trånga, säger grupp {i}.\n", encoding="utf-8")
    import_notes(project, sorted(notes.glob("*.md")))
    rows = ["respondent;roll;kommentar"] + [
        f"R{i:02d};{'chef' if i < 8 else 'handläggare'};Lokalerna är trånga och bullriga, svar {i}." for i in range(12)]
    (tmp_path / "enkat.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_survey(project, tmp_path / "enkat.csv", ["kommentar"], id_column="respondent")
    add_codes(project, [s.id for s in project.store.iter_segments()], ["P13"])
    write_report(project, tmp_path / "out", formats=("md",), by=("roll",))
    project.close()
    md = (tmp_path / "out" / "rapport.md").read_text(encoding="utf-8")
    line = next(line for line in md.splitlines() if line.startswith("*Antal dokument med koden per roll"))
    assert "anteckningar / (saknas): 6" in line
    assert "enkätsvar / chef: \\*" in line and "enkätsvar / handläggare: \\*" in line


@pytest.mark.parametrize("lang, note", [
    ("sv", "Inga citat: antalet är under 5, och citaten skulle visa hur många de är."),
    ("en", "No quotes: the count is under 5, and the quotes would show how many there are."),
])
def test_a_code_with_a_suppressed_count_gets_no_quotes(tmp_path, monkeypatch, lang, note):
    """Two coded segments ('* kodade segment i * dokument') with --quotes 3 would print two quotes,
    giving the count away, and their sources the district: no quotes, one line saying why."""
    import docx
    import openpyxl

    monkeypatch.setenv("QUALCODE_LANG", lang)
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(8):
        (notes / f"n{i}.md").write_text(f"---\nstadsdel: {'Bromma' if i < 6 else 'Rinkeby-Kista'}\n---\n\n"
                                        f"Lokalerna är trånga, säger grupp {i}.\n", encoding="utf-8")
    project = init_project(tmp_path / "proj", name="Citat", coder="anna")
    import_notes(project, sorted(notes.glob("*.md")))
    segs = [s.id for s in project.store.iter_segments()]
    add_codes(project, segs, ["P13"])
    add_codes(project, segs[6:], ["P05"])
    out = tmp_path / "out"
    write_report(project, out, by=("stadsdel",), quotes=3)
    project.close()
    md = (out / "rapport.md").read_text(encoding="utf-8")
    p05 = md.split("(P05)")[1].split("####")[0]
    assert f"*{note}*" in p05 and "> " not in p05 and "Rinkeby" not in p05
    p13 = md.split("(P13)")[1].split("####")[0]
    assert p13.count("> ”") == 3 and note not in p13
    paras = [p.text for p in docx.Document(str(out / "rapport.docx")).paragraphs]
    assert paras.count(note) == 1 and not any("grupp 6" in p or "grupp 7" in p for p in paras)
    wb = openpyxl.load_workbook(out / "rapport.xlsx")
    rows = list(wb[wb.sheetnames[[n in ("Citat", "Quotes") for n in wb.sheetnames].index(True)]].iter_rows(
        min_row=2, values_only=True))
    assert [r[2] for r in rows if r[0] == "P05"] == [note] and len([r for r in rows if r[0] == "P13"]) == 3


def test_quote_sources_never_name_a_value_whose_cell_is_hidden(tmp_path):
    """Six notes each from Bromma and Farsta (groups big enough to name), P13 coded in all of
    Bromma's and two of Farsta's: its row is '* | * | 8'. With every segment quoted, quotes that
    named the district would count both hidden cells; P05's shown cells (6 | 6) are named."""
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(12):
        (notes / f"n{i:02d}.md").write_text(f"---\nstadsdel: {'Bromma' if i < 6 else 'Farsta'}\n---\n\n"
                                            f"Lokalerna är trånga, säger grupp {i}.\n", encoding="utf-8")
    project = init_project(tmp_path / "proj", name="Källor", coder="anna")
    import_notes(project, sorted(notes.glob("*.md")))
    segs = [s.id for s in project.store.iter_segments()]
    add_codes(project, segs[:8], ["P13"])
    add_codes(project, segs, ["P05"])
    write_report(project, tmp_path / "out", by=("stadsdel",), quotes=20, formats=("md",))
    project.close()
    md = (tmp_path / "out" / "rapport.md").read_text(encoding="utf-8")
    p13 = [ln for ln in md.split("(P13)")[1].split("####")[0].splitlines() if ln.startswith("> — ")]
    p05 = [ln for ln in md.split("(P05)")[1].split("####")[0].splitlines() if ln.startswith("> — ")]
    assert len(p13) == 8 and not any("stadsdel:" in s for s in p13)
    assert sum("stadsdel: Bromma" in s for s in p05) == 6 and sum("stadsdel: Farsta" in s for s in p05) == 6


def test_a_cell_naming_two_areas_changes_the_tables_note(tmp_path):
    """'2 och 6' in langst_1 counts P02 and P06 there: the column adds up to 13 of 12 respondents, and the
    note says why instead of saying each column adds up to the number who answered."""
    from qualcode.export.report import questionnaire_tables

    rows = [f"R{i:02d};{'2 och 6' if i == 0 else '2'};p.5" for i in range(12)]
    project = _survey(tmp_path, "respondent;langst_1;langst_2", rows)
    t = questionnaire_tables(project, 5)[0]
    project.close()
    assert t.rows[-1].values == (13, 12, 25)
    assert t.note == ("12 respondenter som svarat på frågan (langst_1, langst_2). En cell som nämner flera "
                      "områden räknas en gång för vart och ett, så en kolumn kan summera till fler än antalet "
                      "svarande; raden Totalt och kolumnen Gånger nämnd är summor.")
    (tmp_path / "b").mkdir()
    plain = _survey(tmp_path / "b", "respondent;langst_1;langst_2", [f"R{i:02d};2;p.5" for i in range(12)])
    assert "Varje kolumn summerar till antalet svarande" in questionnaire_tables(plain, 5)[0].note
    plain.close()
