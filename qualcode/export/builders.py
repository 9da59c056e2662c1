"""Build the report model from the analysis package's counts: suppressed tables, charts, masked quotes.

All counting is `qualcode.analysis` (`code_counts` for segments, documents and respondents,
`count_mentions` for the questionnaire); this module only suppresses small cells
(`qualcode.analysis.suppression`), pseudonymises text (`qualcode.export.privacy`), names rows and
columns for a reader, and decides what is shown: a table whose every count is under `min_cell`
is left out and listed with the reason. What a reader sees is in the interface language; table
keys and chart file names are the same in every language.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.analysis.suppression import (
    STAR, SuppressedTable, project_min_cell, suppress, suppress_column, suppress_linked,
)
from qualcode.analysis.tally import TOTAL, format_number
from qualcode.core.errors import Hint, InputError
from qualcode.core.ordering import natural_order, term
from qualcode.core.records import POSITIVE_SOURCES
from qualcode.export.model import (
    QUESTIONNAIRE,
    TABLES,
    CodeSummary,
    Omitted,
    Report,
    ReportChart,
    ReportQuote,
    ReportTable,
    Row,
    TablePart,
    ThemeSection,
)
from qualcode.export.privacy import Pseudonymiser, pseudonymiser_for
from qualcode.core.i18n import N_, _, language, n_, value_text

if TYPE_CHECKING:
    from qualcode.analysis.code_counts import CodeCounts, Documents
    from qualcode.analysis.mentions.tables import ColumnSet, MentionCounts, SurveyAnswers
    from qualcode.project import Project
    from qualcode.store.database import Store

# a breakdown's title and note per counting unit (msgids)
UNIT_TITLES = {"segment": N_("Coded segments per {field}"), "document": N_("Documents per {field}"),
               "respondent": N_("Respondents per {field}")}
UNIT_NOTES = {
    "segment": N_("Number of coded segments with the code per {field}. Base per {field}: {bases}."),
    "document": N_("Number of documents with the code per {field}. Base per {field}: {bases}."),
    "respondent": N_("Number of respondents with the code per {field}. Base per {field}: {bases}."),
}
KIND_LABELS = {"note": N_("interview note"), "survey": N_("survey answer")}
# Metadata shown with a quote when the user gave no --by fields.
DEFAULT_SOURCE_FIELDS = ("stadsdel", "termin", "grupp", "verksamhetsomrade", "verksamhetsområde", "roll")
QUOTE_MAX_CHARS = 600
QUOTE_CONTEXT_CHARS = 40  # characters of context on each side of a coded span
LABEL_HEADER = N_("Theme and code")
UNCLASSIFIED = N_("Unclassified answers")


def build_report(
    project: Project,
    out_dir: Path,
    by: Sequence[str] = (),
    codes: Sequence[str] | None = None,
    min_cell: int | None = None,
    quotes: int = 3,
    kind: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    extra_parts: Sequence[TablePart] = (),
    questions: str | Path | Mapping[str, str] | None = None,
) -> Report:
    """Counts, suppressed tables, charts (written to out_dir/diagram) and masked quotes.

    `questions`: the survey's question texts (a mapping, or a CSV/YAML file `fråga;text`), also
    read from `report.questions` in qualcode.yaml; their order is the questionnaire's order.
    `extra_parts`: further tables (e.g. questionnaire mention tables) already suppressed.
    """
    from qualcode.analysis.code_counts import Documents, code_counts

    if quotes < 0:
        raise InputError(_("the number of quotes per code is negative ({quotes})").format(quotes=quotes), value=quotes,
                         hint=Hint(_("give 0 or more quotes per code"), option="quotes", example="3"))
    cb = project.codebook
    min_cell = project_min_cell(project.config) if min_cell is None else int(min_cell)
    if min_cell < 0:
        raise InputError(_("the smallest cell size is negative ({min_cell})").format(min_cell=min_cell), value=min_cell,
                         hint=Hint(_("give e.g. 5 (0 turns masking off)"), option="min_cell", example="5"))
    mask = pseudonymiser or pseudonymiser_for(project)
    by = tuple(dict.fromkeys(b.strip() for b in by if b.strip()))
    question_texts = load_questions(project, questions)
    chart_dir = out_dir / "diagram"

    docs = Documents(project.store)  # metadata read once for every table of the report
    counts = {unit: code_counts(project, unit=unit, codes=codes, kind=kind, documents=docs)
              for unit in ("segment", "document", "respondent")}
    rows = list(counts["segment"].table.categories)
    shown = {unit: suppress_column([c.total.count(r) for r in rows], min_cell=min_cell) for unit, c in counts.items()}
    summary = _summary_table(project, counts, rows, shown, chart_dir, min_cell)

    parts: list[TablePart] = []
    hidden_cells: set[tuple[str, str, str]] = set()  # (field, code, group) shown as '*' in a breakdown
    for f in by:
        tables = _breakdown_tables(project, f, codes, kind, min_cell, mask, chart_dir, docs, hidden_cells)
        parts.append(TablePart(f"per-{_slug(f)}", _("Broken down by {field}").format(field=f), "", tuple(tables)))
    parts.extend(questionnaire_parts(project, min_cell, by=by, mask=mask, questions=question_texts))
    parts.extend(extra_parts)

    kept_parts, omitted = _leave_out_empty(parts, min_cell)
    if summary is not None and summary.shows_nothing():
        omitted.insert(0, Omitted(summary.title, _reason(summary, min_cell)))
        summary = None

    # A code whose count is '*' gets no quotes: fewer quotes than asked for would give the count
    # away, and their sources the groups it falls in.
    small = {c for i, c in enumerate(rows) if any(col[i] == STAR for col in shown.values())}
    leaves = [c for c in rows if not cb.get(c).is_group and c not in small]
    quote_map = _quotes(project, leaves, quotes, by, mask, min_cell, docs, hidden_cells)
    note = _("No quotes: the count is under {n}, and the quotes would show how many there are.").format(n=min_cell)
    sections = _sections(project, rows, shown, quote_map, {c: note for c in small} if quotes else {})
    name = mask.mask(str(project.config.get("name") or project.root.name))
    draft = Report(_("Theme summary: {name}").format(name=name), (), summary, tuple(sections), tuple(kept_parts),
                   tuple(omitted), min_cell)
    overview = _overview(project, counts, kind, min_cell, draft, by)
    return Report(draft.title, overview, summary, draft.sections, draft.parts, draft.omitted, min_cell)


# -- the themes table (page 1) ------------------------------------------------------------


def _label_rows(project: Project, rows: list[str], depth: Mapping[str, int]) -> list[Row]:
    cb = project.codebook
    return [
        Row(cb.get(c).name, (), code=c, depth=depth[c], kind="group" if cb.get(c).is_group else "code")
        for c in rows
    ]


def _summary_table(
    project: Project, counts: Mapping[str, CodeCounts], rows: list[str], shown: Mapping[str, list[int | str]],
    chart_dir: Path, min_cell: int,
) -> ReportTable | None:
    from qualcode.export.charts import bar_chart

    if not rows:
        return None
    cb = project.codebook
    doc = counts["document"]
    n_docs = doc.total.bases[TOTAL]
    out = []
    for i, (c, label) in enumerate(zip(rows, _label_rows(project, rows, doc.depth))):
        docs = shown["document"][i]
        share: Any = STAR if docs == STAR else (round(100.0 * doc.total.count(c) / n_docs, 1) if n_docs else None)
        out.append(Row(label.label, (shown["segment"][i], docs, share, shown["respondent"][i]), c, label.depth, label.kind))
    charts = []
    groups = [i for i, c in enumerate(rows) if cb.get(c).is_group]
    leaves = [i for i, c in enumerate(rows) if not cb.get(c).is_group]
    if groups:
        title = _("Number of documents where the theme occurs (theme groups)")
        charts.append(ReportChart(title, bar_chart(
            [cb.get(rows[i]).name for i in groups], [shown["document"][i] for i in groups],
            chart_dir / "dokument-per-temagrupp.png", title, _("Number of documents"), min_cell)))
    if leaves:
        title = _("Number of documents per code")
        charts.append(ReportChart(title, bar_chart(
            [cb.get(rows[i]).name for i in leaves], [shown["document"][i] for i in leaves],
            chart_dir / "dokument-per-kod.png", title, _("Number of documents"), min_cell)))
    resp_base = counts["respondent"].total.bases[TOTAL]
    return ReportTable(
        key="oversikt",
        title=_("Themes and codes: coded segments, documents and respondents"),
        label_header=_(LABEL_HEADER),
        columns=(_("Coded segments"), _("Documents"), _("Share of the documents (%)"), _("Respondents")),
        rows=tuple(out),
        note=n_("Base: {documents} documents and {respondents} respondent. A document or segment can have several "
                "codes, so the columns do not add up; a theme group counts what has any of its codes.",
                "Base: {documents} documents and {respondents} respondents. A document or segment can have several "
                "codes, so the columns do not add up; a theme group counts what has any of its codes.", resp_base).format(
            documents=n_docs, respondents=resp_base),
        sheet=_("Overview"),
        charts=tuple(charts),
    )


# -- breakdowns by a metadata field -------------------------------------------------------


def _breakdown_tables(
    project: Project, f: str, codes: Sequence[str] | None, kind: str | None,
    min_cell: int, mask: Pseudonymiser, chart_dir: Path, docs: Documents | None = None,
    hidden_cells: set[tuple[str, str, str]] | None = None,
) -> list[ReportTable]:
    """Documents, respondents and coded segments per code and value of `f`, suppressed together.

    The three are published side by side and bound each other cell by cell (a district's
    documents with a code are at most its coded segments with it; its respondents at most its
    documents), so a cell hidden in one is hidden in all three (`suppress_linked`), and so is
    a group's base: the bases of each unit add up to the total on page 1.
    """
    from qualcode.analysis.code_counts import code_counts

    units = ("document", "respondent", "segment")
    results = {unit: code_counts(project, by=(f,), unit=unit, codes=codes, kind=kind, documents=docs) for unit in units}
    first = results["document"].table
    rows, groups = list(first.categories), list(first.groups)
    linked = [u for u in units if list(results[u].table.categories) == rows and list(results[u].table.groups) == groups]
    # Each unit belongs to one value of the field, so a row's cells add up to its shown total.
    cells = {u: [[results[u].table.count(c, g) for g in results[u].table.groups] for c in results[u].table.categories]
             for u in units}
    sups = dict(zip(linked, suppress_linked([cells[u] for u in linked], min_cell=min_cell,
                                            row_totals=True, col_totals=False)))
    # Each kind's groups add up to its total on page 1 (17 notes, 965 survey answers): with the
    # groups split by kind, each kind's bases are a line of their own.
    shown_base: dict[str, dict[str, int | str]] = {u: {} for u in linked}
    lines: dict[str, list[str]] = {}
    for g in groups:
        lines.setdefault(results["document"].split_kinds.get(g, ""), []).append(g)
    for line in lines.values():
        sup_bases = suppress_linked([[[results[u].table.bases[g]] for g in line] for u in linked],
                                    min_cell=min_cell, row_totals=False, col_totals=True)
        for u, t in zip(linked, sup_bases):
            shown_base[u].update((g, t.show(i, 0)) for i, g in enumerate(line))
    out = []
    for unit in units:
        table = results[unit].table
        sup = sups.get(unit) or suppress(cells[unit], min_cell=min_cell, row_totals=True, col_totals=False)
        unit_groups = list(table.groups)
        if hidden_cells is not None:  # for the quotes' sources
            hidden_cells.update((f, c, g) for (i, j) in sup.hidden if i < sup.n_rows and j < sup.n_cols
                                for c, g in [(table.categories[i], unit_groups[j])])
        if unit in shown_base:
            shown_bases = [shown_base[unit][g] for g in unit_groups]
        else:
            shown_bases = suppress_column([table.bases[g] for g in unit_groups], min_cell=min_cell, total=True)
        out.append(_breakdown_table(project, f, unit, results[unit], sup, shown_bases, mask, chart_dir, min_cell))
    return out


def _breakdown_table(
    project: Project, f: str, unit: str, result: CodeCounts, sup: SuppressedTable, shown_bases: Sequence[int | str],
    mask: Pseudonymiser, chart_dir: Path, min_cell: int,
) -> ReportTable:
    from qualcode.export.charts import bar_chart

    table = result.table
    rows = list(table.categories)
    groups = list(table.groups)
    out = [
        Row(label.label, (*[sup.show(i, j) for j in range(len(groups))], sup.row_total(i)), label.code, label.depth, label.kind)
        for i, label in enumerate(_label_rows(project, rows, result.depth))
    ]
    names = [mask.mask(result.group_name(g)) for g in groups]
    charts: tuple[ReportChart, ...] = ()
    if unit == "document":
        # How many documents each value has (the base of the breakdowns), in the table's order.
        title = _("Number of documents per {field}").format(field=f)
        charts = (ReportChart(title, bar_chart(names, list(shown_bases), chart_dir / f"dokument-per-{_slug(f)}.png",
                                               title, _("Number of documents"), min_cell)),)
    bases = ", ".join(f"{g}: {_cell(b)}" for g, b in zip(names, shown_bases))
    return ReportTable(
        key=_slug(f"{'dokument' if unit == 'document' else unit}-{f}"),
        title=_(UNIT_TITLES[unit]).format(field=f),
        label_header=_(LABEL_HEADER),
        columns=(*names, _("Total")),
        rows=tuple(out),
        note=_(UNIT_NOTES[unit]).format(field=f, bases=bases),
        total_columns=1,
        charts=charts,
    )


# -- the questionnaire ---------------------------------------------------------------------


def load_questions(project: Project, questions: str | Path | Mapping[str, str] | None = None) -> dict[str, str]:
    """Question texts by set or column name (`langst` → "Inom vilka områden …?"), in questionnaire order.

    From `questions` (a mapping or a file), else `report.questions` in qualcode.yaml (a file
    name relative to the project, or a mapping). A file is CSV (`fråga;text`, a header line
    allowed) or YAML (`langst: "…"`).
    """
    if questions is None:
        questions = (project.config.get("report") or {}).get("questions")
        if isinstance(questions, str):
            questions = project.root / questions
    if questions is None:
        return {}
    if isinstance(questions, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in questions.items() if str(v).strip()}
    path = Path(questions)
    if not path.is_file():
        raise InputError(_("the questions file '{path}' does not exist — give a CSV with rows question;text").format(path=path), value=str(path),
                         hint=Hint(_("give the questions file"), option="questions", example="fragor.csv"))
    from qualcode.ingest.readers import read_text

    text = read_text(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        from qualcode.core import safe_yaml

        data = safe_yaml.load(text) or {}
        if not isinstance(data, Mapping):
            raise InputError(_("{name}: expected lines `question: text`").format(name=path.name), value=str(path))
        return load_questions(project, {str(k): str(v) for k, v in data.items()})
    delimiter = ";" if ";" in text else "\t" if "\t" in text else ","
    out: dict[str, str] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) < 2 or not cells[0]:
            raise InputError(_("{name} line {n}: expected two fields 'question{delimiter}text', got {n_cells}").format(name=path.name, n=n, delimiter=delimiter, n_cells=len(cells)),
                             value=str(path))
        if n == 1 and cells[0].casefold() in ("fråga", "fraga", "question", "kolumn", "column"):
            continue
        out[cells[0]] = delimiter.join(cells[1:]).strip()
    return out


def _ordinal(n: int) -> str:
    """1:a, 2:a, 3:e … (Swedish ordinals as written in tables); 1st, 2nd, 3rd … in English."""
    if language() != "sv":
        return f"{n}{'th' if n % 100 in (11, 12, 13) else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
    return f"{n}:{'a' if n % 10 in (1, 2) and n % 100 not in (11, 12) else 'e'}"


def _position_header(column: str, set_name: str) -> str:
    from qualcode.analysis.mentions.tables import _position

    pos = _position(column)
    return _("{ordinal} answer").format(ordinal=_ordinal(pos)) if pos else column.removeprefix(set_name).strip("_- ") or column


def questionnaire_parts(
    project: Project, min_cell: int, by: Sequence[str] = (), mask: Pseudonymiser | None = None,
    questions: Mapping[str, str] | None = None,
) -> list[TablePart]:
    """One part per question of a questionnaire in the project: the sets `mentions count` counts in
    the project without --columns (`project_sets`: numbered sets such as langst_1..3, checkbox
    families, and the columns `mentions.columns` in qualcode.yaml names), suppressed, and for each `by` field the questionnaire has,
    the counts per category and group.

    Parts come in questionnaire order: the order of `questions`, then the order the fields were
    imported. A numbered set's table gives respondents per category and answer position: each
    position column sums to the number of respondents (unclassified answers get their own row) and
    each row to the times named, so both margins are shown and protected. A checkbox family or a
    question answered in one cell has one column, respondents per category (a respondent naming
    several areas is in several rows).
    """
    from qualcode.analysis.mentions.mapper import MentionMapper, load_mapping
    from qualcode.analysis.mentions.tables import (
        MISSING_GROUP,
        answered_only,
        count_mentions,
        has_positions,
        may_hold_sets,
        project_answers,
        project_mention_columns,
        project_sets,
        question_name,
        with_grids,
    )

    questions = dict(questions or {})
    if project.store.count_documents(kind="survey") == 0:
        return []
    configured = project_mention_columns(project.config)
    # The order the fields were imported (the questionnaire's own), not alphabetical.
    imported, keys, lacking = project.store.survey_columns()
    if not configured and not lacking and not may_hold_sets({"respondent", *imported, *(keys - {"respondent", "field"})}):
        return []  # no question in numbered or option fields: the answers' texts need not be read
    answers = project_answers(project.store)
    mapping_path = (project.config.get("mentions") or {}).get("mapping")
    cb = project.codebook
    mapping = load_mapping(project.root / mapping_path, cb) if mapping_path else None
    mapper = MentionMapper(cb, mapping)
    answers, configured = with_grids(answers, configured, mapper)
    found = project_sets(answers, mapper, configured)
    asked = list(questions)
    field_order = {c: i for i, c in enumerate(imported)}

    def named_by(s: ColumnSet) -> tuple[str, ...]:
        """What a question text may be given for: the set's name, then (not a numbered set's) its name
        without the question's number ('Q5: Längst' → 'Längst') and its column."""
        return (s.name,) if has_positions(s) else (s.name, question_name(s.name), *s.columns)

    def order(s: ColumnSet) -> tuple[int, int]:
        question = next((asked.index(k) for k in named_by(s) if k in questions), len(asked))
        return question, min(field_order.get(c, len(imported)) for c in s.columns)

    sets = sorted(found, key=order)
    if not sets:
        return []
    answers = answered_only(answers, [c for s in sets for c in s.columns])
    counts = count_mentions(answers, sets, mapper)
    # a field the questionnaire's respondents do not have (only "(saknas)") gives no breakdown
    group_counts = {
        f: count_mentions(answers, sets, mapper, by=f) for f in by
        if any((row.get(f) or "").strip() for row in answers.rows)
    }
    parts = []
    for s in sets:
        question = next((questions[k] for k in (*named_by(s), *s.columns) if k in questions), "")
        title = question or _("Survey question {name}").format(name=s.name)
        if not has_positions(s):
            parts.append(_unordered_part(s, title, counts, group_counts, answers, min_cell, mask, cb))
            continue
        unresolved = {c: sum(1 for u in counts.unresolved if u.column == c) for c in s.columns}
        cats = list(counts.categories)
        cells = [[counts.columns[col].count(cat) for col in s.columns] for cat in cats]
        labels = [(cat, counts.name(cat)) for cat in cats]
        if any(unresolved.values()):
            cells.append([unresolved[c] for c in s.columns])
            labels.append(("", _(UNCLASSIFIED)))
        sup = suppress(cells, min_cell=min_cell, row_totals=True, col_totals=True)
        rows = [
            Row(label, (*[sup.show(i, j) for j in range(len(s.columns))], sup.row_total(i)), code, 0,
                "code" if code in cb else "other")
            for i, (code, label) in enumerate(labels)
        ]
        rows.append(Row(_("Total"), (*[sup.col_total(j) for j in range(len(s.columns))], sup.grand_total), kind="total"))
        positions = ", ".join(s.columns)
        several = any(sum(row[j] for row in cells) > counts.respondents for j in range(len(s.columns)))
        tables = [ReportTable(
            key=_slug(f"enkat-{s.name}"),
            sheet=_("Survey {name}").format(name=s.name),
            title=_("Number of respondents per category and answer position"),
            label_header=_("Category"),
            columns=(*[_position_header(c, s.name) for c in s.columns], _("Times named")),
            rows=tuple(rows),
            note=(n_("{n} respondent who answered the question ({positions}). Each column adds up to the number "
                     "who answered; the row Total and the column Times named are sums.",
                     "{n} respondents who answered the question ({positions}). Each column adds up to the number "
                     "who answered; the row Total and the column Times named are sums.", counts.respondents)
                  if not several else
                  n_("{n} respondent who answered the question ({positions}). A cell naming several areas counts "
                     "once for each, so a column can add up to more than the number who answered; the row Total and "
                     "the column Times named are sums.",
                     "{n} respondents who answered the question ({positions}). A cell naming several areas counts "
                     "once for each, so a column can add up to more than the number who answered; the row Total and "
                     "the column Times named are sums.", counts.respondents)).format(
                n=counts.respondents, positions=positions),
            total_columns=1,
        )]
        for f, grouped in group_counts.items():
            group_of = {str(rid): ((row.get(f) or "").strip() or MISSING_GROUP) for rid, row in zip(answers.ids, answers.rows)}
            groups = list(grouped.groups)
            times = grouped.totals[s.name].times
            cells = [[times.count(cat, g) for g in groups] for cat in cats]
            glabels = [(cat, grouped.name(cat)) for cat in cats]
            unresolved_s = [u for u in grouped.unresolved if u.column in s.columns]
            if unresolved_s:
                cells.append([sum(1 for u in unresolved_s if group_of.get(str(u.row)) == g) for g in groups])
                glabels.append(("", _(UNCLASSIFIED)))
            # Columns add up to (positions × respondents) per group, rows to times named overall.
            gsup = suppress(cells, min_cell=min_cell, row_totals=True, col_totals=True)
            grows = [
                Row(label, (*[gsup.show(i, j) for j in range(len(groups))], gsup.row_total(i)), code, 0,
                    "code" if code in cb else "other")
                for i, (code, label) in enumerate(glabels)
            ]
            grows.append(Row(_("Total"), (*[gsup.col_total(j) for j in range(len(groups))], gsup.grand_total), kind="total"))
            # the groups' sizes add up to the respondents in the note of the table above
            sizes = suppress_column([grouped.group_sizes[g] for g in groups], min_cell=min_cell, total=True)
            names = [mask.mask(grouped.group_name(g)) if mask else grouped.group_name(g) for g in groups]
            tables.append(ReportTable(
                key=_slug(f"enkat-{s.name}-{f}"),
                sheet=_("Survey {name} per {field}").format(name=s.name, field=f),
                title=_("Times named per {field} (all answer positions)").format(field=f),
                label_header=_("Category"),
                columns=(*names, _("Total")),
                rows=tuple(grows),
                note=_("Times the category was named ({positions}) per {field}. Respondents per {field}: {sizes}.").format(
                    positions=positions, field=f, sizes=", ".join(f"{g}: {_cell(n)}" for g, n in zip(names, sizes))),
                total_columns=1,
            ))
        parts.append(TablePart(_slug(f"enkat-{s.name}"), title,
                               _("The answers in {positions}, categorised by the codebook's points.").format(positions=positions),
                               tuple(tables), chapter=QUESTIONNAIRE, respondents=counts.respondents))
    return parts


