"""A scikit-learn estimator that learns codes from coded segments (multi-label, one-vs-rest).

Features suited to Swedish: TF-IDF of lemma unigrams and bigrams, TF-IDF of character
3–5-grams inside words (they catch compounds: `arbetslokal`, `kontorslokal`), and the
codebook's keyword hits per code (see `qualcode.suggest.rules`) as extra columns, so the codebook
stays a prior that the model can weigh. One logistic regression per code with balanced
class weights (rare codes count). Per code, out-of-fold decision values from an inner
cross-validation give a Platt (sigmoid) calibration to scores in [0, 1] and the threshold
that maximises F1 on those out-of-fold scores.

Labels are a matrix with one column per code: 1 = has the code, 0 = does not (a coded
segment without it, or a rejected suggestion), -1 = unknown (not used for that code).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from qualcode.suggest.fitted import FittedLinear, FittedTfidf, Params
from qualcode.suggest.rules import CONTENT_POS, SECTION_MARK, KeywordRules, Token, as_tokens, has_section

DEFAULT_THRESHOLD = 0.5
_LEMMA = operator.itemgetter(1)


def lemma_text(tokens: Sequence[Token], pos_filter: bool = False, sections: bool = True) -> str:
    """Space-joined lemmas, optionally only nouns and verbs; without the section's words unless `sections`."""
    if not pos_filter and (sections or not has_section(tokens)):
        return " ".join(map(_LEMMA, tokens))
    return " ".join(t.lemma for t in tokens if (not pos_filter or t.pos in CONTENT_POS)
                    and (sections or not t.form.startswith(SECTION_MARK)))


@functools.lru_cache(maxsize=200_000)
def _word_char_ngrams(word: str, lo: int, hi: int) -> tuple[str, ...]:
    """Character n-grams of one word padded with spaces, as scikit-learn's `char_wb` makes them."""
    w = f" {word} "
    out: list[str] = []
    for n in range(lo, hi + 1):
        if len(w) <= n:
            out.append(w)  # a short word counts once, whole
            break
        out.extend(w[i:i + n] for i in range(len(w) - n + 1))
    return tuple(out)


def char_wb_ngrams(text: str, lo: int = 3, hi: int = 5) -> list[str]:
    """`char_wb` n-grams of a lemma text, cached per word (vocabularies repeat a lot)."""
    out: list[str] = []
    for word in text.split():
        out.extend(_word_char_ngrams(word, lo, hi))
    return out


