"""What a person does with the mouse and keys in the workspace, in Debian's Chromium via Playwright.

Skipped where Chromium or Playwright is missing, but never on CI (`CI=true`): `.ci/run` installs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest
from web_helpers import PARAS, TEXT, build

from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn
from qualcode.project import find_project

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


def _need(what: str, ok: bool) -> None:
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} saknas på CI — .ci/run installerar det")
        pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("playwright", False)
    _need("chromium", shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM))
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Server:
    """uvicorn in a thread on a free loopback port, stopped when the test ends."""

    def __init__(self, root, token="tok"):
        import uvicorn

        from qualcode.web.app import create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        config = uvicorn.Config(create_app(root, token), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("servern startade inte")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def ws(tmp_path, browser):
    proj, ids = build(tmp_path / "p")
    proj.close()
    with Server(tmp_path / "p") as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors  # a test that breaks the connection on purpose clears what that logs
        page.goto(f"{server.url}/documents/{ids['doc']}?token={server.token}")
        page.wait_for_selector("#doctext")
        yield page, ids, tmp_path / "p", server
        assert not errors, errors  # no CSP violation, no script error
        context.close()


def codings(root, segment):
    with find_project(root) as p:
        return {(c.code_id, c.coder, c.source) for c in p.store.codings_for_segment(segment)}


def settled(page, selector: str) -> None:
    """Wait for `selector`, then for htmx to finish wiring swapped-in content (its settle step)."""
    page.wait_for_selector(selector)
    page.wait_for_selector(".htmx-added, .htmx-settling", state="detached")


def select_text(page, phrase: str) -> None:
    """Select `phrase` in the document text as a mouse drag would, then release the mouse."""
    start = TEXT.index(phrase)
    page.evaluate(
        """([start, end]) => {
            const spans = [...document.querySelectorAll('#doctext [data-o]')];
            const at = (off) => {
                const s = spans.filter((x) => Number(x.dataset.o) <= off).pop();
                return [s.firstChild, off - Number(s.dataset.o)];
            };
            const r = document.createRange();
            r.setStart(...at(start));
            r.setEnd(...at(end));
            const sel = window.getSelection();
            sel.removeAllRanges();
            sel.addRange(r);
        }""",
        [start, start + len(phrase)],
    )
    box = page.locator("#doctext").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.dispatch_event("#doctext", "mouseup")


def test_select_words_pick_a_code_by_name_and_undo(ws):
    page, ids, root, _ = ws
    select_text(page, "Handläggarna får hjälp")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.type("administrativt stöd till soc")
    assert page.locator("#picker-list li").first.get_attribute("data-code") == "P06"
    page.keyboard.press("Enter")
    page.wait_for_selector('mark[data-code="P06"][data-coder="anna"]')
    assert codings(root, ids["p3"]) == {("P06", "anna", "manual")}
    mark = page.locator('mark[data-code="P06"][data-coder="anna"]').first
    start = TEXT.index("Handläggarna får hjälp")  # exactly the selected words
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end")) == (str(start), str(start + 22))
    # a margin stripe per coding: drawn once htmx has settled the swap, a moment after the mark
    # (a selector wait: the page's CSP forbids the eval a wait_for_function string needs)
    page.locator(".stripe").nth(2).wait_for(state="attached", timeout=5000)
    assert "kodade «Handläggarna får hjälp» med P06" in page.locator("#flash").inner_text()
    page.locator("#doctext").click(position={"x": 5, "y": 5})
    page.keyboard.press("u")
    page.wait_for_selector('mark[data-code="P06"][data-coder="anna"]', state="detached")
    assert codings(root, ids["p3"]) == set()


def test_accept_and_reject_suggestions_in_the_text(ws):
    page, ids, root, _ = ws
    page.locator('mark[data-code="P13"].sug').first.click()
    settled(page, "#panel button.accept")
    assert "nyckelord: lokal" in page.locator("#panel").inner_text()
    page.locator("#panel button.accept").click()
    page.wait_for_selector('mark[data-code="P13"][data-source="accepted"]')
    assert codings(root, ids["p0"]) == {("P13", "anna", "accepted")}
    page.locator('mark[data-code="T-LON"].sug').first.click()
    settled(page, f'#panel section[data-coding="{ids["sug_lon"]}"] button.reject')
    page.keyboard.press("r")  # the key does what the button does
    page.wait_for_selector('mark[data-code="T-LON"]', state="detached")
    assert codings(root, ids["p1"]) == {("T-LON", MODEL_CODER, "rejected")}


def test_remove_a_coding_from_its_panel_and_write_a_memo(ws):
    page, ids, root, _ = ws
    select_text(page, "nya lokaler")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.type("P13")
    page.keyboard.press("Enter")
    page.wait_for_selector('mark[data-code="P13"][data-coder="anna"]')
    page.locator('mark[data-code="P13"][data-coder="anna"]').first.click()
    settled(page, "#panel textarea")
    page.fill("#panel textarea", "flytten till Liljeholmen")
    page.click("#panel form button")
    page.locator("#flash", has_text="memo på P13 sparat").wait_for()
    with find_project(root) as p:
        assert p.store.find_coding(ids["p0"], "P13", "anna").memo == "flytten till Liljeholmen"
    page.locator('mark[data-code="P13"][data-coder="anna"]').first.click()
    settled(page, "#panel button.remove")
    page.click("#panel button.remove")
    page.wait_for_selector('mark[data-code="P13"][data-coder="anna"]', state="detached")
    assert codings(root, ids["p0"]) == set()
    page.click("#undo-btn")
    page.wait_for_selector('mark[data-code="P13"][data-coder="anna"]')
    assert codings(root, ids["p0"]) == {("P13", "anna", "manual")}


def test_toggle_a_code_in_the_survey_grid(ws):
    page, ids, root, server = ws
    page.goto(f"{server.url}/grid")
    cell = f'#row-{ids["s1"]} button[data-code="P13"]'
    page.click(cell)
    page.wait_for_selector(f'{cell}[aria-pressed="true"]')
    assert codings(root, ids["s1"]) == {("P13", "anna", "manual")}
    headers = page.locator("table.grid thead th").count()  # the row drawn again has every column
    assert page.locator(f'#row-{ids["s1"]} > td:not([hidden])').count() == headers
    page.focus(cell)
    page.keyboard.press("Enter")  # by keyboard too
    page.wait_for_selector(f'{cell}[aria-pressed="false"]')
    assert codings(root, ids["s1"]) == set()
    assert "&lt;script&gt;" not in page.locator("table.grid").inner_text()
    assert "<script>alert('x')</script>" in page.locator("table.grid").inner_text()  # shown as text


class AppServer(Server):
    """uvicorn with a given app (the team workspace) in a thread."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)


