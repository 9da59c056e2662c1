"""Write the sample Word interview note corpora/intervjuer/docx/farsta-vt2017-medarbetare.docx.

Fictional sample data for qualcode: one group-interview note as a .docx, so the docx
importer and the sidecar metadata CSV (corpora/intervjuer/docx/metadata.csv) are exercised.
The text lives here so the file can be rebuilt: python scripts/make_sample_docx.py
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

TITLE = "Gruppintervju medarbetare – Farsta, VT2017"

# (style, text); "List Bullet" paragraphs form the bullet list of the note.
PARAGRAPHS: list[tuple[str, str]] = [
    ("Normal", "Andra intervjutillfället, 2017-04-05. Sju deltagare från ekonomiskt bistånd, "
               "vuxna, barn och unga och biståndsenheten för äldre. Alla känner nu till "
               "handlingsplanen och vet vilka punkter den egna enheten har valt."),
    ("Normal", "Det som har hänt sedan i höstas:"),
    ("List Bullet", "en administratör har anställts på ekonomiskt bistånd och tar hand om "
                    "skanning, post och tolkbokning"),
    ("List Bullet", "mottagningen för barn och unga har fått en biträdande enhetschef"),
    ("List Bullet", "en arbetsgrupp med HR ser över introduktionen för nyanställda"),
    ("Normal", "Administratören beskrivs som ”guld värd”. Handläggarna på ekonomiskt bistånd "
               "uppskattar att de sparar två till tre timmar i veckan. På vuxenenheten finns "
               "ännu ingen motsvarande hjälp, och där undrar man när det blir deras tur."),
    ("Normal", "Lokalfrågan är inte löst. Fortfarande saknar fyra handläggare egen "
               "arbetsplats och flyttar mellan lediga skrivbord. ”Det är svårt att känna sig "
               "hemma när man bor i en väska.”"),
    ("Normal", "Ärendemängden på ekonomiskt bistånd har gått ner något, från ungefär 140 till "
               "125 hushåll per handläggare, men deltagarna tycker inte att det märks i "
               "vardagen eftersom två kollegor slutat under våren."),
    ("Normal", "Den nya biträdande enhetschefen på barn och unga sitter med i gruppen och har "
               "fast ärendedragning varje måndag. ”Nu vet man att man får hjälp med ett svårt "
               "beslut samma vecka.”"),
    ("Normal", "Lön är fortfarande en fråga för de erfarna. Flera vet att kollegor i andra "
               "stadsdelar fått högre löner vid byte av arbetsplats."),
    ("Normal", "Deltagarna vill att arbetsgruppen för introduktionen också tar med "
               "medarbetare som själva varit nyanställda det senaste året."),
]


def build(path: Path) -> None:
    """Write the .docx note to ``path``."""
    import docx  # python-docx; imported here so the module loads without it

    document = docx.Document()
    props = document.core_properties
    props.title = TITLE
    props.author = "qualcode exempeldata"
    props.comments = "Påhittad exempeltext för qualcode, inte en verklig intervju."
    fixed = dt.datetime(2017, 4, 5, 12, 0, 0)
    props.created = fixed
    props.modified = fixed
    props.last_modified_by = "qualcode exempeldata"
    document.add_heading(TITLE, level=1)
    for style, text in PARAGRAPHS:
        document.add_paragraph(text, style=style)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = (Path(__file__).resolve().parent.parent / "corpora" / "intervjuer" / "docx"
               / "farsta-vt2017-medarbetare.docx")
    parser.add_argument("--out", type=Path, default=default, help="målfil (.docx)")
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
