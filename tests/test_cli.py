"""The CLI through CliRunner: whole outputs where stable, exit codes and messages on errors."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
    return result


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    assert run("init", str(root), "--coder", "anna").exit_code == 0
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("Arbetslokalerna är trånga.\n\nAdministratören hjälper oss.\n", encoding="utf-8")
    (notes / "b.md").write_text("Kontorslokalen saknar tysta rum.\n", encoding="utf-8")
    r = run("import", "notes", str(notes), "-p", str(root), "--meta", "termin=HT2016")
    assert r.exit_code == 0, r.output
    return root


def test_help_lists_every_noun():
    out = run("--help").output
    for noun in ("init", "import", "corpus", "code", "counts", "codebook", "nlp", "demo"):
        assert re.search(rf"\b{noun}\b", out), noun


def test_every_command_has_help_text():
    import typer.main

    group = typer.main.get_command(app)

    def walk(cmd, path):
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, path + [name])
        else:
            yield path, cmd

    for path, cmd in walk(group, []):
        assert cmd.help and cmd.help.strip(), f"`qualcode {' '.join(path)}` has no help text"
        for param in cmd.params:
            if param.param_type_name == "option":
                assert getattr(param, "help", None), f"`qualcode {' '.join(path)}` option {param.name} has no help"


def test_readme_mentions_every_command():
    import typer.main

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", {None: None})
        for sub in subs:
            text = f"qualcode {name}" + (f" {sub}" if sub else "")
            assert text in readme, f"README lacks `{text}`"


def test_code_search_and_counts_json(proj):
    r = run("code", "search", "lokal", "--code", "P13", "--yes", "-p", str(proj), "--format", "json")
    assert r.exit_code == 0
    hits = json.loads(r.stdout)
    assert [h["matched"] for h in hits] == [["arbetslokal"], ["kontorslokal"]]
    r = run("counts", "-p", str(proj), "--by", "termin", "--format", "json")
    data = json.loads(r.stdout)[0]
    assert data["bases"] == {"HT2016": 2, "Totalt": 2}
    row = next(x for x in data["rows"] if x["code"] == "P13")
    assert (row["HT2016"], row["HT2016 %"], row["Totalt"]) == (2, 100.0, 2)


SMALL_NOTE = "obs: antal under 5 döljs inte i den här utdatan — använd `qualcode report` för tabeller som ska publiceras\n"


def test_counts_csv_and_json_say_small_counts_are_not_suppressed(proj):
    """Two notes: every count is under 5. The table stays on screen; csv and json leave it."""
    for fmt in ("csv", "json"):
        r = run("counts", "-p", str(proj), "--by", "termin", "--format", fmt)
        assert r.exit_code == 0 and r.stderr == SMALL_NOTE, (fmt, r.stderr)
    assert run("counts", "-p", str(proj), "--by", "termin").stderr == ""
    config = proj / "qualcode.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("min_cell: 5", "min_cell: 2"), encoding="utf-8")
    assert run("counts", "-p", str(proj), "--by", "termin", "--format", "csv").stderr == ""


def test_code_search_asks_before_writing(proj):
    r = run("code", "search", "lokal", "--code", "P13", "-p", str(proj), input="n\n")
    assert r.exit_code == 1 and "Inget kodades" in r.output
    r = run("code", "list", "-p", str(proj), "--format", "csv")
    assert r.stdout == "coding,segment,code,coder,source,document,start,end,memo,text\n"


def test_code_add_and_list_csv(proj):
    assert run("code", "add", "2", "P06", "--memo", "admin", "-p", str(proj)).exit_code == 0
    r = run("code", "list", "-p", str(proj), "--format", "csv")
    assert r.stdout == (
        "coding,segment,code,coder,source,document,start,end,memo,text\n"
        "1,2,P06,anna,manual,a.md,28,56,admin,Administratören hjälper oss.\n"
    )


def test_errors_are_one_line_messages_with_exit_code(proj, tmp_path, monkeypatch):
    r = run("code", "add", "1", "P99", "-p", str(proj))
    assert r.exit_code == 1
    assert "fel: okänd kod 'P99' — giltiga koder: P01" in r.stderr
    assert "Traceback" not in r.output
    r = run("import", "survey", str(tmp_path / "nope.csv"), "--text", "x", "-p", str(proj))
    assert r.exit_code == 1 and "finns inte" in r.stderr
    monkeypatch.chdir(tmp_path)
    r = run("status")
    assert r.exit_code == 1 and "hittade inget qualcode-projekt" in r.stderr


def test_project_from_environment(proj, monkeypatch):
    monkeypatch.setenv("QUALCODE_PROJECT", str(proj))
    r = run("status", "--format", "json")
    assert r.exit_code == 0
    stats = {row["what"]: row["n"] for row in json.loads(r.stdout)}
    assert stats["documents"] == 2 and stats["segments"] == 3


def test_codebook_export_import_round_trip(proj, tmp_path):
    out = tmp_path / "kb.csv"
    assert run("codebook", "export", "-p", str(proj), "--format", "csv", "--out", str(out)).exit_code == 0
    assert run("codebook", "import", str(out), "-p", str(proj)).exit_code == 0
    r = run("codebook", "show", "P13", "-p", str(proj), "--format", "json")
    assert json.loads(r.stdout)[0]["parent"] == "G-LOKALER"


def test_nlp_info_default():
    r = run("nlp", "info", "--model", "blank", "--format", "json")
    info = json.loads(r.stdout)[0]
    assert info["components"] == ["sentencizer", "qualcode_lemmatizer"]
    assert info["ner"] is False and info["lemmas"].startswith("simplemma")


def test_nlp_info_trained_pipeline_says_which_lemmatizer():
    pytest.importorskip("sv_ud_ner_sm", reason="the development pipeline is not installed")
    info = json.loads(run("nlp", "info", "--model", "sv_ud_ner_sm", "--format", "json").stdout)[0]
    assert info["ner"] is True and info["pos"] is True and info["sentences"] == "parser"
    assert "ersätter pipelinens tränade lemmatiserare" in info["lemmas"]
    assert "trainable_lemmatizer" not in info["components"]


def test_a_table_shows_brackets_in_the_text_as_written(proj, tmp_path):
    """Rich read "[sic]" in a cell as a style and dropped it, and "[/]" stopped the command."""
    note = tmp_path / "c.md"
    note.write_text("Lokalerna [sic] är [bold]trånga[/bold] och [/] bullriga.\n", encoding="utf-8")
    assert run("import", "notes", str(note), "-p", str(proj)).exit_code == 0
    r = run("code", "search", "bullrig, [x]", "-p", str(proj))
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "[sic]" in flat and "[bold]trånga[/bold]" in flat and "[/] bullriga" in flat and "'bullrig, [x]'" in flat
    r = run("code", "search", "lokal", "-p", str(proj), "--format", "json")
    assert '"text": "Lokalerna [sic] är [bold]trånga[/bold] och [/] bullriga."' in r.output  # plain text, no styles
