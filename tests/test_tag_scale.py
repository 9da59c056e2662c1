"""Tagging and the browser at scale: the next segment and the next uncertain suggestion read a few
rows through indexes, and give what reading everything gives (on both engines)."""

from __future__ import annotations

import random

import pytest

from helpers import make_project, migrate
from qualcode.coding.uncertainty import Margins
from qualcode.coding.workspace import next_uncertain
from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn


def _by_reading_all(project, coder, threshold=None):
    """The next uncertain suggestion as it was found before: every open suggestion read and measured."""
    margins = Margins(project.store, threshold)
    keys = [(margins.margin(c), c.id) for c, _s in project.store.iter_codings(coder=[MODEL_CODER, coder],
                                                                             sources=("suggested",))]
    return min(keys)[1] if keys else None


@pytest.fixture
def scored(tmp_path, project_db):
    """120 answers with suggestions of two models (one with per-code thresholds), some without a
    score or a model, equal scores, the coder's own open suggestions, and an import still running."""
    rng = random.Random(5)
    project = make_project(tmp_path, db=project_db)
    st = project.store
    leaves = [c.id for c in project.codebook.leaves][:8]
    with st.transaction():
        st.save_model("m2", project.codebook.hash(), {"thresholds": {c: rng.uniform(0.2, 0.8) for c in leaves}}, {}, b"")
        running = st.add_import("pågår.csv", "survey", {}, status="running")
        hidden = set()
        for n in range(120):
            doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar nummer {n}", {}), f"h{n}",
                                  import_id=running if n % 10 == 7 else None)
            st.add_segments([SegmentIn(doc, "response", 0, 0, 5, "")])
            if n % 10 == 7:
                hidden.add(doc)
        for sid, doc, *_rest in st.table_rows("segments"):  # all of them: iter_segments hides a running import
            for code in rng.sample(leaves, rng.randint(0, 3)):
                score = None if rng.random() < 0.05 else rng.choice([0.5, 0.25, round(rng.random(), 2), rng.random()])
                if doc in hidden:
                    score = 0.5  # closest of all, but not shown while its import runs
                version = rng.choice(["m1", "m2", "m2", None])
                holder = "anna" if rng.random() < 0.05 else MODEL_CODER
                st.upsert_coding(sid, code, holder, "suggested", score=score, model_version=version)
    yield project
    project.close()


def test_next_uncertain_is_the_closest_of_all_suggestions(scored):
    for coder, threshold in (("anna", None), ("anna", 0.5), ("bo", None), ("bo", 0.31), ("anna", 3.0)):
        nxt = next_uncertain(scored, coder, threshold=threshold)
        assert nxt is not None and nxt.coding_id == _by_reading_all(scored, coder, threshold), (coder, threshold)
    # decided suggestions drop out one by one, and the next is always the closest of the rest
    st = scored.store
    while (nxt := next_uncertain(scored, "anna")) is not None:
        assert nxt.coding_id == _by_reading_all(scored, "anna")
        with st.transaction():
            st.set_coding_source(nxt.coding_id, "rejected")
    assert _by_reading_all(scored, "anna") is None


def test_next_uncertain_without_suggestions(tmp_path):
    project = make_project(tmp_path)
    assert next_uncertain(project, "anna") is None
    project.close()


def test_the_nearest_suggestion_is_an_index_seek(scored):
    if scored.store.pg:
        pytest.skip("SQLite's planner")
    plan = scored.store.conn.exec_driver_sql(  # the query Store.suggestions_near runs first, above the threshold
        "EXPLAIN QUERY PLAN SELECT c.score FROM codings c JOIN documents d ON d.id = c.document_id "
        "WHERE c.coder = ? AND c.source = 'suggested' AND c.code_id = ? AND c.model_version = ? "
        "AND c.score >= ? ORDER BY c.score ASC LIMIT 1", (MODEL_CODER, "P01", "m2", 0.5),
    ).fetchall()
    text = " ".join(str(tuple(r)) for r in plan)
    assert "codings_coder_code" in text and "TEMP B-TREE" not in text, text


