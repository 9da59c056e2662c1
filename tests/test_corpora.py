"""The bundled sample corpora are consistent: quotes, codes, encodings and published tables."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from qualcode.core.codebook import load_codebook

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
INTERVIEWS = CORPORA / "intervjuer"
SURVEY = CORPORA / "enkat" / "enkatkommentarer.csv"
CATEGORIES = [f"P{n:02d}" for n in range(1, 14)] + ["OVRIGT", "EJ_SVAR"]
POSITIONS = ["langst_1", "langst_2", "langst_3", "behov_1", "behov_2", "behov_3"]
STATEMENTS = {
    "Jag har en bra arbetssituation",
    "Jag känner att jag kan göra ett gott arbete",
    "Jag kan rekommendera min arbetsplats till andra",
}
LIKERT = {"Instämmer helt", "Instämmer delvis", "Tar delvis avstånd", "Tar helt avstånd", "Vet ej"}
TERMS = {"HT2016", "VT2017", "HT2017", "VT2018", "HT2018"}
AREAS = {"BOU", "Ek", "Funk", "Psyk", "Vuxen", "Äldre"}


def _split(path: Path) -> tuple[dict, list[str]]:
    """Front matter and paragraphs (split on blank lines) of one interview note."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, f"{path.name}: saknar YAML-front matter"
    body = text[match.end():]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return yaml.safe_load(match.group(1)), paragraphs


def _jsonl(name: str) -> list[dict]:
    lines = (CORPORA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ROOT / "codebooks" / "handlingsplan.yaml")


def test_interview_notes_have_metadata_and_size():
    notes = sorted(INTERVIEWS.glob("*.md"))
    assert len(notes) >= 16
    cells = set()
    for path in notes:
        meta, paragraphs = _split(path)
        assert set(meta) >= {"stadsdel", "termin", "grupp", "verksamhetsomrade", "deltagare",
                             "datum"}, path.name
        assert meta["grupp"] in {"chefer", "medarbetare"}, path.name
        assert meta["termin"] in TERMS, path.name
        assert meta["verksamhetsomrade"] in AREAS | {"blandat"}, path.name
        assert 6 <= len(paragraphs) <= 12, path.name
        words = sum(len(p.split()) for p in paragraphs)
        assert 250 <= words <= 600, (path.name, words)
        cells.add((meta["stadsdel"], meta["termin"], meta["grupp"]))
    assert len({c[0] for c in cells}) >= 4
    assert {c[1] for c in cells} == {"HT2016", "VT2018"}


def test_administrative_support_comes_up_in_some_but_not_all_notes():
    by_term: dict[str, list[bool]] = {}
    for path in INTERVIEWS.glob("*.md"):
        meta, paragraphs = _split(path)
        text = " ".join(paragraphs).lower()
        by_term.setdefault(meta["termin"], []).append("administrat" in text)
    for term, flags in by_term.items():
        assert 0 < sum(flags) < len(flags), term


@pytest.mark.parametrize("name", ["kodningar.jsonl", "kodningar-kodare2.jsonl"])
def test_every_quote_is_in_exactly_one_paragraph(name):
    for row in _jsonl(name):
        path = CORPORA / row["document"]
        assert path.exists(), row["document"]
        _, paragraphs = _split(path)
        quote = row["quote"]
        assert 30 <= len(quote) <= 120, quote
        hits = [p.count(quote) for p in paragraphs]
        assert sum(hits) == 1 and hits.count(1) == 1, (row["document"], quote)


@pytest.mark.parametrize("name", ["kodningar.jsonl", "kodningar-kodare2.jsonl"])
def test_every_code_is_a_leaf_of_the_shipped_codebook(name, codebook):
    for row in _jsonl(name):
        assert row["codes"], row["quote"]
        for code_id in row["codes"]:
            assert code_id in codebook, code_id
            assert not codebook.get(code_id).is_group, code_id


def test_codings_cover_enough_paragraphs_and_files():
    rows = _jsonl("kodningar.jsonl")
    assert {r["coder"] for r in rows} == {"forskare"}
    assert len({(r["document"], r["quote"]) for r in rows}) == len(rows) >= 60
    assert len({r["document"] for r in rows}) >= 10


def test_second_coder_mostly_agrees_on_a_subset():
    first = {(r["document"], r["quote"]): set(r["codes"]) for r in _jsonl("kodningar.jsonl")}
    second = _jsonl("kodningar-kodare2.jsonl")
    assert {r["coder"] for r in second} == {"kodare2"}
    assert 25 <= len(second) <= 40
    same = sum(set(r["codes"]) == first[(r["document"], r["quote"])] for r in second)
    assert len(second) // 2 < same < len(second)