def _unordered_part(
    s: ColumnSet, title: str, counts: MentionCounts, group_counts: Mapping[str, MentionCounts],
    answers: SurveyAnswers, min_cell: int, mask: Pseudonymiser | None, cb: Any,
) -> TablePart:
    """A checkbox family (one column per option) or a question answered in one cell: one column,
    respondents per category (a respondent naming an area counts once), and per `by` field the
    same per group. No answer positions: options have no order, and a cell's areas none that counts."""
    if s.options:
        what = n_("{n} column, one per option", "{n} columns, one per option", len(s.columns)).format(n=len(s.columns))
        intro = _("The options marked in {what}, categorised by the codebook's points.").format(what=what)
    else:
        what = ", ".join(s.columns)
        intro = _("The answers in {positions}, categorised by the codebook's points.").format(positions=what)
    cats = list(counts.categories)

    def lines(c: MentionCounts, field: str | None) -> tuple[list[list[int]], list[tuple[str, str]]]:
        """Respondents per category and group; those with an answer that is not classified in a row of their own."""
        from qualcode.analysis.mentions.tables import MISSING_GROUP

        table = c.totals[s.name].respondents
        groups = list(c.groups)
        cells = [[table.count(cat, g) for g in groups] for cat in cats]
        labels = [(cat, c.name(cat)) for cat in cats]
        group_of = {str(rid): ((row.get(field) or "").strip() or MISSING_GROUP) if field else TOTAL
                    for rid, row in zip(answers.ids, answers.rows)}
        unclassified = {str(u.row) for u in c.unresolved if u.column in s.columns}
        if unclassified:
            cells.append([sum(1 for r in unclassified if group_of.get(r) == g) for g in groups])
            labels.append(("", _(UNCLASSIFIED)))
        return cells, labels

    cells, labels = lines(counts, None)
    sup = suppress(cells, min_cell=min_cell, row_totals=False, col_totals=True)
    rows = [Row(label, (sup.show(i, 0),), code, 0, "code" if code in cb else "other") for i, (code, label) in enumerate(labels)]
    rows.append(Row(_("Total"), (sup.col_total(0),), kind="total"))
    n = counts.respondents
    several = sum(r[0] for r in cells) > n
    note = (n_("{n} respondent who answered the question ({what}). A respondent naming several areas is counted once "
               "in the row of each, so the column adds up to more than the number who answered.",
               "{n} respondents who answered the question ({what}). A respondent naming several areas is counted once "
               "in the row of each, so the column adds up to more than the number who answered.", n)
            if several else
            n_("{n} respondent who answered the question ({what}). Each respondent is counted in one row, so the column "
               "adds up to the number who answered.",
               "{n} respondents who answered the question ({what}). Each respondent is counted in one row, so the column "
               "adds up to the number who answered.", n)).format(n=n, what=what)
    tables = [ReportTable(
        key=_slug(f"enkat-{s.name}"), sheet=_("Survey {name}").format(name=s.name),
        title=_("Number of respondents per category"), label_header=_("Category"),
        columns=(_("Respondents"),), rows=tuple(rows), note=note,
    )]
    for f, grouped in group_counts.items():
        groups = list(grouped.groups)
        gcells, glabels = lines(grouped, f)
        # a respondent is in one group: a row adds up to the respondents naming the category
        gsup = suppress(gcells, min_cell=min_cell, row_totals=True, col_totals=True)
        grows = [Row(label, (*[gsup.show(i, j) for j in range(len(groups))], gsup.row_total(i)), code, 0,
                     "code" if code in cb else "other") for i, (code, label) in enumerate(glabels)]
        grows.append(Row(_("Total"), (*[gsup.col_total(j) for j in range(len(groups))], gsup.grand_total), kind="total"))
        sizes = suppress_column([grouped.group_sizes[g] for g in groups], min_cell=min_cell, total=True)
        names = [mask.mask(grouped.group_name(g)) if mask else grouped.group_name(g) for g in groups]
        tables.append(ReportTable(
            key=_slug(f"enkat-{s.name}-{f}"), sheet=_("Survey {name} per {field}").format(name=s.name, field=f),
            title=_("Respondents per category and {field}").format(field=f), label_header=_("Category"),
            columns=(*names, _("Total")), rows=tuple(grows),
            note=_("Respondents naming the category ({what}) per {field}; a respondent naming several areas is in several "
                   "rows. Respondents per {field}: {sizes}.").format(
                what=what, field=f, sizes=", ".join(f"{g}: {_cell(v)}" for g, v in zip(names, sizes))),
            total_columns=1,
        ))
    return TablePart(_slug(f"enkat-{s.name}"), title, intro, tuple(tables), chapter=QUESTIONNAIRE,
                     respondents=counts.respondents)


