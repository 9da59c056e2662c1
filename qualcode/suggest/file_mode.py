"""The stateless file mode: suggest and evaluate JSONL files without a project."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.core.codebook import Codebook
from qualcode.core.errors import Hint, InputError
from qualcode.ingest.structure import document_like, structure
from qualcode.suggest.estimator import (
    Suggester,
    SuggestError,
    _pos_nlp,
    label_matrix,
    tokenize_structured,
)
from qualcode.suggest.evaluate import (
    LEARNING_STEPS,
    ORDERS,
    CurvePoint,
    Evaluation,
    cross_validate,
    learning_curve,
    score_predictions,
)
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from spacy.language import Language

    from qualcode.ingest.codings_file import TextRow


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


def _train_rows(path: str, codebook: Codebook) -> list[TextRow]:
    from qualcode.ingest.codings_file import check_codes, read_rows

    rows = read_rows(path, coded=True)
    check_codes(rows, codebook, path)
    if not any(r.codes for r in rows):
        raise SuggestError(
            n_("{path}: no line has any codes ('codes' is empty on its only line) — the training file needs coded segments",
               "{path}: no line has any codes ('codes' is empty on all {n_rows} lines) — the training file needs coded segments",
               len(rows)).format(path=path, n_rows=len(rows))
        )
    return rows


def fit_from_rows(rows: Sequence[TextRow], codebook: Codebook, **params: Any) -> tuple[Suggester, list[str]]:
    """Fit a suggester on coded rows; warnings name codes that can get no suggestion."""
    suggester = Suggester(codebook, **params)
    X = _tokens(rows, pos=suggester.pos_filter, nlp=_pos_nlp(suggester.pos_filter))
    Y = label_matrix([r.codes or () for r in rows], suggester.code_ids)
    suggester.fit(X, Y)
    blind = [c.id for c in codebook.leaves if not c.keywords and c.id not in suggester.calibrators_]
    warnings = []
    if blind:
        warnings.append(
            _("the codes {blind} have no keywords and fewer than {min_positives} coded examples: they score 0 — add keywords to the codebook or more coded examples").format(blind=', '.join(blind), min_positives=suggester.min_positives)
        )
    return suggester, warnings


# Trained Swedish pipelines the file mode's POS filter uses, the first one installed (the one
# scripts/train_sv_pipeline.py builds first). Project mode uses the project's own pipeline.
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


def _tokens(rows: Sequence[Any], pos: bool = False, nlp: Any = None) -> list[Any]:
    """Tokens of JSONL lines read as one document in order: headings and prompts are recognised,
    and each line's section heading is part of its evidence."""
    texts = [r.text for r in rows]
    return tokenize_structured(texts, structure(texts) if document_like(texts) else None, nlp=nlp, pos=pos)


def score_rows(suggester: Suggester, rows: Sequence[Any], counter: dict[str, int] | None = None,
               batch_size: int = 2000, nlp: Language | None = None) -> Iterable[dict[str, Any]]:
    """OUT.jsonl records for rows with `.id` and `.text`, in batches (memory stays flat)."""
    ids = suggester.code_ids
    thresholds = np.array([suggester.thresholds_[c] for c in ids])
    nlp = nlp or _pos_nlp(suggester.pos_filter)
    texts = [r.text for r in rows]
    # lines of prose are one document in order (headings, prompts); short answers are not
    roles = structure(texts) if document_like(texts) else [(None, None)] * len(texts)
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        texts = [r.text for r in batch]
        S, _ = suggester.predict_scores(tokenize_structured(texts, roles[start:start + batch_size], nlp=nlp,
                                                            pos=suggester.pos_filter))
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
        raise InputError(
            _("give either a training file or cross-validation with k folds (not both, not neither)"),
            hint=Hint(_("for example cross-validation with 5 folds"), option="cv", example="5"),
        )
    cb = _file_codebook(codebook)
    from qualcode.ingest.codings_file import check_codes, read_rows

    gold = read_rows(gold_path, coded=True)
    check_codes(gold, cb, gold_path)
    ids = [c.id for c in cb.leaves]
    G = label_matrix([r.codes or () for r in gold], ids)
    pos = bool(params.get("pos_filter"))
    Xg = _tokens(gold, pos=pos, nlp=_pos_nlp(pos))
    if cv is not None:
        if not (G == 1).any():
            raise SuggestError(_("{gold_path}: no line has any codes — cross-validation needs coded segments").format(gold_path=gold_path))
        ev = cross_validate(Suggester(cb, **params), Xg, G, cv)
        return Evaluation(ev.per_code, ev.alpha, ev.n_segments, ev.method, {"gold": str(gold_path)}, ev.alpha_pooled)
    suggester, warnings = fit_from_rows(_train_rows(str(train_path), cb), cb, **params)
    ev = score_predictions(G, suggester.predict(Xg), ids, f"tränad på {train_path}")
    return Evaluation(ev.per_code, ev.alpha, ev.n_segments, ev.method,
                      {"gold": str(gold_path), "train": str(train_path), "warnings": warnings}, ev.alpha_pooled)


def learning_curve_files(
    gold_path: str, train_path: str | None = None, codebook: str | Codebook | None = None,
    steps: Sequence[int] = LEARNING_STEPS, orders: Sequence[str] = ORDERS, **params: Any,
) -> list[CurvePoint]:
    """`qualcode evaluate --learning-curve`: GOLD is the new document (lines in document order).

    For each k she codes k of its segments (in document order, or the model's least certain
    first), the suggester is retrained on TRAIN (imported examples) plus her k codings, and
    the rest of GOLD is scored. Without TRAIN, k = 0 is the codebook's rules alone.
    """
    from qualcode.ingest.codings_file import check_codes, read_rows

    cb = _file_codebook(codebook)
    gold = read_rows(gold_path, coded=True)
    check_codes(gold, cb, gold_path)
    ids = [c.id for c in cb.leaves]
    pos = bool(params.get("pos_filter"))
    nlp = _pos_nlp(pos)
    Xg = _tokens(gold, pos=pos, nlp=nlp)
    G = label_matrix([r.codes or () for r in gold], ids)
    Xt: list[Any] = []
    Yt = None
    if train_path:
        train = _train_rows(train_path, cb)
        Xt = _tokens(train, pos=pos, nlp=nlp)
        Yt = label_matrix([r.codes or () for r in train], ids)
    return learning_curve(Suggester(cb, **params), Xg, G, Xt, Yt, steps=steps, orders=orders)
