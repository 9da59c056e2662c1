"""The survey grid sorted by a metadata field: pages read from document_meta (kept by triggers on
every write of documents.meta) in the order a Swedish reader expects (qualcode.core.ordering) for
a field with few values, and in the order the JSON sort gave for one with many, on both engines."""

from __future__ import annotations

import random

import pytest

from helpers import make_project, migrate
from qualcode.coding.workspace import survey_grid
from qualcode.core.ordering import sort_key
from qualcode.core.records import DocumentIn, SegmentIn

# What the sort was before document_meta (main f6a6275): every answer's JSON value, in SQL.
_OLD_ORDER = {
    "sqlite": "json_extract(d.meta, ?) {dir}",
    "postgresql": "(d.meta::jsonb -> ?) {dir} {nulls}",
}

VALUES = ["Bromma", "bromma", "Zeta", "Årsta", "Älvsjö", "Östermalm", "Enskede-Årsta", "", "10", "9",
          10, 9, 2.5, -1, 1.0, 10**20, True, False, None, ["a", 1], {"x": "y"}, "Ängby", "Å"]


def _old_page(st, key, descending, offset, limit, kind="survey"):
    """Ids of a page as the old query ordered them (the reference)."""
    where, params = st._doc_filters(kind=kind)
    direction = "DESC" if descending else "ASC"
    order = _OLD_ORDER["postgresql" if st.pg else "sqlite"].format(
        dir=direction, nulls="NULLS LAST" if descending else "NULLS FIRST")
    bind = key if st.pg else '$."' + key.replace('"', '\\"') + '"'
    sql = (f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id {where} "
           f"ORDER BY {order}, s.document_id, s.unit, s.idx LIMIT ? OFFSET ?")
    return [r[0] for r in st._x(sql, [*params, bind, limit, offset])]


def _page(st, key, descending, offset, limit):
    return [s.id for s in st.page_segments(kind="survey", sort_meta=key, descending=descending,
                                           offset=offset, limit=limit)[1]]


@pytest.fixture
def answers(tmp_path, project_db):
    """Survey answers whose field `f` takes every kind of JSON value (or is missing), some with two
    segments, a note, and an answer of an import still running."""
    rng = random.Random(3)
    project = make_project(tmp_path, db=project_db)
    st = project.store
    with st.transaction():
        running = st.add_import("pågår.csv", "survey", {}, status="running")
        for n in range(150):
            meta = {"g": rng.choice(["a", "b"])}
            if rng.random() < 0.85:
                meta["f"] = rng.choice(VALUES)
            doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar nummer {n}. Och mer.", meta), f"h{n}",
                                  import_id=running if n % 37 == 5 else None)
            st.add_segments([SegmentIn(doc, "response", 0, 0, 5, "")])
            if n % 11 == 0:
                st.add_segments([SegmentIn(doc, "sentence", 0, 0, 3, ""), SegmentIn(doc, "sentence", 1, 4, 6, "")])
        note = st.add_document(DocumentIn("anteckning", "note", "en anteckning", {"f": "A"}), "note")
        st.add_segments([SegmentIn(note, "paragraph", 0, 0, 3, "")])
    yield project
    project.close()


def _reader_page(st, key, descending, ids=None):
    """Every segment id (or `ids`) in the reader's order of `key`, computed here from each document's
    stored value: values by ordering.sort_key (a number before a text that reads the same, equal
    numbers one value), reversed descending, ties in document order; an empty value (JSON null,
    then "" and "(saknas)") after them and a missing field last, either way."""
    where, params = st._doc_filters(kind="survey")
    segs = {r[0]: (r[1], r[2], r[3]) for r in st._x(
        f"SELECT s.id, s.document_id, s.unit, s.idx FROM segments s JOIN documents d ON d.id = s.document_id {where}", params)}
    vals = {r[0]: r[1] for r in st._x("SELECT document_id, value FROM document_meta WHERE key = ?", [key])}
    ids = sorted(segs if ids is None else ids, key=lambda i: segs[i])

    def value_key(i):
        v = vals[segs[i][0]]
        k = sort_key(key, v)
        number = isinstance(v, (int, float)) and not isinstance(v, bool)
        return (k[0], k[1], not number, "" if number else k[2])

    present = [i for i in ids if segs[i][0] in vals and sort_key(key, vals[segs[i][0]])[0] != 9]
    empty = [i for i in ids if segs[i][0] in vals and sort_key(key, vals[segs[i][0]])[0] == 9]
    lacking = [i for i in ids if segs[i][0] not in vals]
    empty.sort(key=lambda i: (vals[segs[i][0]] is not None, str(vals[segs[i][0]])))
    return sorted(present, key=value_key, reverse=descending) + empty + lacking


