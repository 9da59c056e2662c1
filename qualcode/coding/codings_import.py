"""Bringing in coding done elsewhere: a codings file (JSONL or CSV) or a survey's codes columns.

Files:

- JSONL, one coding a line: ``{"document", "quote", "codes": [...] | "code", "coder"?, "memo"?}``
  (the file the demo uses);
- CSV (``;`` or ``,``, UTF-8/BOM/cp1252): ``document;quote;code;coder;memo`` (Swedish headers
  ``dokument;citat;kod;kodare;memo`` too), one or more codes per row separated by ``,``.

`quote` is a verbatim part of one segment of the document (whitespace may differ). Every row
is checked first; unknown documents, unknown codes and quotes that are not in the text are all
listed with their line numbers and nothing is written. Codes are found by id in any case
(``p13``), by point number (``13``), by exact name or alias.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.codebook import Code, Codebook
from qualcode.core.errors import Hint, InputError, NotFoundError, QualcodeError
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from qualcode.core.records import Segment
    from qualcode.project import Project

COLUMNS = {
    "document": ("document", "dokument", "fil", "file"),
    "quote": ("quote", "citat", "text"),
    "code": ("code", "codes", "kod", "koder"),
    "coder": ("coder", "kodare"),
    "memo": ("memo", "anteckning"),
}
_SPLIT = re.compile(r"[,;|]+|\s{2,}")


@dataclass(frozen=True)
class CodingLine:
    """One coding to bring in, with the line it came from."""

    line: int
    document: str
    quote: str
    codes: tuple[str, ...]
    coder: str | None = None
    memo: str | None = None


@dataclass(frozen=True)
class CodingsImport:
    """What `import_codings_file` wrote."""

    path: str
    codings: int
    segments: int
    coders: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "codings": self.codings, "segments": self.segments, "coders": list(self.coders)}


def lookup_code(codebook: Codebook, text: str) -> Code | None:
    """A codable code by the codebook's resolver, without guessing: id in any case, point number
    ('13', 'p13', 'punkt 13'), exact name or alias; None for anything else or a group."""
    try:
        code = codebook.resolve(text, fuzzy=False)
    except QualcodeError:
        return None
    return None if code.is_group else code


def split_codes(cell: str) -> list[str]:
    """The codes of one cell: 'P13, P02', 'P13;P02', '13 | 2'."""
    return [p.strip() for p in _SPLIT.split(cell or "") if p.strip()]


def read_codings(path: str | Path, encoding: str | None = None) -> list[CodingLine]:
    """Read a JSONL or CSV codings file (by its suffix); a malformed row names its line."""
    path = Path(path)
    if not path.exists():
        raise NotFoundError(_("the file '{path}' does not exist").format(path=path), value=str(path), hint=Hint(_("check the path")))
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return _read_jsonl(path)
    return _read_csv(path, encoding)


def _read_jsonl(path: Path) -> list[CodingLine]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(_("{name} line {n}: invalid JSON ({msg}) — one coding per line").format(name=path.name, n=n, msg=exc.msg)) from None
        if not isinstance(rec, dict) or "document" not in rec or "quote" not in rec or not ({"codes", "code"} & set(rec)):
            raise InputError(_("{name} line {n}: every line needs 'document', 'quote' and 'codes'").format(name=path.name, n=n))
        raw = rec.get("codes", rec.get("code"))
        codes = [str(c) for c in raw] if isinstance(raw, list) else split_codes(str(raw))
        out.append(CodingLine(n, str(rec["document"]), str(rec["quote"]), tuple(codes),
                              _opt(rec.get("coder")), _opt(rec.get("memo"))))
    return out


def _read_csv(path: Path, encoding: str | None) -> list[CodingLine]:
    from qualcode.ingest.readers import iter_table_rows

    out = []
    header: dict[str, str] | None = None
    for n, row in enumerate(iter_table_rows(path, encoding=encoding), start=2):
        if header is None:
            low = {k.strip().casefold(): k for k in row}
            header = {f: next((low[a] for a in names if a in low), "") for f, names in COLUMNS.items()}
            missing = [f for f in ("document", "quote", "code") if not header[f]]
            if missing:
                raise InputError(
                    _("{name}: the column {missing} is missing — the header row must be document;quote;code;coder;memo").format(name=path.name, missing=', '.join(missing)),
                    value=", ".join(row), valid=("document", "quote", "code", "coder", "memo"),
                )
        get = {f: (row.get(c) or "").strip() if c else "" for f, c in header.items()}
        if not any(get.values()):
            continue
        out.append(CodingLine(n, get["document"], get["quote"], tuple(split_codes(get["code"])),
                              get["coder"] or None, get["memo"] or None))
    return out


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def plan_codings(
    project: Project, lines: Iterable[CodingLine], unit: str, where: str
) -> list[tuple[int, list[str], str, str | None]]:
    """(segment id, codes, coder, memo) for every line; every problem is listed, none is written."""
    store = project.store
    cb = project.codebook
    problems: list[str] = []
    planned: list[tuple[int, list[str], str, str | None]] = []
    segments: dict[str, list[Segment] | None] = {}
    for ln in lines:
        name = Path(ln.document).name if ln.document.endswith((".md", ".txt", ".docx")) else ln.document
        codes = []
        for c in ln.codes:
            code = lookup_code(cb, c)
            if code is None:
                problems.append(_("line {line}: unknown code '{c}'").format(line=ln.line, c=c))
            else:
                codes.append(code.id)
        if not ln.codes:
            problems.append(_("line {line}: no code").format(line=ln.line))
        if name not in segments:
            doc = store.find_document(name)
            segments[name] = list(store.iter_segments(document=doc.id, unit=unit)) if doc else None
        segs = segments[name]
        if segs is None:
            problems.append(_("line {line}: the document '{name}' is not in the project").format(line=ln.line, name=name))
            continue
        quote = " ".join(ln.quote.split())
        found = [s for s in segs if quote and quote in " ".join(s.text.split())]
        if len(found) != 1:
            short = quote if len(quote) <= 40 else quote[:39] + "…"
            problems.append(
                _("line {line}: the quote '{short}' ").format(line=ln.line, short=short)
                + (_("is not in the text") if not found else _("occurs in {n_found} segments — give a longer quote").format(n_found=len(found)))
                + f" ('{name}')"
            )
            continue
        if codes and len(codes) == len(ln.codes):
            planned.append((found[0].id, codes, ln.coder or project.coder, ln.memo))
    if problems:
        shown = "; ".join(problems[:8]) + (_("; … and {value} more").format(value=len(problems) - 8) if len(problems) > 8 else "")
        raise InputError(
            n_("{where}: {n_problems} error, nothing was written — {shown}", "{where}: {n_problems} errors, nothing was written — {shown}", len(problems)).format(where=where, n_problems=len(problems), shown=shown), value=where, valid=tuple(problems),
            hint=Hint(_("see the codes' ids"), command=("codebook", "list")),
        )
    return planned


def import_codings_file(
    project: Project, path: str | Path, unit: str = "paragraph", encoding: str | None = None
) -> CodingsImport:
    """Apply the codings of a JSONL or CSV file in one transaction, or none when a line is wrong."""
    from qualcode.coding.service import add_codes

    path = Path(path)
    lines = read_codings(path, encoding)
    if not lines:
        raise InputError(_("'{name}' holds no codings").format(name=path.name), value=str(path))
    planned = plan_codings(project, lines, unit, path.name)
    with project.store.transaction():
        for seg_id, codes, coder, memo in planned:
            add_codes(project, [seg_id], codes, coder, memo, via=f"kodningsfil:{path.name}")
    return CodingsImport(
        path=str(path), codings=sum(len(c) for _, c, _, _ in planned),
        segments=len({s for s, _, _, _ in planned}), coders=tuple(dict.fromkeys(c for _, _, c, _ in planned)),
    )


def survey_codes(
    path: str | Path, columns: Sequence[str], codebook: Codebook, id_column: str | None,
    encoding: str | None = None, delimiter: str | None = None, sheet: str | None = None,
    text_column: str | None = None,
) -> dict[str, tuple[int, list[str]]]:
    """Respondent -> (line, code ids) from a survey's codes columns, checked before any import.
    The codes are for her answer in `text_column`: an id with answers there on two rows is refused.

    A column whose cells are only 0/1 (or empty, x, ja/nej) and whose header names a code is a
    0/1 column for that code; any other column lists codes per cell ('P13, P02' or '13;2')."""
    from qualcode.ingest.readers import column_name, duplicate_id_message, iter_table_rows

    columns = [column_name(c) for c in columns]
    id_column = column_name(id_column) if id_column else None
    text_column = column_name(text_column) if text_column else None
    want = [*columns, *([id_column] if id_column else [])]
    rows = list(iter_table_rows(Path(path), encoding=encoding, delimiter=delimiter, sheet=sheet, want=want))
    if not rows:
        return {}
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise InputError(
            _("'{name}' lacks the column {value}").format(name=Path(path).name, value=', '.join(repr(m) for m in missing)),
            value=missing[0], valid=tuple(rows[0]),
        )
    flags = {"", "0", "1", "x", "ja", "nej", "j", "n"}
    binary = {}
    for col in columns:
        values = {(r.get(col) or "").strip().casefold() for r in rows}
        code = lookup_code(codebook, re.sub(r"^(kod|code)[_ ]", "", col, flags=re.IGNORECASE))
        binary[col] = code if values <= flags and code is not None else None
    problems: list[str] = []
    out: dict[str, tuple[int, list[str]]] = {}
    answers: dict[str, list[int]] = {}  # respondent -> the lines of her answers in text_column
    for n, r in enumerate(rows, start=1):
        respondent = ((r.get(id_column) or "").strip() if id_column else "") or str(n)
        if text_column and (r.get(text_column) or "").strip():
            answers.setdefault(respondent, []).append(n + 1)
        codes: list[str] = []
        for col in columns:
            cell = (r.get(col) or "").strip()
            code = binary[col]
            if code is not None:
                if cell.casefold() in ("1", "x", "ja", "j"):
                    codes.append(code.id)
                continue
            for c in split_codes(cell):
                found = lookup_code(codebook, c)
                if found is None:
                    problems.append(_("line {value}: unknown code '{c}' in the column {col}").format(value=n + 1, c=c, col=col))
                else:
                    codes.append(found.id)
        if codes and respondent in out and id_column:  # codes of two rows for one answer: one would be lost
            raise InputError(duplicate_id_message(Path(path).name, respondent, id_column, out[respondent][0], n + 1), value=respondent)
        if codes:
            out[respondent] = (n + 1, list(dict.fromkeys(codes)))
    for respondent, lines in answers.items():
        if id_column and respondent in out and len(lines) > 1:
            raise InputError(duplicate_id_message(Path(path).name, respondent, id_column, lines[0], lines[1]), value=respondent)
    if problems:
        shown = "; ".join(problems[:8]) + (_("; … and {value} more").format(value=len(problems) - 8) if len(problems) > 8 else "")
        raise InputError(
            n_("{name}: {n_problems} error in the code columns, nothing was imported — {shown}",
               "{name}: {n_problems} errors in the code columns, nothing was imported — {shown}", len(problems)).format(name=Path(path).name, n_problems=len(problems), shown=shown),
            value=str(path), valid=tuple(problems), hint=Hint(_("see the codes' ids"), command=("codebook", "list")),
        )
    return out
