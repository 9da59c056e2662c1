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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qualcode.core.codebook import Codebook
from qualcode.core.errors import InputError, QualcodeError
from qualcode.core.records import POSITIVE_SOURCES
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
                "lägg till `keywords:` i kodboken eller koda några segment för hand och kör `qualcode train`"
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
        from qualcode.suggest.classifier import CodeClassifier, best_threshold, platt_scale

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
            raise SuggestError("den sparade modellen är inte en qualcode-modell — träna om med `qualcode train`")
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


# -- evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """Per-code and overall quality of predictions against gold codes."""

    per_code: tuple[CodeMetrics, ...]
    alpha: dict[str, float]
    n_segments: int
    method: str
    extra: dict[str, Any] = field(default_factory=dict)
    alpha_pooled: float = float("nan")  # all (segment, code) pairs as one 0/1 variable

    @property
    def micro(self) -> CodeMetrics:
        return CodeMetrics(
            "micro", sum(m.support for m in self.per_code), sum(m.tp for m in self.per_code),
            sum(m.fp for m in self.per_code), sum(m.fn for m in self.per_code),
        )

    @property
    def macro_f1(self) -> float:
        used = [m.f1 for m in self.per_code if m.support > 0]
        return float(np.mean(used)) if used else 0.0

    def to_dict(self) -> dict[str, Any]:
        mi = self.micro
        return {
            "method": self.method,
            "n_segments": self.n_segments,
            "micro": {"precision": round(mi.precision, 4), "recall": round(mi.recall, 4), "f1": round(mi.f1, 4),
                      "support": mi.support},
            "macro_f1": round(self.macro_f1, 4),
            "alpha_pooled": _round(self.alpha_pooled),
            "alpha_mean": _round(_nanmean(list(self.alpha.values()))),
            "per_code": [
                {"code": m.code_id, "support": m.support, "predicted": m.tp + m.fp, "precision": round(m.precision, 4),
                 "recall": round(m.recall, 4), "f1": round(m.f1, 4), "alpha": _round(self.alpha.get(m.code_id))}
                for m in self.per_code
            ],
            **self.extra,
        }


def _round(x: float | None) -> float | None:
    return None if x is None or np.isnan(x) else round(float(x), 4)


def _nanmean(xs: list[float]) -> float:
    vals = [x for x in xs if x is not None and not np.isnan(x)]
    return float(np.mean(vals)) if vals else float("nan")


def score_predictions(gold: np.ndarray, pred: np.ndarray, code_ids: Sequence[str], method: str) -> Evaluation:
    """Precision/recall/F1 and Krippendorff's alpha (nominal, 0/1 per segment) per code."""
    from qualcode.coding.agreement import krippendorff_alpha

    per, alpha = [], {}
    for j, code in enumerate(code_ids):
        g, p = gold[:, j] == 1, pred[:, j] == 1
        per.append(CodeMetrics(code, int(g.sum()), int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())))
        alpha[code] = krippendorff_alpha([[int(x) for x in g], [int(x) for x in p]], level="nominal")
    pooled = krippendorff_alpha([[int(x) for x in gold.ravel()], [int(x) for x in pred.ravel()]], level="nominal")
    return Evaluation(tuple(per), alpha, len(gold), method, alpha_pooled=pooled)


def cross_validate(
    suggester: Suggester, X: Sequence[Sequence[Token]], Y: np.ndarray, k: int = 5, seed: int = 0
) -> Evaluation:
    """k-fold cross-validation: fit on k-1 folds, predict the held-out fold."""
    from qualcode.suggest.classifier import fold_ids

    if k < 2 or k > len(X):
        raise InputError(f"--cv {k} går inte med {len(X)} segment — välj ett k mellan 2 och {len(X)}")
    folds = fold_ids(Y, k, seed)
    pred = np.zeros_like(Y)
    for f in range(k):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        model = suggester.clone()
        if (Y[tr] == 1).any():
            model.fit([X[i] for i in tr], Y[tr])
        else:
            model.rules_only()
        pred[te] = model.predict([X[i] for i in te])
    return score_predictions(Y, pred, suggester.code_ids, f"{k}-faldig korsvalidering")


