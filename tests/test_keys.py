"""Single-key input: the key→line editor with a fake key source, the byte decoder on a pipe."""

from __future__ import annotations

import os
import sys

import pytest
from typer.testing import CliRunner

from qualcode.cli.main import app
from qualcode.cli.keys import (
    BACKSPACE,
    CTRL_C,
    CTRL_D,
    ENTER,
    EOF,
    ESC,
    KEY_HELP,
    OTHER,
    PosixKeys,
    key_lines,
    read_command,
    tag_keymap,
)
from qualcode.core.records import MODEL_CODER
from qualcode.project import find_project
from qualcode.coding.tag_commands import Command, TagError, parse_command
from qualcode.coding.tagging import QueueSpec, TagSession, run
from test_tagging import make_project


def fake(*keys: str):
    """A key source that hands out `keys`, then the end of input."""
    it = iter(keys)
    return lambda: next(it, EOF)


def read(*keys: str, open_suggestions: int = 1) -> tuple[str | None, str]:
    """The command line the keys make, and what was echoed."""
    shown: list[str] = []
    line = read_command(fake(*keys), tag_keymap(open_suggestions), shown.append)
    return line, "".join(shown)


@pytest.mark.parametrize(
    ("key", "typed"),
    [(ENTER, ""), ("n", "n"), ("k", "k"), ("s", "s"), ("u", "u"), ("q", "q"), ("?", "?"), ("h", "h"),
     ("a", "a"), ("r", "r"), ("K", "k"), ("A", "a")],
)
def test_single_keys_make_the_typed_commands(key, typed):
    line, shown = read(key)
    assert parse_command(line) == parse_command(typed)
    assert shown == "> " + ("" if key == ENTER else key) + "\n"


def test_a_and_r_ask_which_when_several_suggestions_are_shown():
    assert read("a", "2", ENTER, open_suggestions=3) == ("a 2", "> a 2\n")
    assert parse_command(read("a", "*", ENTER, open_suggestions=2)[0]) == Command("accept", ("*",))
    assert parse_command(read("a", "1", " ", "3", ENTER, open_suggestions=3)[0]) == Command("accept", ("1", "3"))
    assert parse_command(read("r", ENTER, open_suggestions=2)[0]) == Command("reject")
    assert parse_command(read("R", "2", ENTER, open_suggestions=2)[0]) == Command("reject", ("2",))


def test_memo_with_swedish_letters():
    memo = "P13 trångt på kontoret – så är det, säger Åsa"
    line, shown = read("m", *memo, ENTER)
    assert line == "m " + memo
    assert parse_command(line) == Command("memo", text=memo)
    assert shown == "> m " + memo + "\n"


def test_add_and_remove_open_a_line():
    assert parse_command(read("+", *"lön", ENTER)[0]) == Command("add", text="lön")
    assert parse_command(read("-", *"P13", ENTER)[0]) == Command("remove", text="P13")


def test_backspace_erases_one_character():
    line, shown = read("+", *"lönn", BACKSPACE, ENTER)
    assert line == "+ lön"
    assert shown == "> + lönn\b \b\n"
    wide, shown = read("m", "界", BACKSPACE, "x", ENTER)
    assert wide == "m x" and "\b\b  \b\b" in shown


def test_backspace_past_the_key_closes_the_line():
    line, shown = read("m", BACKSPACE, BACKSPACE, "s")
    assert line == "s"
    assert shown == "> m \b \b\b \b" + "s\n"  # the space, then the key, are erased; no new prompt
    assert read(":", BACKSPACE, "k") == ("k", "> :\b \bk\n")


def test_esc_and_ctrl_c_cancel_the_line():
    line, shown = read("+", *"lö", ESC, "k")
    assert line == "k"
    assert shown == "> + lö – avbrutet\n> k\n"
    assert read("m", *"å", CTRL_C, "q")[0] == "q"


def test_ctrl_c_at_the_prompt_interrupts():
    with pytest.raises(KeyboardInterrupt):
        read(CTRL_C)


def test_end_of_input():
    assert read(CTRL_D) == (None, "> \n")
    assert read() == (None, "> \n")
    assert read("m", *"text")[0] is None  # the terminal went away in the middle of a line
    assert read("m", "x", CTRL_D, ENTER)[0] == "m x"  # Ctrl-D inside a line does nothing
    assert list(key_lines(fake("k"), print, lambda: None)) == []  # no segment left: no key is read


