"""The batch paths of suggesting give exactly what the per-document paths gave.

Character n-grams counted once per distinct word (`WordCounts`, `char_tfidf`) and word
n-grams looked up in one pass (`word_tfidf`), weighed by qualcode's own TF-IDF (`FittedTfidf`),
against scikit-learn's own `TfidfVectorizer.transform` with the same learned state; the fitted
linear models against `LogisticRegression.decision_function`; the top terms of many rows at once
(`top_terms_rows`) against the old code, one row at a time.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from qualcode.core.codebook import default_codebook
from qualcode.suggest.classifier import CodeClassifier, WordCounts, char_tfidf, char_wb_ngrams, lemma_text, word_tfidf
from qualcode.suggest.estimator import Suggester, label_matrix, tokenize
from qualcode.suggest.fitted import FittedLinear, FittedTfidf, tfidf_transform
from qualcode.suggest.rules import Token, has_section

from conftest import FIXTURES

TRAIN = FIXTURES / "suggest" / "train.jsonl"
# words that make the counting hard: a word whose n-grams repeat (`ananas`: `ana` twice), words
# shorter than an n-gram, a word seen in no training text, section-marked words, an empty text
EXTRA = [
    "ananas ananas banan", "i på en", "xyzzyq", "", "lön lön lön §lönen §¿chef", "a",
    "arbetslokalerna kontorslokal lokal lokalerna",
]


@pytest.fixture(scope="module")
def fitted():
    codebook = default_codebook()
    rows = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()]
    X = tokenize([r["text"] for r in rows])
    Y = label_matrix([r["codes"] for r in rows], [c.id for c in codebook.leaves])
    return Suggester(codebook).fit(X, Y), X


def _sklearn(vec: FittedTfidf) -> TfidfVectorizer:
    """A scikit-learn vectorizer with the fitted state of `vec`, as model_io rebuilt one before."""
    if vec.analyzer == "word":
        ref = TfidfVectorizer(token_pattern=r"[^\s]+", ngram_range=vec.ngram_range, sublinear_tf=True,
                              min_df=vec.min_df, lowercase=False, dtype=np.float32)
    else:
        lo, hi = vec.ngram_range
        ref = TfidfVectorizer(analyzer=functools.partial(char_wb_ngrams, lo=lo, hi=hi), sublinear_tf=True,
                              min_df=vec.min_df, lowercase=False, dtype=np.float32, max_features=vec.max_features)
    ref.vocabulary_, ref.idf_ = vec.vocabulary_, vec.idf_
    return ref


def _texts(clf: CodeClassifier, X) -> list[str]:  # type: ignore[no-untyped-def]
    return [lemma_text(t, clf.pos_filter, clf._sections()) for t in X] + EXTRA


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # the same floats, not close ones


def test_word_counts_count_each_word_of_each_text():
    wc = WordCounts(["b a b", "", "c a"])
    assert wc.words == ["b", "a", "c"]
    assert wc.counts.toarray().tolist() == [[2, 1, 0], [0, 0, 0], [0, 1, 1]]


def test_char_tfidf_is_the_vectorizers_own_matrix(fitted):
    sug, X = fitted
    clf = sug.classifier_
    texts = _texts(clf, X)
    ref = _sklearn(clf.char_vectorizer_)
    old = ref.transform(texts)
    cache: dict[str, tuple[int, ...]] = {}
    _same(char_tfidf(clf.char_vectorizer_, texts, *clf.char_ngrams, cache=cache), old)
    assert cache  # and again from the cached n-gram columns of each word, in another order
    _same(char_tfidf(clf.char_vectorizer_, texts[::-1], *clf.char_ngrams, cache=cache), ref.transform(texts[::-1]))


def test_char_tfidf_matches_scikit_learns_char_wb_analyzer():
    """The n-grams themselves are scikit-learn's `char_wb` ones: compare with its built-in analyzer."""
    train = ["lönen är för låg", "lokalerna är trånga och lokalen är kall", "chefen lyssnar", "a ab abc"]
    texts = train + EXTRA
    for lo, hi in ((3, 5), (2, 4)):
        ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi), sublinear_tf=True, lowercase=False,
                              dtype=np.float32).fit(train)
        _same(char_tfidf(ref, texts, lo, hi), ref.transform(texts))
        _same(char_tfidf(FittedTfidf.of(ref, "char_wb", (lo, hi)), texts, lo, hi), ref.transform(texts))


