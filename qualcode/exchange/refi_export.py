"""REFI-QDA exchange: the codebook as `.qdc`, a project as `.qdpx`.

The standard (REFI-QDA 1.5) and its schemas `Codebook.xsd` / `Project.xsd` define the XML.
Text selections count Unicode code points from 0 with an exclusive end, which is exactly
Python's `text[start:end]` and the store's segment offsets; the sources are written as
UTF-8 bytes without newline translation, so `\\r\\n` and å/ä/ö keep their positions.

GUIDs are uuid5 values derived from stable keys (code id; document content hash and
offsets, in a per-project namespace kept in the store), so exporting twice gives the
same GUIDs and another tool can recognise objects on re-import.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode import __version__
from qualcode.core.codebook import Code, Codebook, build_codebook, code_from_mapping
from qualcode.core.errors import CodebookError, InputError
from qualcode.core.files import atomic_write, write_bytes
from qualcode.export.privacy import MaskedText, Pseudonymiser, mask_meta, mask_value, mask_with_offsets
from qualcode.core.records import POSITIVE_SOURCES as POSITIVE
from qualcode.core.records import case_key
from qualcode.core.i18n import _

if TYPE_CHECKING:
    from qualcode.core.records import Coding, Document, Segment
    from qualcode.project import Project

QDC_NS = "urn:QDA-XML:codebook:1.0"
QDE_NS = "urn:QDA-XML:project:1.0"
# Fixed namespace for codes: the same code id gets the same GUID in every export.
CODE_NAMESPACE = uuid.UUID("6f1b6c1e-3d0a-5c53-9d7e-2a6a1d0c9e51")
ORIGIN = f"qualcode {__version__}"
# One colour per top-level group, in codebook order; children take their root's colour.
PALETTE = (
    "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
    "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF", "#393B79", "#637939",
)
# Labelled lines in a code's Description; they carry qualcode's fields through other tools.
DESCRIPTION_FIELDS = (
    ("include", "Inkludera"),
    ("exclude", "Exkludera"),
    ("examples", "Exempel"),
    ("keywords", "Nyckelord"),
    ("exclude_keywords", "Uteslutande nyckelord"),
    ("aliases", "Alias"),
    ("synonyms", "Synonymer"),
)
META_LABEL = "qualcode"


# Deeper code trees are refused on import (a hostile file nests thousands deep to exhaust the stack).
MAX_CODE_DEPTH = 50
SOURCE_NAME = "qualcode: name="  # a source's Description line: its document name, when the source name has a suffix


def code_guid(code_id: str) -> str:
    return str(uuid.uuid5(CODE_NAMESPACE, f"code:{code_id}"))


# -- codebook (.qdc) ------------------------------------------------------------------


def _colours(codebook: Codebook, own: bool = True) -> dict[str, str]:
    """Each code's colour: its own (`own`, e.g. kept from another tool's .qdc), else its root's from PALETTE."""
    roots = [c.id for c in codebook.codes if c.parent is None]
    colour = {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(roots)}
    out = {}
    for c in codebook.codes:
        root = c.id
        while codebook.get(root).parent is not None:
            root = codebook.get(root).parent  # type: ignore[assignment]
        out[c.id] = (c.color if own else "") or colour[root]
    return out


def code_description(code: Code, order: int | None = None) -> str:
    """The Description text: definition, then labelled lines that `read_qdc` parses back.

    The last line (`qualcode: id=…; kind=…; order=…`) keeps the id, kind and the codebook
    order, which the nested XML would otherwise lose, and whether the colour is the code's own.
    """
    lines = [code.definition] if code.definition else []
    for key, label in DESCRIPTION_FIELDS:
        value = getattr(code, key)
        if isinstance(value, tuple):
            value = " | ".join(value)
        if value:
            lines.append(f"{label}: {value}")
    meta = f"id={code.id}; kind={code.kind}"
    if code.number is not None:
        meta += f"; number={code.number}"
    if order is not None:
        meta += f"; order={order}"
    if code.color:
        meta += f"; color={code.color}"
    lines.append(f"{META_LABEL}: {meta}")
    return "\n".join(lines)


