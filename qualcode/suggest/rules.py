"""Keyword rules from the codebook, matched on lemmas, with Swedish compounds.

A keyword matches a word when
- the word or its lemma is the keyword (or the keyword's lemma), or
- the keyword is the head (last part) of a compound: `lokal` in `arbetslokalerna`,
  `handledning` in `ärendehandledningen`, `chef` in `enhetschef`. The part before it must
  be at least 3 letters and the rest of the word must lemmatise to the keyword, so
  `lön` never matches `belöning`; or
- the keyword (at least 5 letters, or 3 before a linking -s- or -e-) is the first part and
  the rest is itself a known Swedish word: `lokal` in `lokalfrågor`, `lön` in
  `lönekriterier`, not `lokal` in `lokalisera` nor `lön` in `lönsamhet`.

Within one word only the longest matching keyword counts, so `handledarutbildning`
(P11) does not also count as `utbildning` (P10). Multi-word keywords match as a run of
words. Known other words are not their keyword (`kontaktsekreterare` is no `sekreterare`,
`nätverkskarta` no `nätverk`): a built-in list of lexicalised compounds, plus every
`exclude_keywords` entry that is one word containing one of the code's keywords. Other
`exclude_keywords` in a segment stop every rule suggestion for that code; an entry
`KEYWORD när: WORD, WORD` names contexts: the keyword does not count when one of the
words stands within a few words of it (`mentor när: klient, deltagare`).

Score of a code: 1 - 0.5**m for m distinct matched keywords (one keyword gives 0.5,
two 0.75, three 0.875). Codebook aliases (short answer names such as "adm stöd chefer")
match only when they are the whole segment, as in a questionnaire answer.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from qualcode.core.codebook import Codebook
from qualcode.core.errors import CodebookError, Hint
from qualcode.core.i18n import _

if TYPE_CHECKING:
    import numpy as np
    from spacy.tokens import Doc, Span

MIN_HEAD_PREFIX = 3  # letters before a compound head: `enhets|chef`, not `be|lön…`
MIN_FIRST_PART = 5  # a keyword as first part: `lokal|frågor`
MIN_FIRST_PART_LINKED = 3  # with a linking -s- or -e-: `chef|s|stöd`, `lön|e|kriterier`
LINKS = ("s", "e")
MIN_REST = 3
MIN_REST_LINKED = 4  # after a link the rest must be a longer known word
RULE_HIT_SCORE = 0.5
# Inflection endings tried when simplemma does not know a compound's tail.
_ENDINGS = (
    "", "n", "t", "en", "et", "na", "a", "e", "er", "ar", "or", "r", "erna", "arna", "orna",
    "s", "ns", "ts", "ens", "ets", "nas", "ernas", "arnas", "ornas", "es",
)
# Lexicalised compounds whose last part is not what they are about (prefix, head):
# a socialsekreterare is not administrative staff, handledning is not management.
OPAQUE_COMPOUNDS = (
    ("social", "sekreterare"), ("hand", "ledare"), ("hand", "ledning"), ("väg", "ledning"),
    ("väg", "ledare"), ("bistånds", "handläggare"),
)
# Lexicalised compounds that contain a keyword but mean something else: a kontaktsekreterare
# is a social worker, a nätverkskarta and a nätverksmöte are methods of client work, a
# jobbmentor works with clients. Inflected forms count (`kontaktsekreterarna`).
OTHER_WORDS = (
    "kontaktsekreterare", "nätverkskarta", "nätverksmöte", "nätverksarbete", "jobbmentor",
    "lokalsamhälle", "lokalvård",
)
CONTEXT_MARK = " när:"
CONTEXT_WINDOW = 6  # words on each side of a keyword that a context word may stand in
# Nouns and verbs carry the topic; used only with a POS-tagging pipeline (pos_filter).
CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "X", ""})


class Token(NamedTuple):
    """One word of a segment: lower-case form, lemma and (optional) POS tag.

    A named tuple rather than a dataclass: millions are made when 100,000 comments are coded.
    """

    form: str
    lemma: str
    pos: str = ""


@dataclass(frozen=True)
class RuleHit:
    """A code suggested by rules, with the keywords and words that triggered it."""

    code_id: str
    score: float
    keywords: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def reason(self) -> str:
        pairs = [f"{w}→{k}" if w != k else k for k, w in zip(self.keywords, self.words)]
        return "nyckelord: " + ", ".join(pairs)


@dataclass(frozen=True)
class _Keyword:
    code_id: str
    text: str  # as written in the codebook
    variants: tuple[tuple[str, ...], ...]  # per word: accepted forms (keyword, its lemma)
    exclude: bool = False
    contexts: tuple[_Keyword, ...] = ()  # the keyword does not count near one of these


SECTION_MARK = "§"  # a word of the section heading a segment stands under
ROLE_MARK = "¶"  # the segment itself is a heading or prompt (never coded as content)


PROMPT_MARK = "¿"  # after SECTION_MARK in a word's form: the word is the section's form prompt's


def structured_tokens(
    tokens: Sequence[Token], section: Sequence[Token] = (), role: str | None = None, prompt: Sequence[Token] = (),
) -> list[Token]:
    """A segment's tokens with its section heading and prompt as evidence (§-marked words) and its role.

    The classifier learns the marked words as features of their own (a prompt's words as the
    heading's: the lemma carries no prompt mark); the rules read them apart (`KeywordRules.hits`
    skips them, the suggester weighs heading keywords by half and a prompt's by
    `prompt_rule_weight`).
    """
    out = [Token(ROLE_MARK + role, ROLE_MARK + role)] if role else []
    out += tokens
    out += [Token(SECTION_MARK + t.form, SECTION_MARK + t.lemma, t.pos) for t in section]
    out += [Token(SECTION_MARK + PROMPT_MARK + t.form, SECTION_MARK + t.lemma, t.pos) for t in prompt]
    return out


_FORM = operator.itemgetter(0)
_STARTS_SECTION = operator.methodcaller("startswith", SECTION_MARK)


def has_section(tokens: Sequence[Token]) -> bool:
    """Has the segment section words (`structured_tokens`)? Read without a Python step per word."""
    return any(map(_STARTS_SECTION, map(_FORM, tokens)))


def section_parts(tokens: Sequence[Token]) -> tuple[list[Token], list[Token]]:
    """(the section heading's tokens, the section prompt's tokens), unmarked, from `structured_tokens`."""
    heading: list[Token] = []
    prompt: list[Token] = []
    for t in tokens:
        if t.form.startswith(SECTION_MARK + PROMPT_MARK):
            prompt.append(Token(t.form[2:], t.lemma[1:], t.pos))
        elif t.form.startswith(SECTION_MARK):
            heading.append(Token(t.form[1:], t.lemma[1:], t.pos))
    return heading, prompt


def split_structure(tokens: Sequence[Token]) -> tuple[list[Token], list[Token], str | None]:
    """(the segment's own tokens, its section's tokens unmarked, its role) from `structured_tokens`."""
    own: list[Token] = []
    section: list[Token] = []
    role = None
    for t in tokens:
        if t.form.startswith(SECTION_MARK):
            form = t.form[2:] if t.form.startswith(SECTION_MARK + PROMPT_MARK) else t.form[1:]
            section.append(Token(form, t.lemma[1:], t.pos))
        elif t.form.startswith(ROLE_MARK):
            role = t.form[1:]
        else:
            own.append(t)
    return own, section, role


def tokens_from_doc(doc: Doc | Span, pos: bool = False) -> list[Token]:
    """Word tokens of a spaCy Doc/Span (punctuation and spaces dropped)."""
    return [
        Token(t.lower_, (t.lemma_ or t.lower_).lower(), t.pos_ if pos else "")
        for t in doc
        if not (t.is_space or t.is_punct)
    ]


def tokens_from_lemmas(lemmas: str) -> list[Token]:
    """Tokens from a stored space-joined lemma string (form = lemma)."""
    return [Token(w, w) for w in lemmas.split()]


def as_tokens(X: Sequence[Sequence[Token] | str]) -> list[Sequence[Token]]:
    """Token lists as they are; a string is taken as a space-joined lemma string (as stored)."""
    return [tokens_from_lemmas(x) if isinstance(x, str) else x for x in X]


def _similar(word: str, lemma: str) -> bool:
    """Accept a keyword's lemma only if it is a plausible inflection (`it`→`se` is not)."""
    if lemma == word:
        return True
    if len(word) < 4 or len(lemma) < 3:
        return False
    n = 0
    for a, b in zip(word, lemma):
        if a != b:
            break
        n += 1
    return n >= min(len(word), len(lemma)) - 2


