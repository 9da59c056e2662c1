"""Entry point: `qualcode`. One sub-app per noun; library errors become messages here."""

from __future__ import annotations

from typing import Any

import typer
from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from qualcode.cli import common
from qualcode.cli.common import ProjectOpt, err_console, render_error
from qualcode.cli.typer_words import Context as TyperContext
from qualcode.cli.typer_words import translate_usage_error
from qualcode.core.errors import QualcodeError
from qualcode.core.i18n import _


class QualcodeGroup(TyperGroup):
    """Turns QualcodeError from any command into a one-line message and an exit code."""

    context_class = TyperContext

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from qualcode.cli import typer_words
        from qualcode.cli.language import localise

        localise(self)  # help texts in the interface language (QUALCODE_LANG, else the locale, else Swedish)
        typer_words.install()  # typer's own panels and labels too
        return super().main(*args, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except ClickException as exc:
            raise translate_usage_error(exc)

    def invoke(self, ctx: Any) -> Any:  # typer vendors click; its Context type is private
        import warnings

        from qualcode.core.errors import QualcodeWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", QualcodeWarning)
            try:
                return self._invoke(ctx)
            finally:
                shown: set[str] = set()
                for w in caught:
                    if isinstance(w.message, QualcodeWarning):
                        text = render_error(w.message)
                        if text in shown:  # the same warning again (a file's headings read twice): once is enough
                            continue
                        shown.add(text)
                        err_console.print(_("[bold yellow]warning:[/] "), end="", markup=True, highlight=False)
                        err_console.print(text, markup=False, highlight=False)
                    else:
                        warnings.showwarning(w.message, w.category, w.filename, w.lineno)

    def _invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ClickException as exc:  # a subcommand's usage error: typer prints it, in our language
            raise translate_usage_error(exc)
        except QualcodeError as exc:
            err_console.print(_("[bold red]error:[/] "), end="", markup=True, highlight=False)
            err_console.print(render_error(exc), markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except PermissionError as exc:  # a file in a folder that this user may not read (or write)
            err_console.print(_("[bold red]error:[/] "), end="", markup=True, highlight=False)
            err_console.print(
                _("'{path}': permission denied — give yourself access to it (chmod, or ask its owner) or leave it out; nothing was changed").format(
                    path=exc.filename or exc), markup=False, highlight=False)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=QualcodeGroup,
    name="qualcode",
    help="Qualitative coding of Swedish interview notes and survey comments.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every subcommand
)


@app.callback()
def _root(project: ProjectOpt = None) -> None:
    # `qualcode -p DIR status` as well as `qualcode status -p DIR` (the latter wins)
    common.ROOT_PROJECT = project


# Each noun lives in its own module with a `register(app)` function; the modules
# import heavy libraries (spaCy, scikit-learn, pandas) lazily inside the commands.
_MODULES = (
    "core",
    "codebook",
    "corpus",
    "code",
    "nlp",
    "nlp_train",
    "report",
    "mentions",
    "suggest",
    "tag",
    "agreement",
    "exchange",
    "serve",
    "user",
    "db",
)


def _register() -> None:
    import importlib

    for name in _MODULES:
        importlib.import_module(f"{__package__}.{name}").register(app)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
