"""Mention tables for the final questionnaire: Antal and Procent per answer position.

Reads answers from a CSV/XLSX (or a project's imported survey), maps each answer with
`qualcode.analysis.mentions.mapper.MentionMapper`, and counts with `qualcode.analysis.tally.tally` (distinct
respondents per category and group), so these tables and `qualcode counts` share one
counting module. Columns come in sets: `langst_1..3` and `behov_1..3` are the sets
`langst` and `behov`; each set gets its own totals (times named in any position, and
times named first). `compare_published` checks the tables against the report's figures.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.analysis.mentions.mapper import (
    EJ_SVAR,
    OVRIGT,
    Candidate,
    CellReading,
    Mention,
    MentionMapper,
    mention_labels,
    mention_names,
    normalise_answer,
    parse_category,
)
from qualcode.analysis.tally import MISSING, MISSING_NAME, TOTAL, TOTAL_NAME, CountTable, tally
from qualcode.core.errors import Hint, InputError
from qualcode.core.ordering import natural_order
from qualcode.core.i18n import _, decimal_separator, n_

ID_COLUMNS = ("respondent", "respondent_id", "respondentid", "id", "resp", "löpnummer", "lopnummer")
# a position's column: 'langst_1', 'Längst 1', 'Längst (1)', 'Längst 1:a', 'Behov 3:e', 'Q5.2'
# 'Längst, val 1', 'Störst behov – svar 2' (a word for the position before the number, left out of the set's name)
_POSITION_WORD = r"(?:nr\.?|nummer|alt\.?|alternativ|val|svar|plats|prioritet|choice|option|rank)"
_NUMBERED = re.compile(r"^(?P<set>.*?)[_\-.\s–#,:]*\(?\s*(?:\b" + _POSITION_WORD + r"\s*)?(?P<pos>\d+)\s*(?::?[ae]|st|nd|rd|th)?\s*\)?$",
                       re.IGNORECASE)
# or the number inside the name: 'Område 1 där arbetet kommit längst', 'Val 2 – störst behov', 'Prioritet 3: Längst'
_INNER_POSITION = re.compile(
    r"^(?P<head>(?:.*?\S\s+)?)(?P<word>område|" + _POSITION_WORD + r")\s*(?P<pos>\d{1,2})(?!\d)[.:)]?\s*[-–—:,]?\s+(?P<tail>.*[^\W\d_].*)$",
    re.IGNORECASE)
# or with an ordinal word: 'Längst först', 'Längst andra', 'Need (third)'
_ORDINAL_POSITION = re.compile(
    r"^(?P<set>.*?)[_\-.\s–]*\(?\s*(?P<word>första|först|andra|tredje|fjärde|femte|first|second|third|fourth|fifth)\s*\)?$",
    re.IGNORECASE)
_ORDINALS = {"första": 1, "först": 1, "andra": 2, "tredje": 3, "fjärde": 4, "femte": 5,
             "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
MISSING_GROUP = MISSING  # a group key (CSV and JSON keep it); a person reads MISSING_NAME
_SURVEY_HINT = Hint(
    _("import the survey so that every answer gets a respondent and a column"),
    command=("import", "survey", "FIL"), option="text", example="KOLUMN", options=(("id", "respondent"),),
)


@dataclass(frozen=True)
class SurveyAnswers:
    """Answers per respondent: `rows[i][column]`; `ids[i]` is the respondent id or row number."""

    columns: tuple[str, ...]
    ids: tuple[str | int, ...]
    rows: tuple[Mapping[str, str], ...]
    source: str = ""
    # per respondent, the columns her questionnaire has (empty: not known, from an older project)
    asked: tuple[frozenset[str], ...] = ()
    # per column, why it cannot be counted: one respondent id with two answers in it (a project's survey)
    conflicts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnSet:
    """Columns that ask the same question in positions 1, 2, 3 (`langst_1..3`), one column
    (`Längst`, whose cells may name several areas), or a checkbox export's columns, one per
    option (`Längst – Handledning`, `Störst behov [Lokaler]`): `options` gives each such
    column's category, a mark in it is a mention."""

    name: str
    columns: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Unresolved:
    column: str
    row: str | int
    answer: str
    mention: Mention


@dataclass(frozen=True)
class SetTotals:
    """Per set: times named in any position, respondents naming it, and times named first
    (None for checkbox options: they have no order)."""

    times: CountTable
    respondents: CountTable
    first: CountTable | None


@dataclass(frozen=True)
class MentionCounts:
    respondents: int
    categories: tuple[str, ...]
    labels: Mapping[str, str]
    sets: tuple[ColumnSet, ...]
    columns: Mapping[str, CountTable]
    totals: Mapping[str, SetTotals]
    overall: CountTable  # times named over every selected column
    unresolved: tuple[Unresolved, ...]
    by: str | None = None
    groups: tuple[str, ...] = (TOTAL,)
    group_sizes: Mapping[str, int] = field(default_factory=dict)
    mapped: Mapping[str, tuple[CellReading, ...]] = field(default_factory=dict)  # per column, row order
    parted: tuple[str, ...] = ()  # the sets with a cell that named several areas
    # row labels as a person reads them (`labels` are the same in every language, for CSV)
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, category: str) -> str:
        return self.names.get(category) or self.labels[category]

    def group_name(self, group: str) -> str:
        """A group as a person reads it: a missing value and the total in the interface language."""
        return _(MISSING_NAME) if group == MISSING_GROUP else _(TOTAL_NAME) if group == TOTAL else group


# -- reading -------------------------------------------------------------------------------


def id_column(columns: Sequence[str]) -> str | None:
    """The respondent id column ('respondent', 'id', …), or None when rows are numbered."""
    low = {c.strip().lower(): c for c in columns}
    for name in ID_COLUMNS:
        if name in low:
            return low[name]
    return None


def read_answers(
    path: str | Path, encoding: str | None = None, delimiter: str | None = None, sheet: str | None = None
) -> SurveyAnswers:
    """A questionnaire table (CSV in UTF-8/BOM/cp1252 with ; , or tab, or XLSX)."""
    from qualcode.ingest.readers import iter_table_rows

    path = Path(path)
    from qualcode.ingest.readers import duplicate_id_message, nfc, other_sheets_of

    # NFC: a value exported decomposed (macOS) is the same group as one typed on a keyboard
    rows = [{k: nfc(v) if isinstance(v, str) else v for k, v in r.items()}
            for r in iter_table_rows(path, encoding=encoding, delimiter=delimiter, sheet=sheet)]
    if not rows:
        raise InputError(_("'{path}' has only a header row — no answers to count").format(path=path),
                         hint=other_sheets_of(path, sheet))
    columns = tuple(rows[0].keys())
    idc = id_column(columns)
    ids: list[str | int] = [
        ((r.get(idc) or "").strip() or n) if idc else n for n, r in enumerate(rows, start=1)
    ]
    if idc:
        first_line: dict[str | int, int] = {}
        for line, rid in enumerate(ids, start=2):
            if isinstance(rid, str) and rid in first_line:
                raise InputError(duplicate_id_message(path.name, rid, idc, first_line[rid], line), value=rid)
            first_line.setdefault(rid, line)
    return SurveyAnswers(columns=columns, ids=tuple(ids), rows=tuple(rows), source=str(path))