def questionnaire_tables(
    project: Project, min_cell: int, by: Sequence[str] = (), mask: Pseudonymiser | None = None,
    questions: Mapping[str, str] | None = None,
) -> list[ReportTable]:
    """The questionnaire parts' tables, in order (see `questionnaire_parts`)."""
    return [t for p in questionnaire_parts(project, min_cell, by, mask, questions) for t in p.tables]


# -- what is shown ---------------------------------------------------------------------------


def _reason(table: ReportTable, min_cell: int) -> str:
    if any(v == STAR for v in table.body()):
        return _("all counts under {min_cell}").format(min_cell=min_cell)
    return _("no codings to count")


def _leave_out_empty(parts: Sequence[TablePart], min_cell: int) -> tuple[list[TablePart], list[Omitted]]:
    kept: list[TablePart] = []
    omitted: list[Omitted] = []
    for part in parts:
        tables = []
        for t in part.tables:
            if t.shows_nothing():
                title = f"{part.title}: {t.title}" if part.chapter != TABLES else t.title
                omitted.append(Omitted(title, _reason(t, min_cell)))
            else:
                tables.append(t)
        if tables:
            kept.append(TablePart(part.key, part.title, part.intro, tuple(tables), part.chapter, part.respondents))
    return kept, omitted


def _period(store: Store, kind: str | None) -> str:
    """The terms the material covers, first to last ("HT2016–VT2018 (4 terminer, fältet termin)"), or ""."""
    for f in ("termin", "term", "läsår"):
        values = {None if t is None else json.loads(t) for t in store.meta_value_texts(f, kind=kind)} - {None, ""}
        terms = [v for v in values if term(str(v)) is not None]
        if terms:
            ordered = natural_order(f, [str(t) for t in terms])
            span = ordered[0] if len(ordered) == 1 else f"{ordered[0]}–{ordered[-1]}"
            return n_("{span} ({n} term, the field {field})", "{span} ({n} terms, the field {field})",
                      len(ordered)).format(span=span, n=len(ordered), field=f)
    return ""


