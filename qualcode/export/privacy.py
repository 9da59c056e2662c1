"""Pseudonymisation: find and mask names, e-mail addresses, phone numbers, personnummer, birth dates,
addresses, registration plates, case numbers and account numbers.

Rules always run (patterns, name lists, capitalised tokens in name position), so masking works on
the embedded default pipeline; when the active spaCy pipeline has NER, its PER entities (and LOC
entities in address position) are added. Example::

    >>> Pseudonymiser().mask("Ring Lisa Wallin på 070-123 45 67.")
    'Ring [NAMN] på [TELEFON].'

First names and surnames come from Faker's `sv_SE` person provider (MIT licence; the 500 most
common female and male first names from Isof and the 500 most common surnames from Skatteverket),
read from the installed faker package at run time.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.core.i18n import N_, language
from qualcode.core.records import field_words

if TYPE_CHECKING:
    from spacy.language import Language

    from qualcode.project import Project

# The kinds are identifiers, the same in every language (a scan's JSON and CSV, `count_by_kind`);
# the token that replaces a finding in a text is written in the interface language.
NAME = "NAMN"
EMAIL = "E-POST"
PHONE = "TELEFON"
PNR = "PERSONNUMMER"
ADDRESS = "ADRESS"
BIRTH = "FÖDELSEDATUM"  # a birth date or a birth year after "född", "f.", "födelsedatum"
PLATE = "REGNR"  # a vehicle registration plate: ABC 123, ABC 12D
CASE = "DIARIENR"  # a case or file number after "dnr", "diarienummer", "ärendenummer"
ACCOUNT = "KONTONR"  # a bank account, bankgiro or plusgiro number after its cue
KINDS = (NAME, EMAIL, PHONE, PNR, ADDRESS, BIRTH, PLATE, CASE, ACCOUNT)
TOKEN_WORDS = {
    "sv": {NAME: "NAMN", EMAIL: "E-POST", PHONE: "TELEFON", PNR: "PERSONNUMMER", ADDRESS: "ADRESS",
           BIRTH: "FÖDELSEDATUM", PLATE: "REGNR", CASE: "DIARIENR", ACCOUNT: "KONTONR"},
    "en": {NAME: "NAME", EMAIL: "EMAIL", PHONE: "PHONE", PNR: "ID-NUMBER", ADDRESS: "ADDRESS",
           BIRTH: "BIRTH-DATE", PLATE: "REG-NUMBER", CASE: "CASE-NUMBER", ACCOUNT: "ACCOUNT-NUMBER"},
}
# Every token of every language: a text masked in Swedish and one masked in English are both masked text.
MASK_TOKENS = frozenset(f"[{w}]" for words in TOKEN_WORDS.values() for w in words.values())
_MASK_TOKEN_RE = re.compile("|".join(re.escape(t) for t in sorted(MASK_TOKENS, key=len, reverse=True)))
# Which rule found a finding (`Finding.source`, the same in every language) as a reader sees it.
RULE_NAMES = {"mönster": N_("pattern"), "kontext": N_("name position"), "namnlista": N_("name list"), "ner": N_("NER")}


def token_word(kind: str) -> str:
    """The word of a kind's token in the interface language: 'NAMN' in Swedish, 'NAME' in English."""
    return TOKEN_WORDS.get(language(), TOKEN_WORDS["sv"]).get(kind, kind)


def token(kind: str) -> str:
    """What replaces a finding of `kind`: '[NAMN]' in Swedish, '[NAME]' in English."""
    return f"[{token_word(kind)}]"
# Overlaps are resolved by this order: a phone number inside an e-mail address is part of the address.
_PRIORITY = {EMAIL: 0, PNR: 1, CASE: 2, ACCOUNT: 3, BIRTH: 4, PHONE: 5, ADDRESS: 6, PLATE: 7, NAME: 8}


@dataclass(frozen=True)
class Finding:
    """One span to mask: character offsets into the text, kind, the text itself, and which rule found it."""

    start: int
    end: int
    kind: str
    text: str
    source: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "kind": self.kind, "text": self.text, "source": self.source}


# --- patterns ------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Written out to dodge harvesters: anna(at)stockholm.se, anna [at] stockholm [dot] se, anna snabel-a
# stockholm.se. Without brackets ("anna at stockholm.se") only before a common top-level domain.
_EMAIL_OBFUSCATED_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]*\w"
    r"(?:[ ]?[(\[{<][ ]?(?i:at|snabel-?a)[ ]?[)\]}>][ ]?"
    r"[\w-]+(?:(?:\.|[ ]?[(\[{<][ ]?(?i:dot|punkt)[ ]?[)\]}>][ ]?)[\w-]+)*"
    r"(?:\.|[ ]?[(\[{<][ ]?(?i:dot|punkt)[ ]?[)\]}>][ ]?)[A-Za-z]{2,}"
    r"|[ ](?i:at|snabel-a)[ ][\w-]+(?:(?:\.|[ ](?i:dot|punkt)[ ])[\w-]+)*"
    r"(?:\.|[ ](?i:dot|punkt)[ ])(?i:se|nu|com|org|net|eu|info|io|fi|no|dk|de|uk))(?![\w.-]*\w)"
)
# Spaced around the at sign ("karin.ek @ stockholm.se"), or spelled out whole ("lisa punkt berg at
# stockholm punkt se": the local part's dots written too).
_EMAIL_SPACED_RE = re.compile(r"(?<![\w.+-])[\w.+-]*\w(?:[ ]@[ ]?|@[ ])[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_EMAIL_SPELLED_RE = re.compile(
    r"(?<![\w.+-])(?:[\w+-]+[ ](?i:punkt|dot)[ ])+[\w+-]+[ ](?i:at|snabel-a)[ ][\w-]+(?:[ ](?i:punkt|dot)[ ][\w-]+)*"
    r"[ ](?i:punkt|dot)[ ](?i:se|nu|com|org|net|eu|info|io|fi|no|dk|de|uk)\b")
