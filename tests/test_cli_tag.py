"""CLI for tagging, samples, agreement, disagreements, adjudication and export (CliRunner, scripted input)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn
from qualcode.project import find_project, init_project

runner = CliRunner()
PARAS = ["Vi har fått nya lokaler.", "Lönen är låg.", "Bra introduktion med mentor.", "Administratören hjälper oss."]


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    text = "\n\n".join(PARAS)
    with init_project(root, name="cli", coder="anna") as p:
        st = p.store
        with st.transaction():
            d = st.add_document(DocumentIn("intervju", "note", text, {"stadsdel": "Farsta"}), "h1")
            spans = [(text.index(x), text.index(x) + len(x)) for x in PARAS]
            st.add_segments(SegmentIn(d, "paragraph", i, a, b, "") for i, (a, b) in enumerate(spans))
            ids = [s.id for s in st.iter_segments()]
            st.upsert_coding(ids[0], "P13", MODEL_CODER, "suggested", score=0.9, model_version="m1", reason="lokal")
    return root, ids


def test_tag_scripted_and_resume(proj):
    root, ids = proj
    r = run("tag", "-p", str(root), "--order", "document", "--retrain-every", "0", input="a\n\n+ lön\nq\n")
    assert r.exit_code == 0, r.output
    assert "Vi har fått nya lokaler." in r.stdout
    assert "1 P13 Lämpliga lokaler och fungerande arbetsredskap 0.90 — lokal" in r.stdout
    assert "accepterade P13" in r.stderr
    assert "1 segment klart, 3 kvar." in r.stderr
    with find_project(root) as p:
        assert p.store.find_coding(ids[0], "P13", "anna").source == "accepted"
        assert p.store.find_coding(ids[1], "T-LON", "anna").source == "manual"
    r = run("tag", "-p", str(root), input="u\n\nq\n")
    assert "Fortsätter där anna slutade" in r.stderr
    assert "ångrade ändringen av T-LON" in r.stderr
    with find_project(root) as p:
        assert p.store.find_coding(ids[1], "T-LON", "anna") is None


def test_tag_blind_other_coder_and_errors(proj):
    root, ids = proj
    run("tag", "-p", str(root), "--order", "document", input="+ P13\n\nq\n")
    r = run("tag", "-p", str(root), "--coder", "bo", "--blind", "--order", "document", input="+ P99x\nq\n")
    assert "Andra kodare" not in r.stdout
    assert "fel:" in r.stderr and "hittar ingen kod som liknar 'P99x'" in r.stderr
    r = run("tag", "-p", str(root), "--coder", "bo", "--order", "document", "--session", "open", input="q\n")
    assert "Andra kodare: P13 (anna)" in r.stdout
    r = run("tag", "-p", str(root), "--order", "random", input="q\n")
    assert r.exit_code == 1 and "okänd ordning 'random'" in r.stderr


def test_sample_agreement_disagreements_adjudicate(proj):
    root, ids = proj
    r = run("sample", "-p", str(root), "--n", "3", "--seed", "7", "--name", "dubbel", "--format", "json")
    assert r.exit_code == 0, r.output
    sample = [row["segment"] for row in json.loads(r.stdout)]
    assert len(sample) == 3
    again = run("sample", "-p", str(root), "--n", "3", "--seed", "7", "--name", "dubbel", "--format", "json")
    assert [row["segment"] for row in json.loads(again.stdout)] == sample
    assert "Urvalet fanns redan" in again.stderr
    # anna codes each sampled segment with P13, bo only the first
    run("tag", "-p", str(root), "--sample", "dubbel", "--blind", input="+ P13\n\n+ P13\n\n+ P13\n\nq\n")
    run("tag", "-p", str(root), "--coder", "bo", "--sample", "dubbel", "--blind", "--no-suggestions",
        input="+ P13\n\n\n\nq\n")
    r = run("agreement", "-p", str(root), "--coders", "anna,bo", "--sample", "dubbel", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["units"] == 3
    assert data["overall"]["percent"] == round(1 / 3, 4)
    assert [c["code"] for c in data["codes"]] == ["P13"]
    r = run("agreement", "-p", str(root), "--coders", "anna,bo", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[-1]["code"] == "*" and rows[-1]["name"] == "alla koder (poolat)"
    r = run("agreement", "-p", str(root), "--coders", "anna,bo,qualcode")
    assert r.exit_code == 0 and "kappa" not in r.stdout
    r = run("disagreements", "-p", str(root), "--coders", "anna,bo", "--format", "json")
    items = json.loads(r.stdout)
    assert [(i["anna"], i["bo"], i["disputed"]) for i in items] == [(["P13"], [], ["P13"])] * 2
    r = run("adjudicate", "-p", str(root), "--coders", "anna,bo", input="1\n\n\nq\n")
    assert r.exit_code == 0, r.output
    assert "2 konsensusbeslut sparade" in r.stderr
    with find_project(root) as p:
        assert {c.code_id for c, _ in p.store.iter_codings(coder="consensus")} == {"P13"}
    r = run("agreement", "-p", str(root), "--coders", "anna")
    assert r.exit_code == 1 and "minst två kodare" in r.stderr


def test_export_commands(proj, tmp_path):
    root, ids = proj
    run("tag", "-p", str(root), "--order", "document", input="a\n\nq\n")
    r = run("export", "qdc", str(tmp_path / "k.qdc"), "-p", str(root))
    assert r.exit_code == 0 and "till" in r.stderr
    assert b"urn:QDA-XML:codebook:1.0" in (tmp_path / "k.qdc").read_bytes()
    r = run("export", "qdpx", str(tmp_path / "p.qdpx"), "-p", str(root))
    assert r.exit_code == 0, r.output
    assert "1 kodning av 1 användare" in r.stderr
    assert zipfile.ZipFile(tmp_path / "p.qdpx").namelist()[0] == "project.qde"
    r = run("export", "matrix", str(tmp_path / "m.csv"), "-p", str(root), "--codes", "P13,T-LON", "--delimiter", ";")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "m.csv").read_text(encoding="utf-8").splitlines() == [
        "id;kind;documents;stadsdel;P13;T-LON", "intervju;note;1;Farsta;1;0",
    ]
    r = run("export", "matrix", str(tmp_path / "m.xlsx"), "-p", str(root))
    assert r.exit_code == 0 and (tmp_path / "m.xlsx").exists()
