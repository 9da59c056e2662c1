"""Theme summaries for the researcher's report: Markdown, DOCX and XLSX, with charts and quotes.

Per theme group and code: coded segments, documents and respondents (overall and broken down by
metadata fields), bar charts, and a few representative quotes with their source metadata. Every
count under `min_cell` is shown as '*' (with complementary suppression, see `qualcode.analysis.suppression`);
every quote and every text cell is pseudonymised (see `qualcode.export.privacy`). Nothing else of a
document's text is exported.

    >>> result = write_report(project, "rapport", formats=("md", "docx", "xlsx"), by=("stadsdel",))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.analysis.suppression import STAR, suppress, suppress_column
from qualcode.analysis.tally import TOTAL, CountTable, format_number, tally
from qualcode.core.cells import xlsx_workbook_strings
from qualcode.core.errors import Hint, InputError
from qualcode.core.files import atomic_write
from qualcode.export.privacy import Pseudonymiser, pseudonymiser_for
from qualcode.project import Project

FORMATS = ("md", "docx", "xlsx")
UNIT_LABELS = {"segment": "kodade segment", "document": "dokument", "respondent": "respondenter"}
KIND_LABELS = {"note": "anteckning", "survey": "enkätsvar"}
# Metadata shown with a quote when the user gave no --by fields.
DEFAULT_SOURCE_FIELDS = ("stadsdel", "termin", "grupp", "verksamhetsomrade", "verksamhetsområde", "roll")
QUOTE_MAX_CHARS = 600
QUOTE_CONTEXT_CHARS = 40  # characters of context on each side of a coded span


@dataclass(frozen=True)
class ReportTable:
    """One table: cells are str labels, int counts, float percentages or '*'."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""
    sheet: str = ""  # XLSX sheet name (≤ 31 characters); default: from the title


@dataclass(frozen=True)
class ReportQuote:
    code: str
    text: str
    source: str
    key: bool
    origin: str


@dataclass(frozen=True)
class ReportChart:
    title: str
    path: Path


@dataclass(frozen=True)
class CodeSummary:
    code: str
    name: str
    segments: int | str
    documents: int | str
    respondents: int | str
    quotes: tuple[ReportQuote, ...]


@dataclass(frozen=True)
class ThemeSection:
    code: str
    name: str
    description: str
    codes: tuple[CodeSummary, ...]


@dataclass(frozen=True)
class Report:
    title: str
    intro: tuple[str, ...]
    tables: tuple[ReportTable, ...]
    charts: tuple[ReportChart, ...]
    sections: tuple[ThemeSection, ...]
    min_cell: int


@dataclass(frozen=True)
class ReportResult:
    out_dir: Path
    files: tuple[Path, ...]
    n_tables: int
    n_charts: int
    n_quotes: int
    n_suppressed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir), "files": [str(f) for f in self.files], "tables": self.n_tables,
            "charts": self.n_charts, "quotes": self.n_quotes, "suppressed_cells": self.n_suppressed,
        }


@dataclass
class _Counter:
    suppressed: int = 0
    tables: list[ReportTable] = field(default_factory=list)


def write_report(
    project: Project,
    out_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    by: Sequence[str] = (),
    codes: Sequence[str] | None = None,
    min_cell: int | None = None,
    quotes: int = 3,
    kind: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    extra_tables: Sequence[ReportTable] = (),
) -> ReportResult:
    """Build the report for `project` and write it to `out_dir` in each of `formats`.

    `extra_tables`: further tables (e.g. questionnaire mention tables) already suppressed.
    """
    formats = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError(f"okänt format {', '.join(repr(b) for b in bad) or '(inget)'} — välj bland {', '.join(FORMATS)}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"'{out}' är en fil, inte en mapp", value=str(out),
                         hint=Hint("ange en mapp för rapporten", option="out", example="MAPP"))
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(
        project, out, by=by, codes=codes, min_cell=min_cell, quotes=quotes, kind=kind,
        pseudonymiser=pseudonymiser, extra_tables=extra_tables,
    )
    files: list[Path] = []
    # Each file is written under a temporary name and renamed into place: a kill keeps the old one.
    for fmt, write in (("md", write_markdown), ("docx", write_docx), ("xlsx", write_xlsx)):
        if fmt in formats:
            path = out / f"rapport.{fmt}"
            with atomic_write(path) as tmp:
                write(report, tmp)
            files.append(path)
    n_quotes = sum(len(c.quotes) for s in report.sections for c in s.codes)
    n_sup = sum(1 for t in report.tables for r in t.rows for v in r if v == STAR)
    return ReportResult(out, tuple(files), len(report.tables), len(report.charts), n_quotes, n_sup)


