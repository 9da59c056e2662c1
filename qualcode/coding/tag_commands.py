"""The tagging command language: short typed lines (`a 1`, `+ P13`, `m text`, `u`) as Commands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualcode.core.errors import QualcodeError
from qualcode.core.i18n import _

HELP = """Kommandon (skriv och tryck Enter):
  Enter eller n     klar: segmentet är bedömt, gå till nästa
  a N … / a *       acceptera förslag N (a ensamt: det enda öppna), eller alla
  r [N …]           avvisa förslag N (r ensamt: alla öppna)
  + KOD / + namn    lägg till en kod med id eller ungefärligt namn
  - KOD             ta bort en av dina koder
  m [KOD] text      memo på din kodning (utan KOD: den du senast ändrade)
  k                 markera/avmarkera som nyckelcitat
  s                 hoppa över (segmentet kommer tillbaka sist)
  u                 ångra senaste åtgärden (även efter omstart)
  q                 sluta (allt är redan sparat)"""



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


