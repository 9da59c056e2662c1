"""Benchmark `qualcode tag`: time from a decision to the next segment on screen (goal < 200 ms).

Builds a generated project (documents, paragraph segments, model suggestions on a share of
them, a second coder's codings), then drives a TagSession with scripted commands and times
each step: the decision (its own transaction plus the session state) and the next view
(segment, context, codes, suggestions). Run:

    python scripts/bench_tag.py [--docs 300] [--paras 20] [--steps 200] [--order uncertain]

At scale, on a project built elsewhere (`scripts/bench_scale.py 1000000 --keep DIR`: 1,000,000
survey answers, every one with stored suggestions); the session's decisions are written to
it, so give it a copy:

    python scripts/bench_tag.py --project DIR [--order document] [--retrain process|own|thread]

`--retrain process`: the steps are timed while another process retrains, as a colleague's
`qualcode train --cv 0` and then `qualcode suggest run` on the same project (steps are
reported per phase; the suggest run is stopped once the steps are done, which keeps the
batches it stored). `--retrain own`: the session's own background retrain, as `qualcode tag`
starts it (a spawned child process running train + suggest for the project); `--retrain thread`:
the same retrain in a thread of this process, as it ran before (Retrainer(in_thread=True)).
CPU time of this process is given beside wall time.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
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
    ap.add_argument("--project", type=Path, help="an existing project to tag in (its decisions are written to it)")
    ap.add_argument("--coder", default="anna")
    ap.add_argument("--retrain", choices=["process", "own", "thread"], help="time the steps while the model retrains")
    ap.add_argument("--pause", type=float, default=0.05, help="seconds between steps while retraining")
    args = ap.parse_args()

    if args.project:
        run(args, args.project, None)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        t0 = time.perf_counter()
        build(root, args.docs, args.paras, args.seed)
        run(args, root, time.perf_counter() - t0)


def run(args: argparse.Namespace, root: Path, built: float | None) -> None:
    from qualcode.coding.retrain import Retrainer, default_trainer
    from qualcode.coding.uncertainty import Margins
    from qualcode.project import find_project

    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    with find_project(root) as project:
        n_segments = project.store.count_segments()
        n_suggestions = project.store.stats()["suggestions"]
        retrainer = (Retrainer(project.location or project.root, default_trainer(), every=1, in_thread=args.retrain == "thread")
                     if args.retrain in ("own", "thread") else None)
        c0, t0 = time.process_time(), time.perf_counter()
        session = TagSession(project, coder=args.coder, spec=QueueSpec(order=args.order), retrainer=retrainer,
                             session=f"bench-{args.order}")
        view = session.view()
        start_ms, start_cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        scores = None
        if args.order == "uncertain":  # what the queue was ranked from, alone (after the start: a cold start)
            c0, t0 = time.process_time(), time.perf_counter()
            Margins(project.store).of_segments(project.store, [MODEL_CODER, args.coder])
            scores = (n_suggestions, time.perf_counter() - t0, time.process_time() - c0)
        writer = Writer(root) if args.retrain == "process" else None
        if retrainer is not None:
            retrainer.every = 1  # the first 'done' starts it
        rng = random.Random(args.seed)
        decide: list[float] = []
        nxt: dict[str, list[tuple[float, float]]] = {}
        try:
            for i in range(args.steps):
                if view is None:
                    break
                phase = writer.phase() if writer else ("retrain" if retrainer and retrainer.busy else "quiet")
                if writer and phase == "done":
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
                c0, t0 = time.process_time(), time.perf_counter()
                session.apply("")  # done: save, then show the next segment
                view = session.view()
                nxt.setdefault(phase, []).append(((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000))
                if args.retrain:
                    time.sleep(args.pause)
                    if retrainer is not None and i == 0:
                        time.sleep(2.0)  # let the retrain get going
        finally:
            if writer:
                writer.stop()
    size = f"{built:.1f} s" if built is not None else str(root)
    print(f"project: {n_segments:,} segments, {n_suggestions:,} open suggestions ({size}), order={args.order}")
    print(f"session start (queue + first view): {start_ms:.0f} ms wall, {start_cpu:.0f} ms CPU")
    if scores is not None:
        print(f"  its margins read and taken alone (Margins.of_segments over {scores[0]:,} open suggestions, after the start): "
              f"{scores[1]:.2f} s wall, {scores[2]:.2f} s CPU")
    for phase, values in nxt.items():
        label = {"quiet": "", "train": " while `qualcode train` runs", "suggest": " while `qualcode suggest run` runs",
                 "retrain": f" while the session's own retrain runs ({'a thread' if args.retrain == 'thread' else 'a child process'})"}.get(phase, f" ({phase})")
        print(f"next segment (save 'done' + next view){label}, {len(values)} segments: "
              f"{_stats([w for w, _c in values])}; CPU {_stats([c for _w, c in values])} (goal < 50 ms)")
    print(f"one decision (accept/reject/add, own transaction), {len(decide)} decisions: {_stats(decide)}")
    if writer:
        print(f"retrain process: {writer.summary()}")


class Writer:
    """Another process retraining the project: `qualcode train --cv 0`, then `qualcode suggest run`."""

    def __init__(self, root: Path):
        exe = shutil.which("qualcode") or sys.exit("qualcode is not installed in this environment")
        self.root = root
        self.steps = [[exe, "train", "--cv", "0", "-p", str(root)], [exe, "suggest", "run", "-p", str(root)]]
        self.names = ["train", "suggest"]
        self.started = time.perf_counter()
        self.times: list[str] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self._next()

    def _next(self) -> None:
        cmd = self.steps.pop(0)
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def phase(self) -> str:
        """'train', 'suggest' or 'done'; starts the next command when one has finished."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            name = self.names[len(self.times)]
            self.times.append(f"{name} {time.perf_counter() - self.t0:.1f} s (exit {self.proc.returncode})")
            if not self.steps:
                return "done"
            self._next()
        return self.names[len(self.times)]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.times.append(f"{self.names[len(self.times)]} stopped after {time.perf_counter() - self.t0:.1f} s")
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait()

    def summary(self) -> str:
        return "; ".join(self.times)


def _stats(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "-"
    p95 = values[int(0.95 * (len(values) - 1))]
    return f"median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, max {values[-1]:.1f} ms"

if __name__ == "__main__":
    main()