def test_ignored_and_unknown_keys():
    assert read(ESC, OTHER, BACKSPACE, " ", "k") == ("k", "> k\n")
    assert read("+", OTHER, "x", ENTER)[0] == "+ x"
    assert read("x")[0] == "x"  # the session answers "okänt kommando"
    with pytest.raises(TagError, match=r"välj förslag med `a 2` \(acceptera\) eller `r 2`"):
        parse_command(read("2")[0])


def test_free_line_takes_any_command():
    assert read(":", *"a 1 2", ENTER) == ("a 1 2", "> :a 1 2\n")


def test_help_names_every_key():
    for open_suggestions in (1, 2):
        keymap = tag_keymap(open_suggestions)
        for key in (*keymap.immediate, *keymap.prefixed, keymap.free):
            assert any(row.startswith("  ") and key in row.split()[:3] for row in KEY_HELP.splitlines()), key
    assert "qualcode tag --lines" in KEY_HELP


def test_a_session_driven_by_keys(tmp_path):
    proj, ids = make_project(tmp_path / "p")
    try:
        s = TagSession(proj, coder="anna", spec=QueueSpec(order="document"))
        keys = [
            "a", "k", "m", *"trångt på kontoret", ENTER, ENTER,  # seg0: one suggestion → `a` acts at once
            "a", "2", ENTER, "r", ENTER,  # seg1: two suggestions → `a` asks; then one left → `r` at once
            "+", *"lön", ESC, "s",  # seg2: the line is cancelled, the segment skipped
            "q",
        ]
        views = []
        lines = key_lines(fake(*keys), lambda text: None, lambda: len(views[-1].suggestions) if views[-1] else None)
        summary = run(s, lines, render=views.append)
        assert summary.quit and summary.decisions == 2
        st = proj.store
        seg0 = st.find_coding(ids[0], "P13", "anna")
        assert (seg0.source, seg0.memo) == ("accepted", "trångt på kontoret")
        assert ids[0] in st.flagged_quotes()
        assert st.find_coding(ids[1], "T-PERS", "anna").source == "accepted"
        assert st.find_coding(ids[1], "T-LON", MODEL_CODER).source == "rejected"
        assert st.find_coding(ids[2], "T-LON", "anna") is None
        assert s.current_id == ids[3]
    finally:
        proj.close()


def test_keys_option_without_a_terminal_reads_lines(tmp_path):
    proj, ids = make_project(tmp_path / "p")
    proj.close()
    r = CliRunner().invoke(app, ["tag", "-p", str(tmp_path / "p"), "--order", "document", "--retrain-every", "0",
                                 "--keys"], input="a\n\nq\n", catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "tangentläge kräver en terminal" in r.stderr
    assert "accepterade P13" in r.stderr
    with find_project(tmp_path / "p") as p:
        assert p.store.find_coding(ids[0], "P13", "anna").source == "accepted"


# -- the byte decoder, on a pipe (no terminal needed) -------------------------------------

posix = pytest.mark.skipif(sys.platform == "win32", reason="select() on pipes is POSIX only")


@posix
def test_decoder_reads_utf8_control_keys_and_escape_sequences():
    r, w = os.pipe()
    try:
        read_key = PosixKeys(r, esc_timeout=0.02)
        os.write(w, "aå".encode() + b"\xc3")  # a multi-byte letter split over two reads
        assert read_key() == "a"
        assert read_key() == "å"
        os.write(w, b"\xb6\r\n\x7f\x08\x03\x04\t")
        assert [read_key() for _ in range(8)] == ["ö", ENTER, ENTER, BACKSPACE, BACKSPACE, CTRL_C, CTRL_D, OTHER]
        os.write(w, b"\x1b[A\x1b[1;5C\x1bOPx\x1b")  # up, Ctrl-right, F1, x, then a lone Esc
        assert [read_key() for _ in range(5)] == [OTHER, OTHER, OTHER, "x", ESC]
        os.write(w, b"\x1bk")  # Esc followed by a key: both count
        assert [read_key(), read_key()] == [ESC, "k"]
        os.write(w, b"\xff")
        assert read_key() == "\ufffd"
    finally:
        os.close(w)
    try:
        assert read_key() == EOF
        assert read_key() == EOF
    finally:
        os.close(r)


def test_ctrl_c_exits_cleanly_in_line_mode_too(tmp_path, monkeypatch):
    proj, ids = make_project(tmp_path / "p")
    proj.close()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("qualcode.coding.tagging.run", interrupted)
    r = CliRunner().invoke(app, ["tag", "-p", str(tmp_path / "p"), "--retrain-every", "0"], input="", catch_exceptions=False)
    assert r.exit_code == 130
    assert r.stderr.endswith("avbrutet — 0 segment klara, 5 kvar. Allt är sparat — fortsätt med `qualcode tag`.\n")
