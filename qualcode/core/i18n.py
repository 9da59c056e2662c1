"""One language for every user-facing text: gettext catalogs, Swedish by default.

The catalogs are `qualcode/locale/{sv,en}/LC_MESSAGES/qualcode.po`, compiled to `.mo` beside
them and shipped as package data (no build step at install); `scripts/i18n.py` extracts,
updates and compiles them with Babel. The language is `QUALCODE_LANG` (`sv` or `en`), else
the locale (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`), else Swedish. Numbers follow it:
a decimal comma in Swedish, a point in English.
"""

from __future__ import annotations

import functools
import gettext
import os
from pathlib import Path

DOMAIN = "qualcode"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
_LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language() -> str:
    """The language of the interface: `QUALCODE_LANG`, else the locale, else Swedish."""
    explicit = os.environ.get("QUALCODE_LANG")
    values = [explicit] if explicit else [os.environ.get(v) for v in _LOCALE_VARS]
    for value in values:
        for part in (value or "").split(":"):
            code = part.split(".")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


@functools.lru_cache(maxsize=None)
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of one language (an empty one when it is missing)."""
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def _(message: str) -> str:
    """`message` (an English msgid) in the interface language."""
    return catalog(language()).gettext(message) if message else message


def N_(message: str) -> str:
    """Marks a msgid for the catalog without translating it here (translate it with `_()` when shown)."""
    return message


def decimal_separator() -> str:
    return "," if language() == "sv" else "."


def format_decimal(x: float, decimals: int = 1) -> str:
    """A number with the language's decimal mark: 12.5 -> '12,5' in Swedish, '12.5' in English."""
    return f"{x:.{decimals}f}".replace(".", decimal_separator())
