"""Structured errors: the library says what and why, the CLI adds its own words for the hint."""

import qualcode
from qualcode.cli.common import render_error
from qualcode.core.errors import Hint, InputError, UnknownCodeError


def test_library_message_names_no_flag_and_the_cli_renders_the_hint():
    exc = InputError("kunde inte läsa filen som UTF-8", value="a.csv",
                     hint=Hint("ange teckenkodningen", option="encoding", example="cp1252"))
    assert "--" not in str(exc)
    assert exc.info.value == "a.csv"
    assert render_error(exc) == "kunde inte läsa filen som UTF-8 — ange teckenkodningen: `--encoding cp1252`"


def test_unknown_code_carries_valid_values_and_a_command_hint():
    exc = UnknownCodeError("P14", ["P01", "P02"])
    assert exc.info.valid == ("P01", "P02") and exc.info.value == ["P14"]
    assert "qualcode" not in str(exc)
    assert render_error(exc).endswith("se kodboken: `qualcode codebook list`")


def test_plain_message_without_hint_is_unchanged():
    assert render_error(InputError("tom fil")) == "tom fil"


def _library_strings():
    """Every string literal outside the front ends (cli/, web/) that is not a docstring, with its place."""
    import ast
    from pathlib import Path

    root = Path(qualcode.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if {"cli", "web"} & set(path.relative_to(root).parts):  # the front ends speak their own words
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                yield f"{path.relative_to(root)}:{node.lineno}", node.value


def test_no_library_text_names_a_cli_flag_or_command():
    import re

    flag = re.compile(r"(?<![\w-])--[a-z]")
    offenders = [
        (where, text) for where, text in _library_strings()
        # a bare argument passed to another program (`spacy train … --output DIR`) is not a message
        if (flag.search(text) and not re.fullmatch(r"--[a-z][a-z-]*", text)) or "`qualcode" in text
    ]
    assert offenders == []


def test_hint_with_command_and_options_is_one_line_to_type():
    hint = Hint("importera enkäten", command=("import", "survey", "FIL"), option="text", example="KOLUMN",
                options=(("id", "respondent"),), also=(Hint("se kodboken", command=("codebook", "list")),))
    assert render_error(InputError("inga enkätsvar", hint=hint)) == (
        "inga enkätsvar — importera enkäten: `qualcode import survey FIL --text KOLUMN --id respondent`; "
        "se kodboken: `qualcode codebook list`"
    )
