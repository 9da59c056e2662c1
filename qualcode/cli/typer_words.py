"""typer's own words in the interface language: help panels, usage line, error panel.

typer marks a few of its texts with the stdlib gettext (module constants of `typer.rich_utils`,
evaluated once at import, so a catalog bound later never reaches them) and hard-codes the rest
as English f-strings in the click it vendors. Rather than patch typer's functions, the CLI:

- sets the `rich_utils` panel constants from our catalog before it prints help (`install`);
- gives every command a context whose help formatter writes a translated "Usage:" and whose
  help option says "Show this message and exit." in the interface language (`Context`);
- translates a usage error's message by matching it against click's English templates
  (`CLICK_MESSAGES`, our msgids) just before typer prints it (`translate_usage_error`).

Every msgid is here as a literal, so `scripts/i18n.py` extracts it with the rest.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from typer import rich_utils
from typer._click import Context as _ClickContext
from typer._click import HelpFormatter as _ClickHelpFormatter

from qualcode.core.i18n import N_, _

# typer.rich_utils constant -> its English text (typer's own msgid)
RICH_CONSTANTS = {
    "DEPRECATED_STRING": N_("(deprecated) "),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "ERRORS_PANEL_TITLE": N_("Error"),
    "ABORTED_TEXT": N_("Aborted."),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
USAGE = N_("Usage: ")
OPTIONS_METAVAR = N_("[OPTIONS]")
SUBCOMMAND_METAVAR = N_("COMMAND [ARGS]...")
HELP_OPTION = N_("Show this message and exit.")

# click's and typer's usage errors as they print them in English. The first that matches a
# message whole wins (longer forms first); a `message` or `reason` placeholder is translated
# in turn (an invalid value's reason inside "Invalid value for …").
CLICK_MESSAGES = (
    N_("Missing argument {name}. {message}"),
    N_("Missing argument {name}."),
    N_("Missing option {name}. {message}"),
    N_("Missing option {name}."),
    N_("Missing parameter {name}."),
    N_("Missing parameter: {name}"),
    N_("No such option: {name} (Possible options: {options})"),
    N_("No such option: {name}"),
    N_("No such command {name}. Did you mean {suggestions}?"),
    N_("No such command {name}."),
    N_("Missing command."),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Option {name} does not take a value."),
    N_("Option {name} requires an argument."),
    N_("Option {name} requires {n} arguments."),
    N_("Argument {name} takes {n} values."),
    N_("Invalid value for {name}: {message}"),
    N_("Invalid value: {message}"),
    N_("Value error, {message}"),
    N_("{value} is not one of {choices}."),
    N_("Value {value} is not a valid {kind}."),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a valid boolean, unable to interpret input"),
    N_("file {path} does not exist."),
    N_("dir {path} does not exist."),
    N_("path {path} does not exist."),
    N_("file {path} is a directory."),
    N_("dir {path} is a file."),
    N_("{kind} {path} is not readable."),
    N_("{kind} {path} is not writable."),
)
_NESTED = ("message",)


@lru_cache(maxsize=None)
def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.S)


def translate_click_message(text: str) -> str:
    """A message of click/typer in the interface language (unchanged when no template matches)."""
    for msgid in CLICK_MESSAGES:
        found = _pattern(msgid).match(text)
        if found:
            values = {k: translate_click_message(v) if k in _NESTED else v for k, v in found.groupdict().items()}
            return _(msgid).format(**values)
    return text


def translate_usage_error(exc: Any) -> Any:
    """Make a click exception format its message in the interface language; returns it."""
    original = exc.format_message

    def format_message() -> str:
        return translate_click_message(original())

    exc.format_message = format_message
    return exc


class HelpFormatter(_ClickHelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _(USAGE) if prefix is None else prefix)


class Context(_ClickContext):
    """A command's context: translated usage line, translated help option."""

    formatter_class = HelpFormatter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        option = self.command.get_help_option(self)
        if option is not None and option.help in (HELP_OPTION, _(HELP_OPTION)):
            option.help = _(HELP_OPTION)


def localise_command(command: Any) -> None:
    """One command's usage words (the context and the metavars click puts in its usage line)."""
    command.context_class = Context
    if getattr(command, "options_metavar", None) == OPTIONS_METAVAR:
        command.options_metavar = _(OPTIONS_METAVAR)
    if getattr(command, "subcommand_metavar", None) == SUBCOMMAND_METAVAR:
        command.subcommand_metavar = _(SUBCOMMAND_METAVAR)


def install() -> None:
    """typer's rich panels in the interface language (call before any help or error is printed)."""
    for name, msgid in RICH_CONSTANTS.items():
        setattr(rich_utils, name, _(msgid))
    rich_utils.OptionHighlighter.highlights = [
        *(h for h in rich_utils.OptionHighlighter.highlights if "?P<usage>" not in h),
        f"(?P<usage>{re.escape(_(USAGE))})",
    ]