def test_every_query_of_the_next_uncertain_suggestion_seeks_the_coder_index(scored):
    """Not the code's index in id order for MIN(id): that read every suggestion of the code (2.3 s at 1,000,000)."""
    if scored.store.pg:
        pytest.skip("SQLite's planner")
    plans = _plans_of(scored.store, lambda: next_uncertain(scored, "anna"))
    reads = {sql: plan for sql, plan in plans.items() if "FROM codings" in sql}
    wrong = {sql: plan for sql, plan in reads.items() if "INDEX codings_code " in plan}
    assert any("codings_coder_code" in plan for plan in reads.values()) and not wrong, wrong


def _plans_of(store, fn):
    """SQLite's query plan of every statement `fn` runs on the store's connection."""
    statements: list[str] = []
    store._raw.set_trace_callback(statements.append)
    try:
        fn()
    finally:
        store._raw.set_trace_callback(None)
    plans = {}
    for sql in statements:
        if sql.lstrip().upper().startswith(("SELECT", "DELETE")):
            plans[sql] = " ".join(str(tuple(r)) for r in store._raw.execute("EXPLAIN QUERY PLAN " + sql))
    return plans


def test_coding_a_segment_seeks_by_document_not_through_every_coding_of_the_code(tmp_path):
    """upsert_coding looks for the coder's overlapping codings of the code in the segment's document;
    walking the code's index in id order instead took 300-900 ms at 1,000,000 codings."""
    project = make_project(tmp_path)
    st = project.store
    with st.transaction():
        for n in range(3):
            doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar nummer {n}", {}), f"h{n}")
            st.add_segments([SegmentIn(doc, "response", 0, 0, 5, "")])
        first, second, third = st.segment_ids()
        st.upsert_coding(first, "P13", MODEL_CODER, "suggested", score=0.4)
        plans = _plans_of(st, lambda: (st.upsert_coding(second, "P13", "anna", "manual"),
                                       st.upsert_coding(second, "P13", "anna", "manual", memo="igen")))
    reads = {sql: plan for sql, plan in plans.items() if "FROM codings" in sql}
    assert reads, plans
    for sql, plan in reads.items():
        assert "codings_code (" not in plan, (sql, plan)
    project.close()


def test_replacing_a_batchs_suggestions_seeks_its_segments(tmp_path):
    """suggest run replaces each batch's open suggestions in a write transaction of its own; walking
    every suggestion of the model there (0.6-3.5 s at 1,000,000) held up every coder's next write."""
    project = make_project(tmp_path)
    st = project.store
    with st.transaction():
        for n in range(4):
            doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar nummer {n}", {}), f"h{n}")
            st.add_segments([SegmentIn(doc, "response", 0, 0, 5, "")])
        ids = st.segment_ids()
        for sid in ids:
            st.upsert_coding(sid, "P13", MODEL_CODER, "suggested", score=0.4)
            st.upsert_coding(sid, "P02", "anna", "suggested", score=0.6)
        st.upsert_coding(ids[0], "P01", MODEL_CODER, "rejected", score=0.7)
        plans = _plans_of(st, lambda: st.delete_suggestions(ids[:2], coder=MODEL_CODER))
        # storing the new ones reads the coder's codings on the batch's segments, by segment too
        plans.update(_plans_of(st, lambda: st.add_suggestions(MODEL_CODER, [(ids[0], "P01", 0.9, "v2", "r"),
                                                                            (ids[1], "P13", 0.5, "v2", "r")])))
    assert any("codings_segment" in plan for plan in plans.values()), plans
    for sql, plan in plans.items():
        assert "codings_coder" not in plan, (sql, plan)
    left = {(c.segment_id, c.code_id, c.coder, c.source) for c, _s in st.iter_codings()}
    assert left == {(ids[0], "P01", MODEL_CODER, "rejected"), *((i, "P02", "anna", "suggested") for i in ids),
                    *((i, "P13", MODEL_CODER, "suggested") for i in ids[1:])}
    with st.transaction():
        assert st.delete_suggestions(ids[2:]) == 4 and st.delete_suggestions([]) == 0
    assert {c.source for c, _s in st.iter_codings()} == {"rejected", "suggested"}
    project.close()


