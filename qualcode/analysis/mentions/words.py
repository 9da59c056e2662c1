"""Swedish words of short answers: tokens, lemmas, compound parts, synonyms and roles.

An answer word is read as a `Word`: its whole forms (surface, lemma, synonyms) and its
compound parts, each with its own alternatives ("ärendegenomgångar" → ärende + genomgång,
and genomgång = dragning from the codebook's synonyms). A vocabulary word of the codebook
is read the same way, so "belastningen i arbetet" meets "arbetsbelastning" part by part.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qualcode.nlp import pipeline

# Function words dropped before matching ("stöd till chefer" = "stöd chefer"); the
# prepositions are kept aside to read who receives something (see `role_tags`).
FUNCTION_WORDS = frozenset(
    "och o samt eller till för av i på med åt om som att en ett den det de vår våra vårt våran min mina mitt "
    "sin sina sitt hos inom vid under mm m.m etc t.ex bl.a både även kring är vara blir bli "
    "så man vi oss dem deras er jag ju nog typ the t f resp från mellan per varje ha har få får "
    "kunna kan ska skall vill".split()
)
# Words that grade an area ("mer", "bättre") or name the question ("punkt") but never an area.
FILLER_WORDS = frozenset(
    "mer mera fler flera färre mindre mycket många bättre bra sämre god goda gott ökad ökat ökade "
    "utökad utökat minskad minskat större stor stora tydligare mest mesta "
    "fortsatt fortsatta fortsätta satsning satsningar "
    "behov behöver behövs arbete arbetet jobbet fungerar fungerat "
    "punkt punkter punkten punkterna område områden området områdena alternativ del delar "
    "nya ny nytt egen eget egna hela helt väldigt lite".split()
)
QUANTITY_WORDS = frozenset("fler flera färre antal antalet mer mera".split())
# Staff as a number ("fler socialsekreterare") is staffing, whatever the title.
STAFF_WORDS = frozenset("handläggare socialsekreterare biståndshandläggare medarbetare personal".split())
ALL_WORDS = frozenset("alla allt samtliga allihop båda bägge övriga resten".split())
# Abbreviations that respondents use; expanded before matching.
ABBREVIATIONS = {
    "adm": "administrativ", "admin": "administrativ", "administr": "administrativ",
    "administration": "administrativ", "administrationen": "administrativ", "administrativa": "administrativ",
    "bitr": "biträdande", "bitr.": "biträdande", "bitr.ec": "biträdande enhetschef",
    "ec": "enhetschef", "bec": "biträdande enhetschef",
    "soc": "socialsekreterare", "socsekr": "socialsekreterare", "socialsekr": "socialsekreterare",
    "soc.sekr": "socialsekreterare", "handl": "handläggare", "bist.handl": "biståndshandläggare",
    "intro": "introduktion", "introt": "introduktion", "introd": "introduktion",
    "utb": "utbildning", "komp": "kompetens", "kompetensutv": "kompetensutveckling",
    "fortb": "fortbildning", "ärendehandl": "ärendehandledning", "handledn": "handledning",
    "medhandl": "medhandläggarskap", "stud": "student", "t": "till",
}
# English grammar words read as their Swedish counterparts, so that an English answer follows the
# same rules ("support for managers" = "stöd för chefer": the recipient rule; "and" coordinates).
# The content words are the codebook's synonyms ("supervision = handledning"), not listed here.
ENGLISH_GRAMMAR = {
    "and": "och", "or": "eller", "for": "för", "to": "till", "of": "av", "with": "med", "from": "från",
    "in": "i", "on": "på", "at": "vid", "a": "en", "an": "en", "our": "våra", "we": "vi", "us": "oss",
    "them": "dem", "their": "deras", "my": "min", "that": "som", "who": "som", "which": "som", "is": "är", "are": "är",
    "more": "mer", "better": "bättre", "less": "mindre", "fewer": "färre", "new": "ny", "all": "alla",
    "everything": "allt", "each": "varje", "every": "varje", "good": "bra", "two": "två", "own": "eget",
}
# Short forms used as the first part of compounds ("introprogram", "adminstöd").
PREFIX_ABBREVIATIONS = {"intro": "introduktion", "adm": "administrativ", "admin": "administrativ"}
# People who receive support: the recipient rule reads them ("stöd till chefer": P07).
ROLE_WORDS = frozenset(
    "chef enhetschef sektionschef avdelningschef gruppledare handläggare socialsekreterare "
    "biståndshandläggare medarbetare personal ledning".split()
)
# The people the service is for (the codebook's "brukare (klienter, barn, äldre)"): like staff, a
# client named as receiver ("mer tid för klienterna") is who gets something, not the topic.
CLIENT_WORDS = frozenset("brukare klient kund patient elev deltagare ungdom arbetssökande boende förälder".split())
RECIPIENT_MARKS = frozenset("till för åt".split())
SOURCE_MARKS = frozenset(("från",))
# Verbs after a person that say whether the person gives or gets ("ledning som ger stöd").
GIVING_VERBS = frozenset("ger ge gav erbjuder erbjuda stöttar stötta uppmuntrar hjälper".split())
RECEIVING_VERBS = frozenset("behöver får fått saknar önskar vill".split())
_DETERMINERS = frozenset("oss våra vår vårt våran min mina mitt de dess alla samtliga".split())
# Derivational endings that are not compound heads ("delaktig|het", "medhandläggar|skap").
_NOT_HEADS = frozenset("het heten skap skapet ning ningen else ande ende are ande tion itet dom lig ig ism ör".split())
# Adjective forms that are not the noun of the same spelling ("lokalt" forum, not "lokaler").
ADJECTIVE_FORMS = {"lokalt": "lokalt", "lokala": "lokalt", "lokal": "lokal"}
# Lexicalised compounds that are not read as their parts ("social|sekreterare" is no secretary).
LEXICALISED = frozenset(
    "socialsekreterare handledare handledning medarbetare handläggare socionom arbetsplats arbetsgivare "
    "verksamhet förvaltning stadsdel utvecklare ledning uppdrag förhållande".split()
)
_TOKEN = re.compile(r"[a-zåäöéüæø0-9]+(?:[-.][a-zåäöéüæø0-9]+)*")
_SUFFIXES = ("erna", "arna", "orna", "ernas", "arnas", "ens", "ets", "na", "en", "et", "er",
             "ar", "or", "as", "es", "a", "e", "s", "t", "n")


def normalise_answer(text: object) -> str:
    """The key of an answer in mapping files: NFKC (full-width '２' is 2), lower case, single
    spaces, no edge punctuation."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).lower()
    s = s.replace("\u00a0", " ").replace("’", "'")
    s = re.sub(r"\s+", " ", s).strip()
    return s.strip(" .,;:!\"'`´")