def project_answers(store: Any) -> SurveyAnswers:
    """Answers of a survey imported into a project: every respondent the import saw (with her
    metadata, whatever her free-text cells held), and the documents of kind 'survey' with meta
    `respondent` and `field`. A respondent's missing field is an empty answer (Ej svar)."""
    by_resp: dict[str, dict[str, str]] = {}
    asked: dict[str, set[str]] = {}
    fields: list[str] = []
    answered_by: dict[tuple[str, str], tuple[int, str]] = {}  # (respondent, field) -> the document holding the answer
    conflicts: dict[str, str] = {}
    for _survey, resp, meta, text_columns in store.respondents():
        row = by_resp.setdefault(str(resp), {})
        for k, v in meta.items():
            if k not in ("respondent", "field"):
                row.setdefault(str(k), "" if v is None else str(v))
        asked.setdefault(str(resp), set()).update(str(k) for k in meta)
        asked[str(resp)].update(text_columns)
    for doc in store.iter_documents(kind="survey"):
        meta = doc.meta or {}
        resp, fld = meta.get("respondent"), meta.get("field")
        if resp is None or fld is None:
            raise InputError(
                _("the document '{name}' lacks the metadata 'respondent' and 'field'").format(name=doc.name), value=doc.name,
                hint=_SURVEY_HINT,
            )
        row = by_resp.setdefault(str(resp), {})
        for k, v in meta.items():
            if k not in ("respondent", "field") and k not in fields:
                row.setdefault(str(k), "" if v is None else str(v))
        first_id, first = answered_by.setdefault((str(resp), str(fld)), (doc.id, doc.name))
        if first_id != doc.id and row.get(str(fld)) != doc.text:
            # two rows (or two surveys) with one respondent id: counting would keep one answer and drop the other
            conflicts.setdefault(str(fld), _(
                "respondent '{respondent}' has two answers in '{field}' (documents {first} and {second}: '{name}') — each respondent needs an id of her own").format(
                    respondent=resp, field=fld, first=first_id, second=doc.id, name=first))
        row[str(fld)] = doc.text
        if str(fld) not in fields:
            fields.append(str(fld))
    if not by_resp:
        raise InputError(_("the project has no survey answers"), hint=_SURVEY_HINT)
    columns = ["respondent"] + natural_order(None, (k for r in by_resp.values() for k in r))
    rows = tuple(dict(r, respondent=resp) for resp, r in by_resp.items())
    return SurveyAnswers(
        columns=tuple(columns), ids=tuple(by_resp), rows=rows, source="projekt",
        asked=tuple(frozenset(asked.get(resp, ())) for resp in by_resp), conflicts=conflicts,
    )


def answered_only(answers: SurveyAnswers, columns: Sequence[str]) -> SurveyAnswers:
    """Keep the respondents whose questionnaire has one of `columns` (answered or not, as in the
    file); a respondent seen only in other surveys does not belong here. Where the project does
    not know her questionnaire (imported by an older version), a non-empty answer decides."""
    for column in columns:
        if column in answers.conflicts:
            raise InputError(answers.conflicts[column], value=column,
                             hint=Hint(_("or count the file itself"), command=("mentions", "count", _("FILE"))))
    asked = answers.asked or tuple(frozenset() for _ in answers.rows)
    keep = [
        i for i, r in enumerate(answers.rows)
        if (bool(asked[i] & set(columns)) if asked[i] else any((r.get(c) or "").strip() for c in columns))
    ]
    return SurveyAnswers(
        columns=answers.columns, ids=tuple(answers.ids[i] for i in keep),
        rows=tuple(answers.rows[i] for i in keep), source=answers.source,
        asked=tuple(asked[i] for i in keep),
    )


# -- choosing columns ----------------------------------------------------------------------


def select_columns(
    available: Sequence[str], specs: Sequence[str], mapper: MentionMapper | None = None,
    rows: Sequence[Mapping[str, str]] = (),
) -> tuple[ColumnSet, ...]:
    """Columns named exactly, by glob (`langst_*`) or by prefix (`langst`), grouped in sets.

    Several values may be given in one spec separated by commas. Numbered columns
    (`behov_1`, `behov_2`) form the set `behov`, ordered by number. With a `mapper`, a checkbox
    export's columns, one per option (`Längst – Handledning`, `Längst [Lokaler]`: a common prefix,
    each option naming another area), form one set named by the prefix; a chosen family whose
    option names no area stops with its column. Without specs, every set of two or more numbered
    columns is chosen, and (given `rows`) every family whose options all name an area and whose
    cells are all marks.
    """
    chosen: list[str] = []
    for spec in specs:
        for item in (s.strip() for s in spec.split(",")):
            if not item:
                continue
            if item in available:
                found = [item]
            elif any(ch in item for ch in "*?["):
                found = [c for c in available if fnmatch.fnmatchcase(c, item)] or [
                    c for c in available if fnmatch.fnmatchcase(_fold(c), _fold(item))]
            else:
                found = ([c for c in available if _set_name(c) == item] or _folded_match(available, item)
                         or (_option_prefixed(available, item) if mapper is not None else []))
            if not found:
                raise _no_column(item, available)
            chosen.extend(c for c in found if c not in chosen)
    if not specs:
        sets = found_sets(available, mapper, rows)
        if not sets:
            raise nothing_to_count(available, rows, mapper)
        return sets
    families = {} if mapper is None else _option_families([c for c in chosen if _set_name(c) == c], mapper, rows, chosen=True)
    return _grouped(chosen, families)


def found_sets(
    available: Sequence[str], mapper: MentionMapper | None = None, rows: Sequence[Mapping[str, str]] = (),
) -> tuple[ColumnSet, ...]:
    """The sets counted when none are chosen: every set of at least two numbered columns
    (langst_1..3, behov_1..3) and, given a `mapper` and `rows`, every checkbox family whose options
    all name an area and whose cells are all marks; () when there is none. `mentions count`
    without --columns, the browser's mention view and `qualcode report` all choose by this."""
    numbered = _numbered(available)
    chosen = [c for cols in numbered.values() if len(cols) >= 2 for c in cols]
    families: dict[str, list[tuple[str, str]]] = {}
    if mapper is not None and rows:
        families = _option_families([c for c in available if _set_name(c) == c], mapper, rows)
        # Found, not chosen: options named as a numbered set is (Längst_1.. beside Längst – …) would
        # make two sets of one name. The numbered set is counted, as before options were; the
        # options are named, with the way to count them instead.
        for name in [f for f in families if len(numbered.get(f, ())) >= 2]:
            members = families.pop(name)
            import warnings

            from qualcode.core.errors import QualcodeWarning

            warnings.warn(QualcodeWarning(
                _("the options '{name} …' ({n} columns, e.g. '{column}') are not counted: the numbered columns '{numbered}' are a set of the same name — to count the options instead, name them in qualcode.yaml under mentions.columns").format(
                    name=name, n=len(members), column=members[0][0], numbered="', '".join(numbered[name][:3])),
                value=members[0][0]), stacklevel=2)
        chosen += [c for members in families.values() for c, _cat in members]
    return _grouped(chosen, families) if chosen else ()


def nothing_to_count(available: Sequence[str], rows: Sequence[Mapping[str, str]] = (),
                     mapper: MentionMapper | None = None) -> InputError:
    """No set was chosen and none was found: the columns to choose from, and (given the rows) the
    columns whose short answers name areas, as the ones to choose."""
    likely = one_cell_questions(available, rows, mapper) if mapper is not None and rows else []
    hint = Hint(_("for example"), option="columns", example="'langst_*'")
    if likely:
        hint = Hint(_("the columns {names} answer in a few words with areas: to count them").format(
            names=", ".join(f"'{c}'" for c in likely)), option="columns", example=likely[0],
            options=tuple(("columns", c) for c in likely[1:]))
    return InputError(
        _("give the columns to count — columns: {available}").format(available=', '.join(available)), valid=tuple(available),
        hint=hint,
    )


def one_cell_questions(available: Sequence[str], rows: Sequence[Mapping[str, str]], mapper: MentionMapper,
                       sample: int = 100) -> list[str]:
    """Columns that look like a question answered in one cell ('Längst': '4, 6, 2', 'handledning och lokaler'):
    of their first `sample` distinct answers, most are a few words (a median of at most 8) and at least
    60 % name only areas, among them three or more of the points. Never counted by themselves (a comment's
    sentence names areas too): named to her, to choose."""
    import statistics

    out = []
    for column in available:
        if column.strip().lower() in ID_COLUMNS or _set_name(column) != column:
            continue
        values = list(dict.fromkeys(v for v in ((r.get(column) or "").strip() for r in rows) if v))[:sample]
        if len(values) < 3 or statistics.median(len(v.split()) for v in values) > 8:
            continue
        points: set[str] = set()
        resolved = 0
        for value in values:
            mentions = mapper.map_cell(value).mentions
            if mentions and all(m.category not in (None, EJ_SVAR) for m in mentions):
                resolved += 1
                points.update(m.category for m in mentions if m.category is not None and m.category != OVRIGT)
        if resolved >= 0.6 * len(values) and len(points) >= 3:
            out.append(column)
    return out


