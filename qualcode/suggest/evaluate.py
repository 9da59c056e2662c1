"""Evaluation of suggestions: per-code precision, recall, F1 and Krippendorff's alpha; cross-validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qualcode.core.errors import Hint, InputError
from qualcode.suggest.estimator import CodeMetrics, Suggester
from qualcode.suggest.rules import Token


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
        raise InputError(
            f"korsvalidering med k={k} går inte med {len(X)} segment", value=k,
            hint=Hint(f"välj ett k mellan 2 och {len(X)}", option="cv", example=str(max(2, min(5, len(X))))),
        )
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


