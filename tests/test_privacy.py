"""Pseudonymisation: patterns, name lists, names in context, false positives, the seed document, NER."""

from __future__ import annotations

import importlib.util

import pytest

from qualcode.export.privacy import ADDRESS, EMAIL, NAME, PHONE, PNR, Pseudonymiser, apply_mask, count_by_kind, scan_texts


@pytest.fixture(scope="module")
def p() -> Pseudonymiser:
    return Pseudonymiser()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ring 08-508 05 167 eller 070-123 45 67.", "Ring [TELEFON] eller [TELEFON]."),
        ("Mobil +46 70 123 45 67, fast 0701234567.", "Mobil [TELEFON], fast [TELEFON]."),
        ("Skriv till lisa.wallin@stockholm.se i dag.", "Skriv till [E-POST] i dag."),
        ("Pnr 850101-1234, 198501011234 och 19850101+1234.", "Pnr [PERSONNUMMER], [PERSONNUMMER] och [PERSONNUMMER]."),
        ("Vi finns på Hässelby torg 20-22, 2 tr, 165 23 Hässelby.", "Vi finns på [ADRESS], [ADRESS]."),
        ("Posta till Drottninggatan 5 eller Box 3424.", "Posta till [ADRESS] eller [ADRESS]."),
        ("Ring Lisa Wallin om schemat.", "Ring [NAMN] om schemat."),
        ("Enhetschefen heter Karin och hennes kollega Sara Ekberg hjälper till.",
         "Enhetschefen heter [NAMN] och hennes kollega [NAMN] hjälper till."),
        ("Vi pratade med Andersson om lönen.", "Vi pratade med [NAMN] om lönen."),
        ("Hon nämnde Bruce Springsteen och Röda korset.", "Hon nämnde [NAMN] och Röda korset."),
        ("Therese Carlborg m.fl. (M) och Steven Crosson (KD) skrev.", "[NAMN] m.fl. (M) och [NAMN] (KD) skrev."),
    ],
)
def test_masks_each_kind(p, text, expected):
    assert p.mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hans chef tycker att Bromma och Kista gör rätt. Mina kollegor håller med.",
        "Under 2015 ökade ärendena med 18-65 procent mellan 2014-2018 och 1050 personer sökte stöd.",
        "Inga fler möten. Per capita räknat är det mindre. Liv och hälsa går först.",
        "Enligt Socialstyrelsen ska Lex Sarah-anmälningar göras. Klara av arbetet med P13 och T-OMORG.",
        "Stockholms stad och Hässelby-Vällingby stadsdelsförvaltning, Figur 3 och Tabell 2.",
    ],
)
def test_no_false_positives_in_ordinary_sentences(p, text):
    assert p.find(text) == []


def test_findings_carry_offsets_kind_and_source(p):
    text = "Kontakta Lisa Wallin, 070-123 45 67."
    found = p.find(text)
    assert [(f.kind, f.text, f.source) for f in found] == [(NAME, "Lisa Wallin", "namnlista"), (PHONE, "070-123 45 67", "mönster")]
    assert all(text[f.start:f.end] == f.text for f in found)
    assert apply_mask(text, found) == "Kontakta [NAMN], [TELEFON]."
    assert count_by_kind(found) == {NAME: 1, EMAIL: 0, PHONE: 1, PNR: 0, ADDRESS: 0}


def test_project_names_and_keep_lists():
    p = Pseudonymiser(names=["Xenia Qvarnström"], keep=["Karin"])
    assert p.mask("Xenia Qvarnström ringde. Enhetschef Karin svarade.") == "[NAMN] ringde. Enhetschef Karin svarade."


def test_scan_reports_context_with_other_findings_masked(p):
    result = scan_texts(p, [("a.txt", "Lisa Wallin nås på lisa.wallin@stockholm.se eller 08-508 05 167.")])
    assert result.counts()[EMAIL] == 1 and result.counts()[PHONE] == 1 and result.counts()[NAME] == 1
    email_hit = next(h for h in result.hits if h.finding.kind == EMAIL)
    assert email_hit.context == "[NAMN] nås på ⟨lisa.wallin@stockholm.se⟩ eller [TELEFON]."


def test_scan_context_never_shows_part_of_another_finding(p):
    text = "Skriv till " + "a" * 30 + ".b@stockholm.se eller ring 070-123 45 67 i dag."
    hit = next(h for h in scan_texts(p, [("t", text)]).hits if h.finding.kind == PHONE)
    assert "stockholm.se" not in hit.context and hit.context.endswith("⟨070-123 45 67⟩ i dag.")


def test_seed_003_finds_manager_email_and_phone(shared_dir, p):
    path = next(shared_dir.glob("seeds/003_*.txt"))
    found = p.find(path.read_text(encoding="utf-8"))
    texts = {(f.kind, f.text) for f in found}
    assert (NAME, "Lisa Wallin") in texts
    assert (EMAIL, "lisa.wallin@stockholm.se") in texts
    assert (PHONE, "08-508 05 167") in texts
    masked = p.mask(path.read_text(encoding="utf-8"))
    assert "Wallin" not in masked and "508 05 167" not in masked and "@stockholm.se" not in masked


