"""`qualcode tag` on a real pseudo-terminal: single keys, the store afterwards, the terminal restored."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time

import pytest

from qualcode.project import find_project
from test_tagging import make_project

pytestmark = pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "openpty"), reason="POSIX pseudo-terminal")

TIMEOUT = 15.0  # seconds for any one expected output; only reached when something is wrong
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\r")


class Terminal:
    """A child process on a pseudo-terminal; the test holds both ends."""

    def __init__(self, *args: str):
        import fcntl
        import struct
        import termios

        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
        self.initial = termios.tcgetattr(self.slave)
        env = dict(os.environ, NO_COLOR="1", TERM="xterm", PYTHONUTF8="1", COLUMNS="120", LINES="50")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qualcode.cli.main", *args],
            stdin=self.slave, stdout=self.slave, stderr=self.slave, env=env, start_new_session=True,
        )
        self.raw = b""
        self.pos = 0

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", errors="replace"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        self.raw += os.read(self.master, 65536)
        return True

    def expect(self, wanted: str) -> None:
        """Wait until `wanted` appears after what the previous expect matched."""
        deadline = time.monotonic() + TIMEOUT
        while wanted not in self.text[self.pos:]:
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.5)) and self.proc.poll() is not None):
                while self._read(0.05):
                    pass
                if wanted in self.text[self.pos:]:
                    break
                pytest.fail(f"no {wanted!r} on the terminal; it shows:\n{self.text[self.pos:]}")
        self.pos = self.text.index(wanted, self.pos) + len(wanted)

    def send(self, data: str | bytes) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def attrs(self) -> list:
        import termios

        return termios.tcgetattr(self.slave)

    def wait(self) -> int:
        try:
            code = self.proc.wait(timeout=TIMEOUT)
        finally:
            while self._read(0.05):
                pass
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def project_root(tmp_path):
    proj, ids = make_project(tmp_path / "p")
    proj.close()
    return tmp_path / "p", ids


def tag(root) -> Terminal:
    return Terminal("tag", "-p", str(root), "--order", "document", "--retrain-every", "0")


def test_tag_with_single_keys_on_a_terminal(project_root):
    import termios

    root, ids = project_root
    term = tag(root)
    try:
        term.expect("Vi har fått nya lokaler.")
        term.expect("tangenter: Enter/n klar · a acceptera")
        term.expect("> ")
        assert not term.attrs()[3] & (termios.ICANON | termios.ECHO | termios.ISIG)  # key mode is on
        term.send("a")
        term.expect("accepterade P13")
        term.expect("> ")
        term.send("k")
        term.expect("markerat som nyckelcitat")
        term.expect("> ")
        term.send("m")
        term.send("trångt ".encode() + "å".encode()[:1])  # a letter split between two writes
        time.sleep(0.05)
        term.send("å".encode()[1:] + " kontoret\x7ft\r".encode())
        term.expect("memo på P13 sparat")
        term.expect("> ")
        term.send("\r")
        term.expect("Lönen har inte följt med.")
        term.expect("a N / a * acceptera")  # two suggestions: `a` asks which
        term.expect("> ")
        term.send("+lön")
        term.expect("+ lön")
        term.send("\x1b")
        term.expect("avbrutet")
        term.expect("> ")
        term.send("q")
        assert term.wait() == 0
        assert "1 segment klart, 4 kvar." in term.text
        assert term.attrs() == term.initial
    finally:
        term.close()
    with find_project(root) as p:
        st = p.store
        seg0 = st.find_coding(ids[0], "P13", "anna")
        assert (seg0.source, seg0.memo) == ("accepted", "trångt å kontoret")
        assert ids[0] in st.flagged_quotes() and ids[0] in st.reviewed("anna")
        assert st.find_coding(ids[1], "T-LON", "anna") is None
        assert st.load_tag_state("anna", "default").data["current"] == ids[1]


def test_ctrl_c_cancels_the_line_then_exits_cleanly(project_root):
    root, ids = project_root
    term = tag(root)
    try:
        term.expect("> ")
        term.send("s")
        term.expect("hoppade över")
        term.expect("> ")
        term.send("mtext")
        term.expect("m text")
        term.send("\x03")
        term.expect("avbrutet")
        term.expect("> ")
        term.send("\x03")
        assert term.wait() == 130
        assert "avbrutet — 0 segment klara, 5 kvar. Allt är sparat" in term.text
        assert term.attrs() == term.initial
    finally:
        term.close()
    with find_project(root) as p:
        state = p.store.load_tag_state("anna", "default").data
        assert state["current"] == ids[1] and state["skipped"] == [ids[0]]
