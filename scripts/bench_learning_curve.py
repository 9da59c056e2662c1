"""Transfer and learning curves of the suggester: the tables of the README's *Code suggestions*.

    python scripts/bench_learning_curve.py [--dev …/coded-segments-dev.jsonl] [--steps 0,20,50,100,200] [--levers]

Measures, with the default settings of `qualcode evaluate`:
- 5-fold cross-validation on the dev file (one unit's quality-award application) and on the sample
  interview notes (`scripts/corpora_gold.py`: other authors, other genre),
- the dev file held out by section: three contiguous thirds, each scored by a model trained on the
  other two (its sections' themes are not in the training data, as in a new document),
- transfer: trained on the dev file, scored on the sample notes, and the other way round,
- learning curves (`qualcode evaluate --learning-curve`): the researcher codes k segments of a new
  document (in document order, or the least certain first), the suggester is retrained on the other
  file plus her k codings, and the rest of the document is scored. Both directions. Under each
  order, the k = 0 model scored on the same remaining segments shows what her codings added.
`--inner-seeds N` (default 4) adds the same five figures over inner cross-validation seeds 0 … N-1 (the
suggester's `random_state`: which rows its inner 4-fold cross-validation holds out, and so its
calibration and thresholds): mean ± standard deviation and the range, since one seed's figure can
sit at either end of it.
`--levers` adds one row per setting changed from the defaults (what each lever gives on transfer),
including document structure, measured on the dev file with its headings and prompts as lines of
their own (taken from the layout of the source document, `--seed`, where they are lines; its
paragraphs keep their codes, the heading lines get none).
Prints Markdown tables (micro-F1 with precision / recall, macro-F1, and predicted / gold labels).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _shared() -> Path:
    """../shared beside the checkout (a worktree sits one level deeper)."""
    for up in (ROOT.parent, ROOT.parent.parent):
        if (up / "shared").is_dir():
            return up / "shared"
    return ROOT.parent / "shared"


def structured_rows(rows: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """The rows with the headings and prompts that open them split off as lines of their own.

    A heading or prompt is what `qualcode.ingest.structure` recognises in the source text, where
    they stand on lines of their own; the rest of the row keeps its codes, the heading none.
    """
    from qualcode.ingest.structure import heading_text, structure

    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", source) if p.strip()]
    heads = sorted({heading_text(p) for p, (role, _) in zip(paras, structure(paras)) if role},
                   key=len, reverse=True)
    out: list[dict[str, Any]] = []
    for r in rows:
        text = r["text"]
        while True:
            h = next((h for h in heads if text.startswith(h + " ") and len(text) > len(h) + 20), None)
            if h is None:
                break
            out.append({"id": f"{r['id']}-h{len(out)}", "text": h, "codes": []})
            text = text[len(h):].strip()
        out.append({"id": r["id"], "text": text, "codes": r["codes"]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=str(_shared() / "data" / "coded-segments-dev.jsonl"))
    ap.add_argument("--seed", default=None, help="source text of the dev file (default: ../shared/seeds/003_*.txt)")
    ap.add_argument("--steps", default="0,20,50,100,200")
    ap.add_argument("--seed-folds", type=int, default=0, help="fold seed of the cross-validation")
    ap.add_argument("--levers", action="store_true", help="also the table of settings changed one at a time")
    ap.add_argument("--inner-seeds", type=int, default=4,
                    help="inner cross-validation seeds for the spread of the five figures (1: that table left out)")
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

    def load(path: Path, with_structure: bool = True):  # type: ignore[no-untyped-def]
        rows = read_rows(str(path), coded=True)
        texts = [r.text for r in rows]  # as `qualcode evaluate` reads them: headings, prompts, sections
        return (tokenize_structured(texts, structure(texts) if with_structure else None),
                label_matrix([r.codes or () for r in rows], ids))

    data = {"dev": load(dev), "notes": load(sample)}
    start = time.perf_counter()

    def line(name: str, ev, pred_sum: int | None = None) -> str:  # type: ignore[no-untyped-def]
        mi = ev.micro
        ratio = f"{pred_sum / mi.support:.2f}" if pred_sum is not None and mi.support else "–"
        return (f"| {name} | **{_f(mi.f1)}** ({_f(mi.precision)} / {_f(mi.recall)}) | {_f(ev.macro_f1)} | "
                f"{ratio} |")

    def thirds(params: dict[str, Any], X, Y, fit: Callable[..., Any] | None = None):  # type: ignore[no-untyped-def]
        """Three contiguous thirds, each scored by a model trained on the other two."""
        n = len(X)
        P = np.zeros_like(Y)
        edges = np.linspace(0, n, 4).astype(int)
        for a, b in zip(edges, edges[1:]):
            train = [i for i in range(n) if not a <= i < b]
            model = Suggester(cb, **params).fit([X[i] for i in train], Y[train])
            P[a:b] = (fit or _predict)(model, X[a:b], Y[train])
        return score_predictions(Y, P, ids, "thirds"), int(P.sum())

    def cv(params: dict[str, Any], X, Y):  # type: ignore[no-untyped-def]
        ev = cross_validate(Suggester(cb, **params), X, Y, 5, seed=args.seed_folds)
        return ev, sum(m.tp + m.fp for m in ev.per_code)

    def transfer(params: dict[str, Any], a: str, b: str, fit: Callable[..., Any] | None = None):  # type: ignore[no-untyped-def]
        model = Suggester(cb, **params).fit(*data[a])
        P = (fit or _predict)(model, data[b][0], data[a][1])
        return score_predictions(data[b][1], P, ids, f"{a} → {b}"), int(P.sum())

    print("| setting | micro-F1 (P / R) | macro-F1 | predicted / gold labels |")
    print("|---|---|---|---|")
    print(line(f"5-fold CV on the dev file (fold seed {args.seed_folds})", *cv({}, *data["dev"])))
    print(line("the dev file held out by section (three contiguous thirds)", *thirds({}, *data["dev"])))
    print(line("trained on the dev file, scored on the sample notes", *transfer({}, "dev", "notes")))
    print(line("trained on the sample notes, scored on the dev file", *transfer({}, "notes", "dev")))
    print(line("5-fold CV within the sample notes", *cv({}, *data["notes"])))

    if args.inner_seeds > 1:
        figures: dict[str, list[float]] = {}
        for r in range(args.inner_seeds):
            p = {"random_state": r}
            for name, ev in (("5-fold CV on the dev file", cv(p, *data["dev"])[0]),
                             ("the dev file held out by section", thirds(p, *data["dev"])[0]),
                             ("trained on the dev file, scored on the sample notes", transfer(p, "dev", "notes")[0]),
                             ("trained on the sample notes, scored on the dev file", transfer(p, "notes", "dev")[0]),
                             ("5-fold CV within the sample notes", cv(p, *data["notes"])[0])):
                figures.setdefault(name, []).append(ev.micro.f1)
        print(f"\nOver inner cross-validation seeds 0 … {args.inner_seeds - 1} (micro-F1)\n")
        print("| setting | mean ± sd | min – max | " + " | ".join(f"seed {r}" for r in range(args.inner_seeds)) + " |")
        print("|---|---|---|" + "---|" * args.inner_seeds)
        for name, fs in figures.items():
            print(f"| {name} | {_f(float(np.mean(fs)))} ± {_f(float(np.std(fs)))} | {_f(min(fs))} – {_f(max(fs))} | "
                  + " | ".join(_f(x) for x in fs) + " |")

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
            print("| … same segments, k = 0 model | " + " | ".join(
                _f(cells[k].untrained.micro.f1) for k in ks) + " |")
            print("| … her codings added | " + " | ".join(
                f"{cells[k].evaluation.micro.f1 - cells[k].untrained.micro.f1:+.3f}" for k in ks) + " |")

    # one genre: one half of the dev file stands for imported examples, she codes the other half
    X, Y = data["dev"]
    half = len(X) // 2
    print("\nLearning curve within one genre: imported examples one half of the dev file, new document the "
          "other (her codings added over the k = 0 model on the same segments; k = 20 / 50 / 80)\n")
    print("| imported → new | order | defaults | imported examples not giving way (import_k = 0) |")
    print("|---|---|---|---|")
    for (a, b), name in (((slice(0, half), slice(half, None)), "first half → second"),
                         ((slice(half, None), slice(0, half)), "second half → first")):
        rows: dict[str, list[str]] = {"document": [], "active": []}
        for params in ({}, {"import_k": 0.0}):
            pts = learning_curve(Suggester(cb, **params), X[b], Y[b], X[a], Y[a], steps=[0, 20, 50, 80])
            for order in rows:
                rows[order].append(" / ".join(f"{p.evaluation.micro.f1 - p.untrained.micro.f1:+.3f}"
                                              for p in pts if p.order == order and p.k))
        for order, label in (("document", "document order"), ("active", "least certain first")):
            print(f"| {name} | {label} | " + " | ".join(rows[order]) + " |")

    if args.levers:
        seed = Path(args.seed) if args.seed else next(iter(sorted((_shared() / "seeds").glob("003_*.txt"))), None)
        if seed is None or not seed.exists():
            sys.exit("the dev file's source text is missing — give --seed")
        raw = [json.loads(x) for x in dev.read_text(encoding="utf-8").splitlines() if x.strip()]
        structured = tmp / "dev-structured.jsonl"
        srows = structured_rows(raw, seed.read_text(encoding="utf-8"))
        structured.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in srows), encoding="utf-8")
        roles = [r for r, _ in structure([r["text"] for r in srows])]
        print(f"\nWhat each lever gives (micro-F1; one setting changed from the defaults). Dev file with "
              f"structure: {len(srows)} lines, {sum(1 for r in roles if r)} headings and prompts; its "
              "headings are scored as lines that get no code.\n")
        print("| variant | dev 5-fold CV | dev thirds | dev → notes | notes → dev | dev with structure: thirds "
              "| notes → dev with structure | learning, dev in document order: k = 20 / 50 / 100 added |")
        print("|---|---|---|---|---|---|---|---|")
        flat = load(structured, with_structure=False)
        with_s = load(structured)
        for name, params, shape in _variants():
            fit = _calibrated if shape == "calibrate" else None
            s_data = flat if shape == "flat" else with_s
            cells = [
                _f(cv(params, *data["dev"])[0].micro.f1),
                _f(thirds(params, *data["dev"], fit=fit)[0].micro.f1),
                _f(transfer(params, "dev", "notes", fit=fit)[0].micro.f1),
                _f(transfer(params, "notes", "dev", fit=fit)[0].micro.f1),
                _f(thirds(params, *s_data, fit=fit)[0].micro.f1),
            ]
            model = Suggester(cb, **params).fit(*data["notes"])
            P = (fit or _predict)(model, s_data[0], data["notes"][1])
            cells.append(_f(score_predictions(s_data[1], P, ids, "").micro.f1))
            if shape == "calibrate":
                cells.append("–")
            else:
                pts = learning_curve(Suggester(cb, **params), *data["dev"], *data["notes"], steps=[0, 20, 50, 100],
                                     orders=("document",))
                cells.append(" / ".join(f"{p.evaluation.micro.f1 - p.untrained.micro.f1:+.3f}" for p in pts if p.k))
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)


def _variants() -> list[tuple[str, dict[str, Any], str]]:
    return [
        ("defaults", {}, ""),
        ("no document structure (headings read as text; notes and dev have none)", {}, "flat"),
        ("section words as classifier features (section_features)", {"section_features": True}, ""),
        ("keywords in the section heading not counted (section_rule_weight = 0)", {"section_rule_weight": 0.0}, ""),
        ("keywords in a form prompt counted as the heading's (prompt_rule_weight = 0.5)", {"prompt_rule_weight": 0.5}, ""),
        ("without the codebook's name, definition, include and exclude rows", {"codebook_text": False}, ""),
        ("codebook rows at full weight (1, not shrinking with n)", {"prior_k": 1e9, "prior_weight": 1.0}, ""),
        ("each code's own threshold (no pull towards the global one)", {"threshold_k": 0.0}, ""),
        ("each code's best threshold itself, not the lowest within 0.01 of its F1 (threshold_slack = 0, before)", {"threshold_slack": 0.0}, ""),
        ("thresholds calibrated on the scored material (each code's training share)", {}, "calibrate"),
        ("imported examples not giving way to her coding (import_k = 0)", {"import_k": 0.0}, ""),
        ("her codings weigh as imported ones (local_weight = 1)", {"local_weight": 1.0}, ""),
        ("keyword weights not learned (keyword_prior = 0)", {"keyword_prior": 0.0}, ""),
        ("thresholds not kept near the imported examples' (imported_threshold_k = 0)", {"imported_threshold_k": 0.0}, ""),
        ("long segments scored whole (long_factor = 0)", {"long_factor": 0.0}, ""),
        ("classifier alone (no rules)", {"use_rules": False}, ""),
    ]


def _predict(model: Any, X: Any, Y_train: Any) -> Any:
    return model.predict(X)


def _calibrated(model: Any, X: Any, Y_train: Any) -> Any:
    """Each code's threshold set on the scored material: its share of suggested segments is its
    share of positive segments in the training data."""
    S, _ = model.predict_scores(X)
    P = np.zeros(S.shape, dtype=int)
    for j in range(S.shape[1]):
        m = int(round(float((Y_train[:, j] == 1).mean()) * len(X)))
        if m <= 0:
            continue
        order = np.argsort(-S[:, j], kind="stable")[:m]
        P[order, j] = (S[order, j] > 0).astype(int)
    return P


def _f(x: float) -> str:
    return f"{x:.3f}"


if __name__ == "__main__":
    main()
