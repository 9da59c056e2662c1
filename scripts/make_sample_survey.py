"""Build the sample survey comments (corpora/enkat/enkatkommentarer.csv).

Fictional sample data for qualcode, written to look like a Swedish Excel export of the
city's twice-yearly survey: cp1252, ';' as delimiter, CRLF line endings. Each row is one
respondent's answer to one of the three statements, with the Likert answer and the
free-text motivation. The comments are hand-written below; a fixed seed picks and
combines them, so every run gives the same file.

Usage: python scripts/make_sample_survey.py [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

SEED = 2016_2018
HEADER = ["id", "stadsdel", "verksamhetsomrade", "termin", "pastaende", "svar", "motivering"]
TERMS = ["HT2016", "VT2017", "HT2017", "VT2018", "HT2018"]
# The survey slowly got more positive over the project (mean mood per term).
TERM_MOOD = {"HT2016": -0.1, "VT2017": 0.05, "HT2017": 0.2, "VT2018": 0.35, "HT2018": 0.5}
DISTRICTS = [
    "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen",
    "Norrmalm", "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta",
    "Älvsjö", "Hägersten-Liljeholmen", "Skärholmen",
]
AREAS = {"BOU": 5, "Ek": 5, "Funk": 3, "Psyk": 2, "Vuxen": 3, "Äldre": 4}
STATEMENTS = {
    "S1": "Jag har en bra arbetssituation",
    "S2": "Jag känner att jag kan göra ett gott arbete",
    "S3": "Jag kan rekommendera min arbetsplats till andra",
}
HELT, DELVIS, DELVIS_AVST, HELT_AVST, VET_EJ = (
    "Instämmer helt", "Instämmer delvis", "Tar delvis avstånd", "Tar helt avstånd", "Vet ej")

# --- Hand-written comments -------------------------------------------------------------
# General pools fit all three statements; the S* pools fit one statement only.

POSITIVE = [
    "Bra chef!",
    "Trivs väldigt bra med mina kollegor.",
    "Fantastiska kollegor som alltid ställer upp.",
    "Min närmaste chef finns tillgänglig och lyssnar.",
    "Vi har bra stämning i gruppen och högt i tak.",
    "Jag fick en bra introduktion och en mentor som tog sig tid.",
    "Bra sammanhållning, vi hjälps åt när det är mycket.",
    "Ärendedragningen varje vecka gör att jag känner mig trygg i mina bedömningar.",
    "Det har blivit mycket bättre sedan vi fick en administratör.",
    "Rimlig ärendemängd just nu, äntligen.",
    "Chefen uppmuntrar och ger återkoppling, det betyder mycket.",
    "Tydliga rutiner och bra stöd från bitr. enhetschef.",
    "Flexibla arbetstider och möjlighet att styra min egen dag.",
    "Jag har fått gå en utbildning i samtalsmetodik som jag har stor nytta av.",
    "Kul, lärorikt och meningsfullt arbete.",
    "Trevlig arbetsplats med engagerade kollegor.",
    "Vi har flyttat till nya lokaler och alla har eget rum, det gör stor skillnad.",
    "Medhandläggare i de tunga ärendena gör att man inte står ensam.",
    "Bra introduktion med en tydlig plan för första halvåret.",
    "Känner mig uppskattad av både chef och kollegor.",
    "Min grupp är det bästa med jobbet.",
    "Stabil arbetsgrupp nu när konsulterna är borta.",
    "Bra ledarskap och tydliga prioriteringar.",
    "Trivs!",
    "Stöttande ledning.",
    "Chefen har alltid dörren öppen.",
    "Bra balans mellan arbete och fritid för det mesta.",
    "Vi får vara med och påverka hur vi arbetar.",
    "Jag har lärt mig otroligt mycket på två år här.",
    "Bra stöd i svåra ärenden, både från chef och kollegor.",
    "Roligt att ta emot socionomstudenter, det håller oss skarpa.",
    "Administratörerna avlastar så att jag hinner med klientarbetet.",
    "Fungerande datorer och telefoner, äntligen.",
    "Kollegorna gör att jag stannar.",
    "Jag känner mig trygg i min yrkesroll tack vare handledningen.",
    "God stämning och mycket skratt trots tunga ärenden.",
    "Vår chef säger \"vi löser det tillsammans\" och menar det.",
    "Äntligen en biträdande enhetschef som sitter med oss i vardagen.",
    "Bra.",
    "Mycket nöjd med min arbetssituation efter omorganisationen i våras.",
]

NEGATIVE = [
    "För många ärenden.",
    "Alldeles för hög arbetsbelastning, jag hinner inte dokumentera.",
    "Vi är underbemannade sedan i våras och ingen ersätter dem som slutat.",
    "Hög personalomsättning gör att vi hela tiden skolar in nya.",
    "Trångt och högljutt i kontorslandskapet, omöjligt att ringa klienter ostört.",
    "Lönen står inte i proportion till ansvaret.",
    "Chefen är sällan på plats och svarar inte på mejl.",
    "Jag har 42,5 ärenden i snitt och det går inte att göra ett bra jobb med det.",
    "Omorganisation på omorganisation, ingen vet vem som ansvarar för vad.",
    "Verksamhetssystemet krånglar varje dag och kräver dubbel dokumentation.",
    "Ingen introduktion alls, jag fick egna ärenden första veckan.",
    "Vi har tre konsulter i gruppen och det blir ingen kontinuitet för klienterna.",
    "För mycket administration; vi skannar, postar och bokar tolk själva.",
    "Jag går hem varje dag med en känsla av att inte räcka till.",
    "Det finns inga samtalsrum lediga, vi sitter i fikarummet med klienter.",
    "Ingen tid för reflektion eller ärendehandledning.",
    "Nyanställda får nästan lika mycket i lön som vi som har jobbat i tio år.",
    "Stressigt. Sjukskrivningarna ökar.",
    "Jag jobbar över nästan varje vecka, ca 3,5 timmar som aldrig registreras.",
    "Ledningen lyssnar inte på oss som gör jobbet.",
    "Besluten fattas långt ovanför våra huvuden.",
    "Datorerna är gamla och skrivaren fungerar sällan.",
    "Vi har inte haft någon ordinarie chef på ett halvår.",
    "Kompetensutveckling ställs in så fort det är mycket att göra – alltså alltid.",
    "Det är inte hållbart i längden.",
    "Lönen!",
    "Vi får \"släcka bränder\" hela dagarna i stället för att arbeta förebyggande.",
    "Otydligt ledarskap och otydliga prioriteringar.",
    "Arbetsmiljön är dålig; hot i receptionen utan att något görs.",
    "Lokalerna är slitna och dragiga.",
    "Vi har fått höra att det ska bli bättre i tre år nu.",
    "Chefen har 30 medarbetare och hinner inte med någon av oss.",
    "Ingen administratör, all pappershantering hamnar på oss.",
    "För många nya system på kort tid och ingen utbildning i dem.",
    "Ständiga vakanser.",
    "Orimlig arbetsbörda.",
    "Jag söker andra jobb.",
    "Ledningen säger \"det är tillfälligt\" om belastningen, men det har varit så sedan 2015.",
    "Vi har fått en ny enhetsindelning utan att någon frågat oss; det skapar oro.",
    "Hälften av gruppen har slutat det senaste året.",
]

MIXED = [
    "Bra kollegor men alldeles för många ärenden.",
    "Chefen är bra men har för många medarbetare för att hinna med alla.",
    "Det har blivit bättre sedan vi fick en administratör, men belastningen är fortfarande hög.",
    "Jag trivs med arbetet men lönen är för låg.",
    "Bra introduktion, men sedan blev man ganska ensam.",
    "Arbetet är meningsfullt, men lokalerna är under all kritik.",
    "Vissa veckor fungerar det bra, andra går det inte att hinna med.",
    "Mycket har förbättrats, men omorganisationen skapar oro.",
    "Bra stöd från kollegor; mindre bra stöd från ledningen.",
    "Beror på dagen. Mottagningsveckorna är tunga.",
    "Jag gör så gott jag kan men hinner inte alltid göra klart.",
    "Bra arbetsplats för den som har erfarenhet, tuffare som ny.",
    "Kollegorna är toppen. Systemen är inte det.",
    "Handledningen är bra men för sällan, en gång i månaden räcker inte.",
    "Det har blivit lugnare sedan vi anställt två nya, men vi är inte i kapp.",
    "Bra chef men otydliga direktiv uppifrån.",
    "Jag tycker om mitt jobb men det är för mycket administration.",
    "Lagom belastning just nu, men det kan vända snabbt när någon slutar.",
    "Bättre än förra året. Långt kvar.",
    "Tydligare rutiner behövs, annars bra.",
    "Eget rum hade gjort stor skillnad för koncentrationen.",
    "Fina kollegor, tung arbetsbörda och ett system som inte hänger med.",
    "Lite för många möten, lite för lite tid för klienterna.",
    "Introduktionsplanen var bra på papperet men följdes inte riktigt.",
    "Har fått gå en kurs i år, men på specialistutbildningen har jag väntat länge.",
    "Blandat. Bra dagar och dåliga dagar.",
    "Ett bra ställe att lära sig på, men svårt att stanna länge med den lönen.",
    "Medhandläggarskapet är bra men det är svårt att få ihop kalendrarna.",
    "Ibland. Det beror på hur många som är sjuka.",
    "Ok arbetssituation, men jag saknar möjligheter att utvecklas.",
    "Gruppen är bra men vi har haft tre chefer på två år.",
    "Ärendemängden har minskat från ca 70 till 55 per handläggare, men det är fortfarande mycket.",
    "Det går upp och ner; just nu har vi två vakanser.",
    "Bättre sedan vi fick egna arbetsplatser, men samtalsrummen räcker inte.",
    "Chefen är lyhörd, men det tar lång tid innan något händer.",
]

DONT_KNOW = [
    "Har bara arbetat här i tre veckor.",
    "Ny på enheten, svårt att svara än.",
    "Vikarierar bara över sommaren.",
    "Svårt att säga efter omorganisationen.",
    "Tjänstledig halva perioden.",
    "Vet inte riktigt, har bytt grupp nyligen.",
]

STATEMENT_POSITIVE = {
    "S1": [
        "Rimlig belastning och bra planering i gruppen.",
        "Jag hinner med mitt arbete på arbetstid numera.",
        "Jag har en hanterbar ärendemängd och ett eget arbetsrum.",
        "Flexibel arbetstid och en hemarbetsdag i veckan gör att det går ihop.",
    ],
    "S2": [
        "Jag hinner träffa barnen och familjerna så ofta som behövs.",
        "Vi har tid att göra ordentliga utredningar.",
        "Med medhandläggare och regelbunden ärendedragning känner jag mig säker i mina bedömningar.",
        "Klienterna säger att de känner sig lyssnade på.",
        "Brukarenkäten visade att klienterna är nöjda med bemötandet.",
    ],
    "S3": [
        "Jag har redan tipsat två studiekamrater om lediga tjänster.",
        "Absolut, särskilt för nyexaminerade, introduktionen är genomtänkt.",
        "Ja, tack vare kollegorna och chefen.",
        "Bra arbetsplats för den som vill utvecklas.",
        "Bästa arbetsplatsen jag haft.",
    ],
}

STATEMENT_NEGATIVE = {
    "S1": [
        "Jag tar med mig jobbet hem varje kväll, i tankarna om inte annat.",
        "Övertid varje vecka och ingen möjlighet att ta ut den.",
        "Sover dåligt på grund av arbetet.",
    ],
    "S2": [
        "Hinner inte träffa klienterna så ofta som de behöver.",
        "Rättssäkerheten blir lidande när utredningarna drar över tiden.",
        "Jag hinner bara göra det akuta, aldrig det förebyggande.",
        "Dokumentationen blir eftersatt och det oroar mig.",
    ],
    "S3": [
        "Jag skulle inte rekommendera någon nyexaminerad att börja här just nu.",
        "Svårt att rekommendera när hälften av gruppen har slutat.",
        "Inte i nuläget, inte med den lönen och den belastningen.",
        "Nej. Tyvärr.",
        "Jag har avrått en vän från att söka hit.",
        "Skulle rekommendera min grupp, men inte förvaltningen.",
    ],
}

AREA_POSITIVE = {
    "BOU": ["Vi har fått en syskongrupp och kan arbeta med hela familjen på en gång."],
    "Ek": ["E-ansökan har gjort att vi kan lägga mer tid på samtal om arbete och studier."],
    "Funk": ["Bra samarbete med utförarna och en rimlig ärendemängd."],
    "Psyk": ["Morgonsamlingen med chefen gör att man aldrig står ensam med en svår fråga."],
    "Vuxen": ["Att alltid vara två i LVM-ärenden har gjort arbetet tryggare."],
    "Äldre": ["Sedan vi delades upp i myndighetsutövning och förebyggande är belastningen rimlig."],
}

AREA_NEGATIVE = {
    "BOU": [
        "Utredningstiden på fyra månader går inte att hålla med 20 utredningar var.",
        "Barnen får nya handläggare hela tiden eftersom konsulterna byts ut.",
    ],
    "Ek": [
        "Över 130 hushåll per handläggare, man hinner bara betala ut.",
        "Mottagningen är överbelastad och nybesöken väntar i tre veckor.",
    ],
    "Funk": [
        "Väntetiderna för LSS-utredningar växer och familjerna ringer varje dag.",
        "Vi är 2,5 handläggare på en enhet som borde ha fyra.",
    ],
    "Psyk": [
        "Våra klienter behöver kontinuitet och vi har bytt handläggare tre gånger i år.",
    ],
    "Vuxen": [
        "LVM-utredningarna tar all tid och resten av ärendena får vänta.",
        "Missbruksärendena har blivit tyngre; vi behöver vara två oftare.",
    ],
    "Äldre": [
        "Som biståndshandläggare inom äldreomsorgen har jag 95 ärenden, det är inte rimligt.",
        "Uppföljningarna av hemtjänstbesluten hinns aldrig med.",
    ],
}

# Second sentences that may follow a comment of the same tone.
ADD_NEGATIVE = [
    "Lönen borde också ses över.",
    "Och lokalerna är för trånga.",
    "Ledningen verkar inte förstå hur det ser ut.",
    "Vi behöver fler administratörer.",
    "Jag funderar på att sluta.",
    "Det syns inte i någon handlingsplan.",
]
ADD_POSITIVE = [
    "Stort tack till min chef!",
    "Och kaffet är gott ;)",
    "Hoppas det fortsätter så här.",
    "Introduktionen var också bra.",
    "Handlingsplanen har faktiskt gjort skillnad.",
]


class Deck:
    """Draw comments without repeats until a pool is used up, then reshuffle."""

    def __init__(self, items: list[str], rng: random.Random) -> None:
        self.items = list(items)
        self.rng = rng
        self.left: list[str] = []

    def draw(self) -> str:
        if not self.left:
            self.left = list(self.items)
            self.rng.shuffle(self.left)
        return self.left.pop()


def _answer(value: float, rng: random.Random) -> str:
    if rng.random() < 0.03:
        return VET_EJ
    if value > 0.8:
        return HELT
    if value > 0.0:
        return DELVIS
    if value > -0.8:
        return DELVIS_AVST
    return HELT_AVST


class Commenter:
    """Picks a motivation that fits the Likert answer, the statement and the area."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pos, self.neg = Deck(POSITIVE, rng), Deck(NEGATIVE, rng)
        self.mixed, self.dont_know = Deck(MIXED, rng), Deck(DONT_KNOW, rng)
        self.s_pos = {k: Deck(v, rng) for k, v in STATEMENT_POSITIVE.items()}
        self.s_neg = {k: Deck(v, rng) for k, v in STATEMENT_NEGATIVE.items()}
        self.a_pos = {k: Deck(v, rng) for k, v in AREA_POSITIVE.items()}
        self.a_neg = {k: Deck(v, rng) for k, v in AREA_NEGATIVE.items()}
        self.add_pos, self.add_neg = Deck(ADD_POSITIVE, rng), Deck(ADD_NEGATIVE, rng)

    def _tone(self, tone: str, statement: str, area: str) -> str:
        r = self.rng.random()
        if tone == "pos":
            if r < 0.2:
                return self.s_pos[statement].draw()
            if r < 0.28:
                return self.a_pos[area].draw()
            return self.pos.draw()
        if r < 0.2:
            return self.s_neg[statement].draw()
        if r < 0.35:
            return self.a_neg[area].draw()
        return self.neg.draw()

    def comment(self, answer: str, statement: str, area: str) -> str:
        rng = self.rng
        if answer == VET_EJ:
            return self.dont_know.draw() if rng.random() < 0.7 else ""
        if rng.random() < 0.06:
            return ""  # answered the statement but wrote nothing
        if answer == HELT:
            text, add = self._tone("pos", statement, area), self.add_pos
        elif answer == HELT_AVST:
            text, add = self._tone("neg", statement, area), self.add_neg
        elif answer == DELVIS:
            if rng.random() < 0.35:
                text, add = self._tone("pos", statement, area), None
            else:
                text, add = self.mixed.draw(), None
        else:
            if rng.random() < 0.5:
                text, add = self.mixed.draw(), None
            else:
                text, add = self._tone("neg", statement, area), self.add_neg
        # Short exclamations stay short; longer ones sometimes get a second sentence.
        if add is not None and len(text) > 25 and rng.random() < 0.25:
            text = f"{text} {add.draw()}"
        return text