# -- project level ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    """A trained and saved model with what it was trained on and how well it did."""

    version: str
    n_segments: int
    n_positives: dict[str, int]
    n_rejected: int
    evaluation: Evaluation | None
    seconds: float
    rules_only_codes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version, "n_segments": self.n_segments, "n_positives": self.n_positives,
            "n_rejected": self.n_rejected, "seconds": round(self.seconds, 2),
            "rules_only_codes": list(self.rules_only_codes),
            "evaluation": self.evaluation.to_dict() if self.evaluation else None,
        }


@dataclass(frozen=True)
class SuggestResult:
    """What `suggest_project` stored."""

    model_version: str
    n_segments: int
    n_suggestions: int
    per_code: dict[str, int]
    rules_only: bool
    removed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version, "n_segments": self.n_segments,
            "n_suggestions": self.n_suggestions, "per_code": self.per_code, "rules_only": self.rules_only,
            "removed_old_suggestions": self.removed,
        }


def project_training_data(project, pos: bool = False):  # type: ignore[no-untyped-def]
    """(segment ids, tokens, label matrix, n rejected) from the project's codings.

    A segment with a manual or accepted coding is positive for its codes and negative for
    the other codes; a rejected suggestion is negative for its code only.
    """
    store = project.store
    code_ids = [c.id for c in project.codebook.leaves]
    index = {c: j for j, c in enumerate(code_ids)}
    labels: dict[int, np.ndarray] = {}
    texts: dict[int, str] = {}
    n_rejected = 0
    for coding, seg in store.iter_codings(sources=(*POSITIVE_SOURCES, "rejected")):
        if coding.code_id not in index:
            continue  # a group code or a code removed from the codebook
        row = labels.setdefault(seg.id, np.full(len(code_ids), -1, dtype=int))
        texts[seg.id] = seg.text
        if coding.source in POSITIVE_SOURCES:
            row[index[coding.code_id]] = 1
        elif row[index[coding.code_id]] != 1:
            row[index[coding.code_id]] = 0
            n_rejected += 1
    for row in labels.values():
        if (row == 1).any():
            row[row == -1] = 0  # a coded segment does not have the codes it was not given
    ids = sorted(labels)
    X = tokenize([texts[i] for i in ids], nlp=project.nlp(), pos=pos)
    Y = np.vstack([labels[i] for i in ids]) if ids else np.zeros((0, len(code_ids)), dtype=int)
    return ids, X, Y, n_rejected


def train_project(project, cv: int = 5, actor: str | None = None, **params: Any) -> TrainResult:  # type: ignore[no-untyped-def]
    """Train on the project's manual and accepted codings (rejections as negatives) and save the model.

    With `cv` >= 2 the model is first cross-validated on the same data (k folds), so the
    reported figures are for segments the model did not see.
    """
    start = time.perf_counter()
    codebook = project.codebook
    ids, X, Y, n_rejected = project_training_data(project, pos=bool(params.get("pos_filter")))
    if not ids or not (Y == 1).any():
        raise SuggestError(
            "projektet har inga manuella eller accepterade kodningar att träna på — koda några segment "
            "(`qualcode code add SEGMENT KOD`) eller föreslå med regler först (`qualcode suggest`)"
        )
    suggester = Suggester(codebook, **params)
    evaluation = None
    k = min(cv, len(ids))
    if cv >= 2 and k >= 2:
        evaluation = cross_validate(suggester, X, Y, k)
    suggester.fit(X, Y)
    result = TrainResult(
        version=suggester.version_, n_segments=len(ids), n_positives=suggester.n_positives_,
        n_rejected=n_rejected, evaluation=evaluation, seconds=time.perf_counter() - start,
        rules_only_codes=tuple(c for c in suggester.code_ids if c not in suggester.calibrators_),
    )
    trained_on = {
        "n_segments": len(ids), "n_rejected": n_rejected, "codebook": codebook.name,
        "codebook_version": codebook.version, **suggester.info(),
    }
    blob = suggester.to_bytes()
    with project.store.transaction() as store:
        store.save_model(suggester.version_, codebook.hash(), trained_on,
                         evaluation.to_dict() if evaluation else {}, blob)
        store.log(actor or project.coder, "train", detail={"model_version": suggester.version_,
                                                              "n_segments": len(ids), "n_rejected": n_rejected})
    return result


def load_project_suggester(project) -> Suggester:  # type: ignore[no-untyped-def]
    """The latest trained model of the project, or a rules-only suggester when none is trained."""
    row = project.store.latest_model()
    codebook = project.codebook
    if row is None:
        return Suggester(codebook).rules_only()
    if row["codebook_hash"] != codebook.hash():
        raise SuggestError(
            f"kodboken har ändrats sedan modellen {row['version']} tränades — träna om med `qualcode train`"
        )
    return Suggester.from_bytes(row["blob"])


