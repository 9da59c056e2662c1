"""JSONL files of segments for the stateless suggest/evaluate mode.

`IN.jsonl`:    {"id": str, "text": str}
`CODED.jsonl`: {"id": str, "text": str, "codes": [code ids]}
`OUT.jsonl`:   {"id": str, "codes": [ids over threshold], "scores": {every code id: float}}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.codebook import Codebook
from qualcode.core.errors import InputError, UnknownCodeError
from qualcode.core.files import atomic_write
from qualcode.core.i18n import _


@dataclass(frozen=True)
class TextRow:
    """One segment to code: an id and its text; `codes` is None when the file has none."""

    id: str
    text: str
    codes: tuple[str, ...] | None = None
    line: int = 0


def read_rows(path: str | Path, coded: bool = False) -> list[TextRow]:
    """Read and validate a JSONL file; errors name the file and line and say what to do."""
    path = Path(path)
    if not path.exists():
        raise InputError(_("the file '{path}' does not exist — check the path").format(path=path))
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise InputError(_("could not read '{path}' as UTF-8 — save the file as UTF-8").format(path=path)) from None
    rows: list[TextRow] = []
    shape = '{"id": "...", "text": "...", "codes": [...]}' if coded else '{"id": "...", "text": "..."}'
    for n, line in enumerate(lines, 1):
        where = _("{path}, line {n}").format(path=path, n=n)
        if not line.strip():
            raise InputError(_("{where}: empty line — every line must be a JSON object {shape}; remove empty lines").format(where=where, shape=shape))
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(_("{where}: invalid JSON ({msg}, column {colno}) — every line must be {shape}").format(where=where, msg=exc.msg, colno=exc.colno, shape=shape)) from None
        if not isinstance(obj, dict):
            raise InputError(_("{where}: the line is not a JSON object — write {shape}").format(where=where, shape=shape))
        rid, text = obj.get("id"), obj.get("text")
        if not isinstance(rid, str) or not rid:
            raise InputError(_("{where}: 'id' is missing or not a string — write {shape}").format(where=where, shape=shape))
        if not isinstance(text, str):
            raise InputError(_("{where}: 'text' is missing or not a string (id {rid!r}) — write {shape}").format(where=where, rid=rid, shape=shape))
        codes: tuple[str, ...] | None = None
        if coded:
            raw = obj.get("codes")
            if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
                raise InputError(_("{where}: 'codes' is missing or not a list of code ids (id {rid!r}) — write {shape}").format(where=where, rid=rid, shape=shape))
            codes = tuple(dict.fromkeys(raw))
        rows.append(TextRow(rid, text, codes, n))
    if not rows:
        raise InputError(_("'{path}' is empty — every line must be a JSON object {shape}").format(path=path, shape=shape))
    return rows


def check_codes(rows: Iterable[TextRow], codebook: Codebook, path: str | Path) -> None:
    """Every code id must be a leaf code of the codebook; list the unknown ones with lines."""
    leaves = {c.id for c in codebook.leaves}
    bad: dict[str, list[int]] = {}
    for r in rows:
        for c in r.codes or ():
            if c not in leaves:
                bad.setdefault(c, []).append(r.line)
    if bad:
        where = "; ".join(_("{c!r} (line {map}{value})").format(c=c, map=', '.join(map(str, ls[:5])), value='…' if len(ls) > 5 else '') for c, ls in bad.items())
        groups = [c for c in bad if c in codebook]
        hint = _(" (groups G-* are not coded directly — use a code in the group)") if groups else ""
        err = UnknownCodeError(sorted(bad), [c.id for c in codebook.leaves])
        raise InputError(_("{path}: unknown code ids {where}{hint} — {err}").format(path=path, where=where, hint=hint, err=err)) from None


def write_rows(path: str | Path, rows: Iterable[dict[str, object]]) -> int:
    """Write JSONL (UTF-8, one object a line); returns the number of lines."""
    path = Path(path)
    n = 0
    with atomic_write(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