# --- building -------------------------------------------------------------------------------------


def build_report(
    project: Project,
    out_dir: Path,
    by: Sequence[str] = (),
    codes: Sequence[str] | None = None,
    min_cell: int | None = None,
    quotes: int = 3,
    kind: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    extra_tables: Sequence[ReportTable] = (),
) -> Report:
    """Counts, suppressed tables, charts (written to out_dir/diagram) and masked quotes."""
    from qualcode.analysis.code_counts import code_counts
    from qualcode.export.charts import bar_chart

    if quotes < 0:
        raise InputError(f"antalet citat per kod är negativt ({quotes})", value=quotes,
                         hint=Hint("ange 0 eller fler citat per kod", option="quotes", example="3"))
    store = project.store
    cb = project.codebook
    privacy_cfg = project.config.get("privacy") or {}
    min_cell = int(privacy_cfg.get("min_cell", 5)) if min_cell is None else int(min_cell)
    if min_cell < 0:
        raise InputError(f"minsta cellstorlek är negativ ({min_cell})", value=min_cell,
                         hint=Hint("ange t.ex. 5 (0 stänger av maskeringen)", option="min_cell", example="5"))
    mask = pseudonymiser or pseudonymiser_for(project)
    by = tuple(dict.fromkeys(b.strip() for b in by if b.strip()))

    seg = code_counts(project, by=(), unit="segment", codes=codes, kind=kind)
    doc = code_counts(project, by=(), unit="document", codes=codes, kind=kind)
    rows = list(seg.table.categories)
    resp_total, resp_base = _respondent_counts(project, rows, (), kind)
    n_docs = doc.total.bases[TOTAL]

    seg_col = suppress_column([seg.total.count(c) for c in rows], min_cell=min_cell)
    doc_col = suppress_column([doc.total.count(c) for c in rows], min_cell=min_cell)
    resp_col = suppress_column([resp_total.count(c) for c in rows], min_cell=min_cell)
    overview_rows = []
    for i, c in enumerate(rows):
        share: Any = STAR if doc_col[i] == STAR else (round(100.0 * doc.total.count(c) / n_docs, 1) if n_docs else None)
        overview_rows.append((c, _indent(seg.depth[c]) + cb.get(c).name, seg_col[i], doc_col[i], share, resp_col[i]))
    tables = [
        ReportTable(
            key="oversikt",
            title="Översikt: kodade segment, dokument och respondenter per tema och kod",
            columns=("Kod", "Tema/kod", "Kodade segment", "Dokument", "Andel av dokumenten (%)", "Respondenter"),
            rows=tuple(overview_rows),
            note=(
                f"Underlag: {n_docs} dokument, {resp_base} respondenter (en enkätrespondent, eller ett dokument för "
                "anteckningar från gruppintervjuer). Ett dokument eller segment kan ha flera koder, så kolumnerna "
                f"summeras inte. Antal under {min_cell} visas som *."
            ),
        )
    ]
    for f in by:
        for unit in ("document", "segment", "respondent"):
            tables.append(_breakdown_table(project, f, unit, rows, codes, kind, min_cell, mask))
    tables.extend(questionnaire_tables(project, min_cell, by=by, mask=mask))
    tables.extend(extra_tables)

    chart_dir = out_dir / "diagram"
    charts: list[ReportChart] = []
    groups = [c for c in rows if cb.get(c).is_group]
    leaves = [c for c in rows if not cb.get(c).is_group]
    if groups:
        title = "Antal dokument där temat förekommer (temagrupper)"
        charts.append(ReportChart(title, bar_chart(
            [cb.get(c).name for c in groups], [doc_col[rows.index(c)] for c in groups],
            chart_dir / "dokument-per-temagrupp.png", title, "Antal dokument", min_cell)))
    if leaves:
        title = "Antal dokument per kod"
        charts.append(ReportChart(title, bar_chart(
            [f"{c} {cb.get(c).name}" for c in leaves], [doc_col[rows.index(c)] for c in leaves],
            chart_dir / "dokument-per-kod.png", title, "Antal dokument", min_cell)))
    for f in by:
        # One chart per field: how many documents each value has (the base of the breakdowns).
        totals = _field_totals(project, f, kind, min_cell)
        title = f"Antal dokument per {f}"
        charts.append(ReportChart(title, bar_chart(
            [mask.mask(str(k)) for k in totals], list(totals.values()),
            chart_dir / f"dokument-per-{_slug(f)}.png", title, "Antal dokument", min_cell)))

    quote_map = _quotes(project, leaves, quotes, by, mask)
    sections = _sections(project, rows, seg_col, doc_col, resp_col, quote_map)
    in_scope = {doc_id for doc_id, _ in store.document_meta(kind=kind)}
    n_codings = sum(1 for _, doc_id, _, _ in store.coded_rows() if doc_id in in_scope)
    name = mask.mask(str(project.config.get("name") or project.root.name))
    intro = (
        f"Projekt: {name}. {n_docs} dokument ({_kinds(project, kind)}), {seg.bases[TOTAL]} segment, "
        f"{n_codings} kodningar.",
        f"Antal under {min_cell} visas som * i alla tabeller och diagram, liksom celler som annars skulle kunna "
        "räknas fram ur en visad summa.",
        "Namn, e-postadresser, telefonnummer, personnummer och adresser i citaten är ersatta med "
        "[NAMN], [E-POST], [TELEFON], [PERSONNUMMER] och [ADRESS].",
    )
    return Report(f"Temasammanställning: {name}", intro, tuple(tables), tuple(charts), tuple(sections), min_cell)


