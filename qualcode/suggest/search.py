"""Lemma search that understands Swedish compounds (used by `qualcode code search`).

Word matching is the codebook rules' `rules.word_matches`, so a search for `lokal` finds
what the rule for the keyword `lokal` finds: `arbetslokalerna`, `kontorslokal`,
`lokalfrågor` — and `lön` does not find `belöning`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qualcode.nlp.pipeline import lemma_of, word_lemma
from qualcode.suggest.rules import word_matches


def compound_match(keyword: str, lemma: str) -> bool:
    """Does the keyword lemma occur in `lemma` as the whole word or a compound part?"""
    return word_matches(lemma, lemma, keyword)


# punctuation around a word, quotation marks included: Swedish ”…” and »…«, typographic “…” „…“ ‘…’ and «…»,
# so that ”eget rum” is the phrase "eget rum"
_AROUND = ".,;:!?\"'()”“„«»‘’‚‹›"


def phrase_lemmas(phrase: str) -> tuple[str, ...]:
    """Lemmas of a keyword or search phrase (words split on whitespace, quotation marks dropped)."""
    return tuple(lemma_of(w.lower().strip(_AROUND)) for w in phrase.split() if w.strip(_AROUND))


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


def matches_any(query: Sequence[Sequence[str]], lemmas: Sequence[str]) -> list[str]:
    """Words of `lemmas` that match any query phrase (commas in a search are OR, as a user reads them)."""
    found: list[str] = []
    for phrase in query:
        found.extend(" ".join(lemmas[s : s + len(phrase)]) for s in find_phrase(phrase, lemmas))
    return list(dict.fromkeys(found))


def matches_all(query: Sequence[Sequence[str]], lemmas: Sequence[str]) -> list[str]:
    """Words of `lemmas` that match each query phrase; empty if any phrase is missing."""
    found: list[str] = []
    for phrase in query:
        starts = find_phrase(phrase, lemmas)
        if not starts:
            return []
        found.extend(" ".join(lemmas[s : s + len(phrase)]) for s in starts)
    return list(dict.fromkeys(found))


_WORD = re.compile(r"\w+")


def hit_spans(query: str, text: str) -> list[tuple[int, int]]:
    """Where in `text` the phrases of a search (comma-separated, as `search` reads them) stand:
    (start, end) of each matching word or run of words, sorted and merged, for showing a hit with
    its words marked. The words are read again from the text (runs of letters and digits, each
    with its lemma as stored), so a mark can differ from the stored tokens where the tokenizer
    splits otherwise; the hit itself is the stored lemmas'."""
    phrases = [p for p in (phrase_lemmas(q) for q in query.split(",") if q.strip()) if p]
    words = [(m.start(), m.end(), word_lemma(m.group().lower())) for m in _WORD.finditer(text)]
    words = [w for w in words if w[2]]
    lemmas = [str(w[2]) for w in words]
    spans = sorted((words[s][0], words[s + len(p) - 1][1]) for p in phrases for s in find_phrase(p, lemmas))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
