"""A small project for the workspace tests: two interview notes and survey answers, built through the store."""

from __future__ import annotations

import warnings
from pathlib import Path

from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn
from qualcode.project import Project, init_project
from qualcode.suggest.search import phrase_lemmas

PARAS = [
    "Vi har fått nya lokaler. Det finns tysta rum för samtal.",
    "Lönen har inte följt med. Många slutar därför.",
    "Introduktionen av nyanställda fungerar bra med mentor.",
    "Handläggarna får hjälp av administratörer med posten.",
]
TEXT = "\n\n".join(PARAS)
ANSWERS = [
    ("r1", "Bromma", "<script>alert('x')</script> för hög arbetsbelastning"),
    ("r2", "Farsta", "Bättre lokaler och eget rum"),
    ("r3", "Bromma", "Högre lön, tack"),
    ("r4", "Farsta", "fika"),  # the mention mapper cannot place it: an answer to settle
]


def _lemmas(text: str) -> str:
    return " ".join(phrase_lemmas(text))


def _paragraphs(text: str, paras: list[str]) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for p in paras:
        start = text.index(p, pos)
        spans.append((start, start + len(p)))
        pos = start + len(p)
    return spans


def build(root: Path) -> tuple[Project, dict[str, int]]:
    """Note 'intervju-1' (4 paragraphs, a manual P02 by bo, suggestions), and three survey answers."""
    proj = init_project(root, name="webb", coder="anna")
    st = proj.store
    ids: dict[str, int] = {}
    with st.transaction():
        d = st.add_document(DocumentIn("intervju-1", "note", TEXT, {"stadsdel": "Farsta", "termin": "HT2016"}), "h1")
        ids["doc"] = d
        st.add_segments(SegmentIn(d, "paragraph", i, a, b, _lemmas(TEXT[a:b]))
                        for i, (a, b) in enumerate(_paragraphs(TEXT, PARAS)))
        segs = [s.id for s in st.iter_segments(document=d)]
        ids.update({f"p{i}": s for i, s in enumerate(segs)})
        ids["sug_p13"] = st.upsert_coding(segs[0], "P13", MODEL_CODER, "suggested", score=0.9, model_version="m1",
                                          reason="nyckelord: lokal")
        ids["sug_lon"] = st.upsert_coding(segs[1], "T-LON", MODEL_CODER, "suggested", score=0.55, model_version="m1",
                                          reason="nyckelord: lön")
        ids["bo_p02"] = st.upsert_coding(segs[2], "P02", "bo", "manual")
        for n, (resp, district, answer) in enumerate(ANSWERS):
            doc = st.add_document(DocumentIn(f"enkat#{resp}", "survey", answer,
                                             {"respondent": resp, "field": "motivering", "stadsdel": district}), f"s{n}")
            st.add_segments([SegmentIn(doc, "response", 0, 0, len(answer), _lemmas(answer))])
            ids[f"a{n}"] = doc
            ids[f"s{n}"] = next(iter(st.iter_segments(document=doc))).id
    return proj, ids


def client(root: Path, token: str = "hemligt"):  # type: ignore[no-untyped-def]
    """A test client that has opened the workspace with the token; returns (client, app, csrf)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from qualcode.web.app import create_app

    app = create_app(root, token)
    c = TestClient(app)
    r = c.get(f"/?token={token}")
    assert r.status_code == 200
    (session,) = app.state.sessions.values()
    return c, app, session.csrf


PASSWORD = "rätt-lösen-123"


def add_accounts(root: Path, roles: dict[str, str], password: str = PASSWORD) -> None:
    """Accounts through the service (argon2 hashes), e.g. {"anna": "admin", "bo": "coder"}."""
    from qualcode.coding.accounts import add_account
    from qualcode.project import find_project

    with find_project(root) as p:
        for name, role in roles.items():
            add_account(p, name, role, password, actor="test")


def team_app(root: Path, **settings):  # type: ignore[no-untyped-def]
    from qualcode.web.app import TeamSettings, create_app

    return create_app(root, team=TeamSettings(**settings), retrain_every=0)


def login_form(c) -> str:  # type: ignore[no-untyped-def]
    """Open the sign-in page; the form's CSRF value."""
    import re

    r = c.get("/login")
    assert r.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]


def sign_in(c, name: str, password: str = PASSWORD, **kw):  # type: ignore[no-untyped-def]
    token = login_form(c)
    return c.post("/login", data={"csrf": token, "name": name, "password": password}, follow_redirects=False, **kw)


def team_client(app, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """A test client signed in as `name`; returns (client, csrf of its session)."""
    import re
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    c = TestClient(app)
    r = sign_in(c, name, password)
    assert r.status_code == 303, r.text
    page = c.get("/")
    assert page.status_code == 200
    csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return c, csrf
