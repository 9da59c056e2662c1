#!/usr/bin/env python
"""Benchmark: import + segmentation of N generated survey comments vs a plain script.

The reference is "`spacy.blank('sv')` tokenizer + simplemma" (scripts/plain_reference.py):
a plain script that reads the same CSV, hashes each text, tokenizes, lemmatizes and inserts
into SQLite. Prints comments/s for both, the ratio import time / reference time (measured in
the same run; the goal is at most 1.25), and peak memory (max RSS of a fresh process per
measurement) at N and N/10, to show that memory does not grow with N. CPU time (user + system of
the measured call) is printed beside wall time: on a shared machine it is the steadier figure.
With --repeat K the reference and the import alternate K times and every run is printed.
Usage: python scripts/bench_import.py [--n 100000] [--seed 1] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

OPENINGS = [
    "Jag trivs med mina kollegor", "Arbetsbelastningen är för hög", "Vår chef finns nära och lyssnar",
    "Lokalerna är trånga och det saknas samtalsrum", "Introduktionen för nyanställda har blivit bättre",
    "Administratören avlastar oss mycket", "Omorganisationen skapar oro i gruppen",
    "Det nya verksamhetssystemet krånglar", "Lönen motsvarar inte ansvaret", "Ärendehandledningen ger stöd",
    "Vi har för många ärenden per handläggare", "Personalomsättningen är fortfarande stor",
    "Jag får gå specialistutbildning", "Vi tar emot socionomstudenter varje termin",
]
ENDINGS = [
    "och det märks i vardagen.", "men det har blivit bättre sedan förra mätningen.",
    "vilket gör att jag kan göra ett gott arbete.", "så jag funderar på att söka mig vidare.",
    "och jag kan rekommendera arbetsplatsen.", "trots att ledningen försöker.", "",
]


def comments(n: int, seed: int):
    rng = random.Random(seed)
    for i in range(n):
        yield f"{rng.choice(OPENINGS)} {rng.choice(ENDINGS)} {rng.choice(OPENINGS).lower()}. (nr {i})"


def write_csv(path: Path, n: int, seed: int) -> None:
    with path.open("w", encoding="cp1252", newline="") as fh:
        fh.write("id;stadsdel;termin;motivering\r\n")
        for i, text in enumerate(comments(n, seed)):
            fh.write(f"E{i};Bromma;HT201{i % 3 + 6};{text}\r\n")


def worker(mode: str, n: int, seed: int, tmp: Path, workers: int) -> dict:
    csv_path = tmp / f"bench-{n}.csv"
    if not csv_path.exists():
        write_csv(csv_path, n, seed)
    if mode == "plain":
        from plain_reference import plain_import

        db = tmp / f"plain-{n}.db"
        db.unlink(missing_ok=True)
        t, c = time.perf_counter(), _cpu()
        stored = plain_import(csv_path, db, "motivering", "id", encoding="cp1252")
        secs, cpu = time.perf_counter() - t, _cpu() - c
        assert stored == n, stored
    else:
        from qualcode.ingest.service import import_survey
        from qualcode.project import init_project

        project = init_project(Path(tempfile.mkdtemp(prefix=f"proj-{n}-", dir=tmp)) / "p")
        t, c = time.perf_counter(), _cpu()
        result = import_survey(project, csv_path, ["motivering"], id_column="id", workers=workers)
        secs, cpu = time.perf_counter() - t, _cpu() - c  # the pool's processes have ended: their CPU counts
        assert result.documents == n, result
        project.close()
    return {"mode": mode, "n": n, "seconds": secs, "cpu": cpu,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _cpu() -> float:
    """User + system CPU seconds of this process and of its ended child processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_child(mode: str, n: int, seed: int, tmp: Path, workers: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, "--n", str(n), "--seed", str(seed), "--tmp", str(tmp),
         "--workers", str(workers)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="alternate reference and import this many times")
    ap.add_argument("--worker", choices=["plain", "import"])
    ap.add_argument("--tmp", type=Path)
    ap.add_argument("--workers", type=int, default=None,
                    help="segmenting processes (default: as the command line, one per core, at most 2)")
    args = ap.parse_args()
    from qualcode.core.workers import default_workers

    workers = args.workers or default_workers()
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.seed, args.tmp, workers)))
        return
    runs = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for _ in range(max(args.repeat, 1)):
            plain = run_child("plain", args.n, args.seed, tmp, workers)
            imp = run_child("import", args.n, args.seed, tmp, workers)
            runs.append((plain, imp))
        small = run_child("import", max(args.n // 10, 1), args.seed, tmp, workers)
    from plain_reference import IMPORT_NAME

    print(f"comments: {args.n:,}; qualcode segments on {workers} process(es)")
    for k, (plain, imp) in enumerate(runs, 1):
        print(f"run {k}: reference, {IMPORT_NAME}: {args.n / plain['seconds']:,.0f} comments/s "
              f"({plain['seconds']:.1f} s wall, {plain['cpu']:.1f} s CPU)")
        print(f"run {k}: qualcode import + segmentation: {args.n / imp['seconds']:,.0f} comments/s "
              f"({imp['seconds']:.1f} s wall, {imp['cpu']:.1f} s CPU)")
        print(f"run {k}: ratio import / reference: {imp['seconds'] / plain['seconds']:.2f} wall, "
              f"{imp['cpu'] / plain['cpu']:.2f} CPU")
    plain, imp = runs[-1]
    print(f"peak RSS import: {imp['max_rss_mb']:.0f} MB at N={args.n:,} (its largest segmenting process "
          f"{imp['children_rss_mb']:.0f} MB); {small['max_rss_mb']:.0f} MB at N={small['n']:,}; "
          f"reference {plain['max_rss_mb']:.0f} MB")

if __name__ == "__main__":
    main()