def _word_variants(word: str) -> tuple[str, ...]:
    from qualcode.nlp.pipeline import lemma_of

    word = word.lower()
    lem = lemma_of(word)
    return (word, lem) if lem != word and _similar(word, lem) else (word,)


def _keyword(code_id: str, text: str, exclude: bool = False) -> _Keyword | None:
    from qualcode.nlp.pipeline import load_pipeline

    words = [t.lower_ for t in load_pipeline().make_doc(text.strip()) if not (t.is_punct or t.is_space)]
    if not words:
        return None
    return _Keyword(code_id, text.strip(), tuple(_word_variants(w) for w in words), exclude)


@functools.lru_cache(maxsize=500_000)
def _known(word: str) -> bool:
    from qualcode.nlp.lemmas import is_known

    return is_known(word)


@functools.lru_cache(maxsize=1_000_000)
def _tail_is(tail: str, keyword: str) -> bool:
    """Is `tail` an inflected form of `keyword`?"""
    from qualcode.nlp.pipeline import lemma_of

    if tail == keyword or lemma_of(tail) == keyword:
        return True
    rest = tail[len(keyword):]
    return tail.startswith(keyword) and rest in _ENDINGS


def word_matches(form: str, lemma: str, keyword: str, other_words: Sequence[str] = OTHER_WORDS) -> bool:
    """Does one keyword word match this word (whole word, compound head, or first part)?

    A word that contains one of `other_words` (stems of known other words) containing the
    keyword is not the keyword: `kontaktsekreterarna` is no `sekreterare`.
    """
    if keyword in (form, lemma):
        return True
    if len(keyword) < 3:
        return False
    for cand in {form, lemma}:
        if keyword not in cand or cand == keyword:
            continue
        if any(keyword in w and w != keyword and _stem(w) in cand for w in other_words):
            continue
        if cand.startswith(keyword) and _tail_is(cand, keyword):
            return True  # an inflected form simplemma does not know
        # keyword as head: prefix of >= 3 letters, the tail lemmatises to the keyword
        i = cand.find(keyword, MIN_HEAD_PREFIX)
        while i != -1:
            if (
                sum(ch.isalpha() for ch in cand[:i]) >= MIN_HEAD_PREFIX
                and not any(h == keyword and cand[:i].endswith(p) for p, h in OPAQUE_COMPOUNDS)
                and _tail_is(cand[i:], keyword)
            ):
                return True
            i = cand.find(keyword, i + 1)
        # keyword as first part: the rest (after an optional linking -s-) is a word
        if cand.startswith(keyword):
            rest = cand[len(keyword):].lstrip("-")
            if len(keyword) >= MIN_FIRST_PART and len(rest) >= MIN_REST and _known(rest):
                return True
            if (
                rest[:1] in LINKS and len(keyword) >= MIN_FIRST_PART_LINKED
                and len(rest) > MIN_REST_LINKED and _known(rest[1:])
            ):
                return True
    return False


