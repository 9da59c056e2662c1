"""Time the mention mapper: building it from the codebook and mapping N distinct answers.

Answers are generated from codebook words, abbreviations, numbers and noise, with a fixed
seed, so runs are comparable. Usage: python scripts/bench_mentions.py [--n 3000]
"""

from __future__ import annotations

import argparse
import random
import time

from qualcode.analysis.mentions.mapper import MentionMapper

PARTS = (
    "lokaler introduktion handledning chefer stöd adm lön friskvård brukare mer bättre ärenden "
    "studenter nya datorer fler administratörer kollegor utbildning system ledning p.2 punkt 6 "
    "intro bitr enhetschefer arbetsbelasting vet ej traineer mentorskap"
).split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="number of answers to generate")
    args = ap.parse_args()
    rng = random.Random(2018)
    answers = list(dict.fromkeys(
        " ".join(rng.sample(PARTS, rng.randint(1, 4))) + ("" if rng.random() < 0.5 else f" {rng.randint(1, 99)}x")
        for _ in range(args.n)
    ))
    t0 = time.perf_counter()
    mapper = MentionMapper()
    mapper.map("lokaler")  # loads simplemma's dictionary
    t1 = time.perf_counter()
    results = [mapper.map(a) for a in answers]
    t2 = time.perf_counter()
    resolved = sum(r.resolved for r in results)
    print(f"build + first answer: {t1 - t0:.2f} s")
    print(f"{len(answers)} distinct answers: {t2 - t1:.2f} s ({1000 * (t2 - t1) / len(answers):.2f} ms each); "
          f"{resolved} resolved, {len(answers) - resolved} unresolved")


if __name__ == "__main__":
    main()