def rows(rng: random.Random) -> list[list[str]]:
    """All survey rows, in respondent order."""
    commenter = Commenter(rng)
    areas = [a for a, w in AREAS.items() for _ in range(w)]
    out: list[list[str]] = []
    number = 0
    for term in TERMS:
        for _ in range(rng.randint(18, 22)):
            number += 1
            rid = f"E{number:04d}"
            district, area = rng.choice(DISTRICTS), rng.choice(areas)
            mood = rng.gauss(TERM_MOOD[term], 0.8)
            # Most answer all three statements; some skip one.
            keys = [k for k in STATEMENTS if rng.random() > 0.08] or ["S1"]
            for key in keys:
                offset = -0.15 if key == "S3" else 0.0
                answer = _answer(mood + offset + rng.gauss(0, 0.45), rng)
                text = commenter.comment(answer, key, area)
                out.append([rid, district, area, term, STATEMENTS[key], answer, text])
    return out


def build(path: Path) -> int:
    """Write the CSV as a Swedish Excel export would; returns the number of rows."""
    data = rows(random.Random(SEED))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    return len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "corpora" / "enkat" / "enkatkommentarer.csv"
    parser.add_argument("--out", type=Path, default=default, help="målfil")
    n = build(parser.parse_args().out)
    print(f"{n} rader skrivna")


if __name__ == "__main__":
    main()
