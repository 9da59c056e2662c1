"""Revision 0017: content hashes are sha256's first 32 hex digits. A project whose documents were
stored with the whole 64-digit hash finds them again by their content after the upgrade."""

from __future__ import annotations

import hashlib

import pytest

from qualcode.core.errors import DuplicateImportError
from qualcode.ingest import prepare
from qualcode.ingest.service import content_hash, import_notes, import_survey
from qualcode.project import find_project

from helpers import make_project, write_cp1252_csv

ANSWERS = [["id", "stadsdel", "kommentar"], ["A1", "Skärholmen", "För många ärenden per handläggare."],
           ["A2", "Älvsjö", "Handledningen fungerar bra."]]


def test_documents_stored_with_whole_hashes_are_found_again_after_the_upgrade(tmp_path, project_db, monkeypatch):
    survey = write_cp1252_csv(tmp_path / "enkät.csv", ANSWERS)
    note = tmp_path / "intervju.txt"
    note.write_text("Lokalerna är trånga.\n\nVi saknar samtalsrum.\n", encoding="utf-8")
    project = make_project(tmp_path, db=project_db)
    with monkeypatch.context() as m:  # stored as before 0017: the whole hash
        m.setattr(prepare, "HASH_CHARS", 64)
        import_survey(project, survey, text_columns=["kommentar"], id_column="id", encoding="cp1252")
        import_notes(project, [note])
    store = project.store
    assert {len(d.content_hash) for d in list(store.iter_documents())} == {64}
    with store.transaction():  # the project as 0016 left it
        store._x("UPDATE alembic_version SET version_num = '0016'")
    project.close()

    project = find_project(tmp_path / "p")  # opening it upgrades it
    try:
        docs = list(project.store.iter_documents())
        assert project.store.schema_revision() == "0017"
        assert all(d.content_hash == content_hash(d) for d in docs) and len(docs) == 3
        assert all(d.content_hash == hashlib.sha256(_hashed_text(d).encode()).hexdigest()[:32] for d in docs)
        with pytest.raises(DuplicateImportError) as survey_again:  # every answer is found: nothing is imported twice
            import_survey(project, survey, text_columns=["kommentar"], id_column="id", encoding="cp1252")
        with pytest.raises(DuplicateImportError) as note_again:
            import_notes(project, [note])
        assert survey.name in str(survey_again.value) and note.name in str(note_again.value)
        assert len(list(project.store.iter_documents())) == 3
    finally:
        project.close()


def _hashed_text(d) -> str:
    text = " ".join(d.text.split())
    return f"survey\0{text}\0{prepare._META_JSON(d.meta)}" if d.kind == "survey" else f"note\0{text}"