class WordCounts:
    """The words of a batch of lemma texts: each distinct word once, and a documents x words count matrix.

    What depends only on a word (its character n-grams) is then computed once per distinct word
    and spread to the documents by one sparse product, not once per occurrence.
    """

    def __init__(self, texts: Sequence[str]):
        from scipy import sparse

        index: dict[str, int] = {}
        cols: list[int] = []
        indptr = [0]
        for text in texts:
            cols.extend([index.setdefault(w, len(index)) for w in text.split()])
            indptr.append(len(cols))
        self.words = list(index)
        counts = sparse.csr_matrix(
            (np.ones(len(cols), dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), len(index)),
        )
        counts.sum_duplicates()
        self.counts = counts

    def char_ngram_counts(self, vocabulary: dict[str, int], lo: int, hi: int,
                          cache: dict[str, tuple[int, ...]] | None = None) -> Any:
        """documents x n-grams counts of the `char_wb` n-grams in `vocabulary` (as `CountVectorizer`
        counts them: out-of-vocabulary n-grams are left out); `cache` keeps each word's n-gram ids."""
        from scipy import sparse

        cache = {} if cache is None else cache
        ids: list[int] = []
        indptr = [0]
        for word in self.words:
            hit = cache.get(word)
            if hit is None:
                hit = tuple(vocabulary[g] for g in _word_char_ngrams(word, lo, hi) if g in vocabulary)
                if len(cache) < 500_000:
                    cache[word] = hit
            ids.extend(hit)
            indptr.append(len(ids))
        per_word = sparse.csr_matrix(
            (np.ones(len(ids), dtype=np.int64), np.asarray(ids, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(self.words), len(vocabulary)),
        )
        per_word.sum_duplicates()
        out = (self.counts @ per_word).tocsr()
        out.sort_indices()
        return out


def char_tfidf(vectorizer: Any, texts: Sequence[str], lo: int, hi: int,
               cache: dict[str, tuple[int, ...]] | None = None) -> Any:
    """`vectorizer.transform(texts)` for a fitted `char_wb_ngrams` TF-IDF vectorizer, the same matrix,
    with the n-grams counted once per distinct word of the batch (`WordCounts`)."""
    from scipy import sparse

    fitted = isinstance(vectorizer, FittedTfidf)
    tfidf = None if fitted else getattr(vectorizer, "_tfidf", None)
    if not fitted and tfidf is None:  # not a scikit-learn TfidfVectorizer as we know it: its own transform
        return vectorizer.transform(texts)
    counts = WordCounts(texts).char_ngram_counts(vectorizer.vocabulary_, lo, hi, cache)
    X = sparse.csr_array((counts.data.astype(vectorizer.dtype), counts.indices.astype(np.int32),
                          counts.indptr.astype(np.int32)), shape=counts.shape)
    return sparse.csr_matrix(vectorizer.weigh(X)) if fitted else tfidf.transform(X, copy=False)  # type: ignore[union-attr]


# The word vectorizer as `_features` and `model_io` make it: `word_tfidf` counts its n-grams itself.
_WORD_VECTORIZER = {"analyzer": "word", "token_pattern": r"[^\s]+", "tokenizer": None, "preprocessor": None,
                    "lowercase": False, "strip_accents": None, "stop_words": None, "binary": False,
                    "input": "content"}


def word_tfidf(vectorizer: Any, texts: Sequence[str]) -> Any:
    """`vectorizer.transform(texts)` for a fitted word n-gram TF-IDF vectorizer as `_features` makes it,
    the same matrix, with the n-grams looked up in one pass per text instead of through its analyzer.

    Its token pattern (runs of non-space) finds what `str.split` finds (both cut at `str.isspace`); n-grams are
    joined by one space, out-of-vocabulary ones left out, counts summed per column, as `CountVectorizer`.
    Another vectorizer (its own options) gets its own transform.
    """
    from scipy import sparse

    fitted = isinstance(vectorizer, FittedTfidf)
    tfidf = None if fitted else getattr(vectorizer, "_tfidf", None)
    lo, hi = getattr(vectorizer, "ngram_range", (0, 0))
    if fitted:
        if vectorizer.analyzer != "word" or not 1 <= lo <= hi:
            raise ValueError(f"not a word n-gram vectorizer: {vectorizer.analyzer} {lo}-{hi}")
    elif (tfidf is None or not 1 <= lo <= hi
            or any(getattr(vectorizer, k, None) != v for k, v in _WORD_VECTORIZER.items())):
        return vectorizer.transform(texts)
    get = vectorizer.vocabulary_.get
    cols: list[int] = []
    indptr = [0]
    for text in texts:
        toks = text.split()
        for n in range(lo, min(hi, len(toks)) + 1):
            grams = toks if n == 1 else map(" ".join, zip(*(toks[k:] for k in range(n))))
            cols += [j for j in map(get, grams) if j is not None]
        indptr.append(len(cols))
    X = sparse.csr_array((np.ones(len(cols), dtype=vectorizer.dtype), np.asarray(cols, dtype=np.int32),
                          np.asarray(indptr, dtype=np.int32)), shape=(len(texts), len(vectorizer.vocabulary_)))
    X.sum_duplicates()  # also sorts each row's columns, as CountVectorizer's sort_indices
    return sparse.csr_matrix(vectorizer.weigh(X)) if fitted else tfidf.transform(X, copy=False)  # type: ignore[union-attr]


_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)


