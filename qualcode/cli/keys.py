"""Single-keypress input for `qualcode tag`: a key reader per platform and a key→line editor.

The editor turns keys into the same command lines that `tagging.parse_command` reads, so the
session never knows whether a coder typed `k` + Enter or pressed `k`. Keys that are whole
commands act at once; keys that start a command with an argument (`+`, `-`, `m`, and `a`/`r`
when there is a choice) open an edit line with the key pre-typed: Enter runs it, Esc or
Ctrl-C cancels it, Backspace past the key closes it.

    with terminal_keys(sys.stdin.fileno()) as read_key:
        for line in key_lines(read_key, echo, open_suggestions=lambda: 2):
            ...

Standard library only: `termios` on POSIX terminals, `msvcrt` on Windows.
"""

from __future__ import annotations

import codecs
import os
import sys
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from qualcode.core.i18n import N_, _

# Named keys; every other key is the one character it types ("a", "å", "?").
ENTER = "<enter>"
BACKSPACE = "<backspace>"
ESC = "<esc>"
CTRL_C = "<ctrl-c>"
CTRL_D = "<ctrl-d>"
EOF = "<eof>"  # the terminal went away, or a fake key source ran out
OTHER = "<other>"  # arrows, function keys, Tab and other control keys: ignored

KeySource = Callable[[], str]
Echo = Callable[[str], None]

ESC_TIMEOUT = 0.05  # seconds to wait for the rest of an escape sequence after Esc
CANCELLED = N_(" – cancelled\n")  # echoed as _(CANCELLED)


# -- which key does what -----------------------------------------------------------------


@dataclass(frozen=True)
class KeyMap:
    """Keys (lower case) that are whole commands, and keys that open a line with text pre-typed."""

    immediate: frozenset[str]
    prefixed: dict[str, str] = field(default_factory=dict)
    free: str = ":"  # opens an empty line for any command, as in line mode


def tag_keymap(open_suggestions: int) -> KeyMap:
    """The keys of `qualcode tag` for a segment showing `open_suggestions` suggestions.

    `a` alone accepts the only open suggestion and `r` alone rejects the open ones, so with
    at most one shown they act at once; with several they ask which (`a 2`, `a *`, `r 1 3`).
    """
    immediate = {"n", "k", "s", "u", "q", "?", "h"}
    prefixed = {"+": "+ ", "-": "- ", "m": "m "}
    if open_suggestions <= 1:
        immediate |= {"a", "r"}
    else:
        prefixed |= {"a": "a ", "r": "r "}
    return KeyMap(frozenset(immediate), prefixed)


# shown as _(KEY_HELP)
KEY_HELP = N_("""Keys (act at once, without Enter):
  Enter or n      done: the segment is judged, go to the next
  a               accept the suggestion (when at most one suggestion is shown)
  r               reject the suggestion (when at most one suggestion is shown)
  k               mark/unmark as a key quote
  s               skip (the segment comes back last)
  u               undo the last action (even after a restart)
  q               quit (everything is already saved; Ctrl-C also stops cleanly)
  ? or h          this help
Keys that open a line with the key filled in (type the rest, Enter runs it,
Esc or Ctrl-C cancels the line, Backspace past the key closes it):
  a N … / a *     with several suggestions: which to accept, or * for all
  r [N …]         with several suggestions: which to reject (Enter alone: all)
  + CODE / + name add a code by id or approximate name
  - CODE          remove one of your codes
  m [CODE] text   memo on your coding (without CODE: the one you changed last)
  :               type any command, as in line mode
Line mode (type and press Enter for everything): qualcode tag --lines""")


# -- keys to command lines ---------------------------------------------------------------


class _Cancel(Exception):
    def __init__(self, shown: bool):
        self.shown = shown  # the line stays on screen (Esc, Ctrl-C) or was erased (Backspace)


