"""Mention counts: mapping free-text answers, mapping files, tables, CLI and the published check."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.core.errors import InputError
from qualcode.analysis.mentions.tables import (
    compare_published,
    count_mentions,
    read_answers,
    report_tables,
    select_columns,
    to_csv_rows,
    to_json,
)
from qualcode.analysis.mentions.mapper import EJ_SVAR, OVRIGT, MentionMapper, load_mapping, normalise_answer, parse_mapping

FIXTURES = Path(__file__).parent / "fixtures" / "mentions"
CATS = [f"P{n:02d}" for n in range(1, 14)] + [OVRIGT, EJ_SVAR]
runner = CliRunner()


@pytest.fixture(scope="module")
def mapper() -> MentionMapper:
    return MentionMapper()


# Our own phrasings (not taken from any sample file): numbers, names, aliases, keywords,
# abbreviations, compounds and misspellings.
CASES = {
    "P01": ["1", "p1", "Brukarinflytande", "brukarenkäterna", "Återkoppling från klienterna",
            "brukarrevisioner", "Brukardelaktighet o återkoppling"],
    "P02": ["2", "2.", "(2)", "p2", "p.2", "P 2", "punkt 2", "nr 2", "P02", "2 intro", "punkt två",
            "Intro för nya", "introduktionsplanen", "mentorer", "Mentorsprogram för nyanställda",
            "Introduktoin", "fadderverksamhet", "onboarding"],
    "P03": ["3)", "Ärendemängden", "arbetsbelastningen", "arbetsbelasting", "rimlig belastning",
            "Antal ärenden per handläggare", "Stockholmsmodellen för mätning"],
    "P04": ["Pkt 4", "metodutvecklarna", "Utvecklingsforumet", "Kompetensforum lokalt", "kunskapsutbyte"],
    "P05": ["nr. 5", "Ledarskapet", "närvarande ledning", "Tillgänglig chef", "bitr. enhetschefer",
            "biträdande enhetschef", "chefstätheten"],
    "P06": ["6", "6 adm stöd", "administratörerna", "adm stöd till socialsekreterarna", "admin. stöd handläggare",
            "adm stöd till soc.sekr", "administrativ avlastning för handläggarna", "Avgiftshandläggare",
            "Administartivt stöd till handläggare", "Adminstratörer", "avgiftshandläggningen"],
    "P07": ["7", "7 adm stöd", "HR", "HR-stödet", "adm stöd till enhetscheferna", "Administrativt stöd till chef",
            "rekryteringsstöd", "controller", "ekonomistöd till chefer", "Adm stöd t chefer"],
    "P08": ["8.", "ärendedragningar", "Regelbunden ärendehandledning varje vecka", "Ärendehandlening", "handledning i grupp", "kollegial handledning"],
    "P09": ["9", "medhandläggning", "Två handläggare i varje ärende", "Medhandlägarskap"],
    "P10": ["10", "Kurser", "specialistutbildningen", "vidareutbildning", "Fortbilding",
            "kompetensutv.", "utbildningsdagar", "specialistutb"],
    "P11": ["11", "socionomstudenter", "VFU-studenter", "praktikanter", "studentmottagandet"],
    "P12": ["12", "traineeprogrammet", "Traineer", "Mottagande av trainees"],
    "P13": ["13", "lokalerna", "Bättre lokaler", "arbetsrummen", "Tysta rum", "datorer och telefoner",
            "fungerande arbetsredskap", "Lokaler/datorer", "kontorslandskapet", "Arbetsredskapp"],
    OVRIGT: ["14", "Lön", "Lönen", "högre löner", "friskvård", "Flextid", "IT-systemen",
             "verksamhetssystemet", "omorganisationen", "bra kollegor", "Arbetsklimatet",
             "personalomsättning", "IT stöd", "arbetsmiljön"],
    EJ_SVAR: ["", "   ", "-", "–", "?", "vet ej", "Vet inte.", "VET EJ", "inget", "Ingen aning", "x", "...", "Ingen kommentar",
                "Vet ej/inget svar", "Kan inte svara på det", "Inget särskilt", "Har inget svar",
                "Inget mer att tillägga", "Svårt att säga", "don't know", "I don’t know", "None", "nothing", "not sure", "N/A"],
}


@pytest.mark.parametrize(
    ("answer", "expected"), [(a, cat) for cat, answers in CASES.items() for a in answers]
)
def test_maps_answer(mapper, answer, expected):
    m = mapper.map(answer)
    assert (m.category, answer) == (expected, answer), m


# The kinds of answers issue 19 names, each mapped wrongly or left unresolved before: a
# paraphrase of a point's name, who receives the support, split compounds, synonyms.
READINGS = {
    "mottagande av studenter regelbundet": "P11",
    "handledning i ärenden, internt och systematiskt": "P08",
    "arbetsredskap som fungerar": "P13",
    "stöd i administrationen för våra chefer": "P07",
    "administrativ hjälp till chefer": "P07",
    "chefers adm": "P07",
    "handläggarnas adm": "P06",
    "socialsekreterarnas administrativa stöd": "P06",
    "inflytande för brukare": "P01",
    "brukarnas möjlighet att påverka": "P01",
    "belastningen i arbetet": "P03",
    "administrativ assistans för socialsekreterare": "P06",
    "fadderskap": "P02",
    "genomgång av ärenden": "P08",
    "ärendegenomgångarna": "P08",
    "kursdagar": "P10",
    "fler socialsekreterare": "P03",
    "fler chefer": "P05",
    "stöd från chefen": "P05",
    "medarbetarnas delaktighet": OVRIGT,
}


@pytest.mark.parametrize(("answer", "expected"), list(READINGS.items()))
def test_reads_answers_as_a_careful_person(mapper, answer, expected):
    m = mapper.map(answer)
    assert (m.category, answer) == (expected, answer), m
    assert m.method and m.evidence, m


def test_receiver_is_not_the_topic(mapper):
    # "chef" as the one who receives administrative support never makes it P05
    for answer in ("adm stöd för oss chefer", "chefernas administrativa stöd", "administrativ avlastning för chefer"):
        m = mapper.map(answer)
        assert m.category == "P07", m
        assert "P05" not in [c.category for c in m.candidates[:1]]
    assert mapper.map("chefernas stöd").category == "P05"  # the support the managers give
    # a possessive between the mark and the person keeps the mark: "från mina chefer" gives
    for answer in ("stöd från mina chefer", "stöd från min chef"):
        assert mapper.map(answer).category == "P05", answer
    assert mapper.map("adm stöd till mina handläggare").category == "P06"


def test_a_client_named_as_receiver_is_not_the_topic(mapper):
    # the people the service is for (brukare, klient = brukare) follow the recipient rule as staff
    # do: "tid för brukarna" names time for them, not their participation (P01)
    for answer in ("mer tid för brukarna", "tid åt klienterna", "mer resurser till brukare"):
        m = mapper.map(answer)
        assert m.category is None, m
    # named as the topic, as the source of feedback, or joined to a point's word, they still are P01
    for answer in ("brukarna", "klienterna", "synpunkter från klienterna", "klienternas återkoppling",
                   "inflytande för brukare", "mer delaktighet för brukarna", "att brukarna får säga sitt",
                   "dialog med brukarna", "enkäter till klienter"):
        assert mapper.map(answer).category == "P01", answer


def test_feedback_is_the_clients_only_when_nobody_else_gives_or_gets_it(mapper):
    # P01's name takes the feedback from brukare; P05's definition has the managers' återkoppling
    for answer in ("återkoppling från chefen", "feedback från chefen", "chefens återkoppling", "feedback from my manager"):
        m = mapper.map(answer)
        assert (m.category, m.method) == ("P05", "keyword"), m
    # feedback to or from staff is neither: not guessed
    for answer in ("återkoppling till medarbetarna", "synpunkter från personalen", "medarbetarnas återkoppling",
                   "återkoppling till chefen"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (None, "ambiguous"), m
    assert "från: personalen" in mapper.map("synpunkter från personalen").evidence
    for answer in ("återkoppling", "återkoppling från brukarna", "synpunkter från klienterna", "brukarnas återkoppling",
                   "återkoppling till brukarna"):
        assert mapper.map(answer).category == "P01", answer


def test_a_name_word_alone_names_its_point_only_when_the_code_uses_it_too(mapper):
    # "uppdraget", "förhållande" (P03) and "möjlighet" (P10) are words of the names that none of the
    # points' aliases, keywords or include text use: alone they are weak evidence
    for answer in ("Tydligare uppdrag", "Bättre förhållanden", "möjlighet", "uppdraget"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (None, "weak"), m
    for answer, cat in (("systematisk", "P08"), ("lämpliga", "P13"), ("tillgänglig", "P05"),
                        ("arbetsredskap som fungerar", "P13"), ("mottagande av studenter regelbundet", "P11")):
        assert mapper.map(answer).category == cat, answer


def test_ovrigt_needs_evidence(mapper):
    # ordinary words with no match could be an unknown synonym of a point: unresolved, not Övrigt
    for answer in ("struktur", "rutiner", "tydlighet", "arbetssituationen"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (None, "no-match"), m
    for answer, evidence in (("friskvård", "övrigt-ämne 'friskvård'"), ("lönen", "tema 'lön' (T-LON)"),
                             ("IT-systemen", "(T-IT)")):
        m = mapper.map(answer)
        assert m.category == OVRIGT and any(evidence in e for e in m.evidence), m


def test_two_areas_stay_unresolved_and_points_rank_before_ovrigt(mapper):
    m = mapper.map("lokaler och lön")
    assert (m.category, m.method) == (None, "several")
    assert [c.category for c in m.candidates] == ["P13", OVRIGT]
    m = mapper.map("chefer och administratörer")  # not one compound "chefsadministratör"
    assert m.category is None
    # a longer phrase of one point does not outweigh another point's whole alias or keyword
    for answer in ("lokaler ärenden arbetsbelastning intro", "traineer system lön friskvård", "enhetschefer mentorskap stöd"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (None, "several"), m
    m = mapper.map("flytt av avgiftshandläggningen")  # the task moved (P06), or the office (flytt: P13)
    assert m.category is None and {c.category for c in m.candidates} == {"P06", "P13"}, m


def test_coordinated_words_never_form_one_term(mapper):
    # "ledning och adm stöd" names two areas: the alias "adm stöd till chefer" and the name of
    # point 7 (administrativt stöd till chefer) need their words in one phrase
    for answer in ("ledning och adm stöd", "ledning, adm stöd", "chefer och adm stöd", "ledning och administratörer",
                   "chefer och HR", "Chefer, HR", "cheferna och HR-stöd"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (None, "several"), m
        assert {"P05", "P07"} <= {c.category for c in m.candidates} or answer.endswith("administratörer"), m
    # in one phrase, or marked as the receiver of both, they still do
    # the receiver settles the points that share the words, not another area beside them
    for answer in ("lokaler och adm stöd till chefer", "administratörer chefer lokaler", "administratörer mentorskap chefer",
                   "lokaler introduktion adm ledning"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (None, "several"), m
    for answer in ("adm stöd till chefer", "adm stöd till chefer och ledning", "adm stöd och avlastning för chefer",
                   "chefernas adm stöd", "HR för chefer", "HR chefer"):
        assert mapper.map(answer).category == "P07", answer


def test_a_keyword_is_not_read_as_another_word_of_its_spelling(mapper):
    # simplemma lemmatises the alias IT to the verb "se": no form of "se" may name T-IT
    for answer in ("jag ser inga förbättringar", "premises", "sett", "såg", "chefer som ser en"):
        m = mapper.map(answer)
        assert not any("T-IT" in e for e in m.evidence), m
        assert m.category != OVRIGT, m
    assert mapper.map("Vi ser mer av cheferna").category == "P05"
    for answer in ("IT", "it-stöd", "bättre it"):
        assert mapper.map(answer).category == OVRIGT, answer


def test_a_compound_keyword_lends_no_part_to_another_term(mapper):
    # "IT-stöd" is T-IT as a whole word: its part "stöd" with "till handläggare" is no "handläggarstöd"
    # (P06); the codebook says IT-stöd is the theme, whoever gets it
    for answer in ("IT-stöd till handläggare", "it-stöd för socialsekreterarna", "IT-stöd till oss handläggare"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (OVRIGT, "theme"), m
    # a point's compound for someone its name does not give it to is not guessed
    for answer in ("HR-stöd till handläggare", "controller för handläggarna"):
        m = mapper.map(answer)
        assert (m.category, m.method) == (None, "ambiguous"), m
        assert m.candidates[0].category == "P07", m
    # a compound read as a whole still joins the words around it
    for answer, cat in (("handläggarstöd", "P06"), ("stöd till handläggare", "P06"), ("HR-stöd till chefer", "P07"),
                        ("ekonomistöd till chefer", "P07"), ("administratörer till chefer", "P07")):
        assert mapper.map(answer).category == cat, answer


def test_a_number_with_a_second_area_stays_unresolved(mapper):
    # a leading point number does not settle an answer whose text names a second area
    for answer, cands in (("13 lokaler och lön", ["P13", OVRIGT]),
                          ("3. Arbetsbelastning 13. Lokaler", ["P03", "P13"]),
                          ("3 arbetsbelastning, 13 lokaler", ["P03", "P13"]),
                          ("punkt 3 arbetsbelastning och punkt 13 lokaler", ["P03", "P13"]),
                          ("arbetsbelastning 3 och lokaler (13)", ["P13", "P03"]),
                          # a number after the text: the "p" that ends "mentorskap" is no "p 6"
                          ("mentorskap 6", ["P06", "P02"]), ("lokaler 6", ["P06", "P13"])):
        m = mapper.map(answer)
        assert m.category is None and [c.category for c in m.candidates] == cands, m
    # the text of the number's own area, or one phrase with the number's reading among others, confirms it
    for answer, cat in (("13 lokaler", "P13"), ("2 intro och mentorskap", "P02"), ("6 adm stöd", "P06"),
                        ("3 handläggare", "P03"), ("lokaler (13)", "P13"), ("lokaler 13", "P13"),
                        ("mentorskap 2", "P02"), ("Lokaler - 13", "P13"), ("3. Färre ärenden per handläggare", "P03"),
                        ("p3 ärenden per handläggare", "P03")):
        assert mapper.map(answer).category == cat, answer
    # a bare number before "X per Y" counts something: it is no point number
    for answer in ("12 barn per handläggare", "20 ärenden per handläggare"):
        m = mapper.map(answer)
        assert m.category is None and not m.method.startswith("number"), m
    assert mapper.map("4 studenter per termin").category == "P11"


def test_synonyms_come_from_the_codebook(mapper):
    from dataclasses import replace

    assert mapper.map("arbetsstolar").category is None
    cb = mapper.codebook
    extended = cb.with_codes([replace(c, synonyms=c.synonyms + ("stol = möbel",)) if c.id == "P13" else c
                              for c in cb.codes])
    m = MentionMapper(extended).map("arbetsstolar")
    assert m.category == "P13"
    assert m.evidence == ("nyckelord 'möbel' ← arbetsstolar (synonym stol = möbel)",)
    assert "synonym kursdag = fortbildning" in mapper.map("kursdagar").evidence[0]


def test_held_out_phrasings(mapper):
    """The held-out set (351 phrasings written before tuning, never tuned on; README figures):
    no wrong call (the one measured, 'mer tid för klienterna' read as P01 via klient = brukare,
    went with the recipient rule for clients)."""
    rows = list(csv.DictReader((FIXTURES / "heldout-phrasings.csv").read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert len(rows) >= 300
    wrong, unresolved = [], []
    for r in rows:
        m = mapper.map(r["answer"])
        want = None if r["category"] == "?" else r["category"]
        if m.category is None and want is not None:
            unresolved.append(r["answer"])
        elif m.category != want:
            wrong.append(r["answer"])
    assert wrong == [] and len(unresolved) <= 3, (wrong, unresolved)


ENGLISH = {
    # the codebook's synonyms read English words as its own; English grammar words as Swedish ones
    "user involvement": "P01", "feedback from clients": "P01", "client surveys": "P01",
    "mentoring for new employees": "P02", "introduction programme for new staff": "P02", "mentorship": "P02",
    "workload": "P03", "Less workload": "P03", "reasonable caseload": "P03", "more staff": "P03",
    "local development forum": "P04", "leadership": "P05", "accessible managers": "P05",
    "support from my manager": "P05", "administrative support for social workers": "P06",
    "admin support caseworkers": "P06", "administrative support for managers": "P07", "HR support": "P07",
    "case supervision": "P08", "internal supervision": "P08", "supervision": "P08",
    "two caseworkers per case": "P09", "joint case handling": "P09", "further training": "P10",
    "professional development": "P10", "courses": "P10", "specialist training": "P10",
    "social work students": "P11", "student placements": "P11", "trainee program": "P12",
    "premises": "P13", "office space": "P13", "computers and phones": "P13", "better offices": "P13",
    "quiet rooms": "P13", "salary": OVRIGT, "higher pay": OVRIGT, "wages": OVRIGT, "staff turnover": OVRIGT,
    "reorganisation": OVRIGT, "IT support": OVRIGT, "it support for caseworkers": OVRIGT,
    "good team spirit": OVRIGT, "colleagues": OVRIGT,
    # two areas, or words shared by several names, stay unresolved as in Swedish
    "admin support": None, "administrative support": None, "support": None, "staff": None,
    "supervision and training": None, "salary and premises": None, "students and trainees": None,
    "leadership and HR": None, "social workers": None, "all of them": None, "more time for clients": None,
}


@pytest.mark.parametrize(("answer", "expected"), list(ENGLISH.items()))
def test_reads_english_answers_through_the_codebook(mapper, answer, expected):
    m = mapper.map(answer)
    assert m.category == expected, m
    assert m.method and m.evidence, m


def test_english_synonyms_live_in_the_codebook():
    # without the codebook's English synonyms the same answers are not read
    from dataclasses import replace

    from qualcode.core.codebook import default_codebook, parse_synonym

    english = {"salary", "supervision", "workload", "premises"}
    cb = default_codebook()
    bare = cb.with_codes([replace(c, synonyms=tuple(s for s in c.synonyms if parse_synonym(s)[0] not in english))
                          for c in cb.codes])
    m = MentionMapper(bare)
    for answer in ("salary", "case supervision", "workload", "premises"):
        assert m.map(answer).category is None, answer


def test_unseen_phrasings(mapper):
    """unseen-phrasings.csv (476 phrasings written from the codebook spec before the changes of
    2026-12-03; README figures): no wrong call, and only these stay unresolved."""
    rows = list(csv.DictReader((FIXTURES / "unseen-phrasings.csv").read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert len(rows) == 476
    wrong, unresolved = [], []
    for r in rows:
        m = mapper.map(r["answer"])
        want = None if r["category"] == "?" else r["category"]
        if m.category is None and want is not None:
            unresolved.append(r["answer"])
        elif m.category != want:
            wrong.append((r["answer"], m.category))
    assert wrong == []
    # a word of a longer keyword; a review with the manager (P08 or P05); a typo below the ratio
    assert set(unresolved) <= {"ärendegenomgång med chef", "traniee"}, unresolved


def _outcomes(mapper, name: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    rows = list(csv.DictReader((FIXTURES / name).read_text(encoding="utf-8").splitlines(), delimiter=";"))
    wrong, unresolved = [], []
    for r in rows:
        m = mapper.map(r["answer"])
        want = None if r["category"] == "?" else r["category"]
        if m.category is None and want is not None:
            unresolved.append(r["answer"])
        elif m.category != want:
            wrong.append((r["answer"], m.category))
    return wrong, unresolved


def test_sealed_and_probe_phrasings(mapper):
    """sealed-phrasings.csv (101, run first after the changes: 100/0/1) and probe-phrasings.csv (97
    vague answers: 81/9/7); README figures. The probe's wrong calls are readings the codebook allows:
    no other may appear."""
    wrong, unresolved = _outcomes(mapper, "sealed-phrasings.csv")
    assert wrong == [] and unresolved == ["co-worker on cases"], (wrong, unresolved)
    wrong, unresolved = _outcomes(mapper, "probe-phrasings.csv")
    assert set(wrong) <= {
        ("nätverk med andra kommuner", "P04"), ("systematiskt arbete", "P08"),
        ("Systematisk uppföljning av ärenden", "P08"), ("Mer handledning för nya", "P08"),
        ("Telefontider för klienter", "P13"), ("administrativa uppgifter", "P06"),
        ("Kunskap om brukarnas upplevelser", "P01"), ("mobilt arbete", "P13"), ("Nyanställd, vet ej", "P02"),
    }, wrong
    assert len(unresolved) <= 7, unresolved


AMBIGUOUS = {
    "adm stöd": {"P06", "P07"},
    "Administrativt stöd": {"P06", "P07"},
    "adm.": {"P06", "P07"},
    "stöd": {"P05", "P06", "P07"},
    "mottagande": {"P11", "P12"},
    "intro och handledning": {"P02", "P08"},
    "2 och 6": {"P02", "P06"},
    "2 lokaler": {"P02", "P13"},
    "Lokalt": {"P04"},
    "socialsekreterarna": {"P06"},
}


@pytest.mark.parametrize(("answer", "candidates"), list(AMBIGUOUS.items()))
def test_ambiguous_answers_are_not_guessed(mapper, answer, candidates):
    m = mapper.map(answer)
    assert m.category is None and not m.resolved
    assert {c.category for c in m.candidates} == candidates


def test_unknown_numbers_and_long_unmatched_text_stay_unresolved(mapper):
    assert mapper.map("15").category is None
    assert mapper.map("0").category is None
    assert [mapper.map(a).method for a in ("Samtliga", "alla")] == ["all-areas", "all-areas"]
    # a word the codebook does not know could be a synonym of a point: never Övrigt by default
    assert (mapper.map("teambuilding").category, mapper.map("teambuilding").method) == (None, "no-match")
    # built on a word of several points' keywords ("antal ärenden", "dra ärende"): not Övrigt
    m = mapper.map("samarbete kring ärenden")
    assert (m.category, m.method) == (None, "weak")
    assert {"P03", "P08", "P09"} <= {c.category for c in m.candidates}
    # a case ceiling is the workload point: the codebook names it among P03's short names
    assert [(mapper.map(a).category, mapper.map(a).method) for a in ("ärendetak", "Ärendetaket")] == [("P03", "alias")] * 2
    m = mapper.map("Det har inte blivit så mycket annorlunda på något sätt tyvärr")
    assert m.category is None and m.candidates == ()


def test_mapping_file_settles_answers_and_normalises_keys():
    cb_mapper = MentionMapper(mapping={"  ADM stöd. ": "P07", "stöd": "P05"})
    assert cb_mapper.map("adm stöd").category == "P07"
    assert cb_mapper.map("adm stöd").method == "mapping"
    assert cb_mapper.map("Stöd").category == "P05"
    assert normalise_answer("  Adm   Stöd.. ") == "adm stöd"
    with pytest.raises(InputError, match="okänd kategori 'P6' i mappningen"):
        MentionMapper(mapping={"stöd": "P6"})


def test_parse_mapping_accepts_forms_and_skips_empty(mapper):
    text = "answer;category;kandidater\nadm stöd;p7;x\nmottagande;;P11\nfoo;Övrigt\nbar;ej svar\nbaz;6\n"
    assert parse_mapping(text, mapper.codebook) == {
        "adm stöd": "P07", "foo": OVRIGT, "bar": EJ_SVAR, "baz": "P06",
    }


def test_parse_mapping_errors_name_the_line(mapper):
    with pytest.raises(InputError, match=r"rad 3: okänd kategori 'P99' — giltiga: P01, P02.*OVRIGT, EJ_SVAR"):
        parse_mapping("answer;category\nadm stöd;P06\nstöd;P99\n", mapper.codebook, "m.csv")
    with pytest.raises(InputError, match=r"m.csv rad 2: väntade 'svar;kategori'"):
        parse_mapping("answer;category\nbara ett fält\n", mapper.codebook, "m.csv")
    with pytest.raises(InputError, match=r"rad 3: svaret 'ADM stöd' har redan kategori P06 \(rad 1\)"):
        parse_mapping("adm stöd;P06\n\nADM stöd;P07\n", mapper.codebook, "m.csv")


def test_load_mapping_missing_and_not_utf8(tmp_path):
    with pytest.raises(InputError, match="finns inte"):
        load_mapping(tmp_path / "nej.csv")
    bad = tmp_path / "m.csv"
    bad.write_bytes("lön;OVRIGT\nstöd åt chefer;P07\n".encode("cp1252"))
    with pytest.raises(InputError, match="inte UTF-8"):
        load_mapping(bad)


# -- counting ----------------------------------------------------------------------------

SMALL = [
    ["id", "roll", "langst_1", "langst_2", "behov_1", "behov_2"],
    ["a1", "chef", "2", "punkt 6", "Lön", "adm stöd"],
    ["a2", "chef", "intro", "", "lokalerna", "p.13"],
    ["a3", "medarbetare", "vet ej", "handledning", "3", "arbetsbelastning"],
    ["a4", "medarbetare", "Introduktion", "2", "-", "friskvård"],
]


def _imported(tmp_path: Path, rows: list[list[str]]) -> Path:
    """`rows` written as s.csv and imported as a survey into the project tmp_path/p; the file's path."""
    from qualcode.ingest.service import import_survey

    from helpers import make_project

    path = _write(tmp_path / "s.csv", rows)
    project = make_project(tmp_path)
    try:
        import_survey(project, path, ["langst_1", "langst_2", "behov_1", "behov_2"], id_column="id")
    finally:
        project.store.close()
    return path