def _grid_f1(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """F1 of `scores >= t` against `y` at each threshold t of the 0.05 grid."""
    positives = float(np.sum(y == 1))
    f = np.zeros(len(_GRID))
    for i, t in enumerate(_GRID):
        pred = scores >= t
        denom = float(np.sum(pred)) + positives
        f[i] = 2 * float(np.sum(pred & (y == 1))) / denom if denom else 0.0
    return f


def best_threshold(
    scores: np.ndarray, y: np.ndarray, default: float = DEFAULT_THRESHOLD, slack: float = 0.0,
) -> tuple[float, float]:
    """The threshold on a 0.05 grid with the best F1 (ties: nearest the default), and that F1.

    With `slack` > 0 the lowest threshold whose F1 is within `slack` of the best: on the material
    it was chosen on, a code's positives score higher than on new material, so of two thresholds
    that do about as well there, the lower one carries over (`Suggester.threshold_slack`)."""
    grid_f1 = _grid_f1(scores, y)
    best_t, best_f = default, -1.0
    for t, f in zip(_GRID, grid_f1):
        if f > best_f + 1e-9 or (abs(f - best_f) <= 1e-9 and abs(t - default) < abs(best_t - default)):
            best_t, best_f = float(t), float(f)
    if slack > 0:
        best_t = min(float(t) for t, f in zip(_GRID, grid_f1) if f >= best_f - slack - 1e-9)
    return best_t, max(best_f, 0.0)


def plateau_threshold(scores: np.ndarray, y: np.ndarray, default: float = DEFAULT_THRESHOLD) -> float:
    """The threshold on the 0.05 grid whose F1 averaged with its two neighbours' is best (ties:
    nearest the default). The pooled F1 of all codes is often flat over 0.20–0.40, and its
    single best point there is noise: one keyword more in the codebook moved it from 0.25 to
    0.40. The middle of the best stretch is what carries over to new material."""
    smooth = np.convolve(np.pad(_grid_f1(scores, y), 1, mode="edge"), np.ones(3) / 3, mode="valid")
    best = smooth.max()
    return min((float(t) for t, v in zip(_GRID, smooth) if v >= best - 1e-9), key=lambda t: abs(t - default))


def fold_ids(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number per row, spreading each code's positives evenly over the folds."""
    rng = np.random.default_rng(seed)
    n = len(y)
    folds = np.full(n, -1)
    order = rng.permutation(n)
    # rarest-first greedy: rows with positives of rare codes are dealt out first
    pos_count = (y == 1).sum(axis=0) if y.ndim == 2 else np.array([(y == 1).sum()])
    yy = y if y.ndim == 2 else y[:, None]
    rarity = np.array([
        min((pos_count[j] for j in np.flatnonzero(yy[i] == 1)), default=n + 1) for i in range(n)
    ])
    order = order[np.argsort(rarity[order], kind="stable")]
    for pos, i in enumerate(order):
        folds[i] = pos % k
    return folds


class CodeClassifier(Params):
    """One-vs-rest logistic regression over lemma n-grams, char n-grams and rule hits.

    Scikit-learn conventions: `__init__` stores hyperparameters, `fit` returns self,
    learned state ends in `_`.
    """

    def __init__(
        self,
        code_ids: Sequence[str],
        rules: KeywordRules | None = None,
        C: float = 4.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (3, 5),
        rule_weight: float = 1.0,
        pos_filter: bool = False,
        inner_cv: int = 4,
        min_positives: int = 3,
        random_state: int = 0,
        section_features: bool = True,
    ):
        self.code_ids = code_ids
        self.rules = rules
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.rule_weight = rule_weight
        self.pos_filter = pos_filter
        self.inner_cv = inner_cv
        self.min_positives = min_positives
        self.random_state = random_state
        self.section_features = section_features

    # -- features ------------------------------------------------------------------------

    def _sections(self) -> bool:
        return bool(getattr(self, "section_features", True))  # models saved before the option had them

    def _rule_matrix(self, X: Sequence[Sequence[Token]]):  # type: ignore[no-untyped-def]
        from scipy import sparse

        if self.rules is None or not self.rule_weight:
            return sparse.csr_matrix((len(X), 0))
        index = {c: j for j, c in enumerate(self.code_ids)}
        m = np.zeros((len(X), len(self.code_ids)))
        for i, toks in enumerate(X):
            for h in self.rules.hits(toks):
                if h.code_id in index:
                    m[i, index[h.code_id]] = np.log1p(len(h.keywords))
        return sparse.csr_matrix(m * self.rule_weight)

    def _features(self, X: Sequence[Sequence[Token]], fit: bool = False, with_words: bool = False):  # type: ignore[no-untyped-def]
        from scipy import sparse

        texts = [lemma_text(t, self.pos_filter, self._sections()) for t in X]
        if fit:
            from sklearn.feature_extraction.text import TfidfVectorizer

            word_vectorizer = TfidfVectorizer(
                token_pattern=r"[^\s]+", ngram_range=self.word_ngrams, sublinear_tf=True, min_df=1,
                lowercase=False, dtype=np.float32,
            )
            char_vectorizer = TfidfVectorizer(
                # n-grams seen once are noise, except in a very small training set
                analyzer=functools.partial(char_wb_ngrams, lo=self.char_ngrams[0], hi=self.char_ngrams[1]),
                sublinear_tf=True,
                min_df=2 if len(texts) >= 20 else 1,
                lowercase=False, dtype=np.float32, max_features=200_000,
            )
            if not any(texts):
                raise ValueError("the training texts have no words")
            w = word_vectorizer.fit_transform(texts)
            c = char_vectorizer.fit_transform(texts)
            # what scoring needs of them (no scikit-learn to import when a saved model is loaded)
            self.word_vectorizer_ = FittedTfidf.of(word_vectorizer, "word", self.word_ngrams)
            self.char_vectorizer_ = FittedTfidf.of(char_vectorizer, "char_wb", self.char_ngrams)
            for name in _DERIVED:  # a new vocabulary
                self.__dict__.pop(name, None)
        else:
            w = word_tfidf(self.word_vectorizer_, texts)
            cache = self.__dict__.setdefault("_char_ids", {})  # word -> its n-grams' columns, not saved
            c = char_tfidf(self.char_vectorizer_, texts, self.char_ngrams[0], self.char_ngrams[1], cache)
        feats = sparse.hstack([w, c, self._rule_matrix(X)], format="csr", dtype=np.float32)
        return (feats, w) if with_words else feats

    # -- fitting -------------------------------------------------------------------------

    def _model(self):  # type: ignore[no-untyped-def]
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", dual=True, max_iter=1000)

    def fit(
        self, X: Sequence[Sequence[Token] | str], Y: np.ndarray, n_positives: Sequence[int] | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> CodeClassifier:
        """Fit on token lists (or lemma strings) X and a label matrix Y (1/0/-1 per code).

        `n_positives` (per code) is the evidence used to decide which codes get a model; by
        default the positives in Y. Rows that only carry codebook examples can be left out of it.
        `sample_weight` (same shape as Y, or one weight per row) weighs rows per code: the
        codebook's own text counts less than a coded segment.
        """
        X = as_tokens(X)
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape != (len(X), len(self.code_ids)):
            raise ValueError("Y must have one row per segment and one column per code")
        W = np.ones(Y.shape) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if W.ndim == 1:
            W = np.repeat(W[:, None], Y.shape[1], axis=1)
        feats = self._features(X, fit=True)
        npos = np.asarray(n_positives if n_positives is not None else (Y == 1).sum(axis=0))
        folds = fold_ids(np.where(Y == 1, 1, 0), max(2, self.inner_cv), self.random_state)
        self.models_: dict[str, FittedLinear] = {}
        self.calibrators_: dict[str, tuple[float, float]] = {}
        self.oof_: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.n_positives_ = {c: int(n) for c, n in zip(self.code_ids, npos)}
        for j, code in enumerate(self.code_ids):
            known = Y[:, j] >= 0
            y = Y[known, j]
            n_pos = int((y == 1).sum())
            if npos[j] < self.min_positives or n_pos < 2 or n_pos == len(y):
                continue
            Xj, fj, wj = feats[known], folds[known], W[known, j]
            oof = np.zeros(len(y))
            for k in np.unique(fj):
                train, test = fj != k, fj == k
                if len(np.unique(y[train])) < 2:
                    oof[test] = 0.0
                    continue
                model = self._model().fit(Xj[train], y[train], sample_weight=wj[train])
                oof[test] = model.decision_function(Xj[test])
            a, b = platt_scale(oof, y)
            self.calibrators_[code] = (a, b)
            self.oof_[code] = (_sigmoid(a * oof + b), y)
            self.models_[code] = FittedLinear.of(self._model().fit(Xj, y, sample_weight=wj))
        return self

    def decision_scores(self, X: Sequence[Sequence[Token] | str]) -> np.ndarray:
        """Calibrated scores (n_segments, n_codes); NaN where a code has no model."""
        return self.decision_scores_rows(X)[0]

    def decision_scores_rows(self, X: Sequence[Sequence[Token] | str]):  # type: ignore[no-untyped-def]
        """(calibrated scores, the batch's lemma n-gram TF-IDF rows): the rows give `top_terms_rows`."""
        X = as_tokens(X)
        feats, words = self._features(X, with_words=True)
        out = np.full((len(X), len(self.code_ids)), np.nan)
        for j, code in enumerate(self.code_ids):
            model = self.models_.get(code)
            if model is not None:
                a, b = self.calibrators_[code]
                out[:, j] = _sigmoid(a * model.decision_function(feats) + b)
        return out, words

    def __getstate__(self) -> dict[str, Any]:
        return _drop_derived(self.__dict__)

    def top_terms_rows(self, code: str, words: Any, rows: Sequence[int], n: int = 3) -> list[list[str]]:
        """The lemma n-grams that push hardest towards `code` (for reasons), at most `n`, for each of
        `rows` of the batch's lemma n-gram TF-IDF rows (`decision_scores_rows`), in one pass of sparse ops."""
        model = self.models_.get(code)
        if model is None or not len(rows):
            return [[] for _ in rows]
        sub = words[np.asarray(rows, dtype=np.int64)]
        coef = model.coef_[0, : words.shape[1]]
        cols = sub.indices
        row_of = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
        # only terms that push towards the code and say something to a reader (`_explains`)
        keep = (coef[cols] > 0) & self._explains()[cols]
        cols, row_of = cols[keep], row_of[keep]
        value = sub.data[keep] * coef[cols]
        # per row: largest contribution first, ties by the higher column
        order = np.lexsort((-cols, -value, row_of))
        cols, row_of = cols[order], row_of[order]
        starts = np.searchsorted(row_of, np.arange(sub.shape[0]))
        rank = np.arange(len(row_of)) - starts[row_of]
        names = self._feature_names()
        out: list[list[str]] = [[] for _ in rows]
        for r, j in zip(row_of[rank < n].tolist(), cols[rank < n].tolist()):
            out[r].append(str(names[j]))
        return out

    def _feature_names(self) -> Any:
        names = self.__dict__.get("_names")
        if names is None:  # derived from the vocabulary once, not stored with the model
            names = self.__dict__["_names"] = self.word_vectorizer_.get_feature_names_out()
        return names

    def _explains(self) -> np.ndarray:
        """Per lemma n-gram: not made of function words only (`jag`, `till` carry weight but explain nothing)."""
        mask = self.__dict__.get("_explains_mask")
        if mask is None:
            from spacy.lang.sv.stop_words import STOP_WORDS

            names = self._feature_names()
            mask = np.fromiter((not all(w in STOP_WORDS for w in str(t).split()) for t in names),
                               dtype=bool, count=len(names))
            self.__dict__["_explains_mask"] = mask
        return mask


def platt_scale(scores: np.ndarray, y: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """Platt's sigmoid fit P(y=1 | s) = 1 / (1 + exp(-(a*s + b))): Newton steps with backtracking.

    Uses Platt's smoothed targets ((N+ + 1)/(N+ + 2) and 1/(N- + 2)), which keep the fit
    finite when the scores separate the classes perfectly, as they often do on small data.
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(y)
    n_pos, n_neg = int((y == 1).sum()), int((y != 1).sum())
    t = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(a: float, b: float) -> float:
        z = a * s + b
        # -[t log p + (1 - t) log(1 - p)] written stably with logaddexp
        return float(np.sum(t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z)))

    a, b = 0.0, float(np.log((n_pos + 1.0) / (n_neg + 1.0)))
    current = loss(a, b)
    for _ in range(iterations):
        p = _sigmoid(a * s + b)
        w = p * (1 - p)
        g_a, g_b = float(np.sum((p - t) * s)), float(np.sum(p - t))
        h_aa, h_ab, h_bb = float(np.sum(w * s * s)) + 1e-12, float(np.sum(w * s)), float(np.sum(w)) + 1e-12
        det = h_aa * h_bb - h_ab * h_ab
        if det <= 1e-24:
            da, db = g_a, g_b  # fall back to a gradient step
        else:
            da, db = (h_bb * g_a - h_ab * g_b) / det, (h_aa * g_b - h_ab * g_a) / det
        step = 1.0
        while step > 1e-10:
            na, nb = a - step * da, b - step * db
            new = loss(na, nb)
            if new < current - 1e-12:
                break
            step /= 2
        else:
            break  # no step improves: converged
        a, b, converged = na, nb, current - new < 1e-10
        current = new
        if converged:
            break
    return float(a), float(b)


_DERIVED = ("_names", "_explains_mask", "_char_ids")  # rebuilt from the learned state when needed


def _drop_derived(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k not in _DERIVED}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