def project_sets(answers: SurveyAnswers, mapper: MentionMapper, configured: Sequence[str] = ()) -> tuple[ColumnSet, ...]:
    """The sets of a project's survey when none are chosen: those `configured` (`mentions.columns`,
    named as --columns names them: a question answered in one cell, `Längst`, is found by no rule),
    then every set `found_sets` finds that has none of their columns; () when there is none."""
    chosen = select_columns(answers.columns, configured, mapper, answers.rows) if configured else ()
    taken = {c for s in chosen for c in s.columns}
    names = {s.name for s in chosen}
    return (*chosen, *(s for s in found_sets(answers.columns, mapper, answers.rows)
                       if not taken & set(s.columns) and s.name not in names))


def may_hold_sets(columns: Iterable[str]) -> bool:
    """Could `found_sets` find a set among these column names: two numbered columns of one set,
    or two columns with a common option prefix? Names only, so a caller can leave the answers unread."""
    columns = list(columns)
    return (any(len(cols) >= 2 for cols in _numbered(columns).values())
            or any(len(m) >= 2 for m in _option_groups([c for c in columns if _set_name(c) == c]).values()))


def _numbered(columns: Iterable[str]) -> dict[str, list[str]]:
    """Numbered columns by the set they name ('langst_1', 'langst_2' → 'langst'), in the given order."""
    numbered: dict[str, list[str]] = {}
    for c in columns:
        if _set_name(c) != c:
            numbered.setdefault(_set_name(c), []).append(c)
    return numbered


def project_mention_columns(config: Mapping[str, Any]) -> list[str]:
    """The questionnaire's columns named in qualcode.yaml (`mentions.columns`, as --columns names them:
    `[Längst, Störst behov]` for questions answered in one cell each), counted beside the sets found."""
    value = (config.get("mentions") or {}).get("columns")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    raise InputError(
        _("qualcode.yaml: mentions.columns is {value!r} — write the columns as a list, e.g. columns: [Längst, 'behov_*']").format(
            value=value), value=str(value))


def _grouped(chosen: Sequence[str], families: Mapping[str, list[tuple[str, str]]]) -> tuple[ColumnSet, ...]:
    """Chosen columns in sets: a family's columns under its prefix, numbered columns by position."""
    in_family = {c: prefix for prefix, members in families.items() for c, _cat in members}
    sets: dict[str, list[str]] = {}
    for c in chosen:
        name = in_family.get(c) or _set_name(c)
        if c not in in_family and name in families:
            raise InputError(
                _("the column '{column}' and the options '{name} …' would make two sets named '{name}' — choose one of them").format(
                    column=c, name=name), value=c, hint=Hint(_("for example"), option="columns", example=f"'{name} *'"))
        sets.setdefault(name, []).append(c)
    return tuple(
        ColumnSet(name, tuple(cols), options=tuple(families[name])) if name in families
        else ColumnSet(name, tuple(sorted(cols, key=_position)))
        for name, cols in sets.items()
    )


# a checkbox export's column, one per option: 'Längst – Handledning', 'Längst: 8. Systematisk …',
# 'Störst behov [Lokaler]', 'Längst - Lokaler', 'Längst | Lön'
_OPTION_SEPARATOR = re.compile(r"\s+[-–—|]\s+|\s*:\s+|\s*:(?=\S)|\s*\[(?=[^\[\]]+\]\s*$)")
# what a checkbox export writes in a chosen option's cell, and in one not chosen
MARKED = frozenset("1 x ja vald valt markerad kryssad ✓ ✔ ☑ ☒ checked selected yes true sant".split())
UNMARKED = frozenset(("", "0", "nej", "no", "false", "falskt", "unchecked", "not selected", "ej vald", "inte vald", "ej valt"))


def _option_splits(column: str) -> list[tuple[str, str]]:
    """(prefix, option) at each separator of a header, longest prefix first."""
    out = []
    for m in _OPTION_SEPARATOR.finditer(column):
        prefix = column[:m.start()].strip()
        option = column[m.end():].strip()
        if m.group(0).strip().startswith("["):
            option = option.rstrip("]").strip()
        if prefix and option:
            out.append((prefix, option))
    return out[::-1]


# a question's number before its name: 'Q5: Längst', '5. Längst', 'Fråga 5 Längst', 'Q5 – Längst', '5) Längst'
_QUESTION_NUMBER = re.compile(r"^(?:(?:fråga|fraga|question|q)\s*\d{1,3}[a-z]?|\d{1,3}[a-z]?)(?:\s*[.:)]\s*|\s+[-–—]\s+|\s+)(?=\S)",
                              re.IGNORECASE)


def question_name(name: str) -> str:
    """A set's name without the question's number before it ('Q5: Längst' → 'Längst'), so that a
    family is chosen, headed and compared by the name the question has ('Längst')."""
    return _QUESTION_NUMBER.sub("", name, count=1).strip() or name


def _option_prefixed(available: Sequence[str], item: str) -> list[str]:
    """The columns a checkbox family `item` has ('Längst' → 'Längst – Handledning', …; also
    'Q5: Längst – Handledning', …, when one family has that name after its question's number)."""
    key = _fold(item)
    found = [c for c in available if any(_fold(p) == key for p, _o in _option_splits(c))]
    if found:
        return found
    prefixes = {p for c in available for p, _o in _option_splits(c) if p != question_name(p) and _fold(question_name(p)) == key}
    families = {p for p in prefixes if sum(1 for c in available if any(q == p for q, _o in _option_splits(c))) >= 2}
    if len(families) > 1:
        raise InputError(_("the column '{item}' is ambiguous — write one of {names} exactly").format(
            item=item, names=", ".join(sorted(families))), value=item, valid=tuple(sorted(families)))
    return [c for c in available if any(p in families for p, _o in _option_splits(c))]


def option_category(option: str, mapper: MentionMapper) -> str | None:
    """The area an option's text names ('Handledning', '8. Systematisk intern ärendehandledning',
    'Övrigt'), or None."""
    m = mapper.map(option)
    if m.resolved and m.category != EJ_SVAR:
        return m.category
    try:
        return parse_category(option, mapper.codebook)
    except InputError:
        return None


