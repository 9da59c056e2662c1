"""Codebook: the shipped file, validation messages, round trips, rename and merge."""

from __future__ import annotations

import pytest

from qualcode.core.codebook import (
    Code,
    build_codebook,
    default_codebook,
    dump_codebook,
    merge_codes,
    parse_codebook,
    parse_codebook_text,
    parse_synonym,
    rename_code,
)
from qualcode.core.errors import CodebookError, UnknownCodeError

SPEC_IDS = [f"P{i:02d}" for i in range(1, 14)] + ["T-OMORG", "T-PERS", "T-LON", "T-IT", "T-KLIMAT", "T-DELAKT"]


def test_shipped_codebook_has_the_spec_ids_in_order():
    cb = default_codebook()
    assert [c.id for c in cb.leaves] == SPEC_IDS
    assert [c.number for c in cb.points] == list(range(1, 14))
    assert all(c.keywords for c in cb.leaves)
    assert cb.get("P06").parent == "G-ADMIN" and cb.get("P07").parent == "G-ADMIN"
    assert cb.rollup("G-KOMPETENS") == {"G-KOMPETENS", "P02", "P04", "P08", "P09", "P10"}
    assert cb.rollup("G-BELASTNING") == {"G-BELASTNING", "P03", "T-PERS"}


def test_shipped_codebook_matches_the_spec_names(shared_dir):
    text = (shared_dir / "codebook-spec.md").read_text(encoding="utf-8")
    cb = default_codebook()
    for code_id in SPEC_IDS:
        assert f"| {code_id} |" in text
    for group in cb.groups:
        assert f"| {group.name} |" in text, group.name


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_round_trip(fmt):
    cb = default_codebook()
    back = parse_codebook_text(dump_codebook(cb, fmt), fmt)
    assert back.codes == cb.codes


@pytest.mark.parametrize(
    "codes, message",
    [
        ([{"id": "A", "name": "a"}, {"id": "A", "name": "b"}], "förekommer två gånger"),
        ([{"id": "A", "name": "a", "parent": "X"}], "okänd förälder 'X'"),
        ([{"id": "A", "name": "a", "parent": "B"}, {"id": "B", "name": "b", "parent": "A"}], "cykel i kodhierarkin: A → B → A"),
        ([{"id": "A", "name": ""}], "tomt namn"),
        ([{"id": "", "name": "x"}], "saknar id"),
        ([{"id": "A", "name": "a", "colour": "red"}], "okända fält"),
        ([], "inga koder"),
        ([{"id": "A", "name": "a", "synonyms": ["fadder mentor"]}], "koden 'A': synonymen 'fadder mentor' ska skrivas 'ord = ord i kodboken'"),
        ([{"id": "A", "name": "a", "synonyms": ["fadder = "]}], "ska skrivas 'ord = ord i kodboken'"),
        ([{"id": "A", "name": "a", "synonyms": "a = b = c"}], "ska skrivas 'ord = ord i kodboken'"),
        ([{"id": "A", "name": "a", "synonyms": ["Mentor = mentor"]}], "samma ord på båda sidor"),
    ],
)
def test_validation_messages(codes, message):
    with pytest.raises(CodebookError, match=message):
        parse_codebook({"codes": codes})


def test_synonyms_are_a_codebook_field_in_every_format():
    cb = default_codebook()
    assert "fadder = mentor" in cb.get("P02").synonyms
    assert "genomgång = dragning" in cb.get("P08").synonyms
    own = build_codebook([Code("A", "a", synonyms=("Kursdagar = fortbildning", "genomgång = dragning"))])
    for fmt in ("yaml", "json", "csv"):
        text = dump_codebook(own, fmt)
        assert "Kursdagar = fortbildning" in text
        assert parse_codebook_text(text, fmt).codes == own.codes
    assert parse_synonym(" Kursdagar =  fortbildning ") == ("kursdagar", "fortbildning")


def test_invalid_yaml_names_the_line():
    with pytest.raises(CodebookError, match="kb.yaml rad 3: ogiltig YAML"):
        parse_codebook_text("codes:\n  - id: A\n   name: x\n", "yaml", "kb.yaml")


def test_unknown_code_lists_valid_ones():
    cb = default_codebook()
    with pytest.raises(UnknownCodeError, match=r"okänd kod 'P14' — giltiga koder: P01, P02"):
        cb.check(["P01", "P14"])


def test_rename_and_merge_keep_structure():
    cb = build_codebook([Code("G", "g", kind="group"), Code("A", "a", parent="G", keywords=("x",)),
                         Code("B", "b", parent="G", keywords=("y",)), Code("C", "c", parent="A")])
    renamed = rename_code(cb, "A", "A2", "Ny")
    assert renamed.get("A2").name == "Ny" and renamed.get("C").parent == "A2"
    merged = merge_codes(cb, "A", "B")
    assert "A" not in merged and merged.get("B").keywords == ("y", "x") and merged.get("C").parent == "B"
    with pytest.raises(CodebookError, match="finns redan"):
        rename_code(cb, "A", "B")


def test_csv_export_for_taguettes_codebook_import():
    """Taguette takes the tag from the one column named tag, name or path (it refuses a file with
    two of them) and reads `description`: the export gives the hierarchy as a path of names."""
    import csv
    import io

    cb = default_codebook()
    rows = list(csv.DictReader(io.StringIO(dump_codebook(cb, "csv"))))
    header = list(rows[0])
    assert [c for c in header if c in ("tag", "name", "path")] == ["path"] and "description" in header
    by_id = {r["id"]: r for r in rows}
    p13 = cb.get("P13")
    group = cb.get(p13.parent)
    assert by_id["P13"]["path"] == f"{group.name} / {p13.name}"
    assert by_id["P13"]["description"] == p13.definition
    assert by_id[group.id]["path"] == group.name


def test_csv_with_name_and_definition_columns_still_reads():
    text = "id,name,parent,kind,definition\nG-X,Grupp,,group,\nX1,Kod / med snedstreck,G-X,code,Vad den betyder\n"
    cb = parse_codebook_text(text, "csv")
    assert [(c.id, c.name, c.definition) for c in cb.codes] == [("G-X", "Grupp", ""), ("X1", "Kod / med snedstreck", "Vad den betyder")]
    # a name with the separator in it survives the path column
    back = parse_codebook_text(dump_codebook(cb, "csv"), "csv")
    assert back.codes == cb.codes
