"""Shared CLI pieces: one stdout console for data, one stderr console for messages."""

from __future__ import annotations

import re

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from qualcode.core.cells import csv_cell
from qualcode.core.i18n import N_, _, value_text

if TYPE_CHECKING:
    from qualcode.core.errors import Hint
    from qualcode.project import Project

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project", "-p", envvar="QUALCODE_PROJECT", show_envvar=True,
        help="Project folder (default: $QUALCODE_PROJECT, then the current folder).",
    ),
]


CoderOpt = Annotated[str | None, typer.Option("--coder", help="Your coder name (default: `coder:` in qualcode.yaml).")]
CodersOpt = Annotated[str, typer.Option("--coders", help="Coders to compare, comma-separated, e.g. anna,bo (the model is 'qualcode').")]
CodesOpt = Annotated[
    list[str] | None,
    typer.Option("--code", "--codes", help="Only these codes, comma-separated or repeated (a group means its codes)."),
]
SampleOpt = Annotated[str | None, typer.Option("--sample", help="Only the segments of this sample (see `qualcode sample`).")]
ThresholdOpt = Annotated[
    float | None, typer.Option("--threshold", help="For coder 'qualcode': codes scoring at least this (default: each code's threshold).")
]
ModelSourceOpt = Annotated[
    str, typer.Option("--model-source", help="Coder 'qualcode': 'predict' runs the current model on the segments; 'stored' uses stored suggestions.")
]


def split_values(values: list[str] | None) -> list[str] | None:
    """Comma-separated or repeated option values as one list (None when there are none)."""
    out = [v.strip() for value in values or [] for v in value.split(",") if v.strip()]
    return out or None


# Column keys as table headers (translated when shown; csv and json keep the keys).
TABLE_HEADERS = (
    N_("code"),
    N_("name"),
    N_("characters"),
    N_("coded"),
    N_("both"),
    N_("overlap"),
    N_("percent"),
    N_("kappa"),
    N_("alpha"),
    N_("units"),
    N_("coding"),
    N_("segment"),
    N_("coder"),
    N_("source"),
    N_("document"),
    N_("start"),
    N_("end"),
    N_("memo"),
    N_("text"),
    N_("matched"),
    N_("id"),
    N_("parent"),
    N_("kind"),
    N_("keywords"),
    N_("field"),
    N_("value"),
    N_("what"),
    N_("n"),
    N_("chars"),
    N_("meta"),
    N_("unit"),
    N_("created_at"),
    N_("answer"),
    N_("count"),
    N_("columns"),
    N_("reason"),
    N_("candidates"),
    N_("set"),
    N_("position"),
    N_("category"),
    N_("published"),
    N_("computed"),
    N_("note"),
    N_("property"),
    N_("score"),
    N_("rule"),
    N_("context"),
    N_("suggestions"),
    N_("positives"),
    N_("order"),
    N_("k"),
    N_("scored"),
    N_("precision"),
    N_("recall"),
    N_("micro_f1"),
    N_("macro_f1"),
    N_("agreed"),
    N_("disputed"),
    N_("seed"),
    N_("support"),
    N_("predicted"),
    N_("f1"),
    N_("role"),
)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format: table, csv or json.")]
ExcelOpt = Annotated[
    bool,
    typer.Option("--excel", help="CSV for Swedish Excel: ';', decimal comma and a UTF-8 BOM (or `csv: excel` in qualcode.yaml)."),
]


def excel_csv(excel: bool, project: Project | None = None) -> bool:
    """The one CSV dialect choice: `--excel`, else the project's setting `csv: excel`."""
    return excel or (project is not None and str((project.config or {}).get("csv") or "").lower() == "excel")


# The project given before the subcommand (`qualcode -p DIR status`); set by the root callback.
ROOT_PROJECT: Path | None = None


def note_small_counts(tables: Iterable[Any], min_cell: int, fmt: Format) -> None:
    """One line on stderr when csv/json output holds counts a published table would hide."""
    from qualcode.analysis.suppression import holds_small_counts

    if fmt is not Format.table and min_cell > 1 and holds_small_counts(tables, min_cell):
        err_console.print(_("note: counts under {n} are not suppressed in this output — use `qualcode report` for tables to publish").format(n=min_cell),
                          markup=False)


def open_project(project: Path | None) -> Project:
    """Find and open the project (--project after or before the subcommand, QUALCODE_PROJECT, cwd)."""
    from qualcode.project import find_project

    return find_project(project or ROOT_PROJECT or os.environ.get("QUALCODE_PROJECT") or None)


TABLE_ROWS = 1000  # a screen table shows at most this many rows (rich lays out every row it holds)