def test_a_coder_signs_in_codes_a_selection_as_her_account_and_sees_a_colleague_live(tmp_path, browser):
    from web_helpers import PASSWORD, add_accounts, team_app

    from qualcode.coding.workspace import code_selection

    proj, ids = build(tmp_path / "p")
    proj.close()
    root = tmp_path / "p"
    add_accounts(root, {"anna": "admin", "bo": "coder"})
    with AppServer(team_app(root, live_seconds=0.5)) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server.url}/documents/{ids['doc']}")
        page.wait_for_selector("form input#name:focus")  # the sign-in page, the name field ready for typing
        page.keyboard.type("bo")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector("#doctext")
        assert page.url == f"{server.url}/documents/{ids['doc']}"
        assert "inloggad som bo (kodare)" in page.locator(".who").inner_text()
        select_text(page, "Handläggarna får hjälp")
        page.wait_for_selector("#picker:not([hidden])")
        page.keyboard.type("P06")
        page.keyboard.press("Enter")
        page.wait_for_selector('mark[data-code="P06"][data-coder="bo"]')
        assert codings(root, ids["p3"]) == {("P06", "bo", "manual")}
        with find_project(root) as p:
            assert next(p.store.iter_audit(limit=1)).actor == "bo"
            start = TEXT.index("Lönen")
            code_selection(p, ids["doc"], start, start + len("Lönen"), ["T-LON"], "anna")
        page.wait_for_selector('mark[data-code="T-LON"][data-coder="anna"]', timeout=15000)  # no reload
        assert "anna ändrade dokumentet" in page.locator("#flash").inner_text()
        page.locator("form.logout button").click()
        page.wait_for_selector("text=Du är utloggad.")
        assert not errors, errors
        context.close()