# A web address: its path can name a person (a profile, a staff page: facebook.com/lisa.berg.77,
# …/personal/karin-ek); masked when a part of it is a known first name or surname, or the site is a
# social network, where every path is someone.
_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"]+|\b[\w-]+(?:\.[\w-]+)*\.(?:se|com|nu|org|net|eu|io)/[^\s<>\"]+")
_SOCIAL_HOSTS = ("facebook.", "fb.com", "linkedin.", "instagram.", "twitter.", "x.com", "tiktok.", "youtube.", "snapchat.")
# YYMMDD-XXXX (also with an en dash, as word processors write it), YYMMDD+XXXX, YYYYMMDD-XXXX,
# YYYYMMDDXXXX, YYMMDDXXXX, YYYYMMDD XXXX, YYMMDD XXXX (day + 60 = samordningsnummer).
_PNR_RE = re.compile(
    r"(?<![\d\-–])(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
    r"(?:[-–+]\d{4}|[ ]\d{4}(?![ ]?\d)|\d{4})(?![\d])"
)
# With the last four hidden ("19800312-XXXX", "800312-****"): the birth date is still there.
_PNR_HIDDEN_RE = re.compile(
    r"(?<![\d\-–])(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])[-–+]?(?:[Xx*]{4}|[Xx*]{2}\d{2})(?![\w*])"
)
_PNR_CONTEXT_RE = re.compile(r"(?i:person|pnr|pers\.?[ ]?nr|samordning|födelse|id-?nr)")
# A birth date after "född", "f." or "födelsedatum": 1980-01-01, 1980.01.01, 19800101, 800101, 1/1 1980,
# 1/1-80, 1 januari 1980, 12 mars (no year), 12/3, i januari 2015; or a birth year: "född 1980", "f. 2011",
# "född -82", "född 82". An age ("45 år") is no birth date and stays, and so does a year away from the cue
# ("född i Sverige 1980", "född på 80-talet").
_MONTHS = r"(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|nov|dec)\.?)"
_BIRTH_DATE_RE = re.compile(
    r"(?<![\w.])(?i:född|f\.|födelsedatum|födelsedag|föddes|födelseår)(?:[ ](?i:den|d\.|på|år|i))?[ ]?:?[ ]?"
    r"(?P<date>(?:19|20)\d{2}[-./][01]\d[-./][0-3]\d|(?:19|20)?\d{2}[01]\d[0-3]\d|[0-3]?\d[./][01]?\d[./ -](?:19|20)?\d{2}"
    r"|[0-3]?\d(?::[ae])?[ ](?i:" + _MONTHS + r")(?:[ ](?:1[89]|20)\d{2})?|(?i:" + _MONTHS + r")[ ](?:1[89]|20)\d{2}"
    r"|[0-3]?\d/[01]?\d(?![\d/.-])"
    r"|(?:19|20)\d{2}|[-–'’]\d{2}|\d{2}(?![ ]?(?:år|st|%|kr|kg|cm|procent|barn|dagar|veckor)(?!\w)))(?![\w-]|[.,:/]\d)"
)
# A vehicle registration plate: three letters (no I, Q, V, Å, Ä, Ö) and three characters, the last
# a digit or (since 2019) a letter: "ABC 123", "ABC12D". Not a statute ("SFS 2001:453").
_PLATE_RE = re.compile(r"(?<![\w.\-/])[A-HJ-PR-UW-Z]{3}[ ]?\d{2}[\dA-HJ-NPR-UW-Z](?![\w\-/]|[.,:]\d)")
# A case or file number after its cue: "dnr SN 2019/123", "Dnr: 3.1.2-456/2020", "ärendenummer 2021-00123".
_CASE_RE = re.compile(
    r"(?<![\w])(?i:dnr|d\.nr|diarienummer|diarienr|diarie-nr|ärendenummer|ärendenr|ärende-nr|ärende[ ]nr|"
    r"aktnummer|aktnr|akt[ ]nr|journalnummer|journalnr|referensnummer|ref\.?[ ]?nr|beslutsnummer)\.?[ ]?:?[ ]?"
    r"(?P<id>(?:[A-ZÅÄÖ]{1,6}[ /-]?)?\d(?:[\w./:-]*\d)?)(?![\w])"
    r"|(?<![\w])(?i:ärende|ärendet|akt|akten)[ ](?P<id2>(?:19|20)\d{2}[-/]\d{3,7})(?![\w-])"
)
# A bank account, bankgiro or plusgiro number after its cue: "kontonummer 1234-5 678 901 2", "bg 123-4567".
_ACCOUNT_RE = re.compile(
    r"(?<![\w])(?i:kontonummer|kontonr|konto|bankkonto|bankkontonummer|clearingnummer|clearingnr|clearing|"
    r"bankgiro|bankgironummer|bg|plusgiro|plusgironummer|pg|iban)\.?[ ]?:?[ ]?(?:(?i:nr|nummer)[ ]?:?[ ]?)?"
    r"(?P<id>(?:SE[ ]?)?\d[\d -]{3,30}\d)(?![\w-])"
)
# 08-508 05 167, 070-123 45 67, 0701234567, 08 123 45 67, +46 70 123 45 67, +46 (0)8-508 05 167, 0046701234567.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:(?:\+|00)46[ -]?(?:\(0\)[ -]?)?|0)\d{1,3}(?:[ ]?[-–][ ]?|[ ]|/)?|\(0\d{1,3}\)[ ]?)"
    r"\d{2,4}(?:[ -]?\d{2,4}){0,3}(?![\d])"
)
# Another country's number: +358 40 123 4567, +47 912 34 567, +44 20 7946 0958 (a two- or three-digit country
# code, 8 to 15 digits; "+4 2017 114 106" in a table of differences is none).
_PHONE_FOREIGN_RE = re.compile(r"(?<![\w+])(?:\+|00)(?!46)[1-9]\d{1,2}[ -]?(?:\(0\)[ -]?)?\d{1,4}(?:[ -]?\d{2,4}){1,4}(?![\d])")
# Written with full stops: 070.123.45.67, 08.508.050.00 (a date such as 01.02.20 has too few digits).
_PHONE_DOTTED_RE = re.compile(r"(?<![\w.+])(?:\+46[ ]?|0)\d{1,3}(?:\.\d{2,3}){2,4}(?![\w]|\.\d)")
_STREET_SUFFIX = (
    r"(?:gatan|gata|vägen|väg|gränd|gränden|torg|torget|allén|allé|backe|backen|stigen|stig|plan|planen|"
    r"kajen|kaj|leden|led|stråket|platsen|plats|strand|stranden|parken|hamnen|park|promenaden|slingan|"
    r"gången|bron|terrassen|höjden|vik|viken|udde|udden|svängen|sväng|gården|hagen|kroken|ängen|lunden|esplanaden)"
)
# The floor ("2 tr", "3 vån") and flat number ("lgh 1102") belong to the address; the full stop
# after "tr" does not: it often ends the sentence too.
_HOUSE_NO = (
    r"\d{1,3}(?:[ ]?[A-Ha-h](?![\wåäö]))?(?:[ ]?[-–][ ]?\d{1,4}(?:[ ]?[A-Ha-h](?![\wåäö]))?)?"
    r"(?:,?[ ]?\d{1,2}[ ]?(?:trappor|tr|vån)(?![\wåäö])|,?[ ](?:nb|bv|ög|n\.b\.)(?![\wåäö]))?(?:,?[ ]lgh\.?[ ]?\d{4}(?!\d))?"
)
_STREET_RE = re.compile(
    r"(?<![\w])(?:(?:[A-ZÅÄÖ][a-zåäöé]+[ ])?(?:S:t[ ]|Sankt[ ]|Lilla[ ]|Stora[ ]|Norra[ ]|Södra[ ]|Östra[ ]|Västra[ ])?"
    r"[A-ZÅÄÖ][a-zåäöé]*" + _STREET_SUFFIX + r"|[A-ZÅÄÖ][a-zåäöé]+[ ](?:torg|gata|väg|gränd|allé|backe|strand|park|gård))"
    r"[ ]" + _HOUSE_NO + r"(?![\d-])"
)
_POSTAL_RE = re.compile(r"(?<![\d\w])(?:SE-?)?\d{3}[ ]?\d{2}[ ]{1,2}[A-ZÅÄÖ][a-zåäöé]+(?:[- ][A-ZÅÄÖ][a-zåäöé]+)?")
_BOX_RE = re.compile(r"(?<![\w])Box[ ]\d{1,6}\b")


def _latin_letters(category: str) -> str:
    """Every Latin letter of a Unicode category ('Lu', 'Ll'): names such as Yılmaz, Nguyễn, Łukasz."""
    import unicodedata

    chars = (chr(c) for c in [*range(0x41, 0x250), *range(0x1E00, 0x1F00)])
    return "".join(c for c in chars if unicodedata.category(c) == category)


_UPPER, _LOWER = _latin_letters("Lu"), _latin_letters("Ll")
# A capitalised word (optionally hyphenated, e.g. Anna-Karin, Deljerud-Engholm; or O'Connor, D'Angelo).
_CAP_RE = re.compile(rf"(?<![\w@.'’])(?:[OD]['’])?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?(?![\w@]|-[{_LOWER}])")
# A Swedish party marker after a name, as in council documents: "Anna Andersson (S)".
_PARTY_RE = re.compile(r"^(?:[ ]+m\.fl\.)?[ ]*\((?:S|M|L|C|KD|V|MP|SD|FP|Fi)\)")