def _option_groups(columns: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Columns by the longest option prefix each shares with another column: prefix → (column, option)."""
    splits = {c: _option_splits(c) for c in columns}
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in columns:
        others = {p for o in columns if o != c for p, _o in splits[o]}
        shared = next(((p, o) for p, o in splits[c] if p in others), None)
        if shared is not None:
            groups.setdefault(shared[0], []).append((c, shared[1]))
    return groups


def _option_families(
    columns: Sequence[str], mapper: MentionMapper, rows: Sequence[Mapping[str, str]], chosen: bool = False,
) -> dict[str, list[tuple[str, str]]]:
    """Checkbox families among `columns`: prefix → (column, category) in column order.

    Columns that share a prefix are a family when every option names another point (several may
    be Övrigt) and, unless `chosen`, every cell is a mark or empty. Chosen columns whose cells are
    all marks stop with the option that names no area (or the same point as another); chosen
    columns of free text ('Enkät: Längst', 'Enkät: Störst behov') stay columns of their own."""
    groups = _option_groups(columns)
    families: dict[str, list[tuple[str, str]]] = {}
    hint = Hint(_("give the option's text its area in a mapping file (answer;category)"), option="mapping",
                example="svar-mappning.csv")
    for prefix, members in groups.items():
        if len(members) < 2:
            continue
        found: list[tuple[str, str]] = []
        problem: InputError | None = None
        for col, option in members:
            cat = option_category(option, mapper)
            # several options may be Övrigt (Lön, IT, Annat); two options of one point are no family
            twin = next((c for c, k in found if k == cat and cat != OVRIGT), None)
            if cat is None:
                problem = InputError(
                    _("the column '{column}' is an option of '{prefix}', but '{option}' names none of the areas").format(
                        column=col, prefix=prefix, option=option), value=col, hint=hint)
            elif twin is not None:
                problem = InputError(
                    _("the columns '{first}' and '{column}' are options of '{prefix}' naming the same area {category}").format(
                        first=twin, column=col, prefix=prefix, category=cat), value=col, hint=hint)
            else:
                found.append((col, cat))
                continue
            break
        if problem is None and chosen:
            labels = _grid_labels(members, dict(found), rows, mapper)
            if labels:
                # a grid whose columns are the questions (Google Forms: 'Längst' / 'Störst behov' in an area's column)
                raise InputError(
                    _("the columns '{first}' … of '{prefix}' hold {labels} instead of marks: a grid whose columns are "
                      "questions, which is not counted — export one column per question and area ('{label} [{option}]', "
                      "marked) and choose '{label}'").format(
                        first=members[0][0], prefix=prefix, labels=", ".join(f"'{v}'" for v in labels),
                        label=labels[0], option=members[0][1]), value=members[0][0])
        if problem is None and (chosen or _all_marks(members, dict(found), rows, mapper)):
            families[prefix] = found
        elif problem is not None and chosen and _all_marks(members, dict(found), rows, mapper):
            raise problem
    return families


def _all_marks(members: Sequence[tuple[str, str]], categories: Mapping[str, str], rows: Sequence[Mapping[str, str]],
               mapper: MentionMapper) -> bool:
    """Is every cell of these option columns a mark or empty, with at least one mark?"""
    marks = [read_mark(r.get(col), col, categories.get(col), mapper) for col, _option in members for r in rows]
    return all(m is not None for m in marks) and any(marks)


def _grid_labels(members: Sequence[tuple[str, str]], categories: Mapping[str, str], rows: Sequence[Mapping[str, str]],
                 mapper: MentionMapper) -> list[str]:
    """The labels a grid's cells hold ('Längst', 'Störst behov', also 'Längst;Störst behov' and Google
    Forms' 'Längst, Störst behov'), when no cell of these option columns is a mark and two or more
    labels recur; else []."""
    labels: dict[str, str] = {}
    for col, _option in members:
        for r in rows:
            value = (r.get(col) or "").strip()
            mark = read_mark(value, col, categories.get(col), mapper)
            if mark:
                return []
            if mark is None:
                for part in _grid_parts(value):
                    labels.setdefault(normalise_answer(part), part)
    return list(labels.values()) if len(labels) >= 2 else []


def _grid_parts(value: str) -> list[str]:
    """The labels one grid cell holds: 'Längst;Störst behov' (Microsoft Forms), 'Längst, Störst behov' (Google)."""
    return [p for p in (s.strip() for s in re.split(r"[;,]", value)) if p]


def _grids(answers: SurveyAnswers, mapper: MentionMapper) -> dict[str, tuple[list[tuple[str, str]], list[str]]]:
    """Checkbox grids whose columns are the questions: prefix → (its columns and their options, the labels
    its cells hold). Each option names another area (several may be Övrigt) and no cell is a mark."""
    columns = [c for c in answers.columns if _set_name(c) == c]
    grids: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
    for prefix, members in _option_groups(columns).items():
        if len(members) < 2:
            continue
        categories: dict[str, str] = {}
        for col, option in members:
            cat = option_category(option, mapper)
            if cat is None or (cat != OVRIGT and cat in categories.values()):
                break
            categories[col] = cat
        else:
            labels = _grid_labels(members, categories, answers.rows, mapper)
            if labels:
                grids[prefix] = (members, labels)
    return grids


def with_grids(answers: SurveyAnswers, specs: Sequence[str], mapper: MentionMapper) -> tuple[SurveyAnswers, list[str]]:
    """A checkbox grid whose columns are the questions, chosen by `specs`, read as one checkbox family per question.

    Google Forms and Microsoft Forms export a grid of areas × questions as one column per area,
    whose cell names the questions ticked: 'Vilka områden? [Handledning]' = 'Längst;Störst behov'.
    Chosen by its name (`Vilka områden?`, a pattern `Vilka*`) or by a question (`Längst`), the grid gets
    a column per question and area ('Längst [Handledning]', '1' when ticked), and the specs choose
    those families ('Längst', 'Störst behov'), which are counted as every checkbox family is. A grid not
    chosen stays as it is (found by itself it is no family: a rating grid, 'Bra' / 'Dålig' per area,
    looks the same)."""
    grids = _grids(answers, mapper) if specs else {}
    if not grids:
        return answers, list(specs)
    existing = {_fold(n) for c in answers.columns for n in (c, _set_name(c), *(p for p, _o in _option_splits(c)))}
    out: list[str] = []
    chosen: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
    for spec in specs:
        for item in (s.strip() for s in spec.split(",")):
            if not item:
                continue
            key = _fold(item)
            pattern = any(ch in item for ch in "*?[")
            taken = False
            for prefix, (members, labels) in grids.items():
                names = (prefix, question_name(prefix), *(c for c, _o in members))
                if (any(fnmatch.fnmatchcase(_fold(n), key) for n in names) if pattern
                        else key in {_fold(prefix), _fold(question_name(prefix))}):
                    chosen[prefix] = grids[prefix]
                    out.extend(label for label in labels if label not in out)
                    taken = True
                elif (not pattern and key not in existing and key in {_fold(label) for label in labels}) or (
                        pattern and any(fnmatch.fnmatchcase(_fold(label), key) for label in labels)):
                    chosen[prefix] = grids[prefix]
                    out.extend(label for label in labels if label not in out and (
                        fnmatch.fnmatchcase(_fold(label), key) if pattern else _fold(label) == key))
                    taken = True
            if not taken and item not in out:
                out.append(item)
    if not chosen:
        return answers, list(specs)
    added: dict[str, tuple[str, str]] = {}  # new column → (the grid's column, the question's label)
    for prefix, (members, labels) in chosen.items():
        for label in labels:
            for col, option in members:
                name = f"{label} [{option}]"
                if name in answers.columns or name in added:
                    raise InputError(
                        _("the grid '{prefix}' would add the column '{column}', which the file has already — rename one of them").format(
                            prefix=prefix, column=name), value=name)
                added[name] = (col, normalise_answer(label))

    def ticked(row: Mapping[str, str], col: str, label: str) -> str:
        return "1" if label in {normalise_answer(p) for p in _grid_parts(row.get(col) or "")} else ""

    rows = tuple({**r, **{name: ticked(r, col, label) for name, (col, label) in added.items()}} for r in answers.rows)
    asked = tuple(frozenset({*a, *(name for name, (col, _l) in added.items() if col in a)}) for a in answers.asked)
    conflicts = {**answers.conflicts, **{name: answers.conflicts[col] for name, (col, _l) in added.items()
                                         if col in answers.conflicts}}
    return dataclasses.replace(answers, columns=(*answers.columns, *added), rows=rows, asked=asked,
                               conflicts=conflicts), out


def read_mark(value: object, column: str, category: str | None, mapper: MentionMapper) -> bool | None:
    """A checkbox option's cell: True when marked (`1`, `x`, `Ja`, `✓`, `Checked`, the option's own
    text), False when not (empty, `0`, `Nej`), None when it is neither."""
    key = normalise_answer(value)
    if key in MARKED:
        return True
    if key in UNMARKED:
        return False
    if any(key == normalise_answer(o) for _p, o in _option_splits(column)) or (
            category is not None and option_category(str(value), mapper) == category):
        return True
    return None


def _no_column(item: str, available: Sequence[str]) -> InputError:
    """A column not in the file; one column whose name holds a delimiter means the wrong delimiter."""
    from qualcode.ingest.readers import TABLE_DELIMITERS

    if len(available) == 1:
        counts = {d: available[0].count(d) for d in TABLE_DELIMITERS}
        delim = max(counts, key=lambda d: counts[d])
        if counts[delim]:
            shown = "tab" if delim == "\t" else f"'{delim}'"
            return InputError(
                _("the column '{item}' does not exist — the file has one column '{column}': its delimiter seems to be {delimiter}").format(
                    item=item, column=available[0][:40] + ("…" if len(available[0]) > 40 else ""), delimiter=shown),
                value=item, hint=Hint(_("give the delimiter"), option="delimiter", example=shown))
    return InputError(_("the column '{item}' does not exist — columns in the file: {available}").format(item=item, available=', '.join(available)))


def _fold(name: str) -> str:
    """A column or set name compared without case and accents: 'Längst' ~ 'LANGST' ~ 'langst'."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).casefold()


