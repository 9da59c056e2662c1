"""One language for every user-facing text: gettext catalogs, Swedish by default.

The catalogs are `qualcode/locale/{sv,en}/LC_MESSAGES/qualcode.po`, compiled to `.mo` beside
them and shipped as package data (no build step at install); `scripts/i18n.py` extracts,
updates and compiles them with Babel. The language is `QUALCODE_LANG` (`sv` or `en`), else
the locale (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`), else Swedish. Numbers follow it:
a decimal comma in Swedish, a point in English.

    _("Coded segment {segment} with {items}.").format(...)     # one text
    N_("Option")                                                # marked here, translated with _() where shown
    n_("{n} code", "{n} codes", n).format(n=n)                  # singular or plural by the count n

`n_()` takes the English singular and plural msgids and the count that governs the noun; the
catalog's `ngettext` picks the form by its `Plural-Forms` (Swedish and English: one form for 1,
another for everything else, 0 included): "1 kod", "2 koder", "0 koder". The templates call the
same `n_()`. A text with two counts picks its form by the one before the noun that changes.
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


def n_(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` (English msgids) that the count `n` takes, in the interface language
    (`ngettext`); the caller formats it as with `_()`: `n_("{n} code", "{n} codes", n).format(n=n)`."""
    return catalog(language()).ngettext(singular, plural, n)


def decimal_separator() -> str:
    return "," if language() == "sv" else "."


def value_text(value: object) -> str:
    """A stored value as the interface shows it: a decimal with the language's mark (a Swedish
    "3,5" read from a survey is the float 3.5: '3,5' in Swedish, '3.5' in English), the rest as text."""
    if isinstance(value, float):
        return repr(value).replace(".", decimal_separator())
    return str(value)


def format_count(x: float) -> str:
    """A whole number with the language's thousands separator: 1029 -> '1 029' in Swedish (a
    no-break space), '1,029' in English; a Swedish reader takes '1,029' for a decimal."""
    return f"{round(x):,}".replace(",", "\u00a0" if language() == "sv" else ",")


def format_decimal(x: float, decimals: int = 1) -> str:
    """A number with the language's decimal mark: 12.5 -> '12,5' in Swedish, '12.5' in English."""
    return f"{x:.{decimals}f}".replace(".", decimal_separator())
