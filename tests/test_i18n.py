"""One language: every help text from the catalogs, Swedish by default, English on request."""

from __future__ import annotations

import ast
import gettext
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import qualcode
from qualcode.cli.language import help_texts
from qualcode.core import i18n

PACKAGE = Path(qualcode.__file__).parent


def _catalog(lang: str) -> gettext.GNUTranslations:
    mo = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    with mo.open("rb") as fh:
        return gettext.GNUTranslations(fh)


def _marked_msgids() -> list[str]:
    """Every literal passed to `_()` or `N_()` in the package."""
    out = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                out.append(node.args[0].value)
    return out


def test_every_help_text_and_marked_text_is_in_both_catalogs():
    import typer.main

    from qualcode.cli.main import app

    ids = help_texts(typer.main.get_command(app)) + _marked_msgids()
    assert len(ids) > 250
    sv, en = _catalog("sv"), _catalog("en")
    missing = [m for m in ids if m not in sv._catalog or not sv._catalog[m]]  # type: ignore[attr-defined]
    assert missing == [], "not in the Swedish catalog (run scripts/i18n.py, then translate)"
    assert [m for m in ids if m not in en._catalog] == []  # type: ignore[attr-defined]
    assert sv.gettext("Output format: table, csv or json.") == "Utdataformat: table (tabell), csv eller json."


def test_no_help_text_is_a_non_literal_the_catalog_cannot_see():
    """help= in the CLI is a string literal (the msgid), so extraction finds every one."""
    wrong = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "help" and not isinstance(node.value, ast.Constant):
                wrong.append(f"{path.name}:{node.value.lineno}")
    assert wrong == []


def test_catalogs_are_compiled_from_the_current_po_files():
    pytest.importorskip("babel")
    spec = __import__("importlib.util").util.spec_from_file_location("i18n_script", PACKAGE.parent / "scripts" / "i18n.py")
    if spec is None or spec.loader is None or not Path(spec.origin or "").exists():
        pytest.skip("scripts/ is not present")
    module = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.problems() == []


def _marked_plurals() -> list[tuple[str, str]]:
    """Every (singular, plural) pair of literals passed to `n_()` in the package."""
    out = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "n_" and len(node.args) == 3
                    and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args[:2])):
                out.append((node.args[0].value, node.args[1].value))
    return out


def _i18n_script():
    spec = __import__("importlib.util").util.spec_from_file_location("i18n_script", PACKAGE.parent / "scripts" / "i18n.py")
    if spec is None or spec.loader is None or not Path(spec.origin or "").exists():
        pytest.skip("scripts/ is not present")
    module = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_count_of_one_takes_the_singular_and_every_other_count_the_plural(monkeypatch):
    want = {"sv": ("1 kod", "2 koder", "0 koder", "Koda 1 träff", "Koda 2 träffar", "kopierar codings: 1 rad"),
            "en": ("1 code", "2 codes", "0 codes", "Code 1 hit", "Code 2 hits", "copying codings: 1 row")}
    for lang, texts in want.items():
        monkeypatch.setenv("QUALCODE_LANG", lang)
        assert (*(i18n.n_("{n} code", "{n} codes", k).format(n=k) for k in (1, 2, 0)),
                *(i18n.n_("Code {n} hit", "Code {n} hits", k).format(n=k) for k in (1, 2)),
                i18n.n_("copying {table}: {n} row", "copying {table}: {n} rows", 1).format(table="codings", n=1)) == texts
        assert i18n.n_("{n} gadget", "{n} gadgets", 1) == "{n} gadget"  # not in the catalog: the English form of the count
        assert i18n.n_("{n} gadget", "{n} gadgets", 3) == "{n} gadgets"


def test_the_templates_choose_the_form_by_the_count(monkeypatch):
    pytest.importorskip("jinja2")
    from qualcode.web.app import _env

    template = _env().from_string('{{ n_("Code {n} hit", "Code {n} hits", hits|length).format(n=hits|length) }}')
    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert (template.render(hits=[1]), template.render(hits=[1, 2])) == ("Koda 1 träff", "Koda 2 träffar")
    monkeypatch.setenv("QUALCODE_LANG", "en")
    assert (template.render(hits=[1]), template.render(hits=[1, 2])) == ("Code 1 hit", "Code 2 hits")