def _folded_match(available: Sequence[str], item: str) -> list[str]:
    """The column or set whose name is `item` but for case and accents ('langst' → Längst_1..3);
    none when two differ only so (then the name must be written exactly)."""
    key = _fold(item)
    names = {c for c in available if _fold(c) == key} or {_set_name(c) for c in available if _fold(_set_name(c)) == key}
    if len(names) != 1:
        if names:
            raise InputError(_("the column '{item}' is ambiguous — write one of {names} exactly").format(
                item=item, names=", ".join(sorted(names))), value=item, valid=tuple(sorted(names)))
        return []
    name = next(iter(names))
    return [c for c in available if c == name or _set_name(c) == name]


def _split_position(column: str) -> tuple[str, int] | None:
    """(set, position) of a position's column, or None for a column that names no position."""
    m = _NUMBERED.match(column)
    if m and m.group("set").strip():
        return m.group("set").strip(), int(m.group("pos"))
    m = _ORDINAL_POSITION.match(column)
    if m and m.group("set").strip():
        return m.group("set").strip(), _ORDINALS[m.group("word").casefold()]
    m = _INNER_POSITION.match(column)
    if m:
        # 'Område' names what is asked and stays in the name; 'Val', 'Svar', 'Nr' name only the position
        word = m.group("word") if m.group("word").casefold() == "område" else ""
        name = " ".join(p for p in (m.group("head").strip(), word, m.group("tail").strip()) if p)
        return name, int(m.group("pos"))
    return None


def has_positions(s: ColumnSet) -> bool:
    """Are the set's columns answer positions (`langst_1..3`, or `langst_1` alone)? Not a checkbox
    family (options have no order) nor one column of its own (`Längst`)."""
    return not s.options and _split_position(s.columns[0]) is not None


def _set_name(column: str) -> str:
    split = _split_position(column)
    return split[0] if split else column


def _position(column: str) -> int:
    split = _split_position(column)
    return split[1] if split else 1


# -- counting ------------------------------------------------------------------------------


def _warn_spellings(by: str, values: list[str]) -> None:
    """Values of a grouping column that differ only in case ('Södermalm', 'södermalm', 'SÖDERMALM':
    typed by hand in a free-text field) are separate groups, as in every other count: said once,
    so that she writes them alike before the tables are published."""
    spellings: dict[str, set[str]] = {}
    for v in set(values):
        spellings.setdefault(v.casefold(), set()).add(v)
    alike = [sorted(vs) for vs in spellings.values() if len(vs) > 1]
    if not alike:
        return
    import warnings

    from qualcode.core.errors import QualcodeWarning

    warnings.warn(QualcodeWarning(
        _("'{by}': values that differ only in case are separate groups ({shown}) — write them alike in the data if they are one").format(
            by=by, shown="; ".join(", ".join(vs) for vs in alike[:3])),
        value=by,
    ), stacklevel=3)


def count_mentions(
    answers: SurveyAnswers,
    sets: Sequence[ColumnSet],
    mapper: MentionMapper,
    by: str | None = None,
) -> MentionCounts:
    """Map every answer in the chosen columns and count respondents per category (and group)."""
    categories = tuple(mapper.categories)
    if by is not None and by not in answers.columns:
        raise InputError(_("the grouping column '{by}' does not exist — columns: {columns}").format(by=by, columns=', '.join(answers.columns)),
                         value=by, valid=tuple(answers.columns),
                         hint=Hint(_("group by one of the columns"), option="by", example=answers.columns[-1]))
    group_of = [((r.get(by) or "").strip() or MISSING_GROUP) if by else TOTAL for r in answers.rows]
    if by:
        _warn_spellings(by, group_of)
    groups = tuple(natural_order(by, group_of)) if by else (TOTAL,)
    sizes = {g: group_of.count(g) for g in groups}
    mapped: dict[str, list[CellReading]] = {}
    unresolved: list[Unresolved] = []
    # per set: (row, column, category, named first); a column of None: no option marked (Ej svar)
    named: dict[str, list[tuple[int, str | None, str, bool]]] = {}
    parted: list[str] = []
    for s in sets:
        obs = named.setdefault(s.name, [])
        if s.options:
            marked = [False] * len(answers.rows)
            for col, cat in s.options:
                readings = [_option_reading(r.get(col, ""), col, cat, mapper) for r in answers.rows]
                mapped[col] = readings
                for i, reading in enumerate(readings):
                    m = reading.whole
                    if m.resolved:
                        obs.append((i, col, cat, False))
                    elif m.method != "unmarked":
                        unresolved.append(Unresolved(col, answers.ids[i], m.answer, m))
                    marked[i] = marked[i] or m.method != "unmarked"
            obs.extend((i, None, EJ_SVAR, False) for i, any_mark in enumerate(marked) if not any_mark)
            continue
        for col in s.columns:
            readings = [mapper.map_cell(r.get(col, "")) for r in answers.rows]
            mapped[col] = readings
            for i, reading in enumerate(readings):
                if reading.split and s.name not in parted:
                    parted.append(s.name)
                for k, m in enumerate(reading.mentions):
                    if m.category is not None:
                        obs.append((i, col, m.category, col == s.columns[0] and k == 0))
                    else:
                        unresolved.append(Unresolved(col, answers.ids[i], m.answer, m))
    grouped = list(groups) if by else None

    def table(obs: Iterable[tuple[Any, str, str]]) -> CountTable:
        return tally(obs, categories, grouped, bases=sizes)

    columns = {
        col: table((i, cat, group_of[i]) for i, c, cat, _first in named[s.name] if c == col)
        for s in sets for col in s.columns
    }
    totals = {
        s.name: SetTotals(
            times=table(((i, c), cat, group_of[i]) for i, c, cat, _first in named[s.name]),
            respondents=table((i, cat, group_of[i]) for i, _c, cat, _first in named[s.name]),
            first=None if s.options else table((i, cat, group_of[i]) for i, _c, cat, first in named[s.name] if first),
        )
        for s in sets
    }
    return MentionCounts(
        respondents=len(answers.rows),
        categories=categories,
        labels=mention_labels(mapper.codebook),
        names=mention_names(mapper.codebook),
        sets=tuple(sets),
        columns=columns,
        totals=totals,
        overall=table(((i, s.name, c), cat, group_of[i]) for s in sets for i, c, cat, _first in named[s.name]),
        unresolved=tuple(unresolved),
        by=by,
        groups=groups,
        group_sizes=sizes,
        mapped={col: tuple(ms) for col, ms in mapped.items()},
        parted=tuple(parted),
    )


def _option_reading(value: object, column: str, category: str, mapper: MentionMapper) -> CellReading:
    """A checkbox option's cell: a mention of the option's area when marked, none when not; a
    cell that is neither stays unresolved."""
    text = "" if value is None else str(value)
    key = normalise_answer(text)
    mark = read_mark(text, column, category, mapper)
    if mark:
        m = Mention(text, key, category, "mark", evidence=(_("marked '{value}' in '{column}'").format(value=text, column=column),))
    elif mark is None:
        m = Mention(text, key, None, "mark-unknown", (Candidate(category, 0.5),),
                    (_("'{value}' in the option column '{column}' is neither a mark nor empty").format(value=text, column=column),))
    else:
        return CellReading(Mention(text, key, None, "unmarked"), ())
    return CellReading(m, (m,))


