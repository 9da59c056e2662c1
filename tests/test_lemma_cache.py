"""simplemma's Swedish dictionary decoded once per installation: same lemmas, a cache that cannot hurt."""

from __future__ import annotations

import subprocess
import sys

import pytest
import simplemma

from qualcode.nlp import lemmas

WORDS = ["arbetslokalerna", "lönen", "husen", "Östermalm", "handläggarna", "xyzzyq", "gick", "är",
         "socialsekreterarna", "kontorslokal", "ÅÄÖ", "e-post", "brukar-", "3", "12,5", "mentorn"]


def test_lemmas_and_known_words_are_simplemmas_own():
    for word in WORDS:
        assert lemmas.lemmatize(word) == simplemma.lemmatize(word, lang="sv"), word
        assert lemmas.is_known(word) == simplemma.is_known(word, lang="sv"), word
    assert lemmas._strategies() is not None  # this simplemma is the one the cache is written for


def test_the_dictionary_is_decoded_once_and_then_read_from_the_cache(tmp_path, monkeypatch):
    from simplemma.strategies.dictionaries import dictionary_factory as shipped

    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path / "c"))
    first = lemmas._cached_dictionary("sv")
    files = list((tmp_path / "c").glob("simplemma-*-sv-*.marshal"))
    assert len(files) == 1 and not list((tmp_path / "c").glob("*.tmp"))

    def no_decoding(lang: str):  # type: ignore[no-untyped-def]
        raise AssertionError("decoded again")

    monkeypatch.setattr(shipped, "_load_dictionary_from_disk", no_decoding)
    again = lemmas._cached_dictionary("sv")
    assert again.get("husen") == first.get("husen") == "hus" and len(again) == len(first)


@pytest.mark.parametrize("damage", [b"", b"not marshal at all", b"\xe9\x00\x00\x00\x00"])
def test_a_damaged_cache_is_decoded_again_and_rewritten(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path))
    lemmas._cached_dictionary("sv")
    (path,) = tmp_path.glob("*.marshal")
    path.write_bytes(damage)
    assert lemmas._cached_dictionary("sv").get("husen") == "hus"
    assert len(path.read_bytes()) > 1_000_000  # written whole again


def test_an_unwritable_cache_folder_only_costs_the_decoding(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("QUALCODE_CACHE", str(blocker / "cache"))
    assert lemmas._cached_dictionary("sv").get("husen") == "hus"


def test_a_new_process_reads_the_cache_without_decoding(tmp_path):
    env_code = (
        "from simplemma.strategies.dictionaries import dictionary_factory as shipped\n"
        "calls = []\n"
        "real = shipped._load_dictionary_from_disk\n"
        "shipped._load_dictionary_from_disk = lambda lang: calls.append(lang) or real(lang)\n"
        "from qualcode.nlp.pipeline import lemma_of\n"
        "print(lemma_of('arbetslokalerna'), len(calls))\n"
    )
    import os

    env = {**os.environ, "QUALCODE_CACHE": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, env=env, timeout=120)
            for _ in range(2)]
    assert [r.stdout.split() for r in runs] == [["arbetslokal", "1"], ["arbetslokal", "0"]], [r.stderr for r in runs]
