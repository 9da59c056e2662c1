"""Store: schema revisions, transactions, audit log, rename/merge keep codings — on both engines."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError

from helpers import migrate
from legacy_schema import MIGRATIONS, make_legacy_db
from qualcode.core.errors import StoreError
from qualcode.core.records import DocumentIn, SegmentIn
from qualcode.store.database import HEAD, REVISIONS, SCHEMA_VERSION, Store


def test_a_new_database_is_at_head_and_reopens_without_migrating(db_target):
    store = Store.open(db_target, create=True)
    assert store.schema_revision() == HEAD
    assert store.applied_migrations() == list(range(1, SCHEMA_VERSION + 1))
    assert store.backup is None
    store.close()
    again = Store.open(db_target)
    assert again.schema_revision() == HEAD and again.backup is None
    assert list(again.iter_audit()) == []  # nothing was upgraded
    again.close()


def test_sqlite_pragmas_are_set(tmp_path):
    store = Store.open(tmp_path / "q.db", create=True)
    assert store.conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    assert store.conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    assert store.conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL
    store.close()


def test_head_is_the_script_directorys_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from qualcode.store.database import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_current_head() == HEAD
    assert [s.revision for s in reversed(list(script.walk_revisions()))] == list(REVISIONS)


def test_the_migrations_build_exactly_the_schema_metadata(db_target):
    """Upgrading an empty database through every revision gives what schema.py describes."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from qualcode.store import schema
    from qualcode.store.engine import get_engine

    with get_engine(db_target).connect() as conn:
        migrate(conn, "head")
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []
    st = Store.open(db_target)
    assert st.schema_revision() == HEAD and st.backup is None
    with st.transaction():
        st.log("anna", "add")
    with pytest.raises(DBAPIError, match="append-only"):
        st.conn.exec_driver_sql("DELETE FROM audit")
    st.close()


def test_newer_schema_is_refused(db_target):
    store = Store.open(db_target, create=True)
    store.conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    store.close()
    with pytest.raises(StoreError, match="nyare än denna qualcode .* uppgradera qualcode"):
        Store.open(db_target)


def test_newer_legacy_schema_is_refused(tmp_path):
    db = tmp_path / "q.db"
    conn = make_legacy_db(db)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    conn.close()
    with pytest.raises(StoreError, match="uppgradera qualcode"):
        Store.open(db)
    assert not list(tmp_path.glob("q.db.bak-*"))


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


def test_an_unreachable_postgresql_server_gets_one_line():
    with pytest.raises(StoreError) as info:
        Store.open("postgresql+psycopg://qc@127.0.0.1:1/qualcode")
    message = str(info.value)
    assert message.startswith("kunde inte ansluta till PostgreSQL på 127.0.0.1:1 (")
    assert message.endswith("— starta servern eller kontrollera adressen") and "\n" not in message


def test_an_empty_postgresql_database_is_no_project(db_target):
    if not isinstance(db_target, str):
        pytest.skip("PostgreSQL only")
    with pytest.raises(StoreError, match="innehåller inget qualcode-projekt"):
        Store.open(db_target)


def _doc(store: Store) -> int:
    doc_id = store.add_document(DocumentIn(name="a", kind="note", text="Hej på dig."), "h1")
    store.add_segments([SegmentIn(doc_id, "paragraph", 0, 0, 11, "hej på du")])
    return doc_id


def test_metadata_json_cannot_hold_is_refused_naming_the_key(new_store):
    """nan or inf in metadata would be malformed JSON for the SQL JSON functions: refused, nothing written."""
    from qualcode.core.errors import InputError

    store = new_store
    doc = DocumentIn("a", "note", "hej", {"poäng": [1.0, float("nan")], "stadsdel": "Bromma"})
    for write in (lambda: store.add_documents([(doc, "h")]), lambda: store.meta_json(doc.meta),
                  lambda: store.update_document(_doc(store), meta={"vikt": float("-inf")})):
        with pytest.raises(InputError) as info:
            with store.transaction():
                write()
        assert "som inte är ett tal som kan sparas" in str(info.value)
        assert "'poäng[1]'" in str(info.value) or "'vikt'" in str(info.value)
    assert store.stats()["documents"] == 0


def test_transaction_rolls_back_everything(new_store):
    store = new_store
    with pytest.raises(RuntimeError):
        with store.transaction():
            _doc(store)
            with store.transaction():  # nested joins the outer transaction
                store.set_info("x", 1)
            raise RuntimeError("boom")
    assert store.stats()["documents"] == 0
    assert store.get_info("x") is None
    before = store.content_hash()
    with pytest.raises(DBAPIError):  # a failing statement rolls the whole transaction back
        with store.transaction():
            _doc(store)
            store.add_document(DocumentIn(name="b", kind="note", text="x"), "h1")  # same content hash
    assert store.content_hash() == before and store.row_counts()["documents"] == 0


