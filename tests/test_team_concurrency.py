"""Several coders at once against one `serve --team` app: nothing saved is lost or duplicated.

Threads post at the same moment (a barrier) through the whole stack: gate, session look-up,
route, service, store. Each write either finishes or answers with one line; afterwards every
coding that was answered 200 is in the project exactly once and the audit log has one entry each.
"""

from __future__ import annotations

import threading
from collections import Counter

from web_helpers import PARAS, TEXT, add_accounts, build, team_app, team_client

from qualcode.core.records import MODEL_CODER
from qualcode.project import find_project


def _project(tmp_path):
    proj, ids = build(tmp_path / "p")
    proj.close()
    add_accounts(tmp_path / "p", {"anna": "admin", "bo": "coder", "cecilia": "coder"})
    return tmp_path / "p", ids


def _span(i: int) -> tuple[int, int]:
    start = TEXT.index(PARAS[i])
    return start, start + len(PARAS[i])


def _at_once(*jobs):  # type: ignore[no-untyped-def]
    """Run the jobs in threads released together; their results in order (an exception is a result)."""
    barrier = threading.Barrier(len(jobs))
    out: list[object] = [None] * len(jobs)

    def run(i, job):  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            out[i] = job()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def _post_code(client, csrf, doc, span, code):  # type: ignore[no-untyped-def]
    return lambda: client.post(f"/documents/{doc}/codings?doc={doc}", data={"start": span[0], "end": span[1], "code": code},
                               headers={"X-CSRF-Token": csrf, "HX-Request": "true"})


def _manual(root, code: str | None = None) -> Counter:
    with find_project(root) as p:
        return Counter((c.document_id, c.start, c.end, c.code_id, c.coder)
                       for c, _ in p.store.iter_codings(sources=("manual",)) if code in (None, c.code_id))


def _adds(root) -> Counter:
    with find_project(root) as p:
        return Counter((e.actor, e.code_id, e.segment_id) for e in p.store.iter_audit() if e.action == "add")


def test_two_coders_code_the_same_passage_at_the_same_moment(tmp_path):
    root, ids = _project(tmp_path)
    app = team_app(root)
    bo, bo_csrf = team_client(app, "bo")
    ce, ce_csrf = team_client(app, "cecilia")
    doc = ids["doc"]
    for i in range(len(PARAS)):
        results = _at_once(_post_code(bo, bo_csrf, doc, _span(i), "T-PERS"), _post_code(ce, ce_csrf, doc, _span(i), "T-PERS"))
        assert [r.status_code for r in results] == [200, 200], [getattr(r, "text", r) for r in results]
    made = _manual(root, "T-PERS")
    assert made == Counter({(doc, *_span(i), "T-PERS", who): 1 for i in range(len(PARAS)) for who in ("bo", "cecilia")})
    adds = _adds(root)
    assert sum(n for (who, code, _), n in adds.items() if code == "T-PERS") == 2 * len(PARAS)
    assert all(n == 1 for n in adds.values())


def test_one_coder_in_two_browsers_sending_the_same_coding_stores_it_once(tmp_path):
    root, ids = _project(tmp_path)
    app = team_app(root)
    one, csrf1 = team_client(app, "bo")
    two, csrf2 = team_client(app, "bo")
    doc = ids["doc"]
    results = _at_once(_post_code(one, csrf1, doc, _span(0), "T-PERS"), _post_code(two, csrf2, doc, _span(0), "T-PERS"))
    assert [r.status_code for r in results] == [200, 200]
    assert _manual(root, "T-PERS") == Counter({(doc, *_span(0), "T-PERS", "bo"): 1})
    with find_project(root) as p:
        adds = [e for e in p.store.iter_audit() if e.action == "add" and e.code_id == "T-PERS"]
    # one entry per request, each naming her; the later one records that the coding was already there
    assert [e.actor for e in adds] == ["bo", "bo"]
    assert [e.detail["was"] for e in reversed(adds)] == [None, "manual"]


def test_coding_goes_on_while_the_model_retrains(tmp_path):
    from qualcode.coding.retrain import Retrainer, default_trainer

    root, ids = _project(tmp_path)
    app = team_app(root)
    bo, csrf = team_client(app, "bo")
    doc = ids["doc"]
    for i, code in ((0, "P13"), (1, "T-LON"), (3, "P02")):  # something to learn from
        assert _post_code(bo, csrf, doc, _span(i), code)().status_code == 200
    retrainer = Retrainer(root, default_trainer(), every=1)
    assert retrainer.maybe_start(1)
    answered = []
    for n, seg in enumerate(ids[f"s{k}"] for k in range(4)):
        r = bo.post("/grid/toggle", data={"segment": seg, "code": "T-PERS"}, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert r.status_code in (200, 422), r.text
        if r.status_code == 200:
            answered.append(seg)
    retrainer.join(180)
    assert not retrainer.busy and retrainer.error is None, retrainer.error
    with find_project(root) as p:
        coded = [c.segment_id for c, _ in p.store.iter_codings(coder=["bo"], sources=("manual",)) if c.code_id == "T-PERS"]
        assert sorted(coded) == sorted(answered) and len(answered) == 4
        assert len([c for c, _ in p.store.iter_codings(coder=["bo"], sources=("manual",))]) == 1 + 3 + 4  # bo's P02 from the fixture
        assert p.store.row_counts()["models"] == 1
        suggested = [c for c, _ in p.store.iter_codings(coder=[MODEL_CODER], sources=("suggested",))]
        assert len({(c.segment_id, c.code_id) for c in suggested}) == len(suggested)  # none twice


def test_coding_goes_on_while_an_import_runs(tmp_path):

    from qualcode.ingest.service import import_notes

    root, ids = _project(tmp_path)
    app = team_app(root)
    bo, csrf = team_client(app, "bo")
    files = []
    for n in range(6):
        path = tmp_path / f"intervju-{n + 2}.txt"
        path.write_text("\n\n".join(f"Stycke {k} i intervju {n + 2} om lokaler och lön." for k in range(40)), encoding="utf-8")
        files.append(path)

    def run_import():  # type: ignore[no-untyped-def]
        with find_project(root) as p:
            return import_notes(p, files)

    def code_all():  # type: ignore[no-untyped-def]
        out = []
        for i in range(len(PARAS)):
            out.append(_post_code(bo, csrf, ids["doc"], _span(i), "T-PERS")().status_code)
        return out

    result, statuses = _at_once(run_import, code_all)
    assert not isinstance(result, Exception), result
    assert result.documents == 6 and result.segments == 240
    assert statuses == [200] * len(PARAS)
    assert _manual(root, "T-PERS") == Counter({(ids["doc"], *_span(i), "T-PERS", "bo"): 1 for i in range(len(PARAS))})
    with find_project(root) as p:
        assert p.store.count_documents(kind="note") == 7
        assert sum(1 for e in p.store.iter_audit() if e.action == "add" and e.code_id == "T-PERS") == len(PARAS)