@functools.lru_cache(maxsize=50_000)
def is_known(word: str) -> bool:
    """Is this a word of simplemma's Swedish dictionary?"""
    from qualcode.nlp.lemmas import is_known

    return is_known(word)


def lemma_of(word: str) -> str:
    """simplemma's lemma of a word, unless it is another word of the same spelling.

    Swedish inflection keeps a word's first letter (män → man, böcker → bok), so a lemma that
    starts otherwise names a different word: "it" → "se" would let every form of the verb
    ("ser", "sett", "såg", "-ses") match the alias IT. Such a word is read as itself.
    """
    lemma = pipeline.lemma_of(word)
    if lemma and word and lemma[0] != word[0].lower():
        return word
    return lemma


def stem(word: str) -> str:
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)]
    return word


def tokens(text: str) -> list[str]:
    """Lower-case tokens with abbreviations expanded ('adm. stöd' -> administrativ stöd)."""
    s = normalise_answer(text).replace("&", " och ").replace("+", " och ").replace("/", " / ")
    s = re.sub(r"\bsoc\.?\s*sekr\w*\.?", " socialsekreterare ", s)
    s = re.sub(r"\bbist\.?\s*handl\w*\.?", " biståndshandläggare ", s)
    out: list[str] = []
    for tok in _TOKEN.findall(s):
        tok = tok.strip(".")
        if tok in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[tok].split())
        elif tok in ENGLISH_GRAMMAR:
            out.append(ENGLISH_GRAMMAR[tok])
        elif "." in tok:
            # "adm.stöd", "p.2": split on the inner dot and expand each part
            for part in tok.split("."):
                out.extend(ABBREVIATIONS.get(part, part).split())
        else:
            out.append(tok)
    return [t for t in out if t]


