"""Benchmark the browser workspace through its whole HTTP stack (gate, route, service, template).

Goals (issue 15): a 300,000-character transcript with 500 codings renders in < 1 s; a survey-grid
page over 100,000 answers in < 300 ms; coding a selection round-trips in < 100 ms.

Builds a generated project (one long transcript, a normal interview, N survey answers with
metadata and codes), then times requests with Starlette's test client (in process: the gate,
CSRF check, routing, the service call on its own connection in a worker thread, the Jinja2
template). Run:

    python scripts/bench_web.py [--chars 300000] [--codings 500] [--answers 100000] [--repeat 15]

At scale, on a project built elsewhere (`scripts/bench_scale.py 1000000 --keep DIR`), the
requests of a coder working through the suggestions: the next uncertain suggestion, the answer
it opens, deciding it, and survey-grid pages; `--retrain process` times them again while
another process runs `qualcode train --cv 0` and `qualcode suggest run` on the same project
(as in `bench_tag.py`). Decisions are written to the project, so give it a copy:

    python scripts/bench_web.py --project DIR [--retrain process] [--repeat 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn  # noqa: E402
from qualcode.project import init_project  # noqa: E402

WORDS = (
    "arbetsbelastning ärenden handläggare lokaler tysta rum administratör introduktion mentor lön "
    "kollegor chef stöd utbildning omorganisation studenter trainee handledning brukare enkät "
    "socialsekreterare biståndshandläggare stadsdel förvaltning personalomsättning IT-system"
).split()
DISTRICTS = ["Farsta", "Bromma", "Älvsjö", "Kista", "Skärholmen", "Södermalm"]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize() + "."


def add_note(st, rng: random.Random, name: str, chars: int) -> tuple[int, list[int], str]:  # type: ignore[no-untyped-def]
    parts: list[str] = []
    total = 0
    while total < chars:
        p = " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
        parts.append(p)
        total += len(p) + 2
    text = "\n\n".join(parts)[:chars]
    doc = st.add_document(DocumentIn(name, "note", text, {"stadsdel": "Farsta", "termin": "HT2016"}), f"h-{name}")
    pos, segs = 0, []
    for i, p in enumerate(parts):
        start = text.find(p, pos)
        if start < 0:
            break
        segs.append(SegmentIn(doc, "paragraph", i, start, start + len(p), ""))
        pos = start + len(p)
    st.add_segments(segs)
    ids = [s.id for s in st.iter_segments(document=doc)]
    return doc, ids, text


def build(root: Path, chars: int, n_codings: int, answers: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    project = init_project(root, name="bench", coder="anna")
    leaves = [c.id for c in project.codebook.leaves]
    st = project.store
    out: dict[str, int] = {}
    with st.transaction():
        big, big_segs, _ = add_note(st, rng, "lang-transkription", chars)
        # 500 codings: manual by two coders, open suggestions; several per paragraph where they fall
        made = 0
        while made < n_codings:
            sid = rng.choice(big_segs)
            code = rng.choice(leaves)
            kind = rng.random()
            if kind < 0.5:
                st.upsert_coding(sid, code, "anna", "manual")
            elif kind < 0.7:
                st.upsert_coding(sid, code, "bo", "manual")
            else:
                st.upsert_coding(sid, code, MODEL_CODER, "suggested", score=round(rng.random(), 3),
                                 model_version="bench", reason="nyckelord: lokal")
            made += 1
        small, small_segs, small_text = add_note(st, rng, "gruppintervju", 12_000)
        for sid in rng.sample(small_segs, 10):
            st.upsert_coding(sid, rng.choice(leaves), "anna", "manual")
        out.update(big=big, small=small, small_start=0, small_end=min(40, len(small_text)))
        for n in range(answers):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
            doc = st.add_document(
                DocumentIn(f"enkat#{n}", "survey", text, {"respondent": str(n), "field": "motivering",
                                                          "stadsdel": rng.choice(DISTRICTS),
                                                          "roll": rng.choice(["chef", "handläggare"])}),
                f"s-{n}",
            )
            st.add_segments([SegmentIn(doc, "response", 0, 0, len(text), "")])
        for sid in rng.sample(st.segment_ids(unit="response"), min(answers, answers // 5)):
            st.upsert_coding(sid, rng.choice(leaves), "anna", "manual")
    out["codings_big"] = sum(1 for _ in st.iter_codings(document=big, sources=("manual", "accepted", "suggested")))
    project.close()
    return out


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=300_000)
    ap.add_argument("--codings", type=int, default=500)
    ap.add_argument("--answers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--project", type=Path, help="an existing (large) project: time a coder's requests on it")
    ap.add_argument("--retrain", choices=["process"], help="with --project: again while another process retrains")
    args = ap.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from qualcode.web.app import create_app

    if args.project:
        at_scale(args, TestClient, create_app)
        return

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        t0 = time.perf_counter()
        ids = build(root, args.chars, args.codings, args.answers)
        print(f"built: {args.chars:,} chars with {ids['codings_big']} codings, {args.answers:,} answers "
              f"({time.perf_counter() - t0:.1f} s)")
        app = create_app(root, "tok")
        c = TestClient(app)
        c.get("/?token=tok")
        (session,) = app.state.sessions.values()
        hx = {"X-CSRF-Token": session.csrf, "HX-Request": "true"}

        def ok(r):  # type: ignore[no-untyped-def]
            assert r.status_code == 200, r.text[:300]
            return r

        big = ids["big"]
        size = len(ok(c.get(f"/documents/{big}")).content)
        rows = [("transcript page /documents/{id}", *timed(lambda: ok(c.get(f"/documents/{big}")), args.repeat),
                 f"{size / 1e6:.1f} MB HTML", 1000)]
        for label, url in (("survey grid, page 1", "/grid"), ("survey grid, page 1000", "/grid?page=1000"),
                           ("survey grid sorted by stadsdel, page 500", "/grid?sort=stadsdel&page=500"),
                           ("survey grid filtered stadsdel=Bromma", "/grid?meta=stadsdel%3DBromma&page=20")):
            rows.append((label, *timed(lambda u=url: ok(c.get(u)), args.repeat), "50 rows", 300))
        small = ids["small"]
        state = {"n": 0}

        def code_small() -> None:
            state["n"] += 1
            ok(c.post(f"/documents/{small}/codings?doc={small}", headers=hx,
                      data={"start": ids["small_start"], "end": ids["small_end"], "code": "P13"}))
            ok(c.post(f"/undo?doc={small}", headers=hx))

        med, worst = timed(code_small, args.repeat)
        rows.append(("code a selection + undo (12,000-char interview), per request", med / 2, worst / 2,
                     "re-rendered text", 100))

        def code_big() -> None:
            ok(c.post(f"/documents/{big}/codings?doc={big}", headers=hx, data={"start": 0, "end": 30, "code": "T-IT"}))
            ok(c.post(f"/undo?doc={big}", headers=hx))

        med, worst = timed(code_big, max(3, args.repeat // 3))
        rows.append((f"code a selection + undo ({args.chars:,}-char transcript), per request", med / 2, worst / 2,
                     "re-rendered text", 100))
        print(f"{'request':<66} {'median ms':>10} {'max ms':>8}  goal")
        for label, med, worst, note, goal in rows:
            flag = "ok" if med < goal else "OVER"
            print(f"{label:<66} {med:>10.1f} {worst:>8.1f}  < {goal} ms {flag} ({note})")


def at_scale(args, TestClient, create_app) -> None:  # type: ignore[no-untyped-def]
    """A coder's requests on a large existing project, quiet and (optionally) while it retrains."""
    import os
    import re

    from bench_tag import Writer, _stats

    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    t0 = time.perf_counter()
    app = create_app(args.project, "tok", retrain_every=0)
    c = TestClient(app)
    c.get("/?token=tok")
    print(f"server start + overview page: {(time.perf_counter() - t0) * 1000:.0f} ms")
    (session,) = app.state.sessions.values()
    hx = {"X-CSRF-Token": session.csrf, "HX-Request": "true"}

    def ok(r):  # type: ignore[no-untyped-def]
        assert r.status_code in (200, 303), r.text[:300]
        return r

    def requests() -> dict[str, list[tuple[float, float]]]:
        times: dict[str, list[tuple[float, float]]] = {}

        def timed_one(label: str, fn):  # type: ignore[no-untyped-def]
            c0, t = time.process_time(), time.perf_counter()
            out = fn()
            times.setdefault(label, []).append(((time.perf_counter() - t) * 1000, (time.process_time() - c0) * 1000))
            return out

        for i in range(args.repeat):
            r = timed_one("next uncertain suggestion /suggestions/next", lambda: ok(c.get("/suggestions/next", follow_redirects=False)))
            where = r.headers.get("location", "")
            m = re.match(r"/documents/(\d+)#c(\d+)", where)
            if not m:
                break
            doc, coding = m.groups()
            timed_one("the answer it opens /documents/{id}", lambda: ok(c.get(f"/documents/{doc}")))
            action = "reject" if i % 2 else "accept"
            timed_one("decide it (accept/reject, re-rendered answer)",
                      lambda: ok(c.post(f"/codings/{coding}/{action}?doc={doc}", headers=hx)))
            page = 1 + (i * 997) % 20_000
            timed_one("survey grid, page 1..20,000", lambda: ok(c.get(f"/grid?page={page}")))
            timed_one("survey grid sorted by stadsdel, page 500", lambda: ok(c.get("/grid?sort=stadsdel&page=500")))
            timed_one("survey grid filtered stadsdel=Bromma, page 20", lambda: ok(c.get("/grid?meta=stadsdel%3DBromma&page=20")))
            if writer_box and writer_box[0].phase() == "done":
                break
        return times

    def show(title: str, times: dict[str, list[tuple[float, float]]]) -> None:
        print(title)
        for label, values in times.items():
            print(f"  {label:<48} {_stats([w for w, _c in values])}; CPU {_stats([c for _w, c in values])}")

    writer_box: list[Writer] = []
    show("quiet:", requests())
    if args.retrain:
        writer_box.append(Writer(args.project))
        try:
            time.sleep(1.0)
            phases = {}
            while writer_box[0].phase() != "done" and len(phases) < 2:
                phase = writer_box[0].phase()
                if phase in phases:
                    time.sleep(1.0)
                    continue
                phases[phase] = requests()
                show(f"while `qualcode {'train --cv 0' if phase == 'train' else 'suggest run'}` runs:", phases[phase])
        finally:
            writer_box[0].stop()
        print(f"retrain process: {writer_box[0].summary()}")


if __name__ == "__main__":
    main()