def test_word_tfidf_is_the_vectorizers_own_matrix(fitted):
    sug, X = fitted
    vec = sug.classifier_.word_vectorizer_
    texts = _texts(sug.classifier_, X)
    assert isinstance(vec, FittedTfidf) and vec.ngram_range == (1, 2)
    _same(word_tfidf(vec, texts), _sklearn(vec).transform(texts))


# whitespace that `[^\s]+` and `str.split` both cut at (tab, newline, no-break space, the \x1c-\x1f
# separators), a bigram seen twice in one text, words in no training text, one word, nothing
WORD_TEXTS = [
    "lön låg lön låg lön", "lön\tlåg\nchef\u00a0lyssna", "a\x1cb\x1fc  d", "  ", "", "xyzzy lön",
    "chef", "lokal trång lokal trång och kall", "§lön §chef lön",
]


def test_word_tfidf_matches_scikit_learn_for_each_ngram_range():
    train = ["lön låg lön", "chef lyssna inte", "lokal trång och kall", "a b c d", "lön chef lyssna"]
    for lo, hi in ((1, 1), (1, 2), (2, 2), (1, 3), (2, 3)):
        vec = TfidfVectorizer(token_pattern=r"[^\s]+", ngram_range=(lo, hi), sublinear_tf=True, min_df=1,
                              lowercase=False, dtype=np.float32).fit(train)
        _same(word_tfidf(vec, WORD_TEXTS + train), vec.transform(WORD_TEXTS + train))
        _same(word_tfidf(FittedTfidf.of(vec, "word", (lo, hi)), WORD_TEXTS + train), vec.transform(WORD_TEXTS + train))


def test_word_tfidf_leaves_another_vectorizer_its_own_transform():
    """A vectorizer with other options (here: lower-casing, another token pattern) is not counted by split."""
    train = ["Lön låg", "chef-lyssna inte"]
    for vec in (TfidfVectorizer(token_pattern=r"[^\s]+", ngram_range=(1, 2), dtype=np.float32).fit(train),
                TfidfVectorizer(token_pattern=r"[^\s-]+", lowercase=False, dtype=np.float32).fit(train)):
        texts = ["LÖN låg", "chef-lyssna"]
        _same(word_tfidf(vec, texts), vec.transform(texts))


def test_the_classifiers_features_are_unchanged(fitted):
    """The whole feature matrix of a batch is what the per-document counting gave."""
    from scipy import sparse

    sug, X = fitted
    clf = sug.classifier_
    rows = list(X) + [[Token(w, w) for w in t.split()] for t in EXTRA]
    texts = [lemma_text(t, clf.pos_filter, clf._sections()) for t in rows]
    feats = clf._features(rows)
    old = sparse.hstack([_sklearn(clf.word_vectorizer_).transform(texts), _sklearn(clf.char_vectorizer_).transform(texts),
                         clf._rule_matrix(rows)], format="csr", dtype=np.float32)
    _same(feats, old)


def _old_top_terms_row(clf, code, words, i, n=3):  # type: ignore[no-untyped-def]
    """The classifier's top terms of row `i` as they were taken one suggestion at a time."""
    from spacy.lang.sv.stop_words import STOP_WORDS

    model = clf.models_.get(code)
    if model is None:
        return []
    lo, hi = words.indptr[i], words.indptr[i + 1]
    coef = model.coef_[0, : words.shape[1]]
    cols = words.indices[lo:hi]
    c = coef[cols]
    keep = c > 0
    cols, value = cols[keep], words.data[lo:hi][keep] * c[keep]
    ranked = cols[np.lexsort((-cols, -value))]  # largest contribution first, ties by the higher column
    names = clf.word_vectorizer_.get_feature_names_out()
    out: list[str] = []
    for j in ranked:
        t = str(names[j])
        if not all(w in STOP_WORDS for w in t.split()):
            out.append(t)
            if len(out) == n:
                break
    return out