def _overview(
    project: Project, counts: Mapping[str, CodeCounts], kind: str | None, min_cell: int, report: Report,
    by: Sequence[str],
) -> tuple[str, ...]:
    store = project.store
    n = {k: store.count_documents(kind=k) for k in ("note", "survey") if kind in (None, k)}
    material = []
    if n.get("note"):
        material.append(n_("{n} interview note", "{n} interview notes", n["note"]).format(n=n["note"]))
    if n.get("survey"):
        respondents = store.count_respondents()
        material.append((n_("{n} survey answers from {respondents} respondent", "{n} survey answers from {respondents} respondents", respondents)
                         if respondents else n_("{n} survey answer", "{n} survey answers", n["survey"])).format(
            n=n["survey"], respondents=respondents))
    n_codings = store.count_coded_rows(kind=kind)
    n_segments = counts["segment"].bases[TOTAL]
    what = (_("{first} and {second}").format(first=material[0], second=material[1]) if len(material) == 2
            else material[0] if material else _("no documents"))
    lines = [n_("Material: {material}; {segments} segments, {codings} coding.", "Material: {material}; {segments} segments, {codings} codings.",
                n_codings).format(
        material=what, segments=n_segments, codings=n_codings)]
    asked = [p for p in report.parts if p.chapter == QUESTIONNAIRE]
    if asked:
        lines.append(n_("Survey: {respondents} respondents, {n} question with free-text answers ({titles}).",
                        "Survey: {respondents} respondents, {n} questions with free-text answers ({titles}).", len(asked)).format(
            respondents=max(p.respondents for p in asked), n=len(asked), titles="; ".join(p.title for p in asked)))
    period = _period(store, kind)
    if period:
        lines.append(_("Period: {period}.").format(period=period))
    resp_base = counts["respondent"].bases[TOTAL]
    lines.append(
        _("Base: the tables count documents (an interview note or a survey answer, {documents} in all), respondents "
          "(a survey respondent, or a note from a group interview, {respondents} in all) or coded segments (paragraphs). "
          "A document can have several codes, so the columns do not add up.").format(
            documents=counts["document"].bases[TOTAL], respondents=resp_base)
        + (" " + _("Breakdowns: {fields}.").format(fields=", ".join(by)) if by else "")
    )
    n_sup = sum(t.n_suppressed() for t in report.tables)
    if min_cell <= 1:  # no count is under 1 but 0, and zeros are shown
        lines.append(_("Small counts are not hidden: suppression is off for this report, so every count is shown as counted."))
    else:
        lines.append((n_("How to read *: counts under {min_cell} are shown as * in every table and chart, as are cells that "
                         "could otherwise be worked out from a shown sum ({n} cell in the report).",
                         "How to read *: counts under {min_cell} are shown as * in every table and chart, as are cells that "
                         "could otherwise be worked out from a shown sum ({n} cells in the report).", n_sup) if n_sup
                      else _("How to read *: counts under {min_cell} are shown as * in every table and chart, as are cells "
                             "that could otherwise be worked out from a shown sum.")).format(min_cell=min_cell, n=n_sup))
    reasons: dict[str, list[str]] = {}
    for o in report.omitted:
        reasons.setdefault(o.reason, []).append(o.title)
    for reason, titles in reasons.items():
        lines.append(n_("Left out: {n} table is not shown ({reason}): {titles}.",
                        "Left out: {n} tables are not shown ({reason}): {titles}.", len(titles)).format(
            n=len(titles), reason=reason, titles="; ".join(titles)))
    lines.append(_(
        "Names, e-mail addresses, phone numbers, personal identity numbers, birth dates, addresses, registration "
        "numbers, case numbers and account numbers in the quotes are replaced with [NAME], [EMAIL], [PHONE], [ID-NUMBER], "
        "[BIRTH-DATE], [ADDRESS], [REG-NUMBER], [CASE-NUMBER] and [ACCOUNT-NUMBER]."
    ))
    return tuple(lines)