def _indent(depth: int) -> str:
    return "  " * depth


def _slug(text: str) -> str:
    s = text.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _kinds(project: Project, kind: str | None) -> str:
    parts = []
    for k, label in (("note", "anteckningar"), ("survey", "enkätsvar")):
        if kind in (None, k):
            n = project.store.count_documents(kind=k)
            if n:
                parts.append(f"{n} {label}")
    return ", ".join(parts) or "inga"


def _respondent_key(doc_id: int, meta: dict[str, Any], survey_ids: set[int]) -> tuple[str, str]:
    # A survey respondent answers several questions (one document each); a group interview is one unit.
    if doc_id in survey_ids and meta.get("respondent") not in (None, ""):
        return ("r", str(meta["respondent"]))
    return ("d", str(doc_id))


def _group_value(meta: dict[str, Any], f: str) -> str:
    from qualcode.analysis.code_counts import MISSING

    v = meta.get(f)
    return MISSING if v in (None, "") else str(v)


def _respondent_counts(
    project: Project, rows: list[str], by: tuple[str, ...], kind: str | None
) -> tuple[CountTable, int]:
    """Distinct respondents per code (and value of the first `by` field), with the number of respondents."""
    store = project.store
    cb = project.codebook
    doc_meta = dict(store.document_meta(kind=kind))
    survey_ids = {i for i, _ in store.document_meta(kind="survey")}
    f = by[0] if by else None
    groups = sorted({_group_value(m, f) for m in doc_meta.values()}) if f else None
    ancestors = {c.id: [a.id for a in cb.ancestors(c.id)] for c in cb.codes}
    wanted = set(rows)
    obs = []
    for _seg_id, doc_id, code_id, meta in store.coded_rows():
        if doc_id not in doc_meta:
            continue
        unit = _respondent_key(doc_id, meta, survey_ids)
        g = _group_value(meta, f) if f else TOTAL
        for c in [code_id, *ancestors.get(code_id, [])]:
            if c in wanted:
                obs.append((unit, c, g))
    all_units: dict[str, set[tuple[str, str]]] = {}
    for doc_id, meta in doc_meta.items():
        g = _group_value(meta, f) if f else TOTAL
        all_units.setdefault(g, set()).add(_respondent_key(doc_id, meta, survey_ids))
    bases = {g: len(all_units.get(g, ())) for g in (groups or [TOTAL])}
    table = tally(obs, rows, groups, bases)
    return table, sum(bases.values())


def _breakdown_table(
    project: Project, f: str, unit: str, rows: list[str], codes: Sequence[str] | None, kind: str | None,
    min_cell: int, mask: Pseudonymiser,
) -> ReportTable:
    from qualcode.analysis.code_counts import code_counts

    cb = project.codebook
    if unit == "respondent":
        table, _ = _respondent_counts(project, rows, (f,), kind)
    else:
        table = code_counts(project, by=(f,), unit=unit, codes=codes, kind=kind).table
    groups = list(table.groups)
    cells = [[table.count(c, g) for g in groups] for c in rows]
    # Each unit belongs to one value of the field, so a row's cells add up to its shown total.
    sup = suppress(cells, min_cell=min_cell, row_totals=True, col_totals=False)
    out_rows = []
    for i, c in enumerate(rows):
        depth = len(cb.ancestors(c))
        out_rows.append((c, _indent(depth) + cb.get(c).name, *[sup.show(i, j) for j in range(len(groups))], sup.row_total(i)))
    # A group's base is a count too: a district with 3 respondents is a small cell.
    shown_bases = suppress_column([table.bases[g] for g in groups], min_cell=min_cell)
    bases = ", ".join(f"{mask.mask(g)}: {b}" for g, b in zip(groups, shown_bases))
    return ReportTable(
        key=_slug(f"{'dokument' if unit == 'document' else unit}-{f}"),
        title=f"{UNIT_LABELS[unit].capitalize()} per {f}",
        columns=("Kod", "Tema/kod", *[mask.mask(g) for g in groups], TOTAL),
        rows=tuple(out_rows),
        note=f"Antal {UNIT_LABELS[unit]} med koden per {f}. Underlag per grupp: {bases}. Antal under {min_cell} visas som *.",
    )


def questionnaire_tables(
    project: Project, min_cell: int, by: Sequence[str] = (), mask: Pseudonymiser | None = None
) -> list[ReportTable]:
    """Mention tables for a questionnaire in the project (survey fields in numbered sets such as
    langst_1..3, behov_1..3): respondents per category and answer position, suppressed.

    Each position column sums to the number of respondents (unclassified answers get their own
    row), and each row sums to the times the category was named, so both margins are shown and
    protected. For each `by` field that the questionnaire has, one more table per set: times
    named per category and group. Empty when the project has no such questionnaire.
    """
    from qualcode.analysis.mentions.mapper import MentionMapper, load_mapping
    from qualcode.analysis.mentions.tables import (
        MISSING_GROUP,
        _set_name,
        answered_only,
        count_mentions,
        project_answers,
        select_columns,
    )

    if project.store.count_documents(kind="survey") == 0:
        return []
    answers = project_answers(project.store)
    # Sets in the questionnaire's own order (the order the fields were imported), not alphabetical.
    field_order: dict[str, None] = {}
    for _doc_id, meta in project.store.document_meta(kind="survey"):
        if meta.get("field") is not None:
            field_order.setdefault(str(meta["field"]), None)
    sets_cols: dict[str, list[str]] = {}
    for c in sorted(answers.columns, key=lambda c: (list(field_order).index(c) if c in field_order else len(field_order))):
        if _set_name(c) != c:
            sets_cols.setdefault(_set_name(c), []).append(c)
    specs = [name for name, cols in sets_cols.items() if len(cols) >= 2]
    if not specs:
        return []
    sets = select_columns(answers.columns, specs)
    answers = answered_only(answers, [c for s in sets for c in s.columns])
    mapping_path = (project.config.get("mentions") or {}).get("mapping")
    cb = project.codebook
    mapping = load_mapping(project.root / mapping_path, cb) if mapping_path else None
    mapper = MentionMapper(cb, mapping)
    counts = count_mentions(answers, sets, mapper)
    tables = []
    for s in sets:
        unresolved = {c: sum(1 for u in counts.unresolved if u.column == c) for c in s.columns}
        cats = list(counts.categories)
        cells = [[counts.columns[col].count(cat) for col in s.columns] for cat in cats]
        labels = [(cat, counts.labels[cat]) for cat in cats]
        if any(unresolved.values()):
            cells.append([unresolved[c] for c in s.columns])
            labels.append(("", "Ej klassade svar"))
        sup = suppress(cells, min_cell=min_cell, row_totals=True, col_totals=True)
        rows = [
            (code, label, *[sup.show(i, j) for j in range(len(s.columns))], sup.row_total(i))
            for i, (code, label) in enumerate(labels)
        ]
        rows.append(("", TOTAL, *[sup.col_total(j) for j in range(len(s.columns))], sup.grand_total))
        tables.append(ReportTable(
            key=_slug(f"enkat-{s.name}"),
            sheet=f"Enkät {s.name}",
            title=f"Enkät: {s.name} – antal respondenter per kategori och svarsposition",
            columns=("Kod", "Kategori", *s.columns, "Gånger nämnd"),
            rows=tuple(rows),
            note=(
                f"{counts.respondents} respondenter som svarat på frågan. Varje kolumn summerar till antalet svarande; "
                f"raden Totalt och kolumnen Gånger nämnd är summor. Antal under {min_cell} visas som *."
            ),
        ))
    for f in by:
        if f not in answers.columns:
            continue
        grouped = count_mentions(answers, sets, mapper, by=f)
        group_of = {str(rid): ((row.get(f) or "").strip() or MISSING_GROUP) for rid, row in zip(answers.ids, answers.rows)}
        groups = list(grouped.groups)
        for s in sets:
            times = grouped.totals[s.name].times
            cats = list(grouped.categories)
            cells = [[times.count(cat, g) for g in groups] for cat in cats]
            labels = [(cat, grouped.labels[cat]) for cat in cats]
            unclassified = [u for u in grouped.unresolved if u.column in s.columns]
            if unclassified:
                cells.append([sum(1 for u in unclassified if group_of.get(str(u.row)) == g) for g in groups])
                labels.append(("", "Ej klassade svar"))
            # Columns add up to (positions × respondents) per group, rows to times named overall.
            sup = suppress(cells, min_cell=min_cell, row_totals=True, col_totals=True)
            rows = [
                (code, label, *[sup.show(i, j) for j in range(len(groups))], sup.row_total(i))
                for i, (code, label) in enumerate(labels)
            ]
            rows.append(("", TOTAL, *[sup.col_total(j) for j in range(len(groups))], sup.grand_total))
            sizes = suppress_column([grouped.group_sizes[g] for g in groups], min_cell=min_cell)
            shown = [mask.mask(g) if mask else g for g in groups]
            tables.append(ReportTable(
                key=_slug(f"enkat-{s.name}-{f}"),
                sheet=f"Enkät {s.name} per {f}",
                title=f"Enkät: {s.name} per {f} – gånger nämnd (alla positioner)",
                columns=("Kod", "Kategori", *shown, TOTAL),
                rows=tuple(rows),
                note=(
                    f"Antal gånger kategorin nämndes i {', '.join(s.columns)} per {f}. Respondenter per grupp: "
                    + ", ".join(f"{g}: {n}" for g, n in zip(shown, sizes))
                    + f". Antal under {min_cell} visas som *."
                ),
            ))
    return tables


