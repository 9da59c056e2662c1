"""Screenshots of the workspace's main pages for the README, taken from the demo project.

Builds the demo project (`qualcode demo`) in a temporary folder, serves it on a loopback port,
and lets Debian's Chromium (Playwright) open each page and save a PNG in docs/screenshots/.
Run:

    python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHROMIUM = "/usr/bin/chromium"


def serve(root: Path, token: str):  # type: ignore[no-untyped-def]
    import uvicorn

    from qualcode.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(root, token), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "screenshots")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from qualcode.demo import run_demo
    from qualcode.project import find_project

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        run_demo(root)
        with find_project(root) as p:
            # suggestions on coded paragraphs too, so that the document page shows some in place
            from qualcode.suggest.service import suggest_project

            suggest_project(p, segments="all")
            docs = {d.name: d.id for d in p.store.iter_documents(kind="note")}
            # an interview with both codings and open suggestions
            def weight(i: int) -> tuple[int, int]:
                spans = p.store.document_codings(i, ("manual", "accepted", "suggested"))
                open_ = sum(1 for c in spans if c.source == "suggested")
                return min(open_, len(spans) - open_), len(spans)

            best = max(docs.values(), key=weight)
        server, thread, url = serve(root, "demo")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
                page.goto(f"{url}/?token=demo")
                shots = [
                    ("oversikt", "/", None),
                    ("dokument", f"/documents/{best}", "document"),
                    ("enkatsvar", "/grid?meta=field%3Dmotivering", None),
                    ("kodbok", "/codebook", None),
                    ("passager", "/codes/G-ADMIN", None),
                    ("rakna", "/counts?by=termin&kind=note", None),
                ]
                for name, path, action in shots:
                    page.goto(url + path)
                    page.wait_for_load_state("networkidle")
                    if action == "document":
                        mark = page.locator("mark.hl.sug").first
                        if mark.count():
                            mark.scroll_into_view_if_needed()
                            mark.click()
                            page.locator("#panel section").first.wait_for()
                        page.evaluate("window.scrollTo(0, 0)")
                    page.screenshot(path=str(args.out / f"{name}.png"), full_page=False)
                    print(args.out / f"{name}.png")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)


if __name__ == "__main__":
    main()