def test_audit_log_is_append_only(new_store):
    store = new_store
    with store.transaction():
        store.log("anna", "add", detail={"a": 1})
    with pytest.raises(DBAPIError, match="append-only"):
        store.conn.exec_driver_sql("DELETE FROM audit")
    with pytest.raises(DBAPIError, match="append-only"):
        store.conn.exec_driver_sql("UPDATE audit SET actor = 'x'")
    assert [a.action for a in store.iter_audit()] == ["add"]


def test_segment_text_comes_from_offsets(new_store):
    store = new_store
    with store.transaction():
        doc_id = store.add_document(DocumentIn(name="å", kind="note", text="Åsa är här.\n\nÖver ån. 😀"), "h")
        store.add_segments([SegmentIn(doc_id, "paragraph", 0, 0, 11, ""), SegmentIn(doc_id, "paragraph", 1, 13, 23, "")])
    assert [s.text for s in store.iter_segments()] == ["Åsa är här.", "Över ån. 😀"]
    assert store.span_text(doc_id, 13, 23) == "Över ån. 😀"


def test_dump_and_content_hash_are_the_same_on_both_engines(tmp_path):
    import os

    from conftest import pg_database

    if not os.environ.get("QUALCODE_TEST_PG") and not os.environ.get("CI"):
        pytest.skip("QUALCODE_TEST_PG is not set")

    def fill(store: Store) -> None:
        with store.transaction():
            d = store.add_document(DocumentIn("å.txt", "note", "Ett stycke om lönen.", {"kön": "kvinna", "n": 3}), "h")
            store.add_segments([SegmentIn(d, "paragraph", 0, 0, 20, "en stycke om lön")])
            store.set_info("codebook", {"name": "K"})
            store.save_model("v1", "hash", {"n": 1}, {"f1": 0.25}, b"\x00\xffblob")

    lite = Store.open(tmp_path / "q.db", create=True)
    with pg_database() as url:
        pg = Store.open(url, create=True)
        fill(lite)
        fill(pg)
        # created_at differs by the clock; compare everything else
        assert lite.row_counts() == pg.row_counts()
        assert lite.content_hash(["segments", "project_info"]) == pg.content_hash(["segments", "project_info"])
        [m1], [m2] = lite.dump()["models"], pg.dump()["models"]
        assert m1[5] == m2[5] == b"\x00\xffblob"
        pg.close()
    lite.close()


def test_a_legacy_project_is_backed_up_stamped_and_upgraded(tmp_path):
    """A database made by the code before Alembic (old numbered migrations) opens without loss."""
    db = tmp_path / "proj" / "qualcode.db"
    db.parent.mkdir()
    conn = make_legacy_db(db, upto=2)
    conn.execute("INSERT INTO documents (id, name, kind, text, content_hash, created_at) VALUES (1, 'a', 'note', 'Ett stycke.', 'h', 'x')")
    conn.execute("INSERT INTO segments (id, document_id, unit, idx, start, end) VALUES (1, 1, 'paragraph', 0, 0, 11)")
    conn.execute("INSERT INTO quotes (segment_id, flagged_by, note, created_at) VALUES (1, 'anna', 'bra', 'x')")
    conn.close()
    st = Store.open(db)
    assert st.schema_revision() == HEAD
    assert st.backup is not None and st.backup.name.startswith("qualcode.db.bak-0002-")
    old = sqlite3.connect(st.backup)
    assert old.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == 2
    assert old.execute("SELECT flagged_by, note FROM quotes").fetchall() == [("anna", "bra")]
    old.close()
    [entry] = list(st.iter_audit())
    assert (entry.action, entry.detail) == ("schema.upgrade", {"from": "0002", "to": HEAD, "backup": str(st.backup)})
    # migration 3: key-quote flags kept, one per coder now
    assert st.flagged_quotes() == {1} and st.flagged_quotes(by="anna") == {1}
    st.flag_quote(1, "bo")
    assert st.flagged_quotes(by="bo") == {1}
    assert st.unflag_quote(1, "bo") == ["bo"]
    assert st.unflag_quote(1) == ["anna"]
    st.close()
    again = Store.open(db)  # at head now: no second backup
    assert again.backup is None and len(list(db.parent.glob("qualcode.db.bak-*"))) == 1
    again.close()


