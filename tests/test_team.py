"""Team projects: accounts, sign-in, sessions, roles, blind coders and live changes (`serve --team`)."""

from __future__ import annotations

import re
import sqlite3
import warnings

import pytest
from web_helpers import PARAS, PASSWORD, TEXT, add_accounts, build, sign_in, team_app, team_client

from qualcode.coding import accounts
from qualcode.core.errors import AccessError, InputError, NotFoundError, ProjectError
from qualcode.core.records import MODEL_CODER
from qualcode.project import find_project

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROLES = {"anna": "admin", "bo": "coder", "cecilia": "coder", "dora": "reader"}


@pytest.fixture
def team(tmp_path):
    proj, ids = build(tmp_path / "p")
    proj.close()
    add_accounts(tmp_path / "p", ROLES)
    return tmp_path / "p", ids


def audit(root) -> list:
    with find_project(root) as p:
        return list(p.store.iter_audit())


def codings(root, segment: int) -> set[tuple[str, str, str]]:
    with find_project(root) as p:
        return {(c.code_id, c.coder, c.source) for c in p.store.codings_for_segment(segment)}


def hx(csrf: str) -> dict[str, str]:
    return {"X-CSRF-Token": csrf, "HX-Request": "true"}


# -- accounts (service and store) ----------------------------------------------------------


def test_accounts_keep_only_argon2_hashes_in_swedish_order(tmp_path):
    proj, _ = build(tmp_path / "p")
    with proj:
        for name in ("Örjan", "zelda", "Åsa", "anna", "Ärla"):
            accounts.add_account(proj, name, "coder", PASSWORD)
        assert [a.name for a in accounts.list_accounts(proj)] == ["anna", "zelda", "Åsa", "Ärla", "Örjan"]
        a = accounts.list_accounts(proj)[0]
        assert a.role == "coder" and not a.disabled and a.password_hash.startswith("$argon2id$")
        assert PASSWORD not in repr(a)
        assert [e.action for e in proj.store.iter_audit(limit=1)] == ["account-add"]
    raw = sqlite3.connect(tmp_path / "p" / "qualcode.db").execute("SELECT password_hash FROM accounts").fetchall()
    assert all(PASSWORD not in h for (h,) in raw)


@pytest.mark.parametrize("name, role, password, error", [
    ("bo bo", "coder", PASSWORD, "ogiltigt kontonamn 'bo bo'"),
    (MODEL_CODER, "coder", PASSWORD, "'qualcode' är modellens namn"),
    ("bo", "chef", PASSWORD, "okänd roll 'chef' — giltiga roller: admin, coder, reader"),
    ("bo", "coder", "kort", "lösenordet är för kort (4 tecken) — välj minst 8 tecken"),
    ("anna", "coder", PASSWORD, "kontot 'anna' finns redan"),
])
def test_a_bad_account_is_refused_and_nothing_changes(team, name, role, password, error):
    root, _ = team
    before = audit(root)
    with find_project(root) as p, pytest.raises(InputError) as exc:
        accounts.add_account(p, name, role, password)
    assert str(exc.value).startswith(error)
    assert audit(root) == before
    with find_project(root) as p:
        assert [a.name for a in accounts.list_accounts(p)] == ["anna", "bo", "cecilia", "dora"]


def test_the_last_admin_stays_and_role_or_password_changes_end_sessions(team):
    root, _ = team
    with find_project(root) as p:
        with pytest.raises(InputError, match="projektets enda administratör"):
            accounts.remove_account(p, "anna")
        with pytest.raises(InputError, match="projektets enda administratör"):
            accounts.set_role(p, "anna", "coder")
        with pytest.raises(NotFoundError, match="inget konto heter 'eva' — konton: anna, bo, cecilia, dora"):
            accounts.set_role(p, "eva", "coder")
        token, _ = accounts.sign_in(p, "bo", PASSWORD, "1.2.3.4", accounts.LoginGuard())
        assert accounts.open_session(p, token)[0].name == "bo"
        assert accounts.set_role(p, "bo", "admin").role == "admin"
        with pytest.raises(AccessError, match="inte inloggad"):
            accounts.open_session(p, token)
        token, _ = accounts.sign_in(p, "bo", PASSWORD, "1.2.3.4", accounts.LoginGuard())
        accounts.set_password(p, "bo", "ett annat lösen")
        with pytest.raises(AccessError):
            accounts.open_session(p, token)
        accounts.remove_account(p, "anna")  # bo is an admin now
        assert [a.name for a in accounts.list_accounts(p)] == ["bo", "cecilia", "dora"]
        assert [e.action for e in p.store.iter_audit(limit=4)] == [
            "account-remove", "account-password", "account-role", "account-add"]


