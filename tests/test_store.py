"""Store: migrations, transactions, audit log, rename/merge keep codings."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.core.errors import StoreError
from qualcode.core.records import DocumentIn, SegmentIn
from qualcode.store.database import MIGRATIONS, SCHEMA_VERSION, Store


def test_migrations_are_recorded_and_idempotent(tmp_path):
    db = tmp_path / "q.db"
    store = Store.open(db, create=True)
    assert store.applied_migrations() == [v for v, _, _ in MIGRATIONS]
    assert store.migrate() == []
    store.close()
    again = Store.open(db)
    assert again.applied_migrations()[-1] == SCHEMA_VERSION
    assert again.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "q.db"
    Store.open(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="uppgradera qualcode"):
        Store.open(db)


def test_corrupt_database_gets_a_clear_message(tmp_path):
    db = tmp_path / "q.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="skadad|giltig"):
        Store.open(db)


def test_missing_database_is_not_created(tmp_path):
    with pytest.raises(StoreError, match="finns inte") as info:
        Store.open(tmp_path / "nope.db")
    assert info.value.info.hint.command == ("init",)
    assert not (tmp_path / "nope.db").exists()


def _doc(store: Store) -> int:
    doc_id = store.add_document(DocumentIn(name="a", kind="note", text="Hej på dig."), "h1")
    store.add_segments([SegmentIn(doc_id, "paragraph", 0, 0, 11, "hej på du")])
    return doc_id


def test_transaction_rolls_back_everything(tmp_path):
    store = Store.open(tmp_path / "q.db", create=True)
    with pytest.raises(RuntimeError):
        with store.transaction():
            _doc(store)
            with store.transaction():  # nested joins the outer transaction
                store.set_info("x", 1)
            raise RuntimeError("boom")
    assert store.stats()["documents"] == 0
    assert store.get_info("x") is None


def test_audit_log_is_append_only(tmp_path):
    store = Store.open(tmp_path / "q.db", create=True)
    with store.transaction():
        store.log("anna", "add", detail={"a": 1})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE audit SET actor = 'x'")
    assert [a.action for a in store.iter_audit()] == ["add"]


def test_segment_text_comes_from_offsets(tmp_path):
    store = Store.open(tmp_path / "q.db", create=True)
    with store.transaction():
        doc_id = store.add_document(DocumentIn(name="å", kind="note", text="Åsa är här.\n\nÖver ån."), "h")
        store.add_segments([SegmentIn(doc_id, "paragraph", 0, 0, 11, ""), SegmentIn(doc_id, "paragraph", 1, 13, 21, "")])
    assert [s.text for s in store.iter_segments()] == ["Åsa är här.", "Över ån."]


def test_migration_3_keeps_key_quote_flags_and_allows_one_per_coder(tmp_path, monkeypatch):
    import qualcode.store.database as store_module

    db = tmp_path / "q.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:2])
    old = Store.open(db, create=True)
    with old.transaction():
        d = old.add_document(DocumentIn("a", "note", "Ett stycke.", {}), "h")
        old.add_segments([SegmentIn(d, "paragraph", 0, 0, 11, "")])
        sid = next(old.iter_segments()).id
        old.conn.execute("INSERT INTO quotes (segment_id, flagged_by, note, created_at) VALUES (?, 'anna', 'bra', 'x')",
                         (sid,))
    old.close()
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    st = Store.open(db)
    assert st.applied_migrations() == [v for v, _, _ in MIGRATIONS]
    assert st.flagged_quotes() == {sid} and st.flagged_quotes(by="anna") == {sid}
    st.flag_quote(sid, "bo")
    assert st.flagged_quotes(by="bo") == {sid}
    assert st.unflag_quote(sid, "bo") == ["bo"]
    assert st.flagged_quotes(by="anna") == {sid}
    assert st.unflag_quote(sid) == ["anna"]
    assert st.flagged_quotes() == set()
    st.close()


def test_the_store_returns_frozen_records_never_dicts(tmp_path):
    import dataclasses

    from qualcode.core.records import AuditEntry, ModelInfo, SavedModel, StoredSample

    store = Store.open(tmp_path / "q.db", create=True)
    with store.transaction():
        store.log("anna", "add", code_id="P13", detail={"via": "qdpx"})
        store.save_sample("u1", 7, {"unit": None, "kind": "note"}, [3, 1, 2])
        store.save_model("v1", "hash", {"n_segments": 4}, {"micro": {"f1": 0.5}}, b"blob")
    entry = next(store.iter_audit())
    sample = store.get_sample("u1")
    model = store.latest_model()
    records = [entry, sample, model, *store.list_samples(), *store.list_models()]
    assert [type(r) for r in records] == [AuditEntry, StoredSample, SavedModel, StoredSample, ModelInfo]
    for r in records:
        assert dataclasses.is_dataclass(r) and not isinstance(r, dict)
        field = dataclasses.fields(r)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(r, field, "x")
    assert (entry.actor, entry.code_id, entry.detail) == ("anna", "P13", {"via": "qdpx"})
    assert (sample.seed, sample.n, sample.segment_ids, sample.spec["kind"]) == (7, 3, (3, 1, 2), "note")
    assert (model.version, model.codebook_hash, model.blob, model.metrics["micro"]["f1"]) == ("v1", "hash", b"blob", 0.5)
    assert store.get_sample("nope") is None
