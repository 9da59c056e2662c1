"""Map free-text questionnaire answers to one of the 13 points, OVRIGT or EJ_SVAR.

The final questionnaire asked respondents to name areas of the action plan; they wrote
"2", "p.2", "punkt 6", "Introduktion/mentorskap", "handläggarnas adm", "Lön", "-".
`MentionMapper.map(answer)` returns a `Mention` with exactly one category, or none
(unresolved) with ranked candidates, and always the method and the evidence it used.
Nothing is guessed: an answer that fits two areas (bare "adm stöd": P06 or P07) or none with
confidence stays unresolved until the researcher settles it in a mapping file.

Order of evidence, from the codebook and general rules of Swedish (no phrasings of any sample):
1. the mapping file; 2. no answer (empty, "-", "vet ej", "inget"); 3. point numbers in any
usual form ("2", "(2)", "p.2", "punkt 2", "P02", "2 intro"); 4. the text, read word by word as
lemmas and compound parts, with the codebook's synonyms ("fadder = mentor"; English answers through
English synonyms, "supervision = handledning") and fixed spelling:
   - a code's aliases and keywords found in the answer, in any order and split or joined
     ("inflytande för brukare" = brukarinflytande, "belastningen i arbetet" = arbetsbelastning);
   - the words of a point's name, each weighted by how few of the 13 names share it
     ("mottagande av studenter regelbundet": P11);
   - the recipient rule: who receives the support is read from "till/för/åt X" and the
     genitive ("stöd i administrationen för våra chefer": P07, "handläggarnas adm": P06), and a
     person named as receiver is not the topic ("chef" there does not make it P05);
   - the longest evidence wins; evidence for two points on different words stays unresolved;
5. OVRIGT only with evidence that the answer names something outside the 13 points: the
   codebook's themes (T-LON, T-IT, …) or a known topic (`OVRIGT_TOPICS`: friskvård, arbetstider …).
   A short answer of ordinary words with no match stays unresolved: it may be a synonym of a point.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.cells import csv_row, csv_text
from qualcode.analysis.mentions.words import (
    ALL_WORDS,
    CLIENT_WORDS,
    FILLER_WORDS,
    FUNCTION_WORDS,
    QUANTITY_WORDS,
    RECIPIENT_MARKS,
    STAFF_WORDS,
    SOURCE_MARKS,
    Lexicon,
    Word,
    content,
    is_known,
    lemma_of,
    normalise_answer,
    role_tags,
    stem,
    tokens,
)
from qualcode.core.codebook import Code, Codebook, default_codebook, parse_synonym
from qualcode.core.errors import Hint, InputError
from qualcode.core.i18n import N_, _

OVRIGT = "OVRIGT"
EJ_SVAR = "EJ_SVAR"

NO_ANSWER = frozenset(
    "vet ej|vet inte|vetej|vet ikke|ej svar|inget svar|ingen svar|svarar ej|inget|ingen|inga|"
    "ingenting|nej|ej|ej aktuellt|ej relevant|inte aktuellt|ingen aning|ingen åsikt|"
    "kan ej svara|kan inte svara|kan ej bedöma|kan inte bedöma|har ingen uppfattning|"
    "ingen uppfattning|n/a|na|x|-|saknas|tomt|vet ej/inget|inget att tillägga|osäker|ingen kommentar|"
    "inga kommentarer|inget att säga|ingen synpunkt|inga synpunkter|kommer inte på något|inget mer att tillägga|"
    "svårt att säga|svårt att svara|svårt att svara på|svårt att bedöma|"
    # English, as respondents answer in it
    "don't know|dont know|do not know|i don't know|i dont know|i do not know|not sure|unsure|no idea|"
    "no answer|none|nothing|no comment|not applicable".split("|")
)
# Topics outside the 13 points that respondents name; with the codebook's themes they are the
# evidence for OVRIGT. Extend the codebook (a theme's keywords) rather than this list.
OVRIGT_TOPICS = (
    "friskvård friskvårdstimme friskvårdsbidrag arbetstid arbetstider flextid flexibilitet "
    "distansarbete hemarbete semester arbetsmiljö förmån parkering fruktkorg frukost "
    "sjukfrånvaro hälsa trivselaktivitet personalfest kickoff tjänstebil schema arbetsro "
    "hot våld samverkan samarbetspartner"
).split()
NUMBER_WORDS = {
    "ett": 1, "en": 1, "ettan": 1, "två": 2, "tvåan": 2, "tre": 3, "trean": 3, "fyra": 4,
    "fyran": 4, "fem": 5, "femman": 5, "sex": 6, "sexan": 6, "sju": 7, "sjuan": 7, "åtta": 8,
    "åttan": 8, "nio": 9, "nian": 9, "tio": 10, "tian": 10, "elva": 11, "elvan": 11,
    "tolv": 12, "tolvan": 12, "tretton": 13, "trettonde": 13, "fjorton": 14,
}
ORDINAL_WORDS = {
    "första": 1, "andra": 2, "tredje": 3, "fjärde": 4, "femte": 5, "sjätte": 6, "sjunde": 7,
    "åttonde": 8, "nionde": 9, "tionde": 10, "elfte": 11, "tolfte": 12, "trettonde": 13,
}
# "den tredje punkten", "13:e punkten", "tolfte punkt", "den trettonde"; a bare "andra" is "other"
_ORDINAL = re.compile(r"^(?P<den>den\s+)?(?:(?P<word>[a-zåäö]+)|0*(?P<digits>\d{1,2}):?[ae])(?P<punkt>\s+(?:punkten|punkt|området))?$")
_NUMBER_PREFIX = r"(?:p|pkt|punkt|punkten|nr|nummer|no|alt|alternativ|område|omr|#)"
_NUMBER_FULL = re.compile(
    rf"^(?:{_NUMBER_PREFIX}\s*[.:]?\s*)?[(\[]?\s*0*(\d{{1,2}})\s*[)\]]?\s*(?:[.):,;:\-–]|:an|an|a)?"
    rf"(?:\s+(?P<rest>.*))?$"
)
# a number after the text: "lokaler (13)", "lokaler p13", "lokaler 13" (not the "p" that ends "mentorskap")
_NUMBER_TAIL = re.compile(rf"^(?P<rest>.*?)[\s,;:\-–]*(?:\(\s*(?:{_NUMBER_PREFIX}\s*\.?\s*)?0*(\d{{1,2}})\s*\)|"
                          rf"(?<![a-zåäö]){_NUMBER_PREFIX}\s*\.?\s*0*(\d{{1,2}})|(?<=[a-zåäö])[\s,;:\-–]+0*(\d{{1,2}}))\.?$")
# "inte 3", "ej punkt 13", "nej, inte lokaler", "allt utom 3": the answer names what is not meant
_NEGATION = re.compile(r"^(?:nej\W+)?(?:inte|ej|icke|ingalunda)(?:\s+heller)?\s+(?P<rest>.+)$")
_EXCEPT = re.compile(r"^(?:(?:allt|alla|samtliga|allihop|alltihop)\s+)?(?:utom|förutom)\b")
# "alla 13", "samtliga tretton punkter": every area, not point 13
_ALL_POINTS = re.compile(r"^(?:alla|samtliga|allihop)\s+(?:de\s+)?(?:13|tretton)(?:\s+(?:punkter|punkterna|områden|områdena))?$")
# a number before "X per Y" is a quantity, not a point ("12 barn per handläggare")
_RATIO = re.compile(r"\bper\b|\bi (?:veckan|månaden|taget)\b|\bom (?:dagen|året)\b")
# a further point number inside the text ("3 arbetsbelastning, 13 lokaler"), not a decimal ("2,5")
_NUMBER_IN_TEXT = re.compile(r"(?<![\d,.])\b0*(\d{1,2})\b(?![,.]\d)")
_NUMBER_WORD = re.compile(rf"^{_NUMBER_PREFIX}\s*\.?\s*([a-zåäö]+)$")

# Words that contradict a word of a point's name ("extern" handledning is not "intern").
ANTONYMS = {"extern": "intern", "externa": "intern", "externt": "intern", "osystematisk": "systematisk"}
_COORDINATION = re.compile(r"\s+(?:och|o|samt|eller|resp|respektive|and|or)\s+|[/,;&+]")
FUZZY_STRONG = 88.0   # a misspelt word is read as the vocabulary word at or above this ratio
DOMINANCE = 3.0       # a category wins over another single-word hit by this factor

@dataclass(frozen=True)
class Candidate:
    """A possible category for an unresolved answer, with a relative score (0–1)."""

    category: str
    score: float


@dataclass(frozen=True)
class Mention:
    """One answer mapped: `category` is None when unresolved; `method` says how, `evidence` with what."""

    answer: str
    key: str
    category: str | None
    method: str
    candidates: tuple[Candidate, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.category is not None


def mention_categories(codebook: Codebook) -> list[str]:
    """Category ids in table order: the points by number, then OVRIGT and EJ_SVAR."""
    return [c.id for c in codebook.points] + [OVRIGT, EJ_SVAR]


def mention_labels(codebook: Codebook) -> dict[str, str]:
    """Row labels as in the published report, the same in every language (CSV output keeps them):
    '1. Brukardelaktighet…', '14. Övrigt', 'Ej svar'."""
    return _labels(codebook, "Övrigt", "Ej svar")


def mention_names(codebook: Codebook) -> dict[str, str]:
    """Row labels as a person reads them: the points' names (the codebook's), 'Other' and 'No
    answer' in the interface language."""
    return _labels(codebook, _("Other"), _("No answer"))


def _labels(codebook: Codebook, other: str, no_answer: str) -> dict[str, str]:
    points = codebook.points
    labels = {c.id: f"{c.number}. {c.name}" for c in points}
    last = max((c.number or 0) for c in points) if points else 0
    labels[OVRIGT] = f"{last + 1}. {other}"
    labels[EJ_SVAR] = no_answer
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
    raise InputError(_("unknown category '{value}' — valid: {cats}").format(value=value, cats=', '.join(cats)))


# -- the mapper ----------------------------------------------------------------------------



_NO_ANSWER_HEADS = ("inget", "ingen", "inga", "vet ej", "vet inte", "kan ej svara", "kan inte svara", "kan ej bedöma",
                    "kan inte bedöma", "ingen aning", "inget särskilt", "inget av dem", "inget av",
                    "ingen av dem", "inga av dem", "har ingen", "har inget", "inget svar", "ej svar")


def _no_answer_part(text: str) -> bool:
    if text in NO_ANSWER:
        return True
    for head in _NO_ANSWER_HEADS:
        if text == head or text.startswith(head + " "):
            rest = text[len(head):].split()
            if all(w in FUNCTION_WORDS or w in FILLER_WORDS or w in ("alls", "riktigt", "just", "nu", "svar", "tillägga", "ovanstående", "ovan", "dessa") for w in rest):
                return True
    return False




@dataclass(frozen=True)
class _Slot:
    word: Word
    tag: str = ""  # role words: 'recipient' / 'source' from the term's own preposition, 'topic' alone


@dataclass(frozen=True)
class _Term:
    slots: tuple[_Slot, ...]
    categories: tuple[str, ...]
    kind: str  # alias, keyword, theme, topic (OVRIGT_TOPICS), hint (one word of a longer keyword)
    text: str
    code: str


@dataclass(frozen=True)
class _Match:
    categories: tuple[str, ...]
    cover: frozenset[tuple[int, int]]  # (word, compound part) units of the answer
    quality: int  # 3 same spelling, 2 same lemma or synonym, 1 compound part or split compound
    kind: str
    weight: float
    evidence: str
    partial_name: bool = False  # a name match on part of a name's compound ("delaktighet" of brukardelaktighet)

    @property
    def strong(self) -> bool:
        return self.kind not in ("hint", "weak-name")


_KIND_RANK = {"alias": 4, "keyword": 4, "theme": 4, "topic": 4, "name": 3, "weak-name": 1, "hint": 0}
# Evidence is text for a reader, in the interface language (the method is the identifier scripts read).
_KIND_LABEL = {"alias": N_("alias"), "keyword": N_("keyword"), "theme": N_("theme"), "topic": N_("other topic"),
               "name": N_("name word"), "weak-name": N_("name word"), "hint": N_("word of a keyword")}


def _compatible(slot_tag: str, answer_tag: str) -> bool:
    if slot_tag == "topic":
        return answer_tag != "recipient"  # "stöd till chefer": chef is the receiver, not the topic
    if slot_tag and answer_tag:
        return slot_tag == answer_tag
    return True


@dataclass(frozen=True)
class CellReading:
    """One cell read as the areas it names: `mentions` are what counts, one per area, in the order
    written (`(whole,)` when the cell is one answer); `whole` maps the whole cell; `repeated` are the
    areas the cell names twice (counted once for its respondent)."""

    whole: Mention
    mentions: tuple[Mention, ...]
    split: bool = False
    repeated: tuple[str, ...] = ()


# Where a cell naming several areas is parted: a list sign, a line, ',', ';', '/', '+', '&', 'och', 'samt'
_CELL_SEPARATOR = re.compile(r"(\s*[,;/+&]\s*|\s+(?:och|samt)\s+)", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-–—•·*▪◦‣]+\s+")
_SPACED_NUMBERS = re.compile(r"^\s*\d{1,2}(?:\s+\d{1,2})+\s*$")
# "3,5" or "2.5" is a decimal number, not points 3 and 5 ("4,6,2" is a list)
_DECIMAL = re.compile(r"(?<![\d,.])\d+[,.]\d+(?![\d,.]*\d)")
_MAX_JOINED = 6  # pieces read together as one answer ("Lämpliga lokaler och fungerande arbetsredskap")


