"""Code suggestions: codebook rules and a trained classifier, combined per code.

Combination rule (per code c, with n_c = the number of the researcher's segments coded c):
- n_c < `min_positives` (default 3): rules alone. The score is the rule score
  (1 - prod(1 - 0.5 * w_k) over the distinct keywords k that match, w_k = 1 unless the
  project taught otherwise) and the threshold is 0.5: one keyword suggests.
- otherwise: s = a * p + (1 - a) * r with a = n_c / (n_c + `blend_k`) (default 10), p the
  classifier's calibrated probability and r the rule score. Once she has coded m segments in
  the project, imported positives count k / (k + m) of themselves in n_c here (k = `import_k`,
  default 20): a model learnt on other material gives way to the keywords and her coding. The blend is Platt-calibrated
  on out-of-fold predictions; the code's threshold is its best out-of-fold F1 threshold (the
  lowest within `threshold_slack`, default 0.01, of the best F1: on new material a code's
  positives score lower than out of fold, and of two thresholds that do as well the lower carries
  over) pulled towards one global threshold (best F1 over all codes' out-of-fold scores) by
  t = (n_c * t_c + k * t_global) / (n_c + k), k = `threshold_k` (default 20): a code with
  little evidence does not keep a threshold tuned on a handful of segments.
- with imported segments and hers both in the training data, the threshold is then pulled
  towards the one the same suggester chooses on the imported segments alone (a second fit) by
  t = (h_c * t + k * t_imported) / (h_c + k), h_c = her positives of the code, k =
  `imported_threshold_k` (default 10): re-chosen on her first segments (often one section of one
  document), thresholds swing too far; they become hers as she codes the code.

Evidence besides the segments: the codebook's examples, name, definition and each include
item are positive rows for their code, each exclude item a negative row (`codebook_rows`);
they weigh `prior_weight` * `prior_k` / (`prior_k` + n_c), so her own coding soon outweighs
them. Segments coded in the project (`local`) weigh `local_weight` times an imported example;
rejected suggestions are negative rows for their code. A keyword that fires in her segments
without her code loses weight in the project: w_k = (positives + b) / (firings + b), b =
`keyword_prior`, counted over her own (local) segments only.

Length: a segment more than `long_factor` (2) times as long as the training segments (their
median number of words) is scored by the classifier as the mean of its pieces of that length
(half overlapping): a model learnt on short notes rates a long application paragraph as one
of its own segments, not as a text whose every word weighs less. The rules read the whole.

Structure: a keyword in a segment's section heading counts `section_rule_weight` (0.5) of one
in its text, a keyword in the section's form prompt `prompt_rule_weight` (0: "chef" in "Som chef,
beskriv …" is in every answer's prompt, not evidence for the answer); the heading's words are classifier features only with `section_features` (off:
measured, they teach the sections of the training material and do not carry over); a heading
or prompt itself scores 0.
"""

from __future__ import annotations

import functools
import hashlib
import io
import operator
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.core.codebook import Codebook
from qualcode.core.errors import Hint, InputError, QualcodeError
from qualcode.ingest.structure import split_section
from qualcode.suggest.fitted import Params
from qualcode.suggest.rules import (
    ROLE_MARK,
    SECTION_MARK,
    KeywordRules,
    Token,
    as_tokens,
    has_section,
    section_parts,
    structured_tokens,
    tokens_from_doc,
)
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from spacy.language import Language

    from qualcode.suggest.classifier import CodeClassifier

DEFAULT_BLEND_K = 10.0
DEFAULT_MIN_POSITIVES = 3
DEFAULT_PRIOR_WEIGHT = 0.5
DEFAULT_PRIOR_K = 10.0
DEFAULT_KEYWORD_PRIOR = 2.0
DEFAULT_LOCAL_WEIGHT = 2.0
DEFAULT_THRESHOLD_K = 20.0
DEFAULT_THRESHOLD_SLACK = 0.01
DEFAULT_IMPORT_K = 20.0
DEFAULT_IMPORTED_THRESHOLD_K = 10.0
RULE_THRESHOLD = 0.5
SECTION_RULE_WEIGHT = 0.5  # a keyword in the section heading counts half as much as one in the text
PROMPT_RULE_WEIGHT = 0.0  # a keyword in the section's form prompt ("Som chef, beskriv …") is the question's, not the answer's
LONG_FACTOR = 2.0  # a segment over 2 x the training segments' median length is scored in pieces of that length
MIN_PIECE = 5  # words; shorter training segments give no pieces


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