# Capitalised forms of common words that are also names: never masked alone, only in a
# two-token name (first name + surname) or after a name trigger.
_NEVER_ALONE = frozenset(
    "Del Maj May Juni Junior Viking Urban Mark Sol Tindra Lo Li My Mina Inga Dag Hans Bo Liv Klara "
    "Vilja Saga Stig Sten Tor Max Rut Björn Axel Gun Love Frank Ben Tim Rose Rosa Iris Nova Milan "
    "Isa Lova Ebbe Folke Jarl Siri Svea Edit Ester Alla Vide Bill Stella Viola Malva Signe Eli Uno".split()
)
# Verbs of saying and thinking: a listed first name right before one is a person, even one that is
# also a word ("Björn tycker", "Ros sa").
_SPEECH_VERBS = frozenset(
    "sa sade säger tycker tyckte menar menade berättar berättade tror trodde frågar frågade svarar svarade "
    "undrar undrade föreslår föreslog beskriver beskrev påpekar påpekade nämner nämnde förklarar förklarade "
    "skriver skrev ringer ringde mejlade mejlar tillade framhöll".split()
)
# Names that are also pronouns: "Inga tycker" is "nobody thinks", "Alla sa" "everyone said".
_PRONOUN_NAMES = frozenset("Inga Alla Mina Min Vi Du Man".split())
# Names that are also frequent sentence starters: not masked alone at the start of a sentence.
_NOT_ALONE_AT_START = frozenset("Per Minna Tova Tuva".split())
# Surnames that are also places, common words or organisation names: never masked alone.
_SURNAME_NEVER_ALONE = frozenset(
    "Lund Nord Hall Green Norman Hanna Frank Stark Storm Modig Frisk Flink Kling Strid Fors Skog Palm "
    "Roos Werner Smith Alm Asp Berg Björk Blom Borg Brink Bäck Dahl Ek Falk Ferm Frid Gren Hammar Hjort "
    "Holm Hult Hägg Kvist Lilja Lind Linde Linder Ljung Löf Lönn Malm Rask Sköld Strand Ström Svärd "
    "Blixt Brandt Khan Tran".split()
)
# Swedish function words and frequent sentence starters: never part of a name.
_COMMON = frozenset(
    """
    Alla Allt Andra Att Av Bara Bland De Dem Den Denna Dess Dessa Det Detta Dig Din Dina Ditt Du Där Därför
    Efter Eftersom Ej En Enligt Ett Eller Emellertid Familjen Flera Fler Fortfarande Fram Från För Före
    Genom Gäller Ha Hade Han Har Hela Helt Henne Hennes Hon Hos Hur Här I Ibland Icke Idag Igen Ingen Inget
    Inom Inte Jag Ju Kan Kanske Kommer Kunde Man Med Mellan Men Mer Mest Mig Min Mitt Mot Mycket Många Måste
    När Någon Något Några Nej Nu Och Också Om Oss Pga På Samt Sedan Sig Sin Sina Sitt Ska Skulle Som Så
    Sådan Till Tills Trots Under Upp Ur Ut Utan Utifrån Vad Var Vara Varför Varje Vars Vem Vi Vid Vilka
    Vilken Vilket Vår Våra Vårt Än Är Även Åt Över Ja Tack Hej Hejsan God Goda Bra Dock Sammanfattning
    Bakgrund Inledning Syfte Figur Tabell Bilaga Källa Not Kapitel Avsnitt Intervju Grupp Gruppintervju
    Fråga Svar Kommentar Enkät Antal Totalt Summa Socialsekreterare Biståndshandläggare Enhetschef Chef
    Stadsdel Stadsdelsförvaltning Stadsdelsnämnd Stadsdelsnämnden Förvaltningen Nämnden Staden Stad Kommun
    Region Socialtjänsten Socialtjänst Äldreomsorgen Handlingsplanen Handlingsplan Punkt Tema Medarbetare
    Ledning Ledningen Enheten Enhet Avdelningen Avdelning Team Teamet Vecka Måndag Tisdag Onsdag Torsdag
    Fredag Lördag Söndag Januari Februari Mars April Augusti September Oktober November December Juli
    Svenska Engelska Arabiska Somaliska Persiska Dari Tigrinja Finska Turkiska Kurdiska Polska Spanska Ryska
    """.split()
)
# Places that must not be taken for names (Stockholm's districts and nearby municipalities).
_PLACES = frozenset(
    """
    Stockholm Stockholms Sverige Sveriges Norden Europa Göteborg Malmö Uppsala Solna Sundbyberg Huddinge Nacka
    Botkyrka Södertälje Järfälla Sollentuna Danderyd Lidingö Täby Haninge Tyresö Hässelby Vällingby
    Hässelby-Vällingby Bromma Kungsholmen Norrmalm Östermalm Södermalm Spånga Tensta Spånga-Tensta Rinkeby
    Kista Rinkeby-Kista Husby Akalla Hjulsta Hägersten Liljeholmen Hägersten-Liljeholmen Älvsjö Skärholmen
    Farsta Skarpnäck Enskede Årsta Vantör Enskede-Årsta-Vantör Bagarmossen Hagsätra Rågsved Högdalen
    Bandhagen Fruängen Aspudden Gröndal Vårberg Sätra Bredäng Hökarängen Sköndal Gubbängen Blackeberg
    Råcksta Grimsta Sundbyberg Vasastan Gamla Stan Slussen Sergels Liljeholmskajen Kärrtorp Hammarby
    Sjöstad Fittja Alby Norrland Skåne Mälardalen
    Norrköping Linköping Örebro Västerås Helsingborg Jönköping Umeå Gävle Borås Sundsvall Eskilstuna Karlstad
    Växjö Halmstad Luleå Trollhättan Östersund Borlänge Falun Kalmar Kristianstad Skövde Karlskrona Uddevalla
    Visby Gotland Kiruna Norge Danmark Finland Island Tyskland Frankrike Spanien Italien Polen Ryssland Kina
    England Storbritannien London Paris Berlin Oslo Köpenhamn Helsingfors Washington Bryssel Europa Afrika Asien
    Amerika Somalia Syrien Irak Iran Afghanistan Eritrea Turkiet
    """.split()
)
_PLACES = _PLACES | frozenset(p.translate(str.maketrans("åäöÅÄÖé", "aaoAAOe")) for p in _PLACES)
# Fixed terms that contain names but point to no person.
_PROTECTED_RE = re.compile(r"\b(?:Lex[ ](?:Sarah|Maria)|Maria[ ](?:Ungdom|Beroende|Mottagning)|Sankt[ ]\w+|S:t[ ]\w+)")
# Words in multi-word names of papers, clubs, firms and places, written with capitals in Swedish too.
_ORG_WORDS = frozenset(
    """
    Dagens Nyheter Dagbladet Dagblad Tidning Tidningen Tidningar Posten Kuriren Folkblad Expressen Aftonbladet
    Allehanda Arena Hockey League Tour Cup United City Club Park Hall Center Centrum Gruppen Group Bank Banken
    Energi Stad Kommun Region Universitet Universitetet Högskola Högskolan Sjukhus Sjukhuset Institutet Fonden
    Förlag Teater Teatern Museum Museet Opera Operan Festival Awards Prize Street Road Avenue Airport Airlines
    Los Las San Santa New Saint Sankt Nord Syd Norra Södra Östra Västra Stora Lilla Nya Gamla
    Pro Capita ProCapita Treserva Lifecare Viva Combine Paraplyet
    """.split()
)
# Endings of long definite nouns used as names of bodies ("Socialstyrelsen", "Försäkringskassan").
_DEFINITE_ORG_SUFFIXES = (
    "ningen", "heten", "verket", "styrelsen", "nämnden", "kassan", "tionen", "rådet", "ämbetet", "erna", "arna",
    "orna", "gruppen", "huset", "skolan", "tjänsten", "omsorgen", "ledningen", "kontoret", "byrån", "centralen",
    "enheten", "förbundet", "partiet", "bolaget", "landstinget", "regionen", "kommunen", "staden", "institutet",
)
# Words after which a capitalised token is a person's name.
_TRIGGERS = frozenset(
    """
    heter hette kallas kallad kallades enhetschef enhetschefen avdelningschef avdelningschefen chef chefen
    sektionschef sektionschefen gruppledare gruppledaren förvaltningschef förvaltningschefen kontakta
    kontaktperson kontaktpersonen handläggare handläggaren socialsekreterare socialsekreteraren kollega
    kollegan kollegor kollegorna kollegan medarbetaren klienten klient brukaren sekreterare ordförande
    ordföranden namn namnet hälsningar hälsning mvh vänligen undertecknad intervjuare intervjuaren
    respondent respondenten fru herr hej hejsan ansvarig utredare utredaren ombud ombudet tolk tolken
    kontaktman kontaktmannen boendestödjare ledsagare ledsagaren mamma mamman pappa pappan fadern
    sonen dottern brodern brorsan syster systern maken makan sambo sambon mormor morfar farmor farfar
    """.split()
)
# Particles inside a name: "Karl von Essen", "Carl af Trolle", "Maria de la Cruz", "Jan van der Berg".
_PARTICLE_RE = re.compile(r"[ ](?:von[ ]der|von[ ]dem|von|af|de[ ]la|de[ ]los|del|della|de|van[ ]der|van[ ]den|van|"
                          r"ter|zu|da|di|dos|das|du|le|la|bin|ibn|al|el|abu)[ ]")
