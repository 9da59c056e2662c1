"""The codebook: hierarchical codes with definitions, rules, examples and keywords."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from qualcode.core.cells import csv_cell, csv_text
from qualcode.core.errors import CodebookError, InputError, UnknownCodeError
from qualcode.core.i18n import _

KINDS = ("point", "theme", "group", "code")
LIST_FIELDS = ("examples", "keywords", "exclude_keywords", "aliases", "synonyms")
CSV_FIELDS = (
    "id", "name", "parent", "kind", "number", "definition", "include", "exclude",
    "examples", "keywords", "exclude_keywords", "aliases", "synonyms", "color",
)
# The CSV export (Taguette's codebook import reads `path` with its hierarchy and `description`;
# it refuses a file that also has a `name` column). `name` and `definition` are read as well.
CSV_COLUMNS = (
    "id", "path", "parent", "kind", "number", "description", "include", "exclude",
    *LIST_FIELDS, "color",
)
PATH_SEPARATOR = " / "


_POINT = re.compile(r"^(?:p|punkt|nr)?\.?\s*0*(\d{1,2})\.?$")
FUZZY_CUTOFF = 80.0  # rapidfuzz WRatio a misspelt name or alias must reach


@dataclass(frozen=True)
class Code:
    """One code. `parent` points to a group or a broader code; groups roll up counts."""

    id: str
    name: str
    parent: str | None = None
    kind: str = "code"
    number: int | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # "fadder = mentor": an answer's word (left) read as a word of the codebook (right)
    synonyms: tuple[str, ...] = ()
    color: str = ""  # "#RRGGBB", kept from a .qdc so other QDA tools show the same colours

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in LIST_FIELDS:
            d[key] = list(d[key])
        return {k: v for k, v in d.items() if v not in (None, "", [])}


@dataclass(frozen=True)
class Codebook:
    """An ordered, validated set of codes. Order is the order of the file."""

    codes: tuple[Code, ...]
    name: str = "Kodbok"
    version: int = 1
    _index: dict[str, Code] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.clear()
        self._index.update({c.id: c for c in self.codes})

    def __contains__(self, code_id: object) -> bool:
        return code_id in self._index

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def get(self, code_id: str) -> Code:
        try:
            return self._index[code_id]
        except KeyError:
            raise UnknownCodeError(code_id, self.ids) from None

    def resolve(self, code_id: str, fuzzy: bool = True) -> Code:
        """The one code resolver: id in any case (`p13` → P13), point number (`13`, `punkt 13`),
        exact name or alias, then (with `fuzzy`) the name or alias a misspelling is closest to.

        An ambiguous name raises InputError naming the candidates; nothing close raises
        UnknownCodeError with the valid ids."""
        if code_id in self._index:
            return self._index[code_id]
        q = " ".join(code_id.split()).casefold()
        for c in self.codes:
            if c.id.casefold() == q:
                return c
        m = _POINT.match(q)
        if m:
            points = [c for c in self.codes if c.number == int(m.group(1))]
            if len(points) == 1:
                return points[0]
        for named in ([c for c in self.codes if c.name.casefold() == q],
                      [c for c in self.codes if q in (a.casefold() for a in c.aliases)]):
            if len(named) == 1:
                return named[0]
        if fuzzy and len(q) >= 4 and not any(ch.isdigit() for ch in q):
            return self._fuzzy(code_id, q)
        raise UnknownCodeError(code_id, self.ids)

    def _fuzzy(self, code_id: str, q: str) -> Code:
        from rapidfuzz import fuzz, process, utils

        choices: dict[str, list[str]] = {}
        for c in self.codes:
            for label in (c.name, *c.aliases):
                choices.setdefault(label, []).append(c.id)
        ranked: dict[str, float] = {}
        for label, score, _unused in process.extract(q, list(choices), scorer=fuzz.WRatio, processor=utils.default_process, limit=8):
            for cid in choices[label]:
                ranked[cid] = max(ranked.get(cid, 0.0), float(score))
        best = sorted(ranked.items(), key=lambda kv: -kv[1])
        if not best or best[0][1] < FUZZY_CUTOFF:
            raise UnknownCodeError(code_id, self.ids)
        tied = [cid for cid, s in best if s >= best[0][1] - 2]
        if len(tied) > 1:
            raise InputError(
                _("'{code_id}' can mean several codes: {value} — give the id").format(code_id=code_id, value=', '.join(f'{c} ({self._index[c].name})' for c in tied[:4])),
                value=code_id, valid=tied,
            )
        return self._index[best[0][0]]

    def check(self, code_ids: Iterable[str]) -> None:
        """Raise UnknownCodeError listing every id not in the codebook."""
        bad = [c for c in code_ids if c not in self._index]
        if bad:
            raise UnknownCodeError(sorted(set(bad)), self.ids)

    @property
    def leaves(self) -> list[Code]:
        """Codes that are applied to segments (everything but groups), in order."""
        return [c for c in self.codes if not c.is_group]

    @property
    def groups(self) -> list[Code]:
        return [c for c in self.codes if c.is_group]

    @property
    def points(self) -> list[Code]:
        """The numbered points (P01..P13), ordered by number."""
        return sorted((c for c in self.codes if c.number is not None), key=lambda c: c.number or 0)

    def children(self, code_id: str) -> list[Code]:
        return [c for c in self.codes if c.parent == code_id]

    def descendants(self, code_id: str) -> list[Code]:
        out: list[Code] = []
        stack = [code_id]
        while stack:
            for child in self.children(stack.pop()):
                out.append(child)
                stack.append(child.id)
        return out

    def ancestors(self, code_id: str) -> list[Code]:
        out: list[Code] = []
        code = self.get(code_id)
        while code.parent:
            code = self.get(code.parent)
            out.append(code)
        return out

    def path(self, code_id: str) -> str:
        """The names from the top group down to the code: "Arbetsmiljö / Lämpliga lokaler"."""
        names = [c.name for c in reversed(self.ancestors(code_id))] + [self.get(code_id).name]
        return PATH_SEPARATOR.join(names)

    def rollup(self, code_id: str) -> set[str]:
        """The code itself plus all its descendants: what a count of it includes."""
        return {code_id} | {c.id for c in self.descendants(code_id)}

    def hash(self) -> str:
        """Stable hash of the codes' content (order included)."""
        payload = json.dumps([c.to_dict() for c in self.codes], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "codes": [c.to_dict() for c in self.codes]}

    def with_codes(self, codes: Iterable[Code]) -> Codebook:
        return build_codebook(list(codes), name=self.name, version=self.version)


