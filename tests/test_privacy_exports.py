"""No name and no e-mail address leaves in any export; every listed first name is masked."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.coding.service import add_codes, flag_quote
from qualcode.core.errors import QualcodeWarning
from qualcode.export.privacy import _NEVER_ALONE, _NOT_ALONE_AT_START, Pseudonymiser, _faker_names
from qualcode.ingest.service import import_notes, import_survey

from helpers import make_project

runner = CliRunner()
SECRETS = ("Maria", "Johansson", "maria.johansson@example.se", "Maja", "Elin", "elin.ek@example.se", "Isak",
           "Zeynep", "Yılmaz", "Björn", "lena svensson", "19800101 1234", "anna(at)", "karin.ek @", "lisa.berg.77")


@pytest.fixture(scope="module")
def personal(tmp_path_factory):
    """A note and a survey with names and e-mail addresses in file names, metadata and text, all coded."""
    tmp = tmp_path_factory.mktemp("personal")
    note = tmp / "Intervju Maria Johansson.txt"
    note.write_text(
        "---\nintervjuare: Maria Johansson\nkontakt: maria.johansson@example.se\nstadsdel: Bromma\n---\n\n"
        "Vi pratade med Maja om lokalerna, som är trånga.\n\n"
        "Hon nås på maria.johansson@example.se och säger att Isak håller med om lönen.\n\n"
        "Björn tycker att arbetsbelastningen är hög. Skriv till karin.ek @ stockholm.se eller se www.facebook.com/lisa.berg.77.\n\n"
        "Lönen är låg, säger Isak och Zeynep Yılmaz. Kontakta Björn eller anna(at)stockholm.se, "
        "personnummer 19800101 1234.\n\nmvh lena svensson\n",
        encoding="utf-8",
    )
    survey = tmp / "enkat.csv"
    with survey.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([
            ["id", "namn", "epost", "svar", "langst_1"],
            ["R1", "Elin Ek", "elin.ek@example.se", "Chefen Elin Ek ger bra stöd.", "Maja på HR"],
            ["R2", "Maria Johansson", "maria.johansson@example.se", "Lönen är för låg.", "lokaler"],
        ])
    with make_project(tmp) as p:
        import_notes(p, [note])
        with pytest.warns(QualcodeWarning, match="'namn', 'epost' ser ut att vara personuppgifter"):  # kept all the same
            import_survey(p, survey, ["svar"], id_column="id")
        segs = [s.id for s in p.store.iter_segments()]
        add_codes(p, segs, ["P13"], memo="ring Maria Johansson")
        flag_quote(p, segs[0])
    return tmp / "p", tmp


def _zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def _xlsx_text(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def _ok(r):
    assert r.exit_code == 0, r.output
    return r.stdout


def _exports(root: Path, out: Path) -> dict[str, str]:
    """Every export format of the project, as text."""
    p = ["-p", str(root)]
    texts: dict[str, str] = {}
    for suffix in ("csv", "xlsx"):
        _ok(runner.invoke(app, ["export", "matrix", str(out / f"m.{suffix}"), *p]))
    texts["matrix csv"] = (out / "m.csv").read_text(encoding="utf-8")
    texts["matrix xlsx"] = _xlsx_text(out / "m.xlsx") + _zip_text(out / "m.xlsx")
    # a breakdown by a field of personal data would be a column per person: refused
    refused = runner.invoke(app, ["report", *p, "--out", str(out / "r0"), "--by", "intervjuare,namn,epost"])
    assert refused.exit_code == 1 and "fältet 'intervjuare' innehåller personuppgifter" in refused.output
    assert not (out / "r0").exists()
    _ok(runner.invoke(app, ["report", *p, "--out", str(out / "r"), "--min-cell", "0", "--quotes", "9",
                            "--by", "stadsdel"]))
    texts["report md"] = (out / "r" / "rapport.md").read_text(encoding="utf-8")
    texts["report docx"] = _zip_text(out / "r" / "rapport.docx")
    texts["report xlsx"] = _xlsx_text(out / "r" / "rapport.xlsx") + _zip_text(out / "r" / "rapport.xlsx")
    _ok(runner.invoke(app, ["export", "qdpx", str(out / "p.qdpx"), *p]))
    texts["qdpx"] = _zip_text(out / "p.qdpx")
    for fmt in ("csv", "json"):
        texts[f"code list {fmt}"] = _ok(runner.invoke(app, ["code", "list", *p, "--format", fmt]))
        texts[f"counts {fmt}"] = _ok(runner.invoke(app, ["counts", *p, "--by", "intervjuare,namn,epost", "--format", fmt]))
        texts[f"mentions count {fmt}"] = _ok(runner.invoke(app, ["mentions", "count", *p, "-c", "langst_1", "--format", fmt]))
        texts[f"mentions review {fmt}"] = _ok(runner.invoke(app, ["mentions", "review", *p, "-c", "langst_1", "--format", fmt]))
    return texts


def test_every_export_format_masks_names_and_email_addresses(personal):
    root, tmp = personal
    out = tmp / "ut"
    out.mkdir()
    texts = _exports(root, out)
    leaks = {(fmt, s) for fmt, text in texts.items() for s in SECRETS if s in text}
    assert leaks == set()
    # The exports still carry the work: masked text, codes and counts.
    assert "[NAMN]" in texts["qdpx"] and "[E-POST]" in texts["matrix csv"] and "P13" in texts["code list csv"]
    assert "trånga" in texts["qdpx"]


def test_the_unmasked_exports_do_contain_them(personal):
    """The check above can fail: without masking the same exports hold the names."""
    root, tmp = personal
    out = tmp / "ut-raw"
    out.mkdir()
    _ok(runner.invoke(app, ["export", "matrix", str(out / "m.csv"), "-p", str(root), "--unmasked"]))
    _ok(runner.invoke(app, ["export", "qdpx", str(out / "p.qdpx"), "-p", str(root), "--unmasked"]))
    assert "maria.johansson@example.se" in (out / "m.csv").read_text(encoding="utf-8")
    assert "Maja" in _zip_text(out / "p.qdpx")
    table = _ok(runner.invoke(app, ["code", "list", "-p", str(root)]))  # the researcher's own view
    assert "Maja" in table


def test_masked_qdpx_selections_cover_the_masked_text(personal):
    from xml.etree import ElementTree as ET

    root, tmp = personal
    path = tmp / "sel.qdpx"
    _ok(runner.invoke(app, ["export", "qdpx", str(path), "-p", str(root)]))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    with zipfile.ZipFile(path) as z:
        project = ET.fromstring(z.read("project.qde"))
        for src in project.iter(f"{{{ns['q']}}}TextSource"):
            text = z.read("sources/" + src.get("plainTextPath").split("//", 1)[1]).decode("utf-8")
            for sel in src.iter(f"{{{ns['q']}}}PlainTextSelection"):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                assert 0 <= start < end <= len(text)
                assert text[start:end].strip() == text[start:end]  # still a whole paragraph
    assert "Vi pratade med [NAMN] om lokalerna" in _zip_text(path)


def _masked(p: Pseudonymiser, text: str, name: str) -> bool:
    return name not in p.mask(text).replace("[NAMN]", "")


def test_every_listed_first_name_is_masked():
    """Over the whole first-name list: alone mid-sentence, in the genitive, at a sentence start,
    after `heter` and before a surname. Names that are also common words (`Bo`, `Hans`, `Maj`)
    are masked in context only."""
    first, _ = _faker_names()
    p = Pseudonymiser()
    misses = []
    for name in sorted(first):
        cases = [f"Hon heter {name}.", f"Vi pratade med {name} Lindqvist om det."]
        if name not in _NEVER_ALONE:
            cases += [f"Vi pratade med {name} om det.", f"Det var {name}s idé.", f"Jag och {name} var där."]
            if name not in _NOT_ALONE_AT_START:
                cases.append(f"{name} sa att lokalerna är trånga.")
        misses += [c for c in cases if not _masked(p, c, name)]
    assert misses == []
    assert len(first) > 900 and len(_NEVER_ALONE) < 60


@pytest.mark.parametrize("name", ["Maja", "Elin", "Isak", "Tore", "Ruth", "Edith", "Allan"])
def test_the_names_a_tester_found_unmasked(name):
    assert Pseudonymiser().mask(f"Vi pratade med {name} om det.") == "Vi pratade med [NAMN] om det."
