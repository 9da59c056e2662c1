"""One language in tables and reports: counts, mention tables and the report on the demo project
carry none of qualcode's Swedish labels in English, the same labels in Swedish, and the same JSON
and CSV in both languages."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CORPORA

pytestmark = pytest.mark.slow

# Labels qualcode itself writes in tables, titles and reports (never the user's data). Each one is
# found in the demo's Swedish output (checked below), so a label that stops being written, or a
# scan that stops finding it, fails the test instead of passing for nothing.
SWEDISH_LABELS = (
    "anteckningar", "enkätsvar", "(saknas)", "Totalt", "totalt", "Ej svar", "Övrigt", "Kategori", "Antal", "Procent",
    "Gånger", "Gånger nämnd", "Först", "Alla Antal", "Respondenter", "respondenter", "Antal kodade dokument",
    "Antal kodade segment", "Antal kodade respondenter", "bas:", "segment i", "Underlag", "Översikt",
    "Teman och citat", "Tabeller", "Enkätfrågor", "Kodade segment", "Andel av dokumenten", "Uppdelat på",
    "Temasammanställning", "Så läses", "Utelämnat", "svaret", "Tema och kod", "Dokument per", "Antal dokument",
    "fältet", "terminer", "intervjuanteckningar", "kodningar", "manuell kodning", "anteckning", "Figur",
    "Citat", "Källa", "Ursprung", "Om rapporten", "Kod (namn)", "Svaren i", "kodbokens punkter", "svarspositioner",
    "stämmer",
)


def swedish_labels(text: str, data: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    """The labels of SWEDISH_LABELS in `text`, once each, after the user's data is cut out of it
    (code names, metadata values, question texts: they stay Swedish in every language)."""
    if data:
        values = sorted({d for d in data if d.strip()}, key=len, reverse=True)
        text = re.sub("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in values), " ", text)
    text = " ".join(text.split())
    return [label for label in SWEDISH_LABELS if re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text)]


def test_the_label_scan_finds_labels_and_not_data():
    assert swedish_labels("Totalt 5 | (saknas) | 3 anteckningar") == ["anteckningar", "(saknas)", "Totalt"]
    assert swedish_labels("Total 5 | (missing) | 3 notes | Antalet") == []
    assert swedish_labels("Lönen | Antal medarbetare", data=["Antal medarbetare"]) == []
    assert swedish_labels("13. Lämpliga lokaler, Antal", data=["Lämpliga lokaler", "a", "1"]) == ["Antal"]
    assert swedish_labels("Gånger\n  nämnd") == ["Gånger", "Gånger nämnd"]


def test_chart_texts_follow_the_language(monkeypatch):
    from qualcode.export.charts import chart_rows

    monkeypatch.setenv("QUALCODE_LANG", "en")
    assert chart_rows(["Lön"], ["*"], 5) == [("Lön", 0, "* (fewer than 5)")]
    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert chart_rows(["Lön"], ["*"], 5) == [("Lön", 0, "* (färre än 5)")]


def _docx_text(path: Path) -> str:
    """Every paragraph and table cell of a DOCX but the quotes (the interview's own words) and their sources."""
    from docx import Document

    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs if p.style.name != "Quote" and not p.text.startswith("— ")]
    lines += [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    return "\n".join(lines) + "\n" + zipfile.ZipFile(path).read("docProps/core.xml").decode()


def _xlsx_text(path: Path) -> str:
    """Every sheet name and cell of an XLSX but the quotes' text and source (the user's data)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out = []
    for i, ws in enumerate(wb.worksheets):
        out.append(ws.title)
        quotes = i == len(wb.worksheets) - 2 and ws.cell(1, 3).value in ("Citat", "Quote")
        for n, row in enumerate(ws.iter_rows(values_only=True)):
            out += [str(v) for j, v in enumerate(row) if v is not None and not (quotes and n and j in (2, 3))]
    return "\n".join(out)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo project, and every table and report qualcode writes from it in each language."""
    if not (CORPORA / "intervjuer").is_dir():
        pytest.skip("corpora/ is not present")
    from qualcode.cli.common import console
    from qualcode.demo import run_demo
    from qualcode.project import find_project

    root = tmp_path_factory.mktemp("i18n-tables")
    old, width = os.environ.get("QUALCODE_LANG"), console.width
    os.environ["QUALCODE_LANG"] = "sv"
    console.width = 250  # tables wide enough that no header is broken over lines
    try:
        run_demo(root / "demo")
        outputs = {lang: _outputs(root, lang) for lang in ("sv", "en")}
    finally:
        console.width = width
        if old is None:
            os.environ.pop("QUALCODE_LANG", None)
        else:
            os.environ["QUALCODE_LANG"] = old
    with find_project(root / "demo") as project:
        data = [c.name for c in project.codebook.codes] + [c.definition for c in project.codebook.codes if c.definition]
        for field in project.store.meta_keys():
            data += [str(json.loads(v)) for v in project.store.meta_value_texts(field) if v is not None]
    data += [line.split(";", 1)[-1] for line in (CORPORA / "slutenkat-2018-fragor.csv").read_text(encoding="utf-8").splitlines()]
    from qualcode.export.privacy import MASK_TOKENS

    data += ["Exempelprojekt: handlingsplanen", *sorted(MASK_TOKENS)]
    return outputs, [d for d in data if d.strip()]


TABLES = {
    "counts": ["counts"],
    "counts by term": ["counts", "--by", "termin"],
    "counts by term and group, segments": ["counts", "--by", "termin,grupp", "--unit", "segment"],
    "counts by district, respondents": ["counts", "--by", "stadsdel", "--unit", "respondent"],
    "mentions": ["mentions", "count"],
    "mentions by role": ["mentions", "count", "--by", "roll"],
    "mentions compare": ["mentions", "compare", "--published", str(CORPORA / "slutenkat-2018-publicerade-tabeller.json")],
}


def _outputs(root: Path, lang: str) -> dict[str, str]:
    from qualcode.cli.main import app

    os.environ["QUALCODE_LANG"] = lang
    runner = CliRunner()
    out: dict[str, str] = {}
    for name, args in TABLES.items():
        for fmt in ("table", "json", "csv"):
            result = runner.invoke(app, [*args, "-p", str(root / "demo"), "-f", fmt])
            assert result.exit_code == 0, (name, fmt, result.output)
            out[f"{name} {fmt}"] = result.stdout
    report = root / f"rapport-{lang}"
    result = runner.invoke(app, ["report", "-p", str(root / "demo"), "-o", str(report), "--by", "termin,stadsdel"])
    assert result.exit_code == 0, result.output
    survey = root / f"enkat-{lang}"
    result = runner.invoke(app, ["report", "-p", str(root / "demo"), "-o", str(survey), "--by", "roll", "--kind", "survey"])
    assert result.exit_code == 0, result.output
    for name, folder in (("report", report), ("survey report", survey)):
        md = (folder / "rapport.md").read_text(encoding="utf-8")
        out[f"{name} md"] = "\n".join(line for line in md.splitlines() if not line.startswith(">"))  # quotes
        out[f"{name} docx"] = _docx_text(folder / "rapport.docx")
        out[f"{name} xlsx"] = _xlsx_text(folder / "rapport.xlsx")
    from web_helpers import client

    c, _app, _csrf = client(root / "demo")
    page = c.get("/counts?by=termin")
    assert page.status_code == 200
    out["web counts"] = page.text
    return out


def test_english_tables_and_reports_carry_no_swedish_label(demo):
    outputs, data = demo
    leaks = {name: swedish_labels(text, data) for name, text in outputs["en"].items()
             if not name.endswith(("json", "csv"))}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_swedish_tables_and_reports_carry_every_label(demo):
    """The scan is not vacuous: in Swedish it finds every label it looks for, with the same data cut out."""
    outputs, data = demo
    found = {label for name, text in outputs["sv"].items() if not name.endswith(("json", "csv"))
             for label in swedish_labels(text, data)}
    missing = sorted(set(SWEDISH_LABELS) - found)
    assert missing == [], f"not found in the Swedish output: {missing}"
    assert '<th class="r">enkätsvar / (saknas)</th>' in outputs["sv"]["web counts"]
    assert '<th class="r">survey answers / (missing)</th>' in outputs["en"]["web counts"]


def _without_notes(name: str, text: str) -> str:
    """A compare output without its notes (text for a reader, in the language); other outputs as they are."""
    if not name.startswith("mentions compare"):
        return text
    if name.endswith("json"):
        data = json.loads(text)
        for key in ("figures", "differences"):
            data[key] = [{k: v for k, v in row.items() if k != "note"} for row in data[key]]
        return json.dumps(data, ensure_ascii=False)
    import csv
    import io

    return "\n".join(";".join(row[:-1]) for row in csv.reader(io.StringIO(text), delimiter=";"))


def test_json_and_csv_are_the_same_in_both_languages(demo):
    """Scripts read the keys and values of --format json|csv: they do not follow the language (but for
    the compare notes, which are text for a reader)."""
    outputs, _data = demo
    machine = [k for k in outputs["sv"] if k.endswith(("json", "csv"))]
    assert len(machine) == 2 * len(TABLES)
    assert [k for k in machine if _without_notes(k, outputs["sv"][k]) != _without_notes(k, outputs["en"][k])] == []
    en = outputs["en"]
    assert '"Totalt": ' in en["counts by term json"] and '"anteckningar / HT2016": ' in en["counts by term json"]
    assert "enkätsvar / (saknas)" in en["counts by term csv"] and '"base_labels"' in en["counts by term json"]
    assert ";14. Övrigt;" in en["mentions csv"] and ";Ej svar;" in en["mentions csv"] and ";4,3" in en["mentions csv"]
    assert '"status": "stämmer"' in en["mentions compare json"] and "antal;langst;1;P01;5;5;stämmer;" in en["mentions compare csv"]


def test_swedish_texts_are_the_ones_the_report_always_had(demo):
    outputs, _data = demo
    sv, en = outputs["sv"], outputs["en"]
    assert "## Översikt" in sv["report md"] and "## Teman och citat" in sv["report md"] and "## Tabeller" in sv["report md"]
    assert "## Overview" in en["report md"] and "## Themes and quotes" in en["report md"] and "## Tables" in en["report md"]
    assert "| Tema och kod | Kodade segment | Dokument | Andel av dokumenten (%) | Respondenter |" in sv["report md"]
    assert "| Theme and code | Coded segments | Documents | Share of the documents (%) | Respondents |" in en["report md"]
    assert "| Kategori | 1:a svaret | 2:a svaret | 3:e svaret | Gånger nämnd |" in sv["survey report md"]
    assert "| Category | 1st answer | 2nd answer | 3rd answer | Times named |" in en["survey report md"]
    assert "Antal kodade dokument (bas: anteckningar / HT2016: 8 anteckningar," in sv["counts by term table"]
    assert "Number of coded documents (base: notes / HT2016: 8 notes," in en["counts by term table"]
    # 679: the 9 cells of slutenkat-2018.csv that hold "-" or "--" are no answers (their respondents stay in the bases)
    assert "enkätsvar / (saknas): 679 enkätsvar" in sv["counts by term table"]
    assert "survey answers / (missing): 679 survey answers" in en["counts by term table"]
    assert "sv-SE" in sv["report docx"] and "en-GB" in en["report docx"]


def test_mention_tables_mark_set_totals_and_name_groups_in_the_language(monkeypatch):
    from qualcode.analysis.mentions.mapper import MentionMapper
    from qualcode.analysis.mentions.tables import SurveyAnswers, count_mentions, report_tables, select_columns
    from qualcode.core.codebook import default_codebook

    rows = ({"respondent": "1", "roll": "chef", "q_1": "2", "q_2": "5"}, {"respondent": "2", "roll": "", "q_1": "3", "q_2": "-"})
    answers = SurveyAnswers(columns=("respondent", "roll", "q_1", "q_2"), ids=("1", "2"), rows=rows)
    sets = select_columns(answers.columns, ["q"])
    mapper = MentionMapper(default_codebook())
    monkeypatch.setenv("QUALCODE_LANG", "en")
    grouped = report_tables(count_mentions(answers, sets, mapper, by="roll"))
    assert [t.total for t in grouped] == [False, False, True]
    assert grouped[0].columns[:5] == ("Category", "chef Count", "chef Percent", "(missing) Count", "(missing) Percent")
    assert [t.total for t in report_tables(count_mentions(answers, sets, mapper))] == [False, False, True]
    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert report_tables(count_mentions(answers, sets, mapper, by="roll"))[0].columns[3] == "(saknas) Antal"