def _width(ch: str) -> int:
    """Terminal columns of one character: 0 for combining marks, 2 for wide CJK."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _erase(text: str) -> str:
    n = sum(_width(ch) for ch in text)
    return "\b" * n + " " * n + "\b" * n


def _edit(read_key: KeySource, echo: Echo, marker: str, text: str) -> str:
    """Edit one line that starts as `text` after `marker`; raises _Cancel or EOFError."""
    buf = list(text)
    echo(marker + text)
    while True:
        key = read_key()
        if key == ENTER:
            echo("\n")
            return "".join(buf)
        if key in (ESC, CTRL_C):
            echo(_(CANCELLED))
            raise _Cancel(shown=True)
        if key == EOF:
            echo("\n")
            raise EOFError
        if key == BACKSPACE:
            if buf:
                echo(_erase(buf.pop()))
            if not buf:
                echo(_erase(marker))
                raise _Cancel(shown=False)
            continue
        if len(key) == 1:  # Ctrl-D and the other named keys do nothing inside a line
            buf.append(key)
            echo(key)


def read_command(read_key: KeySource, keymap: KeyMap, echo: Echo, prompt: str = "> ") -> str | None:
    """Read keys until they make one command line; None at Ctrl-D or the end of input.

    Ctrl-C outside an edit line raises KeyboardInterrupt, as it does in line mode.
    """
    echo(prompt)
    while True:
        key = read_key()
        if key == CTRL_C:
            echo("^C\n")
            raise KeyboardInterrupt
        if key in (CTRL_D, EOF):
            echo("\n")
            return None
        if key == ENTER:
            echo("\n")
            return ""
        if len(key) != 1 or key.isspace():
            continue  # Esc, Backspace, arrows, Space: nothing to do at the prompt
        low = key.lower()
        if low in keymap.immediate:
            echo(key + "\n")
            return low
        if low in keymap.prefixed or key == keymap.free:
            marker = key if key == keymap.free else ""
            try:
                return _edit(read_key, echo, marker, keymap.prefixed.get(low, ""))
            except EOFError:
                return None
            except _Cancel as cancel:
                if cancel.shown:
                    echo(prompt)
                continue
        # any other key is a one-key line: the session says why it is not a command
        echo(key + "\n")
        return key


def key_lines(
    read_key: KeySource, echo: Echo, open_suggestions: Callable[[], int | None], prompt: str = "> "
) -> Iterator[str]:
    """Command lines from single keys until Ctrl-D, the end of input, or no segment left.

    `open_suggestions` tells how many suggestions the segment on screen shows, which decides
    whether `a`/`r` act at once; None when no segment is shown, which ends the lines.
    """
    while (shown := open_suggestions()) is not None:
        line = read_command(read_key, tag_keymap(shown), echo, prompt)
        if line is None:
            return
        yield line


# -- reading keys from a terminal ---------------------------------------------------------


def _control(ch: str) -> str:
    """A named key for a control character, or the character itself."""
    if ch in ("\r", "\n"):
        return ENTER
    if ch in ("\x7f", "\x08"):
        return BACKSPACE
    if ch == "\x03":
        return CTRL_C
    if ch == "\x04":
        return CTRL_D
    if ch == "\x1b":
        return ESC
    if ch < " " or unicodedata.category(ch) == "Cc":
        return OTHER
    return ch


class PosixKeys:
    """Keys from a file descriptor in non-canonical mode: UTF-8 decoded, escape sequences folded.

    Reads whatever is available at once (a paste arrives as many keys), keeps the undecoded
    tail of a multi-byte character for the next read, and tells a lone Esc from an escape
    sequence (arrow keys send `Esc [ A`) by waiting `esc_timeout` seconds for more bytes.
    """

    def __init__(self, fd: int, esc_timeout: float = ESC_TIMEOUT):
        self.fd = fd
        self.esc_timeout = esc_timeout
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._chars: deque[str] = deque()
        self._eof = False

    def _fill(self, timeout: float | None) -> bool:
        """Read what the terminal has, waiting at most `timeout` seconds (None: until a byte comes)."""
        import select

        if self._eof:
            return False
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1024)
        except OSError:  # EIO: the terminal was closed
            data = b""
        if not data:
            self._eof = True
            self._chars.extend(self._decoder.decode(b"", final=True))
            return bool(self._chars)
        self._chars.extend(self._decoder.decode(data))
        return True

    def _next(self, timeout: float | None) -> str | None:
        while not self._chars:
            if not self._fill(timeout) and not self._chars:
                return None  # timed out, or the end of input
        return self._chars.popleft()

    def __call__(self) -> str:
        ch = self._next(None)
        if ch is None:
            return EOF
        key = _control(ch)
        if key != ESC:
            return key
        nxt = self._next(self.esc_timeout)
        if nxt is None:
            return ESC
        if nxt == "O":  # SS3: F1-F4, arrows in application mode
            self._next(self.esc_timeout)
            return OTHER
        if nxt == "[":  # CSI: parameters, then one final byte in @..~
            while (c := self._next(self.esc_timeout)) is not None and not "@" <= c <= "~":
                pass
            return OTHER
        self._chars.appendleft(nxt)  # Esc, then a key of its own
        return ESC


def keys_available(stream: TextIO) -> bool:
    """True when `stream` is a terminal this module can read single keys from."""
    try:
        if not stream.isatty():
            return False
        stream.fileno()
    except (AttributeError, ValueError, OSError):
        return False
    if sys.platform == "win32":
        return True
    try:
        import termios  # noqa: F401
    except ImportError:
        return False
    return True


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only

    def _windows_key() -> str:
        import msvcrt

        ch = msvcrt.getwch()
        if ch in ("\x00", "\xe0"):  # arrows and function keys come as two characters
            msvcrt.getwch()
            return OTHER
        if ch == "\x1a":  # Ctrl-Z is the end of input on Windows
            return CTRL_D
        return _control(ch)

    @contextmanager
    def terminal_keys(fd: int) -> Iterator[KeySource]:
        """The Windows console already delivers single keys: nothing to set or restore."""
        yield _windows_key

else:

    @contextmanager
    def terminal_keys(fd: int) -> Iterator[KeySource]:
        """Single-key mode on the terminal `fd` while the block runs; the old settings come back
        in every case (end, exception, Ctrl-C).

        No echo, no line buffering, and no signals from Ctrl-C: it arrives as a key, so it can
        never cut a save in half. Output processing stays on, so printed text looks as usual.
        """
        import termios

        saved = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
        mode[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
        mode[6][termios.VMIN] = 1
        mode[6][termios.VTIME] = 0
        try:
            termios.tcsetattr(fd, termios.TCSADRAIN, mode)
            yield PosixKeys(fd)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