def test_a_legacy_project_at_the_last_numbered_migration_is_stamped_there_and_upgraded(tmp_path):
    """The last numbered migration is revision 0012; only the revisions after it run (0013 on)."""
    db = tmp_path / "qualcode.db"
    make_legacy_db(db, upto=len(MIGRATIONS)).close()
    st = Store.open(db)
    assert st.schema_revision() == HEAD
    assert st.backup is not None and st.backup.name.startswith(f"qualcode.db.bak-{len(MIGRATIONS):04d}-")
    [entry] = list(st.iter_audit())
    assert entry.detail["from"] == f"{len(MIGRATIONS):04d}"
    st.close()


def test_the_store_returns_frozen_records_never_dicts(new_store):
    import dataclasses

    from qualcode.core.records import AuditEntry, ModelInfo, SavedModel, StoredSample

    store = new_store
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


def test_a_second_writer_waits_then_gets_one_line_and_readers_are_not_blocked(db_target, monkeypatch):
    first = Store.open(db_target, create=True)
    monkeypatch.setenv("QUALCODE_BUSY_TIMEOUT", "0.2")
    second = Store.open(db_target)
    try:
        with first.transaction():
            first.set_info("x", 1)
            assert second.get_info("codebook") is None and second.stats()["documents"] == 0  # reads go on
            with pytest.raises(StoreError) as info:
                with second.transaction():
                    second.set_info("y", 2)
            message = str(info.value)
            assert "är låst: en annan qualcode-process eller ett annat program skriver i det — inget sparades" in message
            assert "\n" not in message
        assert second.get_info("x") == 1 and second.get_info("y") is None
        with second.transaction():  # the lock is free again
            second.set_info("y", 2)
        assert first.get_info("y") == 2
    finally:
        first.close()
        second.close()