def _write(path: Path, rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def _zero(**counts: int) -> dict[str, int]:
    return {c: counts.get(c, 0) for c in CATS}


def test_count_json_contract(tmp_path, mapper):
    answers = read_answers(_write(tmp_path / "s.csv", SMALL))
    counts = count_mentions(answers, select_columns(answers.columns, ["langst_*", "behov"]), mapper)
    data = to_json(counts)
    assert data["respondents"] == 4
    assert data["columns"] == {
        "langst_1": _zero(P02=3, EJ_SVAR=1),
        "langst_2": _zero(P02=1, P06=1, P08=1, EJ_SVAR=1),
        "behov_1": _zero(P03=1, P13=1, OVRIGT=1, EJ_SVAR=1),
        "behov_2": _zero(P03=1, P13=1, OVRIGT=1),
    }
    assert data["total"] == _zero(P02=4, P06=1, P08=1, P03=2, P13=2, OVRIGT=2, EJ_SVAR=3)
    assert data["unresolved"] == [{"column": "behov_2", "row": "a1", "answer": "adm stöd"}]
    assert data["sets"]["langst"]["total"] == _zero(P02=4, P06=1, P08=1, EJ_SVAR=2)
    assert data["sets"]["langst"]["respondents"] == _zero(P02=3, P06=1, P08=1, EJ_SVAR=2)
    assert data["sets"]["behov"]["first"] == data["columns"]["behov_1"]
    assert list(data)[:4] == ["respondents", "columns", "total", "unresolved"]


def test_percentages_round_half_up_everywhere_as_compare_does(tmp_path, mapper):
    # 1 of 16 is 6.25 % and 13 of 16 is 81.25 %: printed reports say 6,3 and 81,3 (half up on the
    # exact fraction); a float rounded half to even gave 6,2 and 81,2 in `count` but 6,3 in `compare`
    rows = [["id", "roll", "langst_1", "langst_2"]]
    rows += [[f"r{i}", "chef" if i < 16 else "medarbetare", "lokaler" if i == 0 else "", "lön" if i < 3 else ""]
             for i in range(17)]
    answers = read_answers(_write(tmp_path / "s.csv", rows))
    sets = select_columns(answers.columns, ["langst"])
    answers16 = read_answers(_write(tmp_path / "s16.csv", rows[:17]))
    counts = count_mentions(answers16, select_columns(answers16.columns, ["langst"]), mapper)
    table = report_tables(counts)[0]
    assert ("13. Lämpliga lokaler och fungerande arbetsredskap", "1", "6,3") in table.rows
    assert ("Ej svar", "15", "93,8") in table.rows
    csv_rows = {(r["column"], r["category"]): r["procent"] for r in to_csv_rows(counts)}
    assert csv_rows[("langst_1", "P13")] == "6,3" and csv_rows[("langst_2", "EJ_SVAR")] == "81,3"
    assert csv_rows[("totalt", "P13")] == "6,3"
    # within a group of 16 as well
    grouped = count_mentions(answers, sets, mapper, by="roll")
    by_table = report_tables(grouped)[0]
    p13 = next(r for r in by_table.rows if r[0].startswith("13."))
    assert p13[1:3] == ("1", "6,3")
    assert {(r["group"], r["procent"]) for r in to_csv_rows(grouped)
            if r["column"] == "langst_2" and r["category"] == "EJ_SVAR"} >= {("chef", "81,3")}


def test_count_by_group_percent_within_group(tmp_path, mapper):
    answers = read_answers(_write(tmp_path / "s.csv", SMALL))
    counts = count_mentions(answers, select_columns(answers.columns, ["langst_1"]), mapper, by="roll")
    t = counts.columns["langst_1"]
    assert t.groups == ("chef", "medarbetare")
    assert (t.count("P02", "chef"), t.percent("P02", "chef")) == (2, 100.0)
    assert (t.count("P02", "medarbetare"), t.percent("P02", "medarbetare")) == (1, 50.0)
    by = to_json(counts)["by"]
    assert by["field"] == "roll"
    assert by["groups"]["medarbetare"]["respondents"] == 2
    assert by["groups"]["medarbetare"]["columns"]["langst_1"] == _zero(P02=1, EJ_SVAR=1)


def test_row_ids_fall_back_to_row_numbers(tmp_path, mapper):
    rows = [[c for c in r[1:]] for r in SMALL]
    answers = read_answers(_write(tmp_path / "s.csv", rows, delimiter="\t"))
    counts = count_mentions(answers, select_columns(answers.columns, ["behov_2"]), mapper)
    assert to_json(counts)["unresolved"] == [{"column": "behov_2", "row": 1, "answer": "adm stöd"}]


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ","), ("cp1252", ";"), ("utf-8", "\t")])
def test_reads_encodings_and_delimiters(tmp_path, mapper, encoding, delimiter):
    rows = SMALL + [["a5", "chef", "Ärendehandledning", "", "", ""]]
    path = _write(tmp_path / "s.csv", rows, delimiter=delimiter, encoding=encoding)
    answers = read_answers(path)
    counts = count_mentions(answers, select_columns(answers.columns, ["langst_1"]), mapper)
    assert to_json(counts)["columns"]["langst_1"] == _zero(P02=3, P08=1, EJ_SVAR=1)