def _selected(page) -> str:
    return page.evaluate("() => window.getSelection().toString()")


def test_select_and_code_words_by_keyboard(ws):
    """No mouse: s/S a sentence, p a paragraph, Shift+←/→ the end, Alt+Shift+←/→ the start, Enter, a code."""
    page, ids, root, _ = ws
    page.focus("#doctext")
    page.keyboard.press("s")
    assert _selected(page) == "Vi har fått nya lokaler."
    page.keyboard.press("s")
    assert _selected(page) == "Det finns tysta rum för samtal."
    page.keyboard.press("Shift+S")
    assert _selected(page) == "Vi har fått nya lokaler."
    page.keyboard.press("p")  # the paragraph around the sentence
    assert _selected(page) == PARAS[0]
    page.keyboard.press("p")
    assert _selected(page) == PARAS[1]
    page.keyboard.press("Shift+P")
    page.keyboard.press("s")  # the first sentence of the selected paragraph is not "around" it: the next one
    assert _selected(page) == "Lönen har inte följt med."
    page.keyboard.press("Shift+S")
    assert _selected(page) == "Det finns tysta rum för samtal."
    page.keyboard.press("Shift+S")
    assert _selected(page) == "Vi har fått nya lokaler."
    page.keyboard.press("Shift+ArrowLeft")
    assert _selected(page) == "Vi har fått nya lokaler"
    for _ in range(3):
        page.keyboard.press("Alt+Shift+ArrowRight")
    assert _selected(page) == "nya lokaler"
    assert "«nya lokaler»" in page.locator("#selstatus").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.type("P13")
    page.keyboard.press("Enter")
    page.wait_for_selector('mark[data-code="P13"][data-coder="anna"]')
    mark = page.locator('mark[data-code="P13"][data-coder="anna"]').first
    start = TEXT.index("nya lokaler")  # exactly the words chosen
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end")) == (str(start), str(start + 11))
    assert codings(root, ids["p0"]) >= {("P13", "anna", "manual")}
    page.wait_for_function("document.activeElement && document.activeElement.id === 'doctext'")
    page.keyboard.press("s")  # the keyboard goes on where it was
    assert _selected(page) == "Det finns tysta rum för samtal."
    page.keyboard.press("Enter")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("Escape")  # back to the text, nothing coded
    page.wait_for_function("document.activeElement && document.activeElement.id === 'doctext'")
    page.keyboard.press("Shift+ArrowRight")  # the end grows by a word, into the next paragraph if asked
    assert _selected(page).startswith("Det finns tysta rum för samtal.") and _selected(page).endswith("Lönen")


EMOJI = "Stämningen är bättre 😊 efter omorganisationen. Chefen 👍 är närvarande."


def select_phrase(page, phrase: str) -> None:
    """Select `phrase` where it stands in the page's text, as the mouse would (DOM offsets), then release."""
    assert page.evaluate(
        """(phrase) => {
            const walk = document.createTreeWalker(document.getElementById('doctext'), NodeFilter.SHOW_TEXT);
            for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                const i = n.data.indexOf(phrase);
                if (i < 0) continue;
                const r = document.createRange();
                r.setStart(n, i);
                r.setEnd(n, i + phrase.length);
                window.getSelection().removeAllRanges();
                window.getSelection().addRange(r);
                return true;
            }
            return false;
        }""",
        phrase,
    )
    page.dispatch_event("#doctext", "mouseup")