def test_every_text_with_a_count_is_a_plural_entry_of_both_catalogs():
    pairs = _marked_plurals()
    assert len(pairs) > 30 and ("{n} code", "{n} codes") in pairs
    for lang in ("sv", "en"):
        compiled = _catalog(lang)
        assert (compiled.plural(1), compiled.plural(0), compiled.plural(2)) == (0, 1, 1)  # type: ignore[attr-defined]
        forms = compiled._catalog  # type: ignore[attr-defined]
        assert [p for p in pairs if not (forms.get((p[0], 0)) and forms.get((p[0], 1)))] == [], lang
    assert _catalog("sv").ngettext("{n} code", "{n} codes", 1) == "{n} kod"


def test_the_extraction_sees_the_texts_with_a_count():
    pytest.importorskip("babel")
    from babel.messages.catalog import Message

    module = _i18n_script()
    ids = module.msgids()
    plurals = {m for m in ids if isinstance(m, tuple)}
    assert set(_marked_plurals()) <= plurals
    assert ("Code {n} hit", "Code {n} hits") in plurals  # a template's n_()
    assert "Coded segment {items} with {items2}." in ids and "{n} codes" not in ids  # texts stay texts
    assert module.translated(Message(("a", "as"), string=("ett a", "flera a")), ("a", "as"))
    assert not module.translated(Message(("a", "as"), string=("", "flera a")), ("a", "as"))  # every form, or untranslated
    assert not module.translated(Message("a", string=""), "a") and module.translated(Message("a", string="ett a"), "a")


