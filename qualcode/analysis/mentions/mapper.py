"""Map free-text questionnaire answers to one of the 13 points, OVRIGT or EJ_SVAR.

The final questionnaire asked respondents to name areas of the action plan; they wrote
"2", "p.2", "punkt 6", "Introduktion/mentorskap", "adm stöd till handläggare", "Lön", "-".
`MentionMapper.map(answer)` returns a `Mention` with exactly one category, or none
(unresolved) with ranked candidates. Nothing is guessed: an answer that fits two areas
(bare "adm stöd": P06 or P07) or none with confidence stays unresolved until the researcher
settles it in a mapping file (`answer;category`, keyed by `normalise_answer`).

Order of evidence, from the codebook and general rules (no phrasings of any one sample):
1. the mapping file; 2. no answer (empty, "-", "vet ej", "?", "inget"); 3. point numbers
in any usual form ("2", "(2)", "p.2", "punkt 2", "nr 2", "P02", "2 intro"); 4. names,
aliases and keywords of the codebook found in the answer (lemmas, compound parts,
abbreviations, truncations, misspellings via rapidfuzz), the longest match winning;
phrases that several point names share ("administrativt stöd") stay either/or;
5. a short answer of known Swedish words with no match at all ("friskvård") is OVRIGT.
Themes outside the 13 points (T-LON, T-IT, …) map to OVRIGT.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.core.codebook import Code, Codebook, default_codebook
from qualcode.core.errors import InputError
from qualcode.nlp.pipeline import lemma_of

OVRIGT = "OVRIGT"
EJ_SVAR = "EJ_SVAR"

# Function words dropped before phrase matching ("stöd till chefer" = "stöd chefer").
FUNCTION_WORDS = frozenset(
    "och o samt eller till för av i på med åt om som att en ett den det de vår våra vårt "
    "sin sina sitt hos inom vid under mm m.m etc t.ex bl.a både även kring är vara "
    "så man vi oss dem deras er jag ju nog typ the t f resp".split()
)
# Words that grade an area ("mer", "bättre") but never name one.
FILLER_WORDS = frozenset(
    "mer mera fler flera färre mindre mycket bättre bra sämre god goda gott ökad ökat ökade "
    "utökad utökat minskad minskat större stor stora tydlig tydligare tydligt mest "
    "utveckla utvecklat utvecklad fortsatt fortsatta fortsätta satsning satsningar "
    "behov behöver arbete arbetet jobbet fungerar fungerat".split()
)
NO_ANSWER = frozenset(
    "vet ej|vet inte|vetej|vet ikke|ej svar|inget svar|ingen svar|svarar ej|inget|ingen|inga|"
    "ingenting|nej|ej|ej aktuellt|ej relevant|inte aktuellt|ingen aning|ingen åsikt|"
    "kan ej svara|kan inte svara|kan ej bedöma|kan inte bedöma|har ingen uppfattning|"
    "ingen uppfattning|n/a|na|x|-|saknas|tomt|vet ej/inget|inget att tillägga|osäker|ingen kommentar|"
    "inga kommentarer|inget att säga|ingen synpunkt|inga synpunkter|kommer inte på något".split("|")
)
ALL_WORDS = frozenset("alla allt samtliga allihop båda bägge övriga resten".split())
# Abbreviations that respondents use; expanded before matching.
ABBREVIATIONS = {
    "adm": "administrativ", "admin": "administrativ", "administr": "administrativ",
    "administration": "administrativ", "administrativa": "administrativ",
    "bitr": "biträdande", "bitr.": "biträdande", "bitr.ec": "biträdande enhetschef",
    "ec": "enhetschef", "bec": "biträdande enhetschef",
    "soc": "socialsekreterare", "socsekr": "socialsekreterare", "socialsekr": "socialsekreterare",
    "soc.sekr": "socialsekreterare", "handl": "handläggare", "bist.handl": "biståndshandläggare",
    "intro": "introduktion", "introt": "introduktion", "introd": "introduktion",
    "utb": "utbildning", "komp": "kompetens", "kompetensutv": "kompetensutveckling",
    "fortb": "fortbildning", "ärendehandl": "ärendehandledning", "handledn": "handledning",
    "medhandl": "medhandläggarskap", "stud": "student",
}
NUMBER_WORDS = {
    "ett": 1, "en": 1, "ettan": 1, "två": 2, "tvåan": 2, "tre": 3, "trean": 3, "fyra": 4,
    "fyran": 4, "fem": 5, "femman": 5, "sex": 6, "sexan": 6, "sju": 7, "sjuan": 7, "åtta": 8,
    "åttan": 8, "nio": 9, "nian": 9, "tio": 10, "tian": 10, "elva": 11, "elvan": 11,
    "tolv": 12, "tolvan": 12, "tretton": 13, "trettonde": 13, "fjorton": 14,
}
_NUMBER_PREFIX = r"(?:p|pkt|punkt|punkten|nr|nummer|no|alt|alternativ|område|omr|#)"
_NUMBER_FULL = re.compile(
    rf"^(?:{_NUMBER_PREFIX}\s*[.:]?\s*)?[(\[]?\s*0*(\d{{1,2}})\s*[)\]]?\s*(?:[.):,;:\-–]|:an|an|a)?"
    rf"(?:\s+(?P<rest>.*))?$"
)
_NUMBER_TAIL = re.compile(rf"^(?P<rest>.*?)[\s,;:\-–]*(?:\(\s*(?:{_NUMBER_PREFIX}\s*\.?\s*)?0*(\d{{1,2}})\s*\)|"
                          rf"{_NUMBER_PREFIX}\s*\.?\s*0*(\d{{1,2}}))\.?$")
_NUMBER_WORD = re.compile(rf"^{_NUMBER_PREFIX}\s*\.?\s*([a-zåäö]+)$")
_TOKEN = re.compile(r"[a-zåäöéüæø0-9]+(?:[-.][a-zåäöéüæø0-9]+)*")
_SUFFIXES = ("erna", "arna", "orna", "ernas", "arnas", "ens", "ets", "na", "en", "et", "er",
             "ar", "or", "as", "es", "a", "e", "s", "t", "n")

FUZZY_CUTOFF = 80.0   # below this a misspelling is not considered at all
FUZZY_STRONG = 88.0   # at or above this a misspelled word counts as the word
DOMINANCE = 3.0       # a category wins over another single-word hit by this factor
NAME_WEIGHT = 0.5     # single name words are weak evidence
MAX_OVRIGT_WORDS = 3  # an unmatched answer longer than this is not called OVRIGT


@dataclass(frozen=True)
class Candidate:
    """A possible category for an unresolved answer, with a relative score (0–1)."""

    category: str
    score: float


@dataclass(frozen=True)
class Mention:
    """One answer mapped: `category` is None when unresolved; `method` says how."""

    answer: str
    key: str
    category: str | None
    method: str
    candidates: tuple[Candidate, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.category is not None


def normalise_answer(text: object) -> str:
    """The key of an answer in mapping files: NFC, lower case, single spaces, no edge punctuation."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text)).lower()
    s = s.replace("\u00a0", " ").replace("’", "'")
    s = re.sub(r"\s+", " ", s).strip()
    return s.strip(" .,;:!\"'`´")