def test_top_terms_of_many_rows_are_each_rows_top_terms(fitted):
    sug, X = fitted
    clf = sug.classifier_
    words = _sklearn(clf.word_vectorizer_).transform(_texts(clf, X))
    assert clf.models_
    checked = 0
    for code in [*clf.models_, "NO-SUCH-CODE"]:
        for n in (1, 3, 6):
            rows = list(range(words.shape[0]))[::-1]  # any order, as the suggestions come
            got = clf.top_terms_rows(code, words, rows, n)
            assert got == [_old_top_terms_row(clf, code, words, i, n) for i in rows]
            checked += sum(len(g) for g in got)
        assert clf.top_terms_rows(code, words, []) == []
    assert checked > 100  # terms were compared, not only empty lists


# -- rules read once per distinct token, stored lemmas read into shared tokens --------------------

def _old_matches(rules, tokens):  # type: ignore[no-untyped-def]
    """`KeywordRules.matches` as it was: every occurrence of a word looked up again."""
    from qualcode.suggest.rules import CONTENT_POS, ROLE_MARK, SECTION_MARK, split_structure, word_matches

    out = []
    if any(t.form[:1] in (SECTION_MARK, ROLE_MARK) for t in tokens):
        tokens = split_structure(tokens)[0]
    for i, t in enumerate(tokens):
        if rules.use_pos and t.pos not in CONTENT_POS:
            continue
        for k in rules._word_keywords(t.form, t.lemma):
            if not (k.contexts and rules._near(tokens, i, k.contexts)):
                out.append((k, t.form))
    for i, t in enumerate(tokens):
        cands = rules._multi_by_first.get(t.form, []) + (
            rules._multi_by_first.get(t.lemma, []) if t.lemma != t.form else [])
        for k in dict.fromkeys(cands):
            n = len(k.variants)
            if i + n > len(tokens):
                continue
            if all(
                tokens[i + j].form in k.variants[j] or tokens[i + j].lemma in k.variants[j]
                or (j == n - 1 and any(word_matches(tokens[i + j].form, tokens[i + j].lemma, v) for v in k.variants[j]))
                for j in range(1, n)
            ) and not (k.contexts and rules._near(tokens, i, k.contexts, n)):
                out.append((k, " ".join(tokens[i + j].form for j in range(n))))
    return out


RULE_TEXTS = [
    "Vi vill ha mer återkoppling från brukare och brukarna borde få säga sitt.",
    "Min mentor hjälper mig, men mentorn för klienten är en annan sak; jobbmentorn också.",
    "Lönen är låg och lönekriterierna är otydliga. Lönen, lönen, lönen!",
    "Arbetslokalerna är trånga, kontorslokalen kall och lokalfrågorna många.",
    "brukare", "Antal ärenden per handläggare är för högt. En ny medarbetare behöver en checklista för nyanställda.",
    "", "Handledningen med chefen och enhetschefen fungerar.", "Vi saknar återkoppling från",
]


def test_rules_hit_what_the_per_occurrence_lookup_hit():
    from qualcode.suggest.rules import KeywordRules, structured_tokens

    codebook = default_codebook()
    rules = KeywordRules(codebook)
    X = tokenize(RULE_TEXTS)
    heading = tokenize(["Brukare och arbetslokaler"])[0]  # words that would match if read as the segment's
    cases = X + [structured_tokens(x, heading, role) for x in X for role in (None, "heading")]
    cases += [structured_tokens(tokenize(["brukare"])[0], heading, None, tokenize(["Som chef, beskriv"])[0])]
    hits = 0
    for toks in cases + cases:  # the second time from the memo
        assert rules.matches(toks) == _old_matches(rules, toks)
        hits += len(rules.hits(toks))
    assert hits > 30
    assert [h.code_id for h in rules.hits(tokenize(["brukare"])[0])] == rules._aliases["brukare"]