@pytest.mark.skipif(importlib.util.find_spec("sv_ud_ner_sm") is None, reason="sv_ud_ner_sm is not installed")
def test_ner_adds_names_the_rules_miss():
    import spacy

    nlp = spacy.load("sv_ud_ner_sm")
    text = "Sedan ringde Zlatko och frågade om lönen."
    assert Pseudonymiser().mask(text) == text  # an unlisted first name alone: the rules miss it
    ner = Pseudonymiser(nlp)
    assert ner.uses_ner
    assert ner.mask(text) == "Sedan ringde [NAMN] och frågade om lönen."
    # Acronyms and headings that the small NER tags as PER are filtered out.
    assert ner.mask("APT\n\nRedogör för arbetet.") == "APT\n\nRedogör för arbetet."


@pytest.mark.parametrize(
    "text, expected",
    [
        # The full stop after "2 tr" ends the sentence: it stays ("[ADRESS] Samordningsnummer" before).
        ("Kontoret på Hässelby torg 20-22, 2 tr. Samordningsnummer finns.",
         "Kontoret på [ADRESS]. Samordningsnummer finns."),
        ("Fridhemsgatan 12, 3 trappor upp.", "[ADRESS] upp."),
        ("Hon bor på Storgatan 12 lgh 1102, 123 45 Farsta.", "Hon bor på [ADRESS], [ADRESS]."),
    ],
)
def test_address_keeps_the_text_after_it(p, text, expected):
    assert p.mask(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Personnumret 19800101 1234 stod på lappen.", "Personnumret [PERSONNUMMER] stod på lappen."),
        ("Samordningsnummer 800161 1239 förekom.", "Samordningsnummer [PERSONNUMMER] förekom."),
        ("Ring 0046701234567 eller 0046 8 508 05 167.", "Ring [TELEFON] eller [TELEFON]."),
        ("Mejla anna(at)stockholm.se eller anna [at] stockholm [dot] se.", "Mejla [E-POST] eller [E-POST]."),
        ("Skriv till anna at stockholm.se eller anna (snabel-a) stockholm (punkt) se.",
         "Skriv till [E-POST] eller [E-POST]."),
        ("Brukaren är född 1980-01-01 och heter inget.", "Brukaren är född [PERSONNUMMER] och heter inget."),
        ("Ahmed Hassan, född 1 januari 1980, födelsedatum: 800101.",
         "[NAMN], född [PERSONNUMMER], födelsedatum: [PERSONNUMMER]."),
    ],
)
def test_masks_written_out_numbers_addresses_and_birth_dates(p, text, expected):
    assert p.mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mötet 20180101 1200 flyttades, vi tittade at det och han var född 1980 i Sundsvall.",
        "Vi kom at the end. Se www.stockholm.se och sidan 12 at 3.",
    ],
)
def test_no_false_positives_from_the_new_patterns(p, text):
    assert p.find(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        # Letters outside Swedish: two capitalised words inside a sentence are a name.
        ("Mikael Öberg och Zeynep Yılmaz tycker lokalerna är små.", "[NAMN] och [NAMN] tycker lokalerna är små."),
        ("Vi mötte Łukasz Wójcik i går.", "Vi mötte [NAMN] i går."),
        # A capitalised trigger starts the run: the name after it is masked, the trigger is not.
        ("Kontakta Björn via mejl.", "Kontakta [NAMN] via mejl."),
        ("Kontakta Wallin i morgon.", "Kontakta [NAMN] i morgon."),
        ("Hej Björn, hur går det?", "Hej [NAMN], hur går det?"),
        # After a sign-off, also in lower case; an unlisted surname after a listed first name too.
        ("lokaler är ok. mvh lena svensson, tel 08 508 00 000", "lokaler är ok. mvh [NAMN], tel [TELEFON]"),
        ("Hälsningar Björn", "Hälsningar [NAMN]"),
        ("Tack! // kalle yılmaz", "Tack! // [NAMN]"),
    ],
)
def test_masks_names_in_more_positions(p, text, expected):
    assert p.mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Namn Telefon E-post",
        "Kontakta Socialtjänsten i Bromma eller Spånga.",
        "Hon skickar hälsningar till alla. Läs mer på https://lena.se i dag.",
        "Kontakta Bromma stadsdelsförvaltning om P13 och T-OMORG.",
    ],
)
def test_no_false_positives_from_the_new_name_rules(p, text):
    assert p.find(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Anna L. på mottagningen sa nej.", "[NAMN] på mottagningen sa nej."),
        ("Det sa Anna L.", "Det sa [NAMN]."),
        ("Vi ringde Lisa. E-post kom sen.", "Vi ringde [NAMN]. E-post kom sen."),
    ],
)
def test_a_first_name_takes_the_initial_after_it(p, text, expected):
    assert p.mask(text) == expected


def test_a_middle_initial_joins_first_name_and_surname(p):
    assert p.mask("Enligt Christina N. Lacerenza och Anna A. Svensson.") == "Enligt [NAMN] och [NAMN]."
