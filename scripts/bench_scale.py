"""Build a project of N generated comments through the CLI and time each step beside plain scripts.

    python scripts/bench_scale.py N [--train 1000] [--seed 0] [--keep DIR]
    python scripts/bench_scale.py N --project DIR [--repeat 2]   # counts and report on a kept project

Steps, each a separate `qualcode` process (wall time, CPU time of it and its workers, peak RSS of
its largest process from GNU time, peak summed PSS of its process tree, and the database size
after it): `init`, `import survey` (a `;` CSV of N generated comments),
`train` (on `--train` comments coded with their generated codes; the coding itself is set
up in-process and not timed), `suggest run` (every uncoded segment, reasons stored),
`counts --by stadsdel` and `report --by termin` (Markdown, DOCX and XLSX). Every comment
carries the metadata `stadsdel` (7 districts) and `termin` (4 terms). With `--project DIR` (a
project kept by `--keep`) nothing is built: only `counts` and `report` are measured on it, each
`--repeat` times, so a change to them is measured without the import and suggest steps.

References, measured in the same run, on the same texts, as plain scripts
(`scripts/plain_reference.py`), each run as its own process like the steps (the ratio), and
again as calls inside this process, with their modules already loaded (`in-proc`):
- import: "`spacy.blank('sv')` tokenizer + simplemma": read the CSV, hash each text, tokenize
  with `spacy.blank('sv')`, lemmatize each word with simplemma (cached per word) and insert
  text and lemmas into an SQLite table (one executemany per 1,000 rows, one commit).
- suggest: "scikit-learn TF-IDF + LogisticRegression": the same tokens and lemmas for the N
  texts, a word 1-2-gram TfidfVectorizer and one LogisticRegression (liblinear) per code
  trained on the `--train` coded comments, predict_proba for all N.
The ratio is step / reference. The machine may be shared: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_suggest import generate  # noqa: E402  (same generated comments as bench_suggest.py)
from plain_reference import IMPORT_NAME, SUGGEST_NAME, plain_import, plain_suggest  # noqa: E402


DISTRICTS = ["Bromma", "Farsta", "Hägersten-Älvsjö", "Kungsholmen", "Rinkeby-Kista", "Södermalm", "Östermalm"]
TERMS = ["VT2016", "HT2016", "VT2017", "HT2017"]


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _pss_mb(pids: list[int]) -> float:
    """The summed proportional set size of `pids` (shared pages divided among the processes)."""
    kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    kb += int(line.split()[1])
                    break
        except OSError:
            continue
    return kb / 1024.0


def _sample_tree(root: int, peak: list[float], done: threading.Event) -> None:
    """Peak summed PSS of the command's process tree (the command and its forked workers), every 0.2 s."""
    while not done.wait(0.2):
        peak[0] = max(peak[0], _pss_mb(_tree(root)))