def _old_stored_tokens(lemmas, texts):  # type: ignore[no-untyped-def]
    """`stored_tokens` as it was: each word's lemma checked and a token made per occurrence."""
    from qualcode.nlp.pipeline import load_pipeline, word_lemma
    from qualcode.suggest.estimator import _WORD, lemma_tokens

    out = []
    for lem_string, text in zip(lemmas, texts):
        if not lem_string:
            out += lemma_tokens([text])
            continue
        lem = lem_string.split()
        forms = [w.lower() for w in _WORD.findall(text)]
        if len(forms) != len(lem) or any(word_lemma(f) != m for f, m in zip(forms, lem)):
            forms = [t.lower_ for t in load_pipeline().make_doc(text) if word_lemma(t.lower_)]
            if len(forms) != len(lem):
                forms = lem
        out.append([Token(f, m) for f, m in zip(forms, lem)])
    return out


def test_stored_tokens_are_the_per_word_tokens():
    from qualcode.nlp.pipeline import load_pipeline, word_lemma
    from qualcode.suggest.estimator import stored_tokens

    texts = RULE_TEXTS + ["Mejla anna.berg@stad.se om brukar-/kundgrupp.", "Lönen är låg", "Lönen är låg"]
    nlp = load_pipeline()
    lemmas = [" ".join(lem for t in nlp.make_doc(x) if (lem := word_lemma(t.lower_))) for x in texts]
    lemmas[-1] = "lön vara hög"  # a stored lemma the text's words do not give: the lemmas stand
    lemmas[-2] = None  # none stored
    assert stored_tokens(lemmas, texts) == _old_stored_tokens(lemmas, texts)


def _old_suggestions(sug, keys, X, min_score=None):  # type: ignore[no-untyped-def]
    """`Suggester.suggestions` as it was: each segment's codes found by its own row of the matrix."""
    from qualcode.suggest.estimator import PROMPT_RULE_WEIGHT, Suggestion, _reason
    from qualcode.suggest.rules import section_parts

    S, hits, words = sug._predict(X)
    limits = np.array([sug.thresholds_[c] if min_score is None else min_score for c in sug.code_ids])
    over = (S >= limits) & (S > 0.0)
    terms = sug._top_terms(over, words)
    model_part = {c: f"modell ({sug.n_positives_[c]} kodade exempel, vikt {sug.alpha_[c]:.0%})"
                  for c in sug.code_ids if c in sug.calibrators_}
    out = []
    for i in map(int, np.flatnonzero(over.any(axis=1))):
        by_code = {h.code_id: h for h in hits[i]}
        heading: dict[str, list] = {}
        if has_section(X[i]):
            head, prompt = section_parts(X[i])
            for h in sug.rules_.hits(head + (prompt if getattr(sug, "prompt_rule_weight", PROMPT_RULE_WEIGHT) else [])):
                heading.setdefault(h.code_id, []).append(h)
        for j in map(int, np.flatnonzero(over[i])):
            code = sug.code_ids[j]
            out.append(Suggestion(keys[i], code, round(float(S[i, j]), 4),
                                  _reason(by_code.get(code), heading.get(code, []), model_part.get(code),
                                          terms.get((i, j), [])), sug.version_))
    return out


def test_suggestions_are_each_segments_suggestions(fitted):
    """Suggestions read from all (segment, code) pairs over the limits at once, as row by row."""
    from qualcode.suggest.rules import structured_tokens

    sug, X = fitted
    heading, prompt = tokenize(["Arbetsmiljö och lön"])[0], tokenize(["Vad tycker du om lokalerna"])[0]
    # a segment with a section before one without: each reads its own heading's hits
    X = [v for x in X[:20] for v in (structured_tokens(x, heading, None, prompt), x)] + list(X[20:]) + [[]]
    keys = [f"s{i}" for i in range(len(X))]
    for min_score in (None, 0.05, 0.9):
        got = sug.suggestions(keys, X, min_score=min_score)
        assert got == _old_suggestions(sug, keys, X, min_score)
    assert len({s.key for s in got}) > 5 and any("rubrik: " in s.reason for s in sug.suggestions(keys, X))


# -- the fitted parts: scikit-learn's numbers without scikit-learn -----------------------------