def emit(
    rows: Sequence[dict[str, Any]] | Iterable[dict[str, Any]],
    columns: Sequence[str],
    fmt: Format | str = Format.table,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    mask: Callable[[str], str] | None = None,
    excel: bool = False,
) -> None:
    """Print records as a rich table, CSV or JSON on stdout (`excel`: CSV with ';', decimal commas, a BOM).

    `rows` may be an iterator: CSV and JSON are written as they come (a project's every document
    or segment), and a table shows the first TABLE_ROWS with a line on stderr about the rest.
    `mask` (a pseudonymiser's `mask`) is applied to every text in CSV and JSON output, which
    leave the screen; the table is the researcher's own view.
    """
    fmt = Format(fmt)
    if fmt is Format.json:
        if mask is not None:
            from qualcode.export.privacy import mask_data

            rows = (mask_data(mask, r) for r in rows)
        _emit_json(rows)
        return
    if fmt is Format.csv:
        same = mask or (lambda text: text)
        out = io.StringIO()
        writer = csv.DictWriter(
            out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n" if excel else "\n",
            delimiter=";" if excel else ",",
        )
        cell = _excel_cell if excel else _cell
        if excel:
            out.write("\ufeff")
        writer.writerow({c: csv_cell(same(c)) for c in columns})
        for n, r in enumerate(rows, 1):
            writer.writerow({k: csv_cell(same(cell(r.get(k)))) for k in columns})
            if n % 2000 == 0:
                typer.echo(out.getvalue(), nl=False)
                out.seek(0)
                out.truncate()
        typer.echo(out.getvalue(), nl=False)
        return
    # cells and title are text, not rich markup: an answer's "[sic]" or "[/]" is shown as written
    table = Table(title=Text(title) if title is not None else None, show_lines=False)
    for c in columns:
        table.add_column(_((headers or {}).get(c, c)), overflow="fold")  # csv/json keep the keys
    total = 0
    for total, r in enumerate(rows, 1):
        if total <= TABLE_ROWS:
            table.add_row(*(_table_cell(r.get(c)) for c in columns))
    console.print(table)
    if total > TABLE_ROWS:
        err_console.print(_("The table shows the first {shown} of {total} rows: --format csv or json lists them all.").format(
            shown=TABLE_ROWS, total=total))


def _emit_json(rows: Iterable[Any]) -> None:
    """A JSON array as json.dumps(list, indent=2) writes it, written 2,000 elements at a time."""
    encode = json.JSONEncoder(ensure_ascii=False, indent=2, default=str).encode
    piece: list[str] = []
    first = True
    for r in rows:
        piece.append(("[\n  " if first else ",\n  ") + encode(r).replace("\n", "\n  "))
        first = False
        if len(piece) == 2000:
            typer.echo("".join(piece), nl=False)
            piece.clear()
    typer.echo("".join(piece) + ("[]" if first else "\n]"))


def export_mask(project: Any, fmt: Format | str) -> Callable[[str], str] | None:
    """The project's pseudonymiser for CSV/JSON output (`emit(mask=...)`); None for a table."""
    if Format(fmt) is Format.table:
        return None
    from qualcode.export.privacy import pseudonymiser_for

    return pseudonymiser_for(project).mask


def _excel_cell(value: Any) -> str:
    """A cell for Swedish Excel: floats with a decimal comma (12,5), everything else as `_cell`."""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",") if value == round(value, 1) else str(value).replace(".", ",")
    return _cell(value, shown=True)


def _table_cell(value: Any) -> Text:
    """A cell on screen, as literal text (a `Text` given is kept: its styles mark words): numbers
    with the language's decimal mark (0,80 in Swedish, 0.80 in English)."""
    if isinstance(value, Text):
        return value
    if isinstance(value, float):
        return Text(value_text(value))
    return Text(_cell(value, shown=True))


def _cell(value: Any, shown: bool = False) -> str:
    """A cell's text: a plain CSV's as Python writes values (3.5); `shown` (a table on screen, a CSV
    for Swedish Excel) writes the decimals inside lists and metadata as the interface does (3,5)."""
    text = value_text if shown else str
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={text(v)}" for k, v in value.items())
    return str(value)


def parse_meta(pairs: list[str] | None) -> dict[str, str]:
    """`--meta key=value` pairs to a dict, with a clear error for a bad pair."""
    from qualcode.core.errors import InputError

    meta: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(_("invalid --meta '{pair}' — write key=value, e.g. --meta stadsdel=Bromma").format(pair=pair))
        key, value = pair.split("=", 1)
        if not key.strip():
            raise InputError(_("invalid --meta '{pair}' — the key is empty").format(pair=pair))
        meta[key.strip()] = value.strip()
    return meta


def render_error(exc: Exception) -> str:
    """One line for a library error: its message, then its hint in CLI words (flags, commands).

    A hint with both a command and an option becomes one command line
    (``qualcode tag --sample NAMN``); an option alone becomes its flag (``--encoding cp1252``).
    """
    from qualcode.core.errors import QualcodeError, QualcodeWarning

    text = str(exc)
    hint = exc.info.hint if isinstance(exc, (QualcodeError, QualcodeWarning)) else None
    if hint is None:
        return text
    return f"{text} — {render_hint(hint)}"


def _shell_word(example: str) -> str:
    """A value as typed in a shell: quoted when it holds spaces or shell characters
    ('Namn (frivilligt)'); a placeholder in capitals or a plain word as it is."""
    import shlex

    if re.fullmatch(r"[\w.,:/=@%+*åäöÅÄÖ-]*|'[^']*'|\"[^\"]*\"", example):  # plain, or quoted already
        return example
    return shlex.quote(example)


def render_hint(hint: Hint) -> str:
    """A hint in CLI words: its text, then the flag or command to type."""
    words: list[str] = []
    if hint.command:
        words += ["qualcode", *hint.command]
    if hint.option:
        words.append("--" + hint.option.replace("_", "-"))
    if hint.example:
        words.append(_shell_word(hint.example))
    for option, example in hint.options:
        words += ["--" + option.replace("_", "-"), _shell_word(example)]
    shown = f"`{' '.join(words)}`" if words else ""
    text = (f"{hint.text}: {shown}" if shown else hint.text) if hint.text else shown
    return "; ".join([text, *(render_hint(h) for h in hint.also)])