def _pages_are(st, key, whole_of):
    n = len(whole_of(False))
    assert n > 100
    for descending in (False, True):
        whole = whole_of(descending)
        assert _page(st, key, descending, 0, n + 5) == whole
        for offset, limit in ((0, 7), (3, 20), (20, 50), (n - 10, 30), (n + 3, 10), (47, 1)):
            assert _page(st, key, descending, offset, limit) == whole[offset:offset + limit], (descending, offset)
        total, _segs = st.page_segments(kind="survey", sort_meta=key, descending=descending, limit=1)
        assert total == n
    assert st.page_segments(kind="survey", limit=1)[0] == n  # the unsorted grid counts as the sorted one
    assert st.page_segments(limit=1)[0] == n + 1  # and without a kind (the note)


def _same_as_before(st, key="f"):
    """In the reader's order; and, for a field with more values than _SORT_VALUES, as the JSON sort gave."""
    _pages_are(st, key, lambda descending: _reader_page(st, key, descending))
    cls = type(st)
    few, cls._SORT_VALUES = cls._SORT_VALUES, 0
    try:
        _pages_are(st, key, lambda descending: _old_page(st, key, descending, 0, 10_000))
    finally:
        cls._SORT_VALUES = few


def test_sorted_pages_are_in_the_readers_order_or_the_json_sort_of_before(answers):
    st = answers.store
    _same_as_before(st)
    _same_as_before(st, "g")
    _same_as_before(st, "saknas")  # no answer has it: document order


def test_sorted_pages_follow_every_change_of_the_metadata(answers):
    """document_meta follows edits, deletes, a discarded import and a finished one (the triggers)."""
    st = answers.store
    docs = [d for d in st.iter_documents(kind="survey")]
    with st.transaction():
        st.update_document(docs[0].id, meta={"f": "Aa"})
        st.update_document(docs[1].id, meta={})
        st.update_document(docs[2].id, meta={"f": None, "g": "c"})
        st.update_document(docs[3].id, name="nytt namn")  # metadata unchanged
        st.delete_document(docs[4].id)
    _same_as_before(st)
    (running,) = [i for i, in st._x("SELECT id FROM imports WHERE status = 'running'")]
    st.discard_import(running)
    _same_as_before(st)
    n = st.count_documents()
    assert st._count("SELECT COUNT(DISTINCT document_id) FROM document_meta") <= n
    assert st._count("SELECT COUNT(*) FROM document_meta m WHERE m.document_id NOT IN (SELECT id FROM documents)") == 0


def test_descending_pages_past_many_values_are_as_before(answers, monkeypatch):
    """Descending, SQLite walks a value at a time, then the rest in one query (here after 3 values)."""
    monkeypatch.setattr(type(answers.store), "_DOWN_VALUES", 3)
    _same_as_before(answers.store)
    monkeypatch.setattr(type(answers.store), "_DOWN_VALUES", 1)
    _same_as_before(answers.store)


def _old_filtered_page(st, key, descending, meta):
    """Ids of every segment matching `meta` (the JSON filter of before) in the old query's order."""
    where, params = st._doc_filters(kind="survey")
    for field, value in meta.items():
        where += f" AND {_OLD_FILTER['postgresql' if st.pg else 'sqlite']}"
        params += [field if st.pg else '$."' + field + '"', value]
    order = _OLD_ORDER["postgresql" if st.pg else "sqlite"].format(
        dir="DESC" if descending else "ASC", nulls="NULLS LAST" if descending else "NULLS FIRST")
    bind = key if st.pg else '$."' + key.replace('"', '\\"') + '"'
    sql = (f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id {where} "
           f"ORDER BY {order}, s.document_id, s.unit, s.idx")
    return [r[0] for r in st._x(sql, [*params, bind])]


