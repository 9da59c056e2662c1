"""Hostile input: models that would run code, resource bombs, text that changes silently."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.coding.service import add_codes
from qualcode.ingest.service import import_notes
from qualcode.project import find_project

from helpers import make_project, project_dump

runner = CliRunner()


def _one_line(r) -> str:
    assert r.exit_code == 1, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    return lines[0]


class _Payload:
    """What a hostile pickle does when it is read: here, create a file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def coded(tmp_path):
    note = tmp_path / "n.txt"
    note.write_text("\n\n".join(["Lokalerna är trånga.", "Lönen är för låg.", "Chefen stöttar oss."] * 3) + "\n",
                    encoding="utf-8")
    with make_project(tmp_path) as p:
        import_notes(p, [note])
        segs = [s.id for s in p.store.iter_segments()]
        add_codes(p, segs[0::3], ["P13"])
        add_codes(p, segs[1::3], ["T-LON"])
        add_codes(p, segs[2::3], ["P05"])
    return tmp_path / "p"


def test_an_old_pickled_model_is_refused_unless_trusted(coded, tmp_path):
    marker = tmp_path / "pickle-ran"
    with find_project(coded) as p, p.store.transaction():
        p.store.save_model("gammal", p.codebook.hash(), {}, {}, pickle.dumps(_Payload(marker)))
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["suggest", "-p", str(coded)]))
    assert "gamla pickle-formatet" in line and "lästes inte" in line
    assert "`--trust-pickle`" in line and "`qualcode train`" in line
    assert not marker.exists()  # nothing of the pickle ran
    assert project_dump(coded) == before
    # Trusting it really reads the pickle (here: the payload runs and is no model).
    line = _one_line(runner.invoke(app, ["suggest", "-p", str(coded), "--trust-pickle"]))
    assert marker.exists() and "inte en qualcode-modell" in line
    # `qualcode train` rebuilds the model in the safe format; suggestions work again.
    r = runner.invoke(app, ["train", "-p", str(coded), "--cv", "0"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["suggest", "-p", str(coded)])
    assert r.exit_code == 0, r.output
    with find_project(coded) as p:
        blob = p.store.latest_model().blob
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        assert "meta.json" in data.files and all(data[k].dtype != object for k in data.files)


# -- resource limits -------------------------------------------------------------------------


def _qde(source_path: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="bomb" origin="test">'
        '<Sources><TextSource guid="11111111-1111-1111-1111-111111111111" name="a" '
        f'plainTextPath="internal://{source_path}"/></Sources></Project>'
    )


def test_a_zip_bomb_qdpx_is_refused_before_reading(coded, tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", _qde("a.txt"))
        with zf.open("sources/a.txt", "w") as fh:
            chunk = b"a" * (1 << 20)
            for _ in range(60):  # 60 MB of one letter: a few hundred kB packed
                fh.write(chunk)
    assert bomb.stat().st_size < 1_000_000
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["import", "qdpx", str(bomb), "-p", str(coded)]))
    assert "sources/a.txt packas upp" in line and "zip-bomb" in line and "inget lästes" in line
    assert project_dump(coded) == before


def _laughs(levels: int = 6) -> str:
    lines = ['a0: &a0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\ncodes:\n  - {id: X, name: *a%d}\n" % (levels - 1)


def test_a_yaml_alias_bomb_in_a_codebook_is_refused(coded, tmp_path):
    bomb = tmp_path / "kodbok.yaml"
    bomb.write_text(_laughs(), encoding="utf-8")
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["codebook", "import", str(bomb), "-p", str(coded)]))
    assert "rad 2" in line and "YAML-alias (*a0) tillåts inte" in line
    assert project_dump(coded) == before


