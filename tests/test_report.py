"""The report: DOCX/XLSX/Markdown for a small project built through the library, and for the sample corpus."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CORPORA
from qualcode.coding.service import add_codes, flag_quote
from qualcode.ingest.service import import_notes
from qualcode.project import init_project
from qualcode.export.report import write_report

PERSONAL = ("Wallin", "lisa.wallin", "123 45 67", "850101-1234", "Storgatan 12")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Eight group-interview notes (six from Bromma, two from Farsta), coded and reported."""
    root = tmp_path_factory.mktemp("report")
    notes = root / "notes"
    notes.mkdir()
    for i in range(8):
        district = "Bromma" if i < 6 else "Farsta"
        extra = (
            "Enhetschefen Lisa Wallin nås på lisa.wallin@stockholm.se eller 070-123 45 67, "
            "pnr 850101-1234, Storgatan 12."
            if i == 0 else f"Gruppen {i} önskar mer stöd av närmaste chef."
        )
        (notes / f"n{i}.md").write_text(
            f"---\nstadsdel: {district}\ntermin: HT2016\n---\n\n"
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
    with project.store.transaction():
        project.store.upsert_coding(seconds[3], "P06", "qualcode", "accepted", score=0.91)
        project.store.upsert_coding(seconds[4], "P06", "qualcode", "accepted", score=0.55)
    out = root / "out"
    result = write_report(project, out, by=("stadsdel",), quotes=2)
    project.close()
    return result, out


def _docx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def test_files_written(built):
    result, out = built
    assert [f.name for f in result.files] == ["rapport.md", "rapport.docx", "rapport.xlsx"]
    assert result.n_charts == 3 and all((out / "diagram" / n).exists() for n in (
        "dokument-per-temagrupp.png", "dokument-per-kod.png", "dokument-per-stadsdel.png"))


def test_docx_headings_tables_images(built):
    from docx import Document

    _, out = built
    doc = Document(str(out / "rapport.docx"))
    heads = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert ("Heading 1", "Tabeller") in heads and ("Heading 1", "Teman och citat") in heads
    assert ("Heading 2", "Dokument per stadsdel") in heads
    assert ("Heading 3", "P13 Lämpliga lokaler och fungerande arbetsredskap") in heads
    assert len(doc.inline_shapes) == 3
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["Kod", "Tema/kod", "Bromma", "Farsta", "Totalt"])
    rows = {r.cells[0].text: [c.text for c in r.cells[2:]] for r in table.rows[1:]}
    # Farsta has 2 documents on P13 (primary suppression), Bromma 6 (complementary: 8 - 2 would give 6).
    assert rows["P13"] == ["*", "*", "8"]
    assert rows["P05"] == ["*", "*", "8"]
    assert rows["P06"] == ["0", "*", "*"] or rows["P06"] == ["*", "0", "*"]
    overview = doc.tables[0]
    ov = {r.cells[0].text: [c.text for c in r.cells[2:]] for r in overview.rows[1:]}
    assert ov["P13"] == ["8", "8", "100,0", "8"]  # Swedish decimal comma


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
    p05 = md.split("#### P05")[1].split("####")[0]
    assert p05.index("**Nyckelcitat.**") < p05.index("Gruppen 1 önskar")
    assert "Enhetschefen [NAMN] nås på [E-POST] eller [TELEFON]" in p05
    p06 = md.split("#### P06")[1].split("####")[0]
    assert p06.index("Gruppen 3") < p06.index("Gruppen 4")
    assert "accepterat förslag (0,91)" in p06


def test_xlsx_sheets_numbers_and_stars(built):
    import openpyxl

    _, out = built
    wb = openpyxl.load_workbook(out / "rapport.xlsx")
    assert wb.sheetnames[:2] == ["Översikt", "Dokument per stadsdel"] and "Citat" in wb.sheetnames
    ws = wb["Dokument per stadsdel"]
    header = [c.value for c in ws[2]]
    assert header == ["Kod", "Tema/kod", "Bromma", "Farsta", "Totalt"]
    p13 = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == "P13")
    assert p13[2:] == ("*", "*", 8) and isinstance(p13[4], int)
    ov = wb["Översikt"]
    p13o = next(r for r in ov.iter_rows(min_row=3, values_only=True) if r[0] == "P13")
    assert p13o[2:] == (8, 8, 100.0, 8)


def test_markdown_links_charts(built):
    _, out = built
    md = (out / "rapport.md").read_text(encoding="utf-8")
    assert "![Antal dokument per kod](diagram/dokument-per-kod.png)" in md
    assert "| P13 | Lämpliga lokaler och fungerande arbetsredskap | * | * | 8 |" in md.replace("&nbsp;", "")


def test_report_cli_and_bad_format(built, tmp_path):
    from qualcode.cli.main import app

    result, out = built
    proj = out.parent / "proj"
    runner = CliRunner()
    r = runner.invoke(app, ["report", "-p", str(proj), "--out", str(tmp_path / "r"), "--formats", "md",
                            "--by", "stadsdel", "--min-cell", "3", "--quotes", "0"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "r" / "rapport.md").read_text(encoding="utf-8")
    assert "| P13 | Lämpliga lokaler och fungerande arbetsredskap | 6 | * | 8 |" not in md.replace("&nbsp;", "")
    assert "| P13 | Lämpliga lokaler och fungerande arbetsredskap | * | * | 8 |" in md.replace("&nbsp;", "")
    assert "Antal under 3 visas som *" in md and "> ”" not in md
    r = runner.invoke(app, ["report", "-p", str(proj), "--out", str(tmp_path / "x"), "--formats", "pdf"])
    assert r.exit_code == 1 and "okänt format 'pdf'" in r.stderr


def test_privacy_scan_cli(built, tmp_path):
    from qualcode.cli.main import app

    _, out = built
    proj = out.parent / "proj"
    runner = CliRunner()
    r = runner.invoke(app, ["privacy", "scan", "-p", str(proj), "--format", "json"])
    assert r.exit_code == 0, r.output
    counts = {row["kind"]: row["count"] for row in json.loads(r.stdout)}
    assert counts == {"NAMN": 1, "E-POST": 1, "TELEFON": 1, "PERSONNUMMER": 1, "ADRESS": 1}
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
        "Enkät: langst – antal respondenter per kategori och svarsposition",
        "Enkät: langst per roll – gånger nämnd (alla positioner)",
    ]
    t = tables[0]
    assert t.columns == ("Kod", "Kategori", "langst_1", "langst_2", "Gånger nämnd")
    body = {r[0]: r[2:] for r in t.rows if r[0]}
    assert body["P13"][0] == STAR and body["P13"][2] == STAR  # 4 respondents: small, and so is the row total
    assert t.rows[-1][1:] == ("Totalt", 12, 12, 24)
    for r in t.rows[:-1]:
        assert sum(1 for v in r[2:] if v == STAR) != 1
    for j in range(2, 5):
        assert sum(1 for r in t.rows[:-1] if r[j] == STAR) != 1
    g = tables[1]
    assert g.columns == ("Kod", "Kategori", "chef", "medarbetare", "Totalt")
    assert g.rows[-1][1:] == ("Totalt", 14, 10, 24)