def _code_elements(parent: ET.Element, ns: str, codebook: Codebook) -> None:
    colours = _colours(codebook)
    order = {c.id: i for i, c in enumerate(codebook.codes)}

    def add(code: Code, under: ET.Element) -> None:
        el = ET.SubElement(
            under, f"{{{ns}}}Code",
            {
                "guid": code_guid(code.id),
                "name": f"{code.id} {code.name}",
                # groups only roll up counts; they are never applied to text
                "isCodable": "false" if code.is_group else "true",
                "color": colours[code.id],
            },
        )
        ET.SubElement(el, f"{{{ns}}}Description").text = code_description(code, order[code.id])
        for child in codebook.children(code.id):
            add(child, el)

    for code in codebook.codes:
        if code.parent is None:
            add(code, parent)


def codebook_to_qdc(codebook: Codebook) -> bytes:
    """Serialise a codebook as a REFI-QDA `.qdc` document (UTF-8 XML)."""
    ET.register_namespace("", QDC_NS)
    root = ET.Element(f"{{{QDC_NS}}}CodeBook", {"origin": ORIGIN})
    codes = ET.SubElement(root, f"{{{QDC_NS}}}Codes")
    _code_elements(codes, QDC_NS, codebook)
    return _serialise(root)


def write_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write `codebook` to `path` (.qdc) atomically."""
    path = Path(path)
    _atomic_write(path, codebook_to_qdc(codebook))
    return path


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    # the declaration in the form the standard's examples use (some readers are strict about it)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def _atomic_write(path: Path, data: bytes) -> None:
    write_bytes(path, data)


def parse_description(text: str) -> dict[str, Any]:
    """Split a Description into qualcode fields; unlabelled lines form the definition."""
    labels = {label.lower(): key for key, label in DESCRIPTION_FIELDS}
    fields: dict[str, Any] = {}
    definition: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        head, sep, rest = line.partition(":")
        key = labels.get(head.strip().lower()) if sep else None
        if sep and head.strip().lower() == META_LABEL:
            for part in rest.split(";"):
                k, _, v = part.partition("=")
                if k.strip() and v.strip():
                    fields[f"_{k.strip()}"] = v.strip()
            current = None
        elif key:
            fields[key] = rest.strip()
            current = key
        elif current and line.strip():
            fields[current] += " " + line.strip()
        elif line.strip():
            definition.append(line.strip())
    if definition:
        fields["definition"] = " ".join(definition)
    return fields


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-").upper()
    return slug[:24].strip("-") or _("CODE")


def read_qdc(path: str | Path) -> Codebook:
    """Read a REFI-QDA `.qdc` file (from qualcode or another QDA tool) into a Codebook.

    A `.qde` or `.qdpx` project is accepted too: its codebook is read.

    Nesting becomes `parent`; non-codable codes become groups. Codes written by qualcode
    keep their ids and fields; other codes get an id made from their name.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(_("the codebook '{path}' does not exist — check the path").format(path=path))
    source = str(path)
    try:
        if path.suffix.lower() == ".qdpx":
            # a whole project from another tool: take its codebook
            try:
                with zipfile.ZipFile(path) as zf:
                    name = next((n for n in zf.namelist() if n.lower().endswith(".qde")), None)
                    if name is None:
                        raise CodebookError(_("{path}: found no project.qde in the .qdpx file").format(path=path))
                    data = zf.read(name)
            except zipfile.BadZipFile:
                raise CodebookError(_("{path}: not a valid .qdpx (zip) file — export the project again").format(path=path)) from None
            source = f"{path}:{name}"
            root = ET.fromstring(data)
        else:
            root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        line, col = exc.position
        raise CodebookError(_("{source} line {line}, column {col}: invalid XML ({exc})").format(source=source, line=line, col=col, exc=exc)) from None
    if root.tag == f"{{{QDE_NS}}}Project":
        cb = root.find(f"{{{QDE_NS}}}CodeBook")
        if cb is None:
            raise CodebookError(_("{source}: the project has no codebook (<CodeBook>)").format(source=source))
        root = cb
    return parse_qdc_root(root, source=source, name=path.stem)