def test_a_project_at_0013_gets_the_segment_id_in_the_coder_index(db_target, monkeypatch):
    """Migration 0014: the uncertain queue's scores come from the coder index alone, nothing lost."""
    from sqlalchemy import inspect

    import qualcode.store.database as database
    from qualcode.core.codebook import load_codebook
    from qualcode.store.engine import get_engine

    with get_engine(db_target).connect() as conn:  # the revisions up to 0013, as a project made before 0014
        migrate(conn, "0013")
    with monkeypatch.context() as m:
        m.setattr(database, "HEAD", "0013")  # this store writes to it as the code of 0013 did
        m.setattr(database.Store, "_fill_document_meta", lambda self, first, last: None)  # no such table before 0015
        st = database.Store.open(db_target)
        assert st.schema_revision() == "0013"
        with st.transaction():
            st.save_codebook(load_codebook())
            for n in range(6):
                doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar nummer {n}", {}), f"h{n}")
                st.add_segments([SegmentIn(doc, "response", 0, 0, 5, "")])
            for n, sid in enumerate(st.segment_ids()):
                st.upsert_coding(sid, "P01", MODEL_CODER, "suggested", score=n / 10, model_version="m1")
                if n % 2:
                    st.upsert_coding(sid, "P02", "anna", "suggested", score=0.5, model_version="m1")
                    st.upsert_coding(sid, "P02", MODEL_CODER, "suggested", score=None, model_version="m1")
        before = sorted(st.suggestion_scores([MODEL_CODER, "anna"]))
        old_plans = _plans_of(st, lambda: list(st.suggestion_scores([MODEL_CODER, "anna"]))) if not st.pg else {}
        st.close()
    st = database.Store.open(db_target)
    assert st.schema_revision() == database.HEAD  # through 0014 (and any later revision)
    [index] = [i for i in inspect(st.conn).get_indexes("codings") if i["name"] == "codings_coder_code"]
    assert index["column_names"] == ["coder", "source", "code_id", "model_version", "score", "segment_id"]
    assert sorted(st.suggestion_scores([MODEL_CODER, "anna"])) == before and len(before) == 9
    if not st.pg:  # SQLite's planner: the table is no longer read
        [old] = old_plans.values()
        [new] = _plans_of(st, lambda: list(st.suggestion_scores([MODEL_CODER, "anna"]))).values()
        assert "COVERING INDEX codings_coder_code" not in old and "COVERING INDEX codings_coder_code" in new, (old, new)
    st.close()


def _queue_as_before(project, coder, threshold=None):
    """The uncertain queue as it was ranked before (7746f63): every scored suggestion measured in
    Python, each segment by its smallest margin, a stable sort of the document order."""
    from qualcode.coding.uncertainty import NO_SCORE

    st = project.store
    margins = Margins(st, threshold)
    margin: dict[int, float] = {}
    for sid, code_id, version, score in st.suggestion_scores([MODEL_CODER, coder]):
        m = margins.of(code_id, version, score)
        if m < margin.get(sid, NO_SCORE):
            margin[sid] = m
    done = st.reviewed(coder)
    order = [sid for sid in st.segment_order() if sid not in done]
    return sorted(order, key=lambda sid: margin.get(sid, NO_SCORE))


def test_the_uncertain_queue_is_ranked_as_before(scored):
    """Ranked in arrays, a group of suggestions at a time: the same queue (ties, missing scores,
    two models, the coder's own suggestions, a fixed threshold, a threshold past every score)."""
    from qualcode.coding.tagging import QueueSpec, TagSession

    for n, (coder, threshold) in enumerate((("anna", None), ("anna", 0.5), ("bo", None), ("bo", 0.31), ("anna", 3.0))):
        session = TagSession(scored, coder=coder, spec=QueueSpec(order="uncertain", threshold=threshold), session=f"q{n}")
        want = _queue_as_before(scored, coder, threshold)
        assert session.queue == want and len(want) > 100, (coder, threshold)