def _pos_nlp(pos: bool) -> Language:
    import importlib.util

    from qualcode.nlp.pipeline import load_pipeline

    if not pos:
        return load_pipeline()
    for name in POS_MODELS:
        if importlib.util.find_spec(name) is not None:
            return load_pipeline(name)
    raise QualcodeError(
        _("the POS filter needs a trained Swedish pipeline ({pos_models}) but none is installed — train and install one (README, 'Swedish pipelines') or turn off pos_filter").format(pos_models=' eller '.join(POS_MODELS))
    )


def tokenize(
    texts: Iterable[str], nlp: Language | None = None, pos: bool = False, batch_size: int = 256,
) -> list[list[Token]]:
    """Word tokens (form, lemma, POS) of each text through the spaCy pipeline."""
    from qualcode.nlp.pipeline import load_pipeline

    nlp = nlp or load_pipeline()
    disable = [p for p in ("parser", "ner") if p in nlp.pipe_names]
    return [tokens_from_doc(d, pos=pos) for d in nlp.pipe(texts, batch_size=batch_size, disable=disable)]


def lemma_tokens(texts: Iterable[str], nlp: Language | None = None) -> list[list[Token]]:
    """Tokens of texts as import stores a segment's words: the tokenizer and simplemma only.

    For what has no stored lemmas of its own (a section heading, the coded part of a segment),
    so that it reads like the stored segments (`stored_tokens`).
    """
    from qualcode.nlp.pipeline import LEMMATIZER_NAME, load_pipeline, word_lemma

    nlp = nlp or load_pipeline()
    if LEMMATIZER_NAME not in nlp.pipe_names:  # the project stores the pipeline's own lemmas
        return [tokens_from_doc(d) for d in nlp.pipe(texts, batch_size=256)]
    out = []
    for text in texts:
        pairs = ((t.lower_, word_lemma(t.lower_)) for t in nlp.make_doc(text))
        out.append([Token(form, lemma) for form, lemma in pairs if lemma])
    return out


# A word as spaCy's Swedish tokenizer cuts it in plain prose; checked against the stored lemmas.
_WORD = re.compile(r"\w+(?:[-'’:.]\w+)*")


def stored_tokens(lemmas: Sequence[str | None], texts: Sequence[str], nlp: Language | None = None) -> list[list[Token]]:
    """Tokens of segments from the lemmas stored at import: the text is not parsed again.

    The word forms (which rules match and reasons quote) come from a regular expression over
    the text, used only where each word lemmatizes to its stored lemma; otherwise (about 2 %
    of segments: e-mail addresses, `brukar-/kundgrupp`) from the tokenizer alone. A segment
    stored without lemmas is read as `lemma_tokens` reads a text.
    """
    from qualcode.nlp.pipeline import load_pipeline, word_lemma

    out: list[list[Token]] = []
    lemma_of_token = operator.itemgetter(1)
    for lem_string, text in zip(lemmas, texts):
        if not lem_string:  # none stored (a segment added without them): read the text
            out += lemma_tokens([text], nlp=nlp)
            continue
        lem = lem_string.split()
        tokens = list(map(_form_token, map(str.lower, _WORD.findall(text))))
        if len(tokens) == len(lem) and list(map(lemma_of_token, tokens)) == lem:
            out.append(tokens)  # every word lemmatizes to its stored lemma
            continue
        nlp = nlp or load_pipeline()
        forms = [t.lower_ for t in nlp.make_doc(text) if word_lemma(t.lower_)]
        if len(forms) != len(lem):
            forms = lem  # the pipeline's own lemmas, cut differently: the lemmas stand for the words
        out.append([Token(f, m) for f, m in zip(forms, lem)])
    return out


@functools.lru_cache(maxsize=500_000)
def _form_token(form: str) -> Token:
    """The token of a lower-case word with its lemma ("" for none: no stored lemma is empty), made once
    per distinct word (tokens are immutable, so segments share them)."""
    from qualcode.nlp.pipeline import word_lemma

    return Token(form, word_lemma(form) or "")


def tokenize_structured(
    texts: Sequence[str], structure: Sequence[tuple[str | None, str | None]] | None = None,
    nlp: Any = None, pos: bool = False,
) -> list[list[Token]]:
    """Tokens of each text with its (role, section) as evidence (`structured_tokens`)."""
    return with_structure(tokenize(texts, nlp=nlp, pos=pos), structure, nlp=nlp, pos=pos)