def run_step(args: list[str], cwd: Path, command: list[str] | None = None) -> dict[str, float]:
    """Run one CLI command; wall, CPU (user+sys, its workers included) and peak memory.

    Peak RSS comes from GNU time (`/usr/bin/time -f %M`), which starts the command from its own
    small process: Linux keeps a process's peak RSS across exec, so a command started straight
    from this script would report this script's size (large at 1,000,000) as its own. It is the
    largest single process of the command (a forked worker's if larger), so beside it the peak
    summed PSS of the whole process tree is sampled (`tree`, where /proc has smaps_rollup): what
    the command and its workers hold together, their shared pages counted once.
    """
    exe = (shutil.which("qualcode") or sys.exit("qualcode is not installed in this environment")) if command is None else ""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    rss_file = cwd / "rss.txt"
    t0 = time.perf_counter()
    proc = subprocess.Popen([gnu_time, "-f", "%M", "-o", str(rss_file), *(command or [exe]), *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, done = [0.0], threading.Event()
    sampler = threading.Thread(target=_sample_tree, args=(proc.pid, peak, done), daemon=True)
    sampler.start()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode:
        sys.exit(f"qualcode {' '.join(args)} failed ({proc.returncode}):\n{err}")
    rss_kb = float(rss_file.read_text().split()[-1])
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": rss_kb / 1024.0, "tree": peak[0]}


def timed(fn):  # type: ignore[no-untyped-def]
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    out = fn()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return out, {"wall": time.perf_counter() - t0, "cpu": (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime),
                 "rss": r1.ru_maxrss / 1024.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="comments to generate")
    ap.add_argument("--train", type=int, default=1000, help="comments coded by hand before training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, help="build the project here and keep it")
    ap.add_argument("--project", type=Path, help="measure only counts and report on this kept project")
    ap.add_argument("--repeat", type=int, default=1, help="with --project: runs of each step")
    args = ap.parse_args()
    if args.project:
        measure_counts_report(args.n, args.project, args.repeat)
        return

    work = Path(tempfile.mkdtemp(prefix="qc-scale-"))
    proj = args.keep or work / "projekt"
    rows = generate(args.n, args.seed)
    csv_path = work / "enkat.csv"
    with open(csv_path, "w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["id", "stadsdel", "termin", "kommentar"])
        for i, r in enumerate(rows):
            w.writerow([r.id, DISTRICTS[i % len(DISTRICTS)], TERMS[i % len(TERMS)], r.text])
    db = proj / "qualcode.db"
    results: list[tuple[str, dict[str, float], float | None]] = []

    def step(name: str, cli: list[str]) -> None:
        m = run_step(cli, work)
        results.append((name, m, db.stat().st_size / 1e6 if db.exists() else None))

    step("init", ["init", str(proj)])
    step("import survey", ["import", "survey", str(csv_path), "--text", "kommentar", "--id", "id",
                           "--encoding", "cp1252", "--delimiter", ";", "-p", str(proj)])

    # the researcher's own coding: the first --train comments with their generated codes (not timed)
    from qualcode.coding.service import add_codes
    from qualcode.project import find_project

    by_text = {r.id: r.codes for r in rows[: args.train]}
    project = find_project(proj)
    try:
        coded = 0
        for seg in list(project.store.iter_segments()):
            name = seg.document_name or ""
            codes = _codes_for(name, by_text)
            if codes:
                add_codes(project, [seg.id], list(codes), coder="bench")
                coded += 1
    finally:
        project.close()
    step("train", ["train", "--cv", "0", "-p", str(proj)])
    step("suggest run", ["suggest", "run", "-p", str(proj)])
    step("counts", ["counts", "--by", "stadsdel", "-p", str(proj)])
    step("report", ["report", "--out", str(work / "rapport"), "--by", "termin", "-p", str(proj)])

    from qualcode.core.codebook import default_codebook

    leaves = [c.id for c in default_codebook().leaves]
    train = rows[: args.train]
    # The references as scripts, each its own process like the steps (interpreter start and imports
    # included), then as calls in this process (modules already loaded), as measured before.
    reference = [sys.executable, str(Path(__file__).resolve().parent / "plain_reference.py")]
    (work / "train.json").write_text(json.dumps(
        {"texts": [r.text for r in train], "codes": [list(r.codes) for r in train], "labels": leaves}), encoding="utf-8")
    p_imp = run_step(["import", str(csv_path), str(work / "plain-p.db"), "--text", "kommentar", "--id", "id",
                      "--encoding", "cp1252"], work, command=reference)
    p_sug = run_step(["suggest", str(csv_path), "--text", "kommentar", "--train", str(work / "train.json"),
                      "--encoding", "cp1252"], work, command=reference)
    ref_import, m_imp = timed(lambda: plain_import(csv_path, work / "plain.db", "kommentar", "id", "cp1252"))
    _, m_sug = timed(lambda: plain_suggest([r.text for r in train], [r.codes for r in train], [r.text for r in rows], leaves))

    print(f"N = {args.n:,} generated comments, {coded} coded for training; "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"{'step':<16}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}{'tree PSS MB':>13}{'DB MB':>9}"
          f"{'ratio':>8}{'in-proc':>9}")
    refs = {"import survey": (p_imp, m_imp), "suggest run": (p_sug, m_sug)}
    for name, m, size in results:
        ref = refs.get(name)
        ratio = f"{m['wall'] / ref[0]['wall']:>8.2f}{m['wall'] / ref[1]['wall']:>9.2f}" if ref else ""
        print(f"{name:<16}{m['wall']:>9.1f}{m['cpu']:>9.1f}{m['rss']:>13.0f}{m['tree']:>13.0f}{(size or 0):>9.1f}{ratio}")
    for label, proc, call, what in (
        ("ref import", p_imp, m_imp, f"{IMPORT_NAME} (read, sha256, tokenize, lemmatize, SQLite insert)"),
        ("ref suggest", p_sug, m_sug, f"{SUGGEST_NAME} (tokens as above; train + predict_proba)"),
    ):
        print(f"{label:<16}{proc['wall']:>9.1f}{proc['cpu']:>9.1f}{proc['rss']:>13.0f}{proc['tree']:>13.0f}{'':>9}   "
              f"{what}: a process (ratio); in this process {call['wall']:.1f} s wall, {call['cpu']:.1f} s CPU (in-proc)")
    print(json.dumps({"n": args.n, "steps": {n: m for n, m, _ in results}, "ref_import": p_imp, "ref_suggest": p_sug,
                      "ref_import_in_process": m_imp, "ref_suggest_in_process": m_sug}))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def measure_counts_report(n: int, proj: Path, repeat: int) -> None:
    """`counts --by stadsdel` and `report --by termin` on an existing project, `repeat` times each, alternating."""
    work = Path(tempfile.mkdtemp(prefix="qc-scale-"))
    steps = {"counts": ["counts", "--by", "stadsdel", "-p", str(proj)],
             "report": ["report", "--out", str(work / "rapport"), "--by", "termin", "-p", str(proj)]}
    results = [(name, run_step(cli, work)) for _ in range(repeat) for name, cli in steps.items()]
    print(f"N = {n:,} ({proj}); {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"{'step':<16}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}")
    for name, m in results:
        print(f"{name:<16}{m['wall']:>9.1f}{m['cpu']:>9.1f}{m['rss']:>13.0f}")
    print(json.dumps({"n": n, "project": str(proj), "runs": [{"step": name, **m} for name, m in results]}))
    shutil.rmtree(work, ignore_errors=True)


def _codes_for(document_name: str, by_id: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """The generated codes of the comment a survey document came from (names end in the respondent id)."""
    for part in reversed(document_name.replace(":", "/").replace(" ", "/").split("/")):
        if part in by_id:
            return by_id[part]
    return None


if __name__ == "__main__":
    main()