def test_concurrent_codings_of_one_segment_merge_into_one(db_target):
    """put_coding reads the coder's codings, then writes: writers must queue, or both insert."""
    import threading

    n = 15
    setup = Store.open(db_target, create=True)
    with setup.transaction():
        setup.save_codebook(_codebook())
        d = setup.add_document(DocumentIn(name="a", kind="note", text="x" * (10 * n)), "h1")
        setup.add_segments([SegmentIn(d, "paragraph", i, 10 * i, 10 * i + 10, "") for i in range(n)])
    segs = [s.id for s in setup.iter_segments()]
    setup.close()
    barrier = threading.Barrier(4, timeout=30)
    errors: list[BaseException] = []

    def code(memo: str) -> None:
        try:
            with Store.open(db_target) as st:
                for seg in segs:  # four coders' saves of one segment at the same moment, segment by segment
                    barrier.wait()
                    with st.transaction():
                        st.upsert_coding(seg, "P01", "anna", "manual", memo=memo)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=code, args=(f"m{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with Store.open(db_target) as st:
        assert st.row_counts()["codings"] == n
        for seg in segs:
            assert [(c.code_id, c.coder, c.source) for c in st.codings_for_segment(seg)] == [("P01", "anna", "manual")]


def _codebook():
    from qualcode.core.codebook import load_codebook

    return load_codebook(None)


def test_a_respondent_two_running_imports_store_survives_the_one_that_fails(db_target):
    """Two imports of one survey at once: the second waits for the first's batch (writers queue on both
    engines), finds the respondent the first one stored and keeps her whole for its own final
    transaction, so she is still there when the first import fails (before: only her id was kept)."""
    import threading
    import time

    first = Store.open(db_target, create=True)
    out: dict[str, object] = {}

    def second_import() -> None:
        other = Store.open(db_target)
        try:
            with other.transaction():
                mine = other.add_import("enkat.csv", "survey", {}, status="running")
            ready.set()
            go.wait(30)
            with other.transaction():
                out["staged"] = other.stage_respondents("enkat", ["svar"], [("R1", {"stadsdel": "Bromma"})], mine)
            first_gone.wait(30)
            with other.transaction():
                other.put_respondents("enkat", ["svar"], out["staged"][1], mine)  # type: ignore[index]
                other.finish_import(mine, 0)
        finally:
            other.close()

    first_gone, ready, go = threading.Event(), threading.Event(), threading.Event()
    try:
        with first.transaction():
            running = first.add_import("enkat.csv", "survey", {}, status="running")
        thread = threading.Thread(target=second_import)
        thread.start()
        assert ready.wait(30)
        with first.transaction():
            first.stage_respondents("enkat", ["svar"], [("R1", {"stadsdel": "Bromma"})], running)
            go.set()
            time.sleep(0.5)  # the second import waits for this transaction
        while "staged" not in out and thread.is_alive():
            time.sleep(0.05)
        assert out["staged"] == (1, [("R1", {"stadsdel": "Bromma"})], [])
        first.discard_import(running)  # the first import fails: its respondents go with it
        first_gone.set()
        thread.join(30)
        assert [(r[1], r[2]) for r in first.respondents()] == [("R1", {"stadsdel": "Bromma"})]
    finally:
        first_gone.set()
        go.set()
        first.close()


def test_large_reads_stream_from_the_server(new_store, monkeypatch):
    """The iterators hand over their rows a batch at a time: on PostgreSQL from a server-side
    cursor (the client cursor took the whole result at once), closed when the read ends or is
    left; writes between the batches are fine."""
    store = new_store
    monkeypatch.setattr(Store, "_STREAM_ROWS", 3)
    with store.transaction():
        for n in range(10):
            doc = store.add_document(DocumentIn(name=f"d{n}", kind="note", text=f"Text nummer {n}."), f"h{n}")
            store.add_segments([SegmentIn(doc, "paragraph", 0, 0, 4, "text")])
    open_cursors = (lambda: store._count("SELECT COUNT(*) FROM pg_cursors WHERE name LIKE 'qualcode_%'")) \
        if store.pg else (lambda: 0)
    seen, during = [], []
    for seg in store.iter_segments():
        seen.append(seg.id)
        during.append(open_cursors())
        store.set_info("läst", len(seen))  # a write between two batches
    assert len(seen) == 10 and seen == sorted(seen) and store.get_info("läst") == 10
    assert open_cursors() == 0
    if store.pg:
        assert set(during) == {1}
        left = store.iter_documents()
        next(left)
        assert open_cursors() == 1
        left.close()  # a read left half way closes its cursor
        assert open_cursors() == 0
        assert list(d.name for d in store.iter_documents()) == [f"d{n}" for n in range(10)]


def test_a_failed_transaction_during_a_streamed_read_keeps_its_own_error(new_store):
    """A read inside a transaction that fails: the failure comes out, not the cursor's closing."""
    store = new_store
    with store.transaction():
        _doc(store)
    with pytest.raises(DBAPIError):
        with store.transaction():
            for _seg in store.iter_segments():
                store._x("INSERT INTO nonexistent_table VALUES (1)")
    assert [s.text for s in store.iter_segments()] == ["Hej på dig."]


def test_stored_suggestions_skip_held_repeated_and_gone_segments(new_store):
    """add_suggestions stores whole-segment suggestions where they belong; a (segment, code) the coder
    already has (any source), a row repeated in the batch and a segment that is gone are skipped."""
    store = new_store
    with store.transaction():
        store.save_codebook(_codebook())
        d = store.add_document(DocumentIn(name="a", kind="note", text="ett två tre fyra"), "h1")
        store.add_segments([SegmentIn(d, "paragraph", 0, 0, 7, "en två"), SegmentIn(d, "paragraph", 1, 8, 16, "tre fyra")])
    first, second = [s.id for s in store.iter_segments()]
    with store.transaction():
        store.upsert_coding(first, "P01", "qualcode", "rejected")
        store.upsert_coding(first, "P02", "anna", "manual")
        stored = store.add_suggestions("qualcode", [
            (first, "P01", 0.9, "v1", "a"),  # the model's coder rejected it: skipped
            (first, "P02", 0.8, "v1", "b"),  # anna's coding is not the model's: stored
            (second, "P03", 0.7, "v1", "c"),
            (second, "P03", 0.6, "v1", "d"),  # repeated in the batch: the first kept
            (second + 99, "P04", 0.5, "v1", "e"),  # no such segment
        ])
    assert stored == 2
    got = sorted((c.segment_id, c.code_id, c.coder, c.start, c.end, c.score, c.reason)
                 for c, _seg in store.iter_codings(sources=["suggested"]))
    assert got == [(first, "P02", "qualcode", 0, 7, 0.8, "b"), (second, "P03", "qualcode", 8, 16, 0.7, "c")]
    assert store.add_suggestions("qualcode", []) == 0


def test_id_lists_are_cut_into_few_statement_shapes():
    """IN lists of every length are padded to a few sizes, so the driver's statement cache is not filled."""
    from qualcode.store.database import _fixed_chunks

    for n in (1, 15, 16, 17, 100, 2048, 2049, 5000):
        chunks = list(_fixed_chunks(list(range(1, n + 1))))
        assert [i for c in chunks for i in dict.fromkeys(c)] == list(range(1, n + 1))
        assert all(len(c) in (16, 32, 64, 128, 256, 512, 1024, 2048) for c in chunks)
    assert {len(c) for n in range(1, 3000) for c in _fixed_chunks(list(range(n)) or [0])} == {16, 32, 64, 128, 256, 512, 1024, 2048}
    assert list(_fixed_chunks([])) == []