def _ungrouped(t: CountTable | None, cats: Sequence[str]) -> dict[str, int] | None:
    return None if t is None else {c: sum(t.count(c, g) for g in t.groups) for c in cats}


def to_json(counts: MentionCounts) -> dict[str, Any]:
    """The JSON contract: respondents, columns, total, unresolved (+ sets, first, by); a checkbox
    family's `first` is null (its options have no order) and its set lists its `options`."""
    cats = counts.categories
    out: dict[str, Any] = {
        "respondents": counts.respondents,
        "columns": {col: _ungrouped(t, cats) for col, t in counts.columns.items()},
        "total": _ungrouped(counts.overall, cats),
        "unresolved": [{"column": u.column, "row": u.row, "answer": u.answer} for u in counts.unresolved],
        "first": {s.name: _ungrouped(counts.totals[s.name].first, cats) for s in counts.sets},
        "sets": {
            s.name: {
                "columns": list(s.columns),
                "total": _ungrouped(counts.totals[s.name].times, cats),
                "respondents": _ungrouped(counts.totals[s.name].respondents, cats),
                "first": _ungrouped(counts.totals[s.name].first, cats),
                **({"options": dict(s.options)} if s.options else {}),
            }
            for s in counts.sets
        },
    }
    if counts.by:
        out["by"] = {
            "field": counts.by,
            "groups": {
                g: {
                    "respondents": counts.group_sizes[g],
                    "columns": {col: {c: t.count(c, g) for c in cats} for col, t in counts.columns.items()},
                    "total": {c: counts.overall.count(c, g) for c in cats},
                }
                for g in counts.groups
            },
        }
    return out


# -- tables for people ---------------------------------------------------------------------


@dataclass(frozen=True)
class TextTable:
    """A titled table of strings: what the CLI prints as a rich table or CSV."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: bool = False  # a set's total over its positions, not one column


def _pct(n: int, base: int) -> str:
    """A percentage on screen: as the report prints it (`percent_text`), with the language's decimal mark."""
    return _shown(percent_text(n, base)) if base else ""


def report_tables(counts: MentionCounts) -> list[TextTable]:
    """Ungrouped: one table per set (Antal/Procent per position, totals, first).
    Grouped: one table per column and per set total, Antal/Procent per group."""
    return _grouped_tables(counts) if counts.by else _set_tables(counts)


def _unresolved_in(counts: MentionCounts, cols: Sequence[str]) -> dict[str, int]:
    out = {c: 0 for c in cols}
    for u in counts.unresolved:
        if u.column in out:
            out[u.column] += 1
    return out


def _set_tables(counts: MentionCounts) -> list[TextTable]:
    n = counts.respondents
    unres = _unresolved_in(counts, [c for s in counts.sets for c in s.columns])
    tables = []
    for s in counts.sets:
        for col in s.columns if _column_tables(counts, s) else ():
            t = counts.columns[col]
            rows: list[tuple[str, ...]] = [(counts.name(c), str(t.count(c)), _pct(t.count(c), n)) for c in counts.categories]
            if unres[col]:
                rows.append((_("Unclassified (see `mentions review`)"), str(unres[col]), _pct(unres[col], n)))
            rows.append((_("Total"), str(n), _pct(n, n)))
            tables.append(TextTable(n_("{column} ({n} respondent)", "{column} ({n} respondents)", n).format(column=col, n=n),
                                    (_("Category"), _("Count"), _("Percent")), tuple(rows)))
        if not _set_total_shown(counts, s):
            continue
        tot = counts.totals[s.name]
        first = tot.first
        rows = [
            (counts.name(c), str(tot.times.count(c)), str(tot.respondents.count(c)),
             _pct(tot.respondents.count(c), n), *(() if first is None else (str(first.count(c)),)))
            for c in counts.categories
        ]
        left = sum(unres[c] for c in s.columns)
        if left and not _column_tables(counts, s):
            rows.append((_("Unclassified (see `mentions review`)"), str(left), "", "", *(() if first is None else ("",))))
        rows.append((_("Total"), str(sum(tot.times.count(c) for c in counts.categories)), str(n), "",
                     *(() if first is None else (str(sum(first.count(c) for c in counts.categories)),))))
        if s.options:
            title = n_("{set}: times named, respondents (percent), {n} column per option",
                       "{set}: times named, respondents (percent), {n} columns, one per option", len(s.columns)).format(
                           set=s.name, n=len(s.columns))
        elif len(s.columns) == 1:
            title = _("{set}: times named, respondents (percent), first = named first in the cell").format(set=s.name)
        else:
            title = _("{set} total: times named, respondents (percent), first = {first}").format(set=s.name, first=s.columns[0])
        header = (_("Category"), _("Times"), _("Resp."), _("Percent"), *(() if first is None else (_("First"),)))
        tables.append(TextTable(title, header, tuple(rows), total=True))
    return tables


def _column_tables(counts: MentionCounts, s: ColumnSet) -> bool:
    """Has the set a table per column? Not a checkbox family (a column is an option) nor one column
    whose cells named several areas (its table would be the set's, with a base exceeded)."""
    return not s.options and not (len(s.columns) == 1 and s.name in counts.parted)


def _set_total_shown(counts: MentionCounts, s: ColumnSet) -> bool:
    """A set's totals are a table of their own when it has several positions, a cell that named
    several areas, or checkbox options."""
    return len(s.columns) > 1 or bool(s.options) or s.name in counts.parted


def _grouped_tables(counts: MentionCounts) -> list[TextTable]:
    tables = []
    items: list[tuple[str, CountTable, bool]] = []
    for s in counts.sets:
        items += [(col, counts.columns[col], False) for col in (s.columns if _column_tables(counts, s) else ())]
        if _set_total_shown(counts, s):
            items.append((_("{set} total (times named)").format(set=s.name), counts.totals[s.name].times, True))
    for title, t, set_total in items:
        header = [_("Category")]
        for g in [*(counts.group_name(g) for g in counts.groups), _("All")]:
            header += [_("{group} Count").format(group=g), _("{group} Percent").format(group=g)]
        rows = []
        for c in counts.categories:
            row = [counts.name(c)]
            for g in counts.groups:
                row += [str(t.count(c, g)), _pct(t.count(c, g), t.bases.get(g, 0))]
            total = sum(t.count(c, g) for g in counts.groups)
            row += [str(total), _pct(total, counts.respondents)]
            rows.append(tuple(row))
        row = [_("Respondents")]
        for g in counts.groups:
            row += [str(counts.group_sizes[g]), ""]
        row += [str(counts.respondents), ""]
        rows.append(tuple(row))
        tables.append(TextTable(_("{title} per {field}").format(title=title, field=counts.by), tuple(header), tuple(rows), set_total))
    return tables


def to_csv_rows(counts: MentionCounts) -> list[dict[str, str]]:
    """Long format for spreadsheets: one row per (column or total, group, category); the same in
    every language (group keys, `labels`, 'totalt' and 'först'), as scripts read it. `antal` is
    how often the category was named, `respondenter` how many respondents named it and `procent`
    those respondents' share (in a position's column and 'först' the two counts are equal; in
    'totalt' a respondent naming a category twice counts once). A checkbox family has only
    'totalt' (its columns are its options, and they have no first)."""
    out: list[dict[str, str]] = []
    for s in counts.sets:
        entries: list[tuple[str, CountTable, CountTable | None]] = [
            (col, counts.columns[col], None) for col in (() if s.options else s.columns)]
        tot = counts.totals[s.name]
        entries.append(("totalt", tot.times, tot.respondents))
        if tot.first is not None:
            entries.append(("först", tot.first, None))
        for name, t, resp in entries:
            for g in t.groups:
                for c in counts.categories:
                    k = t.count(c, g)
                    pct_n = (resp or t).count(c, g)
                    base = (t if name == "totalt" else resp or t).bases.get(g, 0)
                    out.append({
                        "set": s.name, "column": name, "group": g, "category": c,
                        "label": counts.labels[c], "antal": str(k), "respondenter": str(pct_n),
                        "procent": _csv_percent(pct_n, base),
                    })
    return out


