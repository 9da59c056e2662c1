"""A trained model's parts as plain arrays: scoring and loading without importing scikit-learn.

Importing scikit-learn takes most of a second (it imports scipy.stats and pandas), and a saved
model only needs what it learned: vocabularies, idf weights, coefficients. Training still uses
scikit-learn (`TfidfVectorizer`, `LogisticRegression`); once fitted, the classifier keeps these
small objects instead, and `model_io` rebuilds them from a saved model. They compute the same
numbers as scikit-learn's `TfidfTransformer.transform` and `LogisticRegression.decision_function`,
operation for operation (tests/test_fast_vectorizer.py compares the floats, not their closeness).

`Params` gives the suggesters scikit-learn's estimator protocol (`get_params`, `set_params`,
`sklearn.base.clone`) without inheriting `BaseEstimator`, which would import scikit-learn.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np


class Params:
    """scikit-learn's estimator protocol: hyperparameters are the `__init__` arguments, stored as is."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyperparameters by name; with `deep`, those of estimators among them as `name__param`."""
        out: dict[str, Any] = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def set_params(self, **params: Any) -> Any:
        """Set hyperparameters (`name__param` for a nested estimator's); returns self."""
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            key, sep, sub = key.partition("__")
            if key not in valid:
                raise ValueError(f"Invalid parameter {key!r} for estimator {type(self).__name__}. "
                                 f"Valid parameters are: {sorted(self._get_param_names())!r}.")
            if sep:
                nested.setdefault(key, {})[sub] = value
            else:
                setattr(self, key, value)
                valid[key] = value
        for key, sub_params in nested.items():
            valid[key].set_params(**sub_params)
        return self

    def __sklearn_tags__(self) -> Any:  # asked only by scikit-learn's own tools, which have imported it
        from sklearn.base import BaseEstimator

        return BaseEstimator.__sklearn_tags__(self)

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items()
                   if not (k in defaults and _same(defaults[k], v))]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or a == b)
    except (TypeError, ValueError):
        return False


def tfidf_transform(X: Any, idf: np.ndarray, sublinear_tf: bool = True, rows_per_block: int = 4096) -> Any:
    """`TfidfTransformer(sublinear_tf, norm="l2").transform(X, copy=False)` on a CSR count matrix, in place.

    The same operations in the same order: log(tf) + 1, times each column's idf, each row divided by
    its L2 norm, summed in double precision from single-precision squares one entry after another as
    scikit-learn's `inplace_csr_row_normalize_l2` sums them; rows of zeros left as they are. The norms
    are taken `rows_per_block` rows at a time, so no double-precision copy of the whole matrix is made.
    """
    from scipy import sparse

    data, indices, indptr = X.data, X.indices, X.indptr
    if sublinear_tf:
        np.log(data, data)
        data += 1.0
    data *= idf[indices]
    ones = np.ones(X.shape[1])
    for lo in range(0, X.shape[0], rows_per_block):
        hi = min(X.shape[0], lo + rows_per_block)
        a, b = int(indptr[lo]), int(indptr[hi])
        part = data[a:b]
        squares = sparse.csr_array((np.multiply(part, part).astype(np.float64), indices[a:b], indptr[lo:hi + 1] - a),
                                   shape=(hi - lo, X.shape[1]))
        norms = np.sqrt(squares @ ones)  # csr_matvec: one row's entries added in order
        norms[norms == 0.0] = 1.0  # an empty row stays empty (x / 1 is x)
        np.divide(part, np.repeat(norms, np.diff(indptr[lo:hi + 1])), out=part, casting="same_kind")
    return X


class FittedTfidf:
    """A fitted TF-IDF vectorizer's learned state: its vocabulary (term → column) and idf weights.

    `analyzer` says how its terms are made: `"word"` (runs of non-space, n-grams joined by a space,
    `ngram_range`) or `"char_wb"` (character n-grams inside words, `ngram_range`). Counting is done
    by the classifier (`word_tfidf`, `char_tfidf`); `weigh` turns counts into TF-IDF rows.
    """

    def __init__(self, analyzer: str, ngram_range: tuple[int, int], vocabulary: dict[str, int],
                 idf: np.ndarray, min_df: int | float = 1, max_features: int | None = None,
                 sublinear_tf: bool = True, dtype: Any = np.float32):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.vocabulary_ = vocabulary
        self.idf_ = idf
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.dtype = dtype

    @classmethod
    def of(cls, vectorizer: Any, analyzer: str, ngram_range: tuple[int, int]) -> FittedTfidf:
        """The learned state of a fitted scikit-learn `TfidfVectorizer`, shared, not copied (its pruned-term list is not kept)."""
        return cls(analyzer, tuple(ngram_range), vectorizer.vocabulary_, np.asarray(vectorizer.idf_),  # type: ignore[arg-type]
                   vectorizer.min_df, vectorizer.max_features, vectorizer.sublinear_tf, vectorizer.dtype)

    def transform(self, texts: Sequence[str]) -> Any:
        """TF-IDF rows of lemma texts (a CSR matrix), as the fitted scikit-learn vectorizer gave them."""
        from qualcode.suggest.classifier import char_tfidf, word_tfidf

        if self.analyzer == "word":
            return word_tfidf(self, texts)
        return char_tfidf(self, texts, *self.ngram_range)

    def weigh(self, counts: Any) -> Any:
        """TF-IDF rows from a CSR matrix of term counts (its data already of `dtype`), in place."""
        return tfidf_transform(counts, self.idf_, self.sublinear_tf)

    def get_feature_names_out(self) -> np.ndarray:
        names = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return np.asarray(names, dtype=object)


class FittedLinear:
    """A fitted binary linear model: `decision_function` is X · coefᵀ + intercept, as scikit-learn's."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray):
        self.coef_ = coef
        self.intercept_ = intercept
        self.classes_ = classes

    @classmethod
    def of(cls, model: Any) -> FittedLinear:
        return cls(model.coef_, model.intercept_, model.classes_)

    @property
    def n_features_in_(self) -> int:
        return int(self.coef_.shape[1])

    def decision_function(self, X: Any) -> np.ndarray:
        if X.shape[1] != self.coef_.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features, but the model was fitted on {self.coef_.shape[1]}")
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores


