"""The CLI in the interface language: every help text goes through the message catalog.

Help texts are written in English in the code (they are the catalog's msgids). Typer builds
the click command tree anew for every run, so `localise` translates that tree (the root
group calls it before parsing); `help_texts` lists its texts, for `scripts/i18n.py`
(extraction) and for the test that every one is translated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qualcode.core.i18n import _


def _walk(command: Any) -> Iterator[Any]:
    """The command, its parameters and every subcommand, depth first."""
    yield command
    yield from getattr(command, "params", ())
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


def help_texts(command: Any) -> list[str]:
    """Every help text of a click command tree (English msgids), in order, once each."""
    texts = []
    for node in _walk(command):
        for attr in ("help", "short_help"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value.strip():
                texts.append(value)
    return list(dict.fromkeys(texts))


def localise(command: Any) -> None:
    """Translate every help text of a click command tree into the interface language.

    Every command also gets the context that translates typer's usage line and help option.
    """
    from qualcode.cli.typer_words import localise_command

    for node in _walk(command):
        if hasattr(node, "context_class"):
            localise_command(node)
        for attr in ("help", "short_help"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value.strip():
                setattr(node, attr, _(value))