def test_tfidf_transform_is_scikit_learns_to_the_last_bit():
    """Rows of 17 to 60 terms, empty rows, repeated counts; idf weights in single and double precision."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(7)
    counts = sparse.random(300, 2000, density=0.02, random_state=8, format="csr",
                           data_rvs=lambda n: rng.integers(1, 9, n)).astype(np.float32)
    counts = sparse.vstack([counts, sparse.csr_matrix((2, 2000), dtype=np.float32)], format="csr")
    assert np.diff(counts.indptr).min(initial=99, where=np.diff(counts.indptr) > 0) > 16 and (np.diff(counts.indptr) == 0).any()
    ref = TfidfTransformer(sublinear_tf=True).fit(counts)
    for idf in (ref.idf_.astype(np.float32), ref.idf_):
        ref.idf_ = idf
        for block in (4096, 7, 1):  # the norms a block of rows at a time: the blocks' edges change nothing
            ours = tfidf_transform(sparse.csr_array(counts, copy=True), idf, rows_per_block=block)
            _same(sparse.csr_matrix(ours), ref.transform(counts.copy()))


def test_fitted_linear_models_score_as_logistic_regression(fitted):
    from sklearn.linear_model import LogisticRegression

    sug, X = fitted
    clf = sug.classifier_
    feats = clf._features(list(X))
    y = np.arange(feats.shape[0]) % 3 == 0
    model = LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear", dual=True).fit(feats, y)
    ours = FittedLinear.of(model)
    assert np.array_equal(ours.decision_function(feats), model.decision_function(feats))
    assert all(isinstance(m, FittedLinear) for m in clf.models_.values()) and clf.models_
    with pytest.raises(ValueError, match="features"):
        ours.decision_function(feats[:, :10])


def test_suggesters_keep_scikit_learns_estimator_protocol(fitted):
    from sklearn.base import BaseEstimator, clone

    sug, _ = fitted

    class Reference(BaseEstimator):  # the same signature, scikit-learn's own get_params
        __init__ = Suggester.__init__

    ref = Reference(sug.codebook, C=2.0, blend_k=3.0)
    ours = Suggester(sug.codebook, C=2.0, blend_k=3.0)
    assert ours.get_params() == ref.get_params() and ours.get_params(deep=False) == ref.get_params(deep=False)
    twin = clone(ours)
    assert type(twin) is Suggester and twin is not ours and twin.get_params() == ours.get_params()
    assert ours.set_params(C=1.0).C == 1.0
    with pytest.raises(ValueError, match="no_such"):
        ours.set_params(no_such=1)
    assert repr(ours) == "Suggester(C=1.0, blend_k=3.0, codebook=" + repr(sug.codebook) + ")"
    from sklearn.utils import get_tags

    assert get_tags(ours).estimator_type is None  # scikit-learn's tools read its default tags


def test_a_saved_model_loads_and_scores_without_importing_scikit_learn(fitted, tmp_path):
    """Importing scikit-learn costs most of a second of every `suggest run`: scoring does not need it."""
    import subprocess
    import sys

    sug, X = fitted
    blob = tmp_path / "model.npz"
    blob.write_bytes(sug.to_bytes())
    texts = [" ".join(t.lemma for t in toks) for toks in X[:40]]
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from qualcode.core.codebook import default_codebook\n"
        "from qualcode.suggest.estimator import Suggester\n"
        f"d = Path({str(tmp_path)!r})\n"
        "s = Suggester.from_bytes((d / 'model.npz').read_bytes(), default_codebook())\n"
        "texts = json.loads((d / 'texts.json').read_text(encoding='utf-8'))\n"
        "S, _ = s.predict_scores(texts)\n"
        "found = s.suggestions(list(range(len(texts))), texts)\n"
        "print(json.dumps({'sklearn': [m for m in sys.modules if m.split('.')[0] == 'sklearn'],\n"
        "                  'scores': S.tolist(), 'n': len(found)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sklearn"] == []
    S, _ = sug.predict_scores(texts)
    assert np.array_equal(np.asarray(out["scores"]), S, equal_nan=True)  # the same floats as in this process
    assert out["n"] == len(sug.suggestions(list(range(len(texts))), texts)) > 0