# -- themes and quotes -----------------------------------------------------------------------


def _quotes(
    project: Project, leaves: list[str], n: int, by: tuple[str, ...], mask: Pseudonymiser,
    min_cell: int = 0, docs: Documents | None = None, hidden_cells: AbstractSet[tuple[str, str, str]] = frozenset(),
) -> dict[str, tuple[ReportQuote, ...]]:
    """Per code: flagged key quotes first, then manual codings, then accepted suggestions by score.

    A quote's source names its metadata (`stadsdel: Bromma, roll: handläggare`) only as far as the
    group it names has at least `min_cell` respondents (of its kind: survey respondents, or the
    notes themselves): the last field is left out until it does, so a quote never points at a
    group that the tables hide as a small count. Nor does it name a value whose cell for the code
    is '*' in a breakdown (`hidden_cells`): counting the quotes from Rinkeby-Kista would give
    that cell (all of them, when every coded segment is quoted).
    """
    from qualcode.analysis.code_counts import KIND_LABELS as GROUP_KINDS, group_label

    if n == 0 or not leaves:
        return {}
    from qualcode.coding.service import is_key_quote

    store = project.store
    flagged = store.quoted_codes()  # anyone's flag on that code's coding (or on every code there) makes a key quote
    fields = tuple(dict.fromkeys([*by, *DEFAULT_SOURCE_FIELDS]))
    group_size = _GroupSizes(project, docs)
    out: dict[str, tuple[ReportQuote, ...]] = {}
    texts: dict[int, str] = {}
    for code in leaves:
        # best first from the database; the first n segments are read, not every coding of the code
        chosen: dict[int, tuple[Any, Any]] = {}
        for coding, seg in store.iter_codings(code=[code], sources=POSITIVE_SOURCES, order="quote"):
            chosen.setdefault(seg.id, (coding, seg))
            if len(chosen) == n:
                break
        sections = store.segment_structure(list(chosen))
        quotes = []
        for coding, seg in chosen.values():
            text = _trim(mask.mask(quote_text(texts.get(seg.document_id) or texts.setdefault(
                seg.document_id, store.get_document(seg.document_id).text), coding.start, coding.end)))
            kind = "survey" if "respondent" in seg.meta else "note"
            source_parts = [_(KIND_LABELS[kind])]
            named = [k for k in fields if seg.meta.get(k) not in (None, "")
                     and not {(k, code, group_label(seg.meta[k])),
                              (k, code, f"{GROUP_KINDS[kind]} / {group_label(seg.meta[k])}")} & hidden_cells]
            while named and min_cell > 1 and group_size(kind, tuple(named), seg.meta) < min_cell:
                named.pop()
            source_parts += [f"{k}: {value_text(seg.meta[k])}" for k in named]
            section = sections.get(seg.id, (None, None))[1]
            if section:
                source_parts.append(_("section: {section}").format(section=section))
            source = mask.mask(", ".join(p for p in source_parts if p))
            origin = (_("manual coding") if coding.source == "manual"
                      else _("accepted suggestion ({score})").format(score=format_number(coding.score or 0.0, 2)))
            quotes.append(ReportQuote(code, text, source, is_key_quote(flagged, [seg.id], code), origin))
        out[code] = tuple(quotes)
    return out