def with_structure(
    X: list[list[Token]], structure: Sequence[tuple[str | None, str | None]] | None,
    nlp: Any = None, pos: bool = False, stored: bool = False,
) -> list[list[Token]]:
    """Token lists with each segment's (role, section) added (`structured_tokens`).

    `stored`: X are stored lemmas, so the headings are read the same way (`lemma_tokens`).
    """
    if not structure or not any(r or s for r, s in structure):
        return X
    parts = {s: split_section(s) for _, s in structure if s}
    texts = sorted({p for hp in parts.values() for p in hp if p})
    tok = dict(zip(texts, lemma_tokens(texts, nlp=nlp) if stored else tokenize(texts, nlp=nlp, pos=pos)))
    out = []
    for x, (r, s) in zip(X, structure):
        heading, prompt = parts[s] if s else (None, None)
        out.append(structured_tokens(x, tok.get(heading or "", []), r, tok.get(prompt or "", [])))
    return out


class Suggester(Params):
    """Rules + classifier for every leaf code of a codebook (scikit-learn conventions).

    `fit(X, Y)`: X token lists (or space-joined lemma strings), Y a (n, n_codes) matrix of
    1/0/-1 (has / has not / unknown).

    `get_params`/`set_params` come from `Params` (the `__init__` signature, as scikit-learn's
    `BaseEstimator` has them, without importing scikit-learn). What the codebook alone determines
    (its keyword rules, its tokenised examples) is built once per estimator and handed to its
    clones, never kept in a module: it dies with them.
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
        codebook_text: bool = True,
        prior_weight: float = DEFAULT_PRIOR_WEIGHT,
        prior_k: float = DEFAULT_PRIOR_K,
        keyword_prior: float = DEFAULT_KEYWORD_PRIOR,
        threshold_k: float = DEFAULT_THRESHOLD_K,
        threshold_slack: float = DEFAULT_THRESHOLD_SLACK,
        local_weight: float = DEFAULT_LOCAL_WEIGHT,
        import_k: float = DEFAULT_IMPORT_K,
        section_features: bool = False,
        section_rule_weight: float = SECTION_RULE_WEIGHT,
        prompt_rule_weight: float = PROMPT_RULE_WEIGHT,
        long_factor: float = LONG_FACTOR,
        imported_threshold_k: float = DEFAULT_IMPORTED_THRESHOLD_K,
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
        self.codebook_text = codebook_text
        self.prior_weight = prior_weight
        self.prior_k = prior_k
        self.keyword_prior = keyword_prior
        self.threshold_k = threshold_k
        self.threshold_slack = threshold_slack
        self.local_weight = local_weight
        self.import_k = import_k
        self.section_features = section_features
        self.section_rule_weight = section_rule_weight
        self.prompt_rule_weight = prompt_rule_weight
        self.long_factor = long_factor
        self.imported_threshold_k = imported_threshold_k

    def clone(self) -> Suggester:
        """A fresh, unfitted suggester with the same hyperparameters (and the codebook's prepared rows)."""
        twin = Suggester(**self.get_params(deep=False))
        twin._prepared = self._prepared_cache()  # built from the hyperparameters alone
        return twin

    def _prepared_cache(self) -> dict[tuple[Any, ...], Any]:
        """Rules and codebook rows built from the hyperparameters alone, shared with clones."""
        cache: dict[tuple[Any, ...], Any] | None = self.__dict__.get("_prepared")
        if cache is None:
            cache = {}
            self._prepared = cache
        return cache

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_prepared", None)  # rebuilt on demand; not part of the saved model
        return state

    @property
    def code_ids(self) -> list[str]:
        return [c.id for c in self.codebook.leaves]

    def _rules(self) -> KeywordRules | None:
        if not self.use_rules or not any(c.keywords for c in self.codebook.leaves):
            return None
        cache = self._prepared_cache()
        key = ("rules", self.codebook.hash(), self.pos_filter)
        if key not in cache:
            cache[key] = KeywordRules(self.codebook, use_pos=self.pos_filter, require_keywords=False)
        rules: KeywordRules = cache[key]
        return rules

    def rules_only(self) -> Suggester:
        """Make the suggester usable without training data (rules only)."""
        self.rules_ = self._rules()
        if self.rules_ is None:
            raise SuggestError(
                _("the codebook has no keywords and there are no coded segments to train on — add `keywords:` to the codebook, or code a few segments by hand"),
                hint=Hint(_("and then train"), command=("train",)),
            )
        self.classifier_: CodeClassifier | None = None
        self.calibrators_: dict[str, tuple[float, float]] = {}
        self.thresholds_ = {c: RULE_THRESHOLD for c in self.code_ids}
        self.alpha_ = {c: 0.0 for c in self.code_ids}
        self.n_positives_ = {c: 0 for c in self.code_ids}
        self.cv_metrics_: dict[str, CodeMetrics] = {}
        self.keyword_weights_: dict[str, dict[str, float]] = {}
        self.segment_length_ = 0.0
        self.global_threshold_ = RULE_THRESHOLD
        self.imported_thresholds_: dict[str, float] = {}
        self.trained_at_ = time.strftime("%Y-%m-%dT%H:%M:%S")
        self.version_ = _version(self.codebook, "rules")
        return self

    def _codebook_rows(self) -> tuple[list[list[Token]], np.ndarray]:
        cache = self._prepared_cache()
        key = ("rows", self.codebook.hash(), self.pos_filter, self.use_examples, self.codebook_text)
        if key not in cache:
            rows = codebook_rows(self.codebook, examples=self.use_examples, text=self.codebook_text)
            codes = self.code_ids
            Y = np.full((len(rows), len(codes)), -1, dtype=int)
            for i, row in enumerate(rows):
                for code, label in row.labels:
                    Y[i, codes.index(code)] = label
            X = tokenize([r.text for r in rows], pos=self.pos_filter, nlp=_pos_nlp(self.pos_filter)) if rows else []
            cache[key] = (X, Y.reshape(len(rows), len(codes)))
        prepared: tuple[list[list[Token]], np.ndarray] = cache[key]
        return prepared

    def fit(
        self, X: Sequence[Sequence[Token] | str], Y: np.ndarray, local: Sequence[bool] | np.ndarray | None = None
    ) -> Suggester:
        """Fit on segments X with labels Y (1/0/-1 per code).

        `local` marks the segments coded in this project (default: none). They weigh
        `local_weight` times as much as examples imported from elsewhere, and only her own
        decisions teach which keywords are too unspecific here.
        """
        from qualcode.suggest.classifier import (
            CodeClassifier,
            best_threshold,
            plateau_threshold,
            platt_scale,
        )

        X = as_tokens(X)
        Y = np.asarray(Y, dtype=int)
        is_local = np.zeros(len(X), dtype=bool) if local is None else np.asarray(local, dtype=bool)
        w_user = np.where(is_local, self.local_weight, 1.0)
        n_pos_user = (Y == 1).sum(axis=0)
        n_pos_mine = ((Y == 1) & is_local[:, None]).sum(axis=0)
        n_mine = int(is_local.sum())
        if len(X) == 0 or not n_pos_user.any():
            raise SuggestError(
                _("the training data has no codings (no segment has a code) — code a few segments by hand, or give a file where 'codes' are not empty")
            )
        if not any(len(x) for x, y in zip(X, Y) if (y == 1).any()):
            raise SuggestError(_("the coded training segments have no text — check the field 'text'"))
        self.rules_ = self._rules()
        R_user, hits_user = self._rule_scores_hits(X)
        self.keyword_weights_ = self._keyword_weights(
            [h if m else [] for h, m in zip(hits_user, is_local)], Y, w_user)
        R_user, _unused = self._rule_scores_hits(X, hits_user)
        Xa, Ya = list(X), Y
        W = np.repeat(w_user[:, None], Y.shape[1], axis=1)
        cb_x, cb_y = self._codebook_rows()
        if len(cb_x):
            Xa, Ya = Xa + list(cb_x), np.vstack([Y, cb_y])
            # the codebook's text speaks for a code until her own coding takes over
            prior = self.prior_weight * self.prior_k / (self.prior_k + n_pos_user)
            W = np.vstack([W, np.repeat(prior[None, :], len(cb_x), axis=0)])
        clf = CodeClassifier(
            self.code_ids, rules=self.rules_ if self.rule_features else None, C=self.C,
            pos_filter=self.pos_filter, inner_cv=self.inner_cv, min_positives=self.min_positives,
            random_state=self.random_state, section_features=self.section_features,
        )
        R_all = np.vstack([R_user, self._rule_scores_hits(Xa[len(X):])[0]]) if len(Xa) > len(X) else R_user
        try:
            self.classifier_ = clf.fit(Xa, Ya, n_positives=n_pos_user, sample_weight=W)
        except ValueError as exc:  # e.g. no words left to learn from
            raise SuggestError(_("could not train on the segments ({exc}) — check that they have text").format(exc=exc)) from None
        self.segment_length_ = float(np.median([_body_length(x) for x in X]))
        self.n_positives_ = {c: int(n) for c, n in zip(self.code_ids, n_pos_user)}
        self.alpha_, self.calibrators_, self.thresholds_ = {}, {}, {}
        self.cv_metrics_ = {}
        blended: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for j, code in enumerate(self.code_ids):
            n = self.n_positives_[code]
            if code not in clf.models_:
                self.alpha_[code] = 0.0
                self.thresholds_[code] = RULE_THRESHOLD
                continue
            a = self._alpha(n, int(n_pos_mine[j]), n_mine) if self.rules_ is not None else 1.0
            self.alpha_[code] = a
            p, y = clf.oof_[code]
            r = R_all[Ya[:, j] >= 0, j]
            s = a * p + (1 - a) * r
            cal = platt_scale(s, y)
            self.calibrators_[code] = cal
            user = np.zeros(len(y), dtype=bool)
            user[: int((Y[:, j] >= 0).sum())] = True  # the codebook's rows come after the segments
            blended[code] = (_sigmoid(cal[0] * s + cal[1]), y, user)
        # one threshold for all codes from the pooled out-of-fold scores (the middle of their best
        # stretch, see `plateau_threshold`); each code's own best
        # threshold is pulled towards it by how little evidence the code has (n / (n + k))
        if blended:
            pooled_s = np.concatenate([sc for sc, _, _ in blended.values()])
            pooled_y = np.concatenate([y for _, y, _ in blended.values()])
            self.global_threshold_ = plateau_threshold(pooled_s, pooled_y)
        else:
            self.global_threshold_ = RULE_THRESHOLD
        # while she has coded a code little, its threshold stays near the one chosen on the imported
        # examples alone: re-chosen on a few of her segments (often one section) it swings too far
        self.imported_thresholds_ = self._imported_thresholds(X, Y, is_local)
        mine = dict(zip(self.code_ids, n_pos_mine.tolist()))
        for code, (sc, y, user) in blended.items():
            t, _unused = best_threshold(sc, y, slack=self.threshold_slack)
            n = self.n_positives_[code]
            if self.threshold_k > 0:
                t = (n * t + self.threshold_k * self.global_threshold_) / (n + self.threshold_k)
            if code in self.imported_thresholds_:
                share = self.imported_threshold_k / (self.imported_threshold_k + mine[code])
                t = share * self.imported_thresholds_[code] + (1 - share) * t
            self.thresholds_[code] = round(float(t), 4)
            yu, pu = y[user], sc[user] >= t
            self.cv_metrics_[code] = CodeMetrics(
                code, int((yu == 1).sum()), int(np.sum(pu & (yu == 1))), int(np.sum(pu & (yu == 0))),
                int(np.sum(~pu & (yu == 1))),
            )
        clf.oof_ = {}  # not needed after fitting; keeps the saved model small
        self.trained_at_ = time.strftime("%Y-%m-%dT%H:%M:%S")
        self.version_ = _version(self.codebook, f"{len(X)}:{self.trained_at_}:{n_pos_user.tolist()}")
        return self

    def _imported_thresholds(self, X: Sequence[Sequence[Token]], Y: np.ndarray, is_local: np.ndarray) -> dict[str, float]:
        """Per code with a classifier, the threshold of the same suggester fitted on the imported
        segments alone: {} unless the training data holds both imported segments and hers.

        A second fit; kept (for clones too) per imported data, so a learning curve fits it once.
        """
        keep = np.flatnonzero(~is_local)
        if self.imported_threshold_k <= 0 or not is_local.any() or not (Y[keep] == 1).any():
            return {}
        params = {k: v for k, v in self.get_params(deep=False).items() if k != "codebook"}
        h = hashlib.sha256(f"{self.codebook.hash()}|{sorted(params.items())!r}".encode())
        h.update(np.ascontiguousarray(Y[keep]).tobytes())
        for i in keep.tolist():
            h.update(("\x1f".join(f"{t.form}\x1e{t.lemma}\x1e{t.pos}" for t in X[i]) + "\x1d").encode())
        cache = self._prepared_cache()
        key = ("imported thresholds", h.hexdigest())
        if key not in cache:
            base = self.clone().fit([X[i] for i in keep.tolist()], Y[keep])
            cache[key] = {c: t for c, t in base.thresholds_.items() if c in base.calibrators_}
        found: dict[str, float] = dict(cache[key])
        return found

    def _alpha(self, n: int, n_mine: int, segments_mine: int) -> float:
        """The classifier's share of a code's score: n_eff / (n_eff + `blend_k`).

        n_eff counts her own positives in full and imported ones by k / (k + m), k = `import_k`,
        m = the segments she has coded: a model learnt on other material gives way to the
        keywords and her own coding as she codes (without her coding, n_eff = n).
        """
        n_eff = float(n)
        if segments_mine and self.import_k > 0:
            n_eff = n_mine + (n - n_mine) * self.import_k / (self.import_k + segments_mine)
        return n_eff / (n_eff + self.blend_k)

    def _keyword_weights(self, hits: Sequence[Sequence[Any]], Y: np.ndarray, w: np.ndarray) -> dict[str, dict[str, float]]:
        """Per code and keyword: how often a segment it fires in has the code, smoothed towards 1.

        w = (weighted positives + b) / (weighted firings + b), b = `keyword_prior`: a keyword
        that fires in segments she codes otherwise (or whose suggestions she rejects) loses
        weight in this project; one that never fired keeps its full weight.
        """
        if self.keyword_prior <= 0 or self.rules_ is None:
            return {}
        index = {c: j for j, c in enumerate(self.code_ids)}
        fired: dict[tuple[str, str], list[float]] = {}
        for i, row in enumerate(hits):
            for h in row:
                label = Y[i, index[h.code_id]]
                if label < 0:
                    continue
                for kw in h.keywords:
                    f = fired.setdefault((h.code_id, kw), [0.0, 0.0])
                    f[0] += w[i] * (label == 1)
                    f[1] += w[i]
        out: dict[str, dict[str, float]] = {}
        b = self.keyword_prior
        for (code, kw), (pos, n) in fired.items():
            out.setdefault(code, {})[kw] = round((pos + b) / (n + b), 4)
        return out

    def _rule_scores_hits(self, X: Sequence[Sequence[Token]], hits: list[list[Any]] | None = None):  # type: ignore[no-untyped-def]
        """Rule scores (n, n_codes), with the project's learned keyword weights, and the hits."""
        if self.rules_ is None:
            return np.zeros((len(X), len(self.code_ids))), [[] for _ in X]
        if hits is None:
            hits = [self.rules_.hits(x) for x in X]
        weights = getattr(self, "keyword_weights_", None) or {}
        index = {c: j for j, c in enumerate(self.code_ids)}
        R = np.ones((len(X), len(self.code_ids)))  # the chance that no keyword speaks for the code
        for i, row in enumerate(hits):
            for h in row:
                kw = weights.get(h.code_id, {})
                for k in h.keywords:
                    R[i, index[h.code_id]] *= 1.0 - 0.5 * kw.get(k, 1.0)
        heading_weight = float(getattr(self, "section_rule_weight", SECTION_RULE_WEIGHT))
        prompt_weight = float(getattr(self, "prompt_rule_weight", PROMPT_RULE_WEIGHT))
        for i, x in enumerate(X):
            if not (heading_weight or prompt_weight) or not has_section(x):
                continue
            for part, weight in zip(section_parts(x), (heading_weight, prompt_weight)):
                if not weight or not part:
                    continue
                for h in self.rules_.hits(part):
                    kw = weights.get(h.code_id, {})
                    for k in h.keywords:
                        R[i, index[h.code_id]] *= 1.0 - 0.5 * weight * kw.get(k, 1.0)
        return 1.0 - R, hits

    def predict_scores(self, X: Sequence[Sequence[Token] | str]) -> tuple[np.ndarray, list[list[Any]]]:
        """Scores in [0, 1] (n, n_codes) and the rule hits per segment (for reasons)."""
        S, hits, _ = self._predict(X)
        return S, hits

    def _predict(self, X: Sequence[Sequence[Token] | str]):  # type: ignore[no-untyped-def]
        """Scores, rule hits and the classifier's lemma n-gram rows (None without a classifier)."""
        X = as_tokens(X)
        R, hits = self._rule_scores_hits(X)
        S = R.copy()
        words = None
        if self.classifier_ is not None and self.classifier_.models_:
            P, words = self.classifier_.decision_scores_rows(X)
            P = self._long_in_pieces(X, P)
            for j, code in enumerate(self.code_ids):
                if code in self.calibrators_:
                    a = self.alpha_[code]
                    s = a * P[:, j] + (1 - a) * R[:, j]
                    ca, cb = self.calibrators_[code]
                    S[:, j] = _sigmoid(ca * s + cb)
        # no words, no evidence: the classifier's intercept alone must not suggest; a heading or
        # prompt is the section's evidence, not content to code
        empty = [i for i, x in enumerate(X) if len(x) == 0 or (x[0].form.startswith(ROLE_MARK))]
        S[empty] = 0.0
        return S, hits, words

    def _long_in_pieces(self, X: Sequence[Sequence[Token]], P: np.ndarray) -> np.ndarray:
        """Classifier scores with each segment over `long_factor` x the training length replaced by
        the mean score of its pieces of the training length (half overlapping; section words in each)."""
        size = int(round(getattr(self, "segment_length_", 0.0)))
        factor = float(getattr(self, "long_factor", 0.0))
        if factor <= 0 or size < MIN_PIECE or self.classifier_ is None:
            return P
        pieces: list[list[Token]] = []
        owner: list[int] = []
        limit = factor * size
        for i, x in enumerate(X):
            if len(x) <= limit:
                continue  # most segments: not long even with their section's words
            body = [t for t in x if not t.form.startswith(SECTION_MARK)]
            if len(body) <= limit:
                continue
            section = [t for t in x if t.form.startswith(SECTION_MARK)]
            step = max(1, size // 2)
            for start in range(0, len(body) - size // 2, step):
                pieces.append(section + body[start:start + size])
                owner.append(i)
        if not pieces:
            return P
        Q, _rows = self.classifier_.decision_scores_rows(pieces)
        out = P.copy()
        owners = np.asarray(owner)
        for i in np.unique(owners):
            out[i] = Q[owners == i].mean(axis=0)
        return out

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
        S, hits, words = self._predict(X)
        out: list[Suggestion] = []
        code_ids = self.code_ids
        limits = np.array([self.thresholds_[c] if min_score is None else min_score for c in code_ids])
        over = (S >= limits) & (S > 0.0)
        terms = self._top_terms(over, words)
        model_part = {c: f"modell ({self.n_positives_[c]} kodade exempel, vikt {self.alpha_[c]:.0%})"
                      for c in code_ids if c in self.calibrators_ and self.classifier_ is not None}
        rows, cols = np.nonzero(over)  # row-major: segment by segment, each one's codes in codebook order
        last = -1
        by_code: dict[str, Any] = {}
        heading: dict[str, list[Any]] = {}  # the section heading's keyword hits, read once per segment
        for i, j, score in zip(rows.tolist(), cols.tolist(), S[rows, cols].tolist()):
            if i != last:
                last = i
                by_code = {h.code_id: h for h in hits[i]}
                heading = {}
                if self.rules_ is not None and has_section(X[i]):
                    head, prompt = section_parts(X[i])
                    for h in self.rules_.hits(head + (prompt if getattr(self, "prompt_rule_weight", PROMPT_RULE_WEIGHT) else [])):
                        heading.setdefault(h.code_id, []).append(h)
            code = code_ids[j]
            out.append(Suggestion(keys[i], code, round(score, 4),
                                  _reason(by_code.get(code), heading.get(code, []), model_part.get(code),
                                          terms.get((i, j), [])),
                                  self.version_))
        return out

    def _top_terms(self, over: np.ndarray, rows: Any, n: int = 3) -> dict[tuple[int, int], list[str]]:
        """The classifier's top terms for each suggested (segment, code) of a batch, per code in one pass
        over the batch's TF-IDF rows (`CodeClassifier.top_terms_rows`)."""
        out: dict[tuple[int, int], list[str]] = {}
        if rows is None or self.classifier_ is None:
            return out
        for j, code in enumerate(self.code_ids):
            if code not in self.calibrators_:
                continue
            segs = np.flatnonzero(over[:, j]).tolist()
            for i, words in zip(segs, self.classifier_.top_terms_rows(code, rows, segs, n)):
                out[(i, j)] = words
        return out

    def info(self) -> dict[str, Any]:
        """What the model was trained on, for the store's `models.trained_on`."""
        return {
            "n_positives": self.n_positives_,
            "alpha": {c: round(a, 3) for c, a in self.alpha_.items()},
            "thresholds": self.thresholds_,
            "blend_k": self.blend_k,
            "min_positives": self.min_positives,
            "codebook_examples": self.use_examples,
            "codebook_text": self.codebook_text,
            "global_threshold": getattr(self, "global_threshold_", None),
            "imported_thresholds": getattr(self, "imported_thresholds_", {}),
            "segment_length": getattr(self, "segment_length_", None),
            "keyword_weights": {c: {k: w for k, w in kws.items() if w < 1.0}
                                for c, kws in getattr(self, "keyword_weights_", {}).items()
                                if any(w < 1.0 for w in kws.values())},
            "pos_filter": self.pos_filter,
        }

    def to_bytes(self) -> bytes:
        """The fitted suggester as bytes without pickle (`qualcode.suggest.model_io`)."""
        from qualcode.suggest import model_io

        return model_io.dump(self)

    @staticmethod
    def from_bytes(blob: bytes, codebook: Codebook, trust_pickle: bool = False) -> Suggester:
        """A suggester saved by `to_bytes`; an old pickle only when `trust_pickle` (it can run code)."""
        from qualcode.suggest import model_io

        if not model_io.is_pickle(blob):
            return model_io.load(blob, codebook)
        if not trust_pickle:
            raise SuggestError(
                _("the saved model is in the old pickle format, which can run code when read — it was not read"),
                hint=Hint(_("retrain the model (it is then saved in the safe format)"), command=("train",),
                          also=(Hint(_("trust it only if the project is your own"), option="trust_pickle"),)),
            )
        import joblib

        obj = joblib.load(io.BytesIO(blob))
        if not isinstance(obj, Suggester):
            raise SuggestError(_("the saved model is not a qualcode model"), hint=Hint(_("retrain"), command=("train",)))
        return obj


def _reason(hit: Any, heading_hits: Sequence[Any], model: str | None, words: Sequence[str]) -> str:
    """Rule keywords (the segment's, then its heading's) and the model's part with its top terms."""
    parts = []
    if hit is not None:
        parts.append(hit.reason)
    for h in heading_hits:
        parts.append("rubrik: " + h.reason)
    if model is not None:
        parts.append(model + (f": {', '.join(words)}" if words else ""))
    return "; ".join(parts) or "modell"


def _body_length(tokens: Sequence[Token]) -> int:
    """A segment's words, not counting its section heading's."""
    return sum(1 for t in tokens if not t.form.startswith(SECTION_MARK))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _version(codebook: Codebook, salt: str) -> str:
    h = hashlib.sha256(f"{codebook.hash()}|{salt}|{time.time_ns()}".encode()).hexdigest()[:6]
    return time.strftime("%Y%m%d-%H%M%S-") + h


@dataclass(frozen=True)
class CodebookRow:
    """A piece of the codebook's text used as a training row: (code, 1 or 0) labels."""

    text: str
    kind: str  # example | name | definition | include | exclude
    labels: tuple[tuple[str, int], ...]


def _items(text: str) -> list[str]:
    """The comma- or semicolon-separated items of an include/exclude text."""
    import re

    return [t.strip(" .") for t in re.split(r"[,;]|\n", text) if t.strip(" .")]


def codebook_rows(codebook: Codebook, examples: bool = True, text: bool = True) -> list[CodebookRow]:
    """Training rows from the codebook: examples, and its own words as evidence.

    Examples, the name, the definition and each include item are positive rows for their
    code (examples and names are negative for the other codes); each exclude item is a
    negative row for its code, and positive for a code it names in parentheses
    (`allmän kompetensutveckling (P10)`).
    """
    import re

    leaves = codebook.leaves
    ids = {c.id for c in leaves}
    rows: list[CodebookRow] = []
    for code in leaves:
        others = tuple((c.id, 0) for c in leaves if c.id != code.id)
        if examples:
            rows += [CodebookRow(ex, "example", ((code.id, 1), *others)) for ex in code.examples]
        if not text:
            continue
        rows.append(CodebookRow(code.name, "name", ((code.id, 1), *others)))
        if code.definition:
            rows.append(CodebookRow(code.definition, "definition", ((code.id, 1),)))
        rows += [CodebookRow(item, "include", ((code.id, 1),)) for item in _items(code.include)]
        for item in _items(code.exclude):
            named = [c for c in re.findall(r"\(([^)]*)\)", item) if c.strip() in ids and c.strip() != code.id]
            words = re.sub(r"\([^)]*\)", "", item).strip()
            if words:
                rows.append(CodebookRow(words, "exclude", ((code.id, 0), *((c.strip(), 1) for c in named))))
    return rows


def label_matrix(codes: Sequence[Sequence[str]], code_ids: Sequence[str]) -> np.ndarray:
    """1/0 matrix from per-segment code lists (a coded segment is negative for other codes)."""
    index = {c: j for j, c in enumerate(code_ids)}
    Y = np.zeros((len(codes), len(code_ids)), dtype=int)
    for i, cs in enumerate(codes):
        for c in cs:
            if c not in index:
                raise InputError(_("unknown code {c!r}").format(c=c))
            Y[i, index[c]] = 1
    return Y