def test_yaml_aliases_are_refused_in_config_and_front_matter(coded, tmp_path):
    note = tmp_path / "bomb.md"
    note.write_text("---\nx: &a [1, 2]\ny: *a\n---\n\nText.\n", encoding="utf-8")
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["import", "notes", str(note), "-p", str(coded)]))
    assert "bomb.md" in line and "YAML" in line
    config = coded / "qualcode.yaml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + "extra: &a [1]\nmer: *a\n", encoding="utf-8")
    line = _one_line(runner.invoke(app, ["status", "-p", str(coded)]))
    assert "qualcode.yaml" in line and "YAML-alias (*a) tillåts inte" in line
    config.write_text(good, encoding="utf-8")
    assert project_dump(coded) == before


def test_codes_nested_thousands_deep_are_refused(coded, tmp_path):
    deep = tmp_path / "djup.qdc"
    depth = 5000
    opens = "".join(f'<Code guid="00000000-0000-0000-0000-{i:012d}" name="k{i}" isCodable="true">' for i in range(depth))
    deep.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="test"><Codes>'
        + opens + "</Code>" * depth + "</Codes></CodeBook>\n",
        encoding="utf-8",
    )
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["codebook", "import", str(deep), "-p", str(coded)]))
    assert "nästlade mer än 50 nivåer" in line
    assert project_dump(coded) == before


@pytest.mark.parametrize("depth", [51, 60, 5000])
def test_import_qdpx_refuses_codes_nested_deeper_than_codebook_import_does(coded, tmp_path, depth):
    import zipfile

    opens = "".join(f'<Code guid="00000000-0000-0000-0000-{i:012d}" name="k{i}" isCodable="true">' for i in range(depth))
    deep = tmp_path / "djup.qdpx"
    with zipfile.ZipFile(deep, "w") as zf:
        zf.writestr("project.qde", (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="djup" origin="test">'
            '<CodeBook><Codes><Code guid="10000000-0000-0000-0000-000000000000" name="P13"/>' + opens + "</Code>" * depth
            + '</Codes></CodeBook><Sources><TextSource guid="20000000-0000-0000-0000-000000000000" name="a">'
            "<PlainTextContent>Lokalerna är för små.</PlainTextContent>"
            '<PlainTextSelection guid="30000000-0000-0000-0000-000000000000" startPosition="0" endPosition="9">'
            '<Coding guid="40000000-0000-0000-0000-000000000000"><CodeRef targetGUID="10000000-0000-0000-0000-000000000000"/>'
            "</Coding></PlainTextSelection></TextSource></Sources></Project>"
        ))
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["import", "qdpx", str(deep), "-p", str(coded)]))
    assert line == ("fel: djup.qdpx:project.qde: koderna är nästlade mer än 50 nivåer djupt (kod 2) — filen är "
                    "trasig eller fientlig; en kodbok behöver några få nivåer")
    assert project_dump(coded) == before


def test_import_qdpx_takes_codes_50_levels_deep(coded, tmp_path):
    from qualcode.exchange.refi_import import read_qdpx
    import zipfile

    opens = "".join(f'<Code guid="00000000-0000-0000-0000-{i:012d}" name="k{i}">' for i in range(50))
    path = tmp_path / "femtio.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0"><CodeBook><Codes>' + opens
                    + "</Code>" * 50 + "</Codes></CodeBook></Project>")
    codes = read_qdpx(path).codes
    assert len(codes) == 50 and codes["00000000-0000-0000-0000-000000000049"].path == "/".join(f"k{i}" for i in range(50))