def mention_categories(codebook: Codebook) -> list[str]:
    """Category ids in table order: the points by number, then OVRIGT and EJ_SVAR."""
    return [c.id for c in codebook.points] + [OVRIGT, EJ_SVAR]


def mention_labels(codebook: Codebook) -> dict[str, str]:
    """Row labels as in the report: '1. Brukardelaktighet…', '14. Övrigt', 'Ej svar'."""
    points = codebook.points
    labels = {c.id: f"{c.number}. {c.name}" for c in points}
    last = max((c.number or 0) for c in points) if points else 0
    labels[OVRIGT] = f"{last + 1}. Övrigt"
    labels[EJ_SVAR] = "Ej svar"
    return labels


def parse_category(value: str, codebook: Codebook) -> str:
    """A category written by a researcher: 'P06', 'p6', '6', 'OVRIGT', 'Övrigt', 'Ej svar'."""
    cats = mention_categories(codebook)
    v = normalise_answer(value).replace(" ", "").replace("_", "")
    by_number = {str(c.number): c.id for c in codebook.points}
    last = max((c.number or 0) for c in codebook.points) if codebook.points else 0
    if v in ("ovrigt", "övrigt", "annat", str(last + 1)):
        return OVRIGT
    if v in ("ejsvar", "ejsvarat", "inget svar", "ingetsvar"):
        return EJ_SVAR
    for c in cats:
        if v == c.lower().replace("_", ""):
            return c
    m = re.fullmatch(r"p?0*(\d{1,2})", v)
    if m and m.group(1) in by_number:
        return by_number[m.group(1)]
    raise InputError(f"okänd kategori '{value}' — giltiga: {', '.join(cats)}")


