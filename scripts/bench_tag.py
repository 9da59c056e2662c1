"""Benchmark `qualcode tag`: time from a decision to the next segment on screen (goal < 200 ms).

Builds a generated project (documents, paragraph segments, model suggestions on a share of
them, a second coder's codings), then drives a TagSession with scripted commands and times
each step: the decision (its own transaction plus the session state) and the next view
(segment, context, codes, suggestions). Run:

    python scripts/bench_tag.py [--docs 300] [--paras 20] [--steps 200] [--order uncertain]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qualcode.core.records import MODEL_CODER, DocumentIn, SegmentIn  # noqa: E402
from qualcode.project import init_project  # noqa: E402
from qualcode.coding.tagging import QueueSpec, TagSession

WORDS = (
    "arbetsbelastning ärenden handläggare lokaler tysta rum administratör introduktion mentor lön "
    "kollegor chef stöd utbildning omorganisation studenter trainee handledning brukare enkät "
    "socialsekreterare biståndshandläggare stadsdel förvaltning personalomsättning IT-system"
).split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def build(root: Path, docs: int, paras: int, seed: int) -> None:
    rng = random.Random(seed)
    project = init_project(root, name="bench", coder="anna")
    leaves = [c.id for c in project.codebook.leaves]
    st = project.store
    with st.transaction():
        for d in range(docs):
            parts = [" ".join(sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(paras)]
            text = "\n\n".join(parts)
            meta = {"stadsdel": rng.choice(["Farsta", "Bromma", "Älvsjö", "Kista"]), "termin": rng.choice(["HT2016", "VT2018"])}
            doc_id = st.add_document(DocumentIn(f"intervju-{d}", "note", text, meta), f"bench-{d}")
            pos, segs = 0, []
            for i, p in enumerate(parts):
                start = text.index(p, pos)
                segs.append(SegmentIn(doc_id, "paragraph", i, start, start + len(p), ""))
                pos = start + len(p)
            st.add_segments(segs)
        for sid in st.segment_ids():
            if rng.random() < 0.4:
                for code in rng.sample(leaves, rng.randint(1, 3)):
                    st.upsert_coding(sid, code, MODEL_CODER, "suggested", score=round(rng.random(), 3),
                                     model_version="bench", reason="nyckelord")
            if rng.random() < 0.1:
                st.upsert_coding(sid, rng.choice(leaves), "bo", "manual")
    project.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--paras", type=int, default=20)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--order", default="uncertain", choices=["uncoded", "uncertain", "document"])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from qualcode.project import find_project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        t0 = time.perf_counter()
        build(root, args.docs, args.paras, args.seed)
        built = time.perf_counter() - t0
        with find_project(root) as project:
            n_segments = project.store.count_segments()
            t0 = time.perf_counter()
            session = TagSession(project, coder="anna", spec=QueueSpec(order=args.order))
            view = session.view()
            start_ms = (time.perf_counter() - t0) * 1000
            rng = random.Random(args.seed)
            decide: list[float] = []
            nxt: list[float] = []
            for _ in range(args.steps):
                if view is None:
                    break
                commands = []
                if view.suggestions and rng.random() < 0.7:
                    commands.append("a 1" if rng.random() < 0.6 else "r 1")
                if rng.random() < 0.3:
                    commands.append("+ " + rng.choice(["lokaler", "P03", "lön", "mentor"]))
                for c in commands:
                    t0 = time.perf_counter()
                    session.apply(c)
                    decide.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                session.apply("")  # done: save, then show the next segment
                view = session.view()
                nxt.append((time.perf_counter() - t0) * 1000)
    print(f"project: {args.docs} documents, {n_segments} segments (built in {built:.1f} s), order={args.order}")
    print(f"session start (queue + first view): {start_ms:.0f} ms")
    print(f"next segment (save 'done' + next view), {len(nxt)} segments: {_stats(nxt)} (goal < 200 ms)")
    print(f"one decision (accept/reject/add, own transaction), {len(decide)} decisions: {_stats(decide)}")


def _stats(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "-"
    p95 = values[int(0.95 * (len(values) - 1))]
    return f"median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, max {values[-1]:.1f} ms"

if __name__ == "__main__":
    main()