def test_offsets_after_an_emoji_are_the_documents_by_mouse_and_by_keyboard(ws):
    """The page counts an emoji as two (UTF-16), the document as one character: the coded words are the selected ones."""
    page, ids, root, server = ws
    with find_project(root) as p, p.store.transaction():
        doc = p.store.add_document(DocumentIn("emoji", "note", EMOJI, {}), "he")
        p.store.add_segments([SegmentIn(doc, "paragraph", 0, 0, len(EMOJI), "")])
    page.goto(f"{server.url}/documents/{doc}")
    select_phrase(page, "omorganisationen")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.type("T-OMORG")
    page.keyboard.press("Enter")
    page.wait_for_selector('mark[data-code="T-OMORG"][data-coder="anna"]')
    mark = page.locator('mark[data-code="T-OMORG"][data-coder="anna"]').first
    start = EMOJI.index("omorganisationen")
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end")) == (str(start), str(start + 16))
    assert "«omorganisationen»" in page.locator("#flash").inner_text()
    page.focus("#doctext")
    page.keyboard.press("s")
    page.keyboard.press("s")  # the second sentence, after both emoji
    assert _selected(page) == "Chefen 👍 är närvarande."
    assert "«Chefen 👍 är närvarande.»" in page.locator("#selstatus").inner_text()
    page.keyboard.press("Shift+ArrowLeft")
    assert _selected(page) == "Chefen 👍 är närvarande"
    page.keyboard.press("Enter")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.type("P05")
    page.keyboard.press("Enter")
    page.wait_for_selector('mark[data-code="P05"][data-coder="anna"]')
    mark = page.locator('mark[data-code="P05"][data-coder="anna"]').first
    start = EMOJI.index("Chefen")
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end")) == (str(start), str(start + 22))


def test_a_accepts_the_suggestion_the_queue_went_to_not_the_first_in_the_panel(ws):
    """Two open suggestions on one passage: `n` goes to the uncertain one, and `a` must accept that one."""
    page, ids, root, server = ws
    with find_project(root) as p, p.store.transaction():
        uncertain = p.store.upsert_coding(ids["p0"], "T-OMORG", MODEL_CODER, "suggested", score=0.51,
                                          model_version="m1", reason="nyckelord: omorganisation")
    page.goto(f"{server.url}/suggestions/next")
    page.wait_for_selector(f"#c{uncertain}.active")
    settled(page, f'#panel section[data-coding="{uncertain}"] button.accept')
    assert page.locator("#panel section").count() == 2  # P13's suggestion is in the panel too
    page.keyboard.press("a")
    page.wait_for_selector('mark[data-code="T-OMORG"][data-source="accepted"]')
    assert codings(root, ids["p0"]) == {("T-OMORG", "anna", "accepted"), ("P13", MODEL_CODER, "suggested")}


def test_coding_when_the_server_has_stopped_says_so(ws):
    """The picker closed and nothing happened: she could not tell that her coding was never saved."""
    page, ids, root, server = ws
    server.__exit__(None, None, None)
    page.context.set_offline(True)  # and no other server answers on that port either
    select_text(page, "nya lokaler")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.type("P13")
    page.keyboard.press("Enter")
    page.locator("#flash p.err", has_text="qualcode svarade inte").wait_for(timeout=10000)
    assert codings(root, ids["p0"]) == {("P13", MODEL_CODER, "suggested")}
    page.context.set_offline(False)
    page.console_errors.clear()  # the failed request, logged by Chromium and htmx


def test_margin_labels_overlap_neither_each_other_nor_a_stripe(ws):
    """A label runs down beside its stripe; a short stripe's label ran into the next lane's stripe and the next label."""
    from qualcode.coding.workspace import code_selection

    page, ids, root, server = ws
    with find_project(root) as p:
        for phrase, codes in [("nya lokaler", ["T-OMORG", "T-KLIMAT"]), ("tysta rum", ["T-DELAKT"]),
                              ("Lönen", ["T-KLIMAT"]), ("Många slutar", ["T-OMORG"])]:
            start = TEXT.index(phrase)
            code_selection(p, ids["doc"], start, start + len(phrase), codes, "anna")
    page.goto(f"{server.url}/documents/{ids['doc']}")
    page.locator(".stripe").nth(7).wait_for(state="attached", timeout=5000)
    boxes = page.evaluate("""() => [...document.querySelectorAll('.stripe')].flatMap((d, i) => {
        const r = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
        return [[i, d.title + ' stripe', ...r(d)], [i, d.title + ' label', ...r(d.querySelector('span'))]];
    })""")
    clash = [(a[1], b[1]) for n, a in enumerate(boxes) for b in boxes[n + 1:]
             if a[0] != b[0] and a[2] < b[4] and b[2] < a[4] and a[3] < b[5] and b[3] < a[5]]
    assert clash == []