CSV_COLUMNS = ("set", "column", "group", "category", "label", "antal", "respondenter", "procent")


def _csv_percent(n: int, base: int) -> str:
    """A percentage in the CSV: as the report prints it, one decimal rounded half up and a decimal
    comma (Swedish spreadsheets read it), in every language."""
    return percent_text(n, base) if base else ""


# -- unresolved answers --------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """One distinct answer: how often, where, its category (None: unresolved), method, evidence, candidates."""

    answer: str
    key: str
    count: int
    columns: tuple[str, ...]
    method: str
    candidates: tuple[Any, ...]
    category: str | None = None
    evidence: tuple[str, ...] = ()


def review_items(counts: MentionCounts, every: bool = False) -> list[ReviewItem]:
    """Distinct unresolved answers, most frequent first, then the cells that name an area twice
    (counted once); with `every`, all distinct answers. A cell read as several areas has them
    all as its category ('P04 + P06'), method 'split' and each part as evidence."""
    by_key: dict[tuple[str, str | None], list[tuple[str, ReviewItem]]] = {}
    for col, readings in counts.mapped.items():
        for reading in readings:
            if not reading.mentions:
                continue  # an option not marked
            if reading.split:
                item = _split_item(counts, reading)
            else:
                m = reading.whole
                item = ReviewItem(m.answer.strip(), m.key, 1, (), m.method, m.candidates, m.category, m.evidence)
            if every or item.category is None or reading.repeated:
                by_key.setdefault((item.key, item.category), []).append((col, item))
    items = [
        dataclasses.replace(us[0][1], count=len(us), columns=tuple(dict.fromkeys(c for c, _ in us)))
        for us in by_key.values()
    ]
    return sorted(items, key=lambda it: (it.category is not None, -it.count, it.key))


def _split_item(counts: MentionCounts, reading: CellReading) -> ReviewItem:
    evidence = [_("'{part}' → {category} ({method})").format(part=m.answer.strip(), category=m.category, method=m.method)
                for m in reading.mentions]
    evidence += [_("{category} is named twice in the cell and counts once").format(category=c) for c in reading.repeated]
    return ReviewItem(
        answer=reading.whole.answer.strip(), key=reading.whole.key, count=1, columns=(), method="split",
        candidates=(), category=" + ".join(str(m.category) for m in reading.mentions), evidence=tuple(evidence),
    )


# -- comparing with published tables -------------------------------------------------------


AGREES = "stämmer"
DIFFERS = "skiljer"


@dataclass(frozen=True)
class Figure:
    """One published figure and its check: `status` is 'stämmer' or 'skiljer', `note` says why.

    `note` is text for a reader, in the interface language (numbers in it with the language's
    decimal mark); every other field is the same in every language, for scripts.

    kind: 'cell' (Antal), 'percent' (Procent, as printed), 'printed_total' (a table's Total
    line), 'prose_total' (a total stated in the text), 'prose_first' (the text's most named
    first alternative), 'respondents'. `published` and `computed` are counts, or percentages
    as text with a decimal comma ('5,2').
    """

    kind: str
    set: str
    position: str
    category: str
    published: int | str | None
    computed: int | str | None
    status: str = DIFFERS
    note: str = ""


Difference = Figure  # the name of the record before every figure was listed


@dataclass(frozen=True)
class Comparison:
    cells: int
    equal: int
    figures: tuple[Figure, ...]
    unresolved: int

    @property
    def differences(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.status != AGREES)

    @property
    def cell_differences(self) -> list[Figure]:
        return [d for d in self.differences if d.kind == "cell"]

    def summary(self) -> dict[str, dict[str, int]]:
        """Per kind of figure: how many agree and how many differ."""
        out: dict[str, dict[str, int]] = {}
        for f in self.figures:
            row = out.setdefault(f.kind, {AGREES: 0, DIFFERS: 0})
            row[f.status] = row.get(f.status, 0) + 1
        return out


