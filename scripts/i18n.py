#!/usr/bin/env python3
"""Message catalogs: extract the msgids, update the sv/en catalogs, compile them (Babel).

    python scripts/i18n.py            # extract + update + compile (what to run after changing texts)
    python scripts/i18n.py check      # fail when a msgid is missing or untranslated, or a .mo is stale

Msgids are the English texts: every help text of the command line (read from the typer app)
and every `_("…")` in the package and its web templates (Jinja2's i18n extension). English entries translate to themselves; a new Swedish
entry stays empty (and `check` fails) until someone translates it in `sv/…/qualcode.po`.
A text with a count, `n_("{n} code", "{n} codes", n)`, is a plural entry (msgid, msgid_plural, and one
msgstr[i] per plural form of the language); it counts as translated only when every form is. A new
Swedish plural entry starts from the catalog's translations of its singular and plural msgids where
it had them as texts of their own, and is empty otherwise.
"""

from __future__ import annotations

import gettext
import io
import sys
from pathlib import Path
from typing import Tuple, Union

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qualcode"
sys.path.insert(0, str(ROOT))

from qualcode.core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402


# Swedish and English alike: one form for 1, the other for every other count (0 included).
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


Msgid = Union[str, Tuple[str, str]]  # a text, or (singular, plural) of a text with a count


def msgids() -> list[Msgid]:
    """Every user-facing msgid: the CLI's help texts, then the `_()` and `n_()` calls in the package
    (an `n_()` call gives the pair (singular, plural))."""
    import typer.main

    from qualcode.cli.language import help_texts
    from qualcode.cli.main import app

    found: list[Msgid] = list(help_texts(typer.main.get_command(app)))
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        keywords={"_": None, "N_": None, "gettext": None, "n_": (1, 2)},
    ):
        if isinstance(message, str) and message:
            found.append(message)
        elif isinstance(message, tuple) and len(message) == 2 and all(isinstance(m, str) and m for m in message):
            found.append((message[0], message[1]))
    return list(dict.fromkeys(found))


def translated(entry: Message | None, mid: object) -> bool:
    """Whether `entry` translates `mid`: a text's msgstr, or every plural form of a text with a count."""
    if entry is None:
        return False
    if isinstance(mid, (tuple, list)):
        return entry.pluralizable and isinstance(entry.string, (tuple, list)) and all(entry.string)
    return not entry.pluralizable and isinstance(entry.string, str) and bool(entry.string)


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="qualcode")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def _plural_strings(old: Catalog, new: Catalog, mid: tuple[str, str], lang: str) -> tuple[str, ...]:
    """The msgstr[i] of a text with a count: the catalog's own, else the msgids (English), else what the
    catalog had for the singular and the plural msgid as texts of their own (empty where it had none)."""
    prev = old.get(mid)
    if prev is not None and prev.pluralizable and isinstance(prev.string, (tuple, list)) and any(prev.string):
        strings = list(prev.string)[:new.num_plurals]
        return tuple(strings + [""] * (new.num_plurals - len(strings)))
    if lang == "en":
        return (mid[0],) + (mid[1],) * (new.num_plurals - 1)

    def plain(msgid: str) -> str:
        entry = old.get(msgid)
        return entry.string if entry is not None and not entry.pluralizable and isinstance(entry.string, str) else ""

    return (plain(mid[0]),) + (plain(mid[1]),) * (new.num_plurals - 1)


def update() -> None:
    ids = msgids()
    for lang in LANGUAGES:
        old = read(lang)
        new = Catalog(locale=lang, domain=DOMAIN, project="qualcode", fuzzy=False)
        for mid in ids:
            if isinstance(mid, tuple):
                new.add(mid, _plural_strings(old, new, mid, lang))
                continue
            prev = old.get(mid)
            text = prev.string if prev is not None and translated(prev, mid) else (mid if lang == "en" else "")
            new.add(mid, text)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, new, width=0, omit_header=False, sort_output=False)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, new)
        missing = [m.id for m in new if m.id and not translated(m, m.id)]
        print(f"{lang}: {len(ids)} msgids, {len(missing)} untranslated -> {path.relative_to(ROOT)}")


def problems() -> list[str]:
    """What is wrong with the catalogs (empty when they are complete and compiled)."""
    out = []
    ids = msgids()
    for lang in LANGUAGES:
        catalog = read(lang)
        for mid in ids:
            if not translated(catalog.get(mid), mid):
                out.append(f"{lang}: not translated: {mid!r}")
        if catalog.plural_forms != PLURAL_FORMS:
            out.append(f"{lang}: Plural-Forms is {catalog.plural_forms!r}, not {PLURAL_FORMS!r}")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.exists():
            out.append(f"{lang}: {mo.name} missing")
            continue
        compiled = gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
        for entry in catalog:
            if entry.id and translated(entry, entry.id) and _compiled(compiled, entry) != _strings(entry):
                out.append(f"{lang}: {mo.name} is stale (run scripts/i18n.py): {entry.id!r}")
                break
    return out


def _strings(entry: Message) -> str | tuple[str, ...]:
    """The msgstr of `entry`, or its msgstr[i] in order."""
    return tuple(entry.string or ()) if entry.pluralizable else str(entry.string)


def _compiled(compiled: gettext.GNUTranslations, entry: Message) -> str | tuple[str, ...]:
    """What the .mo gives for `entry`: its text, or each plural form (form i for the first n that takes it)."""
    if not entry.pluralizable:
        return compiled.gettext(str(entry.id))
    singular, plural = entry.id[0], entry.id[1]
    counts = [next((n for n in range(1000) if compiled.plural(n) == i), -1)  # type: ignore[attr-defined]
              for i in range(len(_strings(entry)))]
    return tuple(compiled.ngettext(singular, plural, n) if n >= 0 else "" for n in counts)


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        found = problems()
        print("\n".join(found) or "catalogs complete")
        return 1 if found else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