CRLF = "Första raden om lönen.\r\nAndra raden om lokaler.\rTredje om mentorer."


def test_offsets_after_a_carriage_return_are_the_documents(ws):
    """A survey answer keeps its CSV cell's CR LF; the HTML parser made it one LF, so the coding moved a character."""
    page, ids, root, server = ws
    with find_project(root) as p, p.store.transaction():
        doc = p.store.add_document(DocumentIn("enkat#crlf", "survey", CRLF, {}), "hc")
        p.store.add_segments([SegmentIn(doc, "response", 0, 0, len(CRLF), "")])
    page.goto(f"{server.url}/documents/{doc}")
    select_phrase(page, "mentorer")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.type("P02")
    page.keyboard.press("Enter")
    page.wait_for_selector('mark[data-code="P02"][data-coder="anna"]')
    mark = page.locator('mark[data-code="P02"][data-coder="anna"]').first
    start = CRLF.index("mentorer")
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end")) == (str(start), str(start + 8))
    assert "«mentorer»" in page.locator("#flash").inner_text()


def test_a_memo_typed_but_not_saved_is_not_lost(ws):
    """Clicking another passage replaced the panel and dropped the memo; leaving the page did too, unasked."""
    from qualcode.coding.workspace import code_selection

    page, ids, root, server = ws
    with find_project(root) as p:
        for phrase, code in [("nya lokaler", "P13"), ("Lönen", "T-LON")]:
            start = TEXT.index(phrase)
            code_selection(p, ids["doc"], start, start + len(phrase), [code], "anna")
    page.goto(f"{server.url}/documents/{ids['doc']}")
    page.locator('mark[data-code="P13"][data-coder="anna"]').first.click()
    settled(page, "#panel textarea")
    page.fill("#panel textarea", "flytten till Liljeholmen ✓")
    page.locator('mark[data-code="T-LON"][data-coder="anna"]').first.click()
    page.locator("#flash", has_text="memo på P13 sparat").wait_for()
    with find_project(root) as p:
        assert p.store.find_coding(ids["p0"], "P13", "anna").memo == "flytten till Liljeholmen ✓"
    page.locator('mark[data-code="T-LON"][data-coder="anna"]').first.click()
    settled(page, "#panel textarea")
    page.fill("#panel textarea", "jämför med Huddinge")
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]


def test_the_grid_by_keyboard_arrows_move_and_the_focus_stays_after_a_toggle(ws):
    """A toggle drew the row again and the focus fell to the page: the next cell was many Tabs away."""
    page, ids, root, server = ws
    page.goto(f"{server.url}/grid")
    cell = f'#row-{ids["s1"]} button[data-code="P13"]'
    page.focus(cell)
    page.keyboard.press("Enter")
    page.wait_for_selector(f'{cell}[aria-pressed="true"]')
    focused = "() => { const e = document.activeElement; return [e.closest('tr') && e.closest('tr').id, e.dataset.code]; }"
    page.wait_for_function(f"() => document.activeElement && document.activeElement.matches('{cell}')")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(focused) == [f"row-{ids['s1']}", "T-OMORG"]
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == [f"row-{ids['s2']}", "T-OMORG"]
    page.keyboard.press("Space")
    toggled = f'#row-{ids["s2"]} button[data-code="T-OMORG"][aria-pressed="true"]'
    page.wait_for_selector(toggled)
    page.wait_for_function(f"() => document.activeElement && document.activeElement.matches('{toggled}')")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(focused) == [f"row-{ids['s1']}", "P13"]
    assert codings(root, ids["s1"]) == {("P13", "anna", "manual")}
    assert codings(root, ids["s2"]) == {("T-OMORG", "anna", "manual")}


