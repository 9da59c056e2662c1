"""Bases that are right: every respondent counts, project and file mode agree, kinds never mix."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from helpers import make_project
from qualcode.analysis.code_counts import code_counts
from qualcode.analysis.mentions.tables import answered_only, project_answers
from qualcode.cli.main import app
from qualcode.coding.service import add_codes
from qualcode.ingest.service import import_notes, import_survey

runner = CliRunner()

SURVEY = [
    "id;roll;termin;langst_1;langst_2;kommentar",
    "r1;chef;HT2016;lokaler;mentorer;Bra stöd från ledningen.",
    "r2;chef;HT2016;punkt 2;;Lokalerna är trånga.",
    "r3;medarbetare;VT2017;administratörerna;;",  # an empty comment: still a respondent
    "r4;medarbetare;VT2017;;;",  # answered nothing at all: still in the base (Ej svar)
    "r5;;HT2016;handledning;lokaler;Mer tid.",
]


@pytest.fixture
def survey(tmp_path):
    path = tmp_path / "enkat.csv"
    path.write_text("\n".join(SURVEY) + "\n", encoding="utf-8")
    return path


def _mentions(*args):
    r = runner.invoke(app, ["mentions", "count", *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.parametrize("by", [[], ["--by", "roll"], ["--by", "termin"]])
def test_project_and_file_mode_give_the_same_tables(tmp_path, survey, by):
    with make_project(tmp_path) as p:
        import_survey(p, survey, ["kommentar"], "id")
        root = str(p.root)
    from_file = _mentions(str(survey), "--columns", "langst", *by)
    from_project = _mentions("-p", root, "--columns", "langst", *by)
    assert from_file["respondents"] == 5
    assert from_project == from_file


def test_respondent_with_empty_free_text_keeps_metadata(tmp_path, survey):
    with make_project(tmp_path) as p:
        import_survey(p, survey, ["kommentar", "langst_2"], "id")
        answers = answered_only(project_answers(p.store), ["langst_1", "langst_2"])
        rows = dict(zip(answers.ids, answers.rows))
    assert list(rows) == ["r1", "r2", "r3", "r4", "r5"]
    assert rows["r4"]["roll"] == "medarbetare" and rows["r4"]["termin"] == "VT2017"
    assert rows["r3"]["langst_1"] == "administratörerna"


def test_respondents_of_another_survey_stay_out(tmp_path, survey):
    other = tmp_path / "annan.csv"
    other.write_text("id;fraga\nx1;Något annat.\nx2;\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_survey(p, survey, ["kommentar"], "id")
        import_survey(p, other, ["fraga"], "id")
        assert len(answered_only(project_answers(p.store), ["langst_1"]).rows) == 5
        assert len(answered_only(project_answers(p.store), ["fraga"]).rows) == 2


@pytest.fixture
def mixed(tmp_path, survey):
    for i, t in enumerate(["HT2016", "HT2016", "VT2017", "HT2016"]):
        (tmp_path / f"n{i}.md").write_text(f"---\ntermin: {t}\n---\nLokalerna är trånga ({i}).\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, sorted(tmp_path.glob("n*.md")))
        import_survey(p, survey, ["kommentar"], "id")
        for s in p.store.iter_segments():
            if "okal" in s.text:
                add_codes(p, [s.id], ["P13"])
        yield p


def test_counts_never_put_notes_and_survey_answers_in_one_group_base(mixed):
    c = code_counts(mixed, by=["termin"])
    assert c.table.groups == ("anteckningar / HT2016", "anteckningar / VT2017", "enkätsvar / HT2016")
    assert c.bases == {"anteckningar / HT2016": 3, "anteckningar / VT2017": 1, "enkätsvar / HT2016": 3, "Totalt": 7}
    assert c.table.count("P13", "enkätsvar / HT2016") == 1
    assert c.mixed and c.base_labels["Totalt"] == "dokument: 4 anteckningar och 3 enkätsvar"
    assert c.base_labels["anteckningar / HT2016"] == "anteckningar"
    only = code_counts(mixed, by=["termin"], kind="note")
    assert only.table.groups == ("HT2016", "VT2017") and not only.mixed
    assert only.base_labels == {"HT2016": "anteckningar", "VT2017": "anteckningar", "Totalt": "anteckningar"}


def test_cli_counts_says_when_the_total_mixes_kinds(mixed):
    r = runner.invoke(app, ["counts", "--by", "termin", "-p", str(mixed.root), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "obs: Totalt blandar 4 anteckningar och 3 enkätsvar i en bas" in r.stderr
    data = json.loads(r.stdout)[0]
    assert data["base_labels"]["Totalt"] == "dokument: 4 anteckningar och 3 enkätsvar"
    r = runner.invoke(app, ["counts", "--by", "termin", "--kind", "note", "-p", str(mixed.root), "--format", "json"])
    assert "obs: Totalt blandar" not in r.stderr  # (the small-counts note stays: 4 notes)


def test_survey_import_says_how_many_respondents_form_the_base(tmp_path, survey):
    with make_project(tmp_path) as p:
        root = str(p.root)
    r = runner.invoke(app, ["import", "survey", str(survey), "--text", "kommentar", "--id", "id", "-p", root])
    assert r.exit_code == 0, r.output
    # three comments, five respondents: r3 and r4 wrote nothing but are in every base
    assert "Importerade 3 svar från 5 respondenter" in r.output


def test_removing_survey_answers_keeps_project_and_file_mode_equal(tmp_path, survey):
    """Removing an answer empties that cell; removing all of a respondent's answers removes her (audited)."""
    from qualcode.ingest.lifecycle import remove_documents

    with make_project(tmp_path / "proj") as p:
        import_survey(p, survey, ["kommentar", "langst_2"], "id")
        # r1 keeps her comment: only the cell langst_2 goes; r2 answered nothing else: she goes
        gone = remove_documents(p, ["enkat:r1:langst_2", "enkat:r2:kommentar"])
        assert [g.get("respondent_removed") for g in gone] == [None, "r2"]
        assert [r[1] for r in p.store.respondents()] == ["r1", "r3", "r4", "r5"]
        entry = next(p.store.iter_audit())
        assert (entry.action, entry.detail) == ("respondent.remove", {"survey": "enkat", "respondent": "r2"})
        root = str(p.root)
    lines = [ln for ln in SURVEY if not ln.startswith("r2;")]
    lines[1] = "r1;chef;HT2016;lokaler;;Bra stöd från ledningen."
    edited = tmp_path / "edited.csv"
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for by in ([], ["--by", "roll"]):
        from_file = _mentions(str(edited), "--columns", "langst", *by)
        assert from_file["respondents"] == 4
        assert _mentions("-p", root, "--columns", "langst", *by) == from_file


def test_corpus_remove_says_when_a_respondent_goes(tmp_path, survey):
    with make_project(tmp_path / "proj") as p:
        import_survey(p, survey, ["kommentar"], "id")
        root = str(p.root)
    r = runner.invoke(app, ["corpus", "remove", "enkat:r5:kommentar", "--yes", "-p", root])
    assert r.exit_code == 0, r.output
    assert "Svarande r5 har inga svar kvar och räknas inte längre i baserna." in r.output
    assert _mentions("-p", root, "--columns", "langst")["respondents"] == 4
