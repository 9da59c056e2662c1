"""Benchmark code suggestions: training on 5,000 codings, suggesting for 100,000 comments.

    python scripts/bench_suggest.py [--n 100000] [--train 5000] [--seed 0]

Generates short Swedish survey comments from fragments (fictional text written for this
script), trains the rules+classifier suggester on `--train` coded comments, then suggests
codes for `--n` comments through the same path as `qualcode suggest file` (batches of
2,000: spaCy tokens and lemmas, rules, classifier, JSON records). In the same run it times
the reference "scikit-learn TF-IDF + LogisticRegression" (scripts/plain_reference.py: the
same texts tokenized with `spacy.blank('sv')` + simplemma, one TF-IDF + LogisticRegression
per code trained on the same coded comments, predict_proba for all) and prints the ratio
(training + suggesting) / reference, the segments/s and the peak memory (max RSS).
Goals: 100,000 comments < 2 minutes on 2 cores; training 5,000 < 30 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Fragments per code; comments are 1-3 fragments plus filler, so codes overlap as in real data.
FRAGMENTS: dict[str, list[str]] = {
    "P13": ["lokalerna är för trånga", "vi saknar tysta rum för samtal", "kontorslandskapet gör det svårt att ringa",
            "datorerna är gamla och långsamma", "det finns för få samtalsrum", "arbetsrummen är delade"],
    "P05": ["chefen är sällan tillgänglig", "vår enhetschef ger stöd", "biträdande chefer gör ledningen nära",
            "ledarskapet har blivit tydligare", "gruppledaren lyssnar på oss"],
    "P03": ["arbetsbelastningen är för hög", "vi har för många ärenden", "ärendemängden har minskat",
            "det är svårt att hinna med dokumentationen", "bemanningen räcker inte"],
    "P06": ["administratören avlastar oss", "vi saknar administrativt stöd", "handläggarna bokar själva tolk"],
    "P02": ["introduktionen var för kort", "nyanställda får en mentor", "introduktionsplanen hjälper nya"],
    "P10": ["vi får gå utbildningar", "det finns ingen tid för fortbildning", "specialistutbildningen var bra"],
    "T-LON": ["lönen är för låg", "löneutvecklingen är dålig", "lönesättningen känns orättvis"],
    "T-PERS": ["många kollegor har slutat", "vi har flera konsulter", "det är svårt att rekrytera"],
    "T-IT": ["verksamhetssystemet krånglar", "it-stödet fungerar dåligt", "digitaliseringen har hjälpt"],
    "T-KLIMAT": ["stämningen i gruppen är god", "kollegorna är fantastiska", "vi har bra sammanhållning"],
    "T-DELAKT": ["vi får vara med och påverka", "medarbetarna har inget inflytande", "arbetsgruppen tog fram rutinen"],
    "T-OMORG": ["omorganisationen skapade oro", "sammanslagningen av enheterna tog tid"],
    "P08": ["ärendedragningen varje vecka är bra", "vi har kollegial handledning"],
}
FILLER = ["det är som det är", "jag har inget mer att tillägga", "i övrigt fungerar det", "svårt att säga",
          "det har blivit bättre sedan i fjol", "vi får se hur det blir", "klienterna märker av det",
          "på min enhet", "under hösten", "enligt min erfarenhet", "i Farsta", "i Bromma", "på mottagningen"]


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    codes: tuple[str, ...]


def generate(n: int, seed: int) -> list[Row]:
    rnd = random.Random(seed)
    codes = list(FRAGMENTS)
    rows = []
    for i in range(n):
        chosen = rnd.sample(codes, rnd.choice([0, 1, 1, 1, 2, 2, 3]))
        parts = [rnd.choice(FRAGMENTS[c]) for c in chosen] + rnd.sample(FILLER, rnd.randint(1, 3))
        rnd.shuffle(parts)
        text = ". ".join(p[0].upper() + p[1:] for p in parts) + "."
        rows.append(Row(f"k{i:06d}", text, tuple(chosen)))
    return rows


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="comments to suggest codes for")
    ap.add_argument("--train", type=int, default=5_000, help="coded comments to train on")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from qualcode.core.codebook import default_codebook
    from qualcode.nlp.pipeline import load_pipeline
    from qualcode.suggest.estimator import Suggester, label_matrix, tokenize
    from qualcode.suggest.file_mode import score_rows

    t0 = time.perf_counter()
    nlp = load_pipeline()
    cb = default_codebook()
    Suggester(cb).rules_only()  # builds the keyword rules once (as any first command would)
    setup = time.perf_counter() - t0

    train = generate(args.train, args.seed + 1)
    t0 = time.perf_counter()
    X = tokenize([r.text for r in train], nlp=nlp)
    Y = label_matrix([r.codes for r in train], [c.id for c in cb.leaves])
    t_tok = time.perf_counter() - t0
    suggester = Suggester(cb).fit(X, Y)
    t_train = time.perf_counter() - t0

    rows = generate(args.n, args.seed)
    texts = [r.text for r in rows]
    words = sum(len(t.split()) for t in texts)

    from plain_reference import SUGGEST_NAME, plain_suggest

    t0 = time.perf_counter()
    plain_suggest([r.text for r in train], [r.codes for r in train], texts, [c.id for c in cb.leaves])
    t_ref = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_out = 0
    n_coded = 0
    for rec in score_rows(suggester, rows, nlp=nlp):
        json.dumps(rec, ensure_ascii=False)  # the serialisation `suggest file` does
        n_out += 1
        n_coded += bool(rec["codes"])
    t_suggest = time.perf_counter() - t0

    print(f"setup (pipeline, codebook rules): {setup:.1f} s")
    print(f"training: {args.train} coded comments in {t_train:.1f} s (of which tokenising {t_tok:.1f} s)")
    print(f"suggest: {n_out} comments ({words} words) in {t_suggest:.1f} s = {n_out / t_suggest:,.0f} segments/s; "
          f"{n_coded} got at least one code")
    print(f"reference, {SUGGEST_NAME} (train on the same {args.train}, predict the same {n_out}): {t_ref:.1f} s")
    print(f"ratio (training + suggest) / reference: {(t_train + t_suggest) / t_ref:.2f}")
    print(f"peak memory (max RSS): {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
