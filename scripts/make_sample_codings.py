"""Write the sample's manual codings: corpora/kodningar.jsonl and kodningar-kodare2.jsonl.

Fictional sample data for qualcode. The coding decisions below are hand-made (per
paragraph of each interview note, following codebooks/handlingsplan.yaml); this script only
cuts a verbatim quote (30-120 characters, starting at the given anchor, ending at a
sentence end) out of the paragraph, so the quotes stay exact when a note is edited.

Usage: python scripts/make_sample_codings.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

CORPORA = Path(__file__).resolve().parent.parent / "corpora"

# Note (file stem) -> (paragraph number, codes, anchor where the quote starts, memo).
SPEC = {
    "bromma-ht2016-chefer": [
        (2, ["T-DELAKT"], "Två av cheferna påpekar", "Urvalet av punkter gjordes i ledningsgruppen, utan medarbetare."),
        (3, ["T-PERS"], "På mottagningen för barn och unga", None),
        (4, ["T-LON"], "Erfarna handläggare ligger", None),
        (5, ["P05"], "en enhetschef har 28 medarbetare", "Chefstäthet; ärendedragningen nämns bara som följd."),
        (6, ["P06", "P07"], "Handläggarna bokar själva tolk", "Både handläggarnas och chefernas administrativa stöd."),
        (7, ["P13"], "I kontorslandskapet på vuxenenheten", None),
        (8, ["P04", "T-DELAKT"], "Medarbetarna bad då om fler", "Fredagsfika som forum för kunskapsutbyte mellan enheterna."),
    ],
    "bromma-ht2016-medarbetare": [
        (1, ["T-DELAKT"], "Tre av dem hade inte hört talas om", "Låg kännedom om handlingsplanen vid start."),
        (2, ["P03"], "Utredarna på barn och unga har", None),
        (3, ["T-KLIMAT"], "Utan gruppen hade jag slutat", None),
        (4, ["P02"], "Introduktionen beskrivs som tunn", None),
        (5, ["P06"], "Önskemålet är tydligt", None),
        (6, ["T-IT"], "Tre inloggningar för ett enda beslut", None),
        (7, ["T-LON", "T-PERS"], "Vill man ha lönelyft", None),
        (8, ["P08"], "Den interna ärendedragningen är däremot", "Extern handledning kodas inte; den interna gör det."),
        (9, ["T-DELAKT"], "Deltagarna vill vara med och välja", None),
    ],
    "bromma-vt2018-chefer": [
        (2, ["T-OMORG", "T-PERS"], "En ny enhetsindelning ska gälla", "Projektet sammanhållen socialtjänst."),
        (3, ["P05"], "Brommamodellen har införts", None),
        (4, ["P05"], "Fler biträdande enhetschefer har tillsatts", None),
        (5, ["P06", "P07"], "två administratörer på avdelningen", None),
        (6, ["P13"], "Arbetslokalerna har rustats upp", None),
        (7, ["P11"], "Förvaltningen vill erbjuda fler socionomstudenter", None),
        (8, ["T-PERS"], "Personalomsättningen har minskat inom", None),
        (9, ["T-LON"], "Lönesatsningen 2017 hjälpte", None),
    ],
    "bromma-vt2018-medarbetare": [
        (2, ["P02"], "Nyanställda har en skriftlig introduktionsplan", None),
        (3, ["T-OMORG", "T-DELAKT"], "Vi har varit på två workshops", "Skendelaktighet i omorganisationen."),
        (4, ["P03", "T-PERS"], "På barn och unga är det fortsatt tungt", None),
        (5, ["P08", "P09"], "varje tisdag drar gruppen ärenden", None),
        (6, ["P06"], "Administratörerna uppskattas av dem", None),
        (7, ["P13"], "Kontorslandskapet har fått nya möbler", None),
        (8, ["T-IT"], "det nya verksamhetssystemet har varit på väg länge", None),
        (9, ["T-KLIMAT"], "Stämningen beskrivs som god", None),
    ],
    "farsta-ht2016-chefer": [
        (1, ["T-DELAKT"], "Förvaltningen har valt att varje enhetschef", None),
        (2, ["P13"], "Inte alla handläggare har en egen arbetsplats", "Lokalfrågan; begränsar också nyanställningar."),
        (3, ["T-PERS", "P03", "T-LON"], "Avgångssamtalen pekar på två saker", None),
        (4, ["P05"], "Enhetscheferna har mellan 25 och 35 medarbetare", None),
        (5, ["P07"], "Cheferna efterfrågar HR-stöd", None),
        (6, ["P02"], "Introduktionen ser olika ut på olika enheter", None),
        (7, ["P01"], "låga siffror på tillgänglighet i den senaste brukarenkäten", None),
        (8, ["P09"], "alltid vara två handläggare i LVM-utredningar", None),
    ],
    "farsta-ht2016-medarbetare": [
        (2, ["P13"], "Jag har packat min låda fyra gånger i år", None),
        (3, ["P03"], "Ärendemängden på ekonomiskt bistånd är runt 140", None),
        (4, ["P02", "T-PERS"], "Introduktionen bestod av två dagar", None),
        (5, ["P08"], "Någon fast ärendehandledning finns inte", None),
        (6, ["P05"], "Enhetschefen sitter i möten från åtta till fem", None),
        (7, ["T-LON"], "De erfarna känner sig förbisedda", None),
        (8, ["P10"], "anmälda kurser ställs in när bemanningen", None),
        (9, ["T-DELAKT"], "Ingen av deltagarna har blivit tillfrågad", None),
    ],
    "farsta-vt2018-chefer": [
        (2, ["P13"], "Alla handläggare har nu en egen arbetsplats", None),
        (3, ["P05"], "De flesta enheter har anställt fler biträdande", None),
        (4, ["P05"], "morgonsamling varje dag halv nio", None),
        (5, ["P09"], "Alla enheter arbetar med medhandläggarskap", None),
        (6, ["P01"], "genomfört brukarintervjuer utifrån resultaten", None),
        (7, ["T-PERS"], "Personalomsättningen i förvaltningen har gått ner", "Siffror från förvaltningen: 22 -> 18,1 procent."),
        (8, ["P06", "P07"], "en administratör delas mellan ekonomiskt bistånd", "Innehåller ett namn (fiktivt)."),
        (9, ["P11"], "tre enheter tar emot socionomstudenter", None),
    ],
    "farsta-vt2018-medarbetare": [
        (1, ["P02"], "Introduktionsprogrammet är nu detsamma", None),
        (2, ["P03"], "För första gången hinner jag dokumentera", None),
        (3, ["P09"], "Medhandläggarskapet upplevs som tryggt", None),
        (4, ["P13"], "Alla har egen arbetsplats i de nya arbetslokalerna", None),
        (5, ["P02", "P05"], "Arbetsgruppen för introduktionen leds av", "Personuppgifter (fiktiva): namn, e-post, telefon. Pseudonymisera före export."),
        (6, ["T-IT"], "e-tjänsten för ansökan om ekonomiskt bistånd", None),
        (7, ["T-LON"], "Allt annat har blivit bättre", None),
        (8, ["T-DELAKT"], "Varje grupp valde själv sina tre prioriterade", None),
        (9, ["P08"], "Ärendedragningen har blivit regelbunden: varje torsdag", None),
    ],
    "kungsholmen-ht2016-chefer": [
        (1, ["P03"], "De väntar sig kritik för arbetsbelastningen", "Arbetsmiljöverkets inspektion okt-dec 2016."),
        (2, ["P13"], "Förvaltningsledningen och administrationen planerar", None),
        (3, ["P02", "T-DELAKT"], "En arbetsgrupp med biståndshandläggare", None),
        (4, ["P07"], "Cheferna efterfrågar administrativt stöd till sig själva", None),
        (5, ["T-PERS"], "Det finns vakanser på både barn och unga", None),
        (6, ["T-LON"], "cheferna har svårt att motivera lönesättningen", None),
        (7, ["T-OMORG"], "dela upp verksamheten i myndighetsutövning", None),
        (8, ["T-IT"], "Det sociala systemet skapar merarbete", None),
        (9, ["P08"], "Den interna ärendehandledningen ser olika ut", None),
    ],
    "kungsholmen-ht2016-medarbetare": [
        (1, ["P13"], "Man går ut i trapphuset för att ringa klienterna", None),
        (2, ["P03"], "Ärendemängden har vuxit under året", None),
        (4, ["P02"], "Ingen visste att jag skulle börja", None),
        (5, ["T-DELAKT"], "Deltagarna skulle vilja vara med när rutiner", None),
        (6, ["T-IT"], "Det sociala systemet kräver dubbel dokumentation", None),
        (7, ["T-KLIMAT"], "Kollegorna beskrivs som fantastiska", None),
        (8, ["T-LON", "T-PERS"], "Jag har arbetat här i nio år", None),
        (9, ["P08"], "Ärendehandledning saknas i praktiken", None),
    ],
    "kungsholmen-vt2018-chefer": [
        (1, ["T-DELAKT"], "I september 2017 hölls en temadag med dialogcafé", None),
        (2, ["P02"], "En gemensam checklista för introduktion", None),
        (3, ["T-OMORG", "P03"], "Äldreomsorgen har organiserats om i två delar", "Omorganisationen gav avlastning och två tjänster till."),
        (4, ["P06"], "två administratörer anställts inom äldre", None),
        (5, ["P05"], "Alla beställarenheter har frukostmöten", None),
        (6, ["T-IT", "P04"], "En arbetsgrupp om det nuvarande sociala systemet", "Superanvändare: lokalt organiserat stöd kring systemet."),
        (7, ["P01"], "En temadag om brukardelaktighet", None),
        (8, ["P13"], "Ledningen och administrationen har flyttat", None),
        (9, ["T-PERS"], "ingen enhet har längre konsulter", None),
    ],
    "kungsholmen-vt2018-medarbetare": [
        (1, ["T-DELAKT", "P13"], "att göra om två mötesrum till tysta rum", None),
        (2, ["P03"], "Handläggarna där har runt 70 ärenden var", None),
        (3, ["P06"], "Administratörerna inom äldre ger märkbar avlastning", None),
        (4, ["P02"], "Mentorskapet har blivit en fast ordning", None),
        (5, ["P10"], "Platserna på specialistutbildningarna", None),
        (6, ["T-LON", "T-PERS"], "Kollegor har gått till kommuner med högre lön", None),
        (7, ["T-KLIMAT"], "Man beskriver sin grupp som trygg", None),
        (8, ["P11"], "Enheterna tar emot socionomstudenter varje termin", None),
        (9, ["T-IT", "P04"], "Superanvändarna för det sociala systemet", None),
        (10, ["P08"], "Ärendehandledningen har blivit regelbunden på vuxenenheten", None),
    ],
    "skarholmen-ht2016-chefer": [
        (1, ["P06", "P02"], "egen administrativ enhet som avlastar", "Administrativa enheten ger också praktisk introduktion."),
        (2, ["T-PERS"], "Periodvis har nästan hälften av utredarna", None),
        (3, ["P05"], "Det nära ledarskapet är förvaltningens fokus", None),
        (4, ["P07", "T-PERS"], "De efterfrågar stöd av HR i annonsering", None),
        (5, ["T-LON", "T-PERS"], "bemanningsföretagen betalar mer", None),
        (6, ["P13"], "Samtalsrummen saknar ljudisolering", None),
        (7, ["P11"], "Varje enhet ordnar sitt eget VFU-mottagande", None),
        (8, ["T-DELAKT"], "Förvaltningen planerar en avdelningsdag", None),
        (9, ["P01"], "Brukarnas perspektiv saknas nästan helt", None),
    ],
    "skarholmen-ht2016-medarbetare": [
        (1, ["P02", "P06"], "Första dagen fick jag nycklar", None),
        (2, ["T-PERS"], "När konsulterna går vidare byter ärendena", None),
        (3, ["P03"], "Belastningen är hög på ekonomiskt bistånd", None),
        (4, ["P05"], "De biträdande enhetscheferna är sällan tillgängliga", None),
        (5, ["P08"], "Grupphandledningen ska vara varannan vecka", None),
        (6, ["T-LON"], "Lönesamtalet känns som en formalitet", None),
        (7, ["P13", "T-IT"], "Det finns inga bärbara datorer för hembesök", None),
        (8, ["T-KLIMAT"], "Vi skrattar mycket, det är nog det", None),
        (9, ["P10"], "Fortbildning finns på papperet", None),
    ],
    "skarholmen-vt2018-chefer": [
        (1, ["P05", "P02", "T-PERS"], "Enheten har nu fyra biträdande enhetschefer", None),
        (2, ["T-OMORG", "P05"], "En syskongrupp har bildats", "Ny gruppindelning; närmare till bitr. enhetschef."),
        (3, ["P04"], "ett sätt att lära av varandra inom förvaltningen", None),
        (4, ["T-DELAKT", "P05"], "Medarbetarna efterfrågade tydlig återkoppling", None),
        (5, ["P11"], "Samordningen av studentmottagandet ligger nu hos", None),
        (6, ["P07"], "hjälper nu även cheferna med rekryteringar", None),
        (8, ["T-LON", "T-PERS"], "Lönesatsningen har hjälpt att behålla erfarna", None),
        (9, ["P03"], "Arbetsbelastningen följs nu upp varje månad", None),
    ],
    "skarholmen-vt2018-medarbetare": [
        (1, ["P02"], "Introduktionen sträcker sig nu över ett halvår", None),
        (2, ["T-KLIMAT"], "Månadsvisa avdelningsfikor gör att man lär känna", None),
        (3, ["P03"], "På ekonomiskt bistånd är ärendemängden fortfarande tung", None),
        (4, ["T-DELAKT"], "Medarbetarna fick lämna förslag", None),
        (5, ["P06"], "Den administrativa enheten uppskattas fortfarande", None),
        (6, ["P10"], "två deltagare läser specialistutbildningen", None),
        (7, ["P13", "T-IT"], "Alla har fått nya mobiltelefoner", None),
        (8, ["P12"], "Ekonomiskt bistånd tog emot en trainee", None),
        (9, ["P08"], "Ärendedragningen har blivit regelbunden, varje onsdag", None),
        (10, ["T-LON", "T-PERS"], "flera har fått ett lönelyft", None),
    ],
}

# A second coder on 30 of the same paragraphs; some differences on purpose.
CODER2 = {
    ("bromma-ht2016-chefer", 2): ["T-DELAKT", "P02", "P03", "P06"],
    ("bromma-ht2016-chefer", 3): ["T-PERS"],
    ("bromma-ht2016-chefer", 5): ["P05", "P08"],
    ("bromma-ht2016-chefer", 6): ["P06", "P07"],
    ("bromma-ht2016-medarbetare", 3): ["T-KLIMAT"],
    ("bromma-ht2016-medarbetare", 5): ["P06"],
    ("bromma-ht2016-medarbetare", 7): ["T-LON"],
    ("bromma-ht2016-medarbetare", 8): ["P08"],
    ("bromma-vt2018-chefer", 2): ["T-OMORG", "T-PERS"],
    ("bromma-vt2018-chefer", 3): ["P05"],
    ("bromma-vt2018-chefer", 7): ["P11", "T-PERS"],
    ("bromma-vt2018-medarbetare", 5): ["P08", "P09"],
    ("farsta-ht2016-chefer", 2): ["P13", "P03"],
    ("farsta-ht2016-chefer", 5): ["P07"],
    ("farsta-ht2016-chefer", 7): ["P01"],
    ("farsta-ht2016-medarbetare", 5): ["P08"],
    ("farsta-vt2018-chefer", 5): ["P09"],
    ("farsta-vt2018-chefer", 8): ["P06", "P07"],
    ("farsta-vt2018-medarbetare", 5): ["P02"],
    ("kungsholmen-ht2016-chefer", 1): ["P03", "P02"],
    ("kungsholmen-ht2016-chefer", 4): ["P07"],
    ("kungsholmen-vt2018-chefer", 3): ["T-OMORG"],
    ("kungsholmen-vt2018-chefer", 6): ["T-IT"],
    ("kungsholmen-vt2018-medarbetare", 1): ["T-DELAKT", "P13"],
    ("skarholmen-ht2016-chefer", 1): ["P06", "P02"],
    ("skarholmen-ht2016-medarbetare", 7): ["P13"],
    ("skarholmen-vt2018-chefer", 2): ["T-OMORG"],
    ("skarholmen-vt2018-chefer", 3): ["T-DELAKT"],
    ("skarholmen-vt2018-medarbetare", 4): ["T-DELAKT"],
    ("skarholmen-vt2018-medarbetare", 8): ["P12"],
}


def paragraphs(name: str) -> list[str]:
    """Paragraphs of a note: blocks separated by blank lines after the front matter."""
    body = (CORPORA / "intervjuer" / name).read_text(encoding="utf-8").split("---\n", 2)[2]
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


def quote(paragraph: str, anchor: str | None) -> str:
    """From the anchor to the first sentence end that gives at least 30 characters."""
    start = paragraph.find(anchor) if anchor else 0
    if start < 0:
        raise SystemExit(f"ankaret {anchor!r} finns inte i stycket")
    newline = paragraph.find("\n", start)
    limit = newline if newline != -1 else len(paragraph)
    pos = start
    while True:
        ends = [paragraph.find(e, pos + 1) for e in (". ", "? ", "! ", ".”", "?”", "!”")]
        ends = [e for e in ends if -1 < e < limit]
        stop = min(ends) + 1 if ends else limit
        text = paragraph[start:stop]
        if len(text) >= 30 or stop >= limit:
            break
        pos = stop
    if len(text) > 120:
        text = text[:120]
        text = text[:text.rfind(" ")]
    text = text.rstrip(" ,;:")
    if text.endswith("”") and text.count("”") % 2 == 1:
        text = text[:-1]  # a closing quote mark without its opening one
    return text


def main() -> None:
    first: list[dict] = []
    second: list[dict] = []
    for stem, items in SPEC.items():
        paras = paragraphs(f"{stem}.md")
        document = "\n\n".join(paras)
        for number, codes, anchor, memo in items:
            text = quote(paras[number - 1], anchor)
            if not 30 <= len(text) <= 120 or document.count(text) != 1:
                raise SystemExit(f"{stem} stycke {number}: citatet {text!r} är inte entydigt")
            row = {"document": f"intervjuer/{stem}.md", "quote": text, "codes": codes,
                   "coder": "forskare"}
            if memo:
                row["memo"] = memo
            first.append(row)
            if (stem, number) in CODER2:
                second.append({"document": row["document"], "quote": text,
                               "codes": CODER2[(stem, number)], "coder": "kodare2"})
    if len(second) != len(CODER2):
        raise SystemExit("kodare2 kodar ett stycke som forskaren inte kodat")
    for name, rows in (("kodningar.jsonl", first), ("kodningar-kodare2.jsonl", second)):
        with (CORPORA / name).open("w", encoding="utf-8", newline="\n") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(first)} kodade stycken, {len(second)} för kodare2")


if __name__ == "__main__":
    main()