def suggest_project(
    project,  # type: ignore[no-untyped-def]
    min_score: float | None = None,
    segments: str = "uncoded",
    unit: str | None = None,
    actor: str | None = None,
    meta: dict[str, str] | None = None,
    kind: str | None = None,
    document: str | int | None = None,
) -> SuggestResult:
    """Store suggestions (source='suggested', coder 'qualcode') for uncoded or all segments.

    `unit`, `meta` (document metadata key=value), `kind` (note/survey) and `document` narrow
    the segments; only suggestions on those segments are replaced.

    Manual and accepted codings are never touched; a (segment, code) that has one, or that
    was rejected before, gets no new suggestion. Old open suggestions on the segments are
    replaced by the new ones. `min_score` None means each code's own threshold.
    """
    from qualcode.core.records import MODEL_CODER

    if segments not in ("uncoded", "all"):
        raise InputError(f"okänt värde --segments {segments!r} — välj uncoded eller all")
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise InputError(f"--min-score {min_score} ska ligga mellan 0 och 1")
    suggester = load_project_suggester(project)
    store = project.store
    segs = list(store.iter_segments(unit=unit, uncoded=(segments == "uncoded"), meta=meta, kind=kind,
                                    document=document))
    decided: dict[int, set[str]] = {}
    for coding, seg in store.iter_codings(sources=(*POSITIVE_SOURCES, "rejected")):
        decided.setdefault(seg.id, set()).add(coding.code_id)
    nlp = project.nlp()

    def found() -> Iterable[Suggestion]:  # in batches, so memory stays flat for large projects
        for start in range(0, len(segs), 2000):
            batch = segs[start:start + 2000]
            X = tokenize([s.text for s in batch], nlp=nlp, pos=suggester.pos_filter)
            yield from suggester.suggestions([s.id for s in batch], X, min_score=min_score)

    per_code: dict[str, int] = {}
    stored = 0
    with store.transaction():
        seg_ids = [s.id for s in segs]
        removed = 0
        for start in range(0, len(seg_ids), 10_000):  # SQLite allows ~32k variables per statement
            removed += store.delete_suggestions(seg_ids[start:start + 10_000], coder=MODEL_CODER)
        for sug in found():
            if sug.code_id in decided.get(sug.key, ()):
                continue
            store.upsert_coding(sug.key, sug.code_id, MODEL_CODER, "suggested", score=sug.score,
                                model_version=sug.model_version, reason=sug.reason)
            per_code[sug.code_id] = per_code.get(sug.code_id, 0) + 1
            stored += 1
        store.log(actor or project.coder, "suggest", detail={
            "model_version": suggester.version_, "segments": segments, "min_score": min_score,
            "unit": unit, "meta": meta or {}, "kind": kind, "document": document,
            "n_segments": len(segs), "n_suggestions": stored, "removed": removed,
        })
    return SuggestResult(suggester.version_, len(segs), stored, per_code, suggester.classifier_ is None, removed)


def retrain_project(project) -> SuggestResult:  # type: ignore[no-untyped-def]
    """Train on the current codings (no cross-validation) and refresh suggestions: for background retraining."""
    train_project(project, cv=0)
    return suggest_project(project)


@dataclass(frozen=True)
class OpenSuggestionRow:
    """An open suggestion with its segment text, for `suggest list`."""

    id: int
    segment_id: int
    code_id: str
    score: float | None
    reason: str | None
    model_version: str | None
    document: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "segment": self.segment_id, "code": self.code_id, "score": self.score,
            "reason": self.reason, "model_version": self.model_version, "document": self.document,
            "text": self.text,
        }


def list_suggestions(
    project,  # type: ignore[no-untyped-def]
    code: Sequence[str] | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    limit: int | None = None,
) -> list[OpenSuggestionRow]:
    """Open suggestions per code (codebook order), highest score first."""
    codes = _resolve_codes(project, code)
    rows = [
        OpenSuggestionRow(c.id, s.id, c.code_id, c.score, c.reason, c.model_version, s.document_name, s.text)
        for c, s in project.store.iter_codings(code=codes, sources=("suggested",), min_score=min_score,
                                               max_score=max_score, order="score")
    ]
    order = {c.id: i for i, c in enumerate(project.codebook.codes)}
    rows.sort(key=lambda r: (order.get(r.code_id, 10**6), -(r.score or 0.0), r.id))
    if limit is not None:
        per: dict[str, int] = {}
        kept = []
        for r in rows:
            per[r.code_id] = per.get(r.code_id, 0) + 1
            if per[r.code_id] <= limit:
                kept.append(r)
        rows = kept
    return rows