def test_reads_xlsx(tmp_path, mapper):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in SMALL:
        ws.append([int(c) if c.isdigit() else c for c in r])
    wb.save(tmp_path / "s.xlsx")
    answers = read_answers(tmp_path / "s.xlsx")
    counts = count_mentions(answers, select_columns(answers.columns, ["behov_1"]), mapper)
    assert to_json(counts)["columns"]["behov_1"] == _zero(P03=1, P13=1, OVRIGT=1, EJ_SVAR=1)


def test_select_columns_names_globs_prefixes_and_errors():
    cols = ["id", "langst_1", "langst_2", "behov_2", "behov_1", "kommentar"]
    sets = select_columns(cols, ["behov", "langst_2,langst_1", "kommentar"])
    assert [(s.name, s.columns) for s in sets] == [
        ("behov", ("behov_1", "behov_2")), ("langst", ("langst_1", "langst_2")), ("kommentar", ("kommentar",)),
    ]
    assert [s.columns for s in select_columns(cols, ["langst_*"])] == [("langst_1", "langst_2")]
    with pytest.raises(InputError, match="kolumnen 'behv' finns inte — kolumner i filen: id, langst_1"):
        select_columns(cols, ["behv"])
    assert [s.name for s in select_columns(cols, [])] == ["langst", "behov"]
    with pytest.raises(InputError, match="ange vilka kolumner som ska räknas — kolumner: id, svar") as info:
        select_columns(["id", "svar"], [])
    assert info.value.info.hint.option == "columns"


