"""The browser workspace over HTTP (Starlette's test client): the gate, CSRF, escaping and every route."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from functools import partial

import pytest
from helpers import suggest_one
from web_helpers import ANSWERS, PARAS, TEXT, build, client

from qualcode.coding.workspace import pieces
from qualcode.core.records import MODEL_CODER, DocumentIn
from qualcode.project import find_project

GET_ROUTES = [
    "/", "/documents", "/documents/1", "/documents/1/panel?at=3", "/suggestions/next", "/grid", "/codes/P13",
    "/codebook", "/search?q=lokal", "/counts", "/counts/chart.png", "/mentions", "/mentions?columns=motivering",
    "/report", "/coders", "/codes.css",
    "/static/htmx.min.js", "/static/app.js", "/static/app.css",
]


@pytest.fixture
def ws(tmp_path):
    proj, ids = build(tmp_path / "p")
    proj.close()
    c, app, csrf = client(tmp_path / "p")
    return c, app, csrf, ids, tmp_path / "p"


def hx(csrf: str) -> dict[str, str]:
    return {"X-CSRF-Token": csrf, "HX-Request": "true"}


def codings(root, segment: int) -> set[tuple[str, str, str]]:
    with find_project(root) as p:
        return {(c.code_id, c.coder, c.source) for c in p.store.codings_for_segment(segment)}


def audit_len(root) -> int:
    with find_project(root) as p:
        return len(list(p.store.iter_audit()))


# -- the gate -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", GET_ROUTES)
def test_every_route_answers_401_without_token_or_session(tmp_path, url):
    build(tmp_path / "p")[0].close()
    from starlette.testclient import TestClient

    from qualcode.web.app import create_app

    c = TestClient(create_app(tmp_path / "p", "rätt-token"))
    assert c.get(url, follow_redirects=False).status_code == 401
    assert c.get(url + ("&" if "?" in url else "?") + "token=fel", follow_redirects=False).status_code == 401
    c.cookies.set("qualcode_session", "pahittad")
    assert c.get(url, follow_redirects=False).status_code == 401


def test_token_sets_a_strict_httponly_cookie_and_drops_itself_from_the_address(tmp_path):
    build(tmp_path / "p")[0].close()
    from starlette.testclient import TestClient

    from qualcode.web.app import create_app

    c = TestClient(create_app(tmp_path / "p", "tok"))
    r = c.get("/documents?kind=note&token=tok", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/documents?kind=note"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert c.get("/documents?kind=note").status_code == 200


@pytest.mark.parametrize("url", GET_ROUTES)
def test_every_route_answers_with_the_token(ws, url):
    c, *_ = ws
    r = c.get(url, follow_redirects=False)
    assert r.status_code in (200, 303), r.text[:300]


def test_headers_forbid_other_origins(ws):
    c, *_ = ws
    r = c.get("/documents/1")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp and "unsafe" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    # nothing in the page loads from elsewhere
    assert not re.search(r'(src|href)="(https?:)?//', r.text)


def test_every_write_needs_the_csrf_token(ws):
    c, app, csrf, ids, root = ws
    posts = [r.path for r in app.routes if "POST" in (getattr(r, "methods", None) or ())]
    assert len(posts) >= 8
    before = audit_len(root)
    for path in posts:
        url = (path.replace("{doc}", str(ids["doc"])).replace("{coding}", str(ids["sug_p13"]))
               .replace("{action}", "accept"))
        assert c.post(url, data={"start": 0, "end": 5, "code": "P13"}).status_code == 403, path
        assert c.post(url, data={"csrf": "fel"}, headers={"X-CSRF-Token": "fel"}).status_code == 403, path
    assert audit_len(root) == before
    assert (("P13", MODEL_CODER, "suggested")) in codings(root, ids["p0"])


def test_a_write_from_another_origin_is_refused(ws):
    c, app, csrf, ids, root = ws
    r = c.post(f"/codings/{ids['sug_p13']}/accept", headers={**hx(csrf), "Origin": "http://evil.example"})
    assert r.status_code == 403
    assert ("P13", MODEL_CODER, "suggested") in codings(root, ids["p0"])


def test_a_form_post_carries_the_csrf_token_as_a_field(ws):
    c, app, csrf, ids, root = ws
    r = c.post("/codebook/add", data={"csrf": csrf, "id": "T-HOT", "name": "Hot och våld", "parent": "G-KLIMAT"})
    assert r.status_code == 200
    assert "lade till T-HOT Hot och våld" in r.text
    with find_project(root) as p:
        assert p.codebook.get("T-HOT").parent == "G-KLIMAT"


def test_a_refused_codebook_change_keeps_what_she_typed(ws):
    """A code id that is taken: the codebook page again, the refusal above it and her form filled in as
    she sent it (a long definition is not typed twice); nothing changed. Her words stay text."""
    c, app, csrf, ids, root = ws
    with find_project(root) as p:
        before = [(code.id, code.name, code.definition) for code in p.codebook.codes]
    definition = "Hot, våld och trakasserier från klienter <b>eller</b> anhöriga, i möten och på telefon."
    r = c.post("/codebook/add", data={"csrf": csrf, "id": "P13", "name": "Hot och våld", "parent": "G-KLIMAT",
                                      "definition": definition, "keywords": "hot, våld"})
    assert r.status_code == 422
    assert 'role="alert"' in r.text and "P13" in r.text
    assert 'value="Hot och våld"' in r.text and 'value="hot, våld"' in r.text
    assert "Hot, våld och trakasserier från klienter &lt;b&gt;eller&lt;/b&gt; anhöriga" in r.text
    assert 'action="/codebook/add"' in r.text  # the page, not an error page
    with find_project(root) as p:
        after = [(code.id, code.name, code.definition) for code in p.codebook.codes]
    assert after == before


# -- escaping -----------------------------------------------------------------------------


def test_a_script_in_a_survey_answer_shows_as_text(ws):
    c, app, csrf, ids, root = ws
    assert "enkat#r1" in c.get("/documents?q=SCRIPT").text  # the text filter finds it
    for url in ("/grid", f"/documents/{ids['a0']}", "/search?q=arbetsbelastning"):
        body = c.get(url).text
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body, url


# -- the document view --------------------------------------------------------------------


def _marks(html: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'data-(\w+)="([^"]*)"', m)) for m in re.findall(r"<mark [^>]*>", html)]


def test_document_shows_the_whole_text_with_each_coding_placed_at_its_offsets(ws):
    c, app, csrf, ids, root = ws
    html = c.get(f"/documents/{ids['doc']}").text
    text = "".join(re.findall(r'<span data-o="\d+">([^<]*)</span>', html))
    assert text == TEXT
    marks = {(m["code"], m["coder"], m["source"]): m for m in _marks(html)}
    start = TEXT.index(PARAS[2])
    bo = marks[("P02", "bo", "manual")]
    assert (int(bo["start"]), int(bo["end"])) == (start, start + len(PARAS[2]))
    assert ("P13", MODEL_CODER, "suggested") in marks  # an open suggestion shows in place
    assert 'class="hl k' in html and " sug" in html


def test_overlapping_codings_nest_longest_outside():
    cut = pieces(10, [(2, 6), (4, 8), (4, 6)])
    assert [(p.start, p.end, p.marks) for p in cut] == [
        (0, 2, ()), (2, 4, (0,)), (4, 6, (0, 1, 2)), (6, 8, (1,)), (8, 10, ()),
    ]
    assert pieces(5, []) == [pieces(5, [])[0]] and pieces(5, [])[0].marks == ()


def test_coding_a_selection_codes_those_words_and_replaces_the_open_suggestion(ws):
    c, app, csrf, ids, root = ws
    a = TEXT.index("tysta rum")
    r = c.post(f"/documents/{ids['doc']}/codings?doc={ids['doc']}", data={"start": a, "end": a + 9, "code": "P13"},
               headers=hx(csrf))
    assert r.status_code == 200
    assert "kodade «tysta rum» med P13" in r.text
    with find_project(root) as p:
        spans = {(x.code_id, x.coder, x.source, x.start, x.end) for x in p.store.document_codings(ids["doc"])}
    assert ("P13", "anna", "manual", a, a + 9) in spans
    assert not any(code == "P13" and coder == MODEL_CODER for code, coder, *_ in spans)  # the suggestion is gone
    mark = next(m for m in _marks(r.text) if m["code"] == "P13")
    assert (mark["coder"], mark["start"], mark["end"]) == ("anna", str(a), str(a + 9))


def test_a_selection_over_two_paragraphs_codes_both_and_fuzzy_names_work(ws):
    c, app, csrf, ids, root = ws
    a, b = TEXT.index("slutar"), TEXT.index("nyanställda")
    r = c.post(f"/documents/{ids['doc']}/codings", data={"start": a, "end": b + 5, "code": "personalomsattning"},
               headers=hx(csrf))
    assert r.status_code == 200, r.text
    assert ("T-PERS", "anna", "manual") in codings(root, ids["p1"])
    assert ("T-PERS", "anna", "manual") in codings(root, ids["p2"])


@pytest.mark.parametrize("form, message", [
    ({"start": 56, "end": 58, "code": "P13"}, "bara blanktecken"),
    ({"start": 0, "end": 99999, "code": "P13"}, "ogiltigt spann"),
    ({"start": 0, "end": 10, "code": "G-LOKALER"}, "temagrupp"),
    ({"start": 0, "end": 10, "code": "xyzzy"}, "hittar ingen kod"),
    ({"start": "a", "end": 10, "code": "P13"}, "heltal"),
])
def test_a_bad_selection_is_one_message_and_changes_nothing(ws, form, message):
    c, app, csrf, ids, root = ws
    assert TEXT[56:58].strip() == ""
    before = audit_len(root)
    r = c.post(f"/documents/{ids['doc']}/codings", data=form, headers=hx(csrf))
    assert r.status_code == 422
    assert r.headers["hx-retarget"] == "#flash"
    assert message in r.text and r.text.count("<p") == 1
    assert audit_len(root) == before


def test_click_panel_lists_the_codes_at_that_place(ws):
    c, app, csrf, ids, root = ws
    at = TEXT.index(PARAS[2]) + 3
    html = c.get(f"/documents/{ids['doc']}/panel?at={at}").text
    assert "P02" in html and "bo" in html
    assert "Ta bort kodningen" not in html  # bo's coding: anna cannot remove it
    html = c.get(f"/documents/{ids['doc']}/panel?at=2").text
    assert "Godta" in html and "nyckelord: lokal" in html


def test_accept_reject_remove_memo_quote_and_undo_each_change_the_database(ws):
    c, app, csrf, ids, root = ws
    doc = ids["doc"]
    r = c.post(f"/codings/{ids['sug_p13']}/accept?doc={doc}", headers=hx(csrf))
    assert "accepterade P13" in r.text
    assert codings(root, ids["p0"]) == {("P13", "anna", "accepted")}
    c.post(f"/codings/{ids['sug_lon']}/reject?doc={doc}", headers=hx(csrf))
    assert codings(root, ids["p1"]) == {("T-LON", MODEL_CODER, "rejected")}
    c.post(f"/codings/{ids['sug_p13']}/memo?doc={doc}", data={"memo": "flytten <b>"}, headers=hx(csrf))
    with find_project(root) as p:
        assert p.store.get_coding(ids["sug_p13"]).memo == "flytten <b>"
    c.post(f"/codings/{ids['sug_p13']}/quote?doc={doc}", headers=hx(csrf))
    with find_project(root) as p:
        assert ids["p0"] in p.store.flagged_quotes()
    panel = c.get(f"/documents/{doc}/panel?at=2").text
    assert "flytten &lt;b&gt;" in panel and "nyckelcitat" in panel
    r = c.post(f"/codings/{ids['sug_p13']}/remove?doc={doc}", headers=hx(csrf))
    assert "tog bort P13" in r.text
    assert codings(root, ids["p0"]) == set()
    # undo walks back: remove, quote, memo, reject, accept
    c.post(f"/undo?doc={doc}", headers=hx(csrf))
    assert codings(root, ids["p0"]) == {("P13", "anna", "accepted")}
    c.post(f"/undo?doc={doc}", headers=hx(csrf))
    with find_project(root) as p:
        assert ids["p0"] not in p.store.flagged_quotes()
    c.post(f"/undo?doc={doc}", headers=hx(csrf))
    with find_project(root) as p:
        assert p.store.find_coding(ids["p0"], "P13", "anna").memo is None
    c.post(f"/undo?doc={doc}", headers=hx(csrf))
    assert codings(root, ids["p1"]) == {("T-LON", MODEL_CODER, "suggested")}
    r = c.post(f"/undo?doc={doc}", headers=hx(csrf))
    assert "ångrade" in r.text
    assert codings(root, ids["p0"]) == {("P13", MODEL_CODER, "suggested")}
    r = c.post(f"/undo?doc={doc}", headers=hx(csrf))
    assert r.status_code == 422 and "inget att ångra" in r.text


def test_removing_another_coders_coding_is_refused(ws):
    c, app, csrf, ids, root = ws
    r = c.post(f"/codings/{ids['bo_p02']}/remove?doc={ids['doc']}", headers=hx(csrf))
    assert r.status_code == 422 and "gjord av &#39;bo&#39;" in r.text
    assert codings(root, ids["p2"]) == {("P02", "bo", "manual")}


def test_next_uncertain_goes_to_the_suggestion_closest_to_the_threshold(ws):
    c, app, csrf, ids, root = ws
    r = c.get("/suggestions/next", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/documents/{ids['doc']}#c{ids['sug_lon']}"


def test_unknown_document_is_404_with_a_message(ws):
    c, *_ = ws
    r = c.get("/documents/999")
    assert r.status_code == 404 and "dokument 999 finns inte" in r.text


# -- the survey grid ----------------------------------------------------------------------


def test_grid_lists_answers_pages_filters_and_sorts(ws):
    c, app, csrf, ids, root = ws
    html = c.get("/grid").text
    assert "4 svar" in html and all(a in html for _, _, a in ANSWERS[1:])
    html = c.get("/grid?per=2").text
    assert "sida 1 av 2" in html and "nästa" in html
    html = c.get("/grid?meta=stadsdel%3DBromma").text
    assert "2 svar" in html and "Bättre lokaler" not in html
    assert "2 svar" in c.get("/grid?meta=stadsdel%3Dbromma").text  # the one stored value that reads so, case aside
    assert "0 svar" in c.get("/grid?meta=stadsdel%3Dbrom").text
    html = c.get("/grid").text  # the import's own column in the interface language, with the name a filter uses
    assert '<th title="field">fråga</th>' in html and '<option value="field">fråga</option>' in html
    html = c.get("/grid?sort=stadsdel&desc=1").text
    assert html.index("Bättre lokaler") < html.index("Högre lön")
    assert c.get("/grid?sort=finnsinte").status_code == 422
    assert "1 svar" in c.get("/grid?q=L%C3%96N").text  # text filter ignores case, å ä ö too


def test_grid_toggle_adds_and_removes_the_code(ws):
    c, app, csrf, ids, root = ws
    seg = ids["s1"]
    r = c.post("/grid/toggle", data={"segment": seg, "code": "P13"}, headers=hx(csrf))
    assert r.status_code == 200 and f'id="row-{seg}"' in r.text and 'aria-pressed="true"' in r.text
    assert codings(root, seg) == {("P13", "anna", "manual")}
    c.post("/grid/toggle", data={"segment": seg, "code": "P13"}, headers=hx(csrf))
    assert codings(root, seg) == set()
    c.post("/undo?from=grid", headers=hx(csrf))
    assert codings(root, seg) == {("P13", "anna", "manual")}


# -- the other pages ----------------------------------------------------------------------


def test_code_view_shows_passages_with_context_and_metadata(ws):
    c, app, csrf, ids, root = ws
    html = c.get("/codes/G-KOMPETENS").text  # the group rolls up P02
    assert "Passager: 1" in html and PARAS[2] in html and "stadsdel=Farsta" in html
    assert PARAS[1].split(".")[1].strip() in html  # context before
    assert c.get("/codes/P99").status_code == 422


def test_codebook_rename_and_merge_are_audited_and_show_counts(ws):
    c, app, csrf, ids, root = ws
    html = c.get("/codebook").text
    assert re.search(r"P02</a></td><td class=\"name\">.*?</td><td class=\"r\">1</td>", html)
    c.post("/codebook/rename", data={"csrf": csrf, "code": "T-LON", "new_name": "Lön och villkor"})
    c.post("/codebook/merge", data={"csrf": csrf, "source": "P02", "target": "P04"})
    with find_project(root) as p:
        assert p.codebook.get("T-LON").name == "Lön och villkor"
        assert "P02" not in p.codebook
        assert ("P04", "bo", "manual") in {(x.code_id, x.coder, x.source) for x in p.store.codings_for_segment(ids["p2"])}
        actions = [a.action for a in p.store.iter_audit()]
    assert "code-rename" in actions and "code-merge" in actions
    r = c.post("/codebook/merge", data={"csrf": csrf, "source": "P77", "target": "P04"})
    assert r.status_code == 422 and "okänd kod" in r.text


def test_search_previews_then_codes_every_hit(ws):
    c, app, csrf, ids, root = ws
    html = c.get("/search?q=rum").text
    assert "Träffar för ”rum”: 2" in html
    assert 'tysta <mark class="hit">rum</mark> för' in html and 'eget <mark class="hit">rum</mark>' in html
    html = c.get("/search?q=lokal,%20eget%20rum").text  # a compound's form and a phrase, each marked whole
    assert 'nya <mark class="hit">lokaler</mark>.' in html and '<mark class="hit">eget rum</mark>' in html
    r = c.post("/search/code", data={"csrf": csrf, "q": "rum", "code": "P13"})
    assert "Kodade 2 segment med P13." in r.text
    assert ("P13", "anna", "manual") in codings(root, ids["s1"])
    assert ("P13", "anna", "manual") in codings(root, ids["p0"])


def test_counts_suppress_small_cells_and_chart_is_png(ws):
    c, app, csrf, ids, root = ws
    c.post("/grid/toggle", data={"segment": ids["s0"], "code": "P03"}, headers=hx(csrf))
    html = c.get("/counts?by=stadsdel").text
    assert "Antal under 5 visas som *" in html
    row = re.search(r"P03</a></td><td class=\"name\">[^<]+</td>(.*?)</tr>", html).group(1)
    assert ">1<" not in row and "*" in row
    png = c.get("/counts/chart.png?by=stadsdel").content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert c.get("/counts?by=nej").status_code == 422


def test_report_downloads_as_an_attachment(ws):
    c, app, csrf, ids, root = ws
    r = c.post("/report/download", data={"csrf": csrf, "format": "md", "by": ""})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="rapport.md"'
    assert r.content.decode("utf-8").startswith("# ")
    r = c.post("/report/download", data={"csrf": csrf, "format": "xlsx"})
    assert r.content[:2] == b"PK"
    assert c.post("/report/download", data={"csrf": csrf, "format": "pdf"}).status_code == 422


def test_switching_coder_and_blind_mode(ws):
    c, app, csrf, ids, root = ws
    r = c.post("/coders/switch", data={"csrf": csrf, "coder": "cilla", "blind": "1"}, follow_redirects=True)
    assert "kodar som <strong>cilla</strong>" in r.text
    html = c.get(f"/documents/{ids['doc']}").text
    assert not any(m["coder"] == "bo" for m in _marks(html))  # blind: bo's P02 is hidden
    a = TEXT.index("mentor")
    c.post(f"/documents/{ids['doc']}/codings", data={"start": a, "end": a + 6, "code": "P02"}, headers=hx(csrf))
    assert ("P02", "cilla", "manual") in codings(root, ids["p2"])
    html = c.get("/coders").text
    assert "bo" in html and "cilla" in html and "alla koder (poolat)" in html
    r = c.post("/coders/switch", data={"csrf": csrf, "coder": "qualcode"})
    assert r.status_code == 422


# -- qualcode serve -----------------------------------------------------------------------


def test_serve_prints_one_address_with_a_token_and_the_gate_holds(tmp_path):
    import httpx

    build(tmp_path / "p")[0].close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode.cli.main", "serve", "-p", str(tmp_path / "p"), "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
        assert m, line
        base = f"http://127.0.0.1:{m.group(1)}"
        for _ in range(100):
            try:
                r = httpx.get(base + "/documents")
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert r.status_code == 401
        with httpx.Client(follow_redirects=True) as h:
            assert h.get(line).status_code == 200
            assert "intervju-1" in h.get(base + "/documents").text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_on_another_address_warns(tmp_path):
    from typer.testing import CliRunner

    from qualcode.cli import serve as serve_mod
    from qualcode.cli.main import app

    build(tmp_path / "p")[0].close()
    seen = {}

    def fake_run(asgi, host, port, log_level):  # the server itself is tested above
        seen.update(host=host, port=port)

    orig = serve_mod.__dict__.get("uvicorn")
    import uvicorn

    real = uvicorn.run
    uvicorn.run = fake_run
    try:
        r = CliRunner().invoke(app, ["serve", "-p", str(tmp_path / "p"), "--no-browser", "--host", "0.0.0.0",
                                     "--port", "8765"])
    finally:
        uvicorn.run = real
    assert orig is None
    assert r.exit_code == 0, r.output
    assert "varning" in r.output and "andra datorer" in r.output
    assert seen == {"host": "0.0.0.0", "port": 8765}
    assert re.search(r"^http://127\.0\.0\.1:8765/\?token=[\w-]+$", r.output, re.M)


def test_codes_css_gives_each_code_its_own_colour_or_a_distinct_hue(tmp_path):
    from dataclasses import replace

    from qualcode.core.codebook import build_codebook

    proj, ids = build(tmp_path / "p")
    cb = proj.codebook
    coloured = build_codebook([replace(c, color="#1F77B4") if c.id == "P13" else c for c in cb.codes],
                              name=cb.name, version=cb.version)
    proj.store.save_codebook(coloured)
    proj.close()
    c, app, csrf = client(tmp_path / "p")
    css = c.get("/codes.css").text
    rules = dict(re.findall(r"\.(k\d+)\{--c:(#[0-9A-Fa-f]{6})\}", css))
    assert len(rules) == len(cb.codes) and len(set(rules.values())) == len(rules)
    assert rules[f"k{cb.ids.index('P13')}"] == "#1F77B4"


def test_mentions_tables_and_settling_an_answer_writes_the_mapping_file_the_cli_reads(ws):
    from qualcode.analysis.mentions.mapper import load_mapping

    c, app, csrf, ids, root = ws
    html = c.get("/mentions").text
    assert "motivering" in html and "<h2>motivering" not in html  # no columns chosen yet: the choice, no tables
    html = c.get("/mentions?columns=motivering").text
    assert "motivering (4 respondenter)" in html
    assert "Svar att avgöra (olika svar: 1, förekomster: 1)" in html and 'value="fika"' in html
    r = c.post("/mentions/settle", data={"csrf": csrf, "answer": "fika", "category": "Övrigt", "columns": "motivering"})
    assert r.status_code == 200 and "«fika» räknas nu som OVRIGT" in r.text
    assert "Svar att avgöra (olika svar: 0," in r.text
    with find_project(root) as p:
        assert load_mapping(root / "mappning.csv", p.codebook) == {"fika": "OVRIGT"}
    # settling again replaces the row; a bad category changes nothing
    c.post("/mentions/settle", data={"csrf": csrf, "answer": "Fika", "category": "13", "columns": "motivering"})
    r = c.post("/mentions/settle", data={"csrf": csrf, "answer": "fika", "category": "P99", "columns": "motivering"})
    assert r.status_code == 422
    with find_project(root) as p:
        assert load_mapping(root / "mappning.csv", p.codebook) == {"fika": "P13"}


def test_mentions_says_why_the_configured_columns_count_nothing(tmp_path):
    """qualcode.yaml's mentions.columns written wrong: the page shows the choice and, above it, why
    (the command line stops with the same sentence); before, the setting was silently ignored."""
    build(tmp_path / "p")[0].close()
    config = tmp_path / "p" / "qualcode.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "mentions:\n  columns: 7\n", encoding="utf-8")
    c, app, csrf = client(tmp_path / "p")
    html = c.get("/mentions").text
    assert 'id="mentions-problem"' in html and "mentions.columns" in html
    assert "motivering" in html  # the choice is still there


def test_retraining_runs_in_the_background_after_enough_changes(tmp_path):
    from qualcode.coding.workspace import WEB_SESSION

    build(tmp_path / "p")[0].close()
    c, app, csrf = client(tmp_path / "p")
    retrainer = app.state.web.retrainer
    assert retrainer.every == 25
    retrainer.every = 2
    # stands in for suggest.service.retrain_project in the child process: writes a new suggestion
    retrainer.trainer = partial(suggest_one, code="T-IT")
    doc = 1
    c.post(f"/documents/{doc}/codings", data={"start": 0, "end": 6, "code": "P13"}, headers=hx(csrf))
    assert not retrainer.busy and not retrainer.finished.is_set()
    r = c.post(f"/documents/{doc}/codings", data={"start": 0, "end": 6, "code": "T-LON"}, headers=hx(csrf))
    assert r.status_code == 200
    retrainer.join(timeout=60)
    assert (retrainer.runs, retrainer.error) == (1, None)
    with find_project(tmp_path / "p") as p:
        assert p.store.load_tag_state("anna", WEB_SESSION).data["since_train"] == 0
    assert 'data-code="T-IT"' in c.get(f"/documents/{doc}").text  # the new suggestion shows in place


def test_the_document_view_agrees_with_the_coding_service(ws):
    """The page's marks are `coding.service.document_codings` (its covered segments asked in one query)."""
    from qualcode.coding.service import document_codings, flag_quote
    from qualcode.coding.workspace import document_view

    c, app, csrf, ids, root = ws
    a = TEXT.index("Många slutar")
    c.post(f"/documents/{ids['doc']}/codings", data={"start": a, "end": TEXT.index("mentor"), "code": "T-PERS"},
           headers=hx(csrf))
    with find_project(root) as p:
        flag_quote(p, ids["p2"], actor="anna")
        want = {(s.id, s.start, s.end, s.code_id, s.coder, s.source, s.key_quote)
                for s in document_codings(p, ids["doc"]) if s.source != "rejected"}
        got = {(m.coding_id, m.start, m.end, m.code_id, m.coder, m.source, m.quote)
               for m in document_view(p, ids["doc"]).marks}
    assert got == want
    assert any(q for *_, q in got)  # anna's T-PERS span covers the flagged paragraph


