"""A document's life: changed re-imports stop, --replace carries the work, remove/rename/meta."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from helpers import make_project
from qualcode.analysis.code_counts import code_counts
from qualcode.cli.main import app
from qualcode.coding.service import add_codes, add_span, flag_quote, set_memo
from qualcode.core.errors import DocumentChangedError, InputError, NotFoundError
from qualcode.ingest.lifecycle import (
    detached,
    map_offset,
    match_segments,
    remove_documents,
    rename_document,
    set_document_meta,
)
from qualcode.ingest.service import import_notes, import_survey

runner = CliRunner()

NOTE = (
    "---\ntermin: HT2016\n---\n"
    "Lokalerna är för trånga och det saknas tysta rum.\n\n"
    "Administratören avlastar handläggarna varje vecka.\n\n"
    "Lönen är låg jämfört med grannkommunerna.\n"
)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def proj(tmp_path, project_db):
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(1, 8):
        _write(notes / f"intervju{i}.md", NOTE.replace("varje vecka", f"varje vecka ({i})"))
    with make_project(tmp_path, db=project_db) as p:
        import_notes(p, sorted(notes.glob("*.md")))
        for seg in p.store.iter_segments():
            if seg.text.startswith("Lokalerna"):
                add_codes(p, [seg.id], ["P13"])
        yield p


def seg(p, doc, startswith):
    return next(s for s in p.store.iter_segments(document=doc) if s.text.startswith(startswith))


def test_changed_reimport_stops_and_writes_nothing(proj, tmp_path):
    path = tmp_path / "notes" / "intervju3.md"
    _write(path, NOTE.replace("trånga", "trånga!"))
    before = proj.store.stats()
    with pytest.raises(DocumentChangedError, match="1 dokument finns redan i projektet med annat innehåll: intervju3.md"):
        import_notes(proj, [path])
    assert proj.store.stats() == before
    assert code_counts(proj).total.count("P13") == 7  # was 8 on the old code: a silent second document


def test_same_name_from_another_folder_also_stops(proj, tmp_path):
    other = tmp_path / "annan"
    other.mkdir()
    with pytest.raises(DocumentChangedError):
        import_notes(proj, [_write(other / "intervju1.md", "Helt annan text.\n")])


def test_replace_keeps_id_codings_memo_and_quote(proj, tmp_path):
    doc = proj.store.find_document("intervju3.md")
    lok = seg(proj, doc.id, "Lokalerna")
    adm = seg(proj, doc.id, "Administratören")
    lon = seg(proj, doc.id, "Lönen")
    [c] = [c for c in proj.store.document_codings(doc.id) if c.code_id == "P13"]
    set_memo(proj, c.id, "trångt")
    add_codes(proj, [lon.id], ["T-LON"])
    add_codes(proj, [adm.id], ["P06"], memo="avlastning")
    flag_quote(proj, lok.id)
    [part] = add_span(proj, doc.id, doc.text.index("tysta rum"), doc.text.index("tysta rum") + 9, ["T-KLIMAT"])
    # Fix a typo in the first paragraph, insert a new one before it, drop the one about pay.
    new = NOTE.replace("för trånga", "alldeles för trånga").replace(
        "Lokalerna", "Inledning om dagen.\n\nLokalerna", 1
    ).replace("Lönen är låg jämfört med grannkommunerna.\n", "")
    new = new.replace("varje vecka", "varje vecka (3)")
    _write(tmp_path / "notes" / "intervju3.md", new)
    result = import_notes(proj, [tmp_path / "notes" / "intervju3.md"], on_change="replace")
    [r] = result.replaced
    assert (result.documents, r.document_id) == (0, doc.id)
    after = proj.store.get_document(doc.id)
    assert after.text.startswith("Inledning om dagen.\n\nLokalerna är alldeles") and proj.store.count_documents() == 7
    by_code = {c.code_id: c for c in proj.store.document_codings(doc.id)}
    assert set(by_code) == {"P13", "P06", "T-KLIMAT"}
    assert after.text[by_code["P13"].start:by_code["P13"].end] == "Lokalerna är alldeles för trånga och det saknas tysta rum."
    assert by_code["P13"].memo == "trångt" and by_code["P06"].memo == "avlastning"
    assert after.text[by_code["T-KLIMAT"].start:by_code["T-KLIMAT"].end] == "tysta rum"  # a span moves with its words
    assert by_code["T-KLIMAT"].id == part.id
    # the paragraph keeps its segment id, so its key-quote flag stays
    assert seg(proj, doc.id, "Lokalerna").id == lok.id and lok.id in proj.store.flagged_quotes()
    assert [(c.code_id, c.status) for c in r.changed] == [("P13", "changed")]
    assert [(c.code_id, c.old_text) for c in r.vanished] == [("T-LON", "Lönen är låg jämfört med grannkommunerna.")]
    assert r.carried == 2
    kept = detached(proj, "intervju3.md")
    assert [(k.code_id, k.text) for k in kept] == [("T-LON", "Lönen är låg jämfört med grannkommunerna.")]
    actions = [a.action for a in proj.store.iter_audit(limit=3)]
    assert actions == ["document.replace", "coding.detach", "coding.carry"]
    assert code_counts(proj).total.count("P13") == 7


def test_replace_carries_a_quote_flag_of_a_vanished_paragraph_for_review(proj, tmp_path):
    doc = proj.store.find_document("intervju2.md")
    flag_quote(proj, seg(proj, doc.id, "Lönen").id)
    _write(tmp_path / "notes" / "intervju2.md", NOTE.replace("Lönen är låg jämfört med grannkommunerna.\n", "").replace("varje vecka", "varje vecka (2)"))
    [r] = import_notes(proj, [tmp_path / "notes" / "intervju2.md"], on_change="replace").replaced
    assert [(v.code_id, v.old_text) for v in r.vanished] == [(None, "Lönen är låg jämfört med grannkommunerna.")]
    assert [k.key_quote for k in detached(proj)] == [True]


def test_as_new_adds_a_second_document_under_a_free_name(proj, tmp_path):
    _write(tmp_path / "notes" / "intervju3.md", NOTE.replace("trånga", "trånga!"))
    result = import_notes(proj, [tmp_path / "notes" / "intervju3.md"], on_change="new")
    assert result.renamed == {"intervju3.md": "intervju3 (2).md"}
    assert proj.store.find_document("intervju3 (2).md") is not None


@pytest.mark.filterwarnings("error")  # they get names of their own: no warning of two documents of one name
def test_two_changed_files_of_one_name_get_two_names_as_new(proj, tmp_path):
    """Two changed 'intervju3.md' (from two folders) in one --as-new import: two documents, two names, both said."""
    other = tmp_path / "other"
    other.mkdir()
    first = _write(tmp_path / "notes" / "intervju3.md", NOTE.replace("trånga", "trånga!"))
    second = _write(other / "intervju3.md", NOTE.replace("trånga", "mycket trånga"))
    result = import_notes(proj, [first, second], on_change="new")
    assert result.documents == 2
    assert [(a.name, a.new_name, a.source) for a in result.as_new] == [
        ("intervju3.md", "intervju3 (2).md", str(first)), ("intervju3.md", "intervju3 (3).md", str(second))]
    texts = {d.name: d.text for d in proj.store.iter_documents() if d.name.startswith("intervju3")}
    assert "trånga!" in texts["intervju3 (2).md"] and "mycket trånga" in texts["intervju3 (3).md"]
    _write(first, NOTE.replace("trånga", "trånga!!"))
    _write(second, NOTE.replace("trånga", "mycket mycket trånga"))
    r = runner.invoke(app, ["import", "notes", str(first), str(second), "--as-new", "-p", str(proj.root)])
    assert r.exit_code == 0, r.output
    assert f"Nytt dokument 'intervju3 (4).md' (ändrad version av 'intervju3.md', från {first})." in r.output
    assert f"Nytt dokument 'intervju3 (5).md' (ändrad version av 'intervju3.md', från {second})." in r.output


def test_survey_answer_replace(tmp_path):
    csv = tmp_path / "enkat.csv"
    _write(csv, "id;roll;kommentar\nr1;chef;Lokalerna är trånga.\nr2;chef;Bra stöd.\n")
    with make_project(tmp_path) as p:
        import_survey(p, csv, ["kommentar"], "id")
        s = next(s for s in p.store.iter_segments() if s.text.startswith("Lokalerna"))
        add_codes(p, [s.id], ["P13"])
        _write(csv, "id;roll;kommentar\nr1;chef;Lokalerna är alldeles för trånga.\nr2;chef;Bra stöd.\n")
        with pytest.raises(DocumentChangedError, match="enkat:r1:kommentar"):
            import_survey(p, csv, ["kommentar"], "id")
        result = import_survey(p, csv, ["kommentar"], "id", on_change="replace")
        assert [r.name for r in result.replaced] == ["enkat:r1:kommentar"] and result.skipped == ["enkat:r2:kommentar"]
        assert [c.code_id for c, _ in p.store.iter_codings()] == ["P13"]
        assert p.store.count_documents() == 2


def test_match_segments_same_moved_near_and_vanished():
    old = ["Ett stycke om lokaler.", "Om lönen.", "Om chefen som finns nära."]
    new = ["Om chefen som finns nära.", "Ny text helt.", "Ett stycke om lokalerna."]
    assert match_segments(old, new) == [2, None, 0]


def test_map_offset_moves_with_the_words():
    old, new = "Vi har tysta rum.", "Nu har vi faktiskt tysta rum."
    assert new[map_offset(old, new, 7):map_offset(old, new, 16, "end")] == "tysta rum"


def test_remove_rename_meta_are_audited_transactions(proj):
    assert code_counts(proj).total.count("P13") == 7
    gone = remove_documents(proj, ["intervju7.md"])
    assert gone[0]["codings"] == 1 and code_counts(proj).total.count("P13") == 6
    doc = rename_document(proj, "intervju6.md", "Bromma chefer HT2016")
    assert proj.store.find_document("Bromma chefer HT2016").id == doc.id
    with pytest.raises(InputError, match="finns redan ett dokument som heter 'intervju5.md'"):
        rename_document(proj, doc.id, "intervju5.md")
    d = set_document_meta(proj, "intervju5.md", {"termin": "VT2017", "distrikt": "Bromma"})
    assert d.meta == {"termin": "VT2017", "distrikt": "Bromma"}
    assert set_document_meta(proj, d.id, {"distrikt": ""}).meta == {"termin": "VT2017"}
    assert code_counts(proj, by=["termin"]).table.groups == ("HT2016", "VT2017")
    actions = [a.action for a in proj.store.iter_audit(limit=4)]
    assert actions == ["document.meta", "document.meta", "document.rename", "document.remove"]
    with pytest.raises(NotFoundError, match="dokumentet 'nej.md' finns inte"):
        remove_documents(proj, ["intervju1.md", "nej.md"])
    assert proj.store.count_documents() == 6  # nothing removed when one name is wrong


def test_cli_remove_asks_first_and_replace_lists_changes(proj, tmp_path):
    root = str(proj.root)
    r = runner.invoke(app, ["corpus", "remove", "intervju1.md", "-p", root], input="n\n")
    assert r.exit_code == 1 and proj.store.count_documents() == 7
    r = runner.invoke(app, ["corpus", "remove", "intervju1.md", "--yes", "-p", root])
    assert r.exit_code == 0, r.output
    path = _write(tmp_path / "notes" / "intervju2.md", NOTE.replace("trånga", "trånga!").replace("varje vecka", "varje vecka (2)"))
    r = runner.invoke(app, ["import", "notes", str(path), "-p", root])
    assert r.exit_code == 1 and "--replace" in r.output
    r = runner.invoke(app, ["import", "notes", str(path), "--replace", "-p", root])
    assert r.exit_code == 0, r.output
    assert "Ersatte 'intervju2.md'" in r.output and "ändrad: P13 (anna)" in r.output
    assert "Importerade 0" not in r.output  # a replacement alone is not reported as an empty import
    r = runner.invoke(app, ["corpus", "meta", "intervju2.md", "termin=VT2017", "-p", root])
    assert r.exit_code == 0 and "termin=VT2017" in r.output
    r = runner.invoke(app, ["corpus", "detached", "-p", root, "--format", "json"])
    assert json.loads(r.output) == []
