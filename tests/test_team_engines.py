"""The team services on both engines: accounts and sessions, the change feed, and two coders at once.

Each test runs on SQLite and on PostgreSQL (`db_target`); two coders are two connections (two
Projects on the same database) released together.
"""

from __future__ import annotations

import threading

from web_helpers import PARAS, PASSWORD, TEXT, _paragraphs

from qualcode.coding import accounts
from qualcode.coding.service import add_span
from qualcode.coding.workspace import document_changes
from qualcode.core.codebook import load_codebook
from qualcode.core.records import DocumentIn, SegmentIn
from qualcode.project import DEFAULT_CONFIG, Project
from qualcode.store.database import Store


def _open(target, tmp_path, create: bool = False) -> Project:
    store = Store.open(target, create=create)
    return Project(root=tmp_path, config={**DEFAULT_CONFIG, "coder": "anna"}, store=store)


def _project(target, tmp_path) -> tuple[Project, int, list[tuple[int, int]]]:
    proj = _open(target, tmp_path, create=True)
    st = proj.store
    st.save_codebook(load_codebook(None))
    spans = _paragraphs(TEXT, PARAS)
    with st.transaction():
        doc = st.add_document(DocumentIn("intervju-1", "note", TEXT, {}), "h1")
        st.add_segments(SegmentIn(doc, "paragraph", i, a, b, "") for i, (a, b) in enumerate(spans))
    return proj, doc, spans


def test_accounts_sessions_and_the_change_feed_on_both_engines(db_target, tmp_path):
    proj, doc, spans = _project(db_target, tmp_path)
    with proj:
        accounts.add_account(proj, "Åsa", "admin", PASSWORD, actor="test")
        accounts.add_account(proj, "bo", "coder", PASSWORD, actor="test")
        assert [(a.name, a.role, a.disabled) for a in accounts.list_accounts(proj)] == [
            ("bo", "coder", False), ("Åsa", "admin", False)]
        token, session = accounts.sign_in(proj, "bo", PASSWORD, "10.0.0.1", accounts.LoginGuard())
        account, again = accounts.open_session(proj, token)
        assert (account.name, again.token_hash, again.csrf) == ("bo", session.token_hash, session.csrf)
        accounts.set_role(proj, "bo", "reader", actor="Åsa")
        assert proj.store.row_counts()["web_sessions"] == 0
        since = document_changes(proj, doc, 0).latest
        add_span(proj, doc, *spans[1], ["T-LON"], "bo")
        changes = document_changes(proj, doc, since)
        assert changes.actors == ("bo",) and changes.latest > since
        assert document_changes(proj, doc + 1, since).actors == ()
        accounts.remove_account(proj, "bo", actor="Åsa")
        assert [a.name for a in accounts.list_accounts(proj)] == ["Åsa"]


def test_two_coders_code_one_passage_at_the_same_moment_on_both_engines(db_target, tmp_path):
    proj, doc, spans = _project(db_target, tmp_path)
    proj.close()
    coders = ["anna", "bo", "bo"]  # two coders, and bo twice (two browsers)
    barrier = threading.Barrier(len(coders))
    errors: list[BaseException] = []

    def code(who: str) -> None:
        with _open(db_target, tmp_path) as p:
            for a, b in spans:
                barrier.wait(30)
                try:
                    add_span(p, doc, a, b, ["P13"], who)
                except BaseException as exc:  # the test shows it
                    errors.append(exc)

    threads = [threading.Thread(target=code, args=(w,)) for w in coders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with _open(db_target, tmp_path) as p:
        stored = sorted((c.coder, c.start, c.end) for c in p.store.document_codings(doc) if c.code_id == "P13")
        adds = [e for e in p.store.iter_audit() if e.action == "add"]
    assert stored == sorted((who, a, b) for who in ("anna", "bo") for a, b in spans)
    assert len(adds) == len(coders) * len(spans)  # one entry per request, none lost
    assert sorted(e.detail["was"] or "" for e in adds if e.actor == "bo") == [""] * len(spans) + ["manual"] * len(spans)


def test_coding_goes_on_during_an_import_and_a_retrain_on_both_engines(db_target, tmp_path):
    from qualcode.ingest.service import import_notes
    from qualcode.suggest.service import retrain_project

    proj, doc, spans = _project(db_target, tmp_path)
    with proj:
        for (a, b), code in zip(spans, ("P13", "T-LON", "P13", "T-LON")):
            add_span(proj, doc, a, b, [code], "anna")  # something to learn from
    files = []
    for n in range(4):
        path = tmp_path / f"intervju-{n + 2}.txt"
        path.write_text("\n\n".join(f"Stycke {k} i intervju {n + 2} om lokaler och lön." for k in range(30)),
                        encoding="utf-8")
        files.append(path)
    barrier = threading.Barrier(3)
    out: dict[str, object] = {}

    def run(key: str, job) -> None:  # type: ignore[no-untyped-def]
        with _open(db_target, tmp_path) as p:
            barrier.wait(30)
            try:
                out[key] = job(p)
            except BaseException as exc:  # the test shows it
                out[key] = exc

    def code(p: Project) -> int:
        for a, b in spans:
            add_span(p, doc, a, b, ["T-PERS"], "bo")
        return len(spans)

    jobs = {"import": lambda p: import_notes(p, files), "retrain": retrain_project, "code": code}
    threads = [threading.Thread(target=run, args=(k, j)) for k, j in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not [v for v in out.values() if isinstance(v, BaseException)], out
    assert out["import"].documents == 4 and out["import"].segments == 120  # type: ignore[attr-defined]
    with _open(db_target, tmp_path) as p:
        mine = sorted((c.start, c.end) for c in p.store.document_codings(doc) if c.coder == "bo")
        assert mine == sorted(spans)
        assert p.store.row_counts()["models"] == 1
        assert p.store.count_documents(kind="note") == 5
        assert sum(1 for e in p.store.iter_audit() if e.action == "add" and e.actor == "bo") == len(spans)