def _as_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        # CSV cells carry lists as `a | b | c`
        return tuple(v.strip() for v in value.split("|") if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    raise CodebookError(_("{where}: the field '{key}' must be a list, got {name}").format(where=where, key=key, name=type(value).__name__))


def code_from_mapping(raw: Mapping[str, Any], where: str) -> Code:
    """Build one Code from a YAML/JSON/CSV record, with clear messages for bad fields."""
    if not isinstance(raw, Mapping):
        raise CodebookError(_("{where}: every code must be an entry with at least 'id' and 'name'").format(where=where))
    unknown = set(raw) - set(CSV_FIELDS)
    if unknown:
        raise CodebookError(
            _("{where}: unknown fields {unknown} — valid fields: {csv_fields}").format(where=where, unknown=sorted(unknown), csv_fields=', '.join(CSV_FIELDS))
        )
    code_id = str(raw.get("id") or "").strip()
    if not code_id:
        raise CodebookError(_("{where}: the code has no id — give every code a unique id, e.g. P01").format(where=where))
    name = str(raw.get("name") or "").strip()
    if not name:
        raise CodebookError(_("{where}: the code '{code_id}' has an empty name — give 'name'").format(where=where, code_id=code_id))
    kind = str(raw.get("kind") or "").strip() or None
    number = raw.get("number")
    if number in ("", None):
        number = None
    else:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise CodebookError(_("{where}: 'number' for '{code_id}' must be an integer, got {number!r}").format(where=where, code_id=code_id, number=number)) from None
    if kind is None:
        kind = "point" if number is not None else ("theme" if code_id.startswith("T-") else "code")
    if kind not in KINDS:
        raise CodebookError(_("{where}: unknown kind '{kind}' for '{code_id}' — choose one of {kinds}").format(where=where, kind=kind, code_id=code_id, kinds=', '.join(KINDS)))
    parent = raw.get("parent")
    parent = str(parent).strip() if parent not in (None, "") else None
    lists = {k: _as_list(raw.get(k), where, k) for k in LIST_FIELDS}
    for entry in lists["synonyms"]:
        parse_synonym(entry, _("{where}: the code '{code}'").format(where=where, code=code_id))
    color = str(raw.get("color") or "").strip().upper()
    if color and not re.fullmatch(r"#[0-9A-F]{6}", color):
        raise CodebookError(_("{where}: 'color' for '{code_id}' must be a colour such as #1F77B4, got {color!r}").format(where=where, code_id=code_id, color=color))
    return Code(
        id=code_id,
        name=name,
        parent=parent,
        kind=kind,
        number=number,
        definition=str(raw.get("definition") or "").strip(),
        include=str(raw.get("include") or "").strip(),
        exclude=str(raw.get("exclude") or "").strip(),
        **lists,
        color=color,
    )


def parse_synonym(entry: str, where: str = "synonym") -> tuple[str, str]:
    """Split a synonym entry 'fadder = mentor' into (word in answers, word of the codebook).

    >>> parse_synonym("Kursdagar = fortbildning")
    ('kursdagar', 'fortbildning')
    """
    left, sep, right = entry.partition("=")
    left, right = " ".join(left.lower().split()), " ".join(right.lower().split())
    if not sep or not left or not right or "=" in right:
        raise CodebookError(
            _("{where}: the synonym {entry!r} must be written 'word = word in the codebook', e.g. 'fadder = mentor'").format(where=where, entry=entry),
            value=entry,
        )
    if left == right:
        raise CodebookError(_("{where}: the synonym {entry!r} has the same word on both sides").format(where=where, entry=entry), value=entry)
    return left, right


def build_codebook(codes: list[Code], name: str = "Kodbok", version: int = 1) -> Codebook:
    """Validate codes (duplicates, unknown parents, cycles) and return a Codebook."""
    if not codes:
        raise CodebookError(_("the codebook holds no codes — add at least one code under 'codes:'"))
    seen: dict[str, Code] = {}
    for c in codes:
        if c.id in seen:
            raise CodebookError(_("code id '{id}' appears twice — every id must be unique").format(id=c.id))
        seen[c.id] = c
    numbers: dict[int, str] = {}
    for c in codes:
        if c.parent is not None and c.parent not in seen:
            raise CodebookError(
                _("the code '{id}' has an unknown parent '{parent}' — add that code or remove 'parent'").format(id=c.id, parent=c.parent)
            )
        if c.number is not None:
            if c.number in numbers:
                raise CodebookError(_("number {number} is used by both '{numbers}' and '{id}'").format(number=c.number, numbers=numbers[c.number], id=c.id))
            numbers[c.number] = c.id
    for c in codes:
        path = [c.id]
        node = c
        while node.parent is not None:
            if node.parent in path:
                cycle = " → ".join(path[path.index(node.parent):] + [node.parent])
                raise CodebookError(_("cycle in the code hierarchy: {cycle} — a code cannot be its own ancestor").format(cycle=cycle))
            path.append(node.parent)
            node = seen[node.parent]
    return Codebook(codes=tuple(codes), name=name, version=version)


def parse_codebook(data: Any, source: str = "kodbok") -> Codebook:
    """Validate a parsed YAML/JSON document (a mapping with `codes:` or a plain list)."""
    if isinstance(data, list):
        data = {"codes": data}
    if not isinstance(data, Mapping) or "codes" not in data:
        raise CodebookError(_("{source}: found no list 'codes:' — see codebooks/handlingsplan.yaml for the format").format(source=source))
    raw_codes = data.get("codes") or []
    if not isinstance(raw_codes, list):
        raise CodebookError(_("{source}: 'codes' must be a list").format(source=source))
    codes = [code_from_mapping(raw, _("{source}, code {value}").format(source=source, value=i + 1)) for i, raw in enumerate(raw_codes)]
    try:
        version = int(data.get("version", 1) or 1)
    except (TypeError, ValueError):
        version = 1
    return build_codebook(codes, name=str(data.get("name") or "Kodbok"), version=version)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read a codebook from .yaml/.yml/.json/.csv; None gives the shipped one."""
    if path is None:
        return default_codebook()
    path = Path(path)
    if not path.exists():
        raise InputError(_("the codebook '{path}' does not exist — check the path").format(path=path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(_("could not read '{path}' as UTF-8 — save the codebook as UTF-8").format(path=path)) from None
    return parse_codebook_text(text, path.suffix.lower().lstrip("."), source=str(path))


def parse_codebook_text(text: str, fmt: str, source: str = "kodbok") -> Codebook:
    if fmt in ("yaml", "yml"):
        import yaml
        from qualcode.core import safe_yaml

        try:
            data = safe_yaml.load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = _(" line {value}").format(value=mark.line + 1) if mark is not None else ""
            raise CodebookError(_("{source}{where}: invalid YAML ({getattr})").format(source=source, where=where, getattr=getattr(exc, 'problem', exc))) from None
        return parse_codebook(data, source)
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodebookError(_("{source} line {lineno}: invalid JSON ({msg})").format(source=source, lineno=exc.lineno, msg=exc.msg)) from None
        return parse_codebook(data, source)
    if fmt == "csv":
        from qualcode.core.csv_dialect import sniff_delimiter

        delim = sniff_delimiter(text[:4096])
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delim))
        if not rows:
            raise CodebookError(_("{source}: the CSV file has no rows").format(source=source))
        if "id" not in rows[0] or not ({"name", "path"} & set(rows[0])):
            raise CodebookError(
                _("{source}: the CSV file lacks the columns 'id' and/or 'name' (or 'path') — columns: {rows}").format(source=source, rows=', '.join(rows[0]))
            )
        records = [{k: csv_text(v) for k, v in r.items() if k and v not in (None, "")} for r in rows]
        return parse_codebook({"codes": _from_csv_columns(records)}, source)
    raise InputError(_("{source}: unknown codebook format '.{fmt}' — use .yaml, .json or .csv").format(source=source, fmt=fmt))


def dump_codebook(codebook: Codebook, fmt: str = "yaml") -> str:
    """Serialise a codebook; the output reads back to an equal codebook."""
    if fmt in ("yaml", "yml"):
        import yaml

        return yaml.safe_dump(codebook.to_dict(), allow_unicode=True, sort_keys=False, width=100)
    if fmt == "json":
        return json.dumps(codebook.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for c in codebook.codes:
            row = asdict(c)
            for key in LIST_FIELDS:
                row[key] = " | ".join(row[key])
            row["path"] = codebook.path(c.id)
            row["description"] = row.pop("definition")
            writer.writerow({k: csv_cell("" if row[k] is None else row[k]) for k in CSV_COLUMNS})
        return out.getvalue()
    raise InputError(_("unknown format '{fmt}' — choose yaml, csv or json").format(fmt=fmt))


def _from_csv_columns(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSV columns → code fields: `description` is the definition; without `name`, the name is the
    last part of `path` (what follows the parent's path)."""
    paths = {r.get("id"): r["path"] for r in records if r.get("path")}
    out = []
    for r in records:
        r = dict(r)
        if "description" in r:
            r.setdefault("definition", r.pop("description"))
        path = r.pop("path", None)
        if "name" not in r and path:
            parent_path = paths.get(r.get("parent"))
            prefix = f"{parent_path}{PATH_SEPARATOR}" if parent_path else None
            r["name"] = path[len(prefix):] if prefix and path.startswith(prefix) else path.rsplit(PATH_SEPARATOR, 1)[-1]
        out.append(r)
    return out


def default_codebook_path() -> Path:
    """The shipped codebook (codebooks/handlingsplan.yaml, also packaged as data)."""
    repo = Path(__file__).resolve().parent.parent.parent / "codebooks" / "handlingsplan.yaml"
    if repo.exists():
        return repo
    return Path(str(resources.files("qualcode") / "data" / "handlingsplan.yaml"))


def default_codebook() -> Codebook:
    return load_codebook(default_codebook_path())


def rename_code(codebook: Codebook, old: str, new_id: str | None = None, new_name: str | None = None) -> Codebook:
    """Return a codebook with `old` renamed (id and/or name); children follow."""
    code = codebook.get(old)
    if new_id and new_id != old and new_id in codebook:
        raise CodebookError(_("code id '{new_id}' already exists — choose another id or use `codebook merge`").format(new_id=new_id))
    target = new_id or old
    out = []
    for c in codebook.codes:
        if c.id == old:
            c = replace(code, id=target, name=(new_name or code.name))
        if c.parent == old:
            c = replace(c, parent=target)
        out.append(c)
    return codebook.with_codes(out)


def merge_codes(codebook: Codebook, source: str, target: str) -> Codebook:
    """Return a codebook without `source`; its children move to `target`, keywords are merged."""
    src, tgt = codebook.get(source), codebook.get(target)
    if source == target:
        raise CodebookError(_("cannot merge a code with itself"))
    if target in codebook.rollup(source):
        raise CodebookError(_("'{target}' lies under '{source}' — merge the other way round").format(target=target, source=source))
    out = []
    for c in codebook.codes:
        if c.id == source:
            continue
        if c.id == target:
            merged: dict[str, Any] = {k: tuple(dict.fromkeys(getattr(tgt, k) + getattr(src, k))) for k in LIST_FIELDS}
            c = replace(c, **merged)
        if c.parent == source:
            c = replace(c, parent=target)
        out.append(c)
    return codebook.with_codes(out)
