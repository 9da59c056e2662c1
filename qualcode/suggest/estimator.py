"""Code suggestions: codebook rules and a trained classifier, combined per code.

Combination rule (per code c, with n_c = the number of the researcher's segments coded c):
- n_c < `min_positives` (default 3): rules alone. The score is the rule score
  (1 - 0.5**m for m distinct keywords) and the threshold is 0.5: one keyword suggests.
- otherwise: s = a * p + (1 - a) * r with a = n_c / (n_c + `blend_k`) (default 10), p the
  classifier's calibrated probability and r the rule score. With 10 coded examples the
  two weigh the same; with 40, the classifier has 80 %. The blend is then Platt-calibrated
  on out-of-fold predictions, and the threshold is the one with the best out-of-fold F1.

The codebook's examples are added as extra training rows (positive for their code); they
do not count towards n_c. Rejected suggestions are negative rows for their code.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualcode.core.codebook import Codebook
from qualcode.core.errors import Hint, InputError, QualcodeError
from qualcode.suggest.rules import KeywordRules, Token, as_tokens, tokens_from_doc

DEFAULT_BLEND_K = 10.0
DEFAULT_MIN_POSITIVES = 3
RULE_THRESHOLD = 0.5


class SuggestError(QualcodeError):
    """Suggestions cannot be made (no keywords and no training data, no model, …)."""


@dataclass(frozen=True)
class Suggestion:
    """One suggested code for one segment."""

    key: Any  # the segment's id (a JSONL id or a store segment id)
    code_id: str
    score: float
    reason: str
    model_version: str


@dataclass(frozen=True)
class CodeMetrics:
    code_id: str
    support: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else 0.0



POS_MODELS = ("sv_qualcode_sm", "sv_ud_ner_sm")


def _pos_nlp(pos: bool):  # type: ignore[no-untyped-def]
    import importlib.util

    from qualcode.nlp.pipeline import load_pipeline

    if not pos:
        return load_pipeline()
    for name in POS_MODELS:
        if importlib.util.find_spec(name) is not None:
            return load_pipeline(name)
    raise QualcodeError(
        f"POS-filtret kräver en tränad svensk pipeline ({' eller '.join(POS_MODELS)}) men ingen är installerad "
        "— träna och installera en (README, 'Swedish pipelines') eller stäng av pos_filter"
    )


def tokenize(texts: Iterable[str], nlp=None, pos: bool = False, batch_size: int = 256) -> list[list[Token]]:  # type: ignore[no-untyped-def]
    """Word tokens (form, lemma, POS) of each text through the spaCy pipeline."""
    from qualcode.nlp.pipeline import load_pipeline

    nlp = nlp or load_pipeline()
    disable = [p for p in ("parser", "ner") if p in nlp.pipe_names]
    return [tokens_from_doc(d, pos=pos) for d in nlp.pipe(texts, batch_size=batch_size, disable=disable)]


class Suggester:
    """Rules + classifier for every leaf code of a codebook (scikit-learn conventions).

    `fit(X, Y)`: X token lists (or space-joined lemma strings), Y a (n, n_codes) matrix of
    1/0/-1 (has / has not / unknown).
    """

    def __init__(
        self,
        codebook: Codebook,
        blend_k: float = DEFAULT_BLEND_K,
        min_positives: int = DEFAULT_MIN_POSITIVES,
        use_examples: bool = True,
        use_rules: bool = True,
        rule_features: bool = False,
        pos_filter: bool = False,
        C: float = 4.0,
        inner_cv: int = 4,
        random_state: int = 0,
    ):
        self.codebook = codebook
        self.blend_k = blend_k
        self.min_positives = min_positives
        self.use_examples = use_examples
        self.use_rules = use_rules
        self.rule_features = rule_features
        self.pos_filter = pos_filter
        self.C = C
        self.inner_cv = inner_cv
        self.random_state = random_state

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "codebook", "blend_k", "min_positives", "use_examples", "use_rules", "rule_features",
            "pos_filter", "C", "inner_cv", "random_state",
        )}

    def clone(self) -> Suggester:
        """A fresh, unfitted suggester with the same hyperparameters."""
        return Suggester(**self.get_params())

    @property
    def code_ids(self) -> list[str]:
        return [c.id for c in self.codebook.leaves]

    def _rules(self) -> KeywordRules | None:
        if not self.use_rules or not any(c.keywords for c in self.codebook.leaves):
            return None
        return _cached_rules(self.codebook, self.pos_filter)

    def rules_only(self) -> Suggester:
        """Make the suggester usable without training data (rules only)."""
        self.rules_ = self._rules()
        if self.rules_ is None:
            raise SuggestError(
                "kodboken har inga nyckelord (keywords) och det finns inga kodade segment att träna på — "
                "lägg till `keywords:` i kodboken, eller koda några segment för hand",
                hint=Hint("och träna sedan", command=("train",)),
            )
        self.classifier_ = None
        self.calibrators_: dict[str, tuple[float, float]] = {}
        self.thresholds_ = {c: RULE_THRESHOLD for c in self.code_ids}
        self.alpha_ = {c: 0.0 for c in self.code_ids}
        self.n_positives_ = {c: 0 for c in self.code_ids}
        self.cv_metrics_: dict[str, CodeMetrics] = {}
        self.trained_at_ = time.strftime("%Y-%m-%dT%H:%M:%S")
        self.version_ = _version(self.codebook, "rules")
        return self

    def _example_rows(self) -> tuple[list[list[Token]], np.ndarray]:
        key = (self.codebook.hash(), self.pos_filter)
        if key not in _EXAMPLES:
            _EXAMPLES.clear()
            _EXAMPLES[key] = self._tokenize_examples()
        return _EXAMPLES[key]

    def _tokenize_examples(self) -> tuple[list[list[Token]], np.ndarray]:
        codes = self.codebook.leaves
        texts, labels = [], []
        for j, code in enumerate(codes):
            for ex in code.examples:
                texts.append(ex)
                row = np.zeros(len(codes), dtype=int)
                row[j] = 1
                labels.append(row)
        if not texts:
            return [], np.zeros((0, len(codes)), dtype=int)
        return tokenize(texts, pos=self.pos_filter, nlp=_pos_nlp(self.pos_filter)), np.vstack(labels)

    def fit(self, X: Sequence[Sequence[Token] | str], Y: np.ndarray) -> Suggester:
        from qualcode.suggest.classifier import (
            CodeClassifier,
            best_threshold,
            platt_scale,
        )

        X = as_tokens(X)
        Y = np.asarray(Y, dtype=int)
        n_pos_user = (Y == 1).sum(axis=0)
        if len(X) == 0 or not n_pos_user.any():
            raise SuggestError(
                "träningsdatan har inga kodningar (inget segment har någon kod) — koda några segment "
                "för hand, eller ange en fil där 'codes' inte är tomma"
            )
        if not any(len(x) for x, y in zip(X, Y) if (y == 1).any()):
            raise SuggestError("de kodade träningssegmenten har ingen text — kontrollera fältet 'text'")
        self.rules_ = self._rules()
        Xa, Ya = list(X), Y
        if self.use_examples:
            ex_x, ex_y = self._example_rows()
            Xa, Ya = Xa + ex_x, np.vstack([Y, ex_y]) if len(ex_x) else Y
        clf = CodeClassifier(
            self.code_ids, rules=self.rules_ if self.rule_features else None, C=self.C,
            pos_filter=self.pos_filter, inner_cv=self.inner_cv, min_positives=self.min_positives,
            random_state=self.random_state,
        )
        try:
            self.classifier_ = clf.fit(Xa, Ya, n_positives=n_pos_user)
        except ValueError as exc:  # e.g. no words left to learn from
            raise SuggestError(f"kunde inte träna på segmenten ({exc}) — kontrollera att de har text") from None
        R = self._rule_scores(Xa)
        self.n_positives_ = {c: int(n) for c, n in zip(self.code_ids, n_pos_user)}
        self.alpha_, self.calibrators_, self.thresholds_ = {}, {}, {}
        self.cv_metrics_ = {}
        for j, code in enumerate(self.code_ids):
            n = self.n_positives_[code]
            if code not in clf.models_:
                self.alpha_[code] = 0.0
                self.thresholds_[code] = RULE_THRESHOLD
                continue
            a = n / (n + self.blend_k) if self.rules_ is not None else 1.0
            self.alpha_[code] = a
            p, y = clf.oof_[code]
            r = R[Ya[:, j] >= 0, j]
            s = a * p + (1 - a) * r
            cal = platt_scale(s, y)
            self.calibrators_[code] = cal
            sc = _sigmoid(cal[0] * s + cal[1])
            t, _ = best_threshold(sc, y)
            self.thresholds_[code] = t
            pred = sc >= t
            user = np.zeros(len(y), dtype=bool)
            user[: int((Y[:, j] >= 0).sum())] = True  # codebook examples come after the user's rows
            yu, pu = y[user], pred[user]
            self.cv_metrics_[code] = CodeMetrics(
                code, int((yu == 1).sum()), int(np.sum(pu & (yu == 1))), int(np.sum(pu & (yu == 0))),
                int(np.sum(~pu & (yu == 1))),
            )
        clf.oof_ = {}  # not needed after fitting; keeps the saved model small
        self.trained_at_ = time.strftime("%Y-%m-%dT%H:%M:%S")
        self.version_ = _version(self.codebook, f"{len(X)}:{self.trained_at_}:{n_pos_user.tolist()}")
        return self

    def _rule_scores(self, X: Sequence[Sequence[Token]]) -> np.ndarray:
        if self.rules_ is None:
            return np.zeros((len(X), len(self.code_ids)))
        return self.rules_.score_matrix(X)[0]

    def predict_scores(self, X: Sequence[Sequence[Token] | str]) -> tuple[np.ndarray, list[list[Any]]]:
        """Scores in [0, 1] (n, n_codes) and the rule hits per segment (for reasons)."""
        X = as_tokens(X)
        if self.rules_ is not None:
            R, hits = self.rules_.score_matrix(X)
        else:
            R, hits = np.zeros((len(X), len(self.code_ids))), [[] for _ in X]
        S = R.copy()
        if self.classifier_ is not None and self.classifier_.models_:
            P = self.classifier_.decision_scores(X)
            for j, code in enumerate(self.code_ids):
                if code in self.calibrators_:
                    a = self.alpha_[code]
                    s = a * P[:, j] + (1 - a) * R[:, j]
                    ca, cb = self.calibrators_[code]
                    S[:, j] = _sigmoid(ca * s + cb)
        empty = [i for i, x in enumerate(X) if len(x) == 0]
        S[empty] = 0.0  # no words, no evidence: the classifier's intercept alone must not suggest
        return S, hits

    def predict(self, X: Sequence[Sequence[Token]]) -> np.ndarray:
        """0/1 matrix: scores at or over each code's threshold."""
        S, _ = self.predict_scores(X)
        t = np.array([self.thresholds_[c] for c in self.code_ids])
        return (S >= t).astype(int)

    def suggestions(
        self, keys: Sequence[Any], X: Sequence[Sequence[Token]], min_score: float | None = None
    ) -> list[Suggestion]:
        """Suggestions over each code's threshold (or over `min_score` when given), with reasons."""
        X = as_tokens(X)
        S, hits = self.predict_scores(X)
        out: list[Suggestion] = []
        for i, key in enumerate(keys):
            by_code = {h.code_id: h for h in hits[i]}
            for j, code in enumerate(self.code_ids):
                score = float(S[i, j])
                limit = self.thresholds_[code] if min_score is None else min_score
                if score < limit or score <= 0.0:
                    continue
                out.append(Suggestion(key, code, round(score, 4), self._reason(code, by_code.get(code), X[i]),
                                      self.version_))
        return out

    def _reason(self, code: str, hit: Any, tokens: Sequence[Token]) -> str:
        parts = []
        if hit is not None:
            parts.append(hit.reason)
        if code in self.calibrators_ and self.classifier_ is not None:
            words = self.classifier_.top_terms(code, tokens, 3)
            n = self.n_positives_[code]
            parts.append(f"modell ({n} kodade exempel, vikt {self.alpha_[code]:.0%})" + (f": {', '.join(words)}" if words else ""))
        return "; ".join(parts) or "modell"

    def info(self) -> dict[str, Any]:
        """What the model was trained on, for the store's `models.trained_on`."""
        return {
            "n_positives": self.n_positives_,
            "alpha": {c: round(a, 3) for c, a in self.alpha_.items()},
            "thresholds": self.thresholds_,
            "blend_k": self.blend_k,
            "min_positives": self.min_positives,
            "codebook_examples": self.use_examples,
            "pos_filter": self.pos_filter,
        }

    def to_bytes(self) -> bytes:
        import joblib

        if self.rules_ is not None:
            self.rules_.clear_cache()
        buf = io.BytesIO()
        joblib.dump(self, buf, compress=3)
        return buf.getvalue()

    @staticmethod
    def from_bytes(blob: bytes) -> Suggester:
        import joblib

        obj = joblib.load(io.BytesIO(blob))
        if not isinstance(obj, Suggester):
            raise SuggestError("den sparade modellen är inte en qualcode-modell", hint=Hint("träna om", command=("train",)))
        return obj