def _field_totals(project: Project, f: str, kind: str | None, min_cell: int) -> dict[str, int | str]:
    counts: dict[str, int] = {}
    for _doc_id, meta in project.store.document_meta(kind=kind):
        g = _group_value(meta, f)
        counts[g] = counts.get(g, 0) + 1
    keys = sorted(counts)
    shown = suppress_column([counts[k] for k in keys], min_cell=min_cell)
    return dict(zip(keys, shown))


def _quotes(
    project: Project, leaves: list[str], n: int, by: tuple[str, ...], mask: Pseudonymiser
) -> dict[str, tuple[ReportQuote, ...]]:
    """Per code: flagged key quotes first, then manual codings, then accepted suggestions by score."""
    if n == 0 or not leaves:
        return {}
    store = project.store
    flagged = store.flagged_quotes()
    fields = tuple(dict.fromkeys([*by, *DEFAULT_SOURCE_FIELDS]))
    out: dict[str, tuple[ReportQuote, ...]] = {}
    texts: dict[int, str] = {}
    for code in leaves:
        best: dict[int, tuple[tuple[Any, ...], Any, Any]] = {}
        for coding, seg in store.iter_codings(code=[code], sources=("manual", "accepted")):
            rank = (seg.id not in flagged, coding.source != "manual", -(coding.score or 0.0), seg.document_id, seg.idx)
            if seg.id not in best or rank < best[seg.id][0]:
                best[seg.id] = (rank, coding, seg)
        chosen = sorted(best.values(), key=lambda t: t[0])[:n]
        quotes = []
        for _rank, coding, seg in chosen:
            text = _trim(mask.mask(quote_text(texts.get(seg.document_id) or texts.setdefault(
                seg.document_id, store.get_document(seg.document_id).text), coding.start, coding.end)))
            source_parts = [KIND_LABELS.get("survey" if "respondent" in seg.meta else "note", "")]
            source_parts += [f"{k}: {seg.meta[k]}" for k in fields if seg.meta.get(k) not in (None, "")]
            source = mask.mask(", ".join(p for p in source_parts if p))
            origin = "manuell kodning" if coding.source == "manual" else f"accepterat förslag ({format_number(coding.score or 0.0, 2)})"
            quotes.append(ReportQuote(code, text, source, seg.id in flagged, origin))
        out[code] = tuple(quotes)
    return out


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
    project: Project, rows: list[str], seg_col: list[int | str], doc_col: list[int | str], resp_col: list[int | str],
    quote_map: dict[str, tuple[ReportQuote, ...]],
) -> list[ThemeSection]:
    cb = project.codebook
    pos = {c: i for i, c in enumerate(rows)}

    def summary(c: str) -> CodeSummary:
        i = pos[c]
        return CodeSummary(c, cb.get(c).name, seg_col[i], doc_col[i], resp_col[i], quote_map.get(c, ()))

    sections: list[ThemeSection] = []
    placed: set[str] = set()
    for g in [c for c in rows if cb.get(c).is_group]:
        kids = [d.id for d in cb.descendants(g) if d.id in pos and not cb.get(d.id).is_group]
        placed.update(kids)
        code = cb.get(g)
        sections.append(ThemeSection(g, code.name, getattr(code, "description", "") or "", tuple(summary(k) for k in kids)))
    rest = [c for c in rows if not cb.get(c).is_group and c not in placed]
    if rest:
        sections.append(ThemeSection("", "Övriga koder", "", tuple(summary(k) for k in rest)))
    return sections


