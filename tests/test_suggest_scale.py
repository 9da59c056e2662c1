"""Suggesting at scale: reasons from the batch's TF-IDF rows, the coder index for `tag`."""

from __future__ import annotations

import csv
import random

import pytest

from qualcode.coding.service import add_codes
from qualcode.project import init_project
from qualcode.suggest.classifier import lemma_text
from qualcode.suggest.estimator import tokenize
from qualcode.suggest.service import load_project_suggester, suggest_project, train_project

FRAGMENTS = {
    "P13": ["lokalerna är för trånga", "vi saknar tysta rum för samtal", "datorerna är gamla och långsamma"],
    "T-LON": ["lönen är för låg", "löneutvecklingen är dålig", "lönesättningen känns orättvis"],
    "P03": ["arbetsbelastningen är för hög", "vi har för många ärenden", "bemanningen räcker inte"],
    "T-KLIMAT": ["stämningen i gruppen är god", "kollegorna är fantastiska", "vi har bra sammanhållning"],
}
FILLER = ["det är som det är", "i övrigt fungerar det", "på min enhet", "under hösten", "i Farsta"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    rnd = random.Random(3)
    rows = []
    for i in range(160):
        chosen = rnd.sample(sorted(FRAGMENTS), rnd.choice([1, 1, 2]))
        parts = [rnd.choice(FRAGMENTS[c]) for c in chosen] + rnd.sample(FILLER, rnd.randint(0, 2))
        rnd.shuffle(parts)
        rows.append((f"r{i:03d}", ". ".join(p[0].upper() + p[1:] for p in parts) + ".", chosen))
    path = root / "enkat.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["id", "kommentar"])
        w.writerows((r, t) for r, t, _ in rows)
    proj = init_project(root / "p", coder="anna")
    from qualcode.ingest.service import import_survey

    import_survey(proj, path, ["kommentar"], id_column="id")
    codes = {r: c for r, _, c in rows[:80]}
    for seg in list(proj.store.iter_segments()):
        rid = seg.document_name.split(":")[1]
        if rid in codes:
            add_codes(proj, [seg.id], codes[rid])
    train_project(proj, cv=0)
    yield proj
    proj.close()


def _old_top_terms(clf, code, tokens, n=3):
    """top_terms as it was: one TfidfVectorizer.transform per suggestion."""
    from spacy.lang.sv.stop_words import STOP_WORDS

    model = clf.models_.get(code)
    if model is None:
        return []
    row = clf.word_vectorizer_.transform([lemma_text(tokens, clf.pos_filter)])
    coef = model.coef_[0, : row.shape[1]]
    contrib = [(float(v * coef[i]), i) for i, v in zip(row.indices, row.data) if coef[i] > 0]
    contrib.sort(reverse=True)
    names = clf.word_vectorizer_.get_feature_names_out()
    terms = [str(names[i]) for _, i in contrib]
    return [t for t in terms if not all(w in STOP_WORDS for w in t.split())][:n]


def _old_reason(sug, code, hit, tokens):
    parts = [hit.reason] if hit is not None else []
    if code in sug.calibrators_ and sug.classifier_ is not None:
        words = _old_top_terms(sug.classifier_, code, tokens)
        parts.append(f"modell ({sug.n_positives_[code]} kodade exempel, vikt {sug.alpha_[code]:.0%})"
                     + (f": {', '.join(words)}" if words else ""))
    return "; ".join(parts) or "modell"


def test_stored_reasons_are_the_per_suggestion_reasons(project):
    result = suggest_project(project)
    assert result.n_suggestions > 20
    sug = load_project_suggester(project)
    assert sug.classifier_ is not None and sug.classifier_.models_
    stored = [(c, s) for c, s in project.store.iter_coded_segments(sources=("suggested",))]
    assert len(stored) == result.n_suggestions
    with_terms = 0
    for coding, seg in stored:
        tokens = tokenize([seg.text], nlp=project.nlp())[0]
        hit = {h.code_id: h for h in sug.rules_.hits(tokens)}.get(coding.code_id)
        assert coding.reason == _old_reason(sug, coding.code_id, hit, tokens)
        with_terms += "modell (" in coding.reason and ": " in coding.reason.split("modell (", 1)[1]
    assert with_terms > 10  # the model's top terms are in the reasons compared, not only keywords


def test_reasons_take_one_transform_per_batch(project, monkeypatch):
    from qualcode.suggest import classifier

    sug = load_project_suggester(project)
    vec = sug.classifier_.word_vectorizer_
    calls: list[int] = []
    own: list[int] = []  # the vectorizer's own transform: the batch's words are counted by word_tfidf
    real, real_transform = classifier.word_tfidf, vec.transform
    monkeypatch.setattr(classifier, "word_tfidf", lambda v, texts: calls.append(len(texts)) or real(v, texts))
    monkeypatch.setattr(vec, "transform", lambda texts: own.append(len(texts)) or real_transform(texts))
    segs = list(project.store.iter_segments())
    X = tokenize([s.text for s in segs], nlp=project.nlp())
    out = sug.suggestions([s.id for s in segs], X)
    # was one transform per suggestion besides the batch's
    assert len(out) > 20 and calls == [len(segs)] and own == []


def test_reviewed_by_coder_uses_the_coder_index(project):
    plan = project.store.conn.exec_driver_sql(  # SQLite's planner
        "EXPLAIN QUERY PLAN SELECT segment_id FROM codings c WHERE c.coder = ? "
        "AND c.source IN ('manual', 'accepted', 'rejected')", ("anna",),
    ).fetchall()
    assert any("codings_coder" in str(tuple(r)) for r in plan)
    assert len(project.store.reviewed("anna")) == 80


def test_the_reimport_check_finds_documents_by_index(project):
    """An import looks every document up by name or source; a scan would make imports quadratic."""
    plan = project.store.conn.exec_driver_sql(  # the query Store.documents_like runs, on SQLite's planner
        "EXPLAIN QUERY PLAN SELECT * FROM documents WHERE (name = ? OR source = ?) ORDER BY id",
        ("x", "y"),
    ).fetchall()
    text = " ".join(str(tuple(r)) for r in plan)
    assert "documents_name" in text and "documents_source" in text and "SCAN documents" not in text


def _open_suggestions(project):
    return {(c.segment_id, c.code_id): (c.score, c.reason)
            for c, _ in project.store.iter_codings(sources=("suggested",))}


def test_suggest_run_reads_stored_lemmas_not_the_pipeline(project, monkeypatch):
    """Segments are scored from the lemmas stored at import: the pipeline never runs over them."""
    from spacy.language import Language

    def refuse(*a, **k):
        raise AssertionError("nlp.pipe ran over stored segments")

    monkeypatch.setattr(Language, "pipe", refuse)
    monkeypatch.setattr(Language, "__call__", refuse)
    result = suggest_project(project, segments="all")
    assert result.n_segments == 160 and result.n_suggestions > 20


def test_suggest_run_commits_per_batch_and_a_crash_keeps_whole_batches(project, monkeypatch):
    """Batches of 25 are scored, 50 segments stored per transaction: a crash in the second keeps the first."""
    import qualcode.suggest.service as service

    suggest_project(project, segments="all")
    before = _open_suggestions(project)
    order = [s.id for s in project.store.iter_segments()]
    monkeypatch.setattr(service, "BATCH_SIZE", 25)
    monkeypatch.setattr(service, "STORE_SIZE", 50)
    store = project.store
    real_add = store.add_suggestions
    real_suggestions = service.Suggester.suggestions
    calls = []

    def scoring(self, keys, X, min_score=None):
        assert not store.in_transaction  # scoring holds no write lock: other coders can save meanwhile
        return real_suggestions(self, keys, X, min_score=min_score)

    def add(coder, rows):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("kraschade mitt i omgång 2")
        return real_add(coder, rows)

    monkeypatch.setattr(service.Suggester, "suggestions", scoring)
    monkeypatch.setattr(store, "add_suggestions", add)
    with pytest.raises(RuntimeError):
        suggest_project(project, segments="all", min_score=0.01)  # many more suggestions than before
    after = _open_suggestions(project)
    first, rest = set(order[:50]), set(order[50:])
    new_first = {k: v for k, v in after.items() if k[0] in first}
    assert len(new_first) > len({k for k in before if k[0] in first})  # batch 1 stored with the new threshold
    assert {k: v for k, v in after.items() if k[0] in rest} == {k: v for k, v in before.items() if k[0] in rest}
    suggest_project(project, segments="all")  # leave the module's project as it was


def test_select_segment_ids_and_segments_to_score_match_iter_segments(project):
    store = project.store
    for filters in ({}, {"uncoded": True}, {"unit": "response"}, {"kind": "survey", "uncoded": True},
                    {"document": store.iter_segments().__next__().document_id}):
        segs = list(store.iter_segments(**filters))
        assert list(store.select_segment_ids(**filters)) == [s.id for s in segs]
        lean = store.segments_to_score([s.id for s in segs])
        assert [(s.id, s.text, s.lemmas, s.role, s.section, s.start, s.end) for s in lean] == \
            [(s.id, s.text, s.lemmas, s.role, s.section, s.start, s.end) for s in segs]
    assert len(list(store.select_segment_ids(uncoded=True))) == 80


def test_two_scoring_processes_store_what_one_does(project, monkeypatch):
    import qualcode.suggest.service as service

    monkeypatch.setattr(service, "BATCH_SIZE", 30)  # 160 segments: six batches, several in flight
    one = suggest_project(project, segments="all", workers=1)
    stored_one = _open_suggestions(project)
    pooled = []
    real = project.store.segments_to_score

    def read(ids):
        pooled.append(bool(service._WORKER))  # set only while batches go to forked scoring processes
        return real(ids)

    monkeypatch.setattr(project.store, "segments_to_score", read)
    two = suggest_project(project, segments="all", workers=2)
    assert (two.n_suggestions, two.per_code, two.removed) == (one.n_suggestions, one.per_code, one.n_suggestions)
    assert _open_suggestions(project) == stored_one
    assert pooled == [True] * 6


def test_the_garbage_collector_settings_come_back_after_a_suggestion_run(project):
    """A run freezes what exists before it (the model, the pipeline) and collects young objects less
    often (qualcode.core.collector.fewer_collections); afterwards the process has its own settings."""
    import gc

    saved = gc.get_threshold()
    gc.set_threshold(600, 9, 8)
    seen = []
    real = project.store.add_suggestions
    project.store.add_suggestions = lambda *a: seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0)) or real(*a)
    try:
        suggest_project(project)
        assert seen and set(seen) == {(50_000, True)}
        assert (gc.get_threshold(), gc.get_freeze_count()) == ((600, 9, 8), 0)
    finally:
        del project.store.add_suggestions
        gc.set_threshold(*saved)