@pytest.mark.parametrize("env, lang", [
    ({}, "sv"), ({"LANG": "C.UTF-8"}, "sv"), ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"QUALCODE_LANG": "en", "LANG": "sv_SE.UTF-8"}, "en"), ({"QUALCODE_LANG": "sv", "LANG": "en_US.UTF-8"}, "sv"),
    ({"LANGUAGE": "de:en"}, "en"), ({"QUALCODE_LANG": "fi"}, "sv"),
])
def test_language_is_qualcode_lang_then_the_locale_then_swedish(monkeypatch, env, lang):
    for var in ("QUALCODE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert i18n.language() == lang


def test_numbers_follow_the_language(monkeypatch):
    from qualcode.analysis.tally import format_number

    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert (format_number(56.44), format_number(0.8, 2), format_number(7)) == ("56,4", "0,80", "7")
    monkeypatch.setenv("QUALCODE_LANG", "en")
    assert (format_number(56.44), format_number(0.8, 2), format_number(7)) == ("56.4", "0.80", "7")


def test_a_decimal_read_from_a_survey_is_shown_with_the_languages_mark(monkeypatch, tmp_path):
    """`betyg` 3,5 in a Swedish export is the number 3.5: '3,5' in the Swedish interface (the groups of
    counts, the document list), '3.5' in English; a text that looks like a number stays as written."""
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert (i18n.value_text(3.5), i18n.value_text("3.5"), i18n.value_text(4.0), i18n.value_text("Farsta")) == ("3,5", "3.5", "4,0", "Farsta")
    survey = tmp_path / "enkat.csv"
    survey.write_text("id;betyg;svar\n1;3,5;Lokalerna är bra\n2;4,0;Chefen lyssnar\n", encoding="utf-8")
    runner = CliRunner()
    root = str(tmp_path / "p")
    assert runner.invoke(app, ["init", root]).exit_code == 0
    assert runner.invoke(app, ["import", "survey", str(survey), "--text", "svar", "--id", "id", "-p", root]).exit_code == 0
    counts = runner.invoke(app, ["counts", "--by", "betyg", "-p", root, "--format", "csv"])
    assert "3,5" in counts.output and "4,0" in counts.output and "3.5" not in counts.output, counts.output
    assert "betyg=3,5" in runner.invoke(app, ["corpus", "list", "-p", root]).output  # on screen
    assert "betyg=3.5" in runner.invoke(app, ["corpus", "list", "-p", root, "--format", "csv"]).output  # a plain CSV
    monkeypatch.setenv("QUALCODE_LANG", "en")
    assert i18n.value_text(3.5) == "3.5"
    assert "3.5" in runner.invoke(app, ["counts", "--by", "betyg", "-p", root, "--format", "csv"]).output


def test_a_base_of_one_reads_in_the_singular(monkeypatch, tmp_path):
    """The counts' title names each base with its noun: "HT2016: 1 anteckning", not "1 anteckningar"."""
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    monkeypatch.setenv("QUALCODE_LANG", "sv")
    notes = tmp_path / "anteckningar"
    notes.mkdir()
    for name, term in (("a.txt", "HT2016"), ("b.txt", "VT2017"), ("c.txt", "VT2017")):
        (notes / name).write_text(f"---\ntermin: {term}\n---\n\nLokalerna i {name} är trånga.\n", encoding="utf-8")
    runner = CliRunner()
    root = str(tmp_path / "p")
    assert runner.invoke(app, ["init", root]).exit_code == 0
    assert runner.invoke(app, ["import", "notes", str(notes), "-p", root]).exit_code == 0
    title = " ".join(runner.invoke(app, ["counts", "--by", "termin", "-p", root]).output.split())
    assert "HT2016: 1 anteckning," in title and "VT2017: 2 anteckningar" in title and "Totalt: 3 anteckningar" in title, title
    monkeypatch.setenv("QUALCODE_LANG", "en")
    title = " ".join(runner.invoke(app, ["counts", "--by", "termin", "-p", root]).output.split())
    assert "HT2016: 1 note," in title and "VT2017: 2 notes" in title, title


def test_the_cli_speaks_swedish_by_default_and_english_on_request():
    def run(lang: str | None, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("QUALCODE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
        env["LANG"] = "C.UTF-8"
        if lang:
            env["QUALCODE_LANG"] = lang
        done = subprocess.run([sys.executable, "-m", "qualcode.cli.main", *args], capture_output=True, text=True,
                              env={**env, "COLUMNS": "200"}, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    sv, en = run(None, "code", "add", "-h"), run("en", "code", "add", "-h")
    assert "Koda SEGMENT med KOD" in sv and "Memo på kodningen." in sv and "Code SEGMENT with CODE" not in sv
    assert "Code SEGMENT with CODE" in en and "Memo on the coding." in en
    assert "Kvalitativ kodning" in run(None, "--help") and "Qualitative coding" in run("en", "--help")


def _cli(monkeypatch, lang: str, *args: str):
    from typer.testing import CliRunner

    from qualcode.cli.main import app

    monkeypatch.setenv("QUALCODE_LANG", lang)
    monkeypatch.setenv("COLUMNS", "120")
    return CliRunner().invoke(app, list(args))


def test_typer_speaks_swedish_by_default_in_help(monkeypatch):
    out = _cli(monkeypatch, "sv", "code", "-h").output
    assert "Användning: qualcode code [FLAGGOR] KOMMANDO [ARGUMENT]..." in out
    assert "─ Flaggor ─" in out and "─ Kommandon ─" in out and "Visa den här hjälpen och avsluta." in out
    assert "Usage:" not in out and "Options" not in out and "Show this message" not in out
    out = _cli(monkeypatch, "sv", "code", "add", "-h").output
    assert "─ Argument ─" in out and "[krävs]" in out


def test_typer_speaks_english_on_request(monkeypatch):
    out = _cli(monkeypatch, "en", "code", "-h").output
    assert "Usage: qualcode code [OPTIONS] COMMAND [ARGS]..." in out
    assert "─ Options ─" in out and "─ Commands ─" in out and "Show this message and exit." in out
    assert "Användning" not in out and "Flaggor" not in out


@pytest.mark.parametrize("args, sv, en", [
    (("code", "add"), "Argument saknas: '[SEGMENT] CODE...'.", "Missing argument '[SEGMENT] CODE...'."),
    (("code", "list", "--bogus"), "Okänd flagga: --bogus", "No such option: --bogus"),
    (("codx",), "Okänt kommando 'codx'. Menade du 'code'?", "No such command 'codx'. Did you mean 'code'?"),
    (("status", "--format", "xx"), "Ogiltigt värde för '--format' / '-f': 'xx' är inte en av 'table', 'csv', 'json'.",
     "Invalid value for '--format' / '-f': Value error, 'xx' is not one of 'table', 'csv', 'json'."),
])
def test_usage_errors_follow_the_language(monkeypatch, args, sv, en):
    result = _cli(monkeypatch, "sv", *args)
    assert result.exit_code == 2
    assert "─ Fel ─" in result.output and sv in result.output and "Prova 'qualcode" in result.output
    result = _cli(monkeypatch, "en", *args)
    assert "─ Error ─" in result.output and en in result.output and "Try 'qualcode" in result.output


def test_click_messages_translate_whole_and_nested(monkeypatch):
    from qualcode.cli.typer_words import CLICK_MESSAGES, translate_click_message

    monkeypatch.setenv("QUALCODE_LANG", "sv")
    assert translate_click_message("Invalid value for 'N': Input should be a valid integer, unable to parse string as an integer") \
        == "Ogiltigt värde för 'N': värdet ska vara ett heltal"
    assert translate_click_message("something click never says") == "something click never says"
    for msgid in CLICK_MESSAGES:  # every Swedish text formats with the placeholders its msgid has
        names = dict.fromkeys(__import__("re").findall(r"\{(\w+)\}", msgid), "x")
        assert i18n._(msgid).format(**names) and i18n._(msgid) != msgid or msgid == "Value error, {message}"
    monkeypatch.setenv("QUALCODE_LANG", "en")
    assert translate_click_message("Missing option '--n'.") == "Missing option '--n'."


# Swedish letters, or a Swedish word that English text does not use.
_SWEDISH = __import__("re").compile(
    r"[åäöÅÄÖ]|\b(och|eller|inte|inga?|inget|för|som|att|är|med|till|finns|saknas|kan|fel|varning|koder|kodningar?|"
    r"filen|rad|raden|okänd|okänt|ogiltig|ogiltigt|har|den|det|ett|på|av|om|bara|alla|ange|välj|obs|tips|skrev|kodade|"
    r"modell|förslag|klart|kvar|träffar|rader|antal|skriv|redan|svar|urval|kodare|kodboken|mappen|projektet|kolumnen|"
    r"sparade|skapade|tog|bort|måste|igen|nu|då|när)\b", __import__("re").I)
# Calls whose string arguments a person reads: messages, errors, hints, warnings, prompts, table titles.
_SHOWN = ("print", "echo", "secho", "confirm", "prompt", "Hint", "QualcodeWarning", "warn", "emit", "Table",
          "add_column", "BadParameter", "fail", "abort", "progress")


def _strings(node):
    """String literals (f-strings too) that `node` evaluates to, through `a if c else b` and `+`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left) + _strings(node.right)
    return []


def untranslated_texts(root: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Swedish literals handed to a message, error, hint or prompt without `_()`, as 'file:line: text'."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(skip):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if not (name in _SHOWN or name.endswith(("Error", "Warning"))):
                continue
            args = list(node.args) + [k.value for k in node.keywords if k.arg in ("text", "message", "title", "prompt")]
            for arg in args:
                for text in _strings(arg):
                    if _SWEDISH.search(text):
                        found.append(f"{rel}:{arg.lineno}: {text!r}")
    return found


def test_the_scan_finds_swedish_literals_outside_the_catalog(tmp_path):
    (tmp_path / "m.py").write_text(
        'raise InputError(f"okänd kod {c}")\n'
        'err_console.print("Skrev filen.")\n'
        'typer.echo("klart" if ok else _("failed"))\n'
        'raise InputError(_("unknown code {c}").format(c=c), hint=Hint("se kodboken"))\n'
        'print("Wrote the file.")\n'
        'raise InputError(_("unknown code {c}").format(c=c), hint=Hint(_("see the codebook")))\n', encoding="utf-8")
    assert untranslated_texts(tmp_path) == [
        "m.py:1: 'okänd kod {}'", "m.py:2: 'Skrev filen.'", "m.py:3: 'klart'", "m.py:4: 'se kodboken'",
    ]


def test_every_shown_text_goes_through_the_catalog():
    """No Swedish literal reaches a person without `_()`."""
    assert untranslated_texts(PACKAGE) == []


def test_a_session_in_english_has_no_swedish_and_the_same_in_swedish_by_default(tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("---\nterm: HT2016\n---\nThe office is cramped.\n\nWe need a quiet room.\n", encoding="utf-8")
    steps = [
        ("init", str(tmp_path / "p")),
        ("-p", str(tmp_path / "p"), "import", "notes", str(notes / "a.md")),
        ("-p", str(tmp_path / "p"), "status"),
        ("-p", str(tmp_path / "p"), "code", "add", "1", "P13"),
        ("-p", str(tmp_path / "p"), "code", "list"),
        ("-p", str(tmp_path / "p"), "code", "add", "1", "P99"),
        ("-p", str(tmp_path / "p"), "corpus", "rename", "nosuch", "b.md"),
        ("-p", str(tmp_path / "p"), "code", "add"),
    ]
    outputs = {}
    for lang in ("en", "sv"):
        if (tmp_path / "p").exists():
            __import__("shutil").rmtree(tmp_path / "p")
        outputs[lang] = [_cli(monkeypatch, lang, *args).output for args in steps]
    for args, out in zip(steps, outputs["en"]):
        assert _SWEDISH.findall(out) == [], (args, out)
    en, sv = outputs["en"], outputs["sv"]
    assert en[0].startswith("Created the project 'p'") and sv[0].startswith("Skapade projektet 'p'")
    assert "Imported 1 document (2 segments, unit paragraph)." in en[1] and "Importerade 1 dokument (2 segment" in sv[1]
    assert "Coded segment 1 with P13." in en[3] and "Kodade segment 1 med P13." in sv[3]
    assert "error: unknown code 'P99' — valid codes:" in en[5] and "fel: okänd kod 'P99' — giltiga koder:" in sv[5]
    assert "Missing argument" in en[7] and "Argument saknas" in sv[7]


# -- the web templates ----------------------------------------------------------------------

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_JINJA_LITERAL = re.compile(r"""(_\(\s*)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_SHOWN_ATTRS = re.compile(r"""\b(aria-label|title|alt)="([^"]*)\"""")
_TEMPLATE_WORD = re.compile(r"[^\s]*[A-Za-zÅÄÖåäö]{2,}[^\s]*")


def untranslated_template_texts(folder: Path) -> list[str]:
    """Words a template shows that do not come through `_()`: text between tags, shown attributes
    (aria-label, title, alt), and literals inside `{{ }}`/`{% %}` that read as words. Placeholders
    (example data), the brand name and command lines (`qualcode …`) are allowed."""
    found = []
    for path in sorted(folder.glob("*.html")):
        src = path.read_text(encoding="utf-8")
        for block in _JINJA.finditer(src):
            for lit in _JINJA_LITERAL.finditer(block.group(0)):
                text = lit.group(2)[1:-1]
                if lit.group(1) or text.startswith("qualcode "):
                    continue
                if _SWEDISH.search(text) or re.search(r"[åäöÅÄÖ]", text) or re.fullmatch(r"[A-Za-z]+( [A-Za-z]+)+", text):
                    found.append(f"{path.name}: {text!r}")
        rest = _JINJA.sub(" ", src)
        for attr in _SHOWN_ATTRS.finditer(rest):
            if re.search(r"[A-Za-zÅÄÖåäö]{2}", attr.group(2)):
                found.append(f"{path.name}: {attr.group(2).strip()!r}")
        text = re.sub(r"<(script|style|code)\b.*?</\1>", " ", rest, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", text)
        found += [f"{path.name}: {w!r}" for w in _TEMPLATE_WORD.findall(text) if w != "qualcode"]
    return found


def test_the_template_scan_finds_texts_outside_the_catalog(tmp_path):
    (tmp_path / "t.html").write_text(
        '<h1>Passager: {{ code }}</h1>\n'
        '<p>{{ _("Passages: {n}").format(n=n) }} <code>qualcode train</code></p>\n'
        '<a aria-label="ändra {{ id }}" title="{{ _("edit") }}">x</a>\n'
        '{% set a = {"add": "kodade", "rm": _("removed")} %}{{ "ingen har kodat än" if x else "/grid" }}\n'
        '<input placeholder="stadsdel=Bromma"><title>{% block t %}qualcode{% endblock %}</title>\n', encoding="utf-8")
    assert untranslated_template_texts(tmp_path) == [
        "t.html: 'kodade'", "t.html: 'ingen har kodat än'", "t.html: 'ändra'", "t.html: 'Passager:'",
    ]


def test_every_template_text_goes_through_the_catalog():
    assert untranslated_template_texts(PACKAGE / "web" / "templates") == []


def test_a_count_takes_the_languages_thousands_separator(monkeypatch):
    import qualcode.core.i18n as i18n

    monkeypatch.setattr(i18n, "language", lambda: "sv")
    assert i18n.format_count(1029.4) == "1\u00a0029"
    monkeypatch.setattr(i18n, "language", lambda: "en")
    assert i18n.format_count(1029.4) == "1,029"