def test_document_covers_matches_span_covers_for_every_coding(ws):
    c, app, csrf, ids, root = ws
    for a, b, code in ((0, 3, "P13"), (TEXT.index("Lönen"), TEXT.index("posten"), "T-IT"), (56, 60, "P03")):
        c.post(f"/documents/{ids['doc']}/codings", data={"start": a, "end": b, "code": code}, headers=hx(csrf))
    with find_project(root) as p:
        covers = p.store.document_covers(ids["doc"])
        codings_ = p.store.document_codings(ids["doc"])
        assert len(codings_) >= 5
        for x in codings_:
            assert covers[x.id] == p.store.span_covers(x.id), x


def test_codebook_edit_changes_definition_rules_and_keywords_audited(ws):
    c, app, csrf, ids, root = ws
    html = c.get("/codebook?edit=P13").text
    assert 'name="definition"' in html and "Ändra P13" in html
    r = c.post("/codebook/edit", data={"csrf": csrf, "code": "P13", "definition": "Rum <och> redskap",
                                       "include": "lokaler", "exclude": "", "keywords": "lokal, skrivbord, lokal"})
    assert r.status_code == 200 and "sparade P13" in r.text and "Rum &lt;och&gt; redskap" in r.text
    with find_project(root) as p:
        code = p.codebook.get("P13")
        assert (code.definition, code.include, code.exclude, code.keywords) == (
            "Rum <och> redskap", "lokaler", "", ("lokal", "skrivbord"))
        edits = [a for a in p.store.iter_audit() if a.action == "code-edit"]
    assert edits and edits[0].code_id == "P13" and edits[0].detail["to"]["keywords"] == ["lokal", "skrivbord"]


