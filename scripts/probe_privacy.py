"""Probe the rules of pseudonymisation with sentences as a hostile tester would write them.

Each probe is a Swedish sentence in the style of social-work notes and survey comments, with
the pieces that must go (and the token each must become) and the ordinary words that must stay.
Rules only (the default pipeline, no NER). Prints caught / wrong token / missed per kind and the
false positives (a word that should have stayed but was masked), then each failure.

    python scripts/probe_privacy.py [--verbose]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qualcode.export.privacy import Pseudonymiser, apply_mask  # noqa: E402

N, E, T, P, B, A = "NAMN", "E-POST", "TELEFON", "PERSONNUMMER", "FÖDELSEDATUM", "ADRESS"
R, D = "REGNR", "DIARIENR"

# (text, [(secret, kind), ...], [words that must stay])
PROBES: list[tuple[str, list[tuple[str, str]], list[str]]] = [
    # birth dates and years
    ("Klienten är född 12 mars 1980 och bor ensam.", [("12 mars 1980", B)], ["bor ensam"]),
    ("Pojken, f. 1980-03-12, har kontakt med BUP.", [("1980-03-12", B)], ["BUP"]),
    ("Mamman är född 1980 och arbetar deltid.", [("1980", B)], ["arbetar deltid"]),
    ("Sonen (f. 2011) går i skolan.", [("2011", B)], ["går i skolan"]),
    ("Född 1975, sjukskriven sedan 2019.", [("1975", B)], ["2019"]),
    ("Kvinnan, född -82, söker bistånd.", [("-82", B)], ["söker bistånd"]),
    ("Han föddes 1990 i Mogadishu.", [("1990", B)], ["Mogadishu"]),
    ("Födelsedatum: 1980-03-12.", [("1980-03-12", B)], []),
    ("Flickan är född den 3/4 2015.", [("3/4 2015", B)], []),
    ("Klienten är 45 år och har två barn.", [], ["45 år", "två barn"]),
    ("Barnet fyller 7 år i maj.", [], ["7 år", "maj"]),
    ("Enheten startade 1980 och flyttade 2015.", [], ["1980", "2015"]),
    ("Mötet var den 12 mars 2019 på förvaltningen.", [], ["12 mars 2019"]),
    ("Hon är född i Sverige 1980.", [], ["Sverige"]),  # year not after the cue: kept (by design)
    # personnummer and samordningsnummer
    ("Pnr 800312-1234 finns i akten.", [("800312-1234", P)], ["akten"]),
    ("Samordningsnummer 800372-1238 användes.", [("800372-1238", P)], []),
    ("Personnummer: 19800312-1234.", [("19800312-1234", P)], []),
    ("Samordningsnr 19800372-1238 saknades.", [("19800372-1238", P)], []),
    # phone numbers
    ("Ring mig på +46 70-123 45 67 efter lunch.", [("+46 70-123 45 67", T)], ["efter lunch"]),
    ("Växeln nås på 08-123 456 78.", [("08-123 456 78", T)], ["Växeln"]),
    ("Mobil 070 1234567 dagtid.", [("070 1234567", T)], ["dagtid"]),
    ("Tel: 070-1234567", [("070-1234567", T)], []),
    ("Nr 0701-23 45 67 går till jouren.", [("0701-23 45 67", T)], ["jouren"]),
    ("Ring 08 508 050 00 eller 073-987 65 43.", [("08 508 050 00", T), ("073-987 65 43", T)], []),
    ("Hon nås på +46701234567.", [("+46701234567", T)], []),
    ("Telefon (08) 508 050 00.", [("508 050 00", T)], []),
    ("Vi var 12 personer 2018 och 15 år 2019.", [], ["12 personer 2018", "15 år 2019"]),
    # e-mail
    ("Mejla anna.svensson@stockholm.se om tiden.", [("anna.svensson@stockholm.se", E)], ["om tiden"]),
    ("Skriv till Anna.Svensson@Stockholm.SE.", [("Anna.Svensson@Stockholm.SE", E)], []),
    ("Adress: kalle_92+jobb@gmail.com", [("kalle_92+jobb@gmail.com", E)], []),
    ("Kontakt: per(at)exempel(dot)se", [("per(at)exempel(dot)se", E)], []),
    ("Mejl: sara.ek [at] stockholm.se", [("sara.ek [at] stockholm.se", E)], []),
    ("E-post: li@sub.domain.stockholm.se", [("li@sub.domain.stockholm.se", E)], []),
    # addresses and postal codes
    ("Familjen bor på Storgatan 12B, 123 45 Stockholm.", [("Storgatan 12B", A), ("123 45 Stockholm", A)], ["Familjen bor"]),
    ("Ny adress: Hornsgatan 5 C, 118 20 Stockholm", [("Hornsgatan 5 C", A), ("118 20 Stockholm", A)], []),
    ("Han bor på Ringvägen 100, lgh 1203.", [("Ringvägen 100, lgh 1203", A)], []),
    ("Besöksadress Fleminggatan 4, 112 26 Stockholm.", [("Fleminggatan 4", A), ("112 26 Stockholm", A)], []),
    ("Postnummer 16440 Kista.", [("16440 Kista", A)], []),
    ("Hon har flyttat till Sveavägen 44.", [("Sveavägen 44", A)], []),
    ("Adressen är Vårbergsvägen 12, 127 42 Skärholmen.", [("Vårbergsvägen 12", A), ("127 42 Skärholmen", A)], []),
    ("Vi har 123 45 ärenden? Nej.", [], ["123 45 ärenden"]),
    # registration plates
    ("Bilen ABC 123 stod utanför.", [("ABC 123", R)], ["stod utanför"]),
    ("Han kör en bil med reg.nr ABC12D.", [("ABC12D", R)], []),
    ("Reg nr: XYZ 45A", [("XYZ 45A", R)], []),
    ("Vi använder BBIC och SoL 4 kap.", [], ["BBIC", "SoL 4 kap"]),
    ("Enligt LVU 2 § och LSS 9 § ...", [], ["LVU 2 §", "LSS 9 §"]),
    ("Gruppen IFO 2 har fler ärenden.", [], ["IFO 2"]),
    # names with particles and from many languages
    ("Kontakta Karl von Essen på enheten.", [("Karl von Essen", N)], ["enheten"]),
    ("Handläggare Carl af Trolle var sjuk.", [("Carl af Trolle", N)], ["var sjuk"]),
    ("Enhetschef Maria de la Cruz tog beslutet.", [("Maria de la Cruz", N)], ["tog beslutet"]),
    ("Sara Lind-Öberg skrev utredningen.", [("Sara Lind-Öberg", N)], ["skrev utredningen"]),
    ("Handläggare Abdirahman Mohamed ringde.", [("Abdirahman Mohamed", N)], ["ringde"]),
    ("Min kollega Päivi hjälpte till.", [("Päivi", N)], ["hjälpte till"]),
    ("Hade möte med kollegan Fatima Al-Hassan i går.", [("Fatima Al-Hassan", N)], []),
    ("Socialsekreterare Hodan Abdi Warsame ansvarar.", [("Hodan Abdi Warsame", N)], []),
    ("Mohammed och Ahmed kom på besöket.", [("Mohammed", N), ("Ahmed", N)], ["besöket"]),
    ("Jag pratade med Aleksandra Nowak om saken.", [("Aleksandra Nowak", N)], []),
    ("Annas chef sa nej till förslaget.", [("Annas", N)], ["chef sa nej"]),
    ("Det var Eriks idé från början.", [("Eriks", N)], ["idé"]),
    ("Handläggaren A.B. har ärendet.", [("A.B.", N)], ["ärendet"]),
    ("Utredare: K.L. Svensson", [("K.L. Svensson", N)], []),
    ("Ansvarig: Nguyen Van Anh", [("Nguyen Van Anh", N)], []),
    ("klienten Yusuf Ali kom inte.", [("Yusuf Ali", N)], ["kom inte"]),
    ("Jag heter Mikaela och jobbar på mottagningen.", [("Mikaela", N)], ["mottagningen"]),
    ("Mamman Fatima och sonen Ali kom till mötet.", [("Fatima", N), ("Ali", N)], ["mötet"]),
    ("Anna-Karin Öberg-Li är ny chef.", [("Anna-Karin Öberg-Li", N)], ["ny chef"]),
    ("Tolken Ali Hassan Mohamud översatte.", [("Ali Hassan Mohamud", N)], ["översatte"]),
    ("Ombudet Jan van der Berg kom.", [("Jan van der Berg", N)], []),
    # case numbers and dnr
    ("Ärendet har dnr SN 2019/123.", [("SN 2019/123", D)], []),
    ("Se Dnr 3.1.2-456/2020 för beslutet.", [("3.1.2-456/2020", D)], []),
    ("Diarienummer: 1.2.3-2021-0456", [("1.2.3-2021-0456", D)], []),
    ("Ärendenummer 2021-00123 i Pro Capita.", [("2021-00123", D)], ["Pro Capita"]),
    ("Ärendet (dnr IFO-2020-0045) avslutades.", [("IFO-2020-0045", D)], ["avslutades"]),
    # ordinary Swedish that must stay
    ("Chef och medarbetare i Malmö stad möttes.", [], ["Chef", "Malmö stad"]),
    ("Stockholm och Göteborg jämfördes.", [], ["Stockholm", "Göteborg"]),
    ("I mars och april var det lugnt.", [], ["mars", "april"]),
    ("Måndag till fredag har vi öppet.", [], ["Måndag", "fredag"]),
    ("Lokaler och Lön togs upp på APT.", [], ["Lokaler", "Lön", "APT"]),
    ("Omorganisation påverkade Ledarskap.", [], ["Omorganisation", "Ledarskap"]),
    ("Arbetsklimat och kollegor var bra.", [], ["Arbetsklimat", "kollegor"]),
    ("Socialstyrelsen och Försäkringskassan har riktlinjer.", [], ["Socialstyrelsen", "Försäkringskassan"]),
    ("Vi träffas Tisdag 14.00 i Rum 3.", [], ["Tisdag 14.00", "Rum 3"]),
    ("Lex Sarah-anmälan gjordes.", [], ["Lex Sarah"]),
    ("Det kostar 1 200 kr per månad.", [], ["1 200 kr"]),
    ("Se bilaga 2, sidan 14-16.", [], ["bilaga 2", "14-16"]),
    ("Kvartal 3 2019: 45 ärenden.", [], ["Kvartal 3 2019", "45 ärenden"]),
    ("Arbetsbelastning och bemanning i Skärholmen.", [], ["Arbetsbelastning", "Skärholmen"]),
    ("Mottagande av studenter i Rinkeby-Kista.", [], ["Mottagande", "Rinkeby-Kista"]),
    ("Den 1 januari 2020 infördes nya rutiner.", [], ["1 januari 2020"]),
    ("Version 2.1.3 av systemet kom 2021.", [], ["2.1.3"]),
    ("Vi har 2 tr upp och 3 rum.", [], ["2 tr", "3 rum"]),
    ("Hon har en mamma som är född i Somalia.", [], ["Somalia"]),
    ("IT-system och digitalt stöd brister.", [], ["IT-system"]),
    ("Vi dokumenterar i Pro Capita och Treserva.", [], ["Pro Capita", "Treserva"]),
    ("Barn och Unga har egen mottagning.", [], ["Barn och Unga"]),
    ("Enligt SoL 4 kap. 1 § och SFS 2001:453.", [], ["SoL 4 kap. 1 §", "SFS 2001:453"]),
    ("Kontakta Mottagningen Vuxen vid frågor.", [], ["Mottagningen Vuxen"]),
    ("Mötet 2019-03-12 kl. 13.00 i Vecka 12.", [], ["2019-03-12", "13.00", "Vecka 12"]),
    ("Mars var en tung månad, Juni bättre.", [], ["Mars", "Juni"]),
    ("P.S. Glöm inte APT på fredag.", [], ["P.S.", "APT"]),
    ("Mamman och pappan kom, barnet stannade.", [], ["Mamman", "pappan", "barnet"]),
    ("Tolken var sen och mamman Svenska talade inte.", [], ["Svenska"]),
]


def run(verbose: bool = False) -> tuple[Counter[str], list[str]]:
    p = Pseudonymiser()
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for text, secrets, keep in PROBES:
        findings = p.find(text)
        masked = apply_mask(text, findings)
        for secret, kind in secrets:
            start = text.index(secret)
            end = start + len(secret)
            covering = [f for f in findings if f.start < end and start < f.end]
            covered = set().union(*({*range(f.start, f.end)} for f in covering)) if covering else set()
            # Caught: every letter and digit of the secret is inside a finding.
            whole = all(i in covered for i in range(start, end) if text[i].isalnum())
            if whole and all(f.kind == kind for f in covering):
                counts["caught"] += 1
            elif whole:
                counts["wrong token"] += 1
                failures.append(f"wrong token {kind} ← {[f.kind for f in covering]}: {text!r} → {masked!r}")
            else:
                counts["missed"] += 1
                failures.append(f"missed {kind} {secret!r}: {text!r} → {masked!r}")
        for word in keep:
            if word in masked:
                counts["kept"] += 1
            else:
                counts["false positive"] += 1
                failures.append(f"false positive {word!r}: {text!r} → {masked!r}")
        if verbose:
            print(f"{text}\n  → {masked}")
    return counts, failures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true", help="print every probe and its masked text")
    args = ap.parse_args()
    counts, failures = run(args.verbose)
    n_secrets = sum(len(s) for _, s, _ in PROBES)
    n_keep = sum(len(k) for _, _, k in PROBES)
    print(f"{len(PROBES)} probes: {n_secrets} pieces to mask, {n_keep} words to keep")
    print(f"caught {counts['caught']}, wrong token {counts['wrong token']}, missed {counts['missed']}; "
          f"false positives {counts['false positive']} of {n_keep}")
    for line in failures:
        print(" ", line)


if __name__ == "__main__":
    main()
