"""The plain-script references the benchmarks compare qualcode against, named exactly.

- "`spacy.blank('sv')` tokenizer + simplemma" (`plain_import`): read a `;` CSV, hash each
  text (sha256), tokenize with `spacy.blank('sv')` (`nlp.pipe`, batch 256), lemmatize each
  word with simplemma (cached per word) and insert id, hash, text and lemmas into an SQLite
  table (one executemany per 1,000 rows, one commit).
- "scikit-learn TF-IDF + LogisticRegression" (`plain_suggest`): the same tokens and lemmas,
  a word 1-2-gram TfidfVectorizer (sublinear tf) fitted on the coded texts and one
  LogisticRegression (liblinear, C=4, balanced) per code, then predict_proba for every text.

No qualcode code is used, so the references measure what a researcher's own script would take.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

IMPORT_NAME = "spacy.blank('sv') tokenizer + simplemma"
SUGGEST_NAME = "scikit-learn TF-IDF + LogisticRegression"


def plain_tokens(texts: Sequence[str]) -> list[str]:
    """spacy.blank('sv') tokenizer + simplemma: each text's word lemmas, space-joined."""
    import simplemma
    import spacy

    nlp = spacy.blank("sv")

    @functools.lru_cache(maxsize=None)
    def lemma(w: str) -> str:
        return simplemma.lemmatize(w, lang="sv").lower() if any(c.isalpha() for c in w) else w

    return [" ".join(lemma(t.lower_) for t in doc if not (t.is_space or t.is_punct))
            for doc in nlp.pipe(texts, batch_size=256)]


def plain_import(csv_path: Path, db: Path, text_column: str, id_column: str, encoding: str = "utf-8") -> int:
    """Read, hash, tokenize, lemmatize, insert: the import reference. Returns the rows stored."""
    with open(csv_path, encoding=encoding, newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    texts = [r[text_column] for r in rows]
    hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    lemmas = plain_tokens(texts)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (id TEXT, hash TEXT, text TEXT, lemmas TEXT)")
    data = [(r[id_column], h, t, lem) for r, h, t, lem in zip(rows, hashes, texts, lemmas)]
    for i in range(0, len(data), 1000):
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", data[i:i + 1000])
    conn.commit()
    conn.close()
    return len(data)


def plain_suggest(train_texts: Sequence[str], train_codes: Sequence[Sequence[str]], texts: Sequence[str],
                  codes: Sequence[str]) -> dict[str, Any]:
    """Tokenize, train one TF-IDF + LogisticRegression per code, predict_proba for `texts`."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(token_pattern=r"[^\s]+", ngram_range=(1, 2), sublinear_tf=True, lowercase=False)
    Xtr = vec.fit_transform(plain_tokens(train_texts))
    models = {}
    for c in codes:
        y = np.array([c in cs for cs in train_codes], dtype=int)
        if 0 < y.sum() < len(y):
            models[c] = LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear").fit(Xtr, y)
    X = vec.transform(plain_tokens(texts))
    return {c: m.predict_proba(X)[:, 1] for c, m in models.items()}


def main() -> None:
    """The references as the scripts a researcher would run, each its own process:

    python scripts/plain_reference.py import CSV DB --text COL --id COL [--encoding ENC]
    python scripts/plain_reference.py suggest CSV --text COL --train TRAIN.json [--encoding ENC]

    TRAIN.json holds {"texts": [...], "codes": [[...], ...], "labels": [...]}: the coded comments and
    the codes to train. `suggest` reads every text of the CSV and prints how many it scored.
    """
    import argparse
    import json

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("what", choices=["import", "suggest"])
    ap.add_argument("csv", type=Path)
    ap.add_argument("db", type=Path, nargs="?")
    ap.add_argument("--text", required=True)
    ap.add_argument("--id")
    ap.add_argument("--encoding", default="utf-8")
    ap.add_argument("--train", type=Path)
    args = ap.parse_args()
    if args.what == "import":
        print(plain_import(args.csv, args.db, args.text, args.id, args.encoding))
        return
    train = json.loads(args.train.read_text(encoding="utf-8"))
    with open(args.csv, encoding=args.encoding, newline="") as f:
        texts = [r[args.text] for r in csv.DictReader(f, delimiter=";")]
    scores = plain_suggest(train["texts"], train["codes"], texts, train["labels"])
    print(len(texts), len(scores))


if __name__ == "__main__":
    main()
