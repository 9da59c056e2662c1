"""Evaluation of suggestions: per-code precision, recall, F1 and Krippendorff's alpha; cross-validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qualcode.core.errors import Hint, InputError
from qualcode.suggest.estimator import CodeMetrics, Suggester
from qualcode.suggest.rules import Token
from qualcode.core.i18n import _, n_


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
    from qualcode.core.agreement import krippendorff_alpha

    per, alpha = [], {}
    for j, code in enumerate(code_ids):
        g, p = gold[:, j] == 1, pred[:, j] == 1
        per.append(CodeMetrics(code, int(g.sum()), int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())))
        alpha[code] = krippendorff_alpha([[int(x) for x in g], [int(x) for x in p]], level="nominal")
    pooled = krippendorff_alpha([[int(x) for x in gold.ravel()], [int(x) for x in pred.ravel()]], level="nominal")
    return Evaluation(tuple(per), alpha, len(gold), method, alpha_pooled=pooled)


def cross_validate(
    suggester: Suggester, X: Sequence[Sequence[Token]], Y: np.ndarray, k: int = 5, seed: int = 0,
    local: Sequence[bool] | None = None,
) -> Evaluation:
    """k-fold cross-validation: fit on k-1 folds, predict the held-out fold."""
    from qualcode.suggest.classifier import fold_ids

    if k < 2 or k > len(X):
        raise InputError(
            n_("cross-validation with k={k} is not possible with {n_x} segment", "cross-validation with k={k} is not possible with {n_x} segments",
               len(X)).format(k=k, n_x=len(X)), value=k,
            hint=Hint(_("choose a k between 2 and {n_x}").format(n_x=len(X)), option="cv", example=str(max(2, min(5, len(X))))),
        )
    folds = fold_ids(Y, k, seed)
    loc = np.zeros(len(X), dtype=bool) if local is None else np.asarray(local, dtype=bool)
    pred = np.zeros_like(Y)
    for f in range(k):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        pred[te] = _fit_or_rules(suggester, [X[int(i)] for i in tr], Y[tr], loc[tr]).predict([X[int(i)] for i in te])
    return score_predictions(Y, pred, suggester.code_ids, f"{k}-faldig korsvalidering")


def _fit_or_rules(suggester: Suggester, X: Sequence[Sequence[Token]], Y: np.ndarray,
                  local: np.ndarray | None = None) -> Suggester:
    model = suggester.clone()
    if len(X) and (Y == 1).any():
        return model.fit(X, Y, local=local)
    return model.rules_only()


LEARNING_STEPS = (0, 20, 50, 100, 200)
ORDERS = ("document", "active")


@dataclass(frozen=True)
class CurvePoint:
    """The suggester after she has coded `k` segments of the new document, scored on the rest."""

    order: str  # document | active
    k: int
    evaluation: Evaluation
    untrained: Evaluation  # the k = 0 model on the same segments: what retraining added

    def to_dict(self) -> dict[str, Any]:
        d = self.evaluation.to_dict()
        return {"order": self.order, "k": self.k, "n_scored": d["n_segments"], "micro": d["micro"],
                "macro_f1": d["macro_f1"], "alpha_pooled": d["alpha_pooled"],
                "micro_f1_without_her_codings": round(self.untrained.micro.f1, 4)}


def learning_curve(
    suggester: Suggester,
    X_new: Sequence[Sequence[Token]],
    Y_new: np.ndarray,
    X_train: Sequence[Sequence[Token]] = (),
    Y_train: np.ndarray | None = None,
    steps: Sequence[int] = LEARNING_STEPS,
    orders: Sequence[str] = ORDERS,
) -> list[CurvePoint]:
    """Simulate a researcher coding a new document: k segments coded, retrain, score the rest.

    The k segments are the document's first k (`document` order) or, in `active` order, those
    the previous model was least sure of (a score nearest its code's threshold), taken in
    batches up to each k. Her k codings are the project's own (`local`); the training file
    (`X_train`, `Y_train`) stands for examples imported from elsewhere. Steps that would leave
    no segment to score are left out.
    """
    bad = [o for o in orders if o not in ORDERS]
    if bad:
        raise InputError(_("unknown order {bad!r}").format(bad=bad[0]), value=bad[0], valid=ORDERS)
    n = len(X_new)
    Y_train = np.zeros((0, Y_new.shape[1]), dtype=int) if Y_train is None else np.asarray(Y_train)
    steps = sorted({int(k) for k in steps if 0 <= int(k) < n})
    out: list[CurvePoint] = []
    first = _fit_or_rules(suggester, list(X_train), Y_train, np.zeros(len(X_train), dtype=bool))
    first_pred = first.predict(X_new)
    for order in orders:
        chosen: list[int] = []
        model = None
        for k in steps:
            if order == "document":
                chosen = list(range(k))
            else:
                rest = [i for i in range(n) if i not in set(chosen)]
                need = k - len(chosen)
                if need > 0 and model is not None:
                    S, _unused = model.predict_scores([X_new[i] for i in rest])
                    t = np.array([model.thresholds_[c] for c in model.code_ids])
                    margin = np.abs(S - t).min(axis=1)
                    chosen += [rest[i] for i in np.argsort(margin, kind="stable")[:need]]
                elif need > 0:
                    chosen += rest[:need]
            X = list(X_train) + [X_new[i] for i in chosen]
            Y = np.vstack([Y_train, Y_new[chosen]]) if chosen else Y_train
            local = np.r_[np.zeros(len(X_train), dtype=bool), np.ones(len(chosen), dtype=bool)]
            model = first if k == 0 else _fit_or_rules(suggester, X, Y, local)
            taken = set(chosen)
            rest = [i for i in range(n) if i not in taken]
            pred = model.predict([X_new[i] for i in rest])
            ev = score_predictions(Y_new[rest], pred, suggester.code_ids, f"{order}, k = {k}")
            before = score_predictions(Y_new[rest], first_pred[rest], suggester.code_ids, f"{order}, k = 0")
            out.append(CurvePoint(order, k, ev, before))
    return out