def test_the_store_keeps_a_hash_of_the_cookie_never_the_cookie(team):
    root, _ = team
    with find_project(root) as p:
        token, session = accounts.sign_in(p, "bo", PASSWORD, "1.2.3.4", accounts.LoginGuard())
    rows = sqlite3.connect(root / "qualcode.db").execute("SELECT token_hash, account, csrf FROM web_sessions").fetchall()
    assert rows == [(session.token_hash, "bo", session.csrf)]
    assert token not in session.token_hash and session.token_hash == accounts.token_hash(token)


def test_the_login_guard_waits_longer_after_each_failure():
    now = [0.0]
    guard = accounts.LoginGuard(free=5, first_wait=30, max_wait=3600, clock=lambda: now[0])
    assert [guard.failed("bo", "1.1.1.1") for _ in range(4)] == [0, 0, 0, 0]
    assert guard.failed("bo", "1.1.1.1") == 30
    assert guard.wait("bo", "1.1.1.1") == 30
    assert guard.wait("BO", "2.2.2.2") == 30  # the account, from any address
    assert guard.wait("cecilia", "1.1.1.1") == 30  # the address, for any account
    assert guard.wait("cecilia", "2.2.2.2") == 0
    now[0] = 31
    assert guard.failed("bo", "1.1.1.1") == 60
    now[0] = 100
    guard.succeeded("bo", "1.1.1.1")
    assert guard.wait("bo", "1.1.1.1") == 0


def test_the_login_guard_forgets_old_failures_when_made_up_names_pile_up(monkeypatch):
    monkeypatch.setattr(accounts, "MAX_KEYS", 10)
    now = [0.0]
    guard = accounts.LoginGuard(clock=lambda: now[0])
    for i in range(9):
        guard.failed(f"namn{i}", "1.1.1.1")
    now[0] = accounts.FORGET_AFTER + 10
    for _ in range(5):
        guard.failed("bo", "2.2.2.2")  # the old records go; bo's stay and hold her back
    assert len(guard._keys) == 2 and guard.wait("bo", "3.3.3.3") == 30


# -- the command line --------------------------------------------------------------------


