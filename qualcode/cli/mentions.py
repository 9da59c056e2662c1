"""`qualcode mentions`: count, review and check the final questionnaire's mention tables."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.cells import cell_len
from rich.table import Table

from qualcode.cli.common import (
    Format,
    ExcelOpt,
    FormatOpt,
    ProjectOpt,
    console,
    emit,
    err_console,
    excel_csv,
    note_small_counts,
    open_project,
)
from qualcode.core.cells import csv_cell
from qualcode.core.errors import InputError
from qualcode.core.files import write_text
from qualcode.export.privacy import mask_data
from qualcode.core.i18n import N_, _, decimal_separator, n_

if TYPE_CHECKING:
    from qualcode.analysis.mentions.mapper import MentionMapper
    from qualcode.analysis.mentions.tables import ColumnSet, SurveyAnswers

app = typer.Typer(
    help="Mention counts from the final questionnaire: which of the 13 points respondents name.",
    no_args_is_help=True,
)

FileArg = Annotated[
    Path | None,
    typer.Argument(help="Questionnaire CSV/XLSX. Leave out to read the survey imported into the project."),
]
ColumnsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--columns", "-c",
        help="Answer columns: names, globs ('langst_*') or set prefixes ('behov'); repeat or separate with commas. "
        "Numbered columns form sets (langst_1..3 → langst) with their own totals, and so do a checkbox export's columns, "
        "one per option ('Längst – Handledning', 'Längst [Lokaler]' → Längst). A cell may name several areas ('4, 6, 2'). "
        "Default: every set of numbered columns and every checkbox family.",
    ),
]
MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", "-m", help="Mapping file (CSV 'answer;category', UTF-8) that settles unresolved answers."),
]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="CSV encoding (default: detect UTF-8, UTF-8 BOM, cp1252).")]
DelimiterOpt = Annotated[str | None, typer.Option("--delimiter", help="CSV delimiter: ';', ',', '|' or 'tab' (default: detect).")]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet (default: the first).")]
CodebookOpt = Annotated[
    Path | None, typer.Option("--codebook", help="Codebook file (default: the project's, else the shipped one).")
]


def _load(file: Path | None, columns: list[str] | None, mapping: Path | None, project: Path | None,
          encoding: str | None, delimiter: str | None, sheet: str | None, codebook: Path | None,
          ) -> tuple[SurveyAnswers, tuple[ColumnSet, ...], MentionMapper]:
    """Answers, column sets and a mapper, from a file or from the project."""
    from qualcode.analysis.mentions.mapper import MentionMapper, load_mapping
    from qualcode.analysis.mentions.tables import (
        answered_only,
        nothing_to_count,
        project_answers,
        project_mention_columns,
        project_sets,
        read_answers,
        select_columns,
        with_grids,
    )
    from qualcode.core.codebook import default_codebook, load_codebook

    if file is not None:
        answers = read_answers(file, encoding=encoding, delimiter=delimiter, sheet=sheet)
        cb = load_codebook(codebook) if codebook else default_codebook()
    else:
        with open_project(project) as p:
            answers = project_answers(p.store)
            cb = load_codebook(codebook) if codebook else p.codebook
            configured = project_mention_columns(p.config)
    mapper = MentionMapper(cb, load_mapping(mapping, cb) if mapping else None)
    if file is None and not columns:
        answers, configured = with_grids(answers, configured, mapper)
        sets = project_sets(answers, mapper, configured)
        if not sets:
            raise nothing_to_count(answers.columns, answers.rows, mapper)
    else:
        answers, chosen = with_grids(answers, columns or [], mapper)
        sets = select_columns(answers.columns, chosen, mapper, answers.rows)
    if not columns:
        err_console.print(_("columns: ") + "; ".join(f"{s.name} = {', '.join(s.columns)}" for s in sets) + _(" (choose with --columns)"))
    if file is None:
        answers = answered_only(answers, [c for s in sets for c in s.columns])
    return answers, sets, mapper


def _print_tables(tables: list[Any], step: int = 1) -> None:
    """Print tables; columns after the category come in groups of `step` (Antal, Procent per group
    with --by) and go to further tables when they do not fit beside a readable category column."""
    split = False
    for t in tables:
        label_width = min(38, max(cell_len(r[0]) for r in t.rows))
        parts = _column_parts(t, label_width, step)
        split = split or len(parts) > 1
        for n, cols in enumerate(parts, 1):
            table = Table(title=t.title if len(parts) == 1 else f"{t.title} ({n}/{len(parts)})")
            table.add_column(t.columns[0], min_width=label_width, overflow="fold")
            for j in cols:
                table.add_column(t.columns[j], justify="right", no_wrap=True)
            for r in t.rows:
                table.add_row(r[0], *(r[j] for j in cols))
            console.print(table)
    if split:
        err_console.print(_("the groups do not fit the terminal's width and are shown in parts — `--format csv` gives one table"))


def _column_parts(t: Any, label_width: int, step: int) -> list[list[int]]:
    """The value columns in parts that fit the console beside the category column (a group's
    `step` columns stay together)."""
    def width(j: int) -> int:
        return max(cell_len(t.columns[j]), *(cell_len(r[j]) for r in t.rows)) + 3  # padding and border

    room = console.width - (label_width + 4)
    parts: list[list[int]] = []
    used = room + 1
    for start in range(1, len(t.columns), step):
        group = list(range(start, min(start + step, len(t.columns))))
        need = sum(width(j) for j in group)
        if parts and used + need <= room:
            parts[-1] += group
            used += need
        else:
            parts.append(group)
            used = need
    return parts


def _min_cell(project: Path | None) -> int:
    """The project's `privacy.min_cell` (5 beside a file)."""
    from qualcode.analysis.suppression import DEFAULT_MIN_CELL, project_min_cell

    if project is None:
        return DEFAULT_MIN_CELL
    with open_project(project) as p:
        return project_min_cell(p.config)