# -- the mapper ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    """One answer or vocabulary word in the forms we compare: surface, lemma, stem."""

    surface: str
    lemma: str
    stem: str

    def forms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.surface, self.lemma, self.stem)))


@dataclass(frozen=True)
class _Phrase:
    words: tuple[_Word, ...]
    category: str
    weight: float  # 1 = keyword/alias/name phrase, NAME_WEIGHT = single name word
    generic: tuple[str, ...] = ()  # set when the phrase is shared by several point names
    part: bool = False  # one word of a longer keyword: a hint for candidates, never a match


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int  # token span [start, end)
    categories: tuple[str, ...]
    weight: float
    chars: int
    partial: bool  # matched as part of a compound or by prefix/fuzzy
    source: str
    quality: int = 0  # weakest word match in the phrase (see _matches)


_NO_ANSWER_HEADS = ("vet ej", "vet inte", "kan ej svara", "kan inte svara", "kan ej bedöma",
                    "kan inte bedöma", "ingen aning", "inget särskilt", "inget av dem", "inget av",
                    "ingen av dem", "inga av dem", "har ingen", "har inget", "inget svar", "ej svar")


def _no_answer_part(text: str) -> bool:
    if text in NO_ANSWER:
        return True
    for head in _NO_ANSWER_HEADS:
        if text == head or text.startswith(head + " "):
            rest = text[len(head):].split()
            return all(w in FUNCTION_WORDS or w in FILLER_WORDS or w in ("alls", "riktigt", "just", "nu") for w in rest)
    return False


@functools.lru_cache(maxsize=50_000)
def _is_known(word: str) -> bool:
    """Is this a word of simplemma's Swedish dictionary?"""
    import simplemma

    return bool(simplemma.is_known(word, lang="sv"))


def _stem(word: str) -> str:
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)]
    return word


def _word(token: str) -> _Word:
    lemma = lemma_of(token) if token.isalpha() or "-" in token else token
    return _Word(token, lemma, _stem(token))


def _tokens(text: str) -> list[str]:
    """Lower-case tokens with abbreviations expanded ('adm. stöd' -> administrativ stöd)."""
    s = normalise_answer(text).replace("&", " och ").replace("+", " och ")
    s = re.sub(r"\bsoc\.?\s*sekr\w*\.?", " socialsekreterare ", s)
    s = re.sub(r"\bbist\.?\s*handl\w*\.?", " biståndshandläggare ", s)
    out: list[str] = []
    for tok in _TOKEN.findall(s):
        tok = tok.strip(".")
        if tok in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[tok].split())
        elif "." in tok:
            # "adm.stöd", "p.2": split on the inner dot and expand each part
            for part in tok.split("."):
                out.extend(ABBREVIATIONS.get(part, part).split())
        else:
            out.append(tok)
    return [t for t in out if t]


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in FUNCTION_WORDS]


def _matches(word: _Word, vocab: _Word) -> int:
    return _match_forms(word.surface, word.lemma, word.stem, vocab.surface, vocab.lemma, vocab.stem)


@functools.lru_cache(maxsize=500_000)
def _match_forms(surface: str, lemma: str, stem: str, v_surface: str, v_lemma: str, v_stem: str) -> int:
    """How well an answer word matches a vocabulary word: 3 same spelling, 2 same lemma or
    stem, 1 vocab is a compound part of word (`lokal` in `arbetslokalerna`), 0 no match."""
    if surface == v_surface:
        return 3
    if {surface, lemma, stem} & {v_surface, v_lemma, v_stem}:
        return 2
    v = v_lemma
    for f in (lemma, surface):
        parts = f.split("-") if "-" in f else [f]
        for p in parts:
            if p == v and len(parts) > 1:
                return 1
            if len(v) >= 4 and len(p) - len(v) >= 3 and p.endswith(v):
                return 1
            if len(v) >= 5 and p.startswith(v) and len(p) - len(v) >= 3:
                return 1
    return 0