@pytest.mark.parametrize("down, few", [(64, 300), (2, 0), (64, 0), (64, 3)])
def test_filtered_and_sorted_pages_are_as_before(answers, monkeypatch, down, few):
    """A filter on one field with a sort counts from the indexes (those lacking the sort field
    included) and pages in the reader's order, or as the JSON filter and sort did for a field
    with more values than _SORT_VALUES; also a decimal's filter (the JSON's)."""
    monkeypatch.setattr(type(answers.store), "_DOWN_VALUES", down)
    monkeypatch.setattr(type(answers.store), "_SORT_VALUES", few)
    st = answers.store
    docs = [d for d in st.iter_documents(kind="survey")]
    with st.transaction():  # answers with g but no f, and f but no g
        st.update_document(docs[0].id, meta={"g": "a"})
        st.update_document(docs[1].id, meta={"f": "Bromma"})
    for key, meta in (("f", {"g": "a"}), ("g", {"f": "Bromma"}), ("f", {"f": "10"}), ("g", {"f": "2.5"}),
                      ("saknas", {"g": "b"}), ("f", {"g": "saknas"})):
        for descending in (False, True):
            whole = _old_filtered_page(st, key, descending, meta)
            if st.meta_values(key, few) is not None:
                whole = _reader_page(st, key, descending, whole)
            for offset, limit in ((0, 10_000), (0, 3), (5, 7), (len(whole) - 2, 5)):
                total, page = st.page_segments(kind="survey", meta=meta, sort_meta=key, descending=descending,
                                               offset=max(offset, 0), limit=limit)
                assert ([s.id for s in page], total) == (whole[max(offset, 0):max(offset, 0) + limit], len(whole)), \
                    (key, meta, descending, offset)
    assert len(_old_filtered_page(st, "f", False, {"g": "a"})) > 20


def _grid_values(project, key, **kw):
    return [r.segment.meta.get(key) for r in survey_grid(project, sort=key, **kw).rows]


def test_swedish_letters_and_terms_sort_as_a_reader_expects(tmp_path, project_db, monkeypatch):
    """Å Ä Ö after Z, case aside, numbers first and in value order, terms in time order, an empty
    value and a missing field last both ways; a field with more values than _SORT_VALUES keeps
    code-point order (Ä before Å) on SQLite and on a PostgreSQL database in the C collation."""
    project = make_project(tmp_path, db=project_db)
    st = project.store
    values = ["Östermalm", "Årsta", "bromma", "Älvsjö", "Bromma", 3, "Zeta", None, "", "Grupp 10", "Grupp 2", 25]
    terms = ["HT2017", "VT2016", "ht 2016", "VT2017"]
    with st.transaction():
        for n, v in enumerate(values):
            meta = {"termin": terms[n % 4]} if n < 4 else {}
            doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar {n}", meta if v is None else {"stadsdel": v, **meta}), f"h{n}")
            st.add_segments([SegmentIn(doc, "response", 0, 0, 4, "")])
    text = ["Bromma", "bromma", "Grupp 2", "Grupp 10", "Zeta", "Årsta", "Älvsjö", "Östermalm"]
    assert _grid_values(project, "stadsdel") == [3, 25, *text, "", None]
    assert _grid_values(project, "stadsdel", descending=True) == [*text[::-1], 25, 3, "", None]
    assert _grid_values(project, "termin")[:4] == ["VT2016", "ht 2016", "VT2017", "HT2017"]
    assert _grid_values(project, "termin", descending=True)[:4] == ["HT2017", "VT2017", "ht 2016", "VT2016"]
    pages = [v for p in (1, 2, 3) for v in _grid_values(project, "stadsdel", page=p, per_page=4)]
    assert pages == [3, 25, *text, "", None]

    def filtered(value):
        return [r.segment.meta["stadsdel"] for r in survey_grid(project, meta={"stadsdel": value}).rows]

    assert filtered("ÅRSTA") == ["Årsta"] and filtered(" östermalm") == ["Östermalm"]  # case aside: the stored spelling
    assert filtered("bromma") == ["bromma"] and filtered("BROMMA") == []  # two stored values read so: as typed
    assert filtered("25") == [25]

    monkeypatch.setattr(type(st), "_SORT_VALUES", 5)  # more values than that: the index's order
    got = _grid_values(project, "stadsdel")
    code_points = ["", "Bromma", "Grupp 10", "Grupp 2", "Zeta", "bromma", "Älvsjö", "Årsta", "Östermalm"]
    assert got == ([None, *code_points, 3, 25] if st.pg else [None, 3, 25, *code_points])
    assert _grid_values(project, "stadsdel", descending=True) == got[::-1]
    project.close()