def _resolve_codes(project, code: Sequence[str] | None) -> list[str] | None:  # type: ignore[no-untyped-def]
    """Code ids (or names, or group ids rolled up to their codes) to code ids."""
    if not code:
        return None
    cb = project.codebook
    out: list[str] = []
    for c in code:
        out += sorted(cb.rollup(cb.resolve(c).id))
    return out


def decide_suggestions(
    project,  # type: ignore[no-untyped-def]
    decision: str,
    ids: Sequence[int] = (),
    code: Sequence[str] | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    actor: str | None = None,
) -> list[int]:
    """Accept or reject open suggestions, by id or in bulk (code and/or score range). Audited.

    Accepting makes the coding the researcher's (source 'accepted', coder = actor);
    rejecting keeps it as source 'rejected' so it is not suggested again and counts as
    negative evidence at the next training.
    """
    from qualcode.core.errors import NotFoundError
    from qualcode.core.records import MODEL_CODER

    if decision not in ("accept", "reject"):
        raise InputError(f"okänt beslut {decision!r}")
    if not ids and not code and min_score is None and max_score is None:
        raise InputError(
            f"ange vilka förslag: id (t.ex. `qualcode suggest {decision} 12 13`) eller urval med "
            "--code och/eller --min-score/--max-score"
        )
    store = project.store
    actor = actor or project.coder
    if ids:
        chosen = []
        for i in ids:
            c = store.get_coding(int(i))
            if c.source != "suggested":
                raise NotFoundError(
                    f"kodning {i} är inget öppet förslag (källa: {c.source}) — se `qualcode suggest list`"
                )
            chosen.append(c)
    else:
        codes = _resolve_codes(project, code)
        chosen = [c for c, _ in store.iter_codings(code=codes, sources=("suggested",), min_score=min_score,
                                                    max_score=max_score)]
    done = []
    with store.transaction():
        for c in chosen:
            if decision == "accept":
                mine = store.find_coding(c.segment_id, c.code_id, actor) if actor != c.coder else None
                if mine is not None:
                    # the researcher already has this code here: the suggestion is redundant
                    store.delete_coding(c.id)
                else:
                    store.set_coding_source(c.id, "accepted", coder=actor if actor != MODEL_CODER else None)
            else:
                store.set_coding_source(c.id, "rejected")
            store.log(actor, f"suggest.{decision}", coding_id=c.id, segment_id=c.segment_id, code_id=c.code_id,
                      detail={"score": c.score, "model_version": c.model_version})
            done.append(c.id)
    return done


# -- stateless file mode ------------------------------------------------------------------


@dataclass(frozen=True)
class FileResult:
    """What `suggest_file` wrote."""

    out: str
    n_segments: int
    n_coded: int
    model_version: str
    warnings: tuple[str, ...]


def _file_codebook(codebook: str | Codebook | None) -> Codebook:
    from qualcode.core.codebook import default_codebook, load_codebook

    if isinstance(codebook, Codebook):
        return codebook
    return load_codebook(codebook) if codebook else default_codebook()


def _train_rows(path: str, codebook: Codebook):  # type: ignore[no-untyped-def]
    from qualcode.ingest.codings_file import check_codes, read_rows

    rows = read_rows(path, coded=True)
    check_codes(rows, codebook, path)
    if not any(r.codes for r in rows):
        raise SuggestError(
            f"{path}: ingen rad har några koder ('codes' är tom på alla {len(rows)} rader) — "
            "träningsfilen behöver kodade segment"
        )
    return rows


