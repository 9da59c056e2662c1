"""Benchmark person-name masking: rules only versus rules + a trained spaCy NER, in one run.

Reads an IO-tagged NER file (one `token tag` per line, tags PER/ORG/LOC/MISC, `0` outside,
blank line between sentences), rebuilds each sentence as text, masks it with
`qualcode.export.privacy.Pseudonymiser`, and scores token-level PER recall and precision: a token counts
as masked when a [NAMN] finding covers it.

    python scripts/bench_privacy.py ../shared/data/nlp/swedish-ner-test.txt [--model sv_ud_ner_sm]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qualcode.export.privacy import NAME, Pseudonymiser  # noqa: E402


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[tuple[int, int], ...]
    gold: tuple[bool, ...]


def read_io(path: Path) -> list[Sentence]:
    sentences: list[Sentence] = []
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        if not tokens:
            return
        parts, spans, pos = [], [], 0
        for word, _ in tokens:
            spans.append((pos, pos + len(word)))
            parts.append(word)
            pos += len(word) + 1
        sentences.append(Sentence(" ".join(parts), tuple(spans), tuple(tag == "PER" for _, tag in tokens)))
        tokens.clear()

    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            flush()
            continue
        fields = line.split()
        if len(fields) < 2:
            # The public corpus has a few broken lines (a token without a tag): skip them, say so.
            print(f"{path.name}:{lineno}: skipped line without a tag: {line!r}", file=sys.stderr)
            continue
        tokens.append((fields[0], fields[-1]))
    flush()
    return sentences


def score(p: Pseudonymiser, sentences: list[Sentence]) -> dict[str, float]:
    tp = fp = fn = 0
    t0 = time.perf_counter()
    for sent, findings in zip(sentences, p.find_many(s.text for s in sentences)):
        names = [(f.start, f.end) for f in findings if f.kind == NAME]
        for (s, e), gold in zip(sent.spans, sent.gold):
            pred = any(s < fe and fs < e for fs, fe in names)
            tp += pred and gold
            fp += pred and not gold
            fn += gold and not pred
    secs = time.perf_counter() - t0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1, "seconds": secs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ner_file", type=Path, help="IO-tagged NER file, e.g. ../shared/data/nlp/swedish-ner-test.txt")
    ap.add_argument("--model", default="sv_ud_ner_sm", help="trained spaCy pipeline with NER (package name or path)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N sentences (0 = all)")
    args = ap.parse_args()
    sentences = read_io(args.ner_file)
    if args.limit:
        sentences = sentences[: args.limit]
    n_gold = sum(sum(s.gold) for s in sentences)
    print(f"{args.ner_file.name}: {len(sentences)} sentences, {sum(len(s.gold) for s in sentences)} tokens, {n_gold} PER tokens")
    rows = [("rules only", score(Pseudonymiser(), sentences))]
    try:
        import spacy

        nlp = spacy.load(args.model)
    except OSError as exc:
        print(f"(no trained pipeline '{args.model}': {str(exc).splitlines()[0][:100]}; rules only)")
    else:
        rows.append((f"rules + NER ({args.model})", score(Pseudonymiser(nlp), sentences)))
        rows.append((f"NER only ({args.model})", score(Pseudonymiser(nlp, use_name_lists=False), sentences)))
    print(f"{'method':<34} {'precision':>9} {'recall':>7} {'F1':>6} {'TP':>6} {'FP':>6} {'FN':>6} {'s':>6}")
    for name, r in rows:
        print(
            f"{name:<34} {100 * r['precision']:>9.1f} {100 * r['recall']:>7.1f} {100 * r['f1']:>6.1f} "
            f"{r['tp']:>6} {r['fp']:>6} {r['fn']:>6} {r['seconds']:>6.1f}"
        )


if __name__ == "__main__":
    main()
