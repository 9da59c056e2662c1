"""Manual coding, audit, lemma search, codebook changes in a project, counts."""

from __future__ import annotations

import json

import pytest

from helpers import make_project
from qualcode.core.codebook import Code, default_codebook
from qualcode.coding.codebook_changes import add_code, import_codebook, merge, rename
from qualcode.coding.service import add_codes, flag_quote, import_codings, list_codings, remove_codes, search
from qualcode.ingest.service import import_notes
from qualcode.analysis.code_counts import code_counts
from qualcode.core.errors import CodebookError, InputError, NotFoundError, UnknownCodeError

NOTES = {
    "a.md": "---\ntermin: HT2016\ngrupp: chefer\n---\nArbetslokalerna är för trånga.\n\nAdministratören avlastar handläggarna.\n",
    "b.md": "---\ntermin: HT2016\ngrupp: medarbetare\n---\nVi har fått en mentor och bra introduktion.\n\nLönen är låg.\n",
    "c.md": "---\ntermin: VT2018\ngrupp: chefer\n---\nKontorslokalen har inga tysta rum.\n\nChefen finns nära.\n",
}


@pytest.fixture
def project(tmp_path, project_db):
    for name, text in NOTES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with make_project(tmp_path, db=project_db) as p:
        import_notes(p, sorted(tmp_path.glob("*.md")))
        yield p


def seg_id(project, startswith: str) -> int:
    return next(s.id for s in project.store.iter_segments() if s.text.startswith(startswith))


def test_add_list_remove_with_audit(project):
    s = seg_id(project, "Arbetslokalerna")
    add_codes(project, [s], ["P13", "t-omorg"], memo="trångt")
    rows = list(list_codings(project, code=["G-LOKALER"]))
    assert [(c.code_id, c.coder, c.source, c.memo) for c, _ in rows] == [("P13", "anna", "manual", "trångt")]
    remove_codes(project, s, ["T-OMORG"])
    actions = [(a.action, a.code_id) for a in project.store.iter_audit()]
    assert actions == [("remove", "T-OMORG"), ("add", "T-OMORG"), ("add", "P13")]


def test_bad_codes_and_segments_write_nothing(project):
    s = seg_id(project, "Arbetslokalerna")
    with pytest.raises(UnknownCodeError, match="okänd kod 'P99'"):
        add_codes(project, [s], ["P13", "P99"])
    with pytest.raises(InputError, match="temagrupp"):
        add_codes(project, [s], ["G-ADMIN"])
    with pytest.raises(NotFoundError, match="segment 9999 finns inte"):
        add_codes(project, [s, 9999], ["P13"])
    with pytest.raises(NotFoundError, match="har ingen kodning P05"):
        remove_codes(project, s, ["P05"])
    assert project.store.stats()["codings"] == 0
    assert list(project.store.iter_audit()) == []


def test_lemma_search_finds_compounds(project):
    hits = search(project, "lokal")
    assert sorted(h.segment.text for h in hits) == ["Arbetslokalerna är för trånga.", "Kontorslokalen har inga tysta rum."]
    assert sorted(m for h in hits for m in h.matched) == ["arbetslokal", "kontorslokal"]
    assert [h.segment.text for h in search(project, "tyst rum")] == ["Kontorslokalen har inga tysta rum."]
    assert search(project, "lön")[0].segment.text == "Lönen är låg."


def test_document_counts_per_term_roll_up_groups(project):
    add_codes(project, [seg_id(project, "Arbetslokalerna"), seg_id(project, "Administratören")], ["P13"])
    add_codes(project, [seg_id(project, "Administratören")], ["P06"])
    add_codes(project, [seg_id(project, "Kontorslokalen")], ["P13"])
    add_codes(project, [seg_id(project, "Chefen")], ["P07"])
    counts = code_counts(project, by=["termin"], unit="document")
    t = counts.table
    assert (t.count("P13", "HT2016"), t.count("P13", "VT2018"), counts.total.count("P13")) == (1, 1, 2)
    assert (t.count("G-ADMIN", "HT2016"), t.count("G-ADMIN", "VT2018"), counts.total.count("G-ADMIN")) == (1, 1, 2)
    assert counts.bases == {"HT2016": 2, "VT2018": 1, "Totalt": 3}
    assert t.percent("P13", "HT2016") == 50.0
    seg_counts = code_counts(project, unit="segment")
    assert seg_counts.total.count("P13") == 3 and seg_counts.bases["Totalt"] == 6
    with pytest.raises(InputError, match="okänt metadatafält 'distrikt' — fält i projektet: grupp, termin"):
        code_counts(project, by=["distrikt"])