# Built rules and tokenised codebook examples, reused across fits (cross-validation refits often).
_RULES: dict[tuple[str, bool], KeywordRules] = {}
_EXAMPLES: dict[tuple[str, bool], tuple[list[list[Token]], np.ndarray]] = {}


def _cached_rules(codebook: Codebook, pos: bool) -> KeywordRules:
    key = (codebook.hash(), pos)
    if key not in _RULES:
        if len(_RULES) > 4:
            _RULES.clear()
        _RULES[key] = KeywordRules(codebook, use_pos=pos, require_keywords=False)
    return _RULES[key]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _version(codebook: Codebook, salt: str) -> str:
    h = hashlib.sha256(f"{codebook.hash()}|{salt}|{time.time_ns()}".encode()).hexdigest()[:6]
    return time.strftime("%Y%m%d-%H%M%S-") + h


def label_matrix(codes: Sequence[Sequence[str]], code_ids: Sequence[str]) -> np.ndarray:
    """1/0 matrix from per-segment code lists (a coded segment is negative for other codes)."""
    index = {c: j for j, c in enumerate(code_ids)}
    Y = np.zeros((len(codes), len(code_ids)), dtype=int)
    for i, cs in enumerate(codes):
        for c in cs:
            if c not in index:
                raise InputError(f"okänd kod {c!r}")
            Y[i, index[c]] = 1
    return Y


