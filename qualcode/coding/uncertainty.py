"""How unsure the model is of a suggestion: its score's distance from the code's own threshold.

The suggester decides per code (a trained code's threshold is its best out-of-fold F1
threshold, pulled towards the global one), so the active-learning order measures each
suggestion against the threshold of the model and code that made it — the same margin
`scripts/bench_learning_curve.py` measures. A suggestion from a model the store does not
hold (rules only, or imported) is measured against the rules' threshold, 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from qualcode.core.records import Coding

if TYPE_CHECKING:
    from qualcode.store.database import Store

RULE_THRESHOLD = 0.5  # the rules-only suggester's threshold (qualcode.suggest.estimator)
NO_SCORE = 2.0  # margin of a suggestion without a score: after every scored one


def model_thresholds(store: Store) -> dict[str, dict[str, float]]:
    """Each saved model's per-code thresholds, by model version."""
    out: dict[str, dict[str, float]] = {}
    for m in store.list_models():
        t = m.trained_on.get("thresholds")
        if isinstance(t, dict):
            out[m.version] = {str(c): float(v) for c, v in t.items()}
    return out


class Margins:
    """Distance of a suggestion's score from its threshold (`fixed`, or each code's own)."""

    def __init__(self, store: Store, fixed: float | None = None) -> None:
        self.fixed = fixed
        self.by_model = model_thresholds(store) if fixed is None else {}

    def threshold(self, code_id: str, model_version: str | None) -> float:
        if self.fixed is not None:
            return self.fixed
        return self.by_model.get(model_version or "", {}).get(code_id, RULE_THRESHOLD)

    def of(self, code_id: str, model_version: str | None, score: float | None) -> float:
        if score is None:
            return NO_SCORE
        return abs(score - self.threshold(code_id, model_version))

    def margin(self, coding: Coding) -> float:
        return self.of(coding.code_id, coding.model_version, coding.score)

    def of_segments(self, store: Store, coders: Sequence[str]) -> np.ndarray:
        """Each segment's smallest margin over the scored open suggestions `coders` hold, indexed by
        segment id (NO_SCORE where it has none): `of` for every suggestion, a group (coder, code,
        model version) at a time from the coder index, in arrays."""
        best = np.full(store.max_segment_id() + 1, NO_SCORE)
        for coder, code_id, version in store.open_suggestion_groups(coders):
            rows = store.group_scores(coder, code_id, version)
            if rows:
                found = np.array(rows, dtype=np.float64)
                np.minimum.at(best, found[:, 0].astype(np.int64), np.abs(found[:, 1] - self.threshold(code_id, version)))
        return best