class _GroupSizes:
    """Respondents per combination of metadata values, per kind (a note is its own respondent), each
    combination's counts read once (one GROUP BY, never one row per document)."""

    def __init__(self, project: Project, docs: Documents | None):
        from qualcode.analysis.code_counts import Documents

        self.store = project.store
        self.docs = docs or Documents(project.store)
        self._sizes: dict[tuple[str, tuple[str, ...]], dict[tuple[str, ...], int]] = {}

    def __call__(self, kind: str, fields: tuple[str, ...], meta: Mapping[str, Any]) -> int:
        from qualcode.analysis.code_counts import group_label

        def label(raw: tuple[str | None, ...]) -> tuple[str, ...]:
            return tuple(group_label(None if r is None else json.loads(r)) for r in raw)

        key = (kind, fields)
        if key not in self._sizes:
            sizes: dict[tuple[str, ...], int] = {}
            rows = (self.store.respondent_counts(fields, kind="survey") if kind == "survey"
                    else ((raw, n) for k, raw, n, _segs in self.docs.sizes(fields, kind) if k == kind))
            for raw, n in rows:
                group = label(raw)
                sizes[group] = sizes.get(group, 0) + n
            self._sizes[key] = sizes
        return self._sizes[key].get(tuple(group_label(meta.get(f)) for f in fields), 0)