def _stem(word: str) -> str:
    """A word without its final vowel, so that inflected forms contain it (`nätverkskart|an`)."""
    return word[:-1] if len(word) > 4 and word[-1] in "ae" else word


_NOTHING: tuple[bool, tuple[Any, ...], tuple[Any, ...]] = (False, (), ())  # a word with no keyword that is no section word
_FIRST = operator.itemgetter(0)


class KeywordRules:
    """Rule suggester built from a codebook's keywords (sklearn-like: no fitting needed).

    >>> rules = KeywordRules(codebook)           # doctest: +SKIP
    >>> rules.hits(tokens)                        # doctest: +SKIP
    [RuleHit(code_id='P13', score=0.5, keywords=('lokal',), words=('arbetslokalerna',))]
    """

    def __init__(self, codebook: Codebook, use_pos: bool = False, require_keywords: bool = True):
        self.codebook = codebook
        self.use_pos = use_pos
        self.code_ids = [c.id for c in codebook.leaves]
        kws: list[_Keyword] = []
        aliases: dict[str, list[str]] = {}
        other: set[str] = set(OTHER_WORDS)
        self._other_by_code: dict[str, tuple[str, ...]] = {}
        for code in codebook.leaves:
            own: list[_Keyword] = []
            for text in code.keywords:
                k = _keyword(code.id, text)
                if k:
                    own.append(k)
            contexts: dict[str, tuple[_Keyword, ...]] = {}
            words: list[str] = []
            for text in code.exclude_keywords:
                if CONTEXT_MARK in f" {text.strip()}":
                    head, _unused, rest = f" {text.strip()}".partition(CONTEXT_MARK)
                    near = tuple(c for c in (_keyword(code.id, w) for w in rest.split(",") if w.strip()) if c)
                    key = " ".join(head.split()).lower()
                    contexts[key] = contexts.get(key, ()) + near
                    continue
                k = _keyword(code.id, text, exclude=True)
                if k is None:
                    continue
                if len(k.variants) == 1 and any(
                    len(o.variants) == 1 and any(
                        o.variants[0][0] != v and word_matches(v, v, o.variants[0][0], ()) for v in k.variants[0])
                    for o in own
                ):
                    words.append(k.variants[0][0])  # a known other word: not the keyword it contains
                else:
                    kws.append(k)
            self._other_by_code[code.id] = tuple(other | set(words))
            for k in own:
                near = contexts.get(k.text.lower(), ())
                kws.append(_Keyword(k.code_id, k.text, k.variants, contexts=near) if near else k)
            for text in code.aliases:
                k = _keyword(code.id, text)
                if k:
                    key = " ".join(v[-1] for v in k.variants)
                    aliases.setdefault(key, []).append(code.id)
        if require_keywords and not any(not k.exclude for k in kws):
            raise CodebookError(
                _("the codebook '{name}' has no keywords — rule suggestions need keywords").format(name=codebook.name),
                hint=Hint(_("add `keywords:` for the codes, or train on a file of coded segments"),
                          option="train", example="FIL"),
            )
        self._keywords = kws
        self._aliases = aliases
        # first word -> keywords, for a quick candidate lookup per token
        self._single = [k for k in kws if len(k.variants) == 1]
        self._multi = [k for k in kws if len(k.variants) > 1]
        self._multi_by_first: dict[str, list[_Keyword]] = {}
        for k in self._multi:
            for v in k.variants[0]:
                self._multi_by_first.setdefault(v, []).append(k)
        self._alias_words = max((len(a.split(" ")) for a in aliases), default=0)
        self._cache: dict[tuple[str, str], tuple[_Keyword, ...]] = {}
        self._token_cache: dict[Token, tuple[bool, tuple[_Keyword, ...], tuple[_Keyword, ...]]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = {}  # memos of lookups, not part of the rules: not saved
        state["_token_cache"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_token_cache", {})  # rules pickled before the memo existed
        if "_alias_words" not in self.__dict__:
            self._alias_words = max((len(a.split(" ")) for a in self._aliases), default=0)

    @property
    def n_keywords(self) -> int:
        return sum(not k.exclude for k in self._keywords)

    def _word_keywords(self, form: str, lemma: str) -> tuple[_Keyword, ...]:
        """Single-word keywords matching this word; only the longest match(es) count."""
        key = (form, lemma)
        hit = self._cache.get(key)
        if hit is None:
            found = [
                k for k in self._single
                if any(v in form or v in lemma for v in k.variants[0])
                and any(word_matches(form, lemma, v, self._other_by_code.get(k.code_id, OTHER_WORDS))
                        for v in k.variants[0])
            ]
            if len(found) > 1:
                longest = max(len(k.variants[0][0]) for k in found)
                found = [k for k in found if len(k.variants[0][0]) == longest or k.exclude]
            hit = tuple(found)
            if len(self._cache) < 500_000:
                self._cache[key] = hit
        return hit

    def _token_keywords(self, t: Token) -> tuple[bool, tuple[_Keyword, ...], tuple[_Keyword, ...]]:
        """(is a section or role word, the single-word keywords it matches, the multi-word keywords it
        may start), looked up once per distinct token: a batch repeats its words many times."""
        found = self._token_cache.get(t)
        if found is None:
            marked = t.form[:1] in (SECTION_MARK, ROLE_MARK)
            single = self._word_keywords(t.form, t.lemma)
            multi = tuple(dict.fromkeys(self._multi_by_first.get(t.form, []) + (
                self._multi_by_first.get(t.lemma, []) if t.lemma != t.form else [])))
            found = (marked, single, multi) if marked or single or multi else _NOTHING
            if len(self._token_cache) < 500_000:
                self._token_cache[t] = found
        return found

    def _found(self, tokens: Sequence[Token]) -> list[tuple[bool, tuple[_Keyword, ...], tuple[_Keyword, ...]]]:
        """`_token_keywords` of each token, from the memo where it has them."""
        found = list(map(self._token_cache.get, tokens))
        if None in found:
            found = [self._token_keywords(t) if f is None else f for f, t in zip(found, tokens)]
        return found  # type: ignore[return-value]

    def matches(self, tokens: Sequence[Token]) -> list[tuple[_Keyword, str]]:
        """All (keyword, matched text) pairs in a segment, in text order."""
        return self._matches(tokens)[0]

    def _matches(self, tokens: Sequence[Token]) -> tuple[list[tuple[_Keyword, str]], Sequence[Token]]:
        """(`matches`, the segment's own tokens: without its section's and role's words)."""
        out: list[tuple[_Keyword, str]] = []
        found = self._found(tokens)
        if found.count(_NOTHING) == len(found):
            return out, tokens  # most segments: no word with a keyword, no section
        if any(map(_FIRST, found)):
            tokens = split_structure(tokens)[0]
            found = self._found(tokens)
        starts: list[int] = []
        for i, (_marked, single, multi) in enumerate(found):
            if multi:
                starts.append(i)
            if not single:
                continue
            t = tokens[i]
            if self.use_pos and t.pos not in CONTENT_POS:
                continue
            for k in single:
                if not (k.contexts and self._near(tokens, i, k.contexts)):
                    out.append((k, t.form))
        for i in starts:
            for k in found[i][2]:
                n = len(k.variants)
                if i + n > len(tokens):
                    continue
                if all(
                    tokens[i + j].form in k.variants[j] or tokens[i + j].lemma in k.variants[j]
                    or (j == n - 1 and any(word_matches(tokens[i + j].form, tokens[i + j].lemma, v)
                                           for v in k.variants[j]))
                    for j in range(1, n)
                ) and not (k.contexts and self._near(tokens, i, k.contexts, n)):
                    out.append((k, " ".join(tokens[i + j].form for j in range(n))))
        return out, tokens

    @staticmethod
    def _near(tokens: Sequence[Token], i: int, contexts: Sequence[_Keyword], n: int = 1) -> bool:
        """Does a context word (or phrase) stand within CONTEXT_WINDOW words of tokens[i:i + n]?"""
        lo, hi = max(0, i - CONTEXT_WINDOW), min(len(tokens), i + n + CONTEXT_WINDOW)
        for c in contexts:
            m = len(c.variants)
            for s in range(lo, hi - m + 1):
                if i <= s < i + n:
                    continue
                if all(any(word_matches(tokens[s + j].form, tokens[s + j].lemma, v) for v in c.variants[j])
                       for j in range(m)):
                    return True
        return False

    def hits(self, tokens: Sequence[Token]) -> list[RuleHit]:
        """Codes suggested by the keywords in one segment (exclude rules honoured)."""
        found: dict[str, dict[str, str]] = {}
        excluded: set[str] = set()
        pairs, own = self._matches(tokens)
        for k, words in pairs:
            if k.exclude:
                excluded.add(k.code_id)
            else:
                found.setdefault(k.code_id, {}).setdefault(k.text, words)
        whole = " ".join(t.lemma for t in own) if self._aliases and len(own) <= self._alias_words else None
        if whole in self._aliases:
            # a whole answer that is a code's short name: that code only
            found = {code_id: {whole: whole} for code_id in self._aliases[whole]}
        out: list[RuleHit] = []
        if not found:
            return out
        for code_id in self.code_ids:
            kw = found.get(code_id)
            if not kw or code_id in excluded:
                continue
            score = 1.0 - (1.0 - RULE_HIT_SCORE) ** len(kw)
            out.append(RuleHit(code_id, round(score, 4), tuple(kw), tuple(kw.values())))
        return out

    def keyword_counts(self, tokens: Sequence[Token]) -> dict[str, int]:
        """Distinct matched keywords per code (0 for an excluded code): classifier features."""
        return {h.code_id: len(h.keywords) for h in self.hits(tokens)}

    def score_matrix(self, token_lists: Iterable[Sequence[Token]]) -> tuple[np.ndarray, list[list[RuleHit]]]:
        """(n_segments, n_codes) array of rule scores and the matching hits per segment."""
        import numpy as np

        index = {c: j for j, c in enumerate(self.code_ids)}
        rows: list[list[RuleHit]] = [self.hits(toks) for toks in token_lists]
        scores = np.zeros((len(rows), len(self.code_ids)))
        for i, hits in enumerate(rows):
            for h in hits:
                scores[i, index[h.code_id]] = h.score
        return scores, rows
