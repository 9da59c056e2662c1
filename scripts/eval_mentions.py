"""Measure the mention mapper: right, wrong and unresolved answers.

A phrasings file is CSV `answer;category[;kind]`, where category `?` means "really ambiguous:
must stay unresolved". A questionnaire is measured against its truth file (same rows and
columns, each answer's true category). No mapping file is used.

Usage:
  python scripts/eval_mentions.py tests/fixtures/mentions/heldout-phrasings.csv
  python scripts/eval_mentions.py --cells tests/fixtures/mentions/probe-phrasings.csv   # as cells of a survey export
  python scripts/eval_mentions.py --questionnaire ../shared/data/questionnaire-2018-dev.csv \
      --truth ../shared/data/questionnaire-2018-dev-truth.csv \
      --published ../shared/data/questionnaire-2018-published-tables.json
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from qualcode.analysis.mentions.mapper import MentionMapper


def _rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    delim = ";" if ";" in text.splitlines()[0] else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delim))


def score(pairs: list[tuple[str, str]], mapper: MentionMapper, show: bool = True, cells: bool = False) -> Counter[str]:
    """Count right / wrong / unresolved for (answer, expected) pairs; '?' expects unresolved.

    With `cells`, each answer is read as a cell that may name several areas (`map_cell`): a cell
    parted into several areas is counted apart ('split'; of an answer meant as one area: 'split-one')."""
    tally: Counter[str] = Counter()
    for answer, expected in pairs:
        if cells:
            reading = mapper.map_cell(answer)
            if reading.split:
                tally["split"] += 1
                tally["split-one" if expected != "?" else "split-ambiguous"] += 1
                if show:
                    parts = " + ".join(str(p.category) for p in reading.mentions)
                    print(f"  split       {answer!r:50} want {expected:7} got {parts}")
                continue
        m = mapper.map(answer)
        want = None if expected == "?" else expected
        if m.category == want:
            tally["right"] += 1
        elif m.category is None:
            tally["unresolved"] += 1
            if show:
                top = ", ".join(f"{c.category} {c.score:.2f}" for c in m.candidates[:3])
                print(f"  unresolved  {answer!r:50} want {expected:7} [{m.method}] {top}")
        else:
            tally["wrong"] += 1
            if show:
                print(f"  WRONG       {answer!r:50} want {expected:7} got {m.category} [{m.method}] {getattr(m, 'evidence', '')}")
    tally["n"] = len(pairs)
    return tally


def _report(name: str, t: Counter[str]) -> None:
    n = t["n"] or 1
    print(f"{name}: {t['n']} answers — right {t['right']} ({100 * t['right'] / n:.1f} %), "
          f"wrong {t['wrong']} ({100 * t['wrong'] / n:.1f} %), unresolved {t['unresolved']} ({100 * t['unresolved'] / n:.1f} %)"
          + (f"; parted as a cell {t['split']} (meant as one area {t['split-one']}, meant as ambiguous {t['split-ambiguous']})"
             if "split" in t else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("phrasings", nargs="*", type=Path)
    ap.add_argument("--questionnaire", type=Path)
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--published", type=Path, help="published tables: count cells right without a mapping file")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--cells", action="store_true", help="read each answer as a cell that may name several areas")
    args = ap.parse_args()
    mapper = MentionMapper()
    for path in args.phrasings:
        pairs = [(r["answer"] or "", r["category"]) for r in _rows(path)]
        _report(str(path), score(pairs, mapper, show=not args.quiet, cells=args.cells))
    if args.questionnaire and args.truth:
        answers, truth = _rows(args.questionnaire), _rows(args.truth)
        cols = [c for c in answers[0] if c.startswith(("langst_", "behov_"))]
        pairs = [(a[c], t[c]) for a, t in zip(answers, truth) for c in cols]
        _report(str(args.questionnaire), score(pairs, mapper, show=not args.quiet, cells=args.cells))
        if args.published:
            pub = json.loads(args.published.read_text(encoding="utf-8"))
            right = cells = 0
            for c in cols:
                q, pos = c.split("_")
                got = Counter(mapper.map(a[c]).category for a in answers)
                for cat, n in pub[q][pos].items():
                    cells += 1
                    right += got.get(cat, 0) == n
            print(f"published cells right without a mapping file: {right}/{cells}")


if __name__ == "__main__":
    main()