# --- writers --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell for Markdown/DOCX: Swedish decimal comma, '*' kept, None empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value, 1)
    return str(value)


def _md_cell(value: Any) -> str:
    return _text(value).replace("|", "\\|").replace("\n", " ")


def _count_phrase(s: CodeSummary) -> str:
    return f"{_text(s.segments)} kodade segment i {_text(s.documents)} dokument ({_text(s.respondents)} respondenter)"


def write_markdown(report: Report, path: Path) -> Path:
    lines = [f"# {report.title}", ""]
    lines += [p + "  " for p in report.intro] + [""]
    lines += ["## Tabeller", ""]
    for t in report.tables:
        lines += [f"### {t.title}", ""]
        lines.append("| " + " | ".join(_md_cell(c) for c in t.columns) + " |")
        lines.append("|" + "|".join("---" if i < 2 else "---:" for i in range(len(t.columns))) + "|")
        for r in t.rows:
            lines.append("| " + " | ".join(_md_cell(v).replace("  ", "&nbsp;&nbsp;") for v in r) + " |")
        if t.note:
            lines += ["", "*" + t.note.replace("*", "\\*") + "*"]
        lines.append("")
    if report.charts:
        lines += ["## Diagram", ""]
        for ch in report.charts:
            rel = ch.path.relative_to(path.parent) if ch.path.is_relative_to(path.parent) else ch.path
            lines += [f"![{ch.title}]({rel.as_posix()})", ""]
    lines += ["## Teman och citat", ""]
    for s in report.sections:
        lines += [f"### {s.code + ' ' if s.code else ''}{s.name}", ""]
        for c in s.codes:
            lines += [f"#### {c.code} {c.name}", "", _count_phrase(c) + ".", ""]
            for q in c.quotes:
                star = "**Nyckelcitat.** " if q.key else ""
                lines += [f"> {star}”{q.text}”", ">", f"> — {q.source} ({q.origin})", ""]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def write_docx(report: Report, path: Path) -> Path:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    doc.core_properties.title = report.title
    doc.core_properties.language = "sv-SE"
    doc.add_heading(report.title, level=0)
    for p in report.intro:
        doc.add_paragraph(p)
    doc.add_heading("Tabeller", level=1)
    landscape = False
    for t in report.tables:
        wide = len(t.columns) > 8
        if wide != landscape:
            # Wide breakdowns (many districts) get landscape pages so numbers stay on one line.
            _new_section(doc, landscape=wide)
            landscape = wide
        usable = 25.7 if wide else 17.0
        font = Pt(7) if wide else Pt(8.5)
        n_num = len(t.columns) - 2
        code_w, name_w = (2.6, 5.4) if wide else (2.7, 6.3)
        num_w = max(0.9, (usable - code_w - name_w) / max(1, n_num))
        widths = [code_w, name_w] + [num_w] * n_num
        doc.add_heading(t.title, level=2)
        if t.note:
            # The note goes above the table, so a table kept on one page keeps its note with it.
            note = doc.add_paragraph(t.note)
            note.runs[0].italic = True
            note.runs[0].font.size = Pt(8.5)
            note.paragraph_format.keep_with_next = True
        table = doc.add_table(rows=1, cols=len(t.columns))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for j, col in enumerate(t.columns):
            cell = table.rows[0].cells[j]
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(col))
            run.bold = True
            run.font.size = font
        _repeat_header(table.rows[0])
        for r in t.rows:
            cells = table.add_row().cells
            for j, v in enumerate(r):
                para = cells[j].paragraphs[0]
                text = _text(v)
                if j == 1 and text.startswith("  "):
                    # Codes under a theme group: indented, not prefixed with spaces.
                    para.paragraph_format.left_indent = Cm(0.3 * ((len(text) - len(text.lstrip(" "))) // 2))
                    text = text.lstrip(" ")
                run = para.add_run(text)
                run.font.size = font
                if j >= 2:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if len(table.rows) <= (14 if wide else 32):
            # Keep a short table on one page: every row but the last keeps with the next.
            for row in table.rows[:-1]:
                for cell in row.cells:
                    for para in cell.paragraphs:
                        para.paragraph_format.keep_with_next = True
        # Both the grid (LibreOffice reads it) and every cell (Word reads those) get the widths.
        for j, w in enumerate(widths):
            table.columns[j].width = Cm(w)
        for row in table.rows:
            row_cells = row.cells  # computed on each access: fetch once per row
            for j, w in enumerate(widths):
                row_cells[j].width = Cm(w)
        doc.add_paragraph()
    if landscape:
        _new_section(doc, landscape=False)
    if report.charts:
        doc.add_heading("Diagram", level=1)
        for n, ch in enumerate(report.charts, 1):
            doc.add_picture(str(ch.path), width=Cm(16))
            cap = doc.add_paragraph(f"Figur {n}. {ch.title}.")
            cap.runs[0].italic = True
            cap.runs[0].font.size = Pt(9)
    doc.add_page_break()
    doc.add_heading("Teman och citat", level=1)
    for s in report.sections:
        doc.add_heading(f"{s.code + ' ' if s.code else ''}{s.name}", level=2)
        for c in s.codes:
            doc.add_heading(f"{c.code} {c.name}", level=3)
            doc.add_paragraph(_count_phrase(c) + ".")
            for q in c.quotes:
                para = doc.add_paragraph(style="Quote")
                if q.key:
                    para.add_run("Nyckelcitat. ").bold = True
                para.add_run(f"”{q.text}”")
                src = doc.add_paragraph(f"— {q.source} ({q.origin})")
                src.runs[0].font.size = Pt(9)
    doc.save(str(path))
    return path


def _new_section(doc, landscape: bool) -> None:  # type: ignore[no-untyped-def]
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long_side, short_side = Cm(29.7), Cm(21.0)
    sec.page_width, sec.page_height = (long_side, short_side) if landscape else (short_side, long_side)
    sec.left_margin = sec.right_margin = Cm(2.0)


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    """Mark a table's first row as a header row, repeated on each printed page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def write_xlsx(report: Report, path: Path) -> Path:
    """One sheet per table; counts stay numbers, suppressed cells are the text '*'."""
    import pandas as pd

    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for t in report.tables:
            name = _sheet_name(t.sheet or t.title, used)
            frame = pd.DataFrame([[(v.strip() if isinstance(v, str) else v) for v in r] for r in t.rows],
                                 columns=list(t.columns))
            frame.to_excel(writer, sheet_name=name, index=False, startrow=1)
            ws = writer.sheets[name]
            ws.cell(row=1, column=1, value=t.title)
            if t.note:
                ws.cell(row=len(t.rows) + 4, column=1, value=t.note)
            ws.column_dimensions["B"].width = 48
        quotes = [
            (c.code, c.name, q.text, q.source, q.origin, "ja" if q.key else "")
            for s in report.sections for c in s.codes for q in c.quotes
        ]
        if quotes:
            name = _sheet_name("Citat", used)
            pd.DataFrame(quotes, columns=["Kod", "Kod (namn)", "Citat", "Källa", "Ursprung", "Nyckelcitat"]).to_excel(
                writer, sheet_name=name, index=False
            )
        xlsx_workbook_strings(writer.book)  # a quote or a heading that starts with '=' stays text
    return path


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title.split(":")[0] if ":" in title else title).strip()[:31] or "Tabell"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name
