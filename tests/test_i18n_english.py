"""The last Swedish in English mode: what the library writes for a reader (compare notes, the mention
mapping template, masking tokens, privacy findings) follows the language, Swedish stays as it was,
and what is read back or counted by scripts is the same in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.analysis.mentions.mapper import MentionMapper
from qualcode.analysis.mentions.tables import compare_published, comparison_json, count_mentions, read_answers, select_columns
from qualcode.cli.main import app
from qualcode.core.codebook import default_codebook

runner = CliRunner()

ANSWERS = "respondent;langst_1;langst_2\n1;2;2\n2;2;8\n3;2;-\n4;;6\n"
CATS = [f"P{i:02d}" for i in range(1, 14)] + ["OVRIGT", "EJ_SVAR"]


def _zero(**kw: int) -> dict[str, int]:
    return {c: kw.get(c, 0) for c in CATS}


PUBLISHED = {
    "respondents": 4,
    "langst": {"1": _zero(P02=3, EJ_SVAR=1), "2": _zero(P02=1, P06=1, P08=1, EJ_SVAR=1)},
    "percent": {"langst": {"1": {"P02": "75,0", "EJ_SVAR": "25,1"}, "2": {"P08": "25"}}},
    "printed_totals": {"langst": {"1": 4, "2": 5}},
    "prose_totals": {"langst": {"P02": 4, "P08": 2}},
    "prose_first": {"langst": "P02"},
}


def _comparison(tmp_path: Path, published: dict | None = None):
    path = tmp_path / "s.csv"
    path.write_text(ANSWERS, encoding="utf-8")
    answers = read_answers(path)
    counts = count_mentions(answers, select_columns(answers.columns, ["langst"]), MentionMapper(default_codebook()))
    return compare_published(counts, PUBLISHED if published is None else published)


def _notes(cmp) -> list[tuple[str, str, str]]:
    return [(f.kind, f.category, f.note) for f in cmp.figures if f.note]


def test_compare_notes_follow_the_language_and_nothing_else_does(tmp_path, monkeypatch):
    sv = _comparison(tmp_path)
    assert _notes(sv) == [
        ("percent", "EJ_SVAR", "rapportens 1 av 4 ger 25,0; data ger 25,0"),
        ("printed_total", "Total", "tabellens rader summerar till 4, data har 4 svarande"),
        ("prose_total", "P02", "summan av de publicerade tabellerna är 4"),
        ("prose_total", "P08", "summan av de publicerade tabellerna är 1"),
        ("prose_first", "P02", "flest som första alternativ: P02 (3)"),
    ]
    monkeypatch.setenv("QUALCODE_LANG", "en")
    en = _comparison(tmp_path)
    assert _notes(en) == [
        ("percent", "EJ_SVAR", "the report's 1 of 4 gives 25.0; the data gives 25.0"),
        ("printed_total", "Total", "the table's rows sum to 4, the data has 4 respondents"),
        ("prose_total", "P02", "the sum of the published tables is 4"),
        ("prose_total", "P08", "the sum of the published tables is 1"),
        ("prose_first", "P02", "most often first: P02 (3)"),
    ]
    # kinds, positions, categories, figures and statuses are the same in both languages
    strip = [{k: v for k, v in row.items() if k != "note"} for row in comparison_json(en)["figures"]]
    assert strip == [{k: v for k, v in row.items() if k != "note"} for row in comparison_json(sv)["figures"]]
    assert comparison_json(en)["summary"] == comparison_json(sv)["summary"] == {
        "cell": {"stämmer": 30, "skiljer": 0}, "percent": {"stämmer": 2, "skiljer": 1},
        "printed_total": {"stämmer": 1, "skiljer": 1}, "prose_total": {"stämmer": 1, "skiljer": 1},
        "prose_first": {"stämmer": 1, "skiljer": 0}, "respondents": {"stämmer": 1, "skiljer": 0}}


def test_compare_notes_for_missing_tables_and_cells(tmp_path, monkeypatch):
    published = {"langst": {"1": {c: n for c, n in _zero(P02=3, EJ_SVAR=1).items() if c != "P13"}}}
    sv = [f.note for f in _comparison(tmp_path, published).figures if f.note]
    assert sv == ["saknas i den publicerade tabellen", "tabell 2 saknas i den publicerade filen"]
    monkeypatch.setenv("QUALCODE_LANG", "en")
    en = [f.note for f in _comparison(tmp_path, published).figures if f.note]
    assert en == ["missing from the published table", "table 2 is missing from the published file"]


def test_compare_table_speaks_english_and_csv_keeps_its_words(tmp_path, monkeypatch):
    from qualcode.cli.common import console

    monkeypatch.setattr(console, "width", 250)  # one line per row
    (tmp_path / "s.csv").write_text(ANSWERS, encoding="utf-8")
    (tmp_path / "pub.json").write_text(json.dumps(PUBLISHED), encoding="utf-8")
    args = ["mentions", "compare", str(tmp_path / "s.csv"), "--published", str(tmp_path / "pub.json"), "--differences"]
    monkeypatch.setenv("QUALCODE_LANG", "en")
    table = runner.invoke(app, [*args, "-f", "table"])
    assert table.exit_code == 0, table.output
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in table.stdout.splitlines() if line.startswith("│")]
    assert rows == [
        ["percent", "langst", "1", "EJ_SVAR", "25.1", "25.0", "differs", "the report's 1 of 4 gives 25.0; the data gives 25.0"],
        ["printed total", "langst", "2", "Total", "5", "4", "differs", "the table's rows sum to 4, the data has 4 respondents"],
        ["total in the text", "langst", "all positions", "P08", "2", "1", "differs", "the sum of the published tables is 1"],
    ]
    csv = runner.invoke(app, [*args, "-f", "csv"]).stdout.splitlines()
    assert csv[1:3] == ['procent;langst;1;EJ_SVAR;25,1;25,0;skiljer;"the report\'s 1 of 4 gives 25.0; the data gives 25.0"',
                        "tryckt total;langst;2;Total;5;4;skiljer;the table's rows sum to 4, the data has 4 respondents"]
    assert csv[3] == "total i texten;langst;totalt;P08;2;1;skiljer;the sum of the published tables is 1"
    monkeypatch.setenv("QUALCODE_LANG", "sv")
    table = runner.invoke(app, [*args, "-f", "table"])
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in table.stdout.splitlines() if line.startswith("│")]
    assert rows[0] == ["procent", "langst", "1", "EJ_SVAR", "25,1", "25,0", "skiljer", "rapportens 1 av 4 ger 25,0; data ger 25,0"]
    assert rows[2][:3] == ["total i texten", "langst", "totalt"]


# -- the mention mapping template -------------------------------------------------------------

REVIEW = "respondent;behov_1\n1;adm stöd\n2;adm stöd\n3;2\n"


def test_the_template_is_written_in_the_language_and_the_swedish_one_as_before(tmp_path, monkeypatch):
    (tmp_path / "s.csv").write_text(REVIEW, encoding="utf-8")
    for lang, name in (("sv", "sv.csv"), ("en", "en.csv")):
        monkeypatch.setenv("QUALCODE_LANG", lang)
        r = runner.invoke(app, ["mentions", "review", str(tmp_path / "s.csv"), "-c", "behov", "--template", str(tmp_path / name)])
        assert r.exit_code == 0, r.output
    sv = (tmp_path / "sv.csv").read_text(encoding="utf-8").splitlines()
    en = (tmp_path / "en.csv").read_text(encoding="utf-8").splitlines()
    assert sv[0] == "answer;category;kandidater;antal"  # the header templates always had
    assert en[0] == "answer;category;candidates;count"
    assert sv[1:] == en[1:] and sv[1].startswith("adm stöd;;P06 ") and sv[1].endswith(";2")


@pytest.mark.parametrize("text", [
    "answer;category;candidates;count\nadm stöd;6;P06 x | P07 y;2\n",  # English template
    "answer;category;kandidater;antal\nadm stöd;6;P06 x | P07 y;2\n",  # Swedish (and every older) template
    "svar;kategori\nadm stöd;6\n",  # a researcher's own Swedish file
    "svar;kandidater;kategori;antal\nadm stöd;P06 x | P07 y;6;2\n",  # columns moved in Excel
    "Answer;Category\nadm stöd;6\n",
    "adm stöd;6\n",  # no header
])
def test_mapping_files_are_read_back_in_either_language(text, monkeypatch):
    from qualcode.analysis.mentions.mapper import parse_mapping

    for lang in ("sv", "en"):
        monkeypatch.setenv("QUALCODE_LANG", lang)
        assert parse_mapping(text, default_codebook()) == {"adm stöd": "P06"}


def test_settling_an_answer_keeps_a_moved_category_column(tmp_path):
    from qualcode.analysis.mentions.mapper import load_mapping
    from qualcode.coding.workspace import MAPPING_FILE, settle_mention
    from helpers import make_project

    with make_project(tmp_path) as project:
        path = project.root / MAPPING_FILE
        path.write_text("svar;kandidater;kategori\nadm stöd;P06 x | P07 y;6\nstöd;P06 | P07;\n", encoding="utf-8")
        settle_mention(project, "mottagande", "11")
        assert load_mapping(path, project.codebook) == {"adm stöd": "P06", "mottagande": "P11"}
        assert path.read_text(encoding="utf-8") == "answer;category\nadm stöd;6\nstöd;\nmottagande;P11\n"


# -- masking tokens and the privacy scan ---------------------------------------------------------

TEXT = "Ring Lisa Wallin på 070-123 45 67 eller lisa.wallin@exempel.se, pnr 811218-9876, Storgatan 12."


def test_masking_writes_the_tokens_of_the_language(monkeypatch):
    from qualcode.export.privacy import Pseudonymiser, mask_with_offsets

    p = Pseudonymiser()
    sv = p.mask(TEXT)
    assert sv == "Ring [NAMN] på [TELEFON] eller [E-POST], pnr [PERSONNUMMER], [ADRESS]."
    monkeypatch.setenv("QUALCODE_LANG", "en")
    en = p.mask(TEXT)
    assert en == "Ring [NAME] på [PHONE] eller [EMAIL], pnr [ID-NUMBER], [ADDRESS]."
    masked = mask_with_offsets(p, TEXT)
    assert masked.text == en and masked.text[masked.position(5):masked.position(16, end=True)] == "[NAME]"
    assert [f.kind for f in p.find(TEXT)] == ["NAMN", "TELEFON", "E-POST", "PERSONNUMMER", "ADRESS"]  # kinds: identifiers


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_text_masked_in_either_language_is_left_as_it_is(lang, monkeypatch):
    from qualcode.export.privacy import MASK_TOKENS, Pseudonymiser, apply_mask, Finding

    monkeypatch.setenv("QUALCODE_LANG", lang)
    p = Pseudonymiser(names=["NAME", "PHONE"])  # even when a token's word is on the name list
    for text in ("Ring [NAMN] på [TELEFON].", "Ring [NAME] på [PHONE], [ID-NUMBER] [ADDRESS] [EMAIL]."):
        assert p.find(text) == [] and p.mask(text) == text
    assert {"[NAMN]", "[NAME]", "[PERSONNUMMER]", "[ID-NUMBER]", "[FÖDELSEDATUM]", "[BIRTH-DATE]"} <= MASK_TOKENS
    assert len(MASK_TOKENS) == 18
    assert apply_mask("Hej Bo", [Finding(4, 6, "NAMN", "Bo", "namnlista")]) == ("Hej [NAMN]" if lang == "sv" else "Hej [NAME]")


def test_privacy_scan_names_kinds_and_rules_in_the_language_and_json_keeps_them(tmp_path, monkeypatch):
    from qualcode.cli.common import console

    monkeypatch.setattr(console, "width", 250)
    f = tmp_path / "x.txt"
    f.write_text("Ring Sara Ekberg på 08-508 05 167.\n", encoding="utf-8")
    monkeypatch.setenv("QUALCODE_LANG", "en")
    r = runner.invoke(app, ["privacy", "scan", "--file", str(f), "--show", "5"])
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in r.stdout.splitlines() if line.startswith("│")]
    assert rows == [[str(f), "NAME", "Sara Ekberg", "name list", "Ring ⟨Sara Ekberg⟩ på [PHONE]."],
                    [str(f), "PHONE", "08-508 05 167", "pattern", "Ring [NAME] på ⟨08-508 05 167⟩."]]
    r = runner.invoke(app, ["privacy", "scan", "--file", str(f)])
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in r.stdout.splitlines() if line.startswith("│")]
    assert rows == [["NAME", "1"], ["EMAIL", "0"], ["PHONE", "1"], ["ID-NUMBER", "0"], ["ADDRESS", "0"],
                    ["BIRTH-DATE", "0"], ["REG-NUMBER", "0"], ["CASE-NUMBER", "0"], ["ACCOUNT-NUMBER", "0"]]
    en = json.loads(runner.invoke(app, ["privacy", "scan", "--file", str(f), "--show", "5", "-f", "json"]).stdout)
    assert [(h["kind"], h["rule"], h["context"]) for h in en] == [
        ("NAMN", "namnlista", "Ring ⟨Sara Ekberg⟩ på [PHONE]."), ("TELEFON", "mönster", "Ring [NAME] på ⟨08-508 05 167⟩.")]
    monkeypatch.setenv("QUALCODE_LANG", "sv")
    r = runner.invoke(app, ["privacy", "scan", "--file", str(f), "--show", "5"])
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in r.stdout.splitlines() if line.startswith("│")]
    assert [row[1:4] for row in rows] == [["NAMN", "Sara Ekberg", "namnlista"], ["TELEFON", "08-508 05 167", "mönster"]]


# -- the mapper's evidence ------------------------------------------------------------------------

EVIDENCE = {  # answer: (Swedish evidence as it always was, English)
    "2": ("punktnummer → P02", "point number → P02"),
    "vet ej": ("inget svar: 'vet ej'", "no answer: 'vet ej'"),
    "adm stöd": ("namnord administrativt, stöd (P06); namnord administrativt, stöd (P07)",
                 "name words administrativt, stöd (P06); name words administrativt, stöd (P07)"),
    "genomgång ärenden": ("alias 'ärendedragning' ← genomgång ärenden (synonym genomgång = dragning); "
                          "alias 'ärendegenomgång' ← genomgång ärenden (synonym genomgång = dragning)",) * 2,
    "friskvård": ("övrigt-ämne 'friskvård'", "other topic 'friskvård'"),
    "extern handledning": ("motsäger namnet: extern (P08); inget ord ur kodboken eller kända övrigt-ämnen",
                           "contradicts the name: extern (P08); no word of the codebook or of the known other topics"),
    "lokalr": ("stavning: lokalr → lokaler; alias 'lokaler'", "spelling: lokalr → lokaler; alias 'lokaler'"),
    "2 lokaler": ("nummer 2", "number 2"),
    "99": ("okänt punktnummer: 99", "unknown point number: 99"),
    "2 och 6": ("flera punktnummer: P02, P06", "several point numbers: P02, P06"),
    "mycket": ("bara gradord: mycket", "only words of degree: mycket"),
}


def test_the_mappers_evidence_follows_the_language_and_its_method_does_not(monkeypatch):
    results = {}
    for i, lang in enumerate(("sv", "en")):
        monkeypatch.setenv("QUALCODE_LANG", lang)
        mapper = MentionMapper(default_codebook())
        got = {a: mapper.map(a) for a in EVIDENCE}
        assert {a: "; ".join(m.evidence) for a, m in got.items()} == {a: ev[i] for a, ev in EVIDENCE.items()}
        results[lang] = {a: (m.category, m.method, m.candidates) for a, m in got.items()}
    assert results["sv"] == results["en"]
    assert results["en"]["2 lokaler"][:2] == (None, "number-conflict")


def test_a_mapping_file_error_names_the_file_in_the_language(monkeypatch):
    from qualcode.analysis.mentions.mapper import parse_mapping
    from qualcode.core.errors import InputError

    monkeypatch.setenv("QUALCODE_LANG", "en")
    with pytest.raises(InputError, match="^mapping file line 1: "):
        parse_mapping("adm stöd;P99\n", default_codebook())