def test_rename_and_merge_keep_codings(project):
    s = seg_id(project, "Lönen")
    add_codes(project, [s], ["T-LON"])
    add_codes(project, [s], ["T-IT"])
    assert rename(project, "T-LON", new_id="T-LÖN", new_name="Lön och förmåner") == 1
    assert [(c.code_id) for c, _ in list_codings(project)] == ["T-IT", "T-LÖN"]
    assert project.codebook.get("T-LÖN").name == "Lön och förmåner"
    assert merge(project, "T-IT", "T-LÖN") == 1
    assert [c.code_id for c, _ in list_codings(project)] == ["T-LÖN"]
    assert "T-IT" not in project.codebook
    actions = [a.action for a in project.store.iter_audit()]
    assert "code-rename" in actions and "code-merge" in actions


def test_codebook_import_refuses_to_drop_codes_in_use(project):
    add_codes(project, [seg_id(project, "Lönen")], ["T-LON"])
    smaller = default_codebook().with_codes([c for c in default_codebook().codes if c.id != "T-LON"])
    with pytest.raises(CodebookError, match=r"saknar koder som används: T-LON \(1 kodning\)"):
        import_codebook(project, smaller)
    assert "T-LON" in project.store.load_codebook()
    add_code(project, Code("T-HOT", "Hot och våld", parent="G-KLIMAT"))
    assert project.codebook.get("T-HOT").parent == "G-KLIMAT"


def test_quotes_and_codings_file(project, tmp_path):
    lines = [
        {"document": "x/a.md", "quote": "Administratören avlastar", "codes": ["P06"], "coder": "kim"},
        {"document": "c.md", "quote": "inga tysta rum", "codes": ["P13"], "memo": "rum"},
    ]
    path = tmp_path / "k.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    assert import_codings(project, path) == 2
    assert sorted((c.code_id, c.coder) for c, _ in list_codings(project)) == [("P06", "kim"), ("P13", "anna")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(lines[0]) + "\n" + json.dumps({"document": "a.md", "quote": "finns inte", "codes": ["P01"]}))
    with pytest.raises(InputError, match="bad.jsonl rad 2: citatet 'finns inte'"):
        import_codings(project, bad)
    assert project.store.stats()["codings"] == 2
    assert flag_quote(project, seg_id(project, "Chefen"))
    assert project.store.flagged_quotes() == {seg_id(project, "Chefen")}


def test_coding_search_hits_again_codes_only_the_new_ones(project):
    from qualcode.coding.service import code_hits

    hits = [h.segment.id for h in search(project, "lokal")]
    assert len(hits) == 2
    assert code_hits(project, hits[:1], "P13", "anna") == (1, 0)
    audit_before = len(list(project.store.iter_audit()))
    # the same search coded again: one new coding, one left alone, one audit entry (not two)
    assert code_hits(project, hits, "p13", "anna") == (1, 1)
    assert len(list(project.store.iter_audit())) == audit_before + 1
    assert code_hits(project, hits, "P13", "anna") == (0, 2)
    assert len(list(project.store.iter_audit())) == audit_before + 1


def test_hit_spans_mark_the_words_a_search_matched():
    from qualcode.suggest.search import hit_spans

    text = "Arbetslokalerna är trånga, men vi har fått ett eget arbetsrum. Belöningen? Lön!"
    marked = [text[a:b] for a, b in hit_spans("lokal, eget rum, lön", text)]
    assert marked == ["Arbetslokalerna", "eget arbetsrum", "Lön"]  # compounds and phrases, not belöning
    assert hit_spans("saknas", text) == []
