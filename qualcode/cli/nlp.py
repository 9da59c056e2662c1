"""`qualcode nlp`: which Swedish pipeline is active and what it provides."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.common import Format, FormatOpt, ProjectOpt, emit
from qualcode.core.i18n import _

app = typer.Typer(help="Swedish spaCy pipeline: what is active and what it provides.", no_args_is_help=True)


@app.command("info")
def info(
    project: ProjectOpt = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Pipeline to inspect instead of the project's.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show the active pipeline: components, lemmas, POS, parser, NER."""
    from qualcode.core.errors import ProjectError
    from qualcode.nlp.pipeline import load_pipeline, pipeline_info

    spec = model
    if spec is None:
        try:
            from qualcode.cli.common import open_project

            with open_project(project) as p:
                spec = p.model
        except ProjectError:
            spec = "blank"
    info = pipeline_info(load_pipeline(spec), spec).to_dict()
    if fmt is Format.json:
        emit([info], [], fmt)
        return
    emit([{"property": k, "value": v if v not in ([], ()) else "-"} for k, v in info.items()], ["property", "value"], fmt,
         title=_("Active Swedish pipeline"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="nlp")