def load_published(path: str | Path) -> dict[str, Any]:
    import json

    path = Path(path)
    if not path.exists():
        raise InputError(_("the file '{path}' does not exist — give the published tables as JSON").format(path=path), value=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InputError(_("'{path}' line {lineno}: invalid JSON ({msg})").format(path=path, lineno=exc.lineno, msg=exc.msg), value=str(path)) from None
    if not isinstance(data, dict):
        raise InputError(_("'{path}': expected a JSON object of tables, e.g. {{\"langst\": {{\"1\": {{\"P01\": 5}}}}}}").format(path=path))
    return {k: _counts_checked(v, path, (k,)) for k, v in data.items()}


def _counts_checked(value: Any, path: Path, where: tuple[str, ...]) -> Any:
    import json

    """The published file's counts as whole numbers ('5' and 5.0 are 5); anything else in a
    count's place stops with where it is. Texts ('source', 'notes', the categories of 'prose_first'),
    percentages and null (a figure not published) are left as they are."""
    if value is None or where[0] in ("source", "notes", "prose_first") or any("percent" in w for w in where):
        return value
    if isinstance(value, Mapping):
        return {k: _counts_checked(v, path, (*where, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return value
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().replace(" ", "").isdigit():
        number = int(value.strip().replace(" ", ""))
    if number is None or number < 0:
        raise InputError(
            _("'{path}': {where} is {value}, not a count — write a whole number of 0 or more, e.g. 5").format(
                path=path, where=" → ".join(where), value=json.dumps(value, ensure_ascii=False)),
            value=str(value),
        )
    return number


def percent_text(n: int, base: int) -> str:
    """A percentage as the report prints it: one decimal, half up on the exact fraction (1 of 16
    is 6,3, not 6,2 as a float rounded half to even), decimal comma ('5,1'). Every mention table uses it."""
    from decimal import ROUND_HALF_UP, Decimal

    if base <= 0:
        return "–"
    value = (Decimal(n) * 100 / Decimal(base)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}".replace(".", ",")


def _shown(percent: str) -> str:
    """A percentage of `percent_text` in a note, with the language's decimal mark ('5,1', '5.1')."""
    return percent.replace(",", decimal_separator())


def _parse_percent(value: Any, where: str) -> str:
    from decimal import Decimal, InvalidOperation

    text = str(value).strip().replace("%", "").replace(" ", "").replace(".", ",")
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise InputError(_("{where}: the percentage {value!r} is not a number — write e.g. \"5,2\"").format(where=where, value=value), value=value) from None
    return f"{number.quantize(Decimal('0.1'))}".replace(".", ",")


_PUBLISHED_PER_SET = ("percent", "printed_totals", "prose_totals", "prose_first")


def _published_sets_as(published: Mapping[str, Any], names: Sequence[str]) -> Mapping[str, Any]:
    """The published file with its sets named as the data's where they differ only in case and
    accents (published 'langst', data 'Längst_1..3'); a name two sets could have stays as it is."""
    rename: dict[str, str] = {}
    for key in published:
        if key in names or key in _PUBLISHED_PER_SET:
            continue
        same = ([n for n in names if _fold(n) == _fold(str(key))]
                or [n for n in names if _fold(question_name(n)) == _fold(str(key))])
        if len(same) == 1 and same[0] not in published:
            rename[key] = same[0]
    if not rename:
        return published
    out = {rename.get(k, k): v for k, v in published.items()}
    for part in _PUBLISHED_PER_SET:
        if isinstance(out.get(part), Mapping):
            out[part] = {rename.get(k, k): v for k, v in out[part].items()}
    return out


def compare_published(counts: MentionCounts, published: Mapping[str, Any]) -> Comparison:
    """Every published figure against the computed counts, each with its status.

    Published format: `{SET: {POSITION: {CAT: n}}}` for each computed set (e.g. `langst`,
    `behov`), plus optional `percent: {SET: {POSITION: {CAT: "5,2"}}}` (the printed Procent
    column), `printed_totals: {SET: {POSITION: n}}` (the 'Total' line as printed),
    `prose_totals: {SET: {CAT: n}}` (totals stated in the report's text), `prose_first:
    {SET: CAT}` (the category the text says is named most often first) and `respondents`.
    A percentage is checked twice: against the published count (the report's own arithmetic,
    of `respondents`) and against the computed count.
    """
    cats = counts.categories
    published = _published_sets_as(published, [s.name for s in counts.sets])
    figures: list[Figure] = []
    cells = equal = 0
    known = {s.name for s in counts.sets}
    base = int(published.get("respondents") or counts.respondents)

    def computed(t: CountTable, c: str) -> int:
        return sum(t.count(c, g) for g in t.groups)

    tables_found = False
    for s in counts.sets:
        pub = published.get(s.name)
        if not isinstance(pub, Mapping):
            continue
        tables_found = True
        ours = {pos for pos, _t in _position_tables(counts, s)}
        for pos in sorted((k for k in pub if str(k).isdigit() and str(k) not in ours), key=int):
            # a published position the data has no column for is a figure that cannot agree, not one to skip
            figures.append(Figure("cell", s.name, str(pos), "*", None, None, DIFFERS,
                                  _("the published file has table {pos}, the data no column for it").format(pos=pos)))
        for pos, col in _position_tables(counts, s):
            ptab = pub.get(pos)
            if ptab is not None and not isinstance(ptab, Mapping):
                raise InputError(_("published table {name} {pos}: expected categories with counts, e.g. {{\"P01\": 5}}, not {value}").format(
                    name=s.name, pos=pos, value=type(ptab).__name__), value=str(pos))
            if not isinstance(ptab, Mapping):
                figures.append(Figure("cell", s.name, pos, "*", None, None, DIFFERS, _("table {pos} is missing from the published file").format(pos=pos)))
                continue
            unknown = sorted(set(ptab) - set(cats))
            if unknown:
                raise InputError(_("published table {name} {pos}: unknown categories {unknown} — valid: {cats}").format(name=s.name, pos=pos, unknown=unknown, cats=', '.join(cats)),
                                 value=unknown[0], valid=cats)
            for c in cats:
                cells += 1
                got = computed(col, c)
                want = ptab.get(c)
                if want is not None and int(want) == got:
                    equal += 1
                    figures.append(Figure("cell", s.name, pos, c, int(want), got, AGREES))
                else:
                    figures.append(Figure("cell", s.name, pos, c, None if want is None else int(want), got, DIFFERS,
                                          _("missing from the published table") if want is None else ""))
    if not tables_found:
        raise InputError(
            _("the published tables have none of the sets {known} — keys in the file: {map}").format(known=', '.join(sorted(known)), map=', '.join(map(str, published))),
            valid=sorted(known),
        )
    columns = {(s.name, pos): t for s in counts.sets for pos, t in _position_tables(counts, s)}
    for set_name, per_pos in (published.get("percent") or {}).items():
        for pos, per_cat in (per_pos or {}).items():
            pcol = columns.get((set_name, str(pos)))
            if pcol is None:
                continue
            for c, value in per_cat.items():
                if c not in cats:
                    raise InputError(_("percent {set_name} {pos}: unknown category '{c}' — valid: {cats}").format(set_name=set_name, pos=pos, c=c, cats=', '.join(cats)),
                                     value=c, valid=cats)
                printed = _parse_percent(value, f"percent {set_name} {pos} {c}")
                own_count = (published.get(set_name, {}).get(str(pos)) or {}).get(c)
                own = percent_text(int(own_count), base) if own_count is not None else None
                got_pct = percent_text(computed(pcol, c), counts.respondents)
                notes = []
                if own is not None and own != printed:
                    notes.append(_("the report's {count} of {base} gives {percent}").format(count=own_count, base=base, percent=_shown(own)))
                if got_pct != printed:
                    notes.append(_("the data gives {percent}").format(percent=_shown(got_pct)))
                figures.append(Figure("percent", set_name, str(pos), c, printed, got_pct,
                                      AGREES if not notes else DIFFERS, "; ".join(notes)))
    for set_name, per_pos in (published.get("printed_totals") or {}).items():
        if set_name not in known:
            continue
        for pos, value in per_pos.items():
            rows_sum = sum(int(v) for v in (published.get(set_name, {}).get(str(pos), {}) or {}).values())
            ok = int(value) == rows_sum == counts.respondents
            note = "" if ok else n_("the table's rows sum to {rows_sum}, the data has {respondents} respondent",
                                    "the table's rows sum to {rows_sum}, the data has {respondents} respondents", counts.respondents).format(rows_sum=rows_sum, respondents=counts.respondents)
            figures.append(Figure("printed_total", set_name, str(pos), "Total", int(value), counts.respondents,
                                  AGREES if ok else DIFFERS, note))
    for set_name, per_cat in (published.get("prose_totals") or {}).items():
        if set_name not in known:
            continue
        tables = published.get(set_name, {})
        for c, value in per_cat.items():
            if c not in cats:
                raise InputError(_("prose_totals {set_name}: unknown category '{c}' — valid: {cats}").format(set_name=set_name, c=c, cats=', '.join(cats)),
                                 value=c, valid=cats)
            table_sum = sum(int((tables.get(p) or {}).get(c, 0)) for p in tables)
            got = counts.totals[set_name].times.count(c) if counts.by is None else sum(
                counts.totals[set_name].times.count(c, g) for g in counts.groups
            )
            ok = int(value) == got == table_sum
            figures.append(Figure("prose_total", set_name, "totalt", c, int(value), got, AGREES if ok else DIFFERS,
                                  _("the sum of the published tables is {table_sum}").format(table_sum=table_sum)))
    # 'named most often first' needs answer positions: not a checkbox family, not one cell ('Längst')
    ordered = {s.name for s in counts.sets if has_positions(s)}
    for set_name, said in (published.get("prose_first") or {}).items():
        fcol = columns.get((set_name, "1"))
        if fcol is None or set_name not in ordered:
            continue
        first = {k: computed(fcol, k) for k in cats if k not in (OVRIGT, EJ_SVAR)}
        top = max(first.values(), default=0)
        leaders = [k for k, v in first.items() if v == top]
        ok = leaders == [said]
        figures.append(Figure("prose_first", set_name, "1", said, said, ", ".join(leaders), AGREES if ok else DIFFERS,
                              _("most often first: {leaders} ({top})").format(leaders=", ".join(leaders), top=top)))
    if published.get("respondents") is not None:
        n = int(published["respondents"])
        figures.append(Figure("respondents", "", "", "", n, counts.respondents,
                              AGREES if n == counts.respondents else DIFFERS))
    return Comparison(cells=cells, equal=equal, figures=tuple(figures), unresolved=len(counts.unresolved))


def _position_tables(counts: MentionCounts, s: ColumnSet) -> list[tuple[str, CountTable]]:
    """A set's tables as the published file numbers them: one per position ('1', '2', '3'); a
    checkbox family's options are one table, '1' (respondents per area)."""
    if s.options:
        return [("1", counts.totals[s.name].respondents)]
    return [(str(_position(col)), counts.columns[col]) for col in s.columns]


def comparison_json(cmp: Comparison) -> dict[str, Any]:
    def row(d: Figure) -> dict[str, Any]:
        return {"kind": d.kind, "set": d.set, "position": d.position, "category": d.category,
                "published": d.published, "computed": d.computed, "status": d.status, "note": d.note}

    return {
        "cells": cmp.cells,
        "equal": cmp.equal,
        "unresolved": cmp.unresolved,
        "summary": cmp.summary(),
        "figures": [row(d) for d in cmp.figures],
        "differences": [row(d) for d in cmp.differences],
    }


__all__ = [
    "AGREES", "ColumnSet", "Comparison", "CSV_COLUMNS", "DIFFERS", "Difference", "Figure", "EJ_SVAR", "MentionCounts", "ReviewItem",
    "SurveyAnswers", "TextTable", "compare_published", "comparison_json", "count_mentions", "id_column",
    "load_published", "percent_text", "project_answers", "read_answers", "report_tables", "review_items",
    "select_columns", "to_csv_rows", "to_json", "found_sets", "project_sets", "question_name", "has_positions",
]