class MentionMapper:
    """Maps answers to categories using a codebook and an optional mapping file.

    >>> m = MentionMapper()
    >>> [m.map(a).category for a in ("p.2", "Lokalerna", "Lön", "vet ej", "handläggarnas adm")]
    ['P02', 'P13', 'OVRIGT', 'EJ_SVAR', 'P06']
    >>> m.map("adm stöd").category is None
    True
    """

    def __init__(self, codebook: Codebook | None = None, mapping: Mapping[str, str] | None = None):
        self.codebook = codebook or default_codebook()
        self.categories = mention_categories(self.codebook)
        self.mapping = {normalise_answer(k): v for k, v in (mapping or {}).items()}
        bad = sorted({v for v in self.mapping.values() if v not in self.categories})
        if bad:
            raise InputError(_("unknown category {map} in the mapping — valid: {categories}").format(map=', '.join(map(repr, bad)), categories=', '.join(self.categories)),
                             value=bad[0], valid=self.categories)
        self._by_number = {c.number: c.id for c in self.codebook.points if c.number is not None}
        self._ovrigt_number = max(self._by_number) + 1 if self._by_number else 14
        self._synonyms: dict[str, set[str]] = {}
        for code in self.codebook:
            for entry in code.synonyms:
                left, right = parse_synonym(entry, _("the code '{code}'").format(code=code.id))
                self._synonyms.setdefault(left, set()).add(right)
        # synonyms of several words ("social worker = socialsekreterare") are read as one word first
        self._phrases = sorted(
            ((re.compile(r"\b" + r"\s+".join(re.escape(w) + r"\w{0,3}" for w in left.split()) + r"\b"), left, right)
             for left, rights in self._synonyms.items() if " " in left for right in sorted(rights)[:1]),
            key=lambda p: -len(p[1]))
        vocabulary: set[str] = set(OVRIGT_TOPICS)
        for code in self.codebook:
            for text in (code.name, *code.aliases, *code.keywords):
                vocabulary.update(content(tokens(text)))
        self.lexicon = Lexicon(vocabulary, self._synonyms)
        self._build_names()
        self._terms = self._build_terms()
        # terms by the forms of their first word (or its first compound part), to try only those
        self._by_form: dict[str, list[int]] = {}
        for n, term in enumerate(self._terms):
            first = term.slots[0].word
            keys = {first.surface, first.lemma} | set(first.wholes)
            if first.split:
                keys |= first.parts[0].forms
            for k in keys:
                self._by_form.setdefault(k, []).append(n)
        self._spelling = self._spelling_vocabulary()
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

    def _build_names(self) -> None:
        """Each point name's topic words and receivers; a word's weight is 1 / (names sharing it)."""
        self._name_topics: dict[str, dict[str, str]] = {}  # point -> form -> name word
        self._name_receivers: dict[str, set[str]] = {}
        self._name_sources: dict[str, set[str]] = {}  # whom the name's topic comes from ("återkoppling från brukare")
        self._whole_name_forms: set[str] = set()
        for code in self.codebook.points:
            topics: dict[str, str] = {}
            receivers: set[str] = set()
            sources: set[str] = set()
            marked = False
            source = False
            for tok in tokens(code.name):
                if tok in FUNCTION_WORDS:
                    marked = marked or tok in RECIPIENT_MARKS
                    source = tok in SOURCE_MARKS
                    continue
                w = self.lexicon.word(tok, answer=False)
                if tok in FILLER_WORDS:
                    continue
                if w.role and marked:
                    receivers.update(self._forms_of(w))
                    continue
                if w.role and source:
                    sources.update(self._forms_of(w))
                source = False
                for f in self._forms_of(w):
                    topics.setdefault(f, tok)
                for f in w.wholes:
                    self._whole_name_forms.add(f)
            self._name_topics[code.id] = topics
            self._name_receivers[code.id] = receivers
            self._name_sources[code.id] = sources
        df: dict[str, int] = {}
        for topics in self._name_topics.values():
            for name_word in set(topics.values()):
                df[name_word] = df.get(name_word, 0) + 1
        self._name_df = df
        # name words the code's own aliases, keywords or include text use too: only these name the
        # point alone ("systematisk", "fungerande"; not "uppdraget", "förhållande", "möjlighet")
        self._own_name_words: dict[str, set[str]] = {}
        for code in self.codebook.points:
            forms: set[str] = set()
            for text in (*code.aliases, *code.keywords, code.include):
                for tok in content(tokens(text)):
                    forms |= self._forms_of(self.lexicon.word(tok.strip("-"), answer=False))
            self._own_name_words[code.id] = {
                name_word for name_word in set(self._name_topics[code.id].values())
                if self._forms_of(self.lexicon.word(name_word, answer=False)) & forms}
        # a topic shared only by points with receivers ("administrativt" in 6 and 7): with it,
        # a genitive names the receiver ("chefernas adm")
        with_receivers = [p for p, r in self._name_receivers.items() if r]
        others = [p for p, r in self._name_receivers.items() if not r]
        shared = {f for p in with_receivers for f in self._name_topics[p]
                  if sum(f in self._name_topics[q] for q in with_receivers) > 1}
        self._admin_forms = {f for f in shared if not any(f in self._name_topics[p] for p in others)}

    @staticmethod
    def _forms_of(w: Word) -> set[str]:
        forms = set(w.wholes)
        for part in w.parts:
            forms |= part.forms
        return {f for f in forms if len(f) >= 3 and f not in FILLER_WORDS and f not in FUNCTION_WORDS}

    def _build_terms(self) -> list[_Term]:
        shared = {f for p in self._name_topics for f in self._name_topics[p]
                  if sum(f in t for t in self._name_topics.values()) > 1}
        terms: list[_Term] = []
        seen: set[tuple[tuple[str, ...], str]] = set()

        def add(text: str, cat: str, kind: str, code: str) -> None:
            toks = tokens(text)
            slots: list[_Slot] = []
            mark = ""
            for tok in toks:
                if tok in FUNCTION_WORDS:
                    mark = "recipient" if tok in RECIPIENT_MARKS else ("source" if tok in SOURCE_MARKS else mark)
                    continue
                w = self.lexicon.word(tok, answer=False)
                slots.append(_Slot(w, mark if w.role else ""))
                mark = ""
            if not slots:
                return
            if len(slots) == 1 and slots[0].word.role and not slots[0].tag:
                slots = [_Slot(slots[0].word, "topic")]
            key = tuple(s.word.lemma + s.tag for s in slots)
            if (key, cat) in seen:
                return
            if kind in ("alias", "keyword") and not any(s.word.role for s in slots) and len(slots) > 1 \
                    and all(s.word.lemma in shared or s.word.surface in shared for s in slots):
                return  # "adm stöd" is shared by two point names: it names neither alone
            seen.add((key, cat))
            terms.append(_Term(tuple(slots), (cat,), kind, text, code))
            if len(slots) > 1 and cat != OVRIGT:
                for s in slots:
                    if not s.word.role and len(s.word.surface) >= 4 and s.word.surface not in FILLER_WORDS:
                        terms.append(_Term((s,), (cat,), "hint", text, code))

        for code in self.codebook:
            cat = self._category_of(code)
            if cat is None:
                continue
            kind = "theme" if cat == OVRIGT else None
            for text in code.aliases:
                add(text, cat, kind or "alias", code.id)
                if "-" in text:
                    add(text.replace("-", " "), cat, kind or "alias", code.id)
            for text in code.keywords:
                add(text, cat, kind or "keyword", code.id)
                if "-" in text:
                    add(text.replace("-", " "), cat, kind or "keyword", code.id)
            if cat == OVRIGT:
                add(code.name, cat, "theme", code.id)
        for text in OVRIGT_TOPICS:
            add(text, OVRIGT, "topic", "")
        # a receiver alone ("socialsekreterarna") only hints at the point that names it
        for point, receivers in self._name_receivers.items():
            for code_word in sorted(receivers):
                vocab_word = self.lexicon.word(code_word, answer=False)
                if vocab_word.role:
                    terms.append(_Term((_Slot(vocab_word),), (point,), "hint", code_word, point))
        # "HR" alone: every hr-… keyword belongs to one category, so the acronym names it
        heads: dict[str, set[str]] = {}
        for code in self.codebook:
            cat = self._category_of(code)
            for text in code.keywords + code.aliases:
                head = normalise_answer(text).split("-")[0]
                if cat and "-" in text and 2 <= len(head) <= 3 and head.isalpha():
                    heads.setdefault(head, set()).add(cat)
        for head, cats in heads.items():
            if len(cats) == 1:
                add(head, next(iter(cats)), "theme" if OVRIGT in cats else "keyword", "")
        return terms

    def _spelling_vocabulary(self) -> dict[str, str]:
        words: dict[str, str] = {}
        for t in self._terms:
            for s in t.slots:
                if len(s.word.surface) >= 5 and s.word.surface.isalpha():
                    words.setdefault(s.word.surface, s.word.lemma)
        for topics in self._name_topics.values():
            for name_word in topics.values():
                if len(name_word) >= 5 and name_word.isalpha():
                    words.setdefault(name_word, lemma_of(name_word))
        return words

    def map(self, answer: object) -> Mention:
        """Map one answer; results are cached per normalised answer."""
        text = "" if answer is None else str(answer)
        key = normalise_answer(text)
        cached = self._cache.get(key)
        if cached is not None:
            return Mention(text, key, cached.category, cached.method, cached.candidates, cached.evidence)
        result = self._map_key(text, key)
        self._cache[key] = result
        return result

    def map_cell(self, answer: object) -> CellReading:
        """Read one cell that may name several areas ("4, 6, 2", "handledning, lön och lokaler").

        The whole cell first: a cell that is one answer (a point's name holds 'och' and commas)
        stays one. Otherwise it is parted at list signs, lines, `,` `;` `/` `+` `&`, 'och' and
        'samt' (numbers also at spaces: "4 6 2"), reading neighbouring pieces together where they
        make one answer, in as few parts as possible; the parting is kept only when every part is
        resolved. A decimal number ("3,5") and a negated or all-areas cell are never parted.

        >>> [m.category for m in MentionMapper().map_cell("4, 6 och lokaler").mentions]
        ['P04', 'P06', 'P13']
        """
        text = "" if answer is None else str(answer)
        whole = self.map(text)
        if whole.resolved or whole.method in ("negated", "all-areas"):
            return CellReading(whole, (whole,))
        decimal = _DECIMAL.search(text)
        if decimal:
            kept = Mention(whole.answer, whole.key, None, "decimal", whole.candidates,
                           (_("'{number}' may be a decimal number: the cell is not parted").format(number=decimal.group(0)),))
            return CellReading(kept, (kept,))
        lines = [ln for ln in (_BULLET.sub("", ln).strip() for ln in text.splitlines()) if ln.strip(" .,;:")]
        parts: list[Mention] = []
        for line in lines:
            found = self._parted(line)
            if found is None:
                return CellReading(whole, (whole,))
            parts.extend(found)
        if len(parts) < 2:
            return CellReading(whole, (whole,))
        areas = [m for m in parts if m.category != EJ_SVAR] or parts[:1]
        seen: dict[str | None, Mention] = {}
        repeated: list[str] = []
        for m in areas:
            if m.category in seen:
                if m.category is not None and m.category not in repeated:
                    repeated.append(m.category)
                continue
            seen[m.category] = m
        return CellReading(whole, tuple(seen.values()), split=True, repeated=tuple(repeated))

    def _parted(self, line: str) -> list[Mention] | None:
        """One line of a cell in as few resolved parts as possible, or None when it cannot be."""
        if _SPACED_NUMBERS.match(line):
            pieces = line.split()
            return [self.map(p) for p in pieces] if all(self.map(p).resolved for p in pieces) else None
        chunks = _CELL_SEPARATOR.split(line)  # piece, separator, piece, …
        # an empty piece ("4,, 6", a closing ',') is no part: join it to its neighbour's separator
        spans = [i for i in range(0, len(chunks), 2) if chunks[i].strip(" .,;:")]
        if len(spans) < 2:
            return [self.map(line)] if self.map(line).resolved else None

        def text_of(a: int, b: int) -> str:  # the line from piece spans[a] to spans[b], as written
            return "".join(chunks[spans[a]:spans[b] + 1])

        n = len(spans)
        best: list[tuple[int, list[Mention]] | None] = [(0, [])] + [None] * n
        for end in range(1, n + 1):
            for start in range(max(0, end - _MAX_JOINED), end):
                before = best[start]
                if before is None:
                    continue
                m = self.map(text_of(start, end - 1))
                if not m.resolved:
                    continue
                here = best[end]
                if here is None or before[0] + 1 < here[0]:
                    best[end] = (before[0] + 1, [*before[1], m])
        found = best[n]
        return found[1] if found is not None else None

    def _map_key(self, text: str, key: str) -> Mention:
        if key in self.mapping:
            return Mention(text, key, self.mapping[key], "mapping", evidence=(_("the mapping file"),))
        if self._is_no_answer(key):
            return Mention(text, key, EJ_SVAR, "no-answer", evidence=(_("no answer: '{key}'").format(key=key),))
        if _ALL_POINTS.match(key):
            return Mention(text, key, None, "all-areas", (), (f"alla områden: {key}",))
        negated = self._negated(key)
        if negated is not None:
            return Mention(text, key, None, "negated", negated, (_("negated: '{key}' names what is not meant").format(key=key),))
        number = self._numbers(key)
        if number is not None:
            return self._with_number(text, key, *number)
        cat, method, cands, evidence = self._text_category(key)
        return Mention(text, key, cat, method, cands, evidence)

    def _negated(self, key: str) -> tuple[Candidate, ...] | None:
        """The areas a negated answer names, if it is one ("inte 3", "ej handledning", "förutom 3"):
        never counted as them (nor as another area: which one is not said). A longer answer
        ("inte tillräcklig handledning") says what is lacking and is read as usual."""
        if _EXCEPT.match(key):
            rest = _EXCEPT.sub("", key).strip()
        else:
            m = _NEGATION.match(key)
            if m is None:
                return None
            rest = m.group("rest")
            if self._numbers(rest) is None and len(rest.split()) > 1:
                return None
        number = self._numbers(rest) if rest else None
        if number is not None:
            cats = [c for c in dict.fromkeys(number[0]) if not c.startswith("?")]
        else:
            cat, _method, cands, _evidence = self._text_category(rest) if rest else (None, "", (), ())
            cats = [cat] if cat is not None else [c.category for c in cands]
        return tuple(Candidate(c, 0.5) for c in cats if c != EJ_SVAR)

    def _is_no_answer(self, key: str) -> bool:
        if not re.search(r"[0-9a-zåäöéü]", key):
            return True  # empty, "-", "?", "..."
        # digits stay: "ej 2" is a negated point, not "ej" (no answer)
        bare = re.sub(r"\s+", " ", re.sub(r"[^0-9a-zåäö/ ]", " ", key)).strip()
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
        # a bare number and a word ("12 barn per handläggare"), not "3." or "p3", may count something
        quantity = m is not None and m.start(1) == 0 and re.match(r"\s+[a-zåäö]", key[m.end(1):]) is not None
        if m and not (quantity and _RATIO.search(m.group("rest") or "")):
            return [self._number_category(int(m.group(1)))], (m.group("rest") or "")
        m = _NUMBER_TAIL.match(key)
        if m:
            n = m.group(2) or m.group(3) or m.group(4)
            return [self._number_category(int(n))], m.group("rest")
        m = _ORDINAL.match(key)
        if m and m.group("digits"):
            return [self._number_category(int(m.group("digits")))], ""
        if m and m.group("word") in ORDINAL_WORDS and (m.group("den") or m.group("punkt") or m.group("word") not in ("första", "andra")):
            return [self._number_category(ORDINAL_WORDS[m.group("word")])], ""
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
            return Mention(text, key, None, "number-unknown", tuple(Candidate(c, 0.5) for c in valid),
                           (_("unknown point number: {key}").format(key=key),))
        if len(valid) > 1:
            return Mention(text, key, None, "numbers-several", tuple(Candidate(c, 0.5) for c in valid),
                           (_("several point numbers: {numbers}").format(numbers=", ".join(valid)),))
        cat = valid[0]
        if rest.strip():
            # "3. Arbetsbelastning 13. Lokaler": a second point number names a second area
            more = [self._number_category(int(n)) for n in _NUMBER_IN_TEXT.findall(rest)]
            more = [c for c in dict.fromkeys(more) if not c.startswith("?") and c != cat]
            if more:
                return Mention(text, key, None, "numbers-several", (Candidate(cat, 1.0), *(Candidate(c, 0.5) for c in more)),
                               (_("several point numbers: {numbers}").format(numbers=", ".join([cat, *more])),))
            # "2 intro" confirms the number; "2 lokaler" contradicts it and is not guessed
            other, method, cands, evidence = self._text_category(rest)
            if method == "several" and len({c.category for c in cands if c.score >= 0.5} - {EJ_SVAR}) > 1:
                # "13 lokaler och lön": the text names two areas, whichever the number is
                ranked = [Candidate(cat, 1.0)] + [Candidate(c.category, 0.5) for c in cands if c.category != cat]
                return Mention(text, key, None, "several", tuple(ranked),
                               (_("number {number}").format(number=key.split()[0]), *evidence))
            # only clear evidence can contradict a number: a weak hint ("3 handläggare") cannot
            if other is not None:
                named = {other}
            elif method in ("ambiguous", "several"):
                named = {c.category for c in cands if c.score >= 0.5}
            else:
                named = set()
            named.discard(EJ_SVAR)
            if named and cat not in named:
                ranked = [Candidate(cat, 1.0)] + [Candidate(c, 0.5) for c in sorted(named)]
                return Mention(text, key, None, "number-conflict", tuple(ranked), (_("number {number}").format(number=key.split()[0]),))
        return Mention(text, key, cat, "number", evidence=(_("point number → {cat}").format(cat=cat),))

    # text ----------------------------------------------------------------------------

    def _text_category(self, key: str) -> tuple[str | None, str, tuple[Candidate, ...], tuple[str, ...]]:
        phrases: list[str] = []
        for pattern, left, right in self._phrases:
            key, n = pattern.subn(right, key)
            if n:
                phrases.append(f"{left} = {right}")
        toks = tokens(key)
        ctoks = content(toks)
        if not ctoks:
            return None, "empty", (), ()
        real = [t for t in ctoks if t not in FILLER_WORDS and t != "/"]
        if not real:
            return None, "filler-only", (), (_("only words of degree: {key}").format(key=key),)
        if all(t in ALL_WORDS for t in real):
            return None, "all-areas", (), (f"alla områden: {key}",)  # "alla", "samtliga punkter": not one area
        evidence: list[str] = [_("synonym {pairs}").format(pairs=", ".join(phrases))] if phrases else []
        fixed = [self._spelled(t, evidence) for t in ctoks]
        toks = [fixed[ctoks.index(t)] if t in ctoks else t for t in toks]
        words = [self.lexicon.word(t) for t in fixed]
        admin = any(self._forms_of(w) & self._admin_forms for w in words)
        tags = role_tags(toks, words, admin)
        groups = [g for g, chunk in enumerate(_COORDINATION.split(key)) for _ in content(tokens(chunk))]
        if len(groups) != len(words):
            groups = [0] * len(words)
        bag = {f for w in words for f in (*w.wholes, *(f for p in w.parts for f in p.forms))}
        tried = sorted({n for f in bag for n in self._by_form.get(f, ())})
        matches = [m for n in tried if (m := self._match(self._terms[n], words, tags, groups)) is not None]
        matches += self._name_matches(words, tags, fixed, groups)
        contradicted = {p for p, topics in self._name_topics.items()
                        if any(ANTONYMS.get(t) in topics for t in fixed)}
        if contradicted:
            # "extern handledning": the point's name says "intern", so it is not that point
            evidence += [_("contradicts the name: {word} ({codes})").format(word=t, codes=", ".join(sorted(contradicted)))
                         for t in fixed if t in ANTONYMS]
            matches = [m for m in matches if not set(m.categories) & contradicted]
        found = matches
        matches = self._suppress(matches, words)
        if not matches:
            return None, "no-match", (), tuple(evidence + [_("no word of the codebook or of the known other topics")])
        cands = self._ranked(matches)
        strong = [m for m in matches if m.strong]
        if not strong:
            tied = len(cands) > 1 and cands[1].score == cands[0].score
            return None, "ambiguous" if tied else "weak", cands, tuple(evidence + [m.evidence for m in matches[:3]])
        by_cat: dict[str, list[_Match]] = {}
        for m in strong:
            for c in m.categories:
                by_cat.setdefault(c, []).append(m)
        specific = [c for c, ms in by_cat.items() if any(len(m.categories) == 1 for m in ms)]
        if specific == [OVRIGT]:
            # a theme's word that is also part of a point's name ("delaktighet", brukardelaktighet)
            # does not show that the answer names something outside the 13 points
            ovrigt_units = set().union(*(m.cover for m in by_cat[OVRIGT]))
            rivals = [m for m in found if m.partial_name and m.cover == ovrigt_units]
            if rivals:
                return None, "ambiguous", self._ranked(matches + rivals), tuple(evidence + [m.evidence for m in by_cat[OVRIGT] + rivals])
        if len(specific) == 1 and self._other_group(specific[0], matches, words, groups):
            # "stöd och handledning": the first of two coordinated things may name another point
            return None, "several", cands, tuple(evidence + [m.evidence for m in matches[:4]])
        if len(specific) == 1:
            cat = specific[0]
            other = self._other_people(cat, words, tags)
            if other:
                # "HR-stöd till handläggare": the point's name gives its support to someone else
                return None, "ambiguous", self._ranked(matches), tuple(evidence + [m.evidence for m in by_cat[cat]] + other)
            ev = [m.evidence for m in by_cat[cat]]
            return cat, self._method(by_cat[cat]), self._ranked(matches, first=cat), tuple(evidence + ev)
        # the recipient rule between points that share the topic ("adm" + "handläggarnas")
        # a person coordinated on their own is a second area, not a receiver ("chefer och HR")
        near = {c: {groups[i] for m in by_cat.get(c, []) for i, _ in m.cover if not words[i].role} for c in by_cat}
        receivers = {c for c in (specific or by_cat) if self._receiver_words(c, words, tags, groups, near.get(c))}
        if len(receivers) == 1 and (not specific or receivers <= set(specific)):
            cat = next(iter(receivers))
            own = {i for m in by_cat.get(cat, []) for i, _ in m.cover} | {
                i for i, w in enumerate(words) if w.role and self._forms_of(w) & self._name_receivers.get(cat, set())}
            if any({i for i, _ in m.cover} - own for c in specific if c != cat for m in by_cat[c]):
                # the receiver settles points that share the words ("adm" + "chefer"), not another
                # area named beside them ("lokaler och adm stöd till chefer")
                return None, "several", cands, tuple(evidence + [m.evidence for m in strong[:4]])
            ev = [m.evidence for m in by_cat.get(cat, [])] + [
                _("recipient: {words}").format(words=self._receiver_words(cat, words, tags, groups, near.get(cat)))]
            return cat, "recipient", self._ranked(matches, first=cat), tuple(evidence + ev)
        if len(specific) > 1:
            spans = {c: set().union(*(m.cover for m in by_cat[c])) for c in specific}
            best, second = cands[0], cands[1] if len(cands) > 1 else None
            # a stray compound part of another point does not outweigh a phrase; its whole alias or
            # keyword does ("lokaler ärenden arbetsbelastning intro" names three areas)
            named = {c for c in specific if c != best.category
                     and any(m.kind in ("alias", "keyword", "theme", "topic") and m.quality >= 2 for m in by_cat[c])}
            if second and best.category in spans and second.category in spans and best.score >= DOMINANCE * second.score \
                    and len({i for i, _ in spans[second.category]}) == 1 and len({i for i, _ in spans[best.category]}) >= 2 \
                    and not named:
                cat = best.category
                return cat, "text-dominant", cands, tuple(evidence + [m.evidence for m in by_cat[cat]])
            return None, "several", cands, tuple(evidence + [m.evidence for m in strong[:4]])
        return None, "ambiguous", cands, tuple(evidence + [m.evidence for m in strong[:4]])

    @staticmethod
    def _other_group(cat: str, matches: list[_Match], words: list[Word], groups: list[int]) -> bool:
        """Does a coordinated phrase without evidence for `cat` carry evidence for another category?"""
        for g in set(groups):
            here = {i for i, gi in enumerate(groups) if gi == g and words[i].surface not in FILLER_WORDS}
            if not here:
                continue
            touching = [m for m in matches if {i for i, _ in m.cover} & here]
            if touching and not any(cat in m.categories for m in touching):
                return True
        return False

    @staticmethod
    def _method(ms: Sequence[_Match]) -> str:
        best = max(ms, key=lambda m: (_KIND_RANK[m.kind], len(m.cover)))
        return {"alias": "alias", "keyword": "keyword", "theme": "theme", "topic": "ovrigt-topic",
                "name": "name"}.get(best.kind, "text")

    def _other_people(self, cat: str, words: list[Word], tags: list[str]) -> list[str]:
        """Evidence of people marked in the answer whom the point's name does not give its topic to
        ("HR-stöd till handläggare": P07's are chefer) or take it from ("återkoppling till
        medarbetarna", "synpunkter från personalen": P01's are brukare); empty if none."""
        found: dict[str, list[str]] = {"recipient": [], "source": []}
        own = self._name_receivers.get(cat) or set()
        others = set().union(*(r for p, r in self._name_receivers.items() if p != cat))
        sources = self._name_sources.get(cat) or set()
        for w, tag in zip(words, tags):
            forms = self._forms_of(w) if w.role else set()
            if tag not in found or not forms:
                continue
            if own and tag == "recipient" and forms & others and not forms & own:
                found[tag].append(w.surface)
            elif sources and not forms & sources and not forms & CLIENT_WORDS:
                found[tag].append(w.surface)
        out = [_("recipient: {words}").format(words=", ".join(found["recipient"]))] if found["recipient"] else []
        if found["source"]:
            out.append(_("from: {words}").format(words=", ".join(found["source"])))
        return out

    def _receiver_words(self, cat: str, words: list[Word], tags: list[str], groups: list[int],
                        near: set[int] | None) -> str:
        """The answer's receivers of `cat`: marked ("till chefer", "chefernas") or in the phrase of its evidence."""
        receivers = self._name_receivers.get(cat) or set()
        return ", ".join(w.surface for w, tag, g in zip(words, tags, groups)
                         if w.role and tag != "source" and self._forms_of(w) & receivers
                         and (tag == "recipient" or near is None or g in near))

    def _match(self, term: _Term, words: list[Word], tags: list[str], groups: list[int]) -> _Match | None:
        cover: set[tuple[int, int]] = set()
        quality = 3
        used: set[int] = set()
        for slot in term.slots:
            found = self._slot(slot, words, tags, used, groups)
            if found is None:
                return None
            q, units = found
            quality = min(quality, q)
            cover |= units
            used |= {i for i, _ in units}
        if not cover:
            return None
        if len(term.slots) > 1 and len({groups[i] for i in used}) > 1:
            return None  # "ledning och adm stöd" names two things, not "adm stöd till chefer"
        label = _(_KIND_LABEL[term.kind])
        where = f" ({term.code})" if term.code and term.code != term.categories[0] else ""
        shown = " ".join(words[i].surface for i in sorted({i for i, _ in cover}))
        ev = f"{label} '{term.text}'{where}" + ("" if shown == normalise_answer(term.text) else f" ← {shown}")
        ev += self._synonyms_used(words, {i for i, _ in cover})
        weight = 1.0 if term.kind != "hint" else 0.5
        return _Match(term.categories, frozenset(cover), quality, term.kind, weight, ev)

    def _synonyms_used(self, words: list[Word], indices: set[int]) -> str:
        used = []
        for i in sorted(indices):
            w = words[i]
            for text in sorted({w.surface, w.lemma, *w.wholes, *(f for p in w.parts for f in p.forms)}):
                for right in sorted(self._synonyms.get(text, ())):
                    used.append(f"{text} = {right}")
        return " (" + _("synonym {pairs}").format(pairs=", ".join(dict.fromkeys(used))) + ")" if used else ""

    def _slot(self, slot: _Slot, words: list[Word], tags: list[str], used: set[int],
              groups: list[int]) -> tuple[int, set[tuple[int, int]]] | None:
        sw = slot.word
        names = {sw.surface, sw.lemma} | set(sw.wholes)
        best: tuple[int, set[tuple[int, int]]] | None = None
        for i, w in enumerate(words):
            if i in used or not _compatible(slot.tag, tags[i]):
                continue
            if names & w.wholes:
                q = 3 if sw.surface == w.surface else 2
                cand = (q, {(i, k) for k in range(len(w.parts))})
            elif w.split and not w.role and any(names & p.forms for p in w.parts):
                k = next(k for k, p in enumerate(w.parts) if names & p.forms)
                cand = (1, {(i, k)})
            elif sw.split and w.split and not w.role and all(any(sp.forms & p.forms for p in w.parts) for sp in sw.parts):
                cand = (1, {(i, k) for k, p in enumerate(w.parts) if any(sp.forms & p.forms for sp in sw.parts)})
            else:
                continue
            if best is None or (cand[0], len(cand[1])) > (best[0], len(best[1])):
                best = cand
        if best is not None or not sw.split:
            return best
        # a compound of the codebook written as separate words ("inflytande för brukare")
        cover: set[tuple[int, int]] = set()
        for sp in sw.parts:
            hit = None
            for i, w in enumerate(words):
                if i in used or not _compatible(slot.tag, tags[i]):
                    continue
                if sp.forms & w.wholes:
                    hit = {(i, k) for k in range(len(w.parts))}
                    break
                part = next((k for k, p in enumerate(w.parts) if sp.forms & p.forms), None)
                if part is not None:
                    hit = {(i, part)}
                    break
            if hit is None:
                return None
            cover |= hit
        # parts of one compound in one phrase: "chefer och administratörer" is no chefsadministratör
        if len({groups[i] for i, _ in cover}) > 1:
            return None
        return (1, cover) if len({i for i, _ in cover}) > 1 else None

    def _name_matches(self, words: list[Word], tags: list[str], toks: list[str], groups: list[int]) -> list[_Match]:
        """Content words of a point's name in the answer, weighted by distinctiveness."""
        quantity = any(t in QUANTITY_WORDS for t in toks)
        out: list[_Match] = []
        for point, topics in self._name_topics.items():
            cover: set[tuple[int, int]] = set()
            weight = 0.0
            seen_words: list[str] = []
            whole_words = 0
            staffing = False
            for i, w in enumerate(words):
                if w.surface in FILLER_WORDS:
                    continue
                if w.role and not quantity and tags[i] != "source":
                    continue  # a person is a topic only as a number ("fler medarbetare")
                if w.role and tags[i] == "recipient":
                    continue
                hits = [(k, f) for k, p in enumerate(w.parts) for f in p.forms if f in topics]
                wholes = set(w.wholes)
                if w.role and quantity and (w.wholes & STAFF_WORDS or w.lemma.endswith("handläggare")):
                    wholes |= {"medarbetare", "medarbetarna"}  # "fler socialsekreterare": staffing
                    hits = []
                    staffing = any(f in topics for f in wholes)
                whole = [f for f in wholes if f in topics]
                if whole:
                    cover |= {(i, k) for k in range(len(w.parts))}
                    name_word = topics[whole[0]]
                    whole_words += any(f in self._whole_name_forms for f in whole)
                elif hits:
                    cover |= {(i, k) for k, _ in hits}
                    name_word = topics[hits[0][1]]
                else:
                    continue
                if name_word not in seen_words:
                    seen_words.append(name_word)
                    weight += 1.0 / self._name_df.get(name_word, 1)
            if not cover:
                continue
            receivers = self._name_receivers[point]
            # a receiver belongs to the topic in its own phrase or by a mark ("… och avlastning för
            # chefer"); coordinated alone it is a second area ("chefer och adm stöd")
            topic_groups = {groups[i] for i, _ in cover}
            got = [i for i, w in enumerate(words) if w.role and tags[i] != "source" and self._forms_of(w) & receivers
                   and (groups[i] in topic_groups or tags[i] == "recipient")]
            for i in got:
                cover |= {(i, k) for k in range(len(words[i].parts))}
            strong = staffing or (len(seen_words) >= 2 and weight >= 1.0) or (weight >= 0.5 and bool(got)) or (
                len(seen_words) == 1 and weight >= 1.0 and whole_words == 1 and len(seen_words[0]) >= 8
                and seen_words[0] in self._own_name_words[point]
                and len([w for w in words if w.surface not in FILLER_WORDS]) == 1)
            ev = _("name words {words}").format(words=", ".join(seen_words)) + (
                " + " + _("recipient {words}").format(words=", ".join(words[i].surface for i in got)) if got else "") + f" ({point})"
            partial = whole_words == 0 or len(seen_words) == 1 and not any(
                f in self._whole_name_forms for w in words for f in w.wholes if f in topics)
            out.append(_Match((point,), frozenset(cover), 2, "name" if strong else "weak-name", weight, ev, partial))
        return out

    @staticmethod
    def _suppress(matches: list[_Match], words: list[Word]) -> list[_Match]:
        """Longest evidence wins; on the same words the better match wins; inside one word a
        point's part beats a theme's part ("medhandläggarsystem")."""
        def whole(m: _Match) -> set[int]:
            return {i for i, _ in m.cover if words[i].split and all((i, k) in m.cover for k in range(len(words[i].parts)))}

        def borrows(h: _Match) -> bool:
            # "IT-stöd till handläggare": a compound that is another category's keyword as a whole
            # lends none of its parts ("stöd") to a term over several words ("handläggarstöd")
            h_words = {i for i, _ in h.cover}
            if len(h_words) < 2:
                return False
            partial = h_words - whole(h) - {i for i in h_words if not words[i].split}
            return any(o.strong and o.kind != "name" and not set(o.categories) & set(h.categories) and partial & whole(o)
                       for o in matches)

        matches = [h for h in matches if not borrows(h)]

        def beats(o: _Match, h: _Match) -> bool:
            if o is h or set(o.categories) == set(h.categories) and o.kind == h.kind:
                return False
            if not o.strong:
                return not h.strong and h.cover < o.cover  # weak evidence hides only weaker, shorter evidence
            if h.cover < o.cover:
                return True
            if h.cover == o.cover:
                a = (o.quality, _KIND_RANK[o.kind], -len(o.categories), o.weight)
                b = (h.quality, _KIND_RANK[h.kind], -len(h.categories), h.weight)
                return a > b
            if h.categories == (OVRIGT,) and o.categories != (OVRIGT,) and o.strong and h.quality == 1:
                words_h = {i for i, _ in h.cover}
                return len(words_h) == 1 and words_h <= {i for i, _ in o.cover}
            return False

        kept = [h for h in matches if not any(beats(o, h) for o in matches)]
        # weak evidence of a category that has strong evidence adds nothing
        strong_cats = {c for m in kept if m.strong for c in m.categories}
        return [m for m in kept if m.strong or not set(m.categories) <= strong_cats or m.kind == "weak-name"]

    def _ranked(self, matches: Sequence[_Match], first: str | None = None) -> tuple[Candidate, ...]:
        """Categories by the answer words their evidence covers (strong evidence counts twice)."""
        per_unit: dict[str, dict[tuple[int, int], float]] = {}
        for m in matches:
            unit_weight = (m.weight / len(m.cover) if m.kind in ("name", "weak-name") else m.weight) / len(m.categories)
            gain = (2.0 if m.strong else 1.0) * min(unit_weight, 1.0)
            for c in m.categories:
                units = per_unit.setdefault(c, {})
                for u in m.cover:
                    units[u] = max(units.get(u, 0.0), gain)
        scores = {c: sum(units.values()) for c, units in per_unit.items()}
        if first is not None:
            scores[first] = max(scores.values(), default=1.0) + 1.0
        # Övrigt after a point with the same score: an unknown word of a point is likelier
        ranked = sorted(scores.items(), key=lambda kv: (-round(kv[1], 6), kv[0] == OVRIGT, self._order(kv[0])))
        top = ranked[0][1] if ranked else 1.0
        return tuple(Candidate(c, round(sc / top, 3)) for c, sc in ranked)

    def _order(self, cat: str) -> int:
        return self.categories.index(cat) if cat in self.categories else len(self.categories)

    def _spelled(self, token: str, evidence: list[str]) -> str:
        """A misspelt or truncated word ("arbetsbelasting", "specialistutb") read as the
        vocabulary word it clearly is; real words and words that already match stay."""
        if len(token) < 5 or not token.isalpha() or token in FILLER_WORDS or is_known(token):
            return token
        w = self.lexicon.word(token)
        if w.split and all(is_known(p.text) or p.text in self.lexicon.atoms for p in w.parts):
            return token  # an unknown compound of known words ("kursdagar")
        if token in self._spelling or lemma_of(token) in self._spelling.values():
            return token
        if w.wholes - {token, w.lemma, stem(token)}:
            return token  # read through a synonym ("reorganisation = omorganisation")
        from rapidfuzz import fuzz, process

        prefixed = {self._spelling[f] for f in self._spelling if f.startswith(token) and len(f) > len(token)}
        if len(prefixed) == 1 and len(token) >= 6:
            target = next(f for f in self._spelling if f.startswith(token))
            evidence.append(_("abbreviation: {token} → {target}").format(token=token, target=target))
            return target
        extracted = process.extract(token, list(self._spelling), scorer=fuzz.ratio, score_cutoff=FUZZY_STRONG, limit=4)
        found = [(f, sc) for f, sc, _ in extracted if token not in f]
        if not found:
            return token
        best_form, best = found[0]
        rivals = {self._spelling[f] for f, sc in found if sc >= best - 2.0}
        if len(rivals) != 1:
            return token
        evidence.append(_("spelling: {token} → {form}").format(token=token, form=best_form))
        return best_form