def fit_from_rows(rows, codebook: Codebook, **params: Any) -> tuple[Suggester, list[str]]:  # type: ignore[no-untyped-def]
    """Fit a suggester on coded rows; warnings name codes that can get no suggestion."""
    suggester = Suggester(codebook, **params)
    X = tokenize([r.text for r in rows], pos=suggester.pos_filter, nlp=_pos_nlp(suggester.pos_filter))
    Y = label_matrix([r.codes or () for r in rows], suggester.code_ids)
    suggester.fit(X, Y)
    blind = [c.id for c in codebook.leaves if not c.keywords and c.id not in suggester.calibrators_]
    warnings = []
    if blind:
        warnings.append(
            f"koderna {', '.join(blind)} har inga nyckelord och färre än {suggester.min_positives} kodade "
            "exempel: de får poäng 0 — lägg till nyckelord i kodboken eller fler kodade exempel"
        )
    return suggester, warnings


# Trained Swedish pipelines the file mode's POS filter uses, the first one installed (the one
# scripts/train_sv_pipeline.py builds first). Project mode uses the project's own pipeline.
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


def suggest_file(
    in_path: str, out_path: str, train_path: str | None = None, codebook: str | Codebook | None = None,
    **params: Any,
) -> FileResult:
    """`qualcode suggest file`: score every leaf code for every line of IN.jsonl, write OUT.jsonl.

    Every OUT line is {"id", "codes": [ids at/over the code's threshold], "scores": {code: float}}.
    Without `train_path` the codebook's rules alone are used.
    """
    from qualcode.ingest.codings_file import read_rows, write_rows

    cb = _file_codebook(codebook)
    rows = read_rows(in_path, coded=False)
    warnings: list[str] = []
    if train_path:
        suggester, warnings = fit_from_rows(_train_rows(train_path, cb), cb, **params)
    else:
        suggester = Suggester(cb, **params).rules_only()
    counter = {"coded": 0}
    write_rows(out_path, score_rows(suggester, rows, counter))
    return FileResult(str(out_path), len(rows), counter["coded"], suggester.version_, tuple(warnings))


def score_rows(suggester: Suggester, rows: Sequence[Any], counter: dict[str, int] | None = None,
               batch_size: int = 2000, nlp=None) -> Iterable[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """OUT.jsonl records for rows with `.id` and `.text`, in batches (memory stays flat)."""
    ids = suggester.code_ids
    thresholds = np.array([suggester.thresholds_[c] for c in ids])
    nlp = nlp or _pos_nlp(suggester.pos_filter)
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        S, _ = suggester.predict_scores(tokenize([r.text for r in batch], pos=suggester.pos_filter, nlp=nlp))
        for i, r in enumerate(batch):
            codes = [c for j, c in enumerate(ids) if S[i, j] >= thresholds[j] and S[i, j] > 0]
            if counter is not None:
                counter["coded"] = counter.get("coded", 0) + bool(codes)
            yield {"id": r.id, "codes": codes, "scores": {c: round(float(S[i, j]), 4) for j, c in enumerate(ids)}}


def evaluate_files(
    gold_path: str, train_path: str | None = None, cv: int | None = None,
    codebook: str | Codebook | None = None, **params: Any,
) -> Evaluation:
    """`qualcode evaluate`: train on TRAIN and score GOLD, or k-fold cross-validate on GOLD."""
    if (train_path is None) == (cv is None):
        raise InputError("ange antingen --train FIL eller --cv K (inte båda, inte ingen)")
    cb = _file_codebook(codebook)
    from qualcode.ingest.codings_file import check_codes, read_rows

    gold = read_rows(gold_path, coded=True)
    check_codes(gold, cb, gold_path)
    ids = [c.id for c in cb.leaves]
    G = label_matrix([r.codes or () for r in gold], ids)
    pos = bool(params.get("pos_filter"))
    Xg = tokenize([r.text for r in gold], pos=pos, nlp=_pos_nlp(pos))
    if cv is not None:
        if not (G == 1).any():
            raise SuggestError(f"{gold_path}: ingen rad har några koder — korsvalidering kräver kodade segment")
        ev = cross_validate(Suggester(cb, **params), Xg, G, cv)
        return Evaluation(ev.per_code, ev.alpha, ev.n_segments, ev.method, {"gold": str(gold_path)}, ev.alpha_pooled)
    suggester, warnings = fit_from_rows(_train_rows(str(train_path), cb), cb, **params)
    ev = score_predictions(G, suggester.predict(Xg), ids, f"tränad på {train_path}")
    return Evaluation(ev.per_code, ev.alpha, ev.n_segments, ev.method,
                      {"gold": str(gold_path), "train": str(train_path), "warnings": warnings}, ev.alpha_pooled)