def too_deep(source: str, where: str, depth: int) -> CodebookError:
    """The refusal of a code tree nested deeper than MAX_CODE_DEPTH; `where` names its top code."""
    return CodebookError(
        _("{source}: the codes are nested more than {max_code_depth} levels deep ({split}) — the file is broken or hostile; a codebook needs a few levels").format(source=source, max_code_depth=MAX_CODE_DEPTH, split=where),
        value=depth,
    )


def parse_qdc_root(root: ET.Element, source: str = "qdc", name: str = "Kodbok") -> Codebook:
    """Build a Codebook from a parsed `<CodeBook>` (or a project's `<CodeBook>`) element."""
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns not in (QDC_NS, QDE_NS) or root.tag.rsplit("}", 1)[-1] != "CodeBook":
        raise CodebookError(
            _("{source}: the root element is {tag!r}, not a REFI-QDA codebook ({{{qdc_ns}}}CodeBook) — export the codebook as .qdc from your QDA program").format(source=source, tag=root.tag, qdc_ns=QDC_NS)
        )
    codes_el = root.find(f"{{{ns}}}Codes")
    if codes_el is None:
        raise CodebookError(_("{source}: the codebook lacks <Codes>").format(source=source))
    raws: list[dict[str, Any]] = []
    orders: list[int | None] = []
    used: set[str] = set()
    ours: set[str] = set()  # codes that qualcode wrote (a `qualcode: id=…` line)
    own_colour: set[str] = set()  # … with a colour of their own (`color=…` on that line)

    def walk(el: ET.Element, parent: str | None, where: str, depth: int = 1) -> None:
        if depth > MAX_CODE_DEPTH:
            raise too_deep(source, where.split(" → ")[0], depth)
        name_attr = (el.get("name") or "").strip()
        if not name_attr:
            raise CodebookError(_("{source}: {where} lacks the attribute name").format(source=source, where=where))
        desc_el = el.find(f"{{{ns}}}Description")
        fields = parse_description(desc_el.text or "") if desc_el is not None else {}
        code_id = fields.pop("_id", None)
        if code_id:
            ours.add(code_id)
        kind = fields.pop("_kind", None)
        number = fields.pop("_number", None)
        position = fields.pop("_order", None)
        if fields.pop("_color", None) and code_id:
            own_colour.add(code_id)
        fields = {k: v for k, v in fields.items() if not k.startswith("_")}
        display = name_attr
        if code_id and display.startswith(code_id + " "):
            display = display[len(code_id) + 1 :].strip()
        if not code_id:
            base = _slug(name_attr)
            code_id, n = base, 2
            while code_id in used:
                code_id, n = f"{base}-{n}", n + 1
        if kind is None:
            kind = "group" if el.get("isCodable", "true").strip().lower() in ("false", "0") else "code"
        if code_id in used:
            raise CodebookError(_("{source}: code id '{code_id}' appears twice — every id must be unique").format(source=source, code_id=code_id))
        used.add(code_id)
        raw = {"id": code_id, "name": display, "parent": parent, "kind": kind, "number": number, **fields}
        color = (el.get("color") or "").strip().upper()
        if re.fullmatch(r"#[0-9A-F]{6}", color):
            raw["color"] = color
        raws.append(raw)
        orders.append(int(position) if position is not None and position.isdigit() else None)
        for i, child in enumerate(el.findall(f"{{{ns}}}Code")):
            walk(child, code_id, _("{where} → code {value}").format(where=where, value=i + 1), depth + 1)

    for i, el in enumerate(codes_el.findall(f"{{{ns}}}Code")):
        walk(el, None, _("code {value}").format(value=i + 1))
    codes = [code_from_mapping(r, _("{source}, code '{id}'").format(source=source, id=r['id'])) for r in raws]
    if all(o is not None for o in orders) and len(set(orders)) == len(orders):
        # written by qualcode: restore the codebook order; otherwise keep the file's depth-first order
        codes = [c for _, c in sorted(zip(orders, codes), key=lambda oc: oc[0] or 0)]
    # In qualcode's own export a colour that is the palette's default is not the code's own.
    default = _colours(build_codebook(codes, name=name), own=False)
    codes = [
        replace(c, color="") if c.id in ours and c.id not in own_colour and c.color == default[c.id] else c
        for c in codes
    ]
    return build_codebook(codes, name=name)


