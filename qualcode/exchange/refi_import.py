"""Import a REFI-QDA project (`.qdpx`): text sources become notes (or survey answers, when they
have a respondent variable), coded text selections codings.

The file is read and checked whole before the store is touched: the zip, `project.qde`, every
text source's text, every selection's positions, and every code that a coding uses. Then the
documents, their segments and the codings are written in one transaction.

How selections become codings: each coded selection becomes a span coding of exactly its
characters (positions mapped through the line-ending normalisation: `\\r\\n` in the file, `\\n`
in the store, as for `qualcode import notes`). `min_overlap` (10) decides which paragraphs the
span counts for: a paragraph it only partly overlaps counts when the span covers at least that
many of its characters, or all of it, or when the whole span lies in it; a selection that ends
on a neighbour's first word does not count for the neighbour. Every selection counts for at
least the paragraph it overlaps most, found in non-space characters (its anchor, where a key
quote flag goes).

How REFI codes find codebook codes: a `--map` file (`refi_name;code_id`) first, then the
`qualcode: id=…` line that qualcode's own export writes in the Description, then a codebook
id, name or "id name" equal to the REFI code's name (case-insensitive).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.codebook import Code, Codebook
from qualcode.core.errors import CodebookError, Hint, InputError, UnknownCodeError
from qualcode.core.records import CASE_KEYS, DocumentIn
from qualcode.core.records import POSITIVE_SOURCES as POSITIVE
from qualcode.core.zipfiles import check_archive
from qualcode.exchange.refi_export import KEY_QUOTE, MAX_CODE_DEPTH, QDE_NS, SOURCE_NAME, parse_description, too_deep
from qualcode.ingest.readers import normalise_newlines
from qualcode.core.i18n import _, n_

if TYPE_CHECKING:
    from spacy.language import Language

    from qualcode.core.records import Document
    from qualcode.project import Project
    from qualcode.store.database import Store

MIN_OVERLAP = 10
_UNIQUE_SUFFIX = re.compile(r"( \([^()]*\))+$")
NON_TEXT = {"PDFSource": "PDF", "PictureSource": "bild", "AudioSource": "ljud", "VideoSource": "video"}
_MAP_HEADER = {"refi_name", "refi-namn", "refi_namn", "refi", "namn", "name", "kod i filen"}


# -- what the file holds ----------------------------------------------------------------


@dataclass(frozen=True)
class RefiCode:
    guid: str
    name: str
    path: str  # "Förälder/Barn" for nested codes
    qualcode_id: str | None = None  # from qualcode's own Description line


@dataclass(frozen=True)
class RefiCoding:
    code_guid: str
    coder: str
    memo: str | None = None


@dataclass(frozen=True)
class RefiSelection:
    guid: str
    name: str
    start: int
    end: int
    codings: tuple[RefiCoding, ...] = ()
    key_quote_by: str | None = None  # the coder who flagged it as a key quote (qualcode's Description line)


@dataclass(frozen=True)
class RefiSource:
    guid: str
    name: str
    text: str  # as in the file: positions count code points of this text
    meta: dict[str, Any] = field(default_factory=dict)
    selections: tuple[RefiSelection, ...] = ()
    source_codings: int = 0  # codings of the whole source (not imported)


@dataclass(frozen=True)
class RefiProject:
    path: Path
    name: str
    codes: dict[str, RefiCode]
    sources: tuple[RefiSource, ...]
    non_text: tuple[str, ...]  # "name (PDF)" of sources that are not text
    origin: str = ""  # the program that wrote the file


@dataclass(frozen=True)
class QdpxImportSummary:
    """What an import did."""

    path: Path
    documents: int
    segments: int
    skipped: tuple[str, ...]  # text sources already in the project (or twice in the file)
    selections: int
    codings: int  # written: new, or changed from a suggestion/rejection
    unchanged: int  # already in the project as a positive coding of the same coder
    coders: tuple[str, ...]
    non_text: tuple[str, ...]
    empty: tuple[str, ...]  # text sources without text
    touches_ignored: int  # paragraphs a selection overlapped by less than the minimum
    unplaced: int  # coded selections without text (empty or only spaces)
    source_codings: int  # codings of whole sources, which qualcode has no unit for

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "documents": self.documents, "segments": self.segments,
            "skipped": list(self.skipped), "selections": self.selections, "codings": self.codings,
            "unchanged": self.unchanged, "coders": list(self.coders), "non_text": list(self.non_text),
            "empty": list(self.empty), "touches_ignored": self.touches_ignored, "unplaced": self.unplaced,
            "source_codings": self.source_codings,
        }


# -- reading the file --------------------------------------------------------------------


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_qdpx(path: str | Path, default_coder: str = "") -> RefiProject:
    """Read and check a `.qdpx`: sources, selections (within their text), codings, cases, notes."""
    path = Path(path)
    if not path.is_file():
        what = _("is a folder") if path.is_dir() else _("does not exist")
        raise InputError(_("the file '{path}' {what} — give a .qdpx file").format(path=path, what=what))
    try:
        with zipfile.ZipFile(path) as zf:
            check_archive(zf, path.name)
            names = zf.namelist()
            qde = "project.qde" if "project.qde" in names else next(
                (n for n in names if n.lower().endswith(".qde") and "/" not in n), None
            )
            if qde is None:
                raise InputError(
                    _("{name}: found no project.qde in the archive (holds: {shown}) — export the project as a REFI-QDA project (.qdpx) from your QDA program").format(name=path.name, shown=_shown(names))
                )
            try:
                root = ET.fromstring(zf.read(qde))
            except ET.ParseError as exc:
                line, col = exc.position
                raise InputError(
                    _("{name}:{qde} line {line}, column {col}: invalid XML ({exc}) — the file is damaged; export again").format(name=path.name, qde=qde, line=line, col=col, exc=exc)
                ) from None
            return _Reader(path, zf, names, default_coder).project(root)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as exc:
        raise InputError(
            _("{name}: not a readable .qdpx (zip) file ({name2}) — export the project again as a REFI-QDA project (.qdpx)").format(name=path.name, name2=type(exc).__name__)
        ) from None


def _shown(names: Sequence[str], n: int = 5) -> str:
    return ", ".join(names[:n]) + (" …" if len(names) > n else "") if names else _("nothing")


class _Reader:
    """Walks one `project.qde`; raises InputError naming the element and the fix."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, names: list[str], default_coder: str):
        self.path = path
        self.zf = zf
        self.names = names
        self.lower = {n.lower(): n for n in names}
        self.default_coder = default_coder
        self.ns = ""
        self.users: dict[str, str] = {}  # user GUID → name
        self.notes: dict[str, str] = {}  # note GUID → text

    def q(self, tag: str) -> str:
        return f"{self.ns}{tag}"

    def project(self, root: ET.Element) -> RefiProject:
        ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        if _local(root.tag) != "Project" or ns not in (QDE_NS, ""):
            raise InputError(
                _("{name}: project.qde has the root element {tag!r}, not a REFI-QDA project ({{{qde_ns}}}Project) — export the project as .qdpx from your QDA program").format(name=self.path.name, tag=root.tag, qde_ns=QDE_NS)
            )
        self.ns = f"{{{ns}}}" if ns else ""
        self.users = {
            _guid(u.get("guid")): (u.get("name") or "").strip() or _guid(u.get("guid"))
            for u in root.iterfind(f"{self.q('Users')}/{self.q('User')}")
        }
        self.notes = self._notes(root)
        codes: dict[str, RefiCode] = {}
        codes_el = root.find(f"{self.q('CodeBook')}/{self.q('Codes')}")
        if codes_el is not None:
            self._codes(codes_el, codes)
        variables = {
            _guid(v.get("guid")): (v.get("name") or _guid(v.get("guid"))).strip()
            for v in root.iterfind(f"{self.q('Variables')}/{self.q('Variable')}")
        }
        case_meta: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for case in root.iterfind(f"{self.q('Cases')}/{self.q('Case')}"):
            values = self._values(case, variables)
            for ref in case.iterfind(self.q("SourceRef")):
                case_meta.setdefault(_guid(ref.get("targetGUID")), []).append(((case.get("name") or "").strip(), values))
        sources: list[RefiSource] = []
        non_text: list[str] = []
        sources_el = root.find(self.q("Sources"))
        for el in sources_el if sources_el is not None else ():
            kind = _local(el.tag)
            name = _own_name(el.find(self.q("Description"))) or (el.get("name") or "").strip() or _guid(el.get("guid"))
            if kind in NON_TEXT:
                non_text.append(f"{name} ({NON_TEXT[kind]})")
            elif kind == "TextSource":
                sources.append(self._source(el, name, variables, case_meta.get(_guid(el.get("guid")), [])))
        return RefiProject(
            path=self.path, name=root.get("name") or self.path.stem, codes=codes,
            sources=tuple(sources), non_text=tuple(non_text), origin=(root.get("origin") or "").strip(),
        )

    # -- parts --

    def _codes(self, codes: ET.Element, out: dict[str, RefiCode]) -> None:
        """Every code of the tree, depth first; a tree deeper than MAX_CODE_DEPTH is refused (as
        `codebook import` does), walked with a stack so that no depth can exhaust Python's."""
        stack = [(el, "", 1, i + 1) for i, el in enumerate(codes.findall(self.q("Code")))]
        stack.reverse()
        while stack:
            el, prefix, depth, top = stack.pop()
            if depth > MAX_CODE_DEPTH:
                raise too_deep(f"{self.path.name}:project.qde", _("code {value}").format(value=top), depth)
            name = (el.get("name") or "").strip()
            desc = el.find(self.q("Description"))
            fields = parse_description(desc.text or "") if desc is not None else {}
            path = f"{prefix}/{name}" if prefix else name
            guid = _guid(el.get("guid"))
            out[guid] = RefiCode(guid=guid, name=name, path=path, qualcode_id=fields.get("_id"))
            stack.extend(reversed([(child, path, depth + 1, top) for child in el.findall(self.q("Code"))]))

    def _notes(self, root: ET.Element) -> dict[str, str]:
        notes: dict[str, str] = {}
        for note in root.iterfind(f"{self.q('Notes')}/{self.q('Note')}"):
            name = (note.get("name") or "").strip() or _guid(note.get("guid"))
            text = self._text(note, f"anteckningen '{name}'", required=False)
            if text.strip():
                notes[_guid(note.get("guid"))] = text.strip()
        return notes

    def _text(self, el: ET.Element, what: str, required: bool = True) -> str:
        content = el.find(self.q("PlainTextContent"))
        if content is not None:
            # XML parsers turn \r\n into \n inside elements; positions then count the \n text
            return content.text or ""
        target = el.get("plainTextPath")
        if not target:
            if not required:
                return ""
            rich = _(" (only richTextPath {get})").format(get=el.get('richTextPath')) if el.get("richTextPath") else ""
            raise InputError(
                _("{name}: {what} has no text{rich} — REFI-QDA requires PlainTextContent or plainTextPath; export the project with the sources' text version").format(name=self.path.name, what=what, rich=rich)
            )
        member = self._member(target, what)
        data = self.zf.read(member)
        for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
            if data.startswith(bom):
                break
        else:
            codec = "utf-8"
        try:
            # a byte-order mark is not a character of the text: positions start after it
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            raise InputError(
                _("{name}: {what} ({member}) is not UTF-8 (byte {start}) — REFI-QDA sources must be UTF-8; export the project again").format(name=self.path.name, what=what, member=member, start=exc.start)
            ) from None

    def _member(self, target: str, what: str) -> str:
        scheme, sep, rest = target.partition("://")
        if not sep:
            scheme, rest = "absolute", target
        rest = rest.replace("\\", "/")
        if scheme.lower() == "internal":
            candidates = [f"sources/{rest.lstrip('/')}", rest.lstrip("/")]
        else:
            base = rest.rstrip("/").rsplit("/", 1)[-1]
            candidates = [f"sources/{rest.lstrip('/')}", f"sources/{base}"]
        for c in candidates:
            if c in self.names:
                return c
            if c.lower() in self.lower:
                return self.lower[c.lower()]
        if scheme.lower() == "internal":
            raise InputError(
                _("{name}: {what} points to {target}, but {candidates} is not in the archive — the file is incomplete; export the project again").format(name=self.path.name, what=what, target=target, candidates=candidates[0])
            )
        raise InputError(
            _("{name}: {what} is an external file ({target}) that is not in the archive — export the project with the sources embedded in the .qdpx file (internal sources) and import again").format(name=self.path.name, what=what, target=target)
        )

    def _coder(self, guid: str | None, fallback: str) -> str:
        g = _guid(guid)
        if not g:
            return fallback
        return self.users.get(g, g)

    def _values(self, el: ET.Element, variables: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for vv in el.iterfind(self.q("VariableValue")):
            ref = vv.find(self.q("VariableRef"))
            key = variables.get(_guid(ref.get("targetGUID"))) if ref is not None else None
            value_el = next((c for c in vv if _local(c.tag) != "VariableRef"), None)
            if key is None or value_el is None:
                continue  # a value of an undeclared variable, or no value: nothing to keep
            values[key] = _typed_value(_local(value_el.tag), (value_el.text or "").strip())
        return values

    def _source(
        self, el: ET.Element, name: str, variables: dict[str, str], cases: list[tuple[str, dict[str, Any]]]
    ) -> RefiSource:
        what = _("the source '{name}'").format(name=name)
        text = self._text(el, what)
        meta: dict[str, Any] = {}
        for _unused, values in cases:
            for k, v in values.items():
                meta.setdefault(k, v)  # a variable in two cases: the first case's value
        meta.update(self._values(el, variables))
        # a case that is the source's respondent (as qualcode's export writes them) adds nothing
        known = {str(v) for k, v in meta.items() if str(k).lower() in CASE_KEYS}
        case_names = [c for c, _ in cases if c and c not in known]
        if case_names and "case" not in meta:
            meta["case"] = "; ".join(dict.fromkeys(case_names))
        selections = []
        for sel in el.iterfind(self.q("PlainTextSelection")):
            label = (sel.get("name") or "").strip() or _guid(sel.get("guid"))
            try:
                start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
            except ValueError:
                raise InputError(
                    _("{name}: the selection '{label}' in {what} lacks the integers startPosition/endPosition").format(name=self.path.name, label=label, what=what)
                ) from None
            if not 0 <= start <= end <= len(text):
                raise InputError(
                    _("{name}: the selection '{label}' in {what} goes beyond the text (characters {start}–{end}, the text has {n_text} characters) — the file does not match its source text; export again").format(name=self.path.name, label=label, what=what, start=start, end=end, n_text=len(text))
                )
            sel_coder = self._coder(sel.get("creatingUser") or sel.get("modifyingUser"), self.default_coder)
            # QualCoder, MAXQDA and qualcode write a selection's memo in its Description
            description, key_quote = _split_description(sel.find(self.q("Description")))
            sel_memos = ([description] if description else []) + self._memos(sel)
            codings = []
            for cod in sel.iterfind(self.q("Coding")):
                ref = cod.find(self.q("CodeRef"))
                if ref is None or not _guid(ref.get("targetGUID")):
                    raise InputError(_("{name}: a coding of the selection '{label}' in {what} lacks CodeRef").format(name=self.path.name, label=label, what=what))
                memos = list(dict.fromkeys(self._memos(cod) + sel_memos))
                codings.append(RefiCoding(
                    code_guid=_guid(ref.get("targetGUID")),
                    coder=self._coder(cod.get("creatingUser"), sel_coder),
                    memo="\n\n".join(memos) or None,
                ))
            selections.append(RefiSelection(
                _guid(sel.get("guid")), label, start, end, tuple(codings), sel_coder if key_quote else None,
            ))
        return RefiSource(
            guid=_guid(el.get("guid")), name=name, text=text, meta=meta, selections=tuple(selections),
            source_codings=len(el.findall(self.q("Coding"))),
        )

    def _memos(self, el: ET.Element) -> list[str]:
        refs = (_guid(r.get("targetGUID")) for r in el.iterfind(self.q("NoteRef")))
        return [self.notes[g] for g in refs if g in self.notes]


def _own_name(el: ET.Element | None) -> str:
    """The document name qualcode's export keeps in a source's Description when it made the name unique."""
    for line in ((el.text or "") if el is not None else "").splitlines():
        if line.startswith(SOURCE_NAME) and line[len(SOURCE_NAME):].strip():
            return line[len(SOURCE_NAME):].strip()
    return ""


def _split_description(el: ET.Element | None) -> tuple[str, bool]:
    """A selection's Description: its memo, and whether qualcode marked it as a key quote."""
    text = (el.text or "").strip() if el is not None else ""
    lines = text.splitlines()
    key = bool(lines) and lines[-1].strip() == KEY_QUOTE
    if key:
        text = "\n".join(lines[:-1]).strip()
    return text, key


_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2212"})


def parse_datetime(text: str) -> datetime | None:
    """A date or date-time as REFI-QDA tools write it: `2019-06-04T05:25:16Z`, with fractions or an
    offset, `2019-06-04 05:25:16`, typographic hyphens (`2018‐03‐27`), `20190604`, or the day first
    (`04.06.2019`, `04/06/2019`). None when it is none of these."""
    value = text.strip().translate(_DASHES)
    if not value:
        return None
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y%m%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _typed_value(kind: str, text: str) -> Any:
    try:
        if kind == "IntegerValue":
            return int(text)
        if kind == "FloatValue":
            number = float(text.replace(",", "."))
            # xs:double allows NaN and INF, which JSON metadata cannot hold: they stay the text they are
            return number if math.isfinite(number) else text
    except ValueError:
        return text
    if kind == "BooleanValue":
        return text.lower() in ("true", "1")
    if kind in ("DateValue", "DateTimeValue"):
        # other tools' date forms become ISO dates, as qualcode's own metadata are
        parsed = parse_datetime(text)
        if parsed is None:
            return text
        if kind == "DateValue" or (parsed.time() == time(0) and parsed.tzinfo is None):
            return parsed.date().isoformat()
        return parsed.isoformat(timespec="seconds")
    return text


# -- codes -------------------------------------------------------------------------------


def read_code_map(path: str | Path, codebook: Codebook) -> dict[str, str]:
    """`refi_name;code_id` lines (`;`, else tab or `,`; BOM and a header line allowed) → {name: code id}.

    Names are compared case-insensitively; a nested code may also be named by its path `A/B`.
    An empty code id leaves the name unmapped.
    """
    from qualcode.ingest.readers import read_text

    path = Path(path)
    text = read_text(path)
    lines = text.splitlines()
    delimiter = ";" if any(";" in ln for ln in lines) else "\t" if any("\t" in ln for ln in lines) else ","
    out: dict[str, str] = {}
    where: dict[str, int] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if (n == 1 and cells[0].lower() in _MAP_HEADER) or len(cells) == 1:
            continue  # the header, or a name without a code
        if len(cells) != 2:
            raise InputError(
                _("{name} line {n}: expected two fields 'refi-name{delimiter}code-id', got {n_cells} — one code per line, e.g. `Lokaler;P13`").format(name=path.name, n=n, delimiter=delimiter, n_cells=len(cells))
            )
        name, code_id = cells
        try:
            code = codebook.resolve(code_id)
        except UnknownCodeError as exc:
            raise InputError(_("{name} line {n}: {exc}").format(name=path.name, n=n, exc=exc)) from None
        if code.is_group:
            raise InputError(_("{name} line {n}: {group_message}").format(name=path.name, n=n, group_message=_group_message(code, codebook)))
        key = name.casefold()
        if key in out and out[key] != code.id:
            raise InputError(
                _("{name}: '{name2}' has two codes, {out} (line {where}) and {id} (line {n}) — keep one").format(name=path.name, name2=name, out=out[key], where=where[key], id=code.id, n=n)
            )
        out[key], where[key] = code.id, n
    return out


def _group_message(code: Code, codebook: Codebook) -> str:
    kids = ", ".join(k.id for k in codebook.children(code.id)) or _("none")
    return _("'{id}' is a theme group and is not coded directly — choose one of its codes: {kids}").format(id=code.id, kids=kids)


def _match_codebook(name: str, codebook: Codebook) -> list[Code]:
    low = name.casefold()
    for test in (
        lambda c: c.id.casefold() == low,
        lambda c: c.name.casefold() == low,
        lambda c: f"{c.id} {c.name}".casefold() == low,
    ):
        hits = [c for c in codebook.codes if test(c)]
        if hits:
            return hits
    return []


def map_codes(refi: RefiProject, codebook: Codebook, code_map: dict[str, str] | None = None) -> dict[str, str]:
    """REFI code GUID → codebook id for every code that a text selection's coding uses.

    Raises CodebookError listing every code that cannot be mapped, with the fix.
    """
    code_map = code_map or {}
    used = dict.fromkeys(c.code_guid for s in refi.sources for sel in s.selections for c in sel.codings)
    out: dict[str, str] = {}
    unmapped: list[str] = []
    problems: list[str] = []
    for guid in used:
        code = refi.codes.get(guid)
        if code is None:
            unmapped.append(_("code GUID {guid} (not in the file's codebook)").format(guid=guid))
            continue
        mapped = code_map.get(code.name.casefold()) or code_map.get(code.path.casefold())
        if mapped is None and code.qualcode_id and code.qualcode_id in codebook:
            mapped = code.qualcode_id
        if mapped is None:
            hits = _match_codebook(code.name, codebook)
            if len(hits) > 1:
                problems.append(_("'{name}' fits several codes ({value}) — choose one in a code mapping").format(name=code.name, value=', '.join(c.id for c in hits)))
                continue
            mapped = hits[0].id if hits else None
        if mapped is None:
            unmapped.append(f"'{code.path}'")
            continue
        target = codebook.get(mapped)
        if target.is_group:
            kids = ", ".join(k.id for k in codebook.children(target.id))
            problems.append(
                _("'{path}' corresponds to the theme group {id}, which is not coded directly — map it to one of its codes ({kids})").format(path=code.path, id=target.id, kids=kids)
            )
            continue
        out[guid] = target.id
    if unmapped or problems:
        parts = []
        if unmapped:
            parts.append(
                n_("{n_unmapped} code is used in codings but is not in the codebook: {unmapped} — add it to the codebook, take in the file's codebook (which replaces the project's) or map it",
                   "{n_unmapped} codes are used in codings but are not in the codebook: {unmapped} — add them to the codebook, take in the file's codebook (which replaces the project's) or map them",
                   len(unmapped)).format(n_unmapped=len(unmapped), unmapped=', '.join(unmapped))
            )
        parts.extend(problems)
        hint = Hint(_("give a code mapping with lines `refi-name;code-id`"), option="map", example="koder.csv")
        if unmapped:
            hint = Hint(_("add a code"), command=("codebook", "add", "ID", '"namn"'), also=(
                Hint(_("take in the file's codebook"), command=("codebook", "import", refi.path.name)), hint))
        raise CodebookError(f"{refi.path.name}: " + "; ".join(parts) + _(". Nothing was imported."),
                            value=unmapped, hint=hint)
    return out


# -- selections → segments ---------------------------------------------------------------


def _solid_offsets(text: str) -> list[int]:
    """For each position i, how many non-space characters precede it (len(text) + 1 entries)."""
    return list(accumulate((not ch.isspace() for ch in text), initial=0))


def covered_spans(
    spans: Sequence[tuple[int, int]], start: int, end: int, min_overlap: int = MIN_OVERLAP
) -> tuple[list[int], int]:
    """Indices of the spans a selection [start, end) codes, and how many touched spans it does not.

    A span is coded when the overlap is at least min(min_overlap, span length, selection length);
    when none is, the span with the largest overlap is.
    """
    length = end - start
    if length <= 0:
        return [], 0
    touched = [(i, min(e, end) - max(s, start)) for i, (s, e) in enumerate(spans)]
    touched = [(i, ov) for i, ov in touched if ov > 0]
    chosen = [i for i, ov in touched if ov >= min(min_overlap, spans[i][1] - spans[i][0], length)]
    if not chosen and touched:
        chosen = [max(touched, key=lambda t: t[1])[0]]
    return chosen, len(touched) - len(chosen)


def _note_text(text: str) -> str:
    """The text as `qualcode import notes` stores it: \\n line endings, no blank lines at the ends."""
    return normalise_newlines(text).strip("\n")


def note_offsets(text: str) -> list[int]:
    """For each position of `text` (len(text) + 1 entries), the same position in `_note_text(text)`.

    >>> note_offsets("\\r\\nå\\r\\nä")  # doc text "å\\nä"
    [0, 0, 0, 1, 1, 2, 3]
    """
    bom = len(text) - len(text.lstrip("\ufeff"))
    out: list[int] = []
    j = 0
    for i, ch in enumerate(text):
        out.append(j)
        if i < bom or (ch == "\r" and text[i + 1:i + 2] == "\n"):
            continue  # removed, or the first half of \r\n: both map to the next character
        j += 1
    out.append(j)
    normal = normalise_newlines(text)
    lead, length = len(normal) - len(normal.lstrip("\n")), len(normal.strip("\n"))
    return [min(max(k - lead, 0), length) for k in out]


def _solid_positions(text: str) -> list[int]:
    """For k non-space characters, the position in `text` just after the k-th (0 for k = 0)."""
    out = [0]
    out += [i + 1 for i, ch in enumerate(text) if not ch.isspace()]
    return out


# -- import ------------------------------------------------------------------------------


def import_qdpx(
    project: Project,
    path: str | Path,
    code_map: str | Path | None = None,
    min_overlap: int | None = None,
    model: str | None = None,
) -> QdpxImportSummary:
    """Import the text sources of a `.qdpx` as notes and its text codings as manual codings.

    Everything is checked first; documents, segments and codings are then written in one
    transaction. Sources already in the project are skipped (content hash), and codings that
    exist already are left as they are, so importing the same file twice changes nothing.
    """
    from qualcode.ingest.service import content_hash, import_documents

    path = Path(path)
    explicit = min_overlap is not None
    min_overlap = MIN_OVERLAP if min_overlap is None else min_overlap
    if min_overlap < 1:
        raise InputError(_("the smallest overlap must be at least 1 (got {min_overlap})").format(min_overlap=min_overlap), value=min_overlap,
                         hint=Hint(_("give a number of characters"), option="min_overlap", example=str(MIN_OVERLAP)))
    store = project.store
    refi = read_qdpx(path, default_coder=project.coder)
    mapping = map_codes(refi, project.codebook, read_code_map(code_map, project.codebook) if code_map else None)
    texts = [_note_text(s.text) for s in refi.sources]
    sources = [s for s, text in zip(refi.sources, texts) if text.strip()]
    if not sources:
        other = n_(" ({n_non_text} source that is not text: {shown})", " ({n_non_text} sources that are not text: {shown})",
                   len(refi.non_text)).format(n_non_text=len(refi.non_text), shown=_shown(refi.non_text)) if refi.non_text else ""
        raise InputError(_("{name} holds no text sources to import{other}").format(name=path.name, other=other))
    docs = [
        DocumentIn(name=s.name, kind=_kind(s.meta), text=text, meta=s.meta, source=f"{path}#{s.guid}")
        for s, text in zip(refi.sources, texts) if text.strip()
    ]
    hashes = [content_hash(d) for d in docs]
    # the export makes shared names unique with a " (value)" suffix: look for the name without it too
    names = list(dict.fromkeys([d.name for d in docs] + [_UNIQUE_SUFFIX.sub("", d.name) for d in docs]))
    before = _Known(store.find_documents(hashes, names))
    fresh: list[DocumentIn] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for doc, h in zip(docs, hashes):
        if before.find(doc, h) is not None or h in seen:
            skipped.append(doc.name)
        else:
            fresh.append(doc)
        seen.add(h)
    with store.transaction():
        new_segments = 0
        options = {"format": "qdpx", "map": str(code_map or "")}
        for kind, unit in (("note", "paragraph"), ("survey", "response")):
            group = [d for d in fresh if d.kind == kind]
            if group:
                new_segments += import_documents(project, group, str(path), kind, unit, options, model).segments
        after = _Known(store.find_documents(hashes, names))
        # qualcode's own spans count for every segment they overlap, as they did where they were made
        own = refi.origin.startswith("qualcode") and not explicit
        plan = _Plan(store, mapping, min_overlap, lambda: project.nlp(model), None if own else min_overlap)
        for src, doc, h in zip(sources, docs, hashes):
            plan.add(src, after.find(doc, h))
        written, unchanged = _write_codings(store, plan.codings, path.name, plan.stored_overlap)
        flagged = {coder: store.flagged_quotes(by=coder) for coder in {c for _, c in plan.quotes}}
        for seg_id, coder in sorted(plan.quotes):
            if seg_id not in flagged[coder]:
                store.flag_quote(seg_id, coder)
                store.log(coder, "quote", segment_id=seg_id, detail={"note": None, "via": "qdpx", "file": path.name})
    return QdpxImportSummary(
        path=path, documents=len(fresh), segments=new_segments + plan.segments, skipped=tuple(skipped),
        selections=sum(len(s.selections) for s in sources), codings=written, unchanged=unchanged,
        coders=tuple(sorted({key[-1] for key in plan.codings})), non_text=refi.non_text,
        empty=tuple(s.name for s, text in zip(refi.sources, texts) if not text.strip()),
        touches_ignored=plan.touches, unplaced=plan.unplaced, source_codings=sum(s.source_codings for s in sources),
    )


def _kind(meta: dict[str, Any]) -> str:
    """A source with a respondent variable is a survey answer (one response segment, and its
    metadata is part of its identity, so equal answers of different respondents stay apart), as
    qualcode's own export writes them; any other source is a note."""
    return "survey" if any(str(k).lower() in CASE_KEYS for k in meta) else "note"


class _Known:
    """Project documents a source may already be: same content hash, or same name and text.

    The second catches survey answers that qualcode exported back in the project they came from:
    the import adds a `case` field to their metadata, so their content hash differs.
    """

    def __init__(self, documents: Iterable[Document]):
        self.by_hash: dict[str, Document] = {}
        self.by_name: dict[tuple[str, str], Document] = {}
        self.by_meta: dict[tuple[str, str], Document] = {}
        for d in documents:
            self.by_hash.setdefault(d.content_hash, d)
            self.by_name.setdefault((d.name, " ".join(d.text.split())), d)
            if d.kind == "survey":
                self.by_meta.setdefault(_answer_key(d.text, d.meta), d)

    def find(self, doc: DocumentIn, content_hash: str) -> Document | None:
        # the export makes names unique ("… (HT2017)"), so an answer is also known by text and metadata
        return (
            self.by_hash.get(content_hash)
            or self.by_name.get((doc.name, " ".join(doc.text.split())))
            or (self.by_meta.get(_answer_key(doc.text, doc.meta)) if doc.kind == "survey" else None)
        )


def _answer_key(text: str, meta: dict[str, Any]) -> tuple[str, str]:
    rest = {str(k): str(v) for k, v in meta.items() if k != "case"}
    return " ".join(text.split()), json.dumps(rest, sort_keys=True, ensure_ascii=False)


class _Plan:
    """The codings to write, (document, start, end, unit, anchor segment, code id, coder) → memos."""

    def __init__(
        self, store: Store, mapping: dict[str, str], min_overlap: int, nlp: Callable[[], Language],
        stored_overlap: int | None,
    ):
        self.store = store
        self.mapping = mapping
        self.min_overlap = min_overlap
        self.stored_overlap = stored_overlap  # what the spans keep: None = they count for every segment they overlap
        self.nlp = nlp
        self.codings: dict[tuple[int, int, int, str, int, str, str], list[str]] = {}
        self.quotes: set[tuple[int, str]] = set()  # (segment id, coder) flagged as key quotes
        self.layouts: dict[int, _Layout] = {}
        self.touches = self.unplaced = self.segments = 0

    def add(self, src: RefiSource, doc: Document | None) -> None:
        if doc is None or "".join(src.text.split()) != "".join(doc.text.split()):  # pragma: no cover - same hash
            raise InputError(_("the source '{name}' was not found among the saved documents").format(name=src.name))
        if doc.id not in self.layouts:
            self.layouts[doc.id], added = _layout(self.store, doc, self.nlp)
            self.segments += added
        solid = _solid_offsets(src.text)
        layout = self.layouts[doc.id]
        # Selections keep their exact characters: through the newline normalisation when the
        # stored text is the source's, else word by word (non-space characters).
        exact = note_offsets(src.text) if _note_text(src.text) == doc.text else None
        after = _solid_positions(doc.text)
        for sel in src.selections:
            if not sel.codings and not sel.key_quote_by:
                continue
            targets, ignored = layout.targets(solid[sel.start], solid[sel.end], self.min_overlap)
            if sel.key_quote_by:
                self.quotes.update((seg_id, sel.key_quote_by) for seg_id in targets)
            if not sel.codings:
                continue
            self.touches += ignored if self.stored_overlap is not None else 0
            self.unplaced += not targets
            if not targets:
                continue
            if exact is not None:
                start, end = exact[sel.start], exact[sel.end]
            else:  # from the first to the last non-space character the selection holds
                k = solid[sel.start]
                start = after[k + 1] - 1 if k + 1 < len(after) else len(doc.text)
                end = after[min(solid[sel.end], len(after) - 1)]
            if end <= start:
                self.unplaced += 1
                continue
            for c in sel.codings:
                key = (doc.id, start, end, layout.unit, targets[0], self.mapping[c.code_guid], c.coder)
                memos = self.codings.setdefault(key, [])
                if c.memo and c.memo not in memos:
                    memos.append(c.memo)


@dataclass(frozen=True)
class _Layout:
    """A stored document's segments in non-space offsets: the units to code, and every segment by span."""

    ids: list[int]
    spans: list[tuple[int, int]]
    exact: dict[tuple[int, int], int]
    unit: str

    def targets(self, start: int, end: int, min_overlap: int) -> tuple[list[int], int]:
        """Segment ids a selection codes, and the number of touched paragraphs left out."""
        if end > start and (start, end) in self.exact:
            # a selection that is exactly a segment (e.g. a sentence qualcode exported) codes it
            return [self.exact[(start, end)]], 0
        chosen, ignored = covered_spans(self.spans, start, end, min_overlap)
        return [self.ids[k] for k in chosen], ignored


def _layout(store: Store, doc: Document, nlp: Callable[[], Language]) -> tuple[_Layout, int]:
    """The document's layout; paragraphs are added first when it has neither paragraphs nor responses."""
    from qualcode.ingest.segment import segment_texts

    units = store.segmented_units(doc.id)
    unit = "paragraph" if "paragraph" in units else "response" if "response" in units else None
    added = 0
    if unit is None:
        unit = "paragraph"
        added = store.add_segments(segment_texts(nlp(), [(doc.id, doc.text)], unit))
    solid = _solid_offsets(doc.text)
    # paragraphs and responses before sentences: a one-sentence paragraph is coded as the paragraph
    segments = sorted(store.iter_segments(document=doc.id), key=lambda seg: seg.unit == "sentence")
    exact: dict[tuple[int, int], int] = {}
    for seg in segments:
        exact.setdefault((solid[seg.start], solid[seg.end]), seg.id)
    coding = [seg for seg in segments if seg.unit == unit]
    return _Layout([seg.id for seg in coding], [(solid[seg.start], solid[seg.end]) for seg in coding], exact, unit), added


def _write_codings(
    store: Store, planned: dict[tuple[int, int, int, str, int, str, str], list[str]], source: str,
    min_overlap: int | None,
) -> tuple[int, int]:
    """Store each selection as a manual span coding; one the coder already has (inside a positive
    coding of the same code) is unchanged and keeps its source and memo."""
    written = unchanged = 0
    for (doc_id, start, end, unit, anchor, code_id, coder), memos in planned.items():
        memo = "\n\n".join(memos) or None
        mine = [c for c in store.document_codings(doc_id) if c.code_id == code_id and c.coder == coder]
        before = next((c for c in mine if c.source in POSITIVE and c.start <= start and end <= c.end), None)
        if before is not None:
            if memo and not before.memo:
                store.set_coding_memo(before.id, memo)
                store.log(coder, "memo", coding_id=before.id, segment_id=before.segment_id, code_id=code_id,
                          detail={"memo": memo, "was": None, "via": "qdpx", "file": source})
                written += 1
            else:
                unchanged += 1
            continue
        was = next((c.source for c in mine if c.start < end and start < c.end), None)
        cid, merged = store.put_coding(doc_id, start, end, unit, code_id, coder, "manual", memo=memo, prefer=anchor,
                                     min_overlap=min_overlap)
        store.log(coder, "add", coding_id=cid, segment_id=anchor, code_id=code_id,
                  detail={"memo": memo, "was": was, "via": "qdpx", "file": source, "document": doc_id,
                          "start": start, "end": end, "merged": [c.id for c in merged]})
        written += 1
    return written, unchanged