def quote_text(text: str, start: int, end: int, context: int = QUOTE_CONTEXT_CHARS) -> str:
    r"""The coded words `text[start:end]` with a few words around them, never across a blank line.

    Context stops at a blank line and at whole words:
    >>> quote_text("Inledning.\n\nLönen är för låg, säger hon, och lokalerna är trånga.", 12, 29, context=12)
    'Lönen är för låg, säger hon, …'
    """
    para_lo = text.rfind("\n\n", 0, start)
    para_lo = 0 if para_lo < 0 else para_lo + 2
    para_hi = text.find("\n\n", end)
    para_hi = len(text) if para_hi < 0 else para_hi
    lo, hi = max(para_lo, start - context), min(para_hi, end + context)
    if lo > para_lo and not text[lo - 1].isspace():  # start the context at a word
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else start
    if hi < para_hi and not text[hi].isspace():  # and end it at one
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else end
    words = " ".join(text[lo:hi].split())
    return ("… " if lo > para_lo else "") + words + (" …" if hi < para_hi else "")


def _trim(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(",;: ") + " …"


def _sections(
    project: Project, rows: list[str], shown: Mapping[str, list[int | str]], quote_map: dict[str, tuple[ReportQuote, ...]],
    quote_notes: Mapping[str, str] | None = None,
) -> list[ThemeSection]:
    cb = project.codebook
    pos = {c: i for i, c in enumerate(rows)}

    def summary(c: str) -> CodeSummary:
        i = pos[c]
        return CodeSummary(c, cb.get(c).name, shown["segment"][i], shown["document"][i], shown["respondent"][i],
                           quote_map.get(c, ()), (quote_notes or {}).get(c, ""))

    sections: list[ThemeSection] = []
    placed: set[str] = set()
    for g in [c for c in rows if cb.get(c).is_group]:
        kids = [d.id for d in cb.descendants(g) if d.id in pos and not cb.get(d.id).is_group]
        placed.update(kids)
        code = cb.get(g)
        sections.append(ThemeSection(g, code.name, code.definition, tuple(summary(k) for k in kids)))
    rest = [c for c in rows if not cb.get(c).is_group and c not in placed]
    if rest:
        sections.append(ThemeSection("", _("Other codes"), "", tuple(summary(k) for k in rest)))
    return sections


def _cell(value: Any) -> str:
    return format_number(value, 1) if isinstance(value, float) else str(value)


def _slug(text: str) -> str:
    s = text.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")
