"""Keyword rules: lemmas, Swedish compounds, phrases, exclude rules and reasons."""

from __future__ import annotations

import pytest

from qualcode.core.codebook import Code, build_codebook, default_codebook
from qualcode.core.errors import CodebookError
from qualcode.suggest.rules import KeywordRules, Token, tokens_from_doc, tokens_from_lemmas, word_matches


@pytest.fixture(scope="module")
def nlp():
    from qualcode.nlp.pipeline import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="module")
def rules():
    return KeywordRules(default_codebook())


def hits(rules, nlp, text):
    return {h.code_id: h for h in rules.hits(tokens_from_doc(nlp(text)))}


@pytest.mark.parametrize(
    ("word", "keyword"),
    [
        ("arbetslokalerna", "lokal"),
        ("kontorslokal", "lokal"),
        ("ärendehandledningen", "handledning"),
        ("enhetschef", "chef"),
        ("enhetscheferna", "chef"),
        ("lokalfrågorna", "lokal"),  # first part, rest is a word
        ("månadslön", "lön"),
        ("lönekriterier", "lön"),  # linking -e-
        ("chefsstödet", "chef"),  # linking -s-
    ],
)
def test_compounds_match(word, keyword):
    from qualcode.nlp.pipeline import lemma_of

    assert word_matches(word, lemma_of(word), keyword)


@pytest.mark.parametrize(
    ("word", "keyword"),
    [
        ("belöning", "lön"),  # `lön` inside a word that is not a compound of it
        ("belöningen", "lön"),
        ("lokalisera", "lokal"),  # rest `isera` is not a word
        ("lönsamhet", "lön"),  # `amhet` is not a word
        ("socialsekreterare", "sekreterare"),  # lexicalised compound, not admin staff
        ("handledning", "ledning"),
        ("chefer", "chefsstöd"),
        ("it", "dator"),
    ],
)
def test_non_matches(word, keyword):
    from qualcode.nlp.pipeline import lemma_of

    assert not word_matches(word, lemma_of(word), keyword)


def test_compounds_in_sentences_and_reason(rules, nlp):
    found = hits(rules, nlp, "Arbetslokalerna är för små.")
    assert set(found) == {"P13"}
    assert found["P13"].keywords == ("lokal",)
    assert found["P13"].words == ("arbetslokalerna",)
    assert found["P13"].reason == "nyckelord: arbetslokalerna→lokal"
    assert found["P13"].score == 0.5
    assert set(hits(rules, nlp, "Ärendehandledningen fungerar bra.")) == {"P08"}
    assert set(hits(rules, nlp, "Belöningen uteblev.")) == set()


def test_more_keywords_score_higher(rules, nlp):
    found = hits(rules, nlp, "Lokalerna är trånga och datorerna är gamla.")
    assert found["P13"].score == 0.875  # lokal, trångt, dator
    assert set(found["P13"].keywords) == {"lokal", "trångt", "dator"}


def test_longest_keyword_in_a_word_wins(rules, nlp):
    # handledarutbildning is a P11 keyword and an exclude keyword of P08 and P10
    found = hits(rules, nlp, "Två av oss har gått handledarutbildning.")
    assert set(found) == {"P11"}


def test_multiword_phrase(rules, nlp):
    found = hits(rules, nlp, "Vi har alldeles för många ärenden per person.")
    assert "P03" in found
    assert "för många ärende" in found["P03"].keywords


def test_exclude_keywords_stop_the_code(rules, nlp):
    assert "P13" in hits(rules, nlp, "Datorerna är långsamma.")
    # P13 excludes `verksamhetssystem`: the IT system is T-IT, not equipment
    found = hits(rules, nlp, "Datorerna och verksamhetssystemet är långsamma.")
    assert "P13" not in found
    assert "T-IT" in found


def test_whole_answer_alias(rules, nlp):
    found = hits(rules, nlp, "adm stöd chefer")
    assert set(found) == {"P07"}


def test_lemma_only_tokens(rules):
    found = {h.code_id for h in rules.hits(tokens_from_lemmas("vi sakna tyst rum i arbetslokal"))}
    assert found == {"P13"}


def test_pos_filter_skips_adjective_lokal():
    cb = build_codebook([Code("L", "Lokaler", keywords=("lokal",))])
    plain, pos = KeywordRules(cb), KeywordRules(cb, use_pos=True)
    toks = [Token("lokala", "lokal", "ADJ"), Token("forum", "forum", "NOUN")]
    assert [h.code_id for h in plain.hits(toks)] == ["L"]
    assert pos.hits(toks) == []
    assert [h.code_id for h in pos.hits([Token("lokaler", "lokal", "NOUN")])] == ["L"]


def test_codebook_without_keywords_is_refused():
    cb = build_codebook([Code("A", "Ett"), Code("B", "Två")])
    with pytest.raises(CodebookError, match="inga nyckelord"):
        KeywordRules(cb)


def test_keyword_lemma_is_not_a_different_word():
    # simplemma lemmatises `it` to `se`; the keyword must not start matching `ser`
    cb = build_codebook([Code("IT", "IT", keywords=("it",))])
    rules = KeywordRules(cb)
    assert rules.hits([Token("ser", "se")]) == []
    assert [h.code_id for h in rules.hits([Token("it", "se")])] == ["IT"]