def test_a_paragraph_longer_than_spacy_accepts_is_segmented_in_pieces(coded, tmp_path):
    from qualcode.ingest.segment import MAX_PIECE

    sentence = "Lokalerna är trånga och ingen får plats i mötesrummet. "
    text = sentence * (1_200_000 // len(sentence))  # one paragraph, over spaCy's 1,000,000 characters
    note = tmp_path / "lang.txt"
    note.write_text(text, encoding="utf-8")
    r = runner.invoke(app, ["import", "notes", str(note), "-p", str(coded)])
    assert r.exit_code == 0, r.output
    with find_project(coded) as p:
        doc = p.store.find_document("lang.txt")
        segs = [s for s in p.store.iter_segments(document=doc.id)]
    assert len(segs) >= len(text) // MAX_PIECE
    assert all(len(s.text) <= MAX_PIECE for s in segs)
    assert all(s.text.endswith(".") for s in segs)  # cut after a sentence
    assert sum(len(s.text) for s in segs) + len(segs) - 1 == len(text.strip())  # nothing lost


# -- text that changes silently ---------------------------------------------------------------


def test_a_nul_byte_is_refused_with_its_line(coded, tmp_path):
    note = tmp_path / "nul.txt"
    note.write_bytes("Första stycket.\n\nAndra\x00 stycket.\n\nTredje stycket.\n".encode("utf-8"))
    before = project_dump(coded)
    line = _one_line(runner.invoke(app, ["import", "notes", str(note), "-p", str(coded)]))
    assert "'nul.txt' innehåller 1 NUL-tecken" in line and "rad 3" in line and "`--encoding utf-16-le`" in line
    assert project_dump(coded) == before


def test_utf8_with_a_stray_byte_stays_utf8_and_says_where(coded, tmp_path):
    rows = ["id;svar"] + [f"R{i};Vi önskar större lokaler och bättre löner på kontoret {i}" for i in range(3000)]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    at = data.index(b"R1500;")
    data = data[:at] + b"\xe5" + data[at:]  # one cp1252 'å' pasted into the UTF-8 file
    survey = tmp_path / "enkat.csv"
    survey.write_bytes(data)
    r = runner.invoke(app, ["import", "survey", str(survey), "--text", "svar", "--id", "id", "-p", str(coded)])
    assert r.exit_code == 0, r.output
    warning = [ln for ln in r.output.splitlines() if ln.startswith("varning:")]
    assert len(warning) == 1
    assert "är UTF-8 utom 1 byte (rad 1502); den lästes som cp1252" in warning[0] and "`--encoding cp1252`" in warning[0]
    with find_project(coded) as p:
        docs = list(p.store.iter_documents(kind="survey"))
    texts = [d.text for d in docs]
    assert len(texts) == 3000 and all("önskar" in t and "Ã" not in t for t in texts)
    assert [d.meta["respondent"] for d in docs if "1500" in d.meta["respondent"]] == ["åR1500"]  # the pasted 'å' is an 'å'


def test_a_utf8_file_with_a_cp1252_row_reads_both_right(coded, tmp_path):
    """Two exports joined: UTF-8 rows and one cp1252 row. Read as cp1252 the UTF-8 letters would be
    mojibake ('LÃ¶nen'); read as UTF-8 with cp1252 where UTF-8 fails, every letter is right."""
    data = ("id;svar\nR1;Lönen är låg\nR2;Älvsjö har trånga lokaler\n").encode("utf-8") + "R3;Lönen för låg\n".encode("cp1252")
    survey = tmp_path / "enkat.csv"
    survey.write_bytes(data)
    r = runner.invoke(app, ["import", "survey", str(survey), "--text", "svar", "--id", "id", "-p", str(coded)])
    assert r.exit_code == 0, r.output
    assert "de lästes som cp1252" in r.output
    with find_project(coded) as p:
        texts = sorted(d.text for d in p.store.iter_documents(kind="survey") if d.name.startswith("enkat:"))
    assert texts == ["Lönen för låg", "Lönen är låg", "Älvsjö har trånga lokaler"]


def test_a_cp1252_file_is_still_cp1252(tmp_path):
    from qualcode.ingest.readers import detect_encoding

    path = tmp_path / "a.txt"
    path.write_bytes(("Vi önskar större lokaler.\n" * 200).encode("cp1252"))
    assert detect_encoding(path) == "cp1252"


def test_utf8_damage_counts_every_bad_byte_and_names_distinct_lines():
    from qualcode.ingest.readers import _utf8_damage

    data = "Lön\nrätt\n".encode() + "båda\n".encode("cp1252") + b"ok\n" + "\u00e9\u00e9\n".encode("cp1252")
    n_ok, n_bad, lines = _utf8_damage(data)
    assert (n_ok, n_bad, lines) == (2, 3, [3, 5])  # ö and ä valid; å, é, é bad on lines 3 and 5