# -- mapping files -------------------------------------------------------------------------

MAPPING_HEADER = ("answer", "category")  # the columns read back, under these names in every language
# Names a header row may give the two columns: templates of every version and language, and a
# researcher's own Swedish file ("svar;kategori").
_ANSWER_NAMES = ("answer", "svar")
_CATEGORY_NAMES = ("category", "kategori")


def mapping_columns(row: Sequence[str]) -> tuple[int, int] | None:
    """Where answer and category are when `row` is a mapping file's header row, else None.

    A header names the answer in its first cell; the category is the column named so, else the second.
    """
    names = [normalise_answer(c) for c in row]
    if len(names) < 2 or names[0] not in _ANSWER_NAMES:
        return None
    return 0, next((i for i, n in enumerate(names) if i and n in _CATEGORY_NAMES), 1)


def load_mapping(path: str | Path, codebook: Codebook | None = None) -> dict[str, str]:
    """Read a mapping file (CSV `answer;category`, UTF-8); rows with an empty category are skipped."""
    codebook = codebook or default_codebook()
    path = Path(path)
    if not path.exists():
        raise InputError(_("the mapping file '{path}' does not exist").format(path=path), value=str(path),
                         hint=Hint(_("create it"), command=("mentions", "review"), option="template", example=str(path)))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(_("the mapping file '{path}' is not UTF-8 — save it as UTF-8 (CSV UTF-8 in Excel)").format(path=path)) from None
    return parse_mapping(text, codebook, source=str(path))


