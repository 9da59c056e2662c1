"""Code matrix export: one row per document or respondent, one 0/1 column per code, plus metadata.

For R, SPSS and Excel. Survey answers can be grouped by respondent (a respondent has a
code when any of their answers has it); metadata that differs between one respondent's
answers (such as the question column) is then left out. Only positive codings count
(manual and accepted), from the chosen coders.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.cells import csv_row, xlsx_strings
from qualcode.core.errors import Hint, InputError
from qualcode.core.files import atomic_write, write_bytes
from qualcode.core.ordering import sort_key
from qualcode.core.records import CASE_KEYS, MODEL_CODER, case_key, survey_name
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.project import Project

BY = ("auto", "document", "respondent")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class CodeMatrix:
    id_columns: tuple[str, ...]
    meta_columns: tuple[str, ...]
    code_columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.id_columns + self.meta_columns + self.code_columns


def code_matrix(
    project: Project,
    by: str = "auto",
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    groups: bool = False,
    kind: str | None = None,
) -> CodeMatrix:
    """Build the matrix. `by='auto'` groups survey answers by respondent and keeps notes per document."""
    if by not in BY:
        raise InputError(_("unknown row grouping '{by}' — choose one of {by2}").format(by=by, by2=', '.join(BY)), value=by, valid=tuple(BY),
                         hint=Hint(_("for example"), option="by", example="auto"))
    store = project.store
    cb = project.codebook
    if codes:
        wanted = [cb.resolve(c) for c in codes]
        code_cols = [c.id for c in wanted]
    else:
        code_cols = [c.id for c in cb.codes if groups or not c.is_group]
    rollup = {cid: cb.rollup(cid) for cid in code_cols}
    docs = list(store.iter_documents(kind=kind))
    if not docs:
        raise InputError(_("the project has no documents"), hint=Hint("importera", command=("corpus", "import", "FIL")))
    has_survey = any(d.kind == "survey" for d in docs)
    group_survey = by == "respondent" or (by == "auto" and has_survey)
    unit_of: dict[int, str] = {}
    survey_of: dict[str, str] = {}  # a respondent's unit -> her survey (the file's name, as the import keys it)
    for d in docs:
        if group_survey and d.kind == "survey":
            # one id in two surveys (2017's respondent 1 and 2018's) is two people
            survey = survey_name(d) or d.name.split(":", 1)[0]
            unit_of[d.id] = f"survey:{survey}\x00{case_key(d)}"
            survey_of[unit_of[d.id]] = survey
        else:
            unit_of[d.id] = f"doc:{d.id}"
    several_surveys = len(set(survey_of.values())) > 1
    members: dict[str, list[Any]] = {}
    for d in docs:
        members.setdefault(unit_of[d.id], []).append(d)

    chosen = [c for c in (coders or store.coders()) if c != MODEL_CODER]
    coded: dict[str, set[str]] = {}
    if chosen:
        for _seg, doc_id, code, _meta in store.coded_rows(coders=chosen):
            if doc_id in unit_of:
                coded.setdefault(unit_of[doc_id], set()).add(code)

    varying: set[str] = set()
    meta_keys: dict[str, None] = {}
    for docs_in in members.values():
        for d in docs_in:
            meta_keys.update(dict.fromkeys(d.meta))
        for key in {k for d in docs_in for k in d.meta}:
            if len({repr(d.meta.get(key)) for d in docs_in}) > 1:
                varying.add(key)
    meta_cols = [k for k in meta_keys if k not in varying]
    if group_survey:
        meta_cols = [k for k in meta_cols if k.lower() not in CASE_KEYS]  # it is the id column
    id_cols = ["id", "survey", "kind", "documents"] if several_surveys else ["id", "kind", "documents"]
    rows = []
    for unit, docs_in in members.items():
        first = docs_in[0]
        rid = unit.split("\x00", 1)[1] if unit.startswith("survey:") else first.name
        row: dict[str, Any] = {"id": rid, "kind": first.kind, "documents": len(docs_in)}
        if several_surveys:
            row["survey"] = survey_of.get(unit, "")
        for k in meta_cols:
            row[k] = _scalar(first.meta.get(k, ""))
        have = coded.get(unit, set())
        for cid in code_cols:
            row[cid] = 1 if have & rollup[cid] else 0
        rows.append(row)
    # Respondents and documents in the reader's order: numbers numerically, names Swedish-alphabetically.
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    rows.sort(key=lambda r: (kinds.index(r["kind"]), sort_key("survey", r.get("survey", "")), sort_key("id", r["id"])))
    clash = set(meta_cols) & (set(id_cols) | set(code_cols))
    if clash:
        raise InputError(
            _("the metadata field {clash} clashes with a column of the matrix — rename the field").format(clash=', '.join(sorted(clash)))
        )
    return CodeMatrix(tuple(id_cols), tuple(meta_cols), tuple(code_cols), tuple(rows))


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, ensure_ascii=False)


def safe_name(name: str, used: set[str]) -> str:
    """A variable name SPSS and R accept: ASCII letters, digits and _, starting with a letter."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^A-Za-z0-9_]+", "_", folded).strip("_") or "v"
    if not out[0].isalpha():
        out = "v_" + out
    out = out[:60]
    base, n = out, 2
    while out.lower() in used:
        out, n = f"{base}_{n}", n + 1
    used.add(out.lower())
    return out


def header(matrix: CodeMatrix, safe_names: bool = False) -> list[str]:
    if not safe_names:
        return list(matrix.columns)
    used: set[str] = set()
    return [safe_name(c, used) for c in matrix.columns]


def matrix_csv(matrix: CodeMatrix, delimiter: str = ",", safe_names: bool = False) -> str:
    """CSV text; with `;` (Swedish Excel, LibreOffice in a Swedish locale) numbers get a decimal comma."""
    comma = delimiter == ";"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(csv_row(header(matrix, safe_names)))
    for r in matrix.rows:
        writer.writerow(csv_row(_csv_cell(r.get(c), comma) for c in matrix.columns))
    return out.getvalue()


def _csv_cell(value: Any, decimal_comma: bool) -> Any:
    if value is None:
        return ""
    if decimal_comma and isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def write_matrix(
    matrix: CodeMatrix,
    path: str | Path,
    fmt: str | None = None,
    delimiter: str = ",",
    bom: bool = False,
    safe_names: bool = False,
) -> Path:
    """Write CSV (UTF-8, optional BOM for Excel) or XLSX; the format follows the suffix by default."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in FORMATS:
        raise InputError(_("unknown matrix format '{fmt}' — choose csv or xlsx (or the file extension .csv/.xlsx)").format(fmt=fmt))
    if len(delimiter) != 1:
        raise InputError(_("the delimiter must be one character, got {delimiter!r} — e.g. ';' for Swedish Excel").format(delimiter=delimiter))
    if fmt == "csv":
        data = matrix_csv(matrix, delimiter, safe_names)
        return write_bytes(path, data.encode("utf-8-sig" if bom else "utf-8"))
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "kodmatris"
    ws.append(header(matrix, safe_names))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in matrix.rows:
        ws.append([r.get(c) for c in matrix.columns])
    ws.freeze_panes = "B2"
    xlsx_strings(ws)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path