def test_the_background_retraining_stores_the_same_in_smaller_batches(project, monkeypatch):
    """retrain_project stores RETRAIN_BATCH_SIZE segments per write transaction (a coder's save waits
    for one of them at most); what it stores does not depend on the batch size."""
    import qualcode.suggest.service as service

    suggest_project(project, segments="all")
    stored = _open_suggestions(project)
    assert stored
    suggest_project(project, segments="all", batch_size=7)
    assert _open_suggestions(project) == stored
    batches = []
    real = project.store.delete_suggestions

    def delete(segment_ids=None, coder=None):
        batches.append(len(segment_ids or ()))
        return real(segment_ids, coder=coder)

    monkeypatch.setattr(project.store, "delete_suggestions", delete)
    monkeypatch.setattr(service, "RETRAIN_BATCH_SIZE", 30)
    monkeypatch.setattr(service, "train_project", lambda p, cv: None)  # keep the module's model
    result = service.retrain_project(project)
    n = result.n_segments
    assert n > 30 and batches == [30] * (n // 30) + ([n % 30] if n % 30 else [])
    monkeypatch.undo()
    suggest_project(project, segments="all")  # leave the module's project as it was
    assert _open_suggestions(project) == stored


def test_a_whole_run_takes_a_bulk_writes_page_cache_and_a_background_retraining_does_not(project, monkeypatch):
    import contextlib

    import qualcode.suggest.service as service

    used = []

    @contextlib.contextmanager
    def bulk():
        used.append(True)
        yield project.store

    monkeypatch.setattr(project.store, "bulk_writes", bulk)
    suggest_project(project, segments="all", batch_size=service.RETRAIN_BATCH_SIZE)
    assert used == []
    suggest_project(project, segments="all")
    assert used == [True]
