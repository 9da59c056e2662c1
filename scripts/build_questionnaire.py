"""Build the sample final questionnaire (slutenkät hösten 2018) under corpora/.

Fictional sample data for qualcode. The per-position category counts equal the tables
published in the follow-up researcher's report (Bilaga 4); the respondents, their districts
and the way each answer is written are invented here, with a fixed seed, so the file is the
same on every run.

Writes:
  corpora/slutenkat-2018.csv                     free-text answers (UTF-8 with BOM, ';')
  corpora/slutenkat-2018-facit.csv               true category per answer (same layout)
  corpora/slutenkat-2018-publicerade-tabeller.json  the published tables and marginals

Usage: python scripts/build_questionnaire.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import Counter
from pathlib import Path

SEED = 20181130
CATEGORIES = [f"P{n:02d}" for n in range(1, 14)] + ["OVRIGT", "EJ_SVAR"]
POSITIONS = ["langst_1", "langst_2", "langst_3", "behov_1", "behov_2", "behov_3"]
HEADER = ["respondent", "roll", "verksamhetsomrade", "stadsdel", *POSITIONS]

# Bilaga 4, frequency tables per alternative ("alternativ 1-3") as published.
# langst = where the work has come furthest; behov = where the need is greatest.
PUBLISHED: dict[str, dict[str, dict[str, int]]] = {
    "langst": {
        "1": {"P01": 5, "P02": 40, "P03": 16, "P04": 1, "P05": 15, "P06": 13, "P07": 5,
              "P08": 0, "P09": 3, "P10": 4, "P11": 5, "P12": 1, "P13": 2, "OVRIGT": 5,
              "EJ_SVAR": 2},
        "2": {"P01": 3, "P02": 16, "P03": 13, "P04": 6, "P05": 18, "P06": 16, "P07": 3,
              "P08": 9, "P09": 7, "P10": 10, "P11": 4, "P12": 1, "P13": 2, "OVRIGT": 4,
              "EJ_SVAR": 5},
        "3": {"P01": 6, "P02": 10, "P03": 10, "P04": 3, "P05": 15, "P06": 11, "P07": 2,
              "P08": 18, "P09": 5, "P10": 11, "P11": 7, "P12": 0, "P13": 2, "OVRIGT": 6,
              "EJ_SVAR": 11},
    },
    "behov": {
        "1": {"P01": 16, "P02": 12, "P03": 25, "P04": 4, "P05": 9, "P06": 11, "P07": 10,
              "P08": 3, "P09": 2, "P10": 8, "P11": 2, "P12": 1, "P13": 8, "OVRIGT": 5,
              "EJ_SVAR": 1},
        "2": {"P01": 11, "P02": 13, "P03": 9, "P04": 6, "P05": 8, "P06": 20, "P07": 8,
              "P08": 0, "P09": 5, "P10": 12, "P11": 3, "P12": 1, "P13": 11, "OVRIGT": 4,
              "EJ_SVAR": 6},
        "3": {"P01": 12, "P02": 7, "P03": 6, "P04": 8, "P05": 11, "P06": 14, "P07": 6,
              "P08": 3, "P09": 5, "P10": 9, "P11": 6, "P12": 1, "P13": 12, "OVRIGT": 3,
              "EJ_SVAR": 14},
    },
}
RESPONDENTS = 117
ROLES = {"chef": 66, "medarbetare": 51}
AREAS = {"Okänt": 4, "BOU": 20, "Ek": 20, "Funk": 21, "Psyk": 9, "Vuxen": 21, "Äldre": 22}
# Stockholm's 14 stadsdelsförvaltningar in 2018.
DISTRICTS = [
    "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen",
    "Norrmalm", "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta",
    "Älvsjö", "Hägersten-Liljeholmen", "Skärholmen",
]
NOTES = [
    "Exempeldata för qualcode: siffrorna per alternativ är de publicerade (Bilaga 4), "
    "men respondenterna, stadsdelarna och svarens ordalydelse är påhittade.",
    "Längst alternativ 1 trycker rad 8 och 9 med förväxlade etiketter; här gäller "
    "radnumren (P08 = 0, P09 = 3), vilket stämmer med rapportens summa för punkt 8.",
    "Behov alternativ 1 anger Total 116, men raderna summerar till 117.",
    "Rapportens löptext anger andra totaler för några punkter (t.ex. längst P03, P05, P06, "
    "P10 och behov P06) än summan av de tre tabellerna; tabellerna är facit här.",
]

# How people write a point when they use its number.
NUMBER_FORMS = ["{n}", "{n}", "{n}", "p.{n}", "punkt {n}", "Punkt {n}", "({n})", "nr {n}",
                "pkt {n}", "p {n}", "{n}."]

# Names and parts of names, own phrasings, a few abbreviations and misspellings.
# Every phrase names one point only (no bare "adm stöd", no "studenter och traineer").
PHRASES: dict[str, list[str]] = {
    "P01": ["Brukarmedverkan", "brukardelaktighet", "återkoppling från brukarna",
            "brukarenkäter", "Brukarundersökningar", "brukarrevision",
            "Västernorrlandsmodellen", "brukarnas delaktighet", "brukarinflytande",
            "Brukardelaktighet & återkoppling", "brukarmedverkn."],
    "P02": ["Introduktionsprogram", "introduktion för nya", "Mentorskap",
            "mentorer till nyanställda", "intro", "Introduktionsprogrammet",
            "introduktion och mentor", "nyanställdas introduktion", "introduktionsplan",
            "Mentorsprogrammet", "introduktoin", "Intro + mentor"],
    "P03": ["Rimlig arbetsbelastning", "arbetsbelastningen", "Stockholmsmodellen",
            "ärendemängd", "färre ärenden per handläggare", "bemanningen",
            "antal medarbetare", "Arbetsbelastning", "rimlig ärendemängd",
            "arbetsbelastnig", "mätning av arbetsbelastning"],
    "P04": ["Lokalt utvecklingsforum", "kompetensforum", "metodutvecklare",
            "utvecklingsforum", "Kompetens- och utvecklingsforum", "metodstöd lokalt",
            "lokalt forum för kunskapsutbyte"],
    "P05": ["Nära ledarskap", "tillgängliga chefer", "Nära och tillgänglig ledning",
            "biträdande enhetschefer", "bitr. enhetschefer", "ledarskapet",
            "chefstäthet", "Tillgänglig ledning", "närvarande ledning",
            "stöd och uppmuntran från chef", "nära ledning"],
    "P06": ["Administratörer", "adm stöd till socialsekreterare",
            "administrativt stöd handläggare", "administrativ avlastning för handläggare",
            "Adm. stöd till handläggarna", "administratör på enheten",
            "Administrativt stöd till socialsekreterarna", "avlastning administration för soc.sek",
            "adm.stöd biståndshandläggare", "administrativ enhet"],
    "P07": ["Adm stöd till chefer", "administrativt stöd till cheferna", "HR-stöd",
            "rekryteringsstöd", "Administrativt stöd chefer", "adm. stöd för chefer",
            "HR-stöd till chefer", "HR-stödet"],
    "P08": ["Ärendehandledning", "intern ärendehandledning", "ärendedragningar",
            "Systematisk ärendehandledning", "kollegial handledning",
            "ärendegenomgångar", "ärendehandleding", "internhandledning i ärenden",
            "Handledning i ärenden"],
    "P09": ["Medhandläggarskap", "medhandläggare", "Medhandläggning",
            "två handläggare i tunga ärenden", "samhandläggning", "medhandläggarskapet"],
    "P10": ["Fortbildning", "kompetensutveckling", "Specialistutbildning",
            "vidareutbildning", "regelbunden fortbildning", "kurser och utbildning",
            "utbildningsinsatser", "Kompetensutveckling/fortbildning", "fortbilding"],
    "P11": ["Studentmottagande", "VFU", "socionomstudenter", "mottagande av VFU-studenter",
            "Praktikanter", "ta emot studenter", "VFU-platser"],
    "P12": ["Traineer", "traineeprogrammet", "Trainee", "mottagande av trainee"],
    "P13": ["Lokalerna", "lämpliga lokaler", "arbetsredskap", "Lokaler", "eget arbetsrum",
            "fungerande datorer och telefoner", "samtalsrum", "Lokaler/arbetsredskap",
            "lokalfrågan", "lokaer"],
    "OVRIGT": ["Lön", "löneutveckling", "friskvård", "IT-systemen", "Högre löner",
               "flexibla arbetstider", "samverkan mellan enheterna", "digitalisering",
               "distansarbete", "friskvårdstimme", "parkeringsplatser", "Lönen!",
               "rutiner kring hot och våld", "sammanhållningen i gruppen"],
    "EJ_SVAR": ["", "", "", "-", "vet ej", "Vet ej", "--", "Vet ej."],
}


def _columns(rng: random.Random) -> dict[str, list[str]]:
    """One shuffled list of categories per position, each with the published counts."""
    columns: dict[str, list[str]] = {}
    for question, tables in PUBLISHED.items():
        for alt, counts in tables.items():
            cells = [cat for cat in CATEGORIES for _ in range(counts[cat])]
            if len(cells) != RESPONDENTS:
                raise SystemExit(f"{question} {alt}: {len(cells)} svar, väntade {RESPONDENTS}")
            rng.shuffle(cells)
            columns[f"{question}_{alt}"] = cells
    return columns


def _clashes(row: list[str]) -> int:
    """Repeated points within one question (the same point as answer 1 and 2)."""
    points = [c for c in row if c.startswith("P")]
    return len(points) - len(set(points))


def _untangle(columns: dict[str, list[str]], rng: random.Random) -> None:
    """Swap cells within a column so nobody names the same point twice per question.

    Swaps inside a column keep its counts, so the published tables still hold.
    """
    for question in PUBLISHED:
        names = [f"{question}_{alt}" for alt in ("1", "2", "3")]
        for _ in range(50):
            changed = False
            for col in names[1:]:
                for i in range(RESPONDENTS):
                    row_i = [columns[n][i] for n in names]
                    if not _clashes(row_i):
                        continue
                    for j in rng.sample(range(RESPONDENTS), RESPONDENTS):
                        before = _clashes(row_i) + _clashes([columns[n][j] for n in names])
                        columns[col][i], columns[col][j] = columns[col][j], columns[col][i]
                        after = (_clashes([columns[n][i] for n in names])
                                 + _clashes([columns[n][j] for n in names]))
                        if after < before:
                            changed = True
                            break
                        columns[col][i], columns[col][j] = columns[col][j], columns[col][i]
            if not changed:
                break


def _write(cat: str, rng: random.Random) -> str:
    """Write one answer the way a respondent might."""
    if cat.startswith("P") and rng.random() < 0.4:
        return rng.choice(NUMBER_FORMS).format(n=int(cat[1:]))
    return rng.choice(PHRASES[cat])


def build(out: Path) -> None:
    """Write the questionnaire, its facit and the published tables under ``out``."""
    rng = random.Random(SEED)
    columns = _columns(rng)
    _untangle(columns, rng)
    roles = [r for r, n in ROLES.items() for _ in range(n)]
    areas = [a for a, n in AREAS.items() for _ in range(n)]
    rng.shuffle(roles)
    rng.shuffle(areas)
    districts = [DISTRICTS[i % len(DISTRICTS)] for i in range(RESPONDENTS)]
    rng.shuffle(districts)

    out.mkdir(parents=True, exist_ok=True)
    answers_path = out / "slutenkat-2018.csv"
    facit_path = out / "slutenkat-2018-facit.csv"
    with answers_path.open("w", encoding="utf-8-sig", newline="") as fa, \
            facit_path.open("w", encoding="utf-8-sig", newline="") as ff:
        wa = csv.writer(fa, delimiter=";", lineterminator="\r\n")
        wf = csv.writer(ff, delimiter=";", lineterminator="\r\n")
        wa.writerow(HEADER)
        wf.writerow(HEADER)
        for i in range(RESPONDENTS):
            head = [f"R{i + 1:03d}", roles[i], areas[i], districts[i]]
            cats = [columns[p][i] for p in POSITIONS]
            wa.writerow(head + [_write(c, rng) for c in cats])
            wf.writerow(head + cats)

    tables = {
        "source": "Bilaga 4, slutenkät hösten 2018 (117 respondenter: 66 chefer, "
                  "51 medarbetare); tabeller per alternativ som publicerade",
        "respondents": RESPONDENTS,
        "roles": ROLES,
        "areas": AREAS,
        "langst": PUBLISHED["langst"],
        "behov": PUBLISHED["behov"],
        "notes": NOTES,
    }
    (out / "slutenkat-2018-publicerade-tabeller.json").write_text(
        json.dumps(tables, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    # Guard: the facit must reproduce every published table exactly.
    for question, tabs in PUBLISHED.items():
        for alt, counts in tabs.items():
            got = Counter(columns[f"{question}_{alt}"])
            assert all(got[c] == counts[c] for c in CATEGORIES), (question, alt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "corpora"
    parser.add_argument("--out", type=Path, default=default, help="målmapp (corpora/)")
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