def test_document_shows_headings_and_prompts_as_headings(tmp_path):
    from qualcode.core.records import DocumentIn, SegmentIn
    from qualcode.project import init_project

    paras = ["Brukarnas synpunkter", "Beskriv hur ni tar emot klagomål.", "Vi har en rutin för synpunkter."]
    text = "\n\n".join(paras)
    proj = init_project(tmp_path / "p", name="rubriker", coder="anna")
    with proj.store.transaction():
        d = proj.store.add_document(DocumentIn("ansokan", "note", text, {}), "h")
        at = 0
        segs = []
        for i, (p, role) in enumerate(zip(paras, ("heading", "prompt", None))):
            a = text.index(p, at)
            at = a + len(p)
            segs.append(SegmentIn(d, "paragraph", i, a, at, p.lower(), role=role,
                                  section="Brukarnas synpunkter" if i else None))
        proj.store.add_segments(segs)
    proj.close()
    c, app, csrf = client(tmp_path / "p")
    html = c.get(f"/documents/{d}").text
    assert "".join(re.findall(r'<span data-o="\d+"[^>]*>([^<]*)</span>', html)) == text
    assert re.findall(r'<span data-o="(\d+)" class="role-(\w+)" role="heading" aria-level="(\d)">([^<]*)</span>', html) == [
        ("0", "heading", "2", paras[0]), (str(text.index(paras[1])), "prompt", "3", paras[1]),
    ]
    prompt_end = text.index(paras[1]) + len(paras[1])
    assert f'<span data-o="{prompt_end}">\n\n{paras[2]}</span>' in html  # content stays content