def test_cli_user_commands(team):
    import json

    from typer.testing import CliRunner

    from qualcode.cli.main import app

    root, _ = team
    runner = CliRunner()
    r = runner.invoke(app, ["user", "add", "eva", "--role", "reader", "-p", str(root)], input="hemligt ord\nhemligt ord\n")
    assert r.exit_code == 0, r.output
    assert "kontot eva (läsare) är skapat" in r.output
    r = runner.invoke(app, ["user", "add", "fia", "--password-stdin", "-p", str(root)], input="fias lösen\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "list", "-p", str(root), "--format", "json"])
    listed = {(a["name"], a["role"]) for a in json.loads(r.stdout)}
    assert listed == {("anna", "admin"), ("bo", "coder"), ("cecilia", "coder"), ("dora", "reader"),
                      ("eva", "reader"), ("fia", "coder")}
    r = runner.invoke(app, ["user", "role", "fia", "admin", "-p", str(root)])
    assert r.exit_code == 0 and "fia är nu administratör" in r.output
    r = runner.invoke(app, ["user", "passwd", "fia", "--password-stdin", "-p", str(root)], input="nytt lösenord\n")
    assert r.exit_code == 0
    with find_project(root) as p:
        accounts.sign_in(p, "fia", "nytt lösenord", "x", accounts.LoginGuard())
    r = runner.invoke(app, ["user", "remove", "eva", "--yes", "-p", str(root)])
    assert r.exit_code == 0 and "kontot eva är borttaget" in r.output
    r = runner.invoke(app, ["user", "add", "gun", "--password-stdin", "-p", str(root)], input="kort\n")
    assert r.exit_code == 1 and "lösenordet är för kort" in r.output


def test_serve_team_without_an_admin_says_what_to_run(tmp_path):
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    build(tmp_path / "p")[0].close()
    add_accounts(tmp_path / "p", {"bo": "coder"})
    r = CliRunner().invoke(app, ["serve", "--team", "--no-browser", "-p", str(tmp_path / "p")])
    assert r.exit_code == 1
    assert r.output.strip() == (
        "fel: projektet har inget administratörskonto, så ingen kan logga in i teamläget — skapa ett först — "
        "skapa ett: `qualcode user add NAMN --role admin`")
    with pytest.raises(ProjectError):
        team_app(tmp_path / "p")


# -- signing in and out -------------------------------------------------------------------


def test_every_page_sends_a_stranger_to_the_sign_in_page(team):
    root, ids = team
    c = TestClient(team_app(root))
    r = c.get(f"/documents/{ids['doc']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=%2Fdocuments%2F{ids['doc']}"
    r = c.get(f"/documents/{ids['doc']}/panel?at=1", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401 and r.headers["hx-redirect"].startswith("/login")
    assert c.post("/undo", follow_redirects=False).status_code == 401
    assert c.get("/?token=" + team_app(root).state.token, follow_redirects=False).status_code == 303  # no token mode
    page = c.get("/login")
    assert page.status_code == 200 and '<html lang="sv">' in page.text
    assert 'autocomplete="current-password"' in page.text and 'type="password"' in page.text
    assert "samesite=strict" in page.headers["set-cookie"].lower()


def test_sign_in_opens_a_strict_session_and_the_page_names_the_account(team):
    root, _ = team
    c = TestClient(team_app(root))
    r = sign_in(c, "bo")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("qualcode_session=")][0].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    page = c.get("/")
    assert "inloggad som <strong>bo</strong> (kodare)" in page.text and "Logga ut" in page.text


def test_sign_in_goes_back_to_the_page_asked_for_but_never_elsewhere(team):
    root, ids = team
    c = TestClient(team_app(root))
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    data = {"csrf": token, "name": "bo", "password": PASSWORD}
    r = c.post(f"/login?next=/documents/{ids['doc']}", data=data, follow_redirects=False)
    assert r.headers["location"] == f"/documents/{ids['doc']}"
    c2 = TestClient(team_app(root))
    token = re.search(r'name="csrf" value="([^"]+)"', c2.get("/login").text).group(1)
    r = c2.post("/login?next=//evil.example/x", data={**data, "csrf": token}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_a_wrong_password_or_name_is_one_line_and_opens_nothing(team):
    root, _ = team
    c = TestClient(team_app(root))
    for name, password in (("bo", "fel lösenord"), ("okänd", PASSWORD)):
        r = sign_in(c, name, password)
        assert r.status_code == 401
        assert re.search(r'role="alert" id="login-error">([^<]+)<', r.text).group(1) == "fel namn eller lösenord"
        assert "qualcode_session=" not in r.headers.get("set-cookie", "")
    assert c.get("/", follow_redirects=False).status_code == 303
    with find_project(root) as p:
        assert p.store.row_counts()["web_sessions"] == 0


def test_sign_in_needs_the_forms_csrf_value_and_our_origin(team):
    root, _ = team
    c = TestClient(team_app(root))
    c.get("/login")
    r = c.post("/login", data={"csrf": "fel", "name": "bo", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403 and "Formuläret hade gått ut" in r.text
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"csrf": token, "name": "bo", "password": PASSWORD},
               headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403


def test_five_failures_make_the_next_try_wait_even_with_the_right_password(team):
    root, _ = team
    c = TestClient(team_app(root))
    statuses = [sign_in(c, "bo", "fel lösenord").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    r = sign_in(c, "bo")
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    msg = re.search(r'role="alert" id="login-error">([^<]+)<', r.text).group(1)
    assert msg == "för många misslyckade inloggningar — vänta 30 sekunder och försök igen"
    # the same address is held back for other accounts too
    assert sign_in(c, "cecilia").status_code == 429


def test_an_idle_or_expired_session_sends_her_to_sign_in_again(team):
    root, _ = team
    for settings in ({"idle_minutes": 0}, {"session_hours": 0}):
        app = team_app(root, **settings)
        c = TestClient(app)
        assert sign_in(c, "bo").status_code == 303
        r = c.get("/grid", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fgrid&why=ended"
        assert "Sessionen har gått ut" in c.get(r.headers["location"]).text
        assert c.get("/grid", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(team):
    root, _ = team
    c, csrf = team_client(team_app(root), "bo")
    r = c.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?why=out"
    assert c.get("/", follow_redirects=False).status_code == 303
    with find_project(root) as p:
        assert p.store.row_counts()["web_sessions"] == 0


# -- roles ----------------------------------------------------------------------------------


def _write_routes(app, ids) -> list[str]:
    out = []
    for route in app.routes:
        if "POST" in (getattr(route, "methods", None) or ()) and route.path not in ("/login", "/logout",
                                                                                     "/report/download"):
            for action in (("accept", "reject", "remove", "memo", "quote") if route.path.startswith("/codings/") else ("",)):
                out.append(route.path.replace("{doc}", str(ids["doc"])).replace("{coding}", str(ids["sug_p13"]))
                           .replace("{action}", action or "add"))
    return out


def test_a_reader_is_refused_every_write_with_403_and_nothing_changes(team):
    root, ids = team
    app = team_app(root)
    c, csrf = team_client(app, "dora")
    before = audit(root)
    paths = _write_routes(app, ids)
    assert len(paths) == 13
    for path in paths:
        r = c.post(path, data={"start": 0, "end": 5, "code": "P13", "segment": ids["s0"], "q": "lokal",
                               "answer": "fika", "category": "x", "coder": "dora"}, headers=hx(csrf))
        assert r.status_code == 403, path
        assert "ditt konto (läsare)" in r.text or "kodar du som ditt konto" in r.text, path
    assert audit(root) == before
    assert ("P13", MODEL_CODER, "suggested") in codings(root, ids["p0"])
    # the page shows no write controls
    page = c.get(f"/documents/{ids['doc']}").text
    assert 'id="picker"' not in page and 'id="undo-btn"' not in page and "Du kan läsa men inte koda" in page
    panel = c.get(f"/documents/{ids['doc']}/panel?at=1").text
    assert "hx-post" not in panel and "P13" in panel
    assert "hx-post" not in c.get("/grid").text
    assert 'action="/codebook/add"' not in c.get("/codebook").text


def test_a_coder_codes_as_herself_and_may_not_edit_the_codebook(team):
    root, ids = team
    c, csrf = team_client(team_app(root), "bo")
    r = c.post("/codebook/add", data={"csrf": csrf, "id": "T-HOT", "name": "Hot", "parent": "G-KLIMAT"})
    assert r.status_code == 403 and "kan inte ändra kodboken" in r.text
    r = c.post("/coders/switch", data={"csrf": csrf, "coder": "anna"})
    assert r.status_code == 403 and "kodar du som ditt konto" in r.text
    assert 'action="/codebook/add"' not in c.get("/codebook").text
    a, acsrf = team_client(team_app(root), "anna")
    r = a.post("/codebook/add", data={"csrf": acsrf, "id": "T-HOT", "name": "Hot", "parent": "G-KLIMAT"})
    assert r.status_code == 200 and "T-HOT" in r.text
    assert audit(root)[0].actor == "anna" and audit(root)[0].action == "code-add"


def test_every_coding_records_the_account_and_the_audit_log_names_it(team):
    root, ids = team
    c, csrf = team_client(team_app(root), "cecilia")
    start = TEXT.index("Lönen")
    r = c.post(f"/documents/{ids['doc']}/codings?doc={ids['doc']}", headers=hx(csrf),
               data={"start": start, "end": start + len("Lönen"), "code": "T-LON"})
    assert r.status_code == 200, r.text
    assert ("T-LON", "cecilia", "manual") in codings(root, ids["p1"])
    entry = audit(root)[0]
    assert (entry.actor, entry.action, entry.code_id) == ("cecilia", "add", "T-LON")
    r = c.post(f"/codings/{ids['sug_p13']}/accept?doc={ids['doc']}", headers=hx(csrf))
    assert r.status_code == 200
    assert ("P13", "cecilia", "accepted") in codings(root, ids["p0"])
    assert (audit(root)[0].actor, audit(root)[0].action) == ("cecilia", "suggest.accept")


def test_a_blind_coder_sees_only_her_own_codings(team):
    root, ids = team
    app = team_app(root, blind=True)
    c, csrf = team_client(app, "cecilia")
    page = c.get(f"/documents/{ids['doc']}").text
    assert 'data-coder="bo"' not in page and f'data-coder="{MODEL_CODER}"' in page
    assert "blint läge: bara dina kodningar syns" in page
    grid = c.get("/codes/P02").text
    assert PARAS[2] not in grid
    admin, _ = team_client(app, "anna")
    assert 'data-coder="bo"' in admin.get(f"/documents/{ids['doc']}").text


# -- live changes ---------------------------------------------------------------------------


def _seen(page: str) -> int:
    return int(re.search(r'id="live"[^>]*changes\?since=(\d+)', page).group(1))


def test_other_coders_changes_reach_an_open_document_without_a_reload(team):
    root, ids = team
    app = team_app(root)
    anna, _ = team_client(app, "anna")
    bo, bo_csrf = team_client(app, "bo")
    doc = ids["doc"]
    page = anna.get(f"/documents/{doc}").text
    assert 'hx-trigger="every 3s"' in page
    since = _seen(page)
    quiet = anna.get(f"/documents/{doc}/changes?since={since}", headers={"HX-Request": "true"})
    assert quiet.status_code == 200 and 'id="doc"' not in quiet.text and f"since={since}" in quiet.text
    start = TEXT.index("tysta rum")
    r = bo.post(f"/documents/{doc}/codings?doc={doc}", headers=hx(bo_csrf),
                data={"start": start, "end": start + len("tysta rum"), "code": "P13"})
    assert r.status_code == 200
    assert _seen(r.text) > since  # her own change moves her page on: it does not come back as news
    live = anna.get(f"/documents/{doc}/changes?since={since}", headers={"HX-Request": "true"})
    assert '<div id="doc" hx-swap-oob="true"' in live.text
    assert f'data-start="{start}" data-end="{start + len("tysta rum")}" data-coder="bo"' in live.text
    assert "bo ändrade dokumentet just nu" in live.text
    assert _seen(live.text) == audit(root)[0].id
    # a change in another document is not news here
    r = bo.post("/grid/toggle", headers=hx(bo_csrf), data={"segment": ids["s1"], "code": "P13"})
    assert r.status_code == 200
    latest = audit(root)[0].id
    quiet = anna.get(f"/documents/{doc}/changes?since={_seen(live.text)}", headers={"HX-Request": "true"})
    assert 'id="doc"' not in quiet.text and f"since={latest}" in quiet.text


def test_a_blind_coder_is_not_told_of_other_coders_changes(team):
    root, ids = team
    app = team_app(root, blind=True)
    cecilia, _ = team_client(app, "cecilia")
    bo, bo_csrf = team_client(app, "bo")
    doc = ids["doc"]
    since = _seen(cecilia.get(f"/documents/{doc}").text)
    start = TEXT.index("Lönen")
    bo.post(f"/documents/{doc}/codings?doc={doc}", headers=hx(bo_csrf), data={"start": start, "end": start + 5, "code": "T-LON"})
    live = cecilia.get(f"/documents/{doc}/changes?since={since}", headers={"HX-Request": "true"})
    assert 'id="doc"' not in live.text and "bo" not in live.text


def test_the_single_researcher_mode_has_no_accounts_and_no_live_poll(tmp_path):
    from web_helpers import client

    build(tmp_path / "p")[0].close()
    c, app, csrf = client(tmp_path / "p")
    page = c.get("/documents/1").text
    assert 'id="live"' not in page and "Logga ut" not in page and "kodar som <strong>anna</strong>" in page
    assert c.get("/login", follow_redirects=False).status_code == 404


def test_an_admin_manages_the_accounts_in_the_browser(team):
    root, _ = team
    app = team_app(root)
    a, csrf = team_client(app, "anna")
    page = a.get("/accounts")
    assert page.status_code == 200 and '<a href="/accounts" aria-current="page">Konton</a>' in page.text
    assert [m for m in re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", page.text)] == [
        ("anna (du)", "administratör"), ("bo", "kodare"), ("cecilia", "kodare"), ("dora", "läsare")]
    new = {"csrf": csrf, "name": "eva", "role": "reader", "password": "evas lösen", "again": "evas lösen"}
    r = a.post("/accounts/add", data=new)
    assert r.status_code == 200 and "kontot eva (läsare) är skapat" in r.text
    r = a.post("/accounts/add", data={**new, "name": "fia", "again": "något annat"})
    assert r.status_code == 422 and "lösenorden är olika" in r.text and "<td>fia" not in r.text
    r = a.post("/accounts/role", data={"csrf": csrf, "name": "eva", "role": "coder"})
    assert r.status_code == 200 and "eva är nu kodare" in r.text
    r = a.post("/accounts/passwd", data={"csrf": csrf, "name": "eva", "password": "nytt lösen", "again": "nytt lösen"})
    assert r.status_code == 200 and "nytt lösenord för eva" in r.text
    r = a.post("/accounts/remove", data={"csrf": csrf, "name": "anna"})
    assert r.status_code == 422 and "projektets enda administratör" in r.text
    r = a.post("/accounts/remove", data={"csrf": csrf, "name": "eva"})
    assert r.status_code == 200 and "kontot eva är borttaget" in r.text
    kinds = [(e.actor, e.action, e.detail["account"]) for e in audit(root) if e.action.startswith("account-")][:4]
    assert kinds == [("anna", "account-remove", "eva"), ("anna", "account-password", "eva"),
                     ("anna", "account-role", "eva"), ("anna", "account-add", "eva")]
    bo, bo_csrf = team_client(app, "bo")
    assert bo.get("/accounts").status_code == 403
    assert bo.post("/accounts/add", data={**new, "csrf": bo_csrf, "name": "gun"}).status_code == 403
    assert 'href="/accounts"' not in bo.get("/").text