@pytest.mark.parametrize("url", ["/codebook", "/counts?by=stadsdel,termin", "/grid", "/documents/1"])
def test_a_page_fits_a_small_laptop_screen_wide_tables_scroll_in_their_box(ws, url):
    """The codebook and the counts ran past the window's right edge at 1024 px, the menu bar ending short of them."""
    page, ids, root, server = ws
    page.set_viewport_size({"width": 1024, "height": 700})
    page.goto(f"{server.url}{url}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1024


def test_enter_in_an_empty_picker_codes_nothing_until_a_code_is_highlighted(ws):
    """Enter with nothing typed coded the first code in the list (P01)."""
    page, ids, root, _ = ws
    select_text(page, "Handläggarna får hjälp")
    page.wait_for_selector("#picker:not([hidden])")
    assert page.locator('#picker-list li[aria-selected="true"]').count() == 0  # nothing highlighted yet
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert codings(root, ids["p3"]) == set()
    assert page.locator("#picker:not([hidden])").count() == 1  # still open, waiting for a code
    page.keyboard.press("ArrowDown")  # the first code, highlighted by hand
    first = page.locator('#picker-list li[aria-selected="true"]').get_attribute("data-code")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'mark[data-code="{first}"][data-coder="anna"]')
    assert codings(root, ids["p3"]) == {(first, "anna", "manual")}


def test_a_sentence_takes_its_closing_quotation_mark_and_no_abbreviation_ends_it(ws):
    page, ids, root, _ = ws
    text = "Hon sa: ”Vi trodde att det var en enkät till.” Sedan gick det t.ex. fort (se www.stockholm.se). Klart!"
    spans = page.evaluate("(t) => window.qualcodeSentences(t)", text)
    assert [text[a:b] for a, b in spans] == [
        "Hon sa: ”Vi trodde att det var en enkät till.”", "Sedan gick det t.ex. fort (se www.stockholm.se).", "Klart!",
    ]


def test_d_opens_the_details_of_the_codings_at_the_keyboards_place_and_focuses_them(ws):
    """No mouse: s selects the first sentence, d opens its codings' details, Tab reaches their controls."""
    page, ids, root, _ = ws
    page.focus("#doctext")
    page.keyboard.press("s")
    page.keyboard.press("d")
    settled(page, "#panel section[data-coding]")
    assert "P13" in page.locator("#panel").inner_text()
    assert page.evaluate("() => document.getElementById('panel').contains(document.activeElement)")


def test_brackets_step_through_the_codings_by_keyboard(ws):
    """No mouse: ] reaches each coding in text order (selected, active, its details shown), [ goes back."""
    page, ids, root, _ = ws
    order = page.evaluate("""() => {
        const seen = new Set(), out = [];
        for (const m of document.querySelectorAll('#doctext mark.hl')) {
            if (!seen.has(m.dataset.coding)) { seen.add(m.dataset.coding); out.push([+m.dataset.start, -m.dataset.end, +m.dataset.coding]); }
        }
        return out.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]).map((x) => String(x[2]));
    }""")
    assert len(order) >= 2
    page.focus("#doctext")
    reached = []
    for _ in order:
        before = reached[-1] if reached else None
        page.keyboard.press("]")
        page.wait_for_function("(before) => { const m = document.querySelector('#doctext mark.hl.active');"
                               " return m && m.dataset.coding !== before; }", arg=before)
        active = page.locator("#doctext mark.hl.active").first
        reached.append(active.get_attribute("data-coding"))
        start, end = int(active.get_attribute("data-start")), int(active.get_attribute("data-end"))
        assert page.evaluate("() => window.getSelection().toString()") == TEXT[start:end]
        # its details come from the server: the panel shows them once they have come (the one before until then)
        settled(page, f'#panel section[data-coding="{reached[-1]}"]')
    assert reached == order  # every coding once, in text order
    page.keyboard.press("[")
    page.wait_for_function(f"() => document.querySelector('#doctext mark.hl.active').dataset.coding === '{order[-2]}'")
    assert page.evaluate("() => document.activeElement.id") == "doctext"  # the keys keep working: the text keeps the focus
