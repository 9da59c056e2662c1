"""Structured errors: the library says what and why, the CLI adds its own words for the hint."""

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