def parse_mapping(text: str, codebook: Codebook, source: str | None = None) -> dict[str, str]:
    source = source or _("mapping file")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delim = ";" if ";" in first else ("\t" if "\t" in first else ",")
    mapping: dict[str, tuple[str, int]] = {}
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    a_col, c_col = 0, 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or not any(c.strip() for c in row):
                continue
            header = mapping_columns(row) if line == 1 else None
            if header is not None:
                a_col, c_col = header
                continue
            if len(row) < 2:
                raise InputError(
                    _("{source} line {line}: expected 'answer;category', got {row!r} — separate answer and category with ';'").format(source=source, line=line, row=row[0])
                )
            answer, cat = csv_text(row[a_col]), csv_text(row[c_col]).strip() if c_col < len(row) else ""
            if not cat:
                continue  # a template row not filled in yet
            try:
                category = parse_category(cat, codebook)
            except InputError as exc:
                raise InputError(_("{source} line {line}: {exc}").format(source=source, line=line, exc=exc)) from None
            key = normalise_answer(answer)
            if key in mapping and mapping[key][0] != category:
                raise InputError(
                    _("{source} line {line}: the answer {answer!r} already has category {mapping} (line {mapping2}) — keep one of the lines").format(source=source, line=line, answer=answer, mapping=mapping[key][0], mapping2=mapping[key][1])
                )
            mapping[key] = (category, line)
    except csv.Error as exc:
        raise InputError(_("{source} line {line_num}: broken CSV ({exc}) — check the quotation marks").format(source=source, line_num=reader.line_num, exc=exc)) from None
    return {k: v for k, (v, _) in mapping.items()}


def mapping_template(unresolved: Iterable[tuple[str, int, Sequence[Candidate]]], labels: Mapping[str, str]) -> str:
    """CSV text for the researcher: one row per distinct unresolved answer, category left empty.

    The columns read back keep their names (`answer;category`) in every language; the two for the
    reader (candidates, count) are named in the interface language.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow([*MAPPING_HEADER, _("candidates"), _("count")])
    for answer, count, cands in unresolved:
        shown = " | ".join(f"{c.category} {labels.get(c.category, '')}".strip() for c in cands[:3])
        writer.writerow(csv_row([answer, "", shown, count]))
    return out.getvalue()