def test_survey_is_a_swedish_excel_export():
    raw = SURVEY.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF only
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # å/ä/ö are single cp1252 bytes
    rows = list(csv.DictReader(io.StringIO(raw.decode("cp1252"), newline=""), delimiter=";"))
    assert list(rows[0]) == ["id", "stadsdel", "verksamhetsomrade", "termin", "pastaende",
                             "svar", "motivering"]
    assert len(rows) >= 240
    texts = [r["motivering"] for r in rows if r["motivering"].strip()]
    assert len(texts) >= 200
    assert len(texts) < len(rows)  # some empty cells
    assert any(";" in t for t in texts) and any('"' in t for t in texts)
    assert any(re.search(r"\d,\d", t) for t in texts)
    for r in rows:
        assert re.fullmatch(r"E\d{4}", r["id"])
        assert r["pastaende"] in STATEMENTS and r["svar"] in LIKERT
        assert r["termin"] in TERMS and r["verksamhetsomrade"] in AREAS


def test_survey_script_reproduces_the_file(tmp_path):
    module = _load_script("make_sample_survey")
    out = tmp_path / "enkat.csv"
    module.build(out)
    assert out.read_bytes() == SURVEY.read_bytes()


def _semicolon_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_questionnaire_counts_equal_published_tables():
    assert (CORPORA / "slutenkat-2018.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    answers = _semicolon_csv(CORPORA / "slutenkat-2018.csv")
    facit = _semicolon_csv(CORPORA / "slutenkat-2018-facit.csv")
    published = json.loads((CORPORA / "slutenkat-2018-publicerade-tabeller.json")
                           .read_text(encoding="utf-8"))
    assert len(answers) == len(facit) == published["respondents"] == 117
    assert Counter(r["roll"] for r in facit) == Counter(published["roles"])
    assert Counter(r["verksamhetsomrade"] for r in facit) == Counter(published["areas"])
    assert len({r["stadsdel"] for r in facit}) == 14
    for question in ("langst", "behov"):
        for alt in ("1", "2", "3"):
            got = Counter(r[f"{question}_{alt}"] for r in facit)
            expected = {c: n for c, n in published[question][alt].items() if n}
            assert dict(got) == expected, (question, alt)
    for a, f in zip(answers, facit):
        assert [a[k] for k in ("respondent", "roll", "verksamhetsomrade", "stadsdel")] == \
               [f[k] for k in ("respondent", "roll", "verksamhetsomrade", "stadsdel")]
        for pos in POSITIONS:
            assert f[pos] in CATEGORIES
            number = re.fullmatch(r"\(?(?:p\.?|pkt|punkt|nr)?\s*(\d{1,2})[.)]?", a[pos].strip(),
                                  re.I)
            if number:
                assert f[pos] == f"P{int(number.group(1)):02d}", (a[pos], f[pos])
            if f[pos] == "EJ_SVAR":
                assert a[pos].strip().lower().strip(".") in {"", "-", "--", "vet ej"}


def test_questionnaire_script_reproduces_the_files(tmp_path):
    module = _load_script("build_questionnaire")
    module.build(tmp_path)
    for name in ("slutenkat-2018.csv", "slutenkat-2018-facit.csv",
                 "slutenkat-2018-publicerade-tabeller.json"):
        assert (tmp_path / name).read_bytes() == (CORPORA / name).read_bytes(), name


def test_questionnaire_tables_match_shared_figures(shared_dir):
    shared = json.loads((shared_dir / "data" / "questionnaire-2018-published-tables.json")
                        .read_text(encoding="utf-8"))
    ours = json.loads((CORPORA / "slutenkat-2018-publicerade-tabeller.json")
                      .read_text(encoding="utf-8"))
    for key in ("respondents", "roles", "areas", "langst", "behov"):
        assert ours[key] == shared[key], key


def test_docx_note_has_sidecar_metadata():
    docx = pytest.importorskip("docx")
    folder = INTERVIEWS / "docx"
    rows = _semicolon_csv(folder / "metadata.csv")
    assert list(rows[0]) == ["fil", "stadsdel", "termin", "grupp", "verksamhetsomrade"]
    for row in rows:
        document = docx.Document(str(folder / row["fil"]))
        assert sum(len(p.text.split()) for p in document.paragraphs) >= 200


def test_questionnaire_maps_without_unresolved_answers():
    from qualcode.analysis.mentions.mapper import MentionMapper, load_mapping

    # One answer is unclear on purpose; the sample's mapping file settles it, as a researcher would.
    mapper = MentionMapper(mapping=load_mapping(CORPORA / "slutenkat-2018-mappning.csv"))
    answers = _semicolon_csv(CORPORA / "slutenkat-2018.csv")
    facit = _semicolon_csv(CORPORA / "slutenkat-2018-facit.csv")
    wrong = [(a[p], f[p], mapper.map(a[p]).category)
             for a, f in zip(answers, facit) for p in POSITIONS
             if mapper.map(a[p]).category != f[p]]
    assert wrong == []