# -- CLI -----------------------------------------------------------------------------------


def test_cli_count_csv_output_is_exact(tmp_path):
    path = _write(tmp_path / "s.csv", SMALL)
    result = runner.invoke(app, ["mentions", "count", str(path), "--columns", "langst_1", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "set;column;group;category;label;antal;respondenter;procent"
    assert lines[1] == "langst;langst_1;Totalt;P01;1. Brukardelaktighet och återkoppling från brukare;0;0;0,0"
    assert lines[2] == "langst;langst_1;Totalt;P02;2. Introduktionsprogram och mentorskap för nyanställda;3;3;75,0"
    assert lines[15] == "langst;langst_1;Totalt;EJ_SVAR;Ej svar;1;1;25,0"
    assert len(lines) == 1 + 3 * 15  # column, totalt, först


def test_cli_count_csv_and_json_say_small_counts_are_not_suppressed(tmp_path):
    """Four respondents: 'antal' 3 and 1 are printed as they are, with one line on stderr."""
    path = _write(tmp_path / "s.csv", SMALL)
    note = "obs: antal under 5 döljs inte i den här utdatan — använd `qualcode report` för tabeller som ska publiceras\n"
    for fmt in ("csv", "json"):
        result = runner.invoke(app, ["mentions", "count", str(path), "--columns", "langst_1", "--format", fmt])
        assert result.exit_code == 0 and result.stderr == note, (fmt, result.stderr)
    assert note not in runner.invoke(app, ["mentions", "count", str(path), "--columns", "langst_1"]).stderr


def test_cli_count_by_group_csv_matches_golden(tmp_path):
    path = _write(tmp_path / "s.csv", SMALL)
    result = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst", "--by", "roll", "-f", "csv"])
    assert result.exit_code == 0, result.output
    golden = Path(__file__).parent / "golden" / "mentions" / "count-langst-by-roll.csv"
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_cli_count_json_and_mapping_and_review_template(tmp_path):
    path = _write(tmp_path / "s.csv", SMALL)
    args = ["mentions", "count", str(path), "-c", "behov_*", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unresolved"] == [{"column": "behov_2", "row": "a1", "answer": "adm stöd"}]
    assert "1 svar kunde inte klassas" in result.stderr

    template = tmp_path / "mapping.csv"
    result = runner.invoke(app, ["mentions", "review", str(path), "-c", "behov_*", "--template", str(template), "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "answer,count,columns,category,reason,evidence,candidates\n"
        "adm stöd,1,behov_2,,ambiguous,\"namnord administrativt, stöd (P06); namnord administrativt, stöd (P07)\","
        "\"P06 (1,00) | P07 (1,00)\"\n"
    )
    assert template.read_text(encoding="utf-8") == (
        "answer;category;kandidater;antal\n"
        "adm stöd;;P06 6. Administrativt stöd till socialsekreterare och biståndshandläggare | "
        "P07 7. Administrativt stöd till chefer;1\n"
    )
    again = runner.invoke(app, ["mentions", "review", str(path), "-c", "behov_*", "--template", str(template)])
    assert again.exit_code == 1 and "finns redan" in again.stderr

    template.write_text(template.read_text(encoding="utf-8").replace("adm stöd;;", "adm stöd;P07;"), encoding="utf-8")
    result = runner.invoke(app, args + ["--mapping", str(template)])
    data = json.loads(result.stdout)
    assert data["unresolved"] == []
    assert data["columns"]["behov_2"]["P07"] == 1


def test_cli_table_output(tmp_path):
    path = _write(tmp_path / "s.csv", SMALL)
    result = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst", "--by", "roll"])
    assert result.exit_code == 0, result.output
    assert "langst_1 per roll" in result.stdout
    assert "langst totalt (gånger nämnd) per roll" in result.stdout
    assert "100,0" in result.stdout


@pytest.mark.parametrize("width", [80, 250])
def test_cli_by_many_groups_keeps_the_category_column_readable(tmp_path, monkeypatch, width):
    # 14 districts: the groups go to further tables, the category column never shrinks to nothing
    from qualcode.cli import common

    monkeypatch.setattr(common.console, "_width", width)
    districts = ["Farsta", "Skärholmen", "Älvsjö", "Östermalm", "Bromma", "Enskede-Årsta-Vantör", "Hägersten-Liljeholmen",
                 "Rinkeby-Kista", "Kungsholmen", "Norrmalm", "Södermalm", "Spånga-Tensta", "Hässelby-Vällingby", "Skarpnäck"]
    rows = [["id", "stadsdel", "langst_1"]] + [[f"r{i}", d, "lokaler"] for i, d in enumerate(districts)]
    result = runner.invoke(app, ["mentions", "count", str(_write(tmp_path / "s.csv", rows)), "-c", "langst_1", "--by", "stadsdel"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert sum("┃ Kategori" in line for line in lines) >= 2  # split into parts, each with the categories
    assert all(any(f"│ {label}" in line for line in lines) for label in ("1. Brukardelaktighet", "13. Lämpliga lokaler", "Ej svar"))
    for d in districts:
        assert any(d in line for line in lines), d
    assert "--format csv" in result.stderr


def test_cli_delimiter_errors_say_what_is_wrong(tmp_path):
    def err(path: Path, *extra: str) -> str:
        r = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst", *extra])
        assert r.exit_code == 1, r.output
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr  # one line
        return r.stderr

    # a comma file with an unquoted comma in an answer: quote it, no doubled phrase, no ';' advice
    comma = tmp_path / "comma.csv"
    comma.write_text("id,langst_1,langst_2\na,lokaler,lön\nb,lokaler, lön och friskvård,2\n", encoding="utf-8")
    e = err(comma)
    assert "rad 3" in e or "line 3" in e
    assert "--delimiter" not in e and e.count("avgränsaren") <= 1, e
    # the wrong delimiter: one header column that holds a delimiter names the right one
    pipe = _write(tmp_path / "pipe.csv", SMALL, delimiter="|")
    assert "--delimiter '|'" in err(pipe)
    semicolon = _write(tmp_path / "semi.csv", SMALL)
    assert "--delimiter ';'" in err(semicolon, "--delimiter", ",")
    tab = _write(tmp_path / "tab.csv", SMALL, delimiter="\t")
    assert "--delimiter tab" in err(tab, "--delimiter", ";")
    # '|' is a delimiter of its own (the help says so); anything else is refused by name
    r = runner.invoke(app, ["mentions", "count", str(pipe), "-c", "langst", "--delimiter", "|", "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["respondents"] == 4, r.output
    assert "'|'" in runner.invoke(app, ["mentions", "count", "--help"]).stdout
    assert "'ab'" in err(semicolon, "--delimiter", "ab")


def test_cli_xlsx_without_answers_on_the_first_sheet_names_the_others(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Info"
    wb.active.append(["Slutenkät 2018"])
    data = wb.create_sheet("Svar")
    for row in SMALL:
        data.append(row)
    wb.save(tmp_path / "s.xlsx")
    r = runner.invoke(app, ["mentions", "count", str(tmp_path / "s.xlsx"), "-c", "langst"])
    assert r.exit_code == 1 and "Svar" in r.stderr and "--sheet 'Svar'" in r.stderr, r.stderr
    r = runner.invoke(app, ["mentions", "count", str(tmp_path / "s.xlsx"), "-c", "langst", "--sheet", "Svar", "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["respondents"] == 4, r.output


def test_cli_errors(tmp_path):
    path = _write(tmp_path / "s.csv", SMALL)
    r = runner.invoke(app, ["mentions", "count", str(tmp_path / "nej.csv"), "-c", "x"])
    assert r.exit_code == 1 and "finns inte" in r.stderr
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "nope"])
    assert r.exit_code == 1
    assert "kolumnen 'nope' finns inte — kolumner i filen: id, roll, langst_1, langst_2, behov_1, behov_2" in r.stderr
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_1", "--by", "kön"])
    assert r.exit_code == 1 and "grupperingskolumnen 'kön' finns inte" in r.stderr and "`--by behov_2`" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_bytes("id;langst_1\na;Lön\nb;f\xf6r\xe4ndring \x81\x8d\n".encode("latin-1"))
    r = runner.invoke(app, ["mentions", "count", str(bad), "-c", "langst_1", "--encoding", "utf-8"])
    assert r.exit_code == 1 and "--encoding" in r.stderr
    mapping = tmp_path / "m.csv"
    mapping.write_text("answer;category\nadm stöd;P6\nstöd;P14\n", encoding="utf-8")
    r = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_1", "--mapping", str(mapping)])
    assert r.exit_code == 1
    assert "rad 3: okänd kategori 'P14' — giltiga: P01" in r.stderr


def test_compare_lists_cell_and_total_differences(tmp_path, mapper):
    answers = read_answers(_write(tmp_path / "s.csv", SMALL))
    counts = count_mentions(answers, select_columns(answers.columns, ["langst"]), mapper)
    pub = {
        "langst": {"1": _zero(P02=3, EJ_SVAR=1), "2": _zero(P02=2, P08=1, EJ_SVAR=1)},
        "printed_totals": {"langst": {"1": 5}},
        "prose_totals": {"langst": {"P02": 4, "P08": 2}},
    }
    cmp = compare_published(counts, pub)
    assert (cmp.cells, cmp.equal, cmp.unresolved) == (30, 28, 0)
    assert [(d.kind, d.position, d.category, d.published, d.computed) for d in cmp.differences] == [
        ("cell", "2", "P02", 2, 1),
        ("cell", "2", "P06", 0, 1),
        ("printed_total", "1", "Total", 5, 4),
        ("prose_total", "totalt", "P02", 4, 4),  # agrees with the data but not with the tables (3 + 2)
        ("prose_total", "totalt", "P08", 2, 1),
    ]
    with pytest.raises(InputError, match="har inga av uppsättningarna langst"):
        compare_published(counts, {"behov": {}})


@pytest.mark.parametrize("header", ["Längst", "LANGST", "langst"])
def test_compare_matches_set_names_without_case_and_accents(tmp_path, header):
    # the file's columns may be Längst_1… or LANGST_1… while the published file says "langst"
    rows = [[header + c[6:] if c.startswith("langst") else c for c in SMALL[0]], *SMALL[1:]]
    path = _write(tmp_path / "s.csv", rows)
    pub = tmp_path / "pub.json"
    pub.write_text(json.dumps({"langst": {"1": _zero(P02=3, EJ_SVAR=1), "2": _zero(P02=1, P06=1, P08=1, EJ_SVAR=1)},
                               "percent": {"langst": {"1": {"P02": "75,0"}}}, "printed_totals": {"langst": {"1": 4}},
                               "prose_totals": {"langst": {"P02": 4}}, "respondents": 4}), encoding="utf-8")
    for extra in ([], ["-c", "langst"], ["-c", "Längst"], ["-c", "LANGST_*"]):
        r = runner.invoke(app, ["mentions", "compare", str(path), "--published", str(pub), "-f", "json", *extra])
        assert r.exit_code == 0, (extra, r.output)
        data = json.loads(r.stdout)
        assert (data["cells"], data["equal"], data["differences"]) == (30, 30, []), (extra, data)
        assert {k: v["stämmer"] for k, v in data["summary"].items()} == {
            "cell": 30, "percent": 1, "printed_total": 1, "prose_total": 1, "respondents": 1}
    # two sets that differ only in case and accents: the name must be written exactly
    both = _write(tmp_path / "b.csv", [["id", "Längst_1", "Längst_2", "langst_1", "langst_2"], ["a", "2", "3", "4", "5"]])
    answers = read_answers(both)
    assert [s.name for s in select_columns(answers.columns, ["langst"])] == ["langst"]
    with pytest.raises(InputError, match="tvetydig|ambiguous"):
        select_columns(answers.columns, ["LANGST"])


def test_compare_lists_every_published_figure_with_its_status(tmp_path, mapper):
    answers = read_answers(_write(tmp_path / "s.csv", SMALL))
    counts = count_mentions(answers, select_columns(answers.columns, ["langst"]), mapper)
    pub = {
        "respondents": 4,
        "langst": {"1": _zero(P02=3, EJ_SVAR=1), "2": _zero(P02=1, P06=1, P08=1, EJ_SVAR=1)},
        # 3 of 4 is 75,0 %; 1 of 4 printed as 25,1 % is the report's own rounding error
        "percent": {"langst": {"1": {"P02": "75,0", "EJ_SVAR": "25,1"}, "2": {"P08": "25"}}},
        "printed_totals": {"langst": {"1": 4, "2": 5}},
        "prose_totals": {"langst": {"P02": 4, "P08": 2}},
        "prose_first": {"langst": "P02"},
    }
    cmp = compare_published(counts, pub)
    listed = [(f.kind, f.position, f.category, f.published, f.computed, f.status) for f in cmp.figures if f.kind != "cell"]
    assert listed == [
        ("percent", "1", "P02", "75,0", "75,0", "stämmer"),
        ("percent", "1", "EJ_SVAR", "25,1", "25,0", "skiljer"),
        ("percent", "2", "P08", "25,0", "25,0", "stämmer"),
        ("printed_total", "1", "Total", 4, 4, "stämmer"),
        ("printed_total", "2", "Total", 5, 4, "skiljer"),
        ("prose_total", "totalt", "P02", 4, 4, "stämmer"),
        ("prose_total", "totalt", "P08", 2, 1, "skiljer"),
        ("prose_first", "1", "P02", "P02", "P02", "stämmer"),
        ("respondents", "", "", 4, 4, "stämmer"),
    ]
    assert next(f.note for f in cmp.figures if f.category == "EJ_SVAR" and f.kind == "percent") == \
        "rapportens 1 av 4 ger 25,0; data ger 25,0"
    assert len([f for f in cmp.figures if f.kind == "cell"]) == 30
    assert cmp.summary()["percent"] == {"stämmer": 2, "skiljer": 1}

    path = tmp_path / "pub.json"
    path.write_text(json.dumps(pub), encoding="utf-8")
    csv_path = tmp_path / "s.csv"
    r = runner.invoke(app, ["mentions", "compare", str(csv_path), "--published", str(path), "-f", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "kind;set;position;category;published;computed;status;note"
    assert len(lines) == 1 + 30 + 9
    assert "procent;langst;1;EJ_SVAR;25,1;25,0;skiljer;rapportens 1 av 4 ger 25,0; data ger 25,0" in r.stdout \
        or 'procent;langst;1;EJ_SVAR;25,1;25,0;skiljer;"rapportens 1 av 4 ger 25,0; data ger 25,0"' in r.stdout
    only = runner.invoke(app, ["mentions", "compare", str(csv_path), "--published", str(path), "-f", "csv", "--differences"])
    assert len(only.stdout.splitlines()) == 1 + 3


def test_review_all_shows_method_and_evidence(tmp_path):
    path = _write(tmp_path / "s.csv", SMALL)
    r = runner.invoke(app, ["mentions", "review", str(path), "-c", "behov_*", "--all", "-f", "json"])
    assert r.exit_code == 0, r.output
    rows = {row["answer"]: row for row in json.loads(r.stdout)}
    assert rows["adm stöd"]["category"] == ""
    assert (rows["Lön"]["category"], rows["Lön"]["reason"], rows["Lön"]["evidence"]) == ("OVRIGT", "theme", "tema 'lön' (T-LON)")
    assert (rows["p.13"]["category"], rows["p.13"]["reason"]) == ("P13", "number")
    assert rows["arbetsbelastning"]["evidence"] == "alias 'arbetsbelastning'"
    assert all(row["evidence"] for row in rows.values())


def test_count_from_project_survey(tmp_path):
    path = _imported(tmp_path, SMALL)
    args = ["mentions", "count", "--project", str(tmp_path / "p"), "-c", "langst_*,behov_*", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    from_file = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_*,behov_*", "-f", "json"])
    assert json.loads(result.stdout) == json.loads(from_file.stdout)
    grouped = runner.invoke(app, args + ["--by", "roll"])
    assert json.loads(grouped.stdout)["by"]["groups"]["chef"]["respondents"] == 2


# -- the development questionnaire (../shared) ---------------------------------------------


def test_dev_questionnaire_matches_published_tables(shared_dir):
    data = shared_dir / "data"
    path = FIXTURES / "published-2018.json"
    result = runner.invoke(app, [
        "mentions", "compare", str(data / "questionnaire-2018-dev.csv"),
        "--published", str(path), "--columns", "langst_*,behov_*", "--format", "json",
    ])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["cells"], out["equal"], out["unresolved"]) == (90, 90, 0)
    assert [d for d in out["differences"] if d["kind"] == "cell"] == []
    prose = {(d["set"], d["category"]): (d["published"], d["computed"]) for d in out["differences"] if d["kind"] == "prose_total"}
    assert prose == {
        ("langst", "P03"): (49, 39), ("langst", "P05"): (33, 48), ("langst", "P06"): (47, 40),
        ("langst", "P10"): (21, 25), ("behov", "P06"): (46, 45),
    }
    printed = [(d["set"], d["position"], d["published"], d["computed"]) for d in out["differences"] if d["kind"] == "printed_total"]
    assert printed == [("behov", "1", 116, 117)]
    percent = [(d["set"], d["position"], d["category"], d["published"], d["computed"]) for d in out["differences"] if d["kind"] == "percent"]
    assert percent == [("langst", "3", "OVRIGT", "5,2", "5,1"), ("behov", "2", "OVRIGT", "3,5", "3,4")]
    assert out["summary"] == {
        "cell": {"stämmer": 90, "skiljer": 0}, "percent": {"stämmer": 87, "skiljer": 2},
        "printed_total": {"stämmer": 5, "skiljer": 1}, "prose_total": {"stämmer": 8, "skiljer": 5},
        "prose_first": {"stämmer": 1, "skiljer": 0}, "respondents": {"stämmer": 1, "skiljer": 0},
    }


def test_dev_questionnaire_per_answer_accuracy(shared_dir, mapper):
    data = shared_dir / "data"
    answers = read_answers(data / "questionnaire-2018-dev.csv")
    truth = read_answers(data / "questionnaire-2018-dev-truth.csv")
    cols = [c for s in select_columns(answers.columns, ["langst", "behov"]) for c in s.columns]
    assert answers.ids == truth.ids
    total = correct = 0
    for row, true_row in zip(answers.rows, truth.rows):
        for c in cols:
            total += 1
            correct += mapper.map(row[c]).category == true_row[c]
    assert total == 702
    # measured 702/702 (2026-11-24); the mapper was not tuned to this file's phrasings
    assert correct / total >= 0.99


def test_cli_count_csv_total_gives_times_and_respondents_beside_their_percent(tmp_path):
    """a4 names P02 twice: the set's total counts 4 mentions by 3 respondents, and the percent is
    the respondents' share (3 of 4), printed beside the count it is a share of."""
    path = _write(tmp_path / "s.csv", SMALL)
    result = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines(), delimiter=";"))
    total = next(r for r in rows if r["column"] == "totalt" and r["category"] == "P02")
    assert (total["antal"], total["respondenter"], total["procent"]) == ("4", "3", "75,0")
    first = next(r for r in rows if r["column"] == "först" and r["category"] == "P02")
    assert first["antal"] == first["respondenter"] == "3"


@pytest.mark.parametrize("answer, candidates", [
    ("inte 3", {"P03"}), ("ej punkt 5", {"P05"}), ("nej, inte 2", {"P02"}), ("ej 2", {"P02"}),
    ("inte punkt 13", {"P13"}), ("allt utom 3", {"P03"}), ("förutom 3", {"P03"}), ("inte 3 utan 7", set()),
    ("inte lokaler", {"P13"}), ("ej handledning", {"P08"}), ("ej intro", {"P02"}),
])
def test_a_negated_answer_names_what_is_not_meant_and_is_never_counted(mapper, answer, candidates):
    m = mapper.map(answer)
    assert m.category is None and m.method == "negated", m
    assert {c.category for c in m.candidates} >= candidates


def test_a_longer_answer_beginning_with_inte_says_what_is_lacking(mapper):
    assert mapper.map("inte tillräckligt med handledning").category == "P08"
    assert mapper.map("inte aktuellt").category == "EJ_SVAR"


@pytest.mark.parametrize("answer, category", [
    ("13:e", "P13"), ("13:e punkten", "P13"), ("2:a", "P02"), ("den trettonde", "P13"),
    ("första punkten", "P01"), ("den tredje punkten", "P03"), ("tolfte punkten", "P12"),
    ("\uff12", "P02"), ("inget av ovanstående", "EJ_SVAR"),
])
def test_ordinals_full_width_digits_and_none_of_the_above(mapper, answer, category):
    assert mapper.map(answer).category == category


@pytest.mark.parametrize("answer", ["alla 13", "samtliga 13 punkter", "alla tretton", "andra"])
def test_every_area_or_a_bare_andra_is_not_one_point(mapper, answer):
    assert mapper.map(answer).category is None


@pytest.mark.parametrize("cell, shown", [('"fem"', '"fem"'), ("-5", "-5"), ("4.5", "4.5")])
def test_a_published_cell_that_is_no_count_stops_with_where_it_is(tmp_path, cell, shown):
    path = _write(tmp_path / "s.csv", SMALL)
    pub = tmp_path / "pub.json"
    pub.write_text('{"langst": {"1": {"P01": %s}}}' % cell, encoding="utf-8")
    result = runner.invoke(app, ["mentions", "compare", str(path), "--published", str(pub)])
    assert result.exit_code != 0
    assert f"langst → 1 → P01 är {shown}, inget antal" in result.output
    assert "Traceback" not in result.output


def test_published_counts_as_text_or_whole_floats_are_read(tmp_path):
    from qualcode.analysis.mentions.tables import load_published

    pub = tmp_path / "pub.json"
    pub.write_text('{"respondents": "117", "langst": {"1": {"P01": 5.0, "P02": "12", "P03": null}}, "prose_first": {"langst": "P02"}}', encoding="utf-8")
    assert load_published(pub) == {"respondents": 117, "langst": {"1": {"P01": 5, "P02": 12, "P03": None}}, "prose_first": {"langst": "P02"}}


def test_a_respondent_id_on_two_rows_stops_the_count_instead_of_dropping_an_answer(tmp_path):
    """Two rows with one id and other metadata are two respondents the project cannot tell apart:
    the count stops, naming them, instead of keeping one answer and dropping the other."""
    rows = [r[:] for r in SMALL]
    rows[2][0] = "a1"  # a2's row takes a1's id; its role is the same, its answers differ
    rows[2][1] = "medarbetare"
    path = _imported(tmp_path, rows)
    result = runner.invoke(app, ["mentions", "count", "--project", str(tmp_path / "p"), "-c", "langst_*,behov_*"])
    assert result.exit_code != 0
    assert "respondenten 'a1' har två svar i 'langst_1'" in result.output
    in_file = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_*"])
    assert in_file.exit_code != 0
    assert "id 'a1' i kolumnen 'id' har svar på rad 2 och rad 3" in in_file.output


def test_a_decomposed_group_value_is_the_same_group(tmp_path):
    import unicodedata

    rows = [r[:] for r in SMALL]
    rows[0][1] = "stadsdel"
    for r, value in zip(rows[1:], ["Södermalm", unicodedata.normalize("NFD", "Södermalm"), "Södermalm", "Älvsjö"]):
        r[1] = value
    path = _write(tmp_path / "s.csv", rows)
    result = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_*", "--by", "stadsdel", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["by"]["groups"]) == ["Södermalm", "Älvsjö"]


@pytest.mark.parametrize("names", [
    ["Längst (1)", "Längst (2)"], ["Längst 1:a", "Längst 2:a"], ["Längst först", "Längst andra"], ["langst_1", "langst_2"],
])
def test_position_columns_in_swedish_forms_make_one_set(names):
    sets = select_columns(["id", "roll", *names], [])
    assert [(s.name, s.columns) for s in sets] == [(names[0].split("_")[0].split(" ")[0], tuple(names))]
    assert [(s.name, s.columns) for s in select_columns(["id", *names], ["längst"])] == [(sets[0].name, tuple(names))]


@pytest.mark.parametrize("names, name", [
    (["Kommit längst, val 1", "Kommit längst, val 2", "Kommit längst, val 3"], "Kommit längst"),
    (["Störst behov – svar 1", "Störst behov – svar 2"], "Störst behov"),
    (["Område 1 där arbetet kommit längst", "Område 2 där arbetet kommit längst"], "Område där arbetet kommit längst"),
    (["Val 1 – störst behov", "Val 2 – störst behov", "Val 3 – störst behov"], "störst behov"),
    (["Prioritet 1: Längst", "Prioritet 2: Längst"], "Längst"),
])
def test_positions_named_by_a_word_or_inside_the_name_make_one_set(names, name):
    """Other phrasings of a questionnaire's positions: a word for the position before its number, or
    the number inside the question's name. The set is named without the position."""
    sets = select_columns(["id", "Stadsdel", *names, "Övriga synpunkter"], [])
    assert [(s.name, s.columns) for s in sets] == [(name, tuple(names))]


@pytest.mark.parametrize("names", [
    ["Fråga 5 Längst", "Fråga 6 Störst behov"],  # question numbers, two questions
    ["Längst interval", "Störst behov"], ["Arbetet 2018 har gått bra", "Arbetet 2019 har gått bra"],
])
def test_question_numbers_and_years_make_no_set(names):
    with pytest.raises(InputError):
        select_columns(["id", *names], [])


def test_a_published_table_the_data_has_no_column_for_is_listed_and_a_list_is_refused(tmp_path):
    path = _write(tmp_path / "s.csv", SMALL)
    pub = tmp_path / "pub.json"
    pub.write_text('{"langst": {"1": {"P02": 3}, "2": {"P02": 1}, "7": {"P01": 5}}}', encoding="utf-8")
    result = runner.invoke(app, ["mentions", "compare", str(path), "--published", str(pub), "-c", "langst", "--format", "json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["figures"]
    assert [f for f in figures if f["position"] == "7"][0]["status"] == "skiljer"
    pub.write_text('{"langst": {"1": [5]}}', encoding="utf-8")
    result = runner.invoke(app, ["mentions", "compare", str(path), "--published", str(pub), "-c", "langst"])
    assert result.exit_code != 0 and "väntade kategorier med antal" in result.output


def test_group_values_that_differ_only_in_case_are_named(tmp_path):
    rows = [r[:] for r in SMALL]
    rows[0][1] = "stadsdel"
    for r, value in zip(rows[1:], ["Södermalm", "södermalm", "Södermalm", "Älvsjö"]):
        r[1] = value
    path = _write(tmp_path / "s.csv", rows)
    result = runner.invoke(app, ["mentions", "count", str(path), "-c", "langst_*", "--by", "stadsdel", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["by"]["groups"], key=str.casefold) == ["Södermalm", "södermalm", "Älvsjö"]
    assert "skilda grupper (Södermalm, södermalm)" in result.stderr