def test_a_database_in_swedish_collation_keeps_its_order(tmp_path):
    """PostgreSQL compares jsonb strings by the database's collation: in sv-SE Å before Ä, as before
    for a field with many values; one with few is in the reader's order there too."""
    from conftest import pg_database

    with pg_database("qc_test_sv", "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'sv-SE' LOCALE 'C.UTF-8'") as url:
        project = make_project(tmp_path, db=url)
        st = project.store
        with st.transaction():
            for n, v in enumerate(["Östermalm", "Årsta", "bromma", "Älvsjö", "Bromma", "Zeta"]):
                doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar {n}", {"stadsdel": v}), f"h{n}")
                st.add_segments([SegmentIn(doc, "response", 0, 0, 4, "")])
        got = [r.segment.meta["stadsdel"] for r in survey_grid(project, sort="stadsdel").rows]
        assert got == ["Bromma", "bromma", "Zeta", "Årsta", "Älvsjö", "Östermalm"]
        type(st)._SORT_VALUES, few = 2, type(st)._SORT_VALUES
        try:
            got = [r.segment.meta["stadsdel"] for r in survey_grid(project, sort="stadsdel").rows]
        finally:
            type(st)._SORT_VALUES = few
        assert got == ["bromma", "Bromma", "Zeta", "Årsta", "Älvsjö", "Östermalm"]
        assert got == [st.get_segment(i).meta["stadsdel"] for i in _old_page(st, "stadsdel", False, 0, 10)]
        project.close()


def test_the_sort_walks_the_index(answers):
    """SQLite reads the page from document_meta's index in order: no sort of every answer."""
    st = answers.store
    if st.pg:
        pytest.skip("SQLite's query plan")
    plans = []
    original = st._x

    def spy(sql, params=()):
        if sql.startswith("SELECT s.id FROM document_meta m"):
            plans.append(" | ".join(r[3] for r in original("EXPLAIN QUERY PLAN " + sql, params)))
        return original(sql, params)

    st._x = spy  # type: ignore[method-assign]
    _page(st, "f", False, 80, 10)  # past the answers without the field
    asc = plans.pop()
    _page(st, "f", True, 20, 10)  # descending: a value at a time, each in index order
    st._x = original  # type: ignore[method-assign]
    print(asc, *plans, sep="\n")
    assert "document_meta_sort" in asc and "TEMP B-TREE" not in asc, asc  # not even per document
    assert plans and all("document_meta_sort" in p and "TEMP B-TREE" not in p for p in plans), plans


def _meta_rows(st):
    return sorted((r[0], r[1], json_value(r[2])) for r in st._x("SELECT document_id, key, value FROM document_meta"))


def json_value(v):
    import json

    return v if not isinstance(v, str) or v[:1] not in "[{" else json.loads(v)


def _expected_rows(st):
    """document_meta as each document's metadata gives it (a JSON null is a row only in jsonb)."""
    return sorted((d.id, k, v) for d in st.iter_documents() for k, v in d.meta.items() if v is not None or st.pg)


def test_import_edit_and_copy_keep_document_meta(tmp_path, project_db):
    """A survey import (batches), a note, a metadata edit and `db copy` leave document_meta as the
    documents' metadata says."""
    from qualcode.ingest.service import import_notes, import_survey
    from qualcode.store.copy import copy_database
    from qualcode.store.engine import sqlite_url, to_url

    csv = tmp_path / "enkat.csv"
    csv.write_text("id;stadsdel;år;kommentar\n" + "".join(f"r{n};{'Årsta' if n % 3 else 'Bromma'};{2020 + n % 2};svar {n} om något\n"
                                                         for n in range(40)), encoding="utf-8")
    note = tmp_path / "intervju.md"
    note.write_text("En anteckning.\n\nTvå stycken.\n", encoding="utf-8")
    project = make_project(tmp_path, db=project_db)
    import_survey(project, csv, ["kommentar"], "id")
    import_notes(project, [note])
    st = project.store
    rows = _meta_rows(st)
    assert rows == _expected_rows(st) and len(rows) > 40 * 3
    doc = next(st.iter_documents(kind="survey"))
    with st.transaction():
        st.update_document(doc.id, meta={**doc.meta, "stadsdel": "Älvsjö", "ny": None})
    assert _meta_rows(st) == _expected_rows(st)
    before = _page(st, "stadsdel", False, 0, 100)
    target = tmp_path / "kopia.db"
    from qualcode.store.database import Store

    Store.open(target, create=True).close()
    source = sqlite_url(st.path) if st.path else to_url(project_db)
    project.close()
    copy_database(source, sqlite_url(target))
    with Store.open(target) as copy:
        assert _meta_rows(copy) == _expected_rows(copy)
        assert _page(copy, "stadsdel", False, 0, 100) == before


