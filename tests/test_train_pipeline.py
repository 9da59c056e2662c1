"""Training a Swedish pipeline: readers, converters, de-duplication and the --quick path end to end."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

from qualcode.core.errors import InputError
from qualcode.nlp.train import (
    NerSentence,
    UdSentence,
    ner_to_doc,
    read_conllu,
    read_ner_io,
    remove_overlap,
    split_dev,
    ud_to_docs,
)

NLP_FIX = Path(__file__).resolve().parent / "fixtures" / "nlp"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "train_sv_pipeline.py"


@pytest.fixture(scope="module")
def vocab():
    import spacy

    return spacy.blank("sv").vocab


def test_read_ner_io_drops_untagged_sentence_and_maps_zero_to_outside():
    skipped: list[int] = []
    sents = read_ner_io(NLP_FIX / "ner-train.txt", skipped)
    assert len(sents) == 12
    assert skipped == [72]
    assert sents[0] == NerSentence(
        ("Anna", "Berg", "arbetar", "på", "Socialtjänsten", "i", "Malmö", "."),
        ("PER", "PER", "O", "O", "ORG", "O", "LOC", "O"),
    )
    assert all(s.words[0] != "Stockholms" for s in sents)


def test_read_ner_io_untagged_token_is_an_error_without_skipped_list():
    with pytest.raises(InputError, match=r"ner-train\.txt, rad 72: .*1 fält: 'plan'"):
        read_ner_io(NLP_FIX / "ner-train.txt")


def test_read_ner_io_unknown_tag_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Anna\tPER\nbor\t0\ni\t0\nLund\tPLACE\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.txt, rad 4: okänd tagg 'PLACE' — giltiga taggar: 0, O, PER"):
        read_ner_io(bad)


def test_ner_to_doc_merges_io_runs_and_splits_on_label_change_or_b_prefix(vocab):
    doc = ner_to_doc(vocab, NerSentence(
        ("Johan", "Ek", "och", "Sara", "Holm", "från", "Örebro", "Kommun", "Anna", "Eva", "."),
        ("PER", "PER", "O", "PER", "PER", "O", "LOC", "ORG", "B-PER", "B-PER", "O"),
    ))
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Johan Ek", "PER"), ("Sara Holm", "PER"), ("Örebro", "LOC"), ("Kommun", "ORG"),
        ("Anna", "PER"), ("Eva", "PER"),
    ]
    # Outside tokens are known negatives ('O'), not missing annotation.
    assert doc[2].ent_iob_ == "O"
    assert doc.text == "Johan Ek och Sara Holm från Örebro Kommun Anna Eva."


def test_read_conllu_blocks_and_words():
    sents = read_conllu(NLP_FIX / "ud-test.conllu")
    assert [s.words for s in sents][:1] == [("Handläggaren", "skriver", "ett", "beslut", ".")]
    assert len(sents) == 4


def test_read_conllu_wrong_column_count_names_line(tmp_path):
    bad = tmp_path / "bad.conllu"
    bad.write_text("# text = Hej.\n1\tHej\thej\tINTJ\t_\t_\t0\troot\t_\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.conllu, rad 2: .*10 tabbseparerade kolumner, har 9"):
        read_conllu(bad)


def test_ud_to_docs_keeps_gold_annotation():
    docs = ud_to_docs(read_conllu(NLP_FIX / "ud-test.conllu"), n_sents=10)
    assert len(docs) == 1
    doc = docs[0]
    assert len(list(doc.sents)) == 4
    first = doc[0]
    assert (first.text, first.lemma_, first.pos_, first.dep_, first.head.text) == (
        "Handläggaren", "handläggare", "NOUN", "nsubj", "skriver")


def test_remove_overlap_and_split_dev():
    train = [UdSentence("", ("A", "b")), UdSentence("", ("c",)), UdSentence("", ("a", "B"))]
    kept, removed = remove_overlap(train, [UdSentence("", ("a", "b"))])
    assert (kept, removed) == ([train[1]], 2)
    tr, dev = split_dev(list(range(9)), every=4)
    assert (tr, dev) == ([0, 1, 2, 4, 5, 6, 8], [3, 7])


def test_quick_training_converts_trains_evaluates_and_packages(tmp_path, capsys):
    import spacy

    spec = importlib.util.spec_from_file_location("train_sv_pipeline", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "out"
    rc = script.main([
        "--quick", "--ud-train", str(NLP_FIX / "ud-a.conllu"), str(NLP_FIX / "ud-b.conllu"),
        "--ud-test", str(NLP_FIX / "ud-test.conllu"),
        "--ner-train", str(NLP_FIX / "ner-train.txt"), "--ner-test", str(NLP_FIX / "ner-test.txt"),
        "--output", str(out),
    ])
    assert rc == 0, (out / "train.log").read_text(encoding="utf-8")[-2000:]
    dist = out / "packages" / "sv_qualcode_quick-0.1.0" / "dist"
    assert (dist / "sv_qualcode_quick-0.1.0-py3-none-any.whl").is_file()
    scores = json.loads((dist / "scores.json").read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == scores
    assert scores["data"] == {
        "ud_train_sentences": 9, "ud_dev_sentences": 3, "ud_test_sentences": 4, "ud_train_removed_overlap": 1,
        "ner_train_sentences": 9, "ner_dev_sentences": 2, "ner_test_sentences": 4,
        "ner_train_removed_overlap": 1, "ner_train_dropped_untagged": 1, "ner_test_dropped_untagged": 0,
    }
    for key in ("pos_acc", "lemma_acc", "dep_las", "ents_f", "lemma_acc_simplemma_gold_tok"):
        assert 0.0 <= scores[key] <= 100.0, key
    assert scores["lemma_gold_tokens"] == 19
    nlp = spacy.load(out / "model")
    assert nlp.pipe_names == ["tok2vec", "morphologizer", "trainable_lemmatizer", "parser", "ner"]
    assert sorted(nlp.get_pipe("ner").labels) == ["LOC", "MISC", "ORG", "PER"]
    assert nlp.meta["lang"] == "sv"


def test_cli_nlp_train_reports_bad_ner_file_with_line(tmp_path):
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    bad = tmp_path / "bad.txt"
    bad.write_text("Anna\tPER\nbor\tX\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "nlp", "train", "--ud-train", str(NLP_FIX / "ud-a.conllu"), "--ud-test", str(NLP_FIX / "ud-test.conllu"),
        "--ner-train", str(bad), "--ner-test", str(NLP_FIX / "ner-test.txt"), "--output", str(out), "--quick",
    ])
    assert result.exit_code == 1
    assert "bad.txt, rad 2: okänd tagg 'X'" in " ".join(result.output.split())
    assert not (out / "corpus").exists()


def test_run_parallel_stops_the_other_job_and_names_the_failed_log(tmp_path):
    from qualcode.nlp.train import TrainingError, _run_parallel

    slow = [sys.executable, "-c", "import time; print('slow started', flush=True); time.sleep(60)"]
    bad = [sys.executable, "-c", "import sys; print('trasig konfiguration'); sys.exit(3)"]
    started = time.monotonic()
    with pytest.raises(TrainingError) as err:
        _run_parallel([(slow, tmp_path / "slow.log"), (bad, tmp_path / "bad.log")], tmp_path / "all.log")
    assert time.monotonic() - started < 30
    assert "kod 3" in str(err.value) and "bad.log" in str(err.value) and "trasig konfiguration" in str(err.value)
    combined = (tmp_path / "all.log").read_text(encoding="utf-8")
    assert combined.count("$ ") == 2 and "trasig konfiguration" in combined


def test_run_parallel_appends_both_logs_in_job_order(tmp_path):
    from qualcode.nlp.train import _run_parallel

    jobs = [([sys.executable, "-c", f"print('jobb {i}')"], tmp_path / f"{i}.log") for i in (1, 2)]
    _run_parallel(jobs, tmp_path / "all.log")
    text = (tmp_path / "all.log").read_text(encoding="utf-8")
    assert text.index("jobb 1") < text.index("jobb 2")
