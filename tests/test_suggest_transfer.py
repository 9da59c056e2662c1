"""Suggestions that carry over: codebook text as evidence, her own coding weighing more, keyword
specificity learned in the project, thresholds pulled towards a global one, the learning curve."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.core.codebook import build_codebook, code_from_mapping
from qualcode.suggest.estimator import Suggester, codebook_rows, label_matrix, tokenize
from qualcode.suggest.evaluate import learning_curve

runner = CliRunner()


def _codebook(**extra):  # type: ignore[no-untyped-def]
    lok = {"id": "LOK", "name": "Arbetslokaler", "keywords": ["lokal", "kontor"],
           "definition": "Hur arbetsplatsen och rummen fungerar.",
           "include": "ventilation, buller; skrivbord", "exclude": "lön för lokalvårdare (LON)"}
    lok.update(extra)
    codes = [
        code_from_mapping(lok, "test"),
        code_from_mapping({"id": "LON", "name": "Lön", "keywords": ["lön"]}, "test"),
        code_from_mapping({"id": "G", "name": "Grupp", "kind": "group"}, "test"),
    ]
    return build_codebook(codes, name="test")


LOK_TEXTS = [
    "Lokalerna är trånga och det finns inga tysta rum.",
    "Kontoret är ljust men lokalen är kall på vintern.",
    "Vi har flyttat till nya lokaler i centrum.",
    "Lokalen saknar rum för samtal med klienter.",
    "Kontorslandskapet gör det svårt att koncentrera sig.",
]
LON_TEXTS = [
    "Lönen är för låg för erfarna handläggare.",
    "Ingångslönerna har höjts i år.",
    "Lönesamtalen hölls i maj.",
    "Många slutar på grund av lönen.",
]
OTHER_TEXTS = [
    "Familjen fick ekonomiskt bistånd i tre månader.",
    "Utredningen blev klar i tid.",
    "Vi träffade klienten i hemmet.",
    "Beslutet överklagades till förvaltningsrätten.",
    "Barnen deltog i samtalet.",
    "Handläggaren skrev journal efter mötet.",
]


def _data(cb):  # type: ignore[no-untyped-def]
    texts = LOK_TEXTS + LON_TEXTS + OTHER_TEXTS
    codes = [["LOK"]] * len(LOK_TEXTS) + [["LON"]] * len(LON_TEXTS) + [[]] * len(OTHER_TEXTS)
    return tokenize(texts), label_matrix(codes, [c.id for c in cb.leaves])


def test_codebook_rows_are_name_definition_items_and_negative_excludes():
    rows = codebook_rows(_codebook(), examples=False)
    lok = [(r.kind, r.text, dict(r.labels)) for r in rows if dict(r.labels).get("LOK") is not None]
    assert ("name", "Arbetslokaler", {"LOK": 1, "LON": 0}) in lok
    assert ("definition", "Hur arbetsplatsen och rummen fungerar.", {"LOK": 1}) in lok
    # each include item its own row; the exclude item is negative here, positive for the code it names
    assert [t for k, t, _ in lok if k == "include"] == ["ventilation", "buller", "skrivbord"]
    assert ("exclude", "lön för lokalvårdare", {"LOK": 0, "LON": 1}) in lok
    assert codebook_rows(_codebook(), examples=False, text=False) == []


def test_codebook_text_is_evidence_that_her_coding_outweighs():
    cb = _codebook()
    X, Y = _data(cb)
    probe = tokenize(["Ventilationen fungerar inte och bullret stör."])
    j = [c.id for c in cb.leaves].index("LOK")
    with_text = Suggester(cb).fit(X, Y).predict_scores(probe)[0][0, j]
    without = Suggester(cb, codebook_text=False).fit(X, Y).predict_scores(probe)[0][0, j]
    assert with_text > without  # 'ventilation' and 'buller' are only in the codebook's include text


def test_codebook_rows_weigh_less_as_she_codes_the_code(monkeypatch):
    from qualcode.suggest.classifier import CodeClassifier

    cb = _codebook()
    X, Y = _data(cb)
    seen = {}
    real = CodeClassifier.fit

    def spy(self, Xa, Ya, n_positives=None, sample_weight=None):  # type: ignore[no-untyped-def]
        seen["W"], seen["n"] = sample_weight, len(Xa)
        return real(self, Xa, Ya, n_positives=n_positives, sample_weight=sample_weight)

    monkeypatch.setattr(CodeClassifier, "fit", spy)
    Suggester(cb, prior_weight=1.0, prior_k=10.0, local_weight=2.0, imported_threshold_k=0).fit(  # one fit
        X, Y, local=[True] * 3 + [False] * 12)
    W = seen["W"]
    assert seen["n"] == len(X) + len(codebook_rows(cb))
    assert W[:3].tolist() == [[2.0, 2.0]] * 3 and W[3:15].tolist() == [[1.0, 1.0]] * 12
    # codebook rows: 10 / (10 + 5) for LOK (5 coded), 10 / (10 + 4) for LON
    assert W[15:, 0] == pytest.approx(10 / 15) and W[15:, 1] == pytest.approx(10 / 14)


def test_thresholds_shrink_towards_the_global_one_by_evidence():
    cb = _codebook()
    X, Y = _data(cb)
    free = Suggester(cb, threshold_k=0).fit(X, Y)
    pulled = Suggester(cb, threshold_k=1e6).fit(X, Y)
    for code in ("LOK", "LON"):
        assert pulled.thresholds_[code] == pytest.approx(pulled.global_threshold_, abs=1e-3)
    some = Suggester(cb, threshold_k=5).fit(X, Y)
    n = some.n_positives_["LOK"]
    expected = (n * free.thresholds_["LOK"] + 5 * some.global_threshold_) / (n + 5)
    assert some.thresholds_["LOK"] == pytest.approx(expected, abs=1e-3)


def test_thresholds_stay_near_the_imported_models_while_she_codes_little():
    cb = _codebook()
    X, Y = _data(cb)  # imported
    mine = tokenize(["Lokalen är nyrenoverad.", "Lokalen har bra ljus.", "Lönen kom i tid.",
                     "Barnen lekte i parken.", "Mötet flyttades till kontoret.", "Vi åt lunch tillsammans."])
    Xa = X + mine
    Ya = np.vstack([Y, label_matrix([["LOK"], ["LOK"], ["LON"], [], [], []], [c.id for c in cb.leaves])])
    local = [False] * len(X) + [True] * len(mine)
    imported = Suggester(cb).fit(X, Y)
    afresh = Suggester(cb, imported_threshold_k=0).fit(Xa, Ya, local=local)
    assert afresh.imported_thresholds_ == {}
    some = Suggester(cb, imported_threshold_k=4).fit(Xa, Ya, local=local)
    assert some.imported_thresholds_ == {c: imported.thresholds_[c] for c in ("LOK", "LON")}
    assert any(imported.thresholds_[c] != afresh.thresholds_[c] for c in ("LOK", "LON"))
    for code, h in (("LOK", 2), ("LON", 1)):  # her positives of the code
        expected = (h * afresh.thresholds_[code] + 4 * imported.thresholds_[code]) / (h + 4)
        assert some.thresholds_[code] == pytest.approx(expected, abs=1e-4)
    kept = Suggester(cb, imported_threshold_k=1e9).fit(Xa, Ya, local=local)
    assert kept.thresholds_ == pytest.approx(imported.thresholds_, abs=1e-4)
    # saved with the model
    again = Suggester.from_bytes(some.to_bytes(), cb)
    assert again.imported_thresholds_ == some.imported_thresholds_ and again.thresholds_ == some.thresholds_
    assert again.imported_threshold_k == 4
    # imported only, or hers only: one fit, nothing to pull towards
    assert Suggester(cb).fit(X, Y).imported_thresholds_ == {}
    assert Suggester(cb).fit(Xa, Ya, local=[True] * len(Xa)).imported_thresholds_ == {}


def test_local_codings_weigh_more_than_imported_ones():
    cb = _codebook()
    X, Y = _data(cb)
    extra = tokenize(["Lokalen städas av en firma.", "Lokalvården sköts av kommunen.",
                      "Lokalen bokades för festen."])
    Yx = label_matrix([[], [], []], [c.id for c in cb.leaves])
    Xa, Ya = X + extra, np.vstack([Y, Yx])
    probe = tokenize(["Lokalen städas varje vecka."])
    j = 0
    imported = Suggester(cb).fit(Xa, Ya, local=[False] * len(Xa)).predict_scores(probe)[0][0, j]
    own = Suggester(cb).fit(Xa, Ya, local=[False] * len(X) + [True] * 3).predict_scores(probe)[0][0, j]
    assert own < imported


def test_imported_evidence_gives_way_to_rules_and_her_coding():
    cb = _codebook()
    X, Y = _data(cb)  # 5 LOK, 4 LON positives
    imported = Suggester(cb).fit(X, Y)
    assert imported.alpha_["LOK"] == pytest.approx(5 / (5 + 10))  # no coding of hers: n_eff = n
    mine = tokenize(["Lokalen är nyrenoverad.", "Barnen lekte i parken.", "Mötet flyttades.",
                     "Handläggaren ringde tillbaka.", "Vi åt lunch tillsammans."])
    Xa = X + mine
    Ya = np.vstack([Y, label_matrix([["LOK"], [], [], [], []], [c.id for c in cb.leaves])])
    local = [False] * len(X) + [True] * 5
    own = Suggester(cb, import_k=20).fit(Xa, Ya, local=local)
    # 1 positive of hers in full, 5 imported ones at 20 / (20 + 5 segments she coded)
    n_eff = 1 + 5 * 20 / 25
    assert own.alpha_["LOK"] == pytest.approx(n_eff / (n_eff + 10))
    assert own.alpha_["LON"] == pytest.approx((4 * 20 / 25) / (4 * 20 / 25 + 10))
    assert Suggester(cb, import_k=0).fit(Xa, Ya, local=local).alpha_["LOK"] == pytest.approx(6 / 16)
    # all of it hers: nothing is discounted
    assert Suggester(cb).fit(Xa, Ya, local=[True] * len(Xa)).alpha_["LOK"] == pytest.approx(6 / 16)


def test_keyword_loses_weight_where_she_codes_otherwise():
    cb = _codebook()
    X, Y = _data(cb)
    # 'kontor' fires in segments she codes LON or nothing, in this project
    extra = tokenize(["Kontoret betalar ut lönen.", "Kontoret har öppet till fyra.", "Kontoret ringde i dag.",
                      "Kontoret skickade beslutet."])
    Yx = label_matrix([["LON"], [], [], []], [c.id for c in cb.leaves])
    Xa, Ya = X + extra, np.vstack([Y, Yx])
    own = Suggester(cb, keyword_prior=2).fit(Xa, Ya, local=[False] * len(X) + [True] * 4)
    w = own.keyword_weights_["LOK"]["kontor"]
    assert w == pytest.approx((0 + 2) / (2 * 4 + 2), abs=1e-3)  # local rows weigh 2, no positive among 4
    assert "lokal" not in own.keyword_weights_.get("LOK", {})  # never fired in her segments: full weight
    R, _ = own._rule_scores_hits(tokenize(["Kontoret är kallt."]))
    assert R[0, 0] == pytest.approx(0.5 * w, abs=1e-3)
    # imported examples teach nothing about keywords in this project
    assert Suggester(cb, keyword_prior=2).fit(Xa, Ya).keyword_weights_ == {}
    assert own.info()["keyword_weights"] == {"LOK": {"kontor": w}}


def test_learning_curve_document_and_active_order():
    cb = _codebook()
    X, Y = _data(cb)
    pts = learning_curve(Suggester(cb), X, Y, steps=(0, 5, 10, 100))
    assert [(p.order, p.k) for p in pts] == [("document", 0), ("document", 5), ("document", 10),
                                             ("active", 0), ("active", 5), ("active", 10)]
    assert [p.evaluation.n_segments for p in pts] == [15, 10, 5] * 2
    assert pts[0].evaluation.method == "document, k = 0"
    # k = 0 without training data is the rules alone, the same in both orders
    assert pts[0].to_dict()["micro"] == pts[3].to_dict()["micro"]
    # in document order the first k are coded; the rest is scored
    first = learning_curve(Suggester(cb), X, Y, steps=(5,), orders=("document",))[0]
    assert first.evaluation.micro.support == int((Y[5:] == 1).sum())


def test_learning_curve_active_order_codes_the_least_certain_first(monkeypatch):
    import qualcode.suggest.evaluate as ev

    cb = _codebook()
    X, Y = _data(cb)
    seen: list[int] = []
    real = ev._fit_or_rules

    def spy(suggester, Xs, Ys, local=None):  # type: ignore[no-untyped-def]
        seen.append(len(Xs))
        model = real(suggester, Xs, Ys, local)
        if len(seen) == 1:
            rules = model.predict_scores(X)[0]
            t = np.array([model.thresholds_[c] for c in model.code_ids])
            order = np.argsort(np.abs(rules - t).min(axis=1), kind="stable")
            spy.expected = sorted(order[:4].tolist())  # type: ignore[attr-defined]
        return model

    monkeypatch.setattr(ev, "_fit_or_rules", spy)
    pts = ev.learning_curve(Suggester(cb), X, Y, steps=(0, 4), orders=("active",))
    assert seen == [0, 4]
    scored = pts[1].evaluation.n_segments
    assert scored == len(X) - 4
    # the 4 coded are the ones nearest a threshold under the rules-only model
    rest_support = int((np.delete(Y, spy.expected, axis=0) == 1).sum())  # type: ignore[attr-defined]
    assert pts[1].evaluation.micro.support == rest_support


def test_evaluate_learning_curve_cli(tmp_path):
    cb = _codebook()
    gold = tmp_path / "ny.jsonl"
    texts = LOK_TEXTS + LON_TEXTS + OTHER_TEXTS
    codes = [["LOK"]] * len(LOK_TEXTS) + [["LON"]] * len(LON_TEXTS) + [[]] * len(OTHER_TEXTS)
    gold.write_text("".join(json.dumps({"id": str(i), "text": t, "codes": c}, ensure_ascii=False) + "\n"
                            for i, (t, c) in enumerate(zip(texts, codes))), encoding="utf-8")
    cbf = tmp_path / "cb.yaml"
    from qualcode.core.codebook import dump_codebook

    cbf.write_text(dump_codebook(cb), encoding="utf-8")
    res = runner.invoke(app, ["evaluate", "--gold", str(gold), "--codebook", str(cbf), "--learning-curve",
                              "--steps", "0,5", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["order"], r["k"], r["n_scored"]) for r in rows] == [
        ("document", 0, 15), ("document", 5, 10), ("active", 0, 15), ("active", 5, 10)]
    assert set(rows[0]["micro"]) == {"precision", "recall", "f1", "support"}
    res = runner.invoke(app, ["evaluate", "--gold", str(gold), "--codebook", str(cbf), "--learning-curve",
                              "--steps", "0,x"])
    assert res.exit_code != 0 and "ogiltiga steg" in res.output


def test_codings_imported_from_a_file_are_not_her_own(tmp_path):
    from helpers import make_project

    from qualcode.coding.service import add_codes, import_codings
    from qualcode.core.records import DocumentIn
    from qualcode.ingest.service import import_documents
    from qualcode.suggest.service import imported_segments

    p = make_project(tmp_path)
    import_documents(p, [DocumentIn("a.md", "note", "Lönen är låg.\n\nLokalerna är trånga.\n\nChefen finns nära.")],
                     "test", "note", "paragraph")
    segs = list(p.store.iter_segments())
    f = tmp_path / "k.jsonl"
    f.write_text('{"document": "a.md", "quote": "Lönen är låg", "codes": ["T-LON"]}\n'
                 '{"document": "a.md", "quote": "Lokalerna", "codes": ["P13"]}\n', encoding="utf-8")
    import_codings(p, f)
    add_codes(p, [segs[2].id], ["P05"])
    assert imported_segments(p) == {segs[0].id, segs[1].id}
    add_codes(p, [segs[1].id], ["T-PERS"])  # she codes an imported segment herself: now hers
    assert imported_segments(p) == {segs[0].id}
    via = [a.detail.get("via") for a in p.store.iter_audit() if a.action == "add"]
    assert via.count("kodningsfil:k.jsonl") == 2


# -- keyword specificity in the codebook ---------------------------------------------------


def _hits(rules, text):  # type: ignore[no-untyped-def]
    return {h.code_id: h.keywords for h in rules.hits(tokenize([text])[0])}


@pytest.fixture(scope="module")
def shipped_rules():
    from qualcode.core.codebook import default_codebook
    from qualcode.suggest.rules import KeywordRules

    return KeywordRules(default_codebook())


def test_known_other_words_are_not_their_keyword(shipped_rules):
    assert "P06" not in _hits(shipped_rules, "Kontaktsekreterarna träffar familjerna varje vecka.")
    assert _hits(shipped_rules, "Sekreteraren sköter posten.")["P06"] == ("sekreterare",)
    assert "P04" not in _hits(shipped_rules, "Vi ritar en nätverkskarta och håller nätverksmöten med familjen.")
    assert "nätverk" in _hits(shipped_rules, "Nätverket för kunskapsutbyte träffas varje månad.")["P04"]
    assert "P02" not in _hits(shipped_rules, "Jobbmentorerna arbetar med klienterna.")


def test_an_exclude_word_containing_a_keyword_is_that_word_only():
    from qualcode.suggest.rules import KeywordRules

    cb = build_codebook([code_from_mapping(
        {"id": "H", "name": "Handledning", "keywords": ["handledning", "ärendedragning"],
         "exclude_keywords": ["studenthandledning", "extern konsult"]}, "test")])
    rules = KeywordRules(cb)
    assert _hits(rules, "Studenthandledningen tar tid.") == {}
    # the word is not the keyword, but it does not stop the code's other keywords …
    assert _hits(rules, "Studenthandledningen tar tid, men ärendedragningen fungerar.") == {"H": ("ärendedragning",)}
    assert _hits(rules, "Ärendehandledningen fungerar.") == {"H": ("handledning",)}
    # … while an exclude entry that is not such a word still stops the code in the segment
    assert _hits(rules, "Ärendedragningen leds av en extern konsult.") == {}


def test_exclude_names_contexts_in_which_a_keyword_does_not_count(shipped_rules):
    from qualcode.suggest.rules import KeywordRules

    assert _hits(shipped_rules, "Nyanställda får en mentor.")["P02"] == ("nyanställd", "mentor")
    assert "P02" not in _hits(shipped_rules, "Mentorn träffar klienten varje vecka.")
    assert "P02" not in _hits(shipped_rules, "Ungdomarna får en mentor som hjälper dem.")
    cb = build_codebook([code_from_mapping(
        {"id": "I", "name": "Introduktion", "keywords": ["mentor", "introduktion"],
         "exclude_keywords": ["mentor när: klient, som arbetar"]}, "test")])
    rules = KeywordRules(cb)
    assert _hits(rules, "Varje klient har en mentor.") == {}
    assert _hits(rules, "Vi har en mentor som arbetar heltid.") == {}  # a phrase as context
    # far from the context word (more than six words away) the keyword counts again
    far = "Varje klient kom. Det var en lång dag på kontoret i går. Alla nya får en mentor."
    assert _hits(rules, far) == {"I": ("mentor",)}
    # the other keywords of the code are not affected
    assert _hits(rules, "Introduktionen ger varje klient en mentor.") == {"I": ("introduktion",)}


def test_long_segments_are_scored_in_pieces_of_the_training_length():
    cb = _codebook()
    X, Y = _data(cb)
    model = Suggester(cb).fit(X, Y)
    assert model.segment_length_ == float(np.median([len(x) for x in X]))
    long = tokenize([" ".join(LOK_TEXTS + OTHER_TEXTS)])[0]  # over twice the training segments' length
    short = X[0]
    size = int(round(model.segment_length_))
    assert len(long) > model.long_factor * size >= len(short)
    P, _rows = model.classifier_.decision_scores_rows([long, short])
    pieces = [long[s:s + size] for s in range(0, len(long) - size // 2, size // 2)]
    Q, _rows = model.classifier_.decision_scores_rows(pieces)
    out = model._long_in_pieces([long, short], P)
    np.testing.assert_allclose(out[0], Q.mean(axis=0))  # the mean of its pieces' scores
    np.testing.assert_allclose(out[1], P[1])  # a segment of the training length is scored whole
    S, _hits = model.predict_scores([long, short])
    saved = Suggester.from_bytes(model.to_bytes(), cb)
    assert saved.segment_length_ == model.segment_length_
    np.testing.assert_allclose(saved.predict_scores([long, short])[0], S)
    whole = model.set_params(long_factor=0.0).predict_scores([long, short])[0]
    lok = [c.id for c in cb.leaves].index("LOK")
    assert whole[0, lok] != pytest.approx(S[0, lok])
    np.testing.assert_allclose(whole[1], S[1])