def test_a_project_at_0014_gets_document_meta(db_target, monkeypatch):
    """Migration 0015: document_meta filled for the documents stored before it, and kept after."""
    import qualcode.store.database as database
    from qualcode.store.engine import get_engine

    with get_engine(db_target).connect() as conn:  # the revisions up to 0014, as a project made before 0015
        migrate(conn, "0014")
    values = ["Östermalm", "Årsta", None, "Älvsjö", 3, "Bromma", True]
    with monkeypatch.context() as m:
        m.setattr(database, "HEAD", "0014")  # this store writes to it as the code of 0014 did
        m.setattr(database.Store, "_fill_document_meta", lambda self, first, last: None)
        st = database.Store.open(db_target)
        assert st.schema_revision() == "0014"
        with st.transaction():
            for n, v in enumerate(values):
                meta = {"n": n} if v is None else {"stadsdel": v, "n": n}
                doc = st.add_document(DocumentIn(f"svar-{n}", "survey", f"svar {n}", meta), f"h{n}")
                st.add_segments([SegmentIn(doc, "response", 0, 0, 4, "")])
        st.close()
    st = database.Store.open(db_target)
    assert st.schema_revision() == database.HEAD == "0017"
    assert _meta_rows(st) == _expected_rows(st) and len(_meta_rows(st)) == 13
    assert {d: _page(st, "stadsdel", d, 0, 10) for d in (False, True)} == {d: _reader_page(st, "stadsdel", d) for d in (False, True)}
    shown = [st.get_segment(i).meta.get("stadsdel") for i in _page(st, "stadsdel", False, 0, 10)]
    assert [v for v in shown if isinstance(v, str)] == ["Bromma", "Årsta", "Älvsjö", "Östermalm"] and shown[-1] is None
    with st.transaction():  # the triggers came with it
        doc = st.add_document(DocumentIn("ny", "survey", "ny text", {"stadsdel": "Aspudden"}), "h-ny")
        st.update_document(1, meta={"stadsdel": "Zinkensdamm"})
        st.delete_document(2)
    assert _meta_rows(st) == _expected_rows(st)
    st.close()


# What a metadata filter was before document_meta served it (main 7e621a1): every answer's JSON value, as text.
_OLD_FILTER = {"sqlite": "CAST(json_extract(d.meta, ?) AS TEXT) = ?", "postgresql": "(d.meta::json ->> ?) = ?"}
PROBES = sorted({str(v) for v in VALUES} | {"1", "0", "2.5", "10", "9", "-1", "[\"a\", 1]", "1.0", "010", "a", "b",
                                             "True", "true", "saknas", "1e3", "Inf", "100000000000000000000", "1.0e+20", "A"})


def _same_filtered_as_before(st):
    for key in ("f", "g"):
        for value in PROBES:
            bind = key if st.pg else '$."' + key + '"'
            where, params = st._doc_filters(kind="survey")
            want = [r[0] for r in st._x(
                f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id {where} AND "
                f"{_OLD_FILTER['postgresql' if st.pg else 'sqlite']} ORDER BY s.document_id, s.unit, s.idx",
                [*params, bind, value])]
            total, page = st.page_segments(kind="survey", meta={key: value}, limit=10_000)
            assert ([s.id for s in page], total) == (want, len(want)), (key, value)
    assert st.page_segments(kind="survey", meta={"f": "Bromma"})[0] > 3  # the probes do find answers


def test_a_metadata_filter_finds_what_the_json_filter_found(answers):
    """Every kind of value (text, integers, decimals, true/false, lists, missing) is found as the
    filter on each answer's JSON found it, also after the metadata changed."""
    st = answers.store
    _same_filtered_as_before(st)
    docs = [d for d in st.iter_documents(kind="survey")]
    with st.transaction():
        st.update_document(docs[0].id, meta={"f": "Bromma"})
        st.update_document(docs[1].id, meta={})
        st.delete_document(docs[2].id)
    _same_filtered_as_before(st)


def test_a_metadata_filter_seeks_the_index(answers):
    """On SQLite a filter on a text or integer value reads document_meta's index, not every answer's JSON."""
    st = answers.store
    if st.pg:
        pytest.skip("SQLite's query plan")
    where, params = st._doc_filters(kind="survey", meta={"f": "Bromma"})
    plan = " | ".join(r[3] for r in st._x(f"EXPLAIN QUERY PLAN SELECT d.id FROM documents d {where}", params))
    assert "document_meta_sort" in plan and "json" not in where, plan