def content(toks: Iterable[str]) -> list[str]:
    return [t for t in toks if t not in FUNCTION_WORDS]


@dataclass(frozen=True)
class Part:
    """One compound part of a word, with its alternatives (lemma, synonyms)."""

    text: str
    forms: frozenset[str]


@dataclass(frozen=True)
class Word:
    """An answer or vocabulary word: its whole forms and its compound parts."""

    surface: str
    lemma: str
    wholes: frozenset[str]
    parts: tuple[Part, ...]  # one part when the word is not a compound
    role: bool = False

    @property
    def split(self) -> bool:
        return len(self.parts) > 1


class Lexicon:
    """Reads words for one codebook: its vocabulary guides compound splits; synonyms add forms."""

    def __init__(self, vocabulary: Iterable[str], synonyms: Mapping[str, set[str]]):
        self.synonyms = {lemma_of(k) if " " not in k else k: set(v) for k, v in synonyms.items()}
        for k, v in synonyms.items():
            self.synonyms.setdefault(k, set()).update(v)
        self.atoms: set[str] = set()
        for w in vocabulary:
            self.atoms.add(w)
            self.atoms.add(lemma_of(w))
        for left, targets in synonyms.items():
            self.atoms.update(left.split())
            for t in targets:
                self.atoms.update(t.split())
        self._cache: dict[tuple[str, bool], Word] = {}

    def word(self, token: str, answer: bool = True) -> Word:
        """Read one token; an answer's words also take the synonyms' forms, the codebook's do not."""
        cached = self._cache.get((token, answer))
        if cached is None:
            cached = self._cache[(token, answer)] = self._read(token, answer)
        return cached

    def _forms(self, text: str, answer: bool = True) -> set[str]:
        if text in ADJECTIVE_FORMS and text != "lokal":
            return {text, ADJECTIVE_FORMS[text]}
        lemma = lemma_of(text) if text.isalpha() else text
        forms = {text, lemma, stem(text)}
        for suffix in ("skapet", "skap"):
            # "fadderskap" is about the fadder: the derivation names the same thing
            if text.endswith(suffix) and text[: -len(suffix)] in self.atoms:
                forms.add(text[: -len(suffix)])
        if answer:
            for f in list(forms) + _plural_singulars(text):
                forms.update(self.synonyms.get(f, ()))
        return forms

    def _read(self, token: str, answer: bool) -> Word:
        surface = token
        lemma = lemma_of(token) if (token.isalpha() or "-" in token) else token
        if token in ADJECTIVE_FORMS:
            lemma = ADJECTIVE_FORMS[token]
        wholes = frozenset(self._forms(token, answer) | ({lemma} if lemma else set()))
        role = lemma in ROLE_WORDS or lemma in CLIENT_WORDS or any(lemma.endswith(r) and len(lemma) - len(r) >= 3 for r in ("chef", "handläggare"))
        if not role and answer:
            # a word read through a synonym as a person ("managers": manager = chef)
            role = bool(wholes & (ROLE_WORDS | CLIENT_WORDS))
        pieces = self._split(token)
        if len(pieces) > 1:
            parts = tuple(Part(p, frozenset(self._forms(p, answer))) for p in pieces)
            # the word again with its head in base form or synonym: "metodutvecklarna" → metodutvecklare
            if token.endswith(pieces[-1]):
                prefix = token[: len(token) - len(pieces[-1])]
                wholes = wholes | {prefix + f for f in parts[-1].forms if len(f) >= 3}
        else:
            parts = (Part(token, wholes),)
        return Word(surface, lemma, wholes, parts, role)

    def _split(self, token: str) -> list[str]:
        """Compound parts of a word ("arbetsbelastningen" → arbete, belastning); [word] if none."""
        if "-" in token:
            out: list[str] = []
            for piece in token.split("-"):
                if piece:
                    out.extend(self._split(piece))
            return out or [token]
        if not token.isalpha() or len(token) < 6:
            return [token]
        lemma = lemma_of(token)
        if lemma in LEXICALISED or token in LEXICALISED:
            return [token]
        for prefix, full in PREFIX_ABBREVIATIONS.items():
            if token.startswith(prefix) and len(token) - len(prefix) >= 3 and not is_known(token):
                rest = token[len(prefix):]
                if self._known(rest, 3):
                    return [full, *self._split(rest)]
        known_whole = is_known(token) or token in self.atoms or lemma in self.atoms
        best: tuple[tuple[int, int, int], list[str]] | None = None
        for j in range(3, len(token) - 2):
            head, left = token[j:], token[:j]
            if head in _NOT_HEADS or token[j - 1:] in _NOT_HEADS or not self._known(head, 4):
                continue
            for cand in self._left_forms(left):
                if cand in FUNCTION_WORDS or not self._known(cand, 4):
                    continue
                head_atom = head in self.atoms or lemma_of(head) in self.atoms
                left_atom = cand in self.atoms or lemma_of(cand) in self.atoms
                if known_whole and not (head_atom or left_atom):
                    continue  # a dictionary word is only split when a part is a codebook word
                score = (head_atom + left_atom, len(head), -abs(len(cand) - len(head)))
                if best is None or score > best[0]:
                    best = (score, [cand, head])
                break
        return best[1] if best else [token]

    def _known(self, text: str, min_len: int) -> bool:
        if text in self.atoms or lemma_of(text) in self.atoms:
            return len(text) >= 3
        return len(text) >= min_len and is_known(text)

    def _left_forms(self, left: str) -> list[str]:
        forms = [left]
        if left.endswith("s") and len(left) > 3:
            forms.append(left[:-1])
            forms.append(left[:-1] + "e")
        forms += [left + "e", left + "a"]
        if left.endswith(("e", "a")) and len(left) > 3:
            forms.append(left[:-1])
        # the codebook's own words first ("brukar" → brukare, not the verb "bruka")
        return sorted(dict.fromkeys(forms), key=lambda f: (f not in self.atoms and lemma_of(f) not in self.atoms))


