"""The tagging command language: short typed lines (`a 1`, `+ P13`, `m text`, `u`) as Commands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualcode.core.errors import QualcodeError
from qualcode.core.i18n import N_, _

# shown as _(HELP)
HELP = N_("""Commands (type and press Enter):
  Enter or n        done: the segment is judged, go to the next
  a N … / a *       accept suggestion N (a alone: the only open one), or all
  r [N …]           reject suggestion N (r alone: all open ones)
  + CODE / + name   add a code by id or approximate name
  - CODE            remove one of your codes
  m [CODE] text     memo on your coding (without CODE: the one you changed last)
  k                 mark/unmark as a key quote
  s                 skip (the segment comes back last)
  u                 undo the last action (even after a restart)
  q                 quit (everything is already saved)""")



class TagError(QualcodeError):
    """A command that cannot be applied (unknown code, nothing to undo, …)."""




@dataclass(frozen=True)
class Command:
    kind: str  # done, accept, reject, add, remove, memo, quote, skip, undo, quit, help
    args: tuple[str, ...] = ()
    text: str = ""


_SIMPLE = {"": "done", "n": "done", "k": "quote", "s": "skip", "u": "undo", "q": "quit", "?": "help", "h": "help"}


def parse_command(line: str) -> Command:
    """Parse one input line into a Command; raises TagError with the valid forms."""
    raw = line.strip()
    low = raw.lower()
    if low in _SIMPLE:
        return Command(_SIMPLE[low])
    head, rest = raw[0], raw[1:].strip()
    if head in "aArR" and (not rest or rest == "*" or re.fullmatch(r"[\d ,]+", rest)):
        nums = tuple(n for n in re.split(r"[ ,]+", rest) if n)
        return Command("accept" if head in "aA" else "reject", nums)
    if head == "+" and rest:
        return Command("add", text=rest)
    if head == "-" and rest:
        return Command("remove", text=rest)
    if head in "mM" and (len(raw) == 1 or raw[1] == " "):
        if not rest:
            raise TagError(_("memo without text — write e.g. `m P13 A clear example of crowding`"))
        return Command("memo", text=rest)
    if re.fullmatch(r"[\d ,*]+", raw):
        raise TagError(_("choose suggestions with `a {raw}` (accept) or `r {raw}` (reject)").format(raw=raw))
    raise TagError(_("unknown command {raw!r} — type ? for help").format(raw=raw))


