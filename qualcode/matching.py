"""Lemma matching that understands Swedish compounds.

`lokal` matches `arbetslokal` (head of a compound) and `lokalfråga` (first part);
`handledning` matches `ärendehandledning`. Short keywords only match whole words or
compound heads with a real first part, so `lön` does not match `belöning`.
"""

from __future__ import annotations

from collections.abc import Sequence

from .nlp import lemma_of

MIN_HEAD_PREFIX = 3   # a compound's first part must be at least this long
MIN_MODIFIER_LEN = 4  # a keyword used as a first part must be at least this long
MIN_REST = 3          # and what follows it at least this long


def compound_match(keyword: str, lemma: str) -> bool:
    """Does the keyword lemma occur in `lemma` as the whole word or a compound part?"""
    if keyword == lemma:
        return True
    if "-" in lemma:  # it-stöd, hr-konsult
        return any(compound_match(keyword, part) for part in lemma.split("-") if part)
    n = len(keyword)
    if len(lemma) - n >= MIN_HEAD_PREFIX and lemma.endswith(keyword):
        return True
    if n >= MIN_MODIFIER_LEN and lemma.startswith(keyword):
        rest = lemma[n:]
        if rest.startswith("s") and len(rest) - 1 >= MIN_REST:
            return True
        return len(rest) >= MIN_REST
    return False


def phrase_lemmas(phrase: str) -> tuple[str, ...]:
    """Lemmas of a keyword or search phrase (words split on whitespace)."""
    return tuple(lemma_of(w.lower().strip(".,;:!?\"'()")) for w in phrase.split() if w.strip(".,;:!?\"'()"))


def find_phrase(phrase: Sequence[str], lemmas: Sequence[str]) -> list[int]:
    """Start positions where the lemma phrase occurs; the last word may be a compound part,
    earlier words must match exactly (so `eget rum` matches `eget arbetsrum`)."""
    n = len(phrase)
    if n == 0:
        return []
    hits = []
    for i in range(len(lemmas) - n + 1):
        if all(lemmas[i + j] == phrase[j] for j in range(n - 1)) and compound_match(phrase[-1], lemmas[i + n - 1]):
            hits.append(i)
    return hits


def matches_all(query: Sequence[Sequence[str]], lemmas: Sequence[str]) -> list[str]:
    """Words of `lemmas` that match each query phrase; empty if any phrase is missing."""
    found: list[str] = []
    for phrase in query:
        starts = find_phrase(phrase, lemmas)
        if not starts:
            return []
        found.extend(" ".join(lemmas[s : s + len(phrase)]) for s in starts)
    return list(dict.fromkeys(found))
