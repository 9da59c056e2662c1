"""Segmentation: offsets into the stored text (å ä ö, CRLF), units, lemmas."""

from __future__ import annotations

import pytest

from qualcode.core.errors import InputError
from qualcode.ingest.readers import paragraphs
from qualcode.nlp.pipeline import lemma_of, load_pipeline
from qualcode.ingest.segment import segment_texts

TEXT = "Åsa på Östermalm: arbetslokalerna är trånga.  Vi saknar tysta rum!\n\n\n  Ärendehandledningen fungerar. Bra.\n"


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def test_paragraph_spans_trim_whitespace():
    spans = paragraphs(TEXT)
    assert [TEXT[a:b] for a, b in spans] == [
        "Åsa på Östermalm: arbetslokalerna är trånga.  Vi saknar tysta rum!",
        "Ärendehandledningen fungerar. Bra.",
    ]


@pytest.mark.parametrize("unit, expected", [
    ("paragraph", ["Åsa på Östermalm: arbetslokalerna är trånga.  Vi saknar tysta rum!", "Ärendehandledningen fungerar. Bra."]),
    ("sentence", ["Åsa på Östermalm: arbetslokalerna är trånga.", "Vi saknar tysta rum!", "Ärendehandledningen fungerar.", "Bra."]),
    ("response", [TEXT.strip()]),
])
def test_offsets_point_into_the_text(nlp, unit, expected):
    segs = list(segment_texts(nlp, [(7, TEXT)], unit))
    assert [TEXT[s.start:s.end] for s in segs] == expected
    assert [s.idx for s in segs] == list(range(len(expected)))
    assert {s.document_id for s in segs} == {7}


def test_lemmas_are_stored_lowercase_without_punctuation(nlp):
    seg = next(segment_texts(nlp, [(1, "Arbetslokalerna och Socialsekreterarna, omorganisationer!")], "response"))
    assert seg.lemmas == "arbetslokal och socialsekreterare omorganisation"


def test_simplemma_lemmas_for_known_problem_words():
    assert [lemma_of(w) for w in ["arbetslokalerna", "socialsekreterarna", "omorganisationer", "med"]] == [
        "arbetslokal", "socialsekreterare", "omorganisation", "med"]


def test_unknown_unit(nlp):
    with pytest.raises(InputError, match="okänd segmentenhet 'ord'"):
        list(segment_texts(nlp, [(1, "x")], "ord"))


def test_trained_pipeline_splits_sentences_with_its_parser():
    pytest.importorskip("sv_ud_ner_sm", reason="the development pipeline is not installed")
    nlp = load_pipeline("sv_ud_ner_sm")
    assert "parser" in nlp.pipe_names and "qualcode_lemmatizer" in nlp.pipe_names
    text = "Bra. Ärendehandledningen fungerar\n\nArbetslokalerna är trånga."
    sents = list(segment_texts(nlp, [(1, text)], "sentence"))
    assert [text[s.start:s.end] for s in sents] == ["Bra.", "Ärendehandledningen fungerar", "Arbetslokalerna är trånga."]
    assert sents[1].lemmas == "ärendehandledning fungera"


def test_trained_lemma_accuracy_reads_fraction_or_percent_from_meta():
    from qualcode.nlp.pipeline import _trained_lemma_accuracy

    assert _trained_lemma_accuracy({"performance": {"lemma_acc": 0.934}}) == pytest.approx(93.4)
    assert _trained_lemma_accuracy({"performance": {"lemma_acc": 92.13}}) == pytest.approx(92.13)
    assert _trained_lemma_accuracy({"performance": {}}) is None
    assert _trained_lemma_accuracy({}) is None


def _through_segments(nlp, documents, unit):
    """Segments as the general path makes them: every piece from _pieces, tokenized, through _segments."""
    from qualcode.ingest import segment

    pieces = (p + (text,) for doc_id, text in documents for p in segment._pieces(doc_id, text, unit))
    stream = ((text[a:b], (d, a, role, section)) for d, a, b, role, section, text in pieces)
    return list(segment._segments(((nlp.make_doc(t), t, c) for t, c in stream), unit, False, {}))


@pytest.mark.parametrize("unit", ["response", "paragraph"])
def test_the_tokenizer_only_paths_give_the_general_paths_segments(nlp, unit, monkeypatch):
    from qualcode.ingest import segment

    monkeypatch.setattr(segment, "MAX_PIECE", 60)  # long answers are cut in pieces
    texts = [
        TEXT, "", "   \n ", "  Bra.  ", "\u00a0Hej på dig\u00a0\n", "# Mål\n\nVi vill. Det gick bra!\n\n  \n\nSlut",
        "Långt svar om arbetsmiljön och lokalerna. " * 5, "ord" * 50 + " sista", "\n\nEtt stycke\n\n\n\nTvå stycken\n",
    ]
    documents = list(enumerate(texts * 2))  # every document twice: the lemma cache is warm the second time
    assert list(segment_texts(nlp, documents, unit)) == _through_segments(nlp, documents, unit)
    assert any(s.idx > 0 for s in _through_segments(nlp, documents, unit))


def _interrupt_handler() -> object:
    import signal

    return signal.getsignal(signal.SIGINT)


def test_forked_workers_leave_ctrl_c_to_the_parent():
    """A forked worker ignores Ctrl-C: the parent stops the work and rolls back, and no worker prints
    its own traceback (an interrupted import then leaves the project as it was, without noise)."""
    import signal

    from qualcode.core.workers import can_fork, forked_pool

    if not can_fork():
        pytest.skip("no fork on this system")
    with forked_pool(1) as pool:
        assert pool.submit(_interrupt_handler).result() == signal.SIG_IGN
