#!/usr/bin/env python3
"""`qualcode db copy` there and back: SQLite → PostgreSQL → SQLite for a generated project of N answers.

    python scripts/bench_copy.py [N ...] [--pg postgresql://postgres@127.0.0.1:55432/postgres]

For each N: a project of N survey answers (one segment and one manual coding each) is built
through the store, copied to a new PostgreSQL database and back to a new folder by the CLI, each
copy in its own process. Prints wall time and peak RSS per copy (os.wait4), the sizes, and the
same for `qualcode db info` on the project (what the interpreter and the imports take alone),
so a flat memory shows as the same peak for every N. The database is dropped afterwards.
The project is built in a process of its own too: Linux keeps a parent's peak RSS in a child's
figure across fork + exec, so a large parent would hide the copies' own peaks.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = "lön lokaler arbetsbelastning mentor introduktion handläggare administratör stöd chef tid".split()


def build(root: Path, n: int) -> None:
    from qualcode.core.records import DocumentIn, SegmentIn
    from qualcode.project import init_project

    rnd = random.Random(1)
    with init_project(root, coder="anna") as project:
        st = project.store
        with st.transaction():
            for i in range(n):
                text = " ".join(rnd.choice(WORDS) for _ in range(40)) + f" svar {i} åäö"
                meta = {"respondent": f"r{i}", "stadsdel": rnd.choice(["Bromma", "Älvsjö", "Farsta"])}
                doc = st.add_document(DocumentIn(f"enkät#{i}", "survey", text, meta), f"h{i}")
                st.add_segments([SegmentIn(doc, "response", 0, 0, len(text), text)])
            for seg in list(st.iter_segments()):
                st.upsert_coding(seg.id, rnd.choice(["P13", "P06", "P02"]), "anna", "manual")


def measure(*args: str) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one `qualcode …` process; fails loudly if it fails."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "qualcode.cli.main", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"qualcode {' '.join(args)} failed: {err}")
    return wall, usage.ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000])
    ap.add_argument("--pg", default=os.environ.get("QUALCODE_TEST_PG") or "postgresql://postgres@127.0.0.1:55432/postgres")
    ap.add_argument("--build", metavar="DIR", help=argparse.SUPPRESS)  # the child that builds the project
    opts = ap.parse_args()
    if opts.build:
        build(Path(opts.build), opts.sizes[0])
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    server = make_url(opts.pg).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    print("| answers | SQLite file | to PostgreSQL | back to SQLite | `db info` alone |")
    print("|---|---|---|---|---|")
    for n in opts.sizes:
        name = f"qc_bench_copy_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory() as tmp:
                src, back = Path(tmp) / "källa", Path(tmp) / "tillbaka"
                subprocess.run([sys.executable, __file__, str(n), "--build", str(src)], check=True)
                url = server.set(database=name).render_as_string(hide_password=False)
                info = measure("db", "info", "-p", str(src))
                there = measure("db", "copy", str(src), url)
                home = measure("db", "copy", url, str(back))
                size = (src / "qualcode.db").stat().st_size / 1e6
                print(f"| {n:,} | {size:.1f} MB | {there[0]:.1f} s, {there[1]} MB | {home[0]:.1f} s, {home[1]} MB "
                      f"| {info[0]:.1f} s, {info[1]} MB |", flush=True)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


if __name__ == "__main__":
    main()