class MentionMapper:
    """Maps answers to categories using a codebook and an optional mapping file.

    >>> m = MentionMapper()
    >>> [m.map(a).category for a in ("p.2", "Lokalerna", "Lön", "vet ej")]
    ['P02', 'P13', 'OVRIGT', 'EJ_SVAR']
    >>> m.map("adm stöd").category is None
    True
    """

    def __init__(self, codebook: Codebook | None = None, mapping: Mapping[str, str] | None = None):
        self.codebook = codebook or default_codebook()
        self.categories = mention_categories(self.codebook)
        self.mapping = {normalise_answer(k): v for k, v in (mapping or {}).items()}
        bad = sorted({v for v in self.mapping.values() if v not in self.categories})
        if bad:
            raise InputError(f"okänd kategori {', '.join(map(repr, bad))} i mappningen — giltiga: {', '.join(self.categories)}")
        self._by_number = {c.number: c.id for c in self.codebook.points}
        self._ovrigt_number = max(self._by_number) + 1 if self._by_number else 14
        self._phrases, self._generic = self._build_vocabulary()
        self._single = [p for p in self._phrases if len(p.words) == 1]
        self._vocab_words = list(dict.fromkeys(w for p in self._phrases for w in p.words))
        index = {w: i for i, w in enumerate(self._vocab_words)}
        self._compiled = [
            (p, tuple(index[w] for w in p.words), p.generic or (p.category,), sum(len(w.surface) for w in p.words))
            for p in self._phrases
        ]
        self._by_first: dict[int, list[tuple[_Phrase, tuple[int, ...], tuple[str, ...], int]]] = {}
        for item in self._compiled:
            self._by_first.setdefault(item[1][0], []).append(item)
        self._quality_rows: dict[_Word, list[int]] = {}
        self._nonzero: dict[_Word, list[int]] = {}
        self._spelling = {v.surface: v for v in reversed(self._vocab_words) if len(v.surface) >= 5}
        self._fuzzy_vocab: dict[str, set[str]] = {}
        for p in self._single:
            if p.weight >= 1 and len(p.words[0].surface) >= 4:
                for f in (p.words[0].surface, p.words[0].lemma):
                    self._fuzzy_vocab.setdefault(f, set()).add(p.category)
        self._cache: dict[str, Mention] = {}

    # vocabulary ----------------------------------------------------------------------

    def _category_of(self, code: Code) -> str | None:
        if code.is_group:
            return None
        if code.number is not None:
            return code.id
        for anc in self.codebook.ancestors(code.id):
            if anc.number is not None:
                return anc.id
        return OVRIGT

    def _build_vocabulary(self) -> tuple[list[_Phrase], dict[tuple[str, ...], tuple[str, ...]]]:
        # Phrases shared by several point names ("administrativt stöd" in 6 and 7) name
        # none of them on their own; single shared words only when no code claims them.
        names: dict[str, list[str]] = {}
        for code in self.codebook.points:
            names[code.id] = _content(_tokens(code.name))
        ngram_owner: dict[tuple[str, ...], set[str]] = {}
        for cid, words in names.items():
            lemmas = [lemma_of(w) for w in words]
            for n in range(1, len(lemmas) + 1):
                for i in range(len(lemmas) - n + 1):
                    ngram_owner.setdefault(tuple(lemmas[i:i + n]), set()).add(cid)
        keyword_lemmas: set[tuple[str, ...]] = set()
        for code in self.codebook:
            for kw in code.keywords + code.aliases:
                keyword_lemmas.add(tuple(lemma_of(w) for w in _content(_tokens(kw))))
        generic = {
            gram: tuple(sorted(owners))
            for gram, owners in ngram_owner.items()
            if len(owners) > 1 and not all(g in FILLER_WORDS for g in gram)
            and (len(gram) > 1 or gram not in keyword_lemmas)
        }
        phrases: list[_Phrase] = []
        seen: set[tuple[tuple[str, ...], str, float]] = set()

        def add(text: str, cat: str, weight: float) -> None:
            words = tuple(_word(t) for t in _content(_tokens(text)))
            if not words or all(w.surface in FILLER_WORDS for w in words):
                return
            key = tuple(w.lemma for w in words)
            if key in generic:
                return  # a keyword equal to a shared name phrase would pick one side
            if (key, cat, weight) in seen:
                return
            seen.add((key, cat, weight))
            phrases.append(_Phrase(words, cat, weight))

        acronyms: dict[str, set[str]] = {}
        for code in self.codebook:
            cat = self._category_of(code)
            if cat is None:
                continue
            add(code.name, cat, 1.0)
            for text in code.aliases + code.keywords:
                add(text, cat, 1.0)
                if "-" in text:
                    add(text.replace("-", " "), cat, 1.0)  # "it-stöd" written "IT stöd"
                head = normalise_answer(text).split("-")[0]
                if "-" in text and 2 <= len(head) <= 3 and head.isalpha():
                    acronyms.setdefault(head, set()).add(cat)
            if code.number is not None:
                words = _content(_tokens(code.name))
                for i in range(len(words)):
                    for j in range(i + 1, len(words) + 1):
                        gram = tuple(lemma_of(w) for w in words[i:j])
                        if gram in generic or all(w in FILLER_WORDS for w in words[i:j]):
                            continue
                        add(" ".join(words[i:j]), cat, 1.0 if j - i > 1 else NAME_WEIGHT)
        # "HR" alone: every hr-… keyword belongs to one category, so the acronym names it
        for head, cats in acronyms.items():
            if len(cats) == 1:
                add(head, next(iter(cats)), 1.0)
        for gram, owners in generic.items():
            # "administrativt stöd" marks a real either/or; a lone shared word ("regelbunden") only hints
            words = tuple(_word(w) for w in gram)
            phrases.append(_Phrase(words, owners[0], 1.0 if len(gram) > 1 else NAME_WEIGHT, generic=owners))
        # words of multi-word keywords ("ärende" in "antal ärenden", "dra ärende") do not name
        # a point alone, but an answer built on them is unresolved rather than Övrigt
        singles = {p.words[0].lemma for p in phrases if len(p.words) == 1}
        parts: dict[str, tuple[_Word, set[str]]] = {}
        for p in list(phrases):
            if len(p.words) < 2 or p.generic:
                continue
            for w in p.words:
                if w.lemma not in singles and w.surface not in FILLER_WORDS and len(w.surface) >= 4:
                    parts.setdefault(w.lemma, (w, set()))[1].add(p.category)
        for w, owners in parts.values():
            cats = tuple(sorted(owners, key=lambda c: (c == OVRIGT, c)))
            phrases.append(_Phrase((w,), cats[0], NAME_WEIGHT, generic=cats if len(cats) > 1 else (), part=True))
        return phrases, generic

    # mapping -------------------------------------------------------------------------

    def map(self, answer: object) -> Mention:
        """Map one answer; results are cached per normalised answer."""
        text = "" if answer is None else str(answer)
        key = normalise_answer(text)
        cached = self._cache.get(key)
        if cached is not None:
            return Mention(text, key, cached.category, cached.method, cached.candidates)
        result = self._map_key(text, key)
        self._cache[key] = result
        return result

    def _map_key(self, text: str, key: str) -> Mention:
        if key in self.mapping:
            return Mention(text, key, self.mapping[key], "mapping")
        if self._is_no_answer(key):
            return Mention(text, key, EJ_SVAR, "no-answer")
        number = self._numbers(key)
        if number is not None:
            return self._with_number(text, key, *number)
        cats, method, cands = self._text_category(key)
        return Mention(text, key, cats, method, cands)

    def _is_no_answer(self, key: str) -> bool:
        if not re.search(r"[0-9a-zåäöéü]", key):
            return True  # empty, "-", "?", "..."
        bare = re.sub(r"\s+", " ", re.sub(r"[^a-zåäö/ ]", " ", key)).strip()
        if key in NO_ANSWER or bare in NO_ANSWER:
            return True
        # "vet ej/inget svar", "kan inte svara på det", "inget särskilt"
        parts = [p.strip() for p in bare.split("/") if p.strip()]
        return bool(parts) and all(_no_answer_part(p) for p in parts)

    def _numbers(self, key: str) -> tuple[list[str], str] | None:
        """Point numbers in the answer and the remaining text, or None if it is not a number answer."""
        # several numbers first: "2 och 6", "2, 6", "2/6"
        parts = re.fullmatch(
            rf"(?:{_NUMBER_PREFIX}\s*\.?\s*)?(\d{{1,2}})"
            rf"((?:\s*(?:,|/|och|&|\+|-|;|\s)\s*(?:{_NUMBER_PREFIX}\s*\.?\s*)?\d{{1,2}})+)\.?",
            key,
        )
        if parts:
            nums = [int(parts.group(1))] + [int(x) for x in re.findall(r"\d{1,2}", parts.group(2))]
            return [self._number_category(n) for n in nums], ""
        m = _NUMBER_FULL.match(key)
        if m:
            return [self._number_category(int(m.group(1)))], (m.group("rest") or "")
        m = _NUMBER_TAIL.match(key)
        if m:
            n = m.group(2) or m.group(3)
            return [self._number_category(int(n))], m.group("rest")
        m = _NUMBER_WORD.match(key)
        if m and m.group(1) in NUMBER_WORDS:
            return [self._number_category(NUMBER_WORDS[m.group(1)])], ""
        if key in NUMBER_WORDS and key not in ("en", "ett", "sex"):
            return [self._number_category(NUMBER_WORDS[key])], ""
        return None

    def _number_category(self, n: int) -> str:
        if n in self._by_number:
            return self._by_number[n]
        if n == self._ovrigt_number:
            return OVRIGT
        return f"?{n}"

    def _with_number(self, text: str, key: str, cats: list[str], rest: str) -> Mention:
        valid = [c for c in dict.fromkeys(cats) if not c.startswith("?")]
        if len(valid) != len(set(cats)) or not valid:
            return Mention(text, key, None, "number-unknown", tuple(Candidate(c, 0.5) for c in valid))
        if len(valid) > 1:
            return Mention(text, key, None, "numbers-several", tuple(Candidate(c, 0.5) for c in valid))
        cat = valid[0]
        if rest.strip():
            # "2 intro" confirms the number; "2 lokaler" contradicts it and is not guessed
            other, method, cands = self._text_category(rest)
            # only clear evidence can contradict a number: a weak hint ("3 handläggare") cannot
            if other is not None:
                named = set() if method == "no-match" else {other}
            elif method in ("ambiguous", "ambiguous-name"):
                named = {c.category for c in cands if c.score >= 0.5}
            else:
                named = set()
            named.discard(EJ_SVAR)
            if named and cat not in named:
                ranked = [Candidate(cat, 1.0)] + [Candidate(c, 0.5) for c in sorted(named)]
                return Mention(text, key, None, "number-conflict", tuple(ranked))
        return Mention(text, key, cat, "number")

    # text ----------------------------------------------------------------------------

    def _text_category(self, key: str) -> tuple[str | None, str, tuple[Candidate, ...]]:
        tokens = _content(_tokens(key))
        if not tokens:
            return None, "empty", ()
        words = [_word(t) for t in tokens]
        content = [w for w in words if w.surface not in FILLER_WORDS]
        if not content:
            return None, "filler-only", ()
        if all(w.surface in ALL_WORDS or w.surface in FILLER_WORDS for w in content):
            return None, "all-areas", ()  # "alla", "samtliga": not one area
        words = [self._spelled(w) for w in words]
        hits = self._find_hits(words)
        hits = self._suppress(hits)
        if not hits:
            if len(content) > MAX_OVRIGT_WORDS or not any(sum(ch.isalpha() for ch in w.surface) >= 3 for w in content):
                return None, "no-match-long", ()
            # only words we know to be Swedish words name "something else"; "onboarding" might be a point
            unknown = [w.surface for w in content if w.surface.isalpha() and not _is_known(w.surface)]
            if unknown:
                return None, "unknown-word", ()
            return OVRIGT, "no-match", ()
        strong = [h for h in hits if h.weight >= 1]
        if not strong:
            method = "ambiguous-name" if all(len(h.categories) > 1 and h.source != "part" for h in hits) else "weak"
            return None, method, self._ranked(hits)
        # "(adm)" says P06 or P07, "stöd till chefer" says P07: the shared word agrees with P07
        specific = {h.categories[0] for h in strong if len(h.categories) == 1}
        strong = [
            replace(h, categories=tuple(c for c in h.categories if c in specific))
            if len(h.categories) > 1 and specific & set(h.categories) else h
            for h in strong
        ]
        # weak words (bare name words) only support points that already have strong evidence
        named = {c for h in strong for c in h.categories}
        support = [h for h in hits if h.weight < 1 and set(h.categories) <= named]
        cands = self._ranked(strong + support)
        if all(len(h.categories) > 1 for h in strong):
            return None, "ambiguous-name", cands
        if len(cands) == 1:
            return cands[0].category, "text", cands
        spans: dict[str, set[int]] = {}
        for h in strong + support:
            for c in h.categories:
                spans.setdefault(c, set()).update(range(h.start, h.end))
        best, second = cands[0], cands[1]
        # one stray word beside a long phrase ("…i förhållande till chefers och medarbetares uppdrag")
        if best.score >= DOMINANCE * second.score and len(spans[second.category]) == 1 and len(spans[best.category]) >= 2:
            return best.category, "text-dominant", cands
        return None, "ambiguous", cands

    def _ranked(self, hits: Sequence[_Hit]) -> tuple[Candidate, ...]:
        scores: dict[str, float] = {}
        for h in hits:
            for c in h.categories:
                scores[c] = scores.get(c, 0.0) + h.chars * h.weight / len(h.categories)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._order(kv[0])))
        top = ranked[0][1] if ranked else 1.0
        return tuple(Candidate(c, round(sc / top, 3)) for c, sc in ranked)

    def _order(self, cat: str) -> int:
        return self.categories.index(cat) if cat in self.categories else len(self.categories)

    def _qualities(self, word: _Word) -> list[int]:
        row = self._quality_rows.get(word)
        if row is None:
            row = [_matches(word, v) for v in self._vocab_words]
            self._quality_rows[word] = row
            self._nonzero[word] = [i for i, q in enumerate(row) if q and i in self._by_first]
        return row

    def _find_hits(self, words: list[_Word]) -> list[_Hit]:
        hits: list[_Hit] = []
        n = len(words)
        matched_tokens: set[int] = set()
        # each answer word against each vocabulary word once (cached), then phrases by lookup
        quality_of = [self._qualities(w) for w in words]
        for i in range(n):
            for first in self._nonzero[words[i]]:
                for p, idx, cats, chars in self._by_first[first]:
                    m = len(idx)
                    if i + m > n:
                        continue
                    quality = 3
                    for j in range(m):
                        q = quality_of[i + j][idx[j]]
                        if q < quality:
                            quality = q
                            if not q:
                                break
                    if not quality:
                        continue
                    partial = quality == 1
                    source = "part" if p.part else ("compound" if partial else "exact")
                    hits.append(_Hit(i, i + m, cats, p.weight, chars, partial, source, quality))
                    if not partial and not p.part:
                        matched_tokens.update(range(i, i + m))
        # unknown words: a prefix of vocabulary words ("arbetsbel.") or a misspelling
        for i, w in enumerate(words):
            if i in matched_tokens or w.surface in FILLER_WORDS or len(w.surface) < 4:
                continue
            if any(h.start <= i < h.end and h.weight >= 1 for h in hits):
                continue
            hits.extend(self._prefix_or_fuzzy(i, w))
        return hits

    def _spelled(self, w: _Word) -> _Word:
        """A clearly misspelt word ("administartivt") read as the vocabulary word it is
        closest to, so that phrases can use it; real and already matching words stay."""
        from rapidfuzz import fuzz, process

        if len(w.surface) < 6 or not w.surface.isalpha() or _is_known(w.surface):
            return w
        if max(self._qualities(w), default=0) >= 2:
            return w
        choices = self._spelling
        found = process.extract(w.surface, list(choices), scorer=fuzz.ratio, score_cutoff=FUZZY_STRONG, limit=3)
        found = [(f, sc) for f, sc, _ in found if w.surface not in f]
        if not found:
            return w
        best_form, best = found[0]
        rivals = {choices[f].lemma for f, sc in found if sc >= best - 2.0}
        return choices[best_form] if len(rivals) == 1 else w

    def _prefix_or_fuzzy(self, i: int, w: _Word) -> list[_Hit]:
        """A truncated word ("arbetsbel") or a misspelling ("arbetsbelasting") of one vocabulary word."""
        from rapidfuzz import fuzz, process

        if _is_known(w.surface):
            return []  # a real word ("gruppen", "handläggare") is neither truncated nor misspelt
        forms = [f for f in w.forms() if len(f) >= 4 and f.isalpha()]
        owners = {c for f, cs in self._fuzzy_vocab.items() for form in forms
                  if f.startswith(form) and len(f) > len(form) for c in cs}
        if owners:
            # a truncation is only evidence when every word it could be belongs to one point
            weight = 1.0 if len(owners) == 1 and len(w.surface) >= 5 else NAME_WEIGHT
            return [_Hit(i, i + 1, tuple(sorted(owners)), weight, len(w.surface), True, "prefix")]
        if len(w.surface) < 5:
            return []
        # a word inside a longer vocabulary word is a compound part, not a misspelling
        choices = [f for f in self._fuzzy_vocab if w.surface not in f]
        found = process.extract(w.surface, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5)
        if not found:
            return []
        best = found[0][1]
        owners = {c for f, sc, _ in found if sc >= best - 0.01 for c in self._fuzzy_vocab[f]}
        weight = 1.0 if best >= FUZZY_STRONG and len(owners) == 1 else NAME_WEIGHT
        return [_Hit(i, i + 1, tuple(sorted(owners)), weight, len(w.surface), True, "fuzzy")]

    @staticmethod
    def _suppress(hits: list[_Hit]) -> list[_Hit]:
        """Longest match wins; on the same words the better match wins (see `_beats`)."""
        return [h for h in hits if not any(o is not h and _beats(o, h) for o in hits)]