# -- project (.qdpx) ------------------------------------------------------------------


@dataclass(frozen=True)
class QdpxSummary:
    """What an export wrote."""

    path: Path
    sources: int
    cases: int
    selections: int
    codings: int
    users: int
    notes: int


def project_namespace(project: Project) -> uuid.UUID:
    """The project's GUID namespace, created once and kept in the store."""
    value = project.store.get_info("refi_uuid")
    if value is None:
        value = str(uuid.uuid4())
        with project.store.transaction():
            project.store.set_info("refi_uuid", value)
    return uuid.UUID(value)


def _dt(value: str | None) -> str | None:
    """ISO timestamps from the store are xsd:dateTime already; normalise a missing zone to UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.isoformat(timespec="seconds")


def variable_type(values: Iterable[Any]) -> str:
    """The REFI-QDA typeOfVariable that fits every (non-empty) value."""
    vals = [v for v in values if v not in (None, "")]
    if not vals:
        return "Text"
    if all(isinstance(v, bool) for v in vals):
        return "Boolean"
    if all(_is_int(v) for v in vals):
        return "Integer"
    if all(_is_int(v) or _is_float(v) for v in vals):
        return "Float"
    if all(isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and _is_date(v) for v in vals):
        return "Date"
    return "Text"


def _is_int(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    # "007" stays text: a leading zero is part of an identifier, not a number
    return isinstance(v, str) and re.fullmatch(r"-?(0|[1-9]\d*)", v.strip()) is not None


def _is_float(v: Any) -> bool:
    if isinstance(v, float):
        return v == v and v not in (float("inf"), float("-inf"))
    return isinstance(v, str) and re.fullmatch(r"-?(0|[1-9]\d*)\.\d+", v.strip()) is not None


def _is_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


_VALUE_ELEMENT = {
    "Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue",
    "Float": "FloatValue", "Date": "DateValue",
}


def _value_text(kind: str, value: Any) -> str:
    if kind == "Boolean":
        return "true" if value else "false"
    if kind in ("Integer", "Float"):
        return str(value).strip()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def build_project_xml(
    project: Project,
    coders: Sequence[str] | None = None,
    case_by: str | None = None,
    now: datetime | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> tuple[bytes, dict[str, str], QdpxSummary]:
    """The `project.qde` XML and the source texts (file name -> text) of a `.qdpx`.

    With a `pseudonymiser`, source texts, names, variables and memos are masked and the
    selections move with the masked text.
    """
    store = project.store
    mask = (lambda v: mask_value(pseudonymiser, v)) if pseudonymiser is not None else (lambda v: v)  # noqa: E731
    mask_kv = (lambda k, v: mask_meta(pseudonymiser, k, v)) if pseudonymiser is not None else (lambda k, v: v)  # noqa: E731
    codebook = project.codebook
    ns_uuid = project_namespace(project)

    def guid(kind: str, key: str) -> str:
        return str(uuid.uuid5(ns_uuid, f"{kind}:{key}"))

    q = lambda tag: f"{{{QDE_NS}}}{tag}"  # noqa: E731
    ET.register_namespace("", QDE_NS)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    documents = list(store.iter_documents())
    # One selection per coded span (document, start, end; a segment coding's span is its segment),
    # keyed with the anchor segment's unit so a segment coding's selection keeps its guid.
    Place = tuple[int, int, int, str]
    codings: dict[Place, list[tuple[Coding, Segment]]] = {}
    segments: dict[int, Segment] = {}
    for coding, seg in store.iter_codings(sources=POSITIVE, coder=list(coders) if coders else None):
        if coding.code_id not in codebook:
            continue
        codings.setdefault((coding.document_id, coding.start, coding.end, seg.unit), []).append((coding, seg))
        segments[seg.id] = seg
    quotes = store.flagged_quotes()
    for seg in store.iter_segments(ids=sorted(quotes - set(segments))) if quotes - set(segments) else ():
        segments[seg.id] = seg
    seg_place = {sid: (s.document_id, s.start, s.end, s.unit) for sid, s in segments.items()}

    users = sorted({c.coder for items in codings.values() for c, _ in items} | {project.coder})
    # Key quotes are flagged per coder: the flag goes on that coder's selection.
    flagged_by: dict[Place, set[str]] = {}
    for name in users:
        if coders and name not in coders:
            continue
        for seg_id in store.flagged_quotes(by=name):
            flagged_by.setdefault(seg_place[seg_id], set()).add(name)
    root = ET.Element(
        q("Project"),
        {
            "name": mask(str(project.config.get("name") or project.root.name)),
            "origin": ORIGIN,
            "creatingUserGUID": guid("user", project.coder),
            "creationDateTime": stamp,
        },
    )
    users_el = ET.SubElement(root, q("Users"))
    for name in users:
        ET.SubElement(users_el, q("User"), {"guid": guid("user", name), "name": name, "id": name})
    cb_el = ET.SubElement(root, q("CodeBook"))
    _code_elements(ET.SubElement(cb_el, q("Codes")), QDE_NS, codebook)

    # Variables: every metadata key; survey documents are grouped into cases by respondent.
    survey = [d for d in documents if d.kind == "survey"]
    cases: dict[str, list[Document]] = {}
    for d in survey:
        cases.setdefault(case_key(d, case_by), []).append(d)
    case_vars: dict[str, dict[str, Any]] = {}
    for key, docs in cases.items():
        shared = dict(docs[0].meta)
        for d in docs[1:]:
            shared = {k: v for k, v in shared.items() if k in d.meta and d.meta[k] == v}
        case_vars[key] = {k: mask_kv(k, v) for k, v in shared.items()}
    # Every source carries all its metadata, the case's variables too: QualCoder, NVivo and
    # MAXQDA read a source's variables from the source and ignore a Case's SourceRefs.
    source_vars: dict[int, dict[str, Any]] = {d.id: {k: mask_kv(k, v) for k, v in d.meta.items()} for d in documents}
    all_values: dict[str, list[Any]] = {}
    for values in list(case_vars.values()) + list(source_vars.values()):
        for k, v in values.items():
            all_values.setdefault(k, []).append(v)
    var_types = {k: variable_type(v) for k, v in all_values.items()}
    if var_types:
        vars_el = ET.SubElement(root, q("Variables"))
        for k, kind in var_types.items():
            ET.SubElement(vars_el, q("Variable"), {"guid": guid("variable", k), "name": k, "typeOfVariable": kind})

    def add_values(parent: ET.Element, values: Mapping[str, Any]) -> None:
        for k, v in values.items():
            if v in (None, ""):
                continue
            kind = var_types[k]
            vv = ET.SubElement(parent, q("VariableValue"))
            ET.SubElement(vv, q("VariableRef"), {"targetGUID": guid("variable", k)})
            ET.SubElement(vv, q(_VALUE_ELEMENT[kind])).text = _value_text(kind, v)

    if cases:
        cases_el = ET.SubElement(root, q("Cases"))
        for key, docs in cases.items():
            case_el = ET.SubElement(cases_el, q("Case"), {"guid": guid("case", key), "name": mask(key)})
            add_values(case_el, case_vars[key])
            for d in docs:
                ET.SubElement(case_el, q("SourceRef"), {"targetGUID": guid("source", d.content_hash)})

    by_doc: dict[int, set[Place]] = {}
    for place in [*codings, *flagged_by]:
        by_doc.setdefault(place[0], set()).add(place)
    files: dict[str, str] = {}
    notes: list[tuple[str, str, str, str | None]] = []  # guid, name, text, created
    n_codings = n_selections = 0
    sources_el = ET.SubElement(root, q("Sources")) if documents else None
    names = unique_source_names([replace(d, name=mask(d.name)) for d in documents])
    for d in documents:
        sguid = guid("source", d.content_hash)
        masked = mask_with_offsets(pseudonymiser, d.text) if pseudonymiser is not None else MaskedText(d.text, ())
        files[f"{sguid}.txt"] = masked.text
        attrs = {"guid": sguid, "name": names[d.id], "plainTextPath": f"internal://{sguid}.txt"}
        created = _dt(d.created_at)
        if created:
            attrs["creationDateTime"] = created
        src = ET.SubElement(sources_el, q("TextSource"), attrs)  # type: ignore[arg-type]
        if names[d.id] != mask(d.name):  # made unique: the name itself goes along, for `import qdpx`
            ET.SubElement(src, q("Description")).text = f"{SOURCE_NAME}{mask(d.name)}"
        for place in sorted(by_doc.get(d.id, set()), key=lambda p: (p[1], p[2], p[3])):
            _doc, span_start, span_end, unit = place
            sel_key = f"{d.content_hash}:{unit}:{span_start}:{span_end}"
            start, end = masked.position(span_start), masked.position(span_end, end=True)
            for group in _selection_groups(codings.get(place, []), flagged_by.get(place, set())):
                sel_attrs = {
                    "guid": guid("selection", f"{sel_key}:{group.coder}:{','.join(group.codes)}"),
                    "name": _selection_name(masked.text[start:end]),
                    "startPosition": str(start),
                    "endPosition": str(end),
                    "creatingUser": guid("user", group.coder),
                }
                if group.created:
                    sel_attrs["creationDateTime"] = group.created
                sel = ET.SubElement(src, q("PlainTextSelection"), sel_attrs)
                if group.description:
                    ET.SubElement(sel, q("Description")).text = mask(group.description)
                for coding in group.codings:
                    cguid = guid("coding", f"{sel_key}:{coding.code_id}:{coding.coder}")
                    attrs = {"guid": cguid, "creatingUser": guid("user", coding.coder)}
                    created = _dt(coding.created_at)
                    if created:
                        attrs["creationDateTime"] = created
                    cod = ET.SubElement(sel, q("Coding"), attrs)
                    ET.SubElement(cod, q("CodeRef"), {"targetGUID": code_guid(coding.code_id)})
                    n_codings += 1
                    if coding.memo:
                        nguid = guid("note", cguid)
                        ET.SubElement(cod, q("NoteRef"), {"targetGUID": nguid})
                        notes.append((nguid, f"Memo {coding.code_id} ({coding.coder})", mask(coding.memo), coding.created_at))
                n_selections += 1
        add_values(src, source_vars[d.id])
    if notes:
        notes_el = ET.SubElement(root, q("Notes"))
        for nguid, name, text, created in notes:
            attrs = {"guid": nguid, "name": name}
            if _dt(created):
                attrs["creationDateTime"] = _dt(created)  # type: ignore[assignment]
            note = ET.SubElement(notes_el, q("Note"), attrs)
            ET.SubElement(note, q("PlainTextContent")).text = text
    summary = QdpxSummary(
        path=Path(), sources=len(documents), cases=len(cases), selections=n_selections,
        codings=n_codings, users=len(users), notes=len(notes),
    )
    return _serialise(root), files, summary


KEY_QUOTE = "Nyckelcitat"


@dataclass(frozen=True)
class _SelectionGroup:
    """The codings of one segment that one PlainTextSelection carries: one coder, one memo."""

    coder: str
    codings: tuple[Coding, ...]
    description: str
    created: str | None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code_id for c in self.codings)


def _selection_groups(items: Sequence[tuple[Coding, Segment]], flagged_by: set[str]) -> list[_SelectionGroup]:
    """One selection per coder, so identical codings by two coders stay two codings in other tools.

    A coder's codings with different memos get a selection each: QualCoder gives a selection's
    Description to every coding in it, as the coding's memo. A key quote flagged by a coder is a
    last Description line on that coder's selection (a selection of its own without codings).
    """
    by_coder: dict[str, dict[str, list[Coding]]] = {}
    for coding, _segment in sorted(items, key=lambda cs: (cs[0].coder, cs[0].code_id)):
        by_coder.setdefault(coding.coder, {}).setdefault(coding.memo or "", []).append(coding)
    for coder in flagged_by:
        by_coder.setdefault(coder, {})
    groups = []
    for coder in sorted(by_coder):
        memos = by_coder[coder] or {"": []}
        for i, (memo, cods) in enumerate(sorted(memos.items())):
            lines = [memo] if memo else []
            if coder in flagged_by and i == 0:
                lines.append(KEY_QUOTE)
            stamps = sorted(t for t in (_dt(c.created_at) for c in cods) if t)
            groups.append(_SelectionGroup(coder, tuple(cods), "\n\n".join(lines), stamps[0] if stamps else None))
    return groups


def unique_source_names(documents: Sequence[Document]) -> dict[int, str]:
    """Document id → a source name no other source has, readable: a shared name gets the first
    metadata value that tells the documents apart ("enkät:17:motivering (HT2017)"), then a number."""
    by_name: dict[str, list[Document]] = {}
    for d in documents:
        by_name.setdefault(d.name, []).append(d)
    out: dict[int, str] = {}
    for name, docs in by_name.items():
        if len(docs) == 1:
            out[docs[0].id] = name
            continue
        keys = list(dict.fromkeys(k for d in docs for k in d.meta))
        telling = next((k for k in keys if len({str(d.meta.get(k, "")) for d in docs}) == len(docs)), None)
        if telling is None:
            telling = next((k for k in keys if len({str(d.meta.get(k, "")) for d in docs}) > 1), None)
        for d in docs:
            value = d.meta.get(telling) if telling else None
            out[d.id] = f"{name} ({value})" if value not in (None, "") else name
    taken: dict[str, int] = {}
    for d in documents:
        candidate, n = out[d.id], 2
        while candidate in taken:
            candidate, n = f"{out[d.id]} ({n})", n + 1
        taken[candidate] = d.id
        out[d.id] = candidate
    return out


def _selection_name(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def write_qdpx(
    project: Project,
    path: str | Path,
    coders: Sequence[str] | None = None,
    case_by: str | None = None,
    now: datetime | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> QdpxSummary:
    """Export the project as a REFI-QDA `.qdpx` (zip: `project.qde` + `sources/*.txt`); masked with a pseudonymiser."""
    path = Path(path)
    xml, files, summary = build_project_xml(project, coders=coders, case_by=case_by, now=now, pseudonymiser=pseudonymiser)
    with atomic_write(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("project.qde", xml)
            for name, text in files.items():
                # bytes, not str-with-newline-translation: offsets count code points of this exact text
                zf.writestr(f"sources/{name}", text.encode("utf-8"))
    return QdpxSummary(
        path=path, sources=summary.sources, cases=summary.cases, selections=summary.selections,
        codings=summary.codings, users=summary.users, notes=summary.notes,
    )