def test_pieces_carry_the_role_of_the_heading_they_fall_in():
    cut = pieces(20, [(3, 12)], [(0, 5, "heading"), (14, 18, "prompt")])
    assert [(p.start, p.end, p.marks, p.role) for p in cut] == [
        (0, 3, (), "heading"), (3, 5, (0,), "heading"), (5, 12, (0,), None), (12, 14, (), None),
        (14, 18, (), "prompt"), (18, 20, (), None),
    ]


def test_pages_follow_the_language_swedish_by_default(ws, monkeypatch):
    c, _app, _csrf, _ids, _root = ws
    sv = c.get("/").text
    assert '<html lang="sv">' in sv and ">Översikt</a>" in sv and ">Kodbok</a>" in sv and 'aria-label="Huvudmeny"' in sv
    monkeypatch.setenv("QUALCODE_LANG", "en")
    en = c.get("/").text
    assert '<html lang="en">' in en and ">Overview</a>" in en and ">Codebook</a>" in en and 'aria-label="Main menu"' in en
    assert "Översikt" not in en and "Huvudmeny" not in en
    counts = c.get("/counts").text
    assert "Count codes" in counts and "Räkna koder" not in counts


def _swedish_sentences() -> set[str]:
    """Every Swedish translation of more than one word that differs from its English msgid (each form of a
    text with a count)."""
    from babel.messages.pofile import read_po

    from qualcode.core.i18n import LOCALE_DIR

    with open(LOCALE_DIR / "sv" / "LC_MESSAGES" / "qualcode.po", "rb") as fh:
        catalog = read_po(fh)
    out = set()
    for m in catalog:
        if not m.id:
            continue
        ids, strings = (m.id, m.string) if m.pluralizable else ((m.id,), (m.string,))
        for string in strings:
            if isinstance(string, str) and string not in ids and " " in string.strip():
                head = re.split(r"\{\w*\}", string)  # the literal pieces between placeholders
                out.update(p.strip() for p in head if len(p.strip()) >= 12 and " " in p.strip())
    return out


