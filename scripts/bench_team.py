#!/usr/bin/env python3
"""N coders at once against one `qualcode serve --team` on loopback: throughput, latency, nothing lost.

    python scripts/bench_team.py                 # 8 coders, 60 codings each, SQLite
    python scripts/bench_team.py --db postgresql+psycopg://postgres@127.0.0.1:55432/postgres
    python scripts/bench_team.py --coders 16 --codings 100 --seconds 300

`--db` names a PostgreSQL server: the project's database is created there for the run (a new
`qc_bench_team_…`) and dropped afterwards; without it the project is a SQLite file.

Builds a project in a temporary folder (200 interview paragraphs over 10 documents, through the
store), makes one coder account per client (`qualcode user add … --password-stdin`), starts the
real command `qualcode serve --team` in its own process, and lets N threads, each an httpx
client with its own session, sign in and then code selections as fast as the server answers
(each coder her own random order over the same paragraphs, so coders meet on the same
paragraphs). Bounded in count (`--codings` each) and time (`--seconds` in all).

Afterwards, from the project: every coding answered 200 is there exactly once (0 lost, 0
duplicated), nothing else is, and the audit log has exactly one `add` entry per coding, naming
the account that made it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bänkens-lösenord"
SENTENCES = [
    "Vi har fått nya lokaler med tysta rum för samtal.",
    "Lönen har inte följt med och många slutar därför.",
    "Introduktionen av nyanställda fungerar bra med mentor.",
    "Handläggarna får hjälp av administratörer med posten.",
    "Arbetsbelastningen är hög under hösten.",
    "Chefen är närvarande och lyssnar på gruppen.",
    "Vi saknar ett fungerande IT-stöd för journalerna.",
    "Samarbetet i arbetsgruppen har blivit bättre.",
]
CODES = ["P13", "T-LON", "P02", "P06", "T-PERS", "T-IT"]


def build(root: Path, db: str | None, n_docs: int = 10, paras: int = 20) -> list[tuple[int, int, int]]:
    """The project (its database `db`, else SQLite in the folder); its paragraphs as (document, start, end)."""
    from qualcode.core.records import DocumentIn, SegmentIn
    from qualcode.project import init_project

    rng = random.Random(7)
    spans = []
    with (init_project(root, name="bänk", coder="bänk", db=db) if db else init_project(root, name="bänk", coder="bänk")) as proj:
        st = proj.store
        with st.transaction():
            for d in range(n_docs):
                texts = [" ".join(rng.sample(SENTENCES, 3)) for _ in range(paras)]
                text = "\n\n".join(texts)
                doc = st.add_document(DocumentIn(f"intervju-{d + 1}", "note", text, {"nr": d + 1}), f"h{d}")
                pos, segs = 0, []
                for i, t in enumerate(texts):
                    start = text.index(t, pos)
                    segs.append(SegmentIn(doc, "paragraph", i, start, start + len(t), ""))
                    spans.append((doc, start, start + len(t)))
                    pos = start + len(t)
                st.add_segments(segs)
    return spans


@contextmanager
def pg_database(server: str) -> Iterator[str]:
    """A new database on the PostgreSQL server for this run, dropped afterwards; yields its URL."""
    import uuid

    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    url = make_url(server)
    name = f"qc_bench_team_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        from qualcode.store.engine import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cli(*args: str, stdin: str | None = None) -> None:
    subprocess.run([sys.executable, "-m", "qualcode.cli.main", *args], input=stdin, text=True, check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def serve(root: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode.cli.main", "serve", "--team", "--no-browser", "-p", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit(f"serve --team did not start: {url} {proc.stderr.read() if proc.stderr else ''}")
    base = url.rsplit("/login", 1)[0]
    import httpx

    for _ in range(200):
        try:
            httpx.get(base + "/login", timeout=2)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("serve --team did not answer")


def coder(base: str, name: str, work: list[tuple[int, int, int, str]], deadline: float,
          out: dict[str, list[tuple[float, int, tuple[int, int, int, str]]]], start: threading.Barrier) -> None:
    import httpx

    results: list[tuple[float, int, tuple[int, int, int, str]]] = []
    with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as c:
        form = c.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        r = c.post("/login", data={"csrf": token, "name": name, "password": PASSWORD})
        csrf = re.search(r'data-csrf="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
        start.wait()
        for doc, a, b, code in work:
            if time.monotonic() > deadline:
                break
            t = time.perf_counter()
            r = c.post(f"/documents/{doc}/codings?doc={doc}", data={"start": a, "end": b, "code": code},
                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
            results.append((time.perf_counter() - t, r.status_code, (doc, a, b, code)))
    out[name] = results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coders", type=int, default=8)
    ap.add_argument("--codings", type=int, default=60, help="codings per coder")
    ap.add_argument("--seconds", type=float, default=600, help="stop sending after this long")
    ap.add_argument("--db", help="a PostgreSQL server URL: the project lives in a database made there for the run")
    args = ap.parse_args()

    from qualcode.project import find_project

    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        db = stack.enter_context(pg_database(args.db)) if args.db else None
        root = Path(tmp) / "team"
        spans = build(root, db)
        names = [f"kodare{i + 1}" for i in range(args.coders)]
        cli("user", "add", "admin", "--role", "admin", "--password-stdin", "-p", str(root), stdin=PASSWORD + "\n")
        for n in names:
            cli("user", "add", n, "--role", "coder", "--password-stdin", "-p", str(root), stdin=PASSWORD + "\n")
        proc, base = serve(root)
        try:
            out: dict[str, list[tuple[float, int, tuple[int, int, int, str]]]] = {}
            barrier = threading.Barrier(args.coders + 1, timeout=120)
            deadline = time.monotonic() + args.seconds
            threads = []
            for i, n in enumerate(names):
                rng = random.Random(i)
                order = rng.sample(spans, min(args.codings, len(spans)))
                work = [(d, a, b, CODES[(k + i) % len(CODES)]) for k, (d, a, b) in enumerate(order)]
                threads.append(threading.Thread(target=coder, args=(base, n, work, deadline, out, barrier)))
            for t in threads:
                t.start()
            barrier.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(30)

        lat = sorted(x[0] for rs in out.values() for x in rs)
        ok = {(n, *w) for n, rs in out.items() for (_, status, w) in rs if status == 200}
        failed = [(n, status) for n, rs in out.items() for (_, status, _) in rs if status != 200]
        with find_project(root) as p:
            rows = [(c.id, c.coder, c.document_id, c.start, c.end, c.code_id)
                    for c, _ in p.store.iter_codings(sources=("manual",))]
            adds = [(e.actor, e.coding_id) for e in p.store.iter_audit() if e.action == "add"]
        stored = [r[1:] for r in rows]
        lost = ok - set(stored)
        duplicated = len(stored) - len(set(stored))
        extra = set(stored) - ok
        # one `add` per coding, naming the account the coding carries
        audit_ok = sorted(adds) == sorted((who, cid) for cid, who, *_ in rows)
        q = statistics.quantiles(lat, n=20) if len(lat) >= 20 else [float("nan")] * 19
        engine = "PostgreSQL" if db else "SQLite (WAL)"
        print(f"engine: {engine} · {args.coders} coders · {len(lat)} requests in {wall:.1f} s "
              f"({len(ok) / wall:.1f} codings/s)")
        print(f"latency per coding request: p50 {statistics.median(lat) * 1000:.0f} ms, p95 {q[18] * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms")
        print(f"answered 200: {len(ok)}, refused: {len(failed)} {sorted(set(failed))[:5]}")
        print(f"lost: {len(lost)}, duplicated: {duplicated}, stored but never answered 200: {len(extra)}, "
              f"audit: {len(adds)} add entries for {len(ok)} codings — {'consistent' if audit_ok else 'NOT consistent'}")
        if lost or duplicated or extra or not audit_ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
