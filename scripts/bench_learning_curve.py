"""Transfer and learning curves of the suggester: the tables of the README's *Code suggestions*.

    python scripts/bench_learning_curve.py [--dev ../shared/data/coded-segments-dev.jsonl] [--steps 0,20,50,100,200]

Measures, with the default settings of `qualcode evaluate`:
- 5-fold cross-validation on the dev file (one unit's quality-award application),
- transfer: trained on the dev file, scored on the sample interview notes (`scripts/corpora_gold.py`:
  other authors, other genre), and the other way round,
- learning curves (`qualcode evaluate --learning-curve`): the researcher codes k segments of a new
  document (in document order, or the least certain first), the suggester is retrained on the other
  file plus her k codings, and the rest of the document is scored. Both directions. Under each
  order, the k = 0 model scored on the same remaining segments shows what her codings added.
Prints Markdown tables (micro-F1 with precision / recall, macro-F1, and predicted / gold labels).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=str(ROOT.parent / "shared" / "data" / "coded-segments-dev.jsonl"))
    ap.add_argument("--steps", default="0,20,50,100,200")
    ap.add_argument("--seed", type=int, default=0, help="fold seed of the cross-validation")
    args = ap.parse_args()

    from qualcode.core.codebook import default_codebook
    from qualcode.ingest.codings_file import read_rows
    from qualcode.ingest.structure import structure
    from qualcode.suggest.estimator import Suggester, label_matrix, tokenize_structured
    from qualcode.suggest.evaluate import cross_validate, learning_curve, score_predictions

    dev = Path(args.dev)
    if not dev.exists():
        sys.exit(f"{dev} finns inte — ange --dev")
    tmp = Path(tempfile.mkdtemp())
    sample = tmp / "sample.jsonl"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "corpora_gold.py"), str(sample)], check=True,
                   stdout=subprocess.DEVNULL)
    cb = default_codebook()
    ids = [c.id for c in cb.leaves]

    def load(path: Path):  # type: ignore[no-untyped-def]
        rows = read_rows(str(path), coded=True)
        texts = [r.text for r in rows]  # as `qualcode evaluate` reads them: headings, prompts, sections
        return tokenize_structured(texts, structure(texts)), label_matrix([r.codes or () for r in rows], ids)

    data = {"dev": load(dev), "notes": load(sample)}
    start = time.perf_counter()

    def line(name: str, ev, pred_sum: int | None = None) -> str:  # type: ignore[no-untyped-def]
        mi = ev.micro
        ratio = f"{pred_sum / mi.support:.2f}" if pred_sum is not None and mi.support else "–"
        return (f"| {name} | **{_f(mi.f1)}** ({_f(mi.precision)} / {_f(mi.recall)}) | {_f(ev.macro_f1)} | "
                f"{ratio} |")

    print("| setting | micro-F1 (P / R) | macro-F1 | predicted / gold labels |")
    print("|---|---|---|---|")
    X, Y = data["dev"]
    ev = cross_validate(Suggester(cb), X, Y, 5, seed=args.seed)
    print(line(f"5-fold CV on the dev file (fold seed {args.seed})", ev,
               sum(m.tp + m.fp for m in ev.per_code)))
    for a, b, name in (("dev", "notes", "trained on the dev file, scored on the sample notes"),
                       ("notes", "dev", "trained on the sample notes, scored on the dev file")):
        model = Suggester(cb).fit(*data[a])
        P = model.predict(data[b][0])
        print(line(name, score_predictions(data[b][1], P, ids, name), int(P.sum())))

    steps = [int(k) for k in args.steps.split(",")]
    for new, other, title in (("dev", "notes", "new document: the dev file; imported examples: the sample notes"),
                              ("notes", "dev", "new document: the sample notes; imported examples: the dev file")):
        points = learning_curve(Suggester(cb), *data[new], *data[other], steps=steps)
        ks = sorted({p.k for p in points})
        print(f"\nLearning curve, {title} (micro-F1 on the segments not yet coded; n scored)\n")
        print("| order | " + " | ".join(f"k = {k}" for k in ks) + " |")
        print("|---|" + "---:|" * len(ks))
        for order, label in (("document", "document order"), ("active", "least certain first")):
            cells = {p.k: p for p in points if p.order == order}
            print(f"| {label} | " + " | ".join(
                f"{_f(cells[k].evaluation.micro.f1)} ({cells[k].evaluation.n_segments})" for k in ks) + " |")
            print(f"| … same segments, k = 0 model | " + " | ".join(
                _f(cells[k].untrained.micro.f1) for k in ks) + " |")
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)


def _f(x: float) -> str:
    return f"{x:.3f}"


if __name__ == "__main__":
    main()