# Initials: "A.B.", "K. L." (not "P.S.", "N.B.", "O.S.A."), alone or before a surname ("K.L. Svensson").
_INITIALS_RE = re.compile(rf"(?<![\w.])(?:[{_UPPER}]\.[ ]?){{2,3}}(?![\w.])")
_NOT_INITIALS = frozenset({"P.S.", "P.P.S.", "N.B.", "O.S.A.", "E.U.", "F.N.", "U.S.A.", "U.K.", "B.C.", "D.C.", "L.A."})
_INITIALS_BEFORE_RE = re.compile(rf"(?<![\w.])(?:[{_UPPER}]\.[ ]?){{1,3}}[ ]?\Z")
_INITIAL_RE = re.compile(rf"[ ][{_UPPER}]\.(?![\w.])")
# A sign-off and up to three words after it on the same line: the name, often typed in lower case.
_SIGNOFF_RE = re.compile(
    r"(?:(?<![\w/:])//+|(?<![\w.])(?i:mvh|m\.v\.h\.?|hälsningar|hälsning))[ \t]*[,:]?[ \t]*"
    r"(?P<names>[^\W\d_]+(?:-[^\W\d_]+)?(?:[ \t]+[^\W\d_]+(?:-[^\W\d_]+)?){0,2})"
)
# First names that are also words in lower case beyond `_NEVER_ALONE`: "kollegan ville ha", "fick tom".
_LOWER_CASE_WORDS = frozenset("ville lina tom bror".split())
_LOWER_WORD_RE = re.compile(r"(?<![\w@])[a-zåäöéü]{2,}(?![\w@])")
_UPPER_RUN_RE = re.compile(r"(?<![\w-])[A-ZÅÄÖ]{2,}(?:-[A-ZÅÄÖ]{2,})?(?:[ ][A-ZÅÄÖ]{2,}(?:-[A-ZÅÄÖ]{2,})?){1,2}(?![\w-])")
_SIGNOFF_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")
_SURNAME_SUFFIXES = ("son", "sen", "berg", "ström", "gren", "qvist", "kvist", "lund", "holm", "dahl", "blad", "blom", "gård", "stedt", "ius")


@functools.lru_cache(maxsize=1)
def _faker_names() -> tuple[frozenset[str], frozenset[str]]:
    """First names and surnames from Faker's sv_SE provider (MIT; Isof and Skatteverket statistics)."""
    from faker.providers.person.sv_SE import Provider

    first = frozenset(Provider.first_names_female) | frozenset(Provider.first_names_male)
    last = frozenset(Provider.last_names)
    return first, last


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


