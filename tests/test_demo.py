"""`qualcode demo` end to end on the bundled sample corpus."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.demo import run_demo
from qualcode.core.errors import ProjectError

pytestmark = pytest.mark.slow


def test_demo_builds_codes_counts_suggests_and_reports(tmp_path):
    result = run_demo(tmp_path / "demo")
    root = tmp_path / "demo"
    assert (root / "qualcode.db").exists() and (root / "qualcode.yaml").exists()
    for name in ("rapport.md", "rapport.docx", "rapport.xlsx"):
        assert (root / "rapport" / name).stat().st_size > 0
    titles = [t for t, _, _ in result.tables]
    assert titles[0].startswith("I hur många gruppintervjuer togs temat upp?")
    assert any("langst totalt" in t for t in titles) and any("behov totalt" in t for t in titles)
    text = "\n".join(result.summary)
    assert "90 av 90 tabellceller stämmer" in text and "0 svar oklara" in text
    assert "Administrativt stöd togs upp i" in text and "kodförslag" in text
    md = (root / "rapport" / "rapport.md").read_text(encoding="utf-8")
    assert "Karin Lindqvist" not in md and "karin.lindqvist@exempel.se" not in md and "08-508 12 345" not in md

    runner = CliRunner()
    out = runner.invoke(app, ["counts", "-p", str(root), "--by", "termin", "--kind", "note", "--format", "json"])
    data = json.loads(out.stdout)[0]
    admin = next(r for r in data["rows"] if r["code"] == "G-ADMIN")
    assert admin["Totalt"] == sum(admin[g] for g in ("HT2016", "VT2017", "VT2018"))
    with pytest.raises(ProjectError, match="finns redan"):
        run_demo(root)
