"""Trained suggesters stored without pickle: numbers in an `.npz` (read with `allow_pickle=False`) plus JSON.

Reading a pickle runs whatever code it holds, so a model from a colleague's project could run
code on your machine. This format holds only arrays and a JSON document; loading it rebuilds
the estimators from their learned numbers (vocabularies, idf weights, coefficients). Models
saved by older versions (a joblib pickle) are refused unless the caller trusts them.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.core.errors import Hint
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.core.codebook import Codebook
    from qualcode.suggest.classifier import CodeClassifier
    from qualcode.suggest.estimator import Suggester

FORMAT = "qualcode-model/1"
_META = "meta.json"
_VECTORIZERS = ("word_vectorizer_", "char_vectorizer_")


def is_pickle(blob: bytes) -> bool:
    """Whether a stored model is in the old pickle format (anything that is not our zip)."""
    return not blob.startswith(b"PK")


def dump(suggester: Suggester) -> bytes:
    """The suggester's hyperparameters and learned state as bytes (an npz archive, no pickle)."""
    arrays: dict[str, np.ndarray] = {}
    s = suggester
    meta: dict[str, Any] = {
        "format": FORMAT,
        "codebook_hash": s.codebook.hash(),
        "params": {k: v for k, v in s.get_params().items() if k != "codebook"},
        "state": {
            "calibrators_": {c: list(ab) for c, ab in s.calibrators_.items()},
            "thresholds_": s.thresholds_,
            "alpha_": s.alpha_,
            "n_positives_": s.n_positives_,
            "cv_metrics_": {c: [m.support, m.tp, m.fp, m.fn] for c, m in s.cv_metrics_.items()},
            "keyword_weights_": s.keyword_weights_,
            "global_threshold_": s.global_threshold_,
            "imported_thresholds_": getattr(s, "imported_thresholds_", {}),
            "segment_length_": getattr(s, "segment_length_", 0.0),
            "trained_at_": s.trained_at_,
            "version_": s.version_,
        },
        "classifier": _dump_classifier(s.classifier_, arrays) if s.classifier_ is not None else None,
    }
    text = json.dumps(meta, ensure_ascii=False, default=lambda v: v.item() if hasattr(v, "item") else str(v))
    arrays[_META] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def _dump_classifier(clf: CodeClassifier, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in clf.get_params().items()
                   if k not in ("code_ids", "rules")},
        "rules": clf.rules is not None,
        "calibrators_": {c: list(ab) for c, ab in clf.calibrators_.items()},
        "n_positives_": clf.n_positives_,
        "models": {},
        "oof": sorted(clf.oof_),
    }
    for name in _VECTORIZERS:
        vec = getattr(clf, name)
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        out[name] = {"vocabulary": vocab, "min_df": vec.min_df, "max_features": vec.max_features}
        arrays[f"{name}idf"] = np.asarray(vec.idf_)
    for i, (code, model) in enumerate(clf.models_.items()):
        out["models"][code] = i
        arrays[f"coef{i}"] = model.coef_
        arrays[f"intercept{i}"] = model.intercept_
        arrays[f"classes{i}"] = model.classes_
    for i, code in enumerate(out["oof"]):
        arrays[f"oof_s{i}"], arrays[f"oof_y{i}"] = clf.oof_[code]
    return out


def load(blob: bytes, codebook: Codebook) -> Suggester:
    """Rebuild a suggester saved by `dump` for `codebook` (its hash must match)."""
    from qualcode.suggest.estimator import CodeMetrics, SuggestError, Suggester

    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError):
        raise SuggestError(_("the saved model is damaged or not a qualcode model"),
                           hint=Hint(_("retrain the model"), command=("train",))) from None
    if meta.get("format") != FORMAT:
        raise SuggestError(_("the saved model has an unknown format ({get!r})").format(get=meta.get('format')),
                           hint=Hint(_("retrain the model"), command=("train",)))
    if meta["codebook_hash"] != codebook.hash():
        raise SuggestError(_("the saved model belongs to another codebook"), hint=Hint(_("retrain the model"), command=("train",)))
    s = Suggester(codebook, **meta["params"])
    st = meta["state"]
    s.rules_ = s._rules()
    s.calibrators_ = {c: (float(a), float(b)) for c, (a, b) in st["calibrators_"].items()}
    s.thresholds_ = {c: float(t) for c, t in st["thresholds_"].items()}
    s.alpha_ = {c: float(a) for c, a in st["alpha_"].items()}
    s.n_positives_ = {c: int(n) for c, n in st["n_positives_"].items()}
    s.cv_metrics_ = {c: CodeMetrics(c, *map(int, v)) for c, v in st["cv_metrics_"].items()}
    s.keyword_weights_ = st["keyword_weights_"]
    s.global_threshold_ = st["global_threshold_"]
    s.imported_thresholds_ = {c: float(t) for c, t in st.get("imported_thresholds_", {}).items()}
    s.segment_length_ = float(st.get("segment_length_", 0.0))  # saved before it was learned: no pieces
    s.trained_at_ = st["trained_at_"]
    s.version_ = st["version_"]
    s.classifier_ = _load_classifier(meta["classifier"], arrays, s) if meta["classifier"] else None
    return s


def _load_classifier(info: dict[str, Any], arrays: dict[str, np.ndarray], s: Suggester) -> CodeClassifier:
    # the learned arrays as they were saved: scoring needs no scikit-learn (qualcode/suggest/fitted.py)
    from qualcode.suggest.classifier import CodeClassifier
    from qualcode.suggest.fitted import FittedLinear, FittedTfidf

    params: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in info["params"].items()}
    clf = CodeClassifier(s.code_ids, rules=s.rules_ if info["rules"] else None, **params)
    for name, analyzer, ngrams in (("word_vectorizer_", "word", clf.word_ngrams),
                                   ("char_vectorizer_", "char_wb", clf.char_ngrams)):
        spec = info[name]
        vocabulary = {term: i for i, term in enumerate(spec["vocabulary"])}
        setattr(clf, name, FittedTfidf(analyzer, tuple(ngrams), vocabulary, arrays[f"{name}idf"],  # type: ignore[arg-type]
                                       min_df=spec["min_df"], max_features=spec["max_features"]))
    clf.models_ = {code: FittedLinear(arrays[f"coef{i}"], arrays[f"intercept{i}"], arrays[f"classes{i}"])
                   for code, i in info["models"].items()}
    clf.calibrators_ = {c: (float(a), float(b)) for c, (a, b) in info["calibrators_"].items()}
    clf.n_positives_ = {c: int(n) for c, n in info["n_positives_"].items()}
    clf.oof_ = {code: (arrays[f"oof_s{i}"], arrays[f"oof_y{i}"]) for i, code in enumerate(info["oof"])}
    return clf
