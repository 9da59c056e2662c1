#!/usr/bin/env python3
"""Message catalogs: extract the msgids, update the sv/en catalogs, compile them (Babel).

    python scripts/i18n.py            # extract + update + compile (what to run after changing texts)
    python scripts/i18n.py check      # fail when a msgid is missing or untranslated, or a .mo is stale

Msgids are the English texts: every help text of the command line (read from the typer app)
and every `_("…")` in the package and its web templates (Jinja2's i18n extension). English entries translate to themselves; a new Swedish
entry stays empty (and `check` fails) until someone translates it in `sv/…/qualcode.po`.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qualcode"
sys.path.insert(0, str(ROOT))

from qualcode.core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def msgids() -> list[str]:
    """Every user-facing msgid: the CLI's help texts, then the `_()` calls in the package."""
    import typer.main

    from qualcode.cli.language import help_texts
    from qualcode.cli.main import app

    found = help_texts(typer.main.get_command(app))
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        keywords={"_": None, "N_": None, "gettext": None},
    ):
        if isinstance(message, str) and message:
            found.append(message)
    return list(dict.fromkeys(found))


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="qualcode")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def update() -> None:
    ids = msgids()
    for lang in LANGUAGES:
        old = read(lang)
        new = Catalog(locale=lang, domain=DOMAIN, project="qualcode", fuzzy=False)
        for mid in ids:
            prev = old.get(mid)
            text = prev.string if prev is not None and prev.string else (mid if lang == "en" else "")
            new.add(mid, text)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, new, width=0, omit_header=False, sort_output=False)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, new)
        missing = [m.id for m in new if m.id and not m.string]
        print(f"{lang}: {len(ids)} msgids, {len(missing)} untranslated -> {path.relative_to(ROOT)}")


def problems() -> list[str]:
    """What is wrong with the catalogs (empty when they are complete and compiled)."""
    import gettext

    out = []
    ids = msgids()
    for lang in LANGUAGES:
        catalog = read(lang)
        for mid in ids:
            entry = catalog.get(mid)
            if entry is None or not entry.string:
                out.append(f"{lang}: not translated: {mid!r}")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.exists():
            out.append(f"{lang}: {mo.name} missing")
            continue
        compiled = gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
        for entry in catalog:
            if entry.id and entry.string and compiled.gettext(str(entry.id)) != entry.string:
                out.append(f"{lang}: {mo.name} is stale (run scripts/i18n.py): {entry.id!r}")
                break
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        found = problems()
        print("\n".join(found) or "catalogs complete")
        return 1 if found else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
