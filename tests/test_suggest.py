"""Suggestions: the stateless file contract, evaluate, bad input, and the project commands."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from helpers import make_project
from qualcode.cli.main import app
from qualcode.core.codebook import default_codebook
from qualcode.coding.service import add_codes
from qualcode.ingest.service import import_documents
from qualcode.core.errors import InputError, NotFoundError
from qualcode.core.records import MODEL_CODER, DocumentIn
from qualcode.suggest.estimator import SuggestError
from qualcode.suggest.service import decide_suggestions, list_suggestions, suggest_project, train_project
from qualcode.suggest.file_mode import evaluate_files, suggest_file

F = FIXTURES / "suggest"
runner = CliRunner()
LEAVES = [c.id for c in default_codebook().leaves]


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- file mode --------------------------------------------------------------------------


def test_file_contract(tmp_path):
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["suggest", "file", str(F / "in.jsonl"), "--train", str(F / "train.jsonl"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["a1", "a2", "a3", "a4"]
    for r in rows:
        assert set(r) == {"id", "codes", "scores"}
        assert list(r["scores"]) == LEAVES  # every leaf code, no G-* groups
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in r["scores"].values())
        assert all(c in LEAVES for c in r["codes"])
    assert [r["codes"] for r in rows] == [["P13"], ["P05"], ["T-LON"], []]
    assert rows[0]["scores"]["P13"] > rows[3]["scores"]["P13"]


def test_file_rules_only_and_custom_codebook(tmp_path):
    out = tmp_path / "out.jsonl"
    res = suggest_file(str(F / "in.jsonl"), str(out))
    assert res.n_segments == 4
    rows = read_jsonl(out)
    assert rows[0]["codes"] == ["P13"]
    assert rows[0]["scores"]["P13"] == 0.75  # lokal + tyst rum
    cb = tmp_path / "cb.yaml"
    cb.write_text("codes:\n  - id: L\n    name: Lön\n    keywords: [lön]\n  - id: G\n    name: Grupp\n    kind: group\n",
                  encoding="utf-8")
    suggest_file(str(F / "in.jsonl"), str(out), codebook=str(cb))
    rows = read_jsonl(out)
    assert [r["codes"] for r in rows] == [[], [], ["L"], []]
    assert all(list(r["scores"]) == ["L"] for r in rows)


def test_evaluate_train_and_cv(tmp_path):
    ev = evaluate_files(str(F / "gold.jsonl"), train_path=str(F / "train.jsonl"))
    d = ev.to_dict()
    assert [m["code"] for m in d["per_code"]] == LEAVES
    assert d["micro"]["support"] == 3
    assert d["micro"]["f1"] == 1.0
    p13 = next(m for m in d["per_code"] if m["code"] == "P13")
    assert (p13["support"], p13["precision"], p13["recall"], p13["alpha"]) == (1, 1.0, 1.0, 1.0)
    ev = evaluate_files(str(F / "train.jsonl"), cv=3)
    assert ev.micro.support == 25 and ev.method == "3-faldig korsvalidering"


def test_evaluate_cli_json(tmp_path):
    res = runner.invoke(app, ["evaluate", "--gold", str(F / "gold.jsonl"), "--train", str(F / "train.jsonl"),
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["micro"]["f1"] == 1.0 and d["n_segments"] == 4
    res = runner.invoke(app, ["evaluate", "--gold", str(F / "gold.jsonl")])
    assert res.exit_code == 1
    assert "ange antingen en träningsfil eller korsvalidering" in res.output and "`--cv 5`" in res.output


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("unknown-codes.jsonl", "okända kod-id 'P14' (rad 2); 'G-LEDNING' (rad 3) (grupper G-* kodas inte direkt"),
        ("no-codes.jsonl", "ingen rad har några koder ('codes' är tom på alla 3 rader)"),
        ("malformed.jsonl", "malformed.jsonl, rad 2: ogiltig JSON"),
        ("empty.jsonl", "empty.jsonl' är tom"),
    ],
)
def test_bad_training_files(tmp_path, name, message):
    out = tmp_path / "out.jsonl"
    with pytest.raises((InputError, SuggestError)) as err:
        suggest_file(str(F / "in.jsonl"), str(out), train_path=str(F / name))
    assert message in str(err.value)
    assert not out.exists()


def test_empty_line_in_input_names_file_and_line(tmp_path):
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["suggest", "file", str(F / "empty-line.jsonl"), "--out", str(out)])
    assert res.exit_code == 1
    assert "empty-line.jsonl, rad 2: tom rad" in " ".join(res.output.split())
    assert not out.exists()


def test_codebook_without_keywords(tmp_path):
    out = tmp_path / "out.jsonl"
    with pytest.raises(SuggestError, match="inga nyckelord"):
        suggest_file(str(F / "in.jsonl"), str(out), codebook=str(F / "no-keywords.yaml"))
    assert not out.exists()


# -- project -----------------------------------------------------------------------------

NOTE = [
    "Arbetslokalerna är för trånga och vi saknar tysta rum.",
    "Enhetschefen finns nära och ger stöd.",
    "Lönen är låg jämfört med grannkommunen.",
    "Vi fick nya datorer i våras.",
    "Kontorslokalen på plan två är mörk.",
    "Cheferna är sällan på plats.",
    "Familjen fick ett beslut om bistånd.",
    "Samtalsrummen är alltid upptagna.",
    "Löneutvecklingen är svag för erfarna.",
    "Ledningen lyssnar på oss.",
]


@pytest.fixture
def project(tmp_path):
    p = make_project(tmp_path)
    import_documents(p, [DocumentIn("note.md", "note", "\n\n".join(NOTE))], "test", "note", "paragraph")
    yield p
    p.close()


def seg_ids(p):
    return [s.id for s in p.store.iter_segments()]


def test_rules_only_suggestions_then_accept_and_reject(project):
    ids = seg_ids(project)
    add_codes(project, [ids[0]], ["P13"])
    res = suggest_project(project)
    assert res.rules_only
    assert res.n_segments == 9  # segment 0 is coded
    open_ = list_suggestions(project)
    assert all(r.segment_id != ids[0] for r in open_)
    by = {(r.segment_id, r.code_id): r for r in open_}
    assert (ids[1], "P05") in by and (ids[2], "T-LON") in by and (ids[4], "P13") in by
    assert by[(ids[4], "P13")].reason == "nyckelord: kontorslokalen→lokal"
    p13 = [r for r in open_ if r.code_id == "P13"]
    assert [r.score for r in p13] == sorted((r.score for r in p13), reverse=True)
    # accept one by id, reject all T-LON in bulk
    decide_suggestions(project, "accept", [by[(ids[4], "P13")].id])
    done = decide_suggestions(project, "reject", code=["T-LON"])
    assert len(done) == 2
    accepted = project.store.get_coding(by[(ids[4], "P13")].id)
    assert (accepted.source, accepted.coder) == ("accepted", "anna")
    assert {c.source for c in project.store.codings_for_segment(ids[2])} == {"rejected"}
    actions = [a.action for a in project.store.iter_audit()]
    assert actions.count("suggest.reject") == 2 and actions.count("suggest.accept") == 1
    # a new run does not bring back rejected suggestions or touch decided ones
    suggest_project(project, segments="all")
    codings = {(c.segment_id, c.code_id): c for c, _ in project.store.iter_codings()}
    assert codings[(ids[2], "T-LON")].source == "rejected"
    assert codings[(ids[0], "P13")].source == "manual"
    assert codings[(ids[4], "P13")].source == "accepted"


def test_decide_needs_a_selection_and_open_suggestions(project):
    with pytest.raises(InputError, match="ange vilka förslag"):
        decide_suggestions(project, "accept")
    ids = seg_ids(project)
    cid = add_codes(project, [ids[0]], ["P13"])[0]
    with pytest.raises(NotFoundError, match="inget öppet förslag"):
        decide_suggestions(project, "reject", [cid])


def test_train_and_suggest_in_project(project):
    ids = seg_ids(project)
    with pytest.raises(SuggestError, match="inga manuella eller accepterade kodningar"):
        train_project(project)
    for i, code in [(0, "P13"), (4, "P13"), (7, "P13"), (1, "P05"), (5, "P05"), (9, "P05"),
                    (2, "T-LON"), (8, "T-LON"), (6, None)]:
        if code:
            add_codes(project, [ids[i]], [code])
    suggest_project(project)
    decide_suggestions(project, "reject", code=["P13"], max_score=1.0)  # negative evidence
    result = train_project(project, cv=0)
    assert result.n_positives["P13"] == 3 and result.n_positives["P05"] == 3
    assert result.n_rejected >= 1
    model = project.store.latest_model()
    assert model is not None and model.version == result.version
    assert model.codebook_hash == project.codebook.hash()
    assert model.trained_on["n_positives"]["T-LON"] == 2
    res = suggest_project(project, min_score=0.0, segments="all")
    assert not res.rules_only and res.model_version == result.version
    for c, _ in project.store.iter_codings(sources=("suggested",)):
        assert c.coder == MODEL_CODER and c.model_version == result.version and c.reason
    # manual codings untouched
    assert sum(1 for _ in project.store.iter_codings(sources=("manual",))) == 8


def test_project_cli(project, tmp_path):
    root = str(project.root)
    add_codes(project, [seg_ids(project)[0]], ["P13"])
    project.close()
    res = runner.invoke(app, ["suggest", "-p", root, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert {"code": "P05", "suggestions": 3} in json.loads(res.stdout)
    res = runner.invoke(app, ["suggest", "list", "-p", root, "--code", "P05", "--format", "json"])
    rows = json.loads(res.stdout)
    assert [r["code"] for r in rows] == ["P05"] * 3
    res = runner.invoke(app, ["suggest", "accept", str(rows[0]["id"]), "-p", root])
    assert res.exit_code == 0 and "Accepterade 1 förslag." in res.output
    res = runner.invoke(app, ["suggest", "reject", "-p", root, "--code", "P05", "--min-score", "0"])
    assert "Avvisade 2 förslag." in res.output
    res = runner.invoke(app, ["train", "-p", root, "--cv", "0", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["n_positives"]["P13"] == 1


def test_shared_dev_file_quality(shared_dir, tmp_path):
    """Trained on the whole dev file, the model reproduces it well (not a generalisation figure)."""
    dev = shared_dir / "data" / "coded-segments-dev.jsonl"
    if not dev.exists():
        pytest.skip("dev file absent")
    small = tmp_path / "dev.jsonl"
    shutil.copy(dev, small)
    ev = evaluate_files(str(small), train_path=str(small))
    assert ev.micro.f1 > 0.6


def test_training_rows_without_text_are_refused(tmp_path):
    train = tmp_path / "t.jsonl"
    train.write_text('{"id": "1", "text": "", "codes": ["T-LON"]}\n', encoding="utf-8")
    with pytest.raises(SuggestError, match="har ingen text"):
        suggest_file(str(F / "in.jsonl"), str(tmp_path / "out.jsonl"), train_path=str(train))
    assert not (tmp_path / "out.jsonl").exists()


def test_codebook_without_keywords_trains_and_warns(tmp_path):
    train = tmp_path / "t.jsonl"
    lines = [("Lokalerna är trånga.", ["LOK"]), ("Lokalerna är mörka.", ["LOK"]), ("Nya lokaler i höst.", ["LOK"]),
             ("Lönen är låg.", ["LON"]), ("Familjen fick bistånd.", []), ("Beslutet fattades i dag.", [])]
    train.write_text("".join(json.dumps({"id": str(i), "text": t, "codes": c}, ensure_ascii=False) + "\n"
                             for i, (t, c) in enumerate(lines)), encoding="utf-8")
    res = suggest_file(str(F / "in.jsonl"), str(tmp_path / "out.jsonl"), train_path=str(train),
                       codebook=str(F / "no-keywords.yaml"))
    assert len(res.warnings) == 1 and "koderna LON har inga nyckelord" in res.warnings[0]
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert all(r["scores"]["LON"] == 0.0 for r in rows)
    assert all(set(r["scores"]) == {"LOK", "LON"} for r in rows)


def test_empty_text_gets_no_codes(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "e", "text": ""}\n{"id": "p", "text": "!!!"}\n', encoding="utf-8")
    suggest_file(str(src), str(tmp_path / "out.jsonl"), train_path=str(F / "train.jsonl"))
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["codes"] for r in rows] == [[], []]
    assert all(v == 0.0 for r in rows for v in r["scores"].values())


def test_suggest_only_documents_with_metadata(tmp_path):
    p = make_project(tmp_path)
    try:
        import_documents(p, [DocumentIn("a.md", "note", "Lönen är låg.", {"grupp": "chefer"}),
                             DocumentIn("b.md", "note", "Lönen är hög.", {"grupp": "medarbetare"})],
                         "test", "note", "paragraph")
        res = suggest_project(p, meta={"grupp": "chefer"})
        assert res.n_segments == 1 and res.per_code == {"T-LON": 1}
        assert [s.document_name for _, s in p.store.iter_codings(sources=("suggested",))] == ["a.md"]
        root = str(p.root)
    finally:
        p.close()
    res = runner.invoke(app, ["suggest", "run", "-p", root, "--meta", "grupp=medarbetare", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [{"code": "T-LON", "suggestions": 1}]


def test_pos_filter_without_a_trained_pipeline_says_what_to_install(monkeypatch):
    import importlib.util

    from qualcode.suggest import estimator as suggest
    from qualcode.core.errors import QualcodeError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in suggest.POS_MODELS else real(name, *a))
    with pytest.raises(QualcodeError, match="sv_qualcode_sm"):
        suggest._pos_nlp(True)
    assert suggest._pos_nlp(False) is not None