def _export_mask(project: Path | None, fmt: Format):  # type: ignore[no-untyped-def]
    """Answers and group labels in CSV/JSON output are pseudonymised (the project's settings if any)."""
    if fmt is Format.table:
        return None
    from qualcode.export.privacy import Pseudonymiser, pseudonymiser_for

    if project is None:
        return Pseudonymiser().mask
    with open_project(project) as p:
        return pseudonymiser_for(p).mask


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...] | list[str], excel: bool = False) -> str:
    """';' so that Swedish spreadsheet programs read the decimal commas as numbers; `excel` adds
    what every `--excel` CSV has (a BOM for å ä ö, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), delimiter=";", lineterminator="\r\n" if excel else "\n",
                            extrasaction="ignore")
    writer.writerow({c: csv_cell(c) for c in columns})
    writer.writerows({k: csv_cell(v) for k, v in r.items()} for r in rows)
    return ("\ufeff" if excel else "") + out.getvalue()


def _excel(excel: bool, file: Path | None, project: Path | None) -> bool:
    """The one CSV dialect choice (`excel_csv`): the project's setting counts when a project is read
    (project mode) or named beside a file."""
    if excel or (file is not None and project is None):
        return excel
    with open_project(project) as p:
        return excel_csv(excel, p)


@app.command("count")
def count(
    file: FileArg = None,
    columns: ColumnsOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="Count per group of this column, e.g. roll, verksamhetsomrade, stadsdel.")] = None,
    mapping: MappingOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    sheet: SheetOpt = None,
    codebook: CodebookOpt = None,
    project: ProjectOpt = None,
    excel: ExcelOpt = False,
) -> None:
    """Antal and Procent per category for each answer column, with totals and times named first."""
    from qualcode.analysis.mentions.tables import (
        CSV_COLUMNS,
        count_mentions,
        report_tables,
        to_csv_rows,
        to_json,
    )

    answers, sets, mapper = _load(file, columns, mapping, project, encoding, delimiter, sheet, codebook)
    counts = count_mentions(answers, sets, mapper, by=by)
    mask = _export_mask(project, fmt)
    note_small_counts([*counts.columns.values(), counts.overall,
                       *(t for s in counts.totals.values() for t in (s.times, s.respondents, s.first) if t is not None)],
                      _min_cell(project), fmt)
    if fmt is Format.json:
        typer.echo(json.dumps(mask_data(mask, to_json(counts)), ensure_ascii=False, indent=2))
    elif fmt is Format.csv:
        typer.echo(_csv(mask_data(mask, to_csv_rows(counts)), CSV_COLUMNS, _excel(excel, file, project)), nl=False)
    else:
        _print_tables(report_tables(counts), step=2 if by else 1)
    if counts.unresolved:
        err_console.print(
            n_("{n_unresolved} answer could not be classified with certainty and is not counted — see `qualcode mentions review` and decide it in a mapping file (--mapping).",
               "{n_unresolved} answers could not be classified with certainty and are not counted — see `qualcode mentions review` and decide them in a mapping file (--mapping).",
               len(counts.unresolved)).format(n_unresolved=len(counts.unresolved))
        )


@app.command("review")
def review(
    file: FileArg = None,
    columns: ColumnsOpt = None,
    mapping: MappingOpt = None,
    template: Annotated[
        Path | None, typer.Option("--template", help="Write a mapping-file template (answer;category) for the unresolved answers.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing template file.")] = False,
    every: Annotated[bool, typer.Option("--all", help="List every distinct answer with its category, method and evidence.")] = False,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    sheet: SheetOpt = None,
    codebook: CodebookOpt = None,
    project: ProjectOpt = None,
    excel: ExcelOpt = False,
) -> None:
    """List answers not mapped with confidence (or, with --all, every answer): method, evidence, candidates."""
    from qualcode.analysis.mentions.mapper import mapping_template
    from qualcode.analysis.mentions.tables import count_mentions, review_items

    answers, sets, mapper = _load(file, columns, mapping, project, encoding, delimiter, sheet, codebook)
    counts = count_mentions(answers, sets, mapper)
    items = review_items(counts, every=every)
    labels = counts.labels
    mark = decimal_separator() if fmt is Format.table else ","  # json and csv keep the comma for scripts
    rows = [
        {
            "answer": it.answer, "count": it.count, "columns": ", ".join(it.columns),
            "category": it.category or "", "reason": it.method, "evidence": "; ".join(it.evidence),
            "candidates": " | ".join(f"{c.category} ({c.score:.2f})".replace(".", mark) for c in it.candidates[:3]),
        }
        for it in items
    ]
    unresolved = [it for it in items if it.category is None]
    title = (n_("{n_items} distinct answer (unclassified: {n_unresolved})", "{n_items} distinct answers (unclassified: {n_unresolved})", len(items)).format(n_items=len(items), n_unresolved=len(unresolved)) if every
             else _("Unclassified answers: {n_items} (occurrences: {n_unresolved})").format(n_items=len(unresolved), n_unresolved=len(counts.unresolved)))
    emit(rows, ["answer", "count", "columns", "category", "reason", "evidence", "candidates"], fmt,
         mask=_export_mask(project, fmt), title=title, excel=fmt is Format.csv and _excel(excel, file, project),
         headers={"answer": N_("Answer"), "count": N_("Count"), "columns": N_("Columns"), "category": N_("Category"),
                  "reason": N_("Method"), "evidence": N_("Evidence"), "candidates": N_("Candidates")})
    if template is not None:
        if template.exists() and not force:
            raise InputError(_("'{template}' already exists — choose another file name or add --force").format(template=template))
        text = mapping_template(((it.answer, it.count, it.candidates) for it in unresolved), labels)
        write_text(template, text)
        err_console.print(
            n_("Wrote {n_unresolved} row to {template} — fill in the column 'category' (P01–P13, OVRIGT, EJ_SVAR) and run again with --mapping.",
               "Wrote {n_unresolved} rows to {template} — fill in the column 'category' (P01–P13, OVRIGT, EJ_SVAR) and run again with --mapping.",
               len(unresolved)).format(n_unresolved=len(unresolved), template=template)
        )


@app.command("compare")
def compare(
    file: FileArg = None,
    published: Annotated[Path, typer.Option("--published", help="Published tables as JSON: {SET: {POSITION: {CAT: n}}}, optional prose_totals and printed_totals.")] = ...,  # type: ignore[assignment]
    columns: ColumnsOpt = None,
    mapping: MappingOpt = None,
    fmt: FormatOpt = Format.table,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    sheet: SheetOpt = None,
    only_differences: Annotated[bool, typer.Option("--differences", help="List only the figures that differ.")] = False,
    codebook: CodebookOpt = None,
    project: ProjectOpt = None,
    excel: ExcelOpt = False,
) -> None:
    """Check every published figure (cells, percentages, printed and prose totals) against the data."""
    from qualcode.analysis.mentions.tables import (
        compare_published,
        comparison_json,
        count_mentions,
        load_published,
    )

    pub = load_published(published)
    if not columns:
        # the published tables name their sets ("langst", "behov"): compare those columns
        columns = [k for k, v in pub.items() if isinstance(v, dict) and v and all(str(p).isdigit() for p in v)]
    answers, sets, mapper = _load(file, columns, mapping, project, encoding, delimiter, sheet, codebook)
    cmp = compare_published(count_mentions(answers, sets, mapper), pub)
    if fmt is Format.json:
        typer.echo(json.dumps(comparison_json(cmp), ensure_ascii=False, indent=2))
        return
    shown = cmp.differences if only_differences else cmp.figures
    # csv keeps the same words in every language (scripts read them); the table speaks the interface language
    table = fmt is not Format.csv
    rows = [
        {"kind": (_(KINDS[d.kind]) if table else CSV_KINDS[d.kind]) if d.kind in KINDS else d.kind, "set": d.set,
         "position": _(POSITIONS[d.position]) if table and d.position in POSITIONS else d.position, "category": d.category,
         "published": _shown_percent(d.published) if table and d.kind == "percent" else d.published,
         "computed": _shown_percent(d.computed) if table and d.kind == "percent" else d.computed,
         "status": _(STATUSES[d.status]) if table and d.status in STATUSES else d.status, "note": d.note}
        for d in shown
    ]
    agree = len(cmp.figures) - len(cmp.differences)
    title = (_("{agree} of {n_figures} published figures match ({equal}/{cells} cells), {n_differences} differ, {unresolved} unclassified answers").format(agree=agree, n_figures=len(cmp.figures), equal=cmp.equal, cells=cmp.cells, n_differences=len(cmp.differences), unresolved=cmp.unresolved))
    fields = ["kind", "set", "position", "category", "published", "computed", "status", "note"]
    if fmt is Format.csv:
        typer.echo(_csv(rows, fields, _excel(excel, file, project)), nl=False)
        return
    emit(rows, fields, fmt, title=title,
         headers={"kind": N_("Type"), "set": N_("Table"), "position": N_("Alt."), "category": N_("Category"),
                  "published": N_("Published"), "computed": N_("Computed"), "status": N_("Status"), "note": N_("Note")})
    for note in pub.get("notes") or []:
        err_console.print(_("note in {name}: {note}").format(name=published.name, note=note))
    if "prose_totals" not in pub:
        err_console.print(
            _("tip: add \"prose_totals\": {SET: {CATEGORY: n}} (and \"printed_totals\") to the file to compare the report's running text and printed totals with the tables")
        )


# msgids, translated when shown
KINDS = {"cell": N_("count"), "percent": N_("percent"), "printed_total": N_("printed total"), "prose_total": N_("total in the text"),
         "prose_first": N_("most first in the text"), "respondents": N_("respondents")}
STATUSES = {"stämmer": N_("agrees"), "skiljer": N_("differs")}
POSITIONS = {"totalt": N_("all positions")}  # a prose total is of every position


def _shown_percent(value: object) -> object:
    """A compared percentage ('5,2', as the report prints it) with the language's decimal mark on screen."""
    return value.replace(",", decimal_separator()) if isinstance(value, str) else value

# what `--format csv` writes for a kind, in every language
CSV_KINDS = {"cell": "antal", "percent": "procent", "printed_total": "tryckt total", "prose_total": "total i texten",
             "prose_first": "flest först i texten", "respondents": "svarande"}


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="mentions")