def _beats(o: _Hit, h: _Hit) -> bool:
    if not (o.start <= h.start and h.end <= o.end):
        return False
    if (o.source == "part") != (h.source == "part"):
        return h.source == "part"  # a hint never beats a match
    if (o.end - o.start) > (h.end - h.start):
        return True
    # same words: whole word over compound part, spelling over lemma, keyword over a bare
    # name word, the longer compound part, a specific point over a word shared by several
    if o.quality != h.quality:
        return o.quality > h.quality
    if o.weight != h.weight:
        return o.weight > h.weight
    if o.partial and h.partial and o.chars != h.chars:
        return o.chars > h.chars
    return len(h.categories) > 1 and len(o.categories) == 1


# -- mapping files -------------------------------------------------------------------------

MAPPING_HEADER = ("answer", "category")


def load_mapping(path: str | Path, codebook: Codebook | None = None) -> dict[str, str]:
    """Read a mapping file (CSV `answer;category`, UTF-8); rows with an empty category are skipped."""
    codebook = codebook or default_codebook()
    path = Path(path)
    if not path.exists():
        raise InputError(f"mappningsfilen '{path}' finns inte — skapa den med `qualcode mentions review --template {path}`")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"mappningsfilen '{path}' är inte UTF-8 — spara den som UTF-8 (CSV UTF-8 i Excel)") from None
    return parse_mapping(text, codebook, source=str(path))