def test_no_swedish_interface_sentence_on_any_page_in_english(ws, monkeypatch):
    c, _app, _csrf, _ids, _root = ws
    sentences = _swedish_sentences()
    assert "segment kodade" in " ".join(sentences)  # the catalog is read: the check can fail
    monkeypatch.setenv("QUALCODE_LANG", "en")
    leaks = {}
    for url in [u for u in GET_ROUTES if not u.startswith("/static") and not u.endswith((".png", ".css"))]:
        html = c.get(url).text
        found = sorted(s for s in sentences if s in html)
        if found:
            leaks[url] = found
    assert leaks == {}
    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert "segment kodade" in c.get("/").text and "kvar att koda" in c.get("/").text


def _logged_actions() -> set[str]:
    """Every action the package writes to the audit log (`store.log(actor, "ACTION", …)`), read from its code."""
    import ast
    from pathlib import Path

    import qualcode

    found = set()
    for path in Path(qualcode.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "log" \
                    and len(node.args) >= 2:
                action = node.args[1]
                if isinstance(action, ast.Constant):
                    found.add(action.value)
                elif isinstance(action, ast.JoinedStr):  # f"suggest.{decision}": accept or reject
                    prefix = "".join(v.value for v in action.values if isinstance(v, ast.Constant))
                    found.update({prefix + "accept", prefix + "reject"})
    return found


def test_the_latest_changes_name_every_action_in_the_language(ws, monkeypatch):
    """'suggest', 'train', 'document.replace' … were shown as the audit log's ids, in English, on a Swedish page."""
    from qualcode.coding.workspace import ACTION_NAMES

    c, _app, _csrf, _ids, root = ws
    actions = _logged_actions()
    assert {"add", "suggest", "train", "document.replace", "suggest.accept", "code-edit"} <= actions  # the scan sees them
    assert sorted(actions - set(ACTION_NAMES)) == []
    with find_project(root) as p, p.store.transaction():
        for action in ("suggest", "train", "document.replace", "coding.carry", "span.merge"):
            p.store.log("anna", action)
    sv = c.get("/").text
    for shown in ("föreslog koder", "tränade förslagen", "ersatte ett dokuments text", "förde över en kodning",
                  "slog ihop överlappande kodningar"):
        assert f"<td>{shown}</td>" in sv
    assert not re.findall(r"<td>(suggest|train|document\.replace|coding\.carry|span\.merge)</td>", sv)
    monkeypatch.setenv("QUALCODE_LANG", "en")
    assert "<td>suggested codes</td>" in c.get("/").text


def test_an_unknown_address_a_wrong_method_and_a_crash_answer_in_the_language(ws, monkeypatch):
    """Starlette's own 'Not Found', 'Method Not Allowed' and 'Internal Server Error' were English on every page."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    import qualcode.coding.workspace as workspace

    c, app, _csrf, _ids, _root = ws
    r = c.get("/dokument/1")
    assert r.status_code == 404
    assert "Sidan finns inte" in r.text and "Not Found" not in r.text and ">Översikt</a>" in r.text
    assert "/dokument/1" in r.text
    r = c.get("/undo")  # a write's address, opened as a page
    assert r.status_code == 405 and "Method Not Allowed" not in r.text and "Sidan går inte att öppna" in r.text

    def broken(project):
        raise RuntimeError("hemlig intervjutext")

    monkeypatch.setattr(workspace, "overview", broken)
    crashing = TestClient(app, raise_server_exceptions=False)
    crashing.cookies.update(c.cookies)
    r = crashing.get("/")
    assert r.status_code == 500
    assert "Internal Server Error" not in r.text and "Något gick fel i qualcode" in r.text
    assert "hemlig intervjutext" not in r.text and "Traceback" not in r.text  # no data, no traceback
    monkeypatch.setenv("QUALCODE_LANG", "en")
    assert "Page not found" in c.get("/dokument/1").text
    assert "Something went wrong in qualcode" in crashing.get("/").text


def test_the_team_refusal_without_a_session_speaks_the_language(tmp_path, monkeypatch):
    """An htmx request or a write after the session ended was titled 'Logga in' in English too."""
    import warnings

    from web_helpers import add_accounts, team_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    build(tmp_path / "p")[0].close()
    add_accounts(tmp_path / "p", {"anna": "admin"})
    c = TestClient(team_app(tmp_path / "p"), base_url="http://127.0.0.1")
    monkeypatch.setenv("QUALCODE_LANG", "en")
    r = c.post("/undo", headers={"Origin": "http://127.0.0.1"})
    assert r.status_code == 401 and "<title>Sign in" in r.text and "Logga in" not in r.text
    r = c.get("/documents/1", headers={"HX-Request": "true"})
    assert r.status_code == 401 and "Logga in" not in r.text
    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert "<title>Logga in" in c.post("/undo", headers={"Origin": "http://127.0.0.1"}).text


def test_a_grid_page_past_the_last_shows_the_last_page(ws):
    """After coding with 'uncoded only' the list is shorter: page 2 of a list that now has one page was empty."""
    c, _app, _csrf, _ids, _root = ws
    html = c.get("/grid?per=2&page=9").text
    assert "sida 2 av 2" in html and "sida 9" not in html
    assert html.count('<tr id="row-') == 2


def test_a_grid_filter_that_cannot_be_read_is_told_beside_the_form_she_typed_it_in(ws):
    """A typo in the metadata filter replaced the grid with an error page and lost the form."""
    c, _app, _csrf, _ids, _root = ws
    r = c.get("/grid?meta=stadsdel+Bromma&q=l%C3%B6n&sort=stadsdel")
    assert r.status_code == 422
    assert "ogiltigt filter &#39;stadsdel Bromma&#39;" in r.text and 'class="err"' in r.text
    assert 'name="meta" value="stadsdel Bromma"' in r.text and 'name="q" value="lön"' in r.text  # her input stays
    assert '<option value="stadsdel" selected>stadsdel</option>' in r.text and "Något gick fel" not in r.text
    assert '<tr id="row-' not in r.text
    r = c.get("/grid?code=P99")
    assert r.status_code == 422 and "okänd kod &#39;P99&#39;" in r.text and 'name="code" value="P99"' in r.text


def test_a_filter_naming_a_field_twice_says_so_instead_of_keeping_the_last(ws):
    """'stadsdel=Farsta, stadsdel=Bromma' showed Bromma's answers only, as if they were both districts'."""
    c, _app, _csrf, _ids, _root = ws
    r = c.get("/grid?meta=stadsdel%3DFarsta%2C+stadsdel%3DBromma")
    assert r.status_code == 422
    assert "stadsdel" in r.text and "två gånger" in r.text


def test_undo_after_coding_every_hit_takes_back_those_codings_and_nothing_older(ws):
    """Coding all hits left no undo step: Ångra then undid the change before it (here a grid cell), silently."""
    c, app, csrf, ids, root = ws
    c.post("/grid/toggle", data={"segment": ids["s2"], "code": "T-LON"}, headers=hx(csrf))
    c.post("/search/code", data={"csrf": csrf, "q": "rum", "code": "P13"})
    assert ("P13", "anna", "manual") in codings(root, ids["s1"]) and ("P13", "anna", "manual") in codings(root, ids["p0"])
    r = c.post(f"/undo?doc={ids['doc']}", headers=hx(csrf))
    assert "ångrade ändringen av P13" in r.text
    assert codings(root, ids["s1"]) == set()
    assert codings(root, ids["p0"]) == {("P13", MODEL_CODER, "suggested")}  # the model's suggestion is back
    assert codings(root, ids["s2"]) == {("T-LON", "anna", "manual")}  # the older change stays


def test_a_toggled_grid_row_comes_back_with_the_headers_columns(ws):
    """The toggle's address sent the metadata keys as one text ("('field', 'stadsdel', …)"): the row came back
    without its metadata cells, its code cells under the wrong headers."""
    c, app, csrf, ids, root = ws
    html = c.get("/grid").text
    headers = len(re.findall(r"<th[ >]", html.split("</thead>")[0]))
    toggle = re.search(r'hx-post="(/grid/toggle[^"]*)"', html).group(1).replace("&amp;", "&")
    row = c.post(toggle, data={"segment": ids["s1"], "code": "P13"}, headers=hx(csrf)).text
    assert len(re.findall(r'<td class="(?:answer|meta|cell)"', row)) == headers
    assert "Farsta" in row  # the metadata cells themselves


def test_undo_of_a_change_in_another_document_says_what_and_where_and_stays(ws):
    """Ångra on one document undid a coding in another and jumped there with an empty message line."""
    c, app, csrf, ids, root = ws
    c.post("/grid/toggle", data={"segment": ids["s1"], "code": "P13"}, headers=hx(csrf))  # in enkat#r2
    r = c.post(f"/undo?doc={ids['doc']}", headers=hx(csrf))
    assert r.status_code == 200 and "HX-Redirect" not in r.headers
    assert "ångrade ändringen av P13 i enkat#r2" in r.text
    assert f'data-doc="{ids["doc"]}"' in r.text  # the page she is on, drawn again
    assert codings(root, ids["s1"]) == set()
    c.post("/grid/toggle", data={"segment": ids["s1"], "code": "P13"}, headers=hx(csrf))
    r = c.post(f"/undo?doc={ids['a1']}", headers=hx(csrf))  # in the same document: named too
    assert "ångrade ändringen av P13 i enkat#r2" in r.text


@pytest.mark.parametrize("value", ["bromma", "BROMMA", "Bromma"])
def test_a_metadata_filter_ignores_case_on_every_page_as_in_the_grid(ws, value):
    """/grid read stadsdel=bromma as Bromma; /documents and /codes/… found nothing."""
    c, app, csrf, ids, root = ws
    c.post("/grid/toggle", data={"segment": ids["s0"], "code": "P13"}, headers=hx(csrf))  # Bromma
    c.post("/grid/toggle", data={"segment": ids["s1"], "code": "P13"}, headers=hx(csrf))  # Farsta
    html = c.get(f"/documents?meta=stadsdel%3D{value}").text
    assert "enkat#r1" in html and "enkat#r3" in html and "enkat#r2" not in html
    html = c.get(f"/codes/P13?meta=stadsdel%3D{value}").text
    assert "Passager: 1" in html and "för hög arbetsbelastning" in html
    assert "2 svar" in c.get(f"/grid?meta=stadsdel%3D{value}").text


def test_a_metadata_filter_folds_swedish_letters(tmp_path):
    """Casefold, not an ASCII lower: 'ÄLVSJÖ' finds Älvsjö."""
    from qualcode.coding.workspace import find_documents

    proj, ids = build(tmp_path / "p")
    with proj.store.transaction():
        proj.store.add_document(DocumentIn("enkat#r9", "survey", "svar", {"stadsdel": "Älvsjö"}), "s9")
    assert [r.name for r in find_documents(proj, meta={"stadsdel": "ÄLVSJÖ"})] == ["enkat#r9"]
    proj.close()


@pytest.mark.parametrize("quoted", ["\"eget rum\"", "”eget rum”", "“eget rum”", "„eget rum“", "«eget rum»", "»eget rum«", "'eget rum'", "’eget rum’"])
def test_a_phrase_in_swedish_or_typographic_quotation_marks_is_a_phrase(ws, quoted):
    """”eget rum” found nothing where "eget rum" found the answer: the marks stayed on the words."""
    c, app, csrf, ids, root = ws
    html = c.get("/search", params={"q": quoted}).text
    assert ": 1<" in html and '<mark class="hit">eget rum</mark>' in html


def test_undo_after_the_document_was_corrected_refuses_instead_of_coding_the_wrong_words(tmp_path):
    """A removed coding came back at its old offsets after `import notes --replace` moved the words."""
    from typer.testing import CliRunner

    from helpers import make_project
    from qualcode.cli.main import app as cli

    make_project(tmp_path).close()
    root = tmp_path / "p"
    note = tmp_path / "i1.md"
    note.write_text("Ett stycke i början.\n\nLönen har inte följt med.\n", encoding="utf-8")
    run = partial(CliRunner().invoke, cli)
    assert run(["-p", str(root), "import", "notes", str(note)]).exit_code == 0
    with find_project(root) as p:
        (doc,) = p.store.iter_documents()
    c, app, csrf = client(root)
    start = doc.text.index("Lönen")
    c.post(f"/documents/{doc.id}/codings", data={"start": start, "end": start + 5, "code": "T-LON"}, headers=hx(csrf))
    with find_project(root) as p:
        ((coding, _seg),) = list(p.store.iter_codings(code=["T-LON"], coder="anna"))
    c.post(f"/codings/{coding.id}/remove?doc={doc.id}", headers=hx(csrf))
    note.write_text("Ett nytt, mycket längre stycke i början.\n\nLönen har inte följt med.\n", encoding="utf-8")
    assert run(["-p", str(root), "import", "notes", str(note), "--replace"]).exit_code == 0
    r = c.post(f"/undo?doc={doc.id}", headers=hx(csrf))
    assert r.status_code == 422 and "rättats" in r.text and "i1" in r.text
    with find_project(root) as p:
        assert list(p.store.iter_codings(code=["T-LON"], coder="anna")) == []
    r = c.post(f"/undo?doc={doc.id}", headers=hx(csrf))  # the step is gone: the one before it (the coding) comes next
    assert "rättats" in r.text
    assert "inget att ångra" in c.post(f"/undo?doc={doc.id}", headers=hx(csrf)).text


def test_a_key_quote_toggles_the_flag_of_that_codings_coder_only(ws):
    """Nyckelcitat on her coding removed a colleague's flag on the same paragraph (and set none of hers)."""
    from qualcode.coding.service import flag_coding_quote

    c, app, csrf, ids, root = ws
    doc, start = ids["doc"], TEXT.index(PARAS[2])
    c.post(f"/documents/{doc}/codings", data={"start": start, "end": start + 15, "code": "P05"}, headers=hx(csrf))
    with find_project(root) as p:
        flag_coding_quote(p, ids["p2"], "P02", "bo")
        mine = p.store.find_coding(ids["p2"], "P05", "anna").id

    def flags() -> set[tuple[int, str]]:
        with find_project(root) as p:
            return {(s, who) for s, who, _n in p.store.quote_flags([ids["p2"]])}

    r = c.post(f"/codings/{mine}/quote?doc={doc}", headers=hx(csrf))
    assert "markerat som nyckelcitat" in r.text
    assert flags() == {(ids["p2"], "bo"), (ids["p2"], "anna")}
    r = c.post(f"/codings/{mine}/quote?doc={doc}", headers=hx(csrf))
    assert "nyckelcitat borttaget" in r.text
    assert flags() == {(ids["p2"], "bo")}  # hers went, her colleague's stays
    c.post(f"/undo?doc={doc}", headers=hx(csrf))
    assert flags() == {(ids["p2"], "bo"), (ids["p2"], "anna")}
    c.post(f"/undo?doc={doc}", headers=hx(csrf))
    assert flags() == {(ids["p2"], "bo")}


def test_the_key_quote_removed_message_follows_the_language(ws, monkeypatch):
    c, app, csrf, ids, root = ws
    monkeypatch.setenv("QUALCODE_LANG", "en")
    c.post(f"/codings/{ids['bo_p02']}/quote?doc={ids['doc']}", headers=hx(csrf))
    r = c.post(f"/codings/{ids['bo_p02']}/quote?doc={ids['doc']}", headers=hx(csrf))
    assert "key quote removed" in r.text and "nyckelcitat" not in r.text


def test_a_key_quote_flags_the_chosen_coding_only_not_her_other_codings_on_the_paragraph(ws):
    """Nyckelcitat on one of two span codings in a paragraph flagged both (the flag was the segment's)."""
    from qualcode.coding.service import document_codings

    c, app, csrf, ids, root = ws
    doc, start = ids["doc"], TEXT.index(PARAS[3])
    for code, a, b in (("P06", 0, 12), ("P05", 17, 22)):
        c.post(f"/documents/{doc}/codings", data={"start": start + a, "end": start + b, "code": code}, headers=hx(csrf))
    with find_project(root) as p:
        p06 = p.store.find_coding(ids["p3"], "P06", "anna").id
    c.post(f"/codings/{p06}/quote?doc={doc}", headers=hx(csrf))

    def quoted() -> dict[str, bool]:
        with find_project(root) as p:
            return {s.code_id: s.key_quote for s in document_codings(p, doc) if s.coder == "anna"}

    assert quoted() == {"P06": True, "P05": False}
    html = c.get(f"/documents/{doc}").text
    marks = re.findall(r'<mark class="([^"]*)"[^>]*data-code="([^"]*)" [^>]*data-coder="anna"', html)
    assert sorted(code for cls, code in marks if "quote" in cls.split()) == ["P06"]
    c.post(f"/documents/{doc}/codings", data={"start": start + 30, "end": start + 44, "code": "P13"}, headers=hx(csrf))
    assert quoted() == {"P06": True, "P05": False, "P13": False}  # a later coding there is not a key quote
    c.post(f"/codings/{p06}/quote?doc={doc}", headers=hx(csrf))
    assert quoted() == {"P06": False, "P05": False, "P13": False}


def test_a_refused_form_offers_the_way_back_to_it_and_only_to_this_workspace(ws):
    c, app, csrf, ids, root = ws
    own = "http://testserver/search?q=lokal"  # the codebook's forms show themselves again instead (below)
    r = c.post("/search/code", data={"csrf": csrf, "q": "lokal", "code": "NOPE"}, headers={"Referer": own})
    assert r.status_code == 422
    assert f'href="{own}" data-back' in r.text and "Tillbaka till formuläret" in r.text
    r = c.post("/search/code", data={"csrf": csrf, "q": "lokal", "code": "NOPE"}, headers={"Referer": "http://evil.example/x"})
    assert r.status_code == 422 and "data-back" not in r.text


def test_a_memo_changed_in_another_tab_since_the_page_showed_it_is_not_overwritten(ws):
    c, app, csrf, ids, root = ws
    doc = ids["doc"]
    cid = ids["sug_p13"]
    c.post(f"/codings/{cid}/accept?doc={doc}", headers=hx(csrf))
    r = c.post(f"/codings/{cid}/memo?doc={doc}", data={"memo": "första fliken", "was": ""}, headers=hx(csrf))
    assert r.status_code == 200, r.text
    # the second tab still shows the memo as it was (empty) and saves its own text
    r = c.post(f"/codings/{cid}/memo?doc={doc}", data={"memo": "andra fliken", "was": ""}, headers=hx(csrf))
    assert r.status_code == 422 and "har ändrats sedan sidan visade det (nu: &#39;första fliken&#39;)" in r.text
    with find_project(root) as p:
        assert p.store.get_coding(cid).memo == "första fliken"
    # shown the current memo, she saves over it on purpose
    r = c.post(f"/codings/{cid}/memo?doc={doc}", data={"memo": "andra fliken", "was": "första fliken"}, headers=hx(csrf))
    assert r.status_code == 200
    with find_project(root) as p:
        assert p.store.get_coding(cid).memo == "andra fliken"


def test_a_codebook_change_redirects_so_a_reload_does_not_send_it_again(ws):
    c, app, csrf, ids, root = ws
    r = c.post("/codebook/add", data={"csrf": csrf, "id": "T-HOT2", "name": "Hot"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/codebook"
    first = c.get("/codebook")
    assert "lade till T-HOT2 Hot" in first.text
    again = c.get("/codebook")  # a reload: the page, not the change a second time, nor its message
    assert again.status_code == 200 and "lade till T-HOT2" not in again.text and "finns redan" not in again.text


def test_a_message_shows_its_commands_as_code_not_backticks(ws):
    c, app, csrf, ids, root = ws
    r = c.post("/codebook/add", data={"csrf": csrf, "id": "P13", "name": "<b>Igen</b>"})
    assert r.status_code == 422
    lead = r.text.split('id="codebook-error">', 1)[1].split("</p>", 1)[0]
    assert "`" not in lead and "<b>" not in lead


def test_ticks_turn_a_messages_command_into_code_and_escape_the_rest():
    from qualcode.web.app import _ticks

    assert str(_ticks("kör `qualcode serve` <script>")) == "kör <code>qualcode serve</code> &lt;script&gt;"
    assert str(_ticks("`<b>`")) == "<code>&lt;b&gt;</code>"
