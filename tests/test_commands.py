"""Commands that mean one thing: memo by segment + code, one code resolver, search OR, codebook edit."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from helpers import make_project
from qualcode.cli.main import app
from qualcode.coding.codebook_changes import edit_code
from qualcode.coding.service import add_codes, flag_coding_quote, search, set_segment_memo
from qualcode.coding.tagging import find_code
from qualcode.core.codebook import default_codebook
from qualcode.core.errors import CodebookError, InputError, NotFoundError, UnknownCodeError
from qualcode.ingest.service import import_notes

runner = CliRunner()


@pytest.fixture
def proj(tmp_path):
    (tmp_path / "a.md").write_text(
        "Lokalerna är trånga.\n\nVi sitter i ett kontorslandskap.\n\nLokalen och kontorslandskapet är för litet.\n\n"
        "Lönen är låg.\n", encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, [tmp_path / "a.md"])
        yield p


def seg(p, start):
    return next(s.id for s in p.store.iter_segments() if s.text.startswith(start))


def test_search_commas_are_or_and_all_requires_every_phrase(proj):
    either = [h.segment.text for h in search(proj, "lokal, kontorslandskap")]
    assert either == ["Lokalerna är trånga.", "Vi sitter i ett kontorslandskap.", "Lokalen och kontorslandskapet är för litet."]
    both = [h.segment.text for h in search(proj, "lokal, kontorslandskap", require_all=True)]
    assert both == ["Lokalen och kontorslandskapet är för litet."]
    r = runner.invoke(app, ["code", "search", "lokal, kontorslandskap", "--all", "-p", str(proj.root), "--format", "json"])
    assert r.exit_code == 0 and r.stdout.count('"segment"') == 1


def test_memo_is_addressed_by_segment_and_code(proj):
    lok, lon = seg(proj, "Lokalerna"), seg(proj, "Lönen")
    add_codes(proj, [lok], ["P13"])
    [lon_coding] = add_codes(proj, [lon], ["T-LON"])
    # The old `code memo 4 …` took a coding id: here coding 2 lives on another segment than segment 2.
    c = set_segment_memo(proj, lok, "p13", "trångt")
    assert (c.segment_id, c.code_id, c.memo) == (lok, "P13", "trångt")
    assert proj.store.get_coding(lon_coding).memo is None
    with pytest.raises(NotFoundError, match=f"segment {lon} har ingen kodning P13 av anna — kodningar där: T-LON \\(anna\\)"):
        set_segment_memo(proj, lon, "P13", "x")
    with pytest.raises(NotFoundError, match="har ingen kodning P13 av bertil"):
        set_segment_memo(proj, lok, "P13", "x", coder="bertil")
    root = str(proj.root)
    r = runner.invoke(app, ["code", "memo", str(lok), "viktigt", "-p", root])
    assert r.exit_code != 0  # the old two-argument form is refused, not applied to another segment
    r = runner.invoke(app, ["code", "memo", str(lok), "P13", "viktigt", "-p", root])
    assert r.exit_code == 0 and "Sparade memo för P13 (anna) på segment" in r.output


def test_key_quote_is_addressed_by_segment_code_and_coder(proj):
    lok, lon = seg(proj, "Lokalerna"), seg(proj, "Lönen")
    add_codes(proj, [lok], ["P13"])
    add_codes(proj, [lok], ["P13"], coder="bertil")
    root = str(proj.root)
    r = runner.invoke(app, ["code", "quote", str(lok), "-p", root])
    assert r.exit_code != 0 and proj.store.flagged_quotes() == set()  # the old one-id form is refused
    r = runner.invoke(app, ["code", "quote", str(lon), "P13", "-p", root])
    assert r.exit_code != 0 and proj.store.flagged_quotes() == set()
    assert f"segment {lon} har ingen kodning P13 av anna — segmentet är inte kodat" in r.output
    r = runner.invoke(app, ["code", "quote", str(lok), "p13", "--note", "trångt", "-p", root])
    assert r.exit_code == 0 and f"Segment {lok} är nu ett nyckelcitat för P13 (anna)." in r.output
    assert proj.store.flagged_quotes(by="anna") == {lok} and proj.store.flagged_quotes(by="bertil") == set()
    flag_coding_quote(proj, lok, "P13", coder="bertil")
    r = runner.invoke(app, ["code", "quote", str(lok), "P13", "--remove", "-p", root])
    assert r.exit_code == 0 and f"Segment {lok} är inte längre ett nyckelcitat för P13 (anna)." in r.output
    assert proj.store.flagged_quotes(by="anna") == set() and proj.store.flagged_quotes() == {lok}  # bertil's stays
    entry = next(proj.store.iter_audit())
    assert (entry.action, entry.actor, entry.segment_id, entry.code_id) == ("unquote", "anna", lok, "P13")
    # a suggestion is not her coding yet
    proj.store.upsert_coding(lon, "T-LON", "qualcode", "suggested", score=0.9, model_version="m1", reason="lön")
    with pytest.raises(InputError, match="är ett förslag"):
        flag_coding_quote(proj, lon, "T-LON", coder="qualcode")


def test_one_resolver_ids_any_case_numbers_names_aliases_fuzzy():
    cb = default_codebook()
    p13 = cb.get("P13")
    assert cb.resolve("p13").id == "P13" and cb.resolve("13").id == "P13" and cb.resolve("punkt 13").id == "P13"
    assert cb.resolve(p13.name.lower()).id == "P13"
    assert cb.resolve("lokaler").id == "G-LOKALER"  # an exact name before an alias
    assert cb.resolve(p13.name[:-3] + "xyz").id == "P13"  # a misspelt name, as `+ lokaler` in tag
    with pytest.raises(UnknownCodeError):
        cb.resolve("P99")
    assert find_code(cb, "p13").id == "P13" and find_code(cb, "13").id == "P13"


def test_code_add_takes_any_case_and_a_group_names_its_codes(proj):
    add_codes(proj, [seg(proj, "Lokalerna")], ["p13"])
    assert [c.code_id for c, _ in proj.store.iter_codings()] == ["P13"]
    with pytest.raises(InputError, match="'G-LOKALER' är en temagrupp och kodas inte direkt — använd en av dess koder: P13"):
        add_codes(proj, [seg(proj, "Lokalerna")], ["g-lokaler"])


def test_codebook_edit_is_audited(proj):
    new, changes = edit_code(proj, "p13", {"definition": "Rum att arbeta i."}, {"keywords": ["fönsterplats", "ergonomi"]})
    assert new.definition == "Rum att arbeta i." and {"fönsterplats", "ergonomi"} <= set(new.keywords)
    assert proj.codebook.get("P13").keywords == new.keywords  # stored
    assert set(changes) == {"definition", "keywords"}
    audit = next(proj.store.iter_audit(limit=1))
    assert (audit.action, audit.code_id) == ("code-edit", "P13")
    assert audit.detail["keywords"]["added"] == ["fönsterplats", "ergonomi"]
    new, _ = edit_code(proj, "P13", remove={"keywords": ["Ergonomi"]})
    assert "ergonomi" not in new.keywords
    with pytest.raises(CodebookError, match="P13 har inte 'finns inte'"):
        edit_code(proj, "P13", remove={"keywords": ["finns inte"]})
    with pytest.raises(CodebookError, match="inget att ändra för P13"):
        edit_code(proj, "P13")


def test_cli_codebook_edit_reminds_to_retrain(proj):
    r = runner.invoke(app, ["codebook", "edit", "P13", "--add-keyword", "fönsterplats", "--add-example", "Jag har inget eget rum.",
                            "-p", str(proj.root)])
    assert r.exit_code == 0, r.output
    assert "Ändrade P13: keywords, examples." in r.output and "qualcode train" in r.output
    assert "Jag har inget eget rum." in proj.codebook.get("P13").examples


def test_a_key_quote_is_the_flagged_codings_not_a_later_coding_of_another_code_on_the_segment(proj):
    """After `code quote 5 P13`, a P07 coding added to segment 5 read key_quote true in `code list`."""
    import json

    lok = seg(proj, "Lokalerna")
    add_codes(proj, [lok], ["P13"])
    root = str(proj.root)
    assert runner.invoke(app, ["code", "quote", str(lok), "P13", "-p", root]).exit_code == 0
    add_codes(proj, [lok], ["P07"])
    r = runner.invoke(app, ["code", "list", "--format", "json", "-p", root])
    assert r.exit_code == 0, r.output
    flags = {(c["code"], c["segment"][0] if isinstance(c["segment"], list) else c["segment"]): c["key_quote"]
             for c in json.loads(r.stdout) if c["coder"] == "anna"}
    assert flags == {("P13", lok): True, ("P07", lok): False}