class Pseudonymiser:
    """Finds and masks personal data in Swedish text; configure once, then call `find`/`mask` often.

    `nlp`: a spaCy pipeline; its NER (PER, LOC) is used when it has one. `names`: extra names to
    always mask (e.g. the project's staff list). `keep`: words never to mask (e.g. code words).
    """

    def __init__(
        self,
        nlp: Language | None = None,
        *,
        names: Iterable[str] = (),
        keep: Iterable[str] = (),
        use_name_lists: bool = True,
        use_ner: bool = True,
    ) -> None:
        self.nlp = nlp
        self.names = frozenset(n.strip() for n in names if n.strip())
        self.keep = frozenset(k.strip() for k in keep if k.strip())
        self.use_name_lists = use_name_lists
        self.use_ner = bool(use_ner and nlp is not None and "ner" in nlp.pipe_names)
        first, last = _faker_names() if use_name_lists else (frozenset(), frozenset())
        extra = {part for n in self.names for part in n.split()}
        self._first = first | extra
        self._last = last | extra
        # the names she lists (people, a unit's or a workplace's name) in any case and with a genitive
        # s: "kastanjens personal", "på kastanjen" are Kastanjen
        self._extra_re = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True)) + r")s?(?!\w)",
                       re.IGNORECASE)
            if self.names else None
        )

    @property
    def uses_ner(self) -> bool:
        return self.use_ner

    # --- public API --------------------------------------------------------------------------------

    def find(self, text: str) -> list[Finding]:
        """All spans to mask in `text`, sorted, without overlaps."""
        ents = self._ner_entities(text) if self.use_ner else []
        return self._resolve(text, self._rule_findings(text) + self._ner_findings(text, ents))

    def find_many(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Finding]]:
        """`find` over many texts; runs NER through `nlp.pipe` in batches."""
        if not self.use_ner:
            for text in texts:
                yield self.find(text)
            return
        assert self.nlp is not None
        texts_a, texts_b = _tee(texts)
        with self.nlp.select_pipes(enable=self._ner_pipes()):
            for text, doc in zip(texts_a, self.nlp.pipe(texts_b, batch_size=batch_size)):
                ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
                yield self._resolve(text, self._rule_findings(text) + self._ner_findings(text, ents))

    def mask(self, text: str) -> str:
        """`text` with every finding replaced by its token, e.g. `[NAMN]` (`[NAME]` in English)."""
        return apply_mask(text, self.find(text))

    # --- rules -------------------------------------------------------------------------------------

    def _rule_findings(self, text: str) -> list[Finding]:
        out: list[Finding] = []

        def add(m: re.Match[str], kind: str, source: str = "mönster") -> None:
            out.append(Finding(m.start(), m.end(), kind, m.group(0), source))

        for rx in (_EMAIL_RE, _EMAIL_OBFUSCATED_RE, _EMAIL_SPACED_RE, _EMAIL_SPELLED_RE):
            for m in rx.finditer(text):
                add(m, EMAIL)
        for m in _URL_RE.finditer(text):
            url = m.group(0).rstrip(".,;:!?)")
            if self._url_names_someone(url):
                out.append(Finding(m.start(), m.start() + len(url), ADDRESS, url, "mönster"))
        for m in _PNR_RE.finditer(text):
            raw = m.group(0)
            digits = re.sub(r"\D", "", raw)
            # A bare 10-digit number starting with 0 is a phone number (07x mobile, 08 Stockholm).
            if len(digits) == 10 and raw.replace(" ", "").isdigit() and raw.startswith("0") and not _luhn_ok(digits):
                continue
            # With a space ("19800101 1234") it could be a date and a time: only a valid check digit
            # or a word such as "personnummer" before it makes it one.
            if " " in raw and not (_luhn_ok(digits[-10:]) or _PNR_CONTEXT_RE.search(text[max(0, m.start() - 40):m.start()])):
                continue
            add(m, PNR)
        for m in _BIRTH_DATE_RE.finditer(text):
            # The date only ("född [FÖDELSEDATUM]"): with the district and the role it points to one person.
            out.append(Finding(m.start("date"), m.end("date"), BIRTH, m.group("date"), "mönster"))
        for m in _PNR_HIDDEN_RE.finditer(text):
            add(m, PNR)
        for m in _CASE_RE.finditer(text):
            g = "id" if m.group("id") is not None else "id2"
            out.append(Finding(m.start(g), m.end(g), CASE, m.group(g), "mönster"))
        for m in _ACCOUNT_RE.finditer(text):
            # at least six digits: "konto 2" or "bg 12" is no number to hide
            if len(re.sub(r"\D", "", m.group("id"))) >= 6:
                out.append(Finding(m.start("id"), m.end("id"), ACCOUNT, m.group("id"), "mönster"))
        for m in _PLATE_RE.finditer(text):
            add(m, PLATE)
        for m in _PHONE_FOREIGN_RE.finditer(text):
            if 8 <= len(re.sub(r"\D", "", m.group(0))) <= 15:
                add(m, PHONE)
        for m in (*_PHONE_RE.finditer(text), *_PHONE_DOTTED_RE.finditer(text)):
            digits = re.sub(r"\D", "", m.group(0))
            national = digits[2:] if m.group(0).startswith("+46") else digits[4:] if m.group(0).startswith("0046") else digits[1:]
            if 6 <= len(national) <= 10 and not _looks_like_number_list(m.group(0)):
                add(m, PHONE)
        for rx in (_STREET_RE, _POSTAL_RE, _BOX_RE):
            for m in rx.finditer(text):
                if rx is _POSTAL_RE and not _plausible_postal(m.group(0)):
                    continue
                add(m, ADDRESS)
        if self._extra_re is not None:
            for m in self._extra_re.finditer(text):
                add(m, NAME, "namnlista")
        if self.use_name_lists:
            # Underscores part words in file names ("IP_Ahmed_Hassan.docx"): the name rules read them
            # as spaces (the same length, so the offsets hold) and the findings keep the text as written.
            named = text.replace("_", " ") if "_" in text else text
            found = [*self._name_findings(named), *self._signoff_findings(named), *self._upper_case_names(named),
                     *self._lower_case_names(named)]
            out.extend(f if named is text else Finding(f.start, f.end, f.kind, text[f.start:f.end], f.source) for f in found)
        protected = [(m.start(), m.end()) for m in _PROTECTED_RE.finditer(text)]
        return [
            f for f in out
            if f.text not in self.keep and not (f.kind == NAME and any(f.start < e and s < f.end for s, e in protected))
        ]

    def _name_findings(self, text: str) -> list[Finding]:
        tokens = [(m.start(), m.end(), m.group(0)) for m in _CAP_RE.finditer(text)]
        runs: list[list[tuple[int, int, str]]] = []
        for tok in tokens:
            if runs and _joins(text[runs[-1][-1][1]:tok[0]]):
                runs[-1].append(tok)
            else:
                runs.append([tok])
        out: list[Finding] = []
        for run in runs:
            for f in self._names_in_run(text, run):
                # A first name and the initial of the surname: "Anna L. på mottagningen" (the full stop
                # goes with it only when the sentence goes on: "… sa Anna L." keeps its end), or a middle
                # initial: "Christina N. Lacerenza".
                m = _INITIAL_RE.match(text, f.end)
                if m and self._is_first(f.text.split()[-1]):
                    surname = _CAP_RE.match(text, m.end() + 1) if text[m.end():m.end() + 1] == " " else None
                    if surname and self._may_be_name(surname.group(0)):
                        end = surname.end()
                    elif re.match(r"[ ,]+[a-zåäö]|,", text[m.end():m.end() + 3]):
                        end = m.end()
                    else:
                        end = m.end() - 1
                    f = Finding(f.start, end, NAME, text[f.start:end], f.source)
                out.append(self._with_particles_and_initials(text, f))
        for m in _INITIALS_RE.finditer(text):
            initials = m.group(0).rstrip()
            if initials.replace(" ", "") not in _NOT_INITIALS:
                out.append(Finding(m.start(), m.start() + len(initials), NAME, initials, "mönster"))
        return out

    def _with_particles_and_initials(self, text: str, f: Finding) -> Finding:
        """A name grown over a particle and the name after it ("Karl von Essen") and over initials before it."""
        start, end = f.start, f.end
        while (m := _PARTICLE_RE.match(text, end)) and (nxt := _CAP_RE.match(text, m.end())) and self._may_be_name(nxt.group(0)):
            end = nxt.end()
        if (m := _INITIALS_BEFORE_RE.search(text[max(0, start - 12):start])) and text[start - 1:start] == " ":
            start -= len(m.group(0))
        return f if (start, end) == (f.start, f.end) else Finding(start, end, NAME, text[start:end], f.source)

    def _lower_case_names(self, text: str) -> list[Finding]:
        """A listed first name and a listed surname in lower case, as in file names and hasty notes:
        "intervju_anna_svensson", "lisa-wallin", "pratade med anna svensson"; a listed first name after a cue
        ("kollegan anna"). Not when the first name is also a word ("inga ström", "hans berg", "chefen per
        vecka") or the surname is one ("eva lund")."""
        out: list[Finding] = []
        words = list(_LOWER_WORD_RE.finditer(text))
        for a, b in zip(words, words[1:]):
            gap = text[a.end():b.start()]
            if gap not in (" ", "-", ".", "_"):
                continue
            first, last = a.group(0).capitalize(), "-".join(x.capitalize() for x in b.group(0).split("-"))
            if (first in self._first and first not in _NEVER_ALONE and first not in _NOT_ALONE_AT_START
                    and self._is_last(last) and last not in _SURNAME_NEVER_ALONE and first not in _COMMON):
                out.append(Finding(a.start(), b.end(), NAME, text[a.start():b.end()], "namnlista"))
            # A listed first name alone after a cue: "kollegan anna", "chefen lisa sa".
            elif gap == " " and a.group(0) in _TRIGGERS:
                name = b.group(0).capitalize()
                if (name in self._first and name not in _NEVER_ALONE and name not in _NOT_ALONE_AT_START
                        and name not in _COMMON and b.group(0) not in _LOWER_CASE_WORDS):
                    out.append(Finding(b.start(), b.end(), NAME, b.group(0), "kontext"))
        return out

    def _upper_case_names(self, text: str) -> list[Finding]:
        """A name in capitals, as in a signature or a form: "SARA LINDQVIST" (a listed first name, then a
        listed surname or one with a surname ending); "MARIA UNGDOM" is no name."""
        out: list[Finding] = []
        for m in _UPPER_RUN_RE.finditer(text):
            words = ["-".join(p.capitalize() for p in w.split("-")) for w in m.group(0).split()]
            if self._is_first(words[0]) and (self._is_last(words[1]) or words[1].lower().endswith(_SURNAME_SUFFIXES)):
                if len(words) == 3 and not (self._is_last(words[2]) or words[2].lower().endswith(_SURNAME_SUFFIXES)):
                    end = m.start() + len(" ".join(m.group(0).split()[:2]))
                else:
                    end = m.end()
                out.append(Finding(m.start(), end, NAME, text[m.start():end], "namnlista"))
        return out

    def _signoff_findings(self, text: str) -> list[Finding]:
        """A name after a sign-off, also in lower case: "mvh lena svensson", "Hälsningar, Björn", "// kalle"."""
        out: list[Finding] = []
        for m in _SIGNOFF_RE.finditer(text):
            end = None
            for k, w in enumerate(_SIGNOFF_WORD_RE.finditer(m.group("names"))):
                word = w.group(0)
                listed = "-".join(part.capitalize() for part in word.split("-"))
                known = self._is_first(listed) or self._is_last(listed) or listed in self.names
                capitalised = word[0].isupper() and self._may_be_name(word)
                if not (known or capitalised or (k > 0 and word.islower() and not _is_swedish_word(word))):
                    break
                end = m.start("names") + w.end()
            if end is not None:
                start = m.start("names")
                out.append(Finding(start, end, NAME, text[start:end], "kontext"))
        return out

    def _names_in_run(self, text: str, run: list[tuple[int, int, str]]) -> list[Finding]:
        words = [w for _, _, w in run]
        start_of_sentence = _sentence_start(text, run[0][0])
        prev_word = _previous_word(text, run[0][0]).lower()
        masked = [False] * len(run)
        sources = [""] * len(run)

        def mark(i: int, j: int, source: str) -> None:
            for k in range(i, j):
                if not masked[k]:
                    masked[k], sources[k] = True, source

        ok = [self._may_be_name(w) for w in words]
        # A capitalised trigger inside the run ("Kontakta Björn", "Hälsningar Bo") is no name itself;
        # "Namn" is left out: it heads forms and tables ("Namn Telefon E-post").
        trigger = [w.lower() in _TRIGGERS and w.lower() not in ("namn", "namnet") for w in words]
        ok = [o and not t for o, t in zip(ok, trigger)]

        def after_trigger(i: int) -> None:
            """The run from `i` on (up to three words) is a name."""
            if i < len(run) and ok[i]:
                j = i + 1
                while j < len(run) and j - i < 3 and ok[j]:
                    j += 1
                mark(i, j, "kontext")

        # After a trigger ("enhetschef Karin Ek", "heter Sara"): the run (up to three words) is a name.
        # After a colon the next word starts a sentence: a Swedish word there is no name
        # ("utredare: Handlägger felaktiga utbetalningar"), an unknown one is ("Ansvarig: Nguyen Van Anh").
        if prev_word in _TRIGGERS and not (
            ":" in text[max(0, run[0][0] - 3):run[0][0]] and not self._is_first(words[0])
            and not self._is_last(words[0]) and _is_swedish_word(words[0].lower())
        ):
            after_trigger(0)
        # Followed by a party marker: "Anna Andersson (S)".
        if _PARTY_RE.match(text[run[-1][1]:run[-1][1] + 12]):
            i = len(run) - 1
            while i > 0 and ok[i - 1] and len(run) - i < 3:
                i -= 1
            if ok[i]:
                mark(i, len(run), "kontext")
        for i, w in enumerate(words):
            if not ok[i]:
                continue
            nxt_ok = i + 1 < len(words) and ok[i + 1]
            first = self._is_first(w)
            last = self._is_last(w)
            if first and nxt_ok:
                # First name + capitalised word(s): "Lisa Wallin", "Mimmi Deljerud Engholm".
                j = i + 1
                # A third word only when it is itself a name or name-sized ("Mimmi Deljerud Engholm").
                while j < len(words) and ok[j] and j - i < 3 and (j == i + 1 or len(words[j]) <= 12 or self._is_last(words[j])):
                    j += 1
                mark(i, j, "namnlista")
            elif last and i > 0 and ok[i - 1] and not (i - 1 == 0 and start_of_sentence and words[i - 1] in _COMMON):
                mark(i - 1, i + 1, "namnlista")
            elif first and not _never_alone(w, self._first) and not (i == 0 and start_of_sentence and w in _NOT_ALONE_AT_START):
                mark(i, i + 1, "namnlista")
            elif last and w not in _SURNAME_NEVER_ALONE:
                sentence_initial = i == 0 and start_of_sentence
                if not sentence_initial or (len(w) >= 7 or w.endswith(("son", "sen"))):
                    mark(i, i + 1, "namnlista")
            elif (
                not start_of_sentence and len(words) == 1 and w.endswith("sson") and len(w) > 6
            ):
                # An unlisted -sson surname alone mid-sentence (Swedish patronymic surnames).
                mark(i, i + 1, "namnlista")
        # A listed first name that is also a word, alone and followed by a verb of saying or thinking:
        # a person ("Björn tycker att …", "Ros sa", "Hans berättade"); "Inga tycker" and "Alla sa"
        # are "nobody" and "everyone".
        if not masked[-1] and self._is_first(words[-1]) and words[-1] not in _PRONOUN_NAMES and not trigger[-1]:
            verb = re.match(r"[ ]+([a-zåäö]+)", text[run[-1][1]:run[-1][1] + 20])
            if verb and verb.group(1) in _SPEECH_VERBS and (len(run) == 1 or not ok[-2]):
                mark(len(run) - 1, len(run), "kontext")
        # After a trigger inside the run, where the name lists found nothing ("Kontakta Björn").
        for i, t in enumerate(trigger):
            if t:
                after_trigger(i + 1)
        # Two or three capitalised words in a row inside a sentence ("Bruce Springsteen"): Swedish
        # capitalises only the first word of other multi-word names ("Röda korset").
        # Only without NER: with it, the rule added 0.5 points of recall and cost 8 of precision
        # (scripts/bench_privacy.py on the NER train file).
        if (
            not self.use_ner and 2 <= len(run) <= 3 and all(ok) and not start_of_sentence
            and re.search(r"[a-zåäö,][ ]+\Z", text[max(0, run[0][0] - 30):run[0][0]]) is not None
            and not any(w.isupper() or w in _ORG_WORDS or w[:-1] in _ORG_WORDS for w in words)
        ):
            mark(0, len(run), "versaler")
        out: list[Finding] = []
        i = 0
        while i < len(run):
            if not masked[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(run) and masked[j + 1]:
                j += 1
            s, e = run[i][0], run[j][1]
            out.append(Finding(s, e, NAME, text[s:e], sources[i]))
            i = j + 1
        return out

    def _may_be_name(self, word: str) -> bool:
        if word.endswith("s") and word[:-1] in _PLACES:
            return False
        return word not in _COMMON and word not in _PLACES and word not in self.keep and not (
            len(word) >= 10 and not self._is_first(word) and not self._is_last(word)
            and (word.endswith(_DEFINITE_ORG_SUFFIXES) or (len(word) >= 12 and word.endswith(("en", "et", "na"))))
        )

    def _url_names_someone(self, url: str) -> bool:
        """A web address whose path holds a known first name or surname, or on a social network."""
        host, _sep, path = re.sub(r"(?i)^https?://", "", url).partition("/")
        if any(h in host.lower() for h in _SOCIAL_HOSTS) and path.strip("/"):
            return True
        parts = [w for w in re.split(r"[/._\-?=&#+%\d]+", path) if len(w) >= 3]
        return any(self._is_first(w.capitalize()) or self._is_last(w.capitalize()) for w in parts)

    def _is_first(self, word: str) -> bool:
        return word in self._first or (word.endswith("s") and word[:-1] in self._first) or (
            "-" in word and all(p in self._first for p in word.split("-"))
        )

    def _is_last(self, word: str) -> bool:
        return word in self._last or (word.endswith("s") and word[:-1] in self._last and not word.endswith("ss")) or (
            "-" in word and all(p in self._last for p in word.split("-"))
        )

    # --- NER ---------------------------------------------------------------------------------------

    def _ner_pipes(self) -> list[str]:
        assert self.nlp is not None
        needed = ["ner"]
        ner = self.nlp.get_pipe("ner")
        # A NER that listens to a shared tok2vec needs that component to run too.
        for name, proc in self.nlp.pipeline:
            if name in ("tok2vec", "transformer") and name != "ner":
                listeners = getattr(proc, "listening_components", [])
                if "ner" in listeners or not listeners:
                    needed.insert(0, name)
        del ner
        return needed

    def _ner_entities(self, text: str) -> list[tuple[int, int, str]]:
        assert self.nlp is not None
        with self.nlp.select_pipes(enable=self._ner_pipes()):
            doc = self.nlp(text)
        return [(e.start_char, e.end_char, e.label_) for e in doc.ents]

    def _ner_findings(self, text: str, ents: Sequence[tuple[int, int, str]]) -> list[Finding]:
        out: list[Finding] = []
        for start, end, label in ents:
            span = text[start:end].strip(" .,:;!?\"'()")
            if not span:
                continue
            start = text.index(span, start)
            end = start + len(span)
            if label in ("PER", "PERSON"):
                if self._accept_ner_person(text, start, span):
                    out.append(Finding(start, end, NAME, span, "ner"))
            elif label in ("LOC", "GPE", "FAC"):
                # A location with a house number after it is a street address: "Storgatan 5".
                m = re.match(r"[ ]" + _HOUSE_NO + r"(?![\d])", text[end:end + 24])
                if m:
                    out.append(Finding(start, end + m.end(), ADDRESS, text[start:end + m.end()], "ner"))
        return out

    def _accept_ner_person(self, text: str, start: int, span: str) -> bool:
        """Filter the small NER's false positives: headings, acronyms, places, sentence-initial words."""
        words = [w.strip(".,-–") for w in span.split()]
        words = [w for w in words if w]
        if not words or not span[0].isupper() or span in self.keep:
            return False
        if all(w.isupper() for w in words):  # acronyms: APT, SHIS, CV
            return False
        if any(w in _PLACES or w in _COMMON for w in words):
            return False
        if len(words) == 1:
            w = words[0]
            known = self._is_first(w) or self._is_last(w)
            if _sentence_start(text, start):
                # A capitalised word at a sentence start or heading is a name only if it is a known one.
                return known and w not in _NEVER_ALONE and w not in _NOT_ALONE_AT_START
            return w not in _NEVER_ALONE or not known
        return True

    # --- overlaps ----------------------------------------------------------------------------------

    @staticmethod
    def _resolve(text: str, findings: list[Finding]) -> list[Finding]:
        """Drop findings overlapping a stronger one or a token already in the text (of either language);
        merge adjacent names ("Lisa" + "Wallin")."""
        masked = [(m.start(), m.end()) for m in _MASK_TOKEN_RE.finditer(text)] if "[" in text else []
        if masked:
            findings = [f for f in findings if not any(f.start < e and s < f.end for s, e in masked)]
        ranked = sorted(findings, key=lambda f: (_PRIORITY[f.kind], -(f.end - f.start), f.start))
        taken: list[Finding] = []
        for f in ranked:
            if any(f.start < t.end and t.start < f.end for t in taken):
                # A name that overlaps only another name: grow that name instead of dropping this one.
                same = [t for t in taken if t.kind == f.kind == NAME and f.start < t.end and t.start < f.end]
                others = [t for t in taken if t.kind != NAME and f.start < t.end and t.start < f.end]
                if same and not others:
                    for t in same:
                        taken.remove(t)
                    s = min([f.start] + [t.start for t in same])
                    e = max([f.end] + [t.end for t in same])
                    taken.append(Finding(s, e, NAME, text[s:e], same[0].source))
                continue
            taken.append(f)
        taken.sort(key=lambda f: f.start)
        merged: list[Finding] = []
        for f in taken:
            if merged and merged[-1].kind == NAME == f.kind and _joins(text[merged[-1].end:f.start]):
                p = merged.pop()
                merged.append(Finding(p.start, f.end, NAME, text[p.start:f.end], p.source))
            else:
                merged.append(f)
        return merged


def apply_mask(text: str, findings: Sequence[Finding]) -> str:
    """Replace each finding (sorted, non-overlapping) with its token (`token`)."""
    parts: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos:
            continue
        parts.append(text[pos:f.start])
        parts.append(token(f.kind))
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


def _never_alone(word: str, first_names: frozenset[str]) -> bool:
    """A first name that is also a common word (`Bo`, `Hans`, `Maj`) or its genitive (`Bos`), not `Elis`."""
    if word in _NEVER_ALONE:
        return True
    return word not in first_names and word.endswith("s") and word[:-1] in _NEVER_ALONE


def _is_swedish_word(word: str) -> bool:
    """A word simplemma's Swedish dictionary knows ("och", "tel"); an unknown one after a name is a surname."""
    from qualcode.nlp.lemmas import is_known

    return word in _FUNCTION_WORDS or is_known(word)


_FUNCTION_WORDS = frozenset(w.lower() for w in _COMMON) | {"tel", "mob", "mobil", "tfn", "e-post", "mejl", "mail"}


def _joins(gap: str) -> bool:
    """Two capitalised tokens belong to one name when only spaces (not a line break) lie between."""
    return 0 < len(gap) <= 2 and gap.strip(" \t") == ""


def _sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t\"'”»«–—-•*(":
        i -= 1
    if i < 0:
        return True
    if text[i] == "\n":
        # A blank line (paragraph or heading break) starts a new sentence; a single line break
        # in extracted PDF text usually does not.
        j = i - 1
        while j >= 0 and text[j] in " \t\r":
            j -= 1
        if j < 0 or text[j] == "\n" or text[j] in ".!?:;":
            return True
        return False
    return text[i] in ".!?:;"


def _previous_word(text: str, pos: int) -> str:
    # Only on the same line: a heading's last word is no trigger for the next line's first word.
    m = re.search(r"([\wåäöÅÄÖ]+)[ \t,:]*\Z", text[max(0, pos - 40):pos])
    return m.group(1) if m else ""


def _looks_like_number_list(s: str) -> bool:
    """'0 5 10 15' or '2014 2015' style sequences are not phone numbers."""
    groups = re.split(r"[ ]", s.strip())
    return len(groups) >= 3 and all(len(g) == 1 for g in groups[:2])


def _plausible_postal(s: str) -> bool:
    m = re.match(r"(?:SE-?)?(\d{3})[ ]?(\d{2})", s)
    return m is not None and m.group(1)[0] != "0"


def _tee(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    items = list(texts)
    return items, items


def count_by_kind(findings: Iterable[Finding]) -> dict[str, int]:
    """Number of findings per kind, in the fixed order of KINDS (zeros included)."""
    c = Counter(f.kind for f in findings)
    return {k: c.get(k, 0) for k in KINDS}


def pseudonymiser_for(project: Project, model: str | None = None) -> Pseudonymiser:
    """The project's pseudonymiser: its active pipeline (NER when it has one) and its name lists.

    Settings in qualcode.yaml: `privacy.names` (always masked) and `privacy.keep` (never masked).
    """
    cfg = (project.config.get("privacy") or {}) if hasattr(project, "config") else {}
    spec = model or project.model
    nlp = None if spec in (None, "", "blank", "default") else project.nlp(spec)
    return Pseudonymiser(nlp, names=cfg.get("names") or (), keep=cfg.get("keep") or ())


@dataclass(frozen=True)
class ScanHit:
    """One finding in one document (or file) of a privacy scan."""

    source: str
    finding: Finding
    context: str

    def to_dict(self) -> dict[str, object]:
        f = self.finding
        return {"document": self.source, "kind": f.kind, "text": f.text, "rule": f.source,
                "start": f.start, "end": f.end, "context": self.context}


@dataclass(frozen=True)
class ScanResult:
    hits: tuple[ScanHit, ...]
    n_texts: int
    uses_ner: bool

    def counts(self) -> dict[str, int]:
        return count_by_kind(h.finding for h in self.hits)


def scan_texts(p: Pseudonymiser, texts: Iterable[tuple[str, str]]) -> ScanResult:
    """Scan `(source, text)` pairs: every finding with a little context (masked except the finding)."""
    items = list(texts)
    hits: list[ScanHit] = []
    for (source, text), findings in zip(items, p.find_many(t for _, t in items)):
        for f in findings:
            lo, hi = max(0, f.start - 40), min(len(text), f.end + 40)
            left = apply_mask(text[lo:f.start], _window(findings, lo, f.start))
            right = apply_mask(text[f.end:hi], _window(findings, f.end, hi))
            # Whole words only at the edges of the context.
            if lo > 0 and " " in left:
                left = left[left.index(" ") + 1:]
            if hi < len(text) and " " in right:
                right = right[: right.rindex(" ")]
            context = " ".join(f"{left}⟨{f.text}⟩{right}".split())
            hits.append(ScanHit(source, f, context))
    return ScanResult(tuple(hits), len(items), p.uses_ner)


def _window(findings: Sequence[Finding], lo: int, hi: int) -> list[Finding]:
    """Findings overlapping [lo, hi), clipped to it and moved to offsets relative to lo.

    A finding cut by the window's edge is still masked: half an e-mail address is personal data.
    """
    return [
        Finding(max(f.start, lo) - lo, min(f.end, hi) - lo, f.kind, f.text, f.source)
        for f in findings if f.start < hi and f.end > lo
    ]


def scan_project(project: Project, p: Pseudonymiser | None = None, kind: str | None = None) -> ScanResult:
    """What `mask` would replace in every document of the project's corpus: its text, its name and its
    metadata values (they leave qualcode masked too: matrix, qdpx, the report's sources); a finding in a
    metadata value is listed under `document (key)`."""
    p = p or pseudonymiser_for(project)
    texts: list[tuple[str, str]] = []
    whole: list[ScanHit] = []  # values of fields named for personal data ("E-post"), masked whole
    n_docs = 0
    for d in project.store.iter_documents(kind=kind):
        n_docs += 1
        texts.append((d.name, d.text))
        texts.append((d.name, d.name))
        for key, value in d.meta.items():
            personal = personal_key_kind(key)
            if personal is not None and value not in (None, "") and str(value).strip():
                whole.append(ScanHit(f"{d.name} ({key})", Finding(0, len(str(value)), personal, str(value), "kontext"),
                                     f"{key}: ⟨{value}⟩"))
            elif isinstance(value, str) and value:
                texts.append((f"{d.name} ({key})", value))
    result = scan_texts(p, texts)
    return ScanResult(result.hits + tuple(whole), n_docs, result.uses_ner)


def scan_files(paths: Sequence[str], p: Pseudonymiser, encoding: str | None = None) -> ScanResult:
    """The same scan for plain text files outside any project."""
    from qualcode.ingest.readers import read_text

    return scan_texts(p, ((str(path), read_text(path, encoding)) for path in paths))


# -- masking exports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MaskedText:
    """A masked text and where its findings went, to move offsets (selections) into it."""

    text: str
    moves: tuple[tuple[int, int, int, int], ...]  # (old start, old end, new start, new end) per finding

    def position(self, pos: int, end: bool = False) -> int:
        """Where offset `pos` of the original text is in the masked text; inside a finding, its edge."""
        delta = 0
        for old_start, old_end, new_start, new_end in self.moves:
            if pos <= old_start:
                break
            if pos < old_end:
                return new_end if end else new_start
            delta = new_end - old_end
        return pos + delta


def mask_with_offsets(p: Pseudonymiser, text: str) -> MaskedText:
    """`p.mask(text)` plus the moves that map the original offsets into the masked text."""
    parts: list[str] = []
    moves: list[tuple[int, int, int, int]] = []
    pos = new = 0
    for f in sorted(p.find(text), key=lambda f: f.start):
        if f.start < pos:
            continue
        parts.append(text[pos:f.start])
        new += f.start - pos
        mark = token(f.kind)
        moves.append((f.start, f.end, new, new + len(mark)))
        parts.append(mark)
        new += len(mark)
        pos = f.end
    parts.append(text[pos:])
    return MaskedText("".join(parts), tuple(moves))


def mask_value(p: Pseudonymiser, value: Any) -> Any:
    """A metadata value or cell masked when it is text; numbers stay as they are."""
    return p.mask(value) if isinstance(value, str) and value else value


# Metadata fields whose name says they hold personal data (a survey export's "Namn", "E-post",
# "Födelseår" columns; an interview's "intervjuare"): their values are masked whole, whatever they look
# like ("Päivi Korhonen" alone in a cell is no name to the rules, nor is 1980 a birth year).
_PERSONAL_KEYS = (
    (re.compile(r"namn|name|förnamn|efternamn|tilltalsnamn|fullständigt[ ]namn|för-[ ]och[ ]efternamn|first[ _-]?name|"
                r"last[ _-]?name|full[ _-]?name|respondentnamn|intervjuare|interviewer|intervjuperson|kontaktperson|"
                r"handläggarens[ ]namn|ditt[ ]namn|recipient[ ](?:first[ ]|last[ ])?name"), NAME),
    (re.compile(r"e-?post|e-?postadress|e-?mail|email|mejl|mejladress|mail|mailadress|recipient[ ]e-?mail"), EMAIL),
    (re.compile(r"telefon|telefonnummer|telefonnr|tel|tfn|mobil|mobilnummer|mobilnr|phone|phone[ _-]?number"), PHONE),
    (re.compile(r"personnummer|pnr|personnr|samordningsnummer|samordningsnr"), PNR),
    (re.compile(r"födelsedatum|födelseår|födelsedag|född|född[ ]år|birth[ _-]?date|date[ _-]?of[ _-]?birth|birth[ _-]?year|dob"), BIRTH),
    (re.compile(r"adress|address|gatuadress|postadress|hemadress|bostadsadress|postnummer|postnr|postort|"
                r"ip|ip[ -]?adress|ip[ ]address"), ADDRESS),
    (re.compile(r"regnr|reg\.?[ ]?nr|registreringsnummer"), PLATE),
)


def personal_key_kind(key: str) -> str | None:
    """The kind of personal data a metadata field holds by its name ("E-post" → EMAIL), or None."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", str(key)).strip(" :?*")
    name = field_words(name).lower()  # a survey tool's CamelCase names as words: 'RecipientFirstName', 'IPAddress'
    return next((kind for rx, kind in _PERSONAL_KEYS if rx.fullmatch(name)), None)


def mask_meta(p: Pseudonymiser, key: str, value: Any) -> Any:
    """A metadata value masked: whole, as its kind's token, under a field named for personal data
    ("Namn", "E-post", "Födelseår"), else as any text (`mask_value`)."""
    kind = personal_key_kind(key)
    if kind is not None and value not in (None, "") and not (isinstance(value, str) and not value.strip()):
        return token(kind)
    return mask_value(p, value)


def mask_data(mask: Any, value: Any) -> Any:
    """Every string in nested lists and dicts (keys too) passed through `mask` (None: unchanged)."""
    if mask is None:
        return value
    if isinstance(value, str):
        return mask(value) if value else value
    if isinstance(value, dict):
        return {mask_data(mask, k): mask_data(mask, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(mask, v) for v in value]
    return value


def mask_matrix(p: Pseudonymiser, matrix: Any) -> Any:
    """A code matrix with its document names and every metadata text cell masked (codes stay 0/1)."""
    from dataclasses import replace

    ids, meta = set(matrix.id_columns), set(matrix.meta_columns)
    rows = tuple(
        {k: (mask_value(p, v) if k in ids else mask_meta(p, k, v) if k in meta else v) for k, v in r.items()}
        for r in matrix.rows
    )
    return replace(matrix, rows=rows)