def parse_mapping(text: str, codebook: Codebook, source: str = "mappningsfil") -> dict[str, str]:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delim = ";" if ";" in first else ("\t" if "\t" in first else ",")
    mapping: dict[str, tuple[str, int]] = {}
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    try:
        for row in reader:
            line = reader.line_num
            if not row or not any(c.strip() for c in row):
                continue
            if line == 1 and normalise_answer(row[0]) in ("answer", "svar") and len(row) > 1:
                continue
            if len(row) < 2:
                raise InputError(
                    f"{source} rad {line}: väntade 'svar;kategori', fick {row[0]!r} — skilj svar och kategori med ';'"
                )
            answer, cat = row[0], row[1].strip()
            if not cat:
                continue  # a template row not filled in yet
            try:
                category = parse_category(cat, codebook)
            except InputError as exc:
                raise InputError(f"{source} rad {line}: {exc}") from None
            key = normalise_answer(answer)
            if key in mapping and mapping[key][0] != category:
                raise InputError(
                    f"{source} rad {line}: svaret {answer!r} har redan kategori {mapping[key][0]} "
                    f"(rad {mapping[key][1]}) — behåll en av raderna"
                )
            mapping[key] = (category, line)
    except csv.Error as exc:
        raise InputError(f"{source} rad {reader.line_num}: trasig CSV ({exc}) — kontrollera citattecknen") from None
    return {k: v for k, (v, _) in mapping.items()}


def mapping_template(unresolved: Iterable[tuple[str, int, Sequence[Candidate]]], labels: Mapping[str, str]) -> str:
    """CSV text for the researcher: one row per distinct unresolved answer, category left empty."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["answer", "category", "kandidater", "antal"])
    for answer, count, cands in unresolved:
        shown = " | ".join(f"{c.category} {labels.get(c.category, '')}".strip() for c in cands[:3])
        writer.writerow([answer, "", shown, count])
    return out.getvalue()