def _plural_singulars(word: str) -> list[str]:
    """Singulars of a plural in -s that is no Swedish word, to look up in the synonym table
    ("courses", "offices", "vacancies" → course, office, vacancy)."""
    if len(word) < 4 or not word.isalpha() or not word.endswith("s") or is_known(word):
        return []
    out = [word[:-1]]
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("ies"):
        out.append(word[:-3] + "y")
    return out


def role_tags(toks: list[str], words: list[Word], admin: bool) -> list[str]:
    """Per content token: 'recipient' (till/för/åt X, or X's with an administrative topic),
    'source' (från X, X's otherwise), or '' (not a role word, or no marker)."""
    tags: list[str] = []
    content_index = 0
    prev_marks: list[str] = []
    for n, tok in enumerate(toks):
        if tok in FUNCTION_WORDS:
            if tok in _DETERMINERS and prev_marks:
                continue  # "till oss handläggare": the mark carries over
            prev_marks.append(tok)
            continue
        w = words[content_index]
        content_index += 1
        tag = ""
        if w.role:
            if prev_marks and prev_marks[-1] in RECIPIENT_MARKS:
                tag = "recipient"
            elif prev_marks and prev_marks[-1] in SOURCE_MARKS:
                tag = "source"
            elif tok.endswith("s") and w.lemma != tok:
                tag = "recipient" if admin else "source"  # genitive: "chefernas adm", "chefernas stöd"
            else:
                after = set(toks[n + 1:n + 4])
                if after & GIVING_VERBS:
                    tag = "source"  # "ledning som ger stöd"
                elif after & RECEIVING_VERBS and w.lemma not in CLIENT_WORDS:
                    # "cheferna behöver administrativ hjälp"; clients who "får säga sitt" take part
                    tag = "recipient"
        tags.append(tag)
        prev_marks = []
    return tags
