"""The batch paths of suggesting give exactly what the per-document paths gave.

Character n-grams counted once per distinct word (`WordCounts`, `char_tfidf`) against
scikit-learn's own `TfidfVectorizer.transform`; the top terms of many rows at once
(`top_terms_rows`) against `top_terms_row` one row at a time.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from qualcode.core.codebook import default_codebook
from qualcode.suggest.classifier import CodeClassifier, WordCounts, char_tfidf, lemma_text
from qualcode.suggest.estimator import Suggester, label_matrix, tokenize
from qualcode.suggest.rules import Token

from conftest import FIXTURES

TRAIN = FIXTURES / "suggest" / "train.jsonl"
# words that make the counting hard: a word whose n-grams repeat (`ananas`: `ana` twice), words
# shorter than an n-gram, a word seen in no training text, section-marked words, an empty text
EXTRA = [
    "ananas ananas banan", "i på en", "xyzzyq", "", "lön lön lön §lönen §¿chef", "a",
    "arbetslokalerna kontorslokal lokal lokalerna",
]


@pytest.fixture(scope="module")
def fitted():
    codebook = default_codebook()
    rows = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()]
    X = tokenize([r["text"] for r in rows])
    Y = label_matrix([r["codes"] for r in rows], [c.id for c in codebook.leaves])
    return Suggester(codebook).fit(X, Y), X


def _texts(clf: CodeClassifier, X) -> list[str]:  # type: ignore[no-untyped-def]
    return [lemma_text(t, clf.pos_filter, clf._sections()) for t in X] + EXTRA


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # the same floats, not close ones


def test_word_counts_count_each_word_of_each_text():
    wc = WordCounts(["b a b", "", "c a"])
    assert wc.words == ["b", "a", "c"]
    assert wc.counts.toarray().tolist() == [[2, 1, 0], [0, 0, 0], [0, 1, 1]]


def test_char_tfidf_is_the_vectorizers_own_matrix(fitted):
    sug, X = fitted
    clf = sug.classifier_
    texts = _texts(clf, X)
    old = clf.char_vectorizer_.transform(texts)
    cache: dict[str, tuple[int, ...]] = {}
    _same(char_tfidf(clf.char_vectorizer_, texts, *clf.char_ngrams, cache=cache), old)
    assert cache  # and again from the cached n-gram columns of each word, in another order
    _same(char_tfidf(clf.char_vectorizer_, texts[::-1], *clf.char_ngrams, cache=cache),
          clf.char_vectorizer_.transform(texts[::-1]))


def test_char_tfidf_matches_scikit_learns_char_wb_analyzer():
    """The n-grams themselves are scikit-learn's `char_wb` ones: compare with its built-in analyzer."""
    train = ["lönen är för låg", "lokalerna är trånga och lokalen är kall", "chefen lyssnar", "a ab abc"]
    texts = train + EXTRA
    for lo, hi in ((3, 5), (2, 4)):
        ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi), sublinear_tf=True, lowercase=False,
                              dtype=np.float32).fit(train)
        _same(char_tfidf(ref, texts, lo, hi), ref.transform(texts))


def test_the_classifiers_features_are_unchanged(fitted):
    """The whole feature matrix of a batch is what the per-document counting gave."""
    from scipy import sparse

    sug, X = fitted
    clf = sug.classifier_
    rows = list(X) + [[Token(w, w) for w in t.split()] for t in EXTRA]
    texts = [lemma_text(t, clf.pos_filter, clf._sections()) for t in rows]
    feats = clf._features(rows)
    old = sparse.hstack([clf.word_vectorizer_.transform(texts), clf.char_vectorizer_.transform(texts),
                         clf._rule_matrix(rows)], format="csr", dtype=np.float32)
    _same(feats, old)


def test_top_terms_of_many_rows_are_each_rows_top_terms(fitted):
    sug, X = fitted
    clf = sug.classifier_
    words = clf.word_vectorizer_.transform(_texts(clf, X))
    assert clf.models_
    checked = 0
    for code in [*clf.models_, "NO-SUCH-CODE"]:
        for n in (1, 3, 6):
            rows = list(range(words.shape[0]))[::-1]  # any order, as the suggestions come
            got = clf.top_terms_rows(code, words, rows, n)
            assert got == [clf.top_terms_row(code, words, i, n) for i in rows]
            checked += sum(len(g) for g in got)
        assert clf.top_terms_rows(code, words, []) == []
    assert checked > 100  # terms were compared, not only empty lists
