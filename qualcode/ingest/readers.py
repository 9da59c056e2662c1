"""Readers for interview notes (txt, md, docx) and survey tables (csv, xlsx).

Readers turn files into `DocumentIn` records and never touch the store. Text decoding
tries UTF-8 (with or without BOM), UTF-16 with BOM, then cp1252 (Swedish Excel exports);
CSV delimiters `;`, `,` and tab are sniffed. Every failure names the file, the place
and the fix.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import math
import re
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import Hint, InputError, QualcodeWarning
from qualcode.core.csv_dialect import check_delimiter, sep_line, sniff_delimiter
from qualcode.core.records import DocumentIn, field_words
from qualcode.core.i18n import N_, _, format_count, n_

if TYPE_CHECKING:
    import pandas as pd

NOTE_SUFFIXES = (".txt", ".md", ".markdown", ".docx")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
TABLE_DELIMITERS = (";", ",", "\t", "|")  # the delimiters a table may be given with
_CHUNK = 1 << 20
MAX_CELL_CHARS = 64 * 1024 * 1024  # a CSV cell may be this long (Python's csv stops at 131,072)
# Bytes that cp1252 leaves undefined: a file with them is not cp1252 either.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_ENCODING_HINT = Hint(_("try another encoding"), option="encoding", example="cp1252")


def _check_exists(path: Path) -> None:
    kind = lock_file_kind(path)
    if kind is not None:
        raise InputError(_("'{path}' is {kind}, not a document — import the file itself").format(path=path, kind=_(kind)), value=str(path))
    if not path.exists():
        raise InputError(_("the file '{path}' does not exist — check the path").format(path=path))
    if path.is_dir():
        raise InputError(_("'{path}' is a folder — give the files, e.g. '{path}/*.md'").format(path=path))
    if path.stat().st_size == 0:
        raise InputError(_("the file '{path}' is empty — nothing to import").format(path=path))


_LOCK_FILES = (
    (re.compile(r"~\$"), N_("a lock file that Word or Excel keeps while a document is open")),
    (re.compile(r"\.~lock\..*#$"), N_("a lock file that LibreOffice keeps while a document is open")),
    (re.compile(r"\._"), N_("a macOS metadata file (AppleDouble, '._')")),
    (re.compile(r"(\.DS_Store|Thumbs\.db|desktop\.ini)$", re.I), N_("a folder settings file of macOS or Windows")),
)


def lock_file_kind(path: Path) -> str | None:
    """What an office program's or a file manager's own file (`~$x.docx`, `.~lock.x.docx#`, `._x.txt`,
    `.DS_Store`, `Thumbs.db`) is, as an untranslated message; None for other files."""
    return next((kind for pattern, kind in _LOCK_FILES if pattern.match(path.name)), None)


_ZIP = b"PK\x03\x04"  # xlsx and docx are zip files
_OLE = b"\xd0\xcf\x11\xe0"  # old Excel (.xls) and Word (.doc) files


def _check_not_binary(path: Path, head: bytes) -> None:
    """A spreadsheet or Word file under a .csv/.txt/.md name is named as such (other binary data is
    refused later, by its NUL characters, with their line)."""
    if head.startswith(_ZIP):
        raise InputError(_("'{path}' is an Excel or Word file (.xlsx/.docx), not text — give it its right name ending (.xlsx or .docx) and import it again").format(path=path), value=str(path))
    if head.startswith(_OLE):
        raise InputError(_("'{path}' is an old Excel or Word file (.xls/.doc), not text — open it and save it as .xlsx, .docx or CSV (UTF-8)").format(path=path), value=str(path))
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"%PDF-"):
        raise InputError(_("'{path}' is a PDF file, not text — {fix}").format(path=path, fix=_(_PDF_FIX)), value=str(path))
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{\\rtf"):
        raise InputError(_("'{path}' is an RTF file, not plain text — {fix}").format(path=path, fix=_(_WORD_FIX)), value=str(path))
    kind = next((kind for magic, kind in _BINARY_KINDS if head.startswith(magic)), None)
    if kind is not None:
        raise InputError(_("'{path}' is {kind}, not text — import the interview notes or the survey table themselves "
                           "(.txt, .md, .docx, .csv or .xlsx)").format(path=path, kind=_(kind)), value=str(path))


# Files that are plainly not text, by their first bytes (without this, an image is "not UTF-8 or cp1252").
_BINARY_KINDS = (
    (b"\x89PNG\r\n\x1a\n", N_("an image (PNG)")),
    (b"\xff\xd8\xff", N_("an image (JPEG)")),
    (b"GIF87a", N_("an image (GIF)")),
    (b"GIF89a", N_("an image (GIF)")),
    (b"II*\x00", N_("an image (TIFF)")),
    (b"MM\x00*", N_("an image (TIFF)")),
    (b"\x1f\x8b", N_("a compressed file (gzip)")),
    (b"7z\xbc\xaf\x27\x1c", N_("a compressed file (7-Zip)")),
    (b"Rar!\x1a\x07", N_("a compressed file (RAR)")),
    (b"SQLite format 3\x00", N_("a database (SQLite)")),
    (b"\x7fELF", N_("a program")),
)


def _check_office_file(path: Path) -> None:
    """An .xlsx or .docx that is no zip package: a password-protected Office file (stored in the old
    container format) or an old .xls/.doc under a new name, named as such instead of "damaged"."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE):
        kind = _ole_kind(path)
        if kind == "encrypted":
            raise InputError(_("'{path}' is password-protected — open it, remove the password (File → Info → Protect) and save it as {suffix} again").format(
                path=path, suffix=path.suffix.lower()), value=str(path))
        if kind is not None:
            raise InputError(_("'{path}' is an old {program} file ({kind}) under the name {suffix} — open it in {program} and save it as {suffix} (File → Save As)").format(
                path=path, program="Word" if kind == ".doc" else "Excel", kind=kind, suffix=path.suffix.lower()), value=str(path))
        raise InputError(_("'{path}' is password-protected, or an old Excel or Word file (.xls/.doc) under a new name — "
                           "open it, remove the password (File → Info → Protect) and save it as {suffix} again").format(
            path=path, suffix=path.suffix.lower()), value=str(path))
    if head.startswith(b"%PDF-"):
        fix = _PDF_FIX if path.suffix.lower() == ".docx" else _PDF_TABLE_FIX
        raise InputError(_("'{path}' is a PDF file, not text — {fix}").format(path=path, fix=_(fix)), value=str(path))
    word = path.suffix.lower() == ".docx"
    if not head.startswith(_ZIP):
        with path.open("rb") as fh:
            sample = fh.read(8192)
        if b"\x00" not in sample and _text_like(sample, table=not word):
            raise InputError((_("'{path}' is a text file, not a Word file — give it the name ending .txt (or .md) and import it again") if word else
                              _("'{path}' is a text file (CSV), not an Excel file — give it the name ending .csv and import it again")).format(path=path),
                             value=str(path))
        return
    kind = _package_kind(path)
    if kind == "xlsx" and word:
        raise InputError(_("'{path}' is an Excel file, not a Word file — give it the name ending .xlsx").format(path=path),
                         value=str(path), hint=Hint(_("then import it as a survey"), command=("import", "survey", path.with_suffix(".xlsx").name)))
    if kind == "docx" and not word:
        raise InputError(_("'{path}' is a Word file, not an Excel file — give it the name ending .docx").format(path=path),
                         value=str(path), hint=Hint(_("then import it as notes"), command=("import", "notes", path.with_suffix(".docx").name)))
    if kind in ("pptx", "odf"):
        raise InputError(_("'{path}' is a PowerPoint or OpenDocument file, not {kind} — {fix}").format(
            path=path, kind=".docx" if word else ".xlsx", fix=_(_WORD_FIX) if word else _("open it and save it as .xlsx or CSV (UTF-8)")),
            value=str(path))


# Stream names in an OLE2 container's directory (UTF-16LE): an encrypted .docx/.xlsx, a .doc, an .xls
_OLE_STREAMS = (("EncryptedPackage", "encrypted"), ("WordDocument", ".doc"), ("Workbook", ".xls"), ("Book", ".xls"))


def _ole_kind(path: Path) -> str | None:
    """What an old Office container (OLE2) holds, by its streams' names: 'encrypted', '.doc', '.xls' or None."""
    with path.open("rb") as fh:
        data = fh.read(64 * 1024 * 1024)
    for name, kind in _OLE_STREAMS:
        if (name + "\0").encode("utf-16-le") in data:
            return kind
    return None


def _text_like(sample: bytes, table: bool) -> bool:
    """Do a file's first bytes read as lines of text (UTF-8 or cp1252, mostly printable), for a
    `table` with a delimiter in its first line?"""
    text = sample.decode("utf-8", "ignore") or sample.decode("cp1252", "replace")
    first, newline, _rest = text.lstrip("\ufeff").partition("\n")
    if not newline or not first.strip() or (table and not any(d in first for d in TABLE_DELIMITERS)):
        return False
    return sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.95 * len(text)


def _package_kind(path: Path) -> str | None:
    """What an Office zip package holds, by its members: 'xlsx', 'docx', 'pptx', 'odf' (OpenDocument), or None."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "mimetype" in names and "content.xml" in names:
        return "odf"
    return None


_PDF_FIX = N_("open it in Word (which converts a PDF) and save it as .docx, or copy its text into a .txt file")
_WORD_FIX = N_("open it in Word or LibreOffice and save it as .docx")
_PDF_TABLE_FIX = N_("export the table as .xlsx or CSV from the program that made it")


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: utf-8-sig, utf-16 or cp1252; raises if none fits."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        _check_not_binary(path, head + fh.read(8192))
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        cp1252_ok = True
        utf8_ok = True
        while chunk := fh.read(_CHUNK):
            if utf8_ok:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if cp1252_ok and _CP1252_UNDEFINED.intersection(chunk):
                cp1252_ok = False
                bad_at = offset + min(chunk.index(bytes([b])) for b in _CP1252_UNDEFINED if bytes([b]) in chunk)
            if not utf8_ok and not cp1252_ok:
                break
            offset += len(chunk)
        if utf8_ok:
            try:
                decoder.decode(b"", final=True)
                return "utf-8-sig"
            except UnicodeDecodeError:
                pass
        if _mostly_utf8(path):
            return UTF8_REPLACE
        if cp1252_ok:
            return "cp1252"
    line = path.read_bytes()[:bad_at].count(b"\n") + 1
    raise InputError(
        _("could not decode '{path}' (line {line}) as either UTF-8 or cp1252").format(path=path, line=line), value=str(path),
        hint=Hint(_("give the encoding, e.g. latin-1 or utf-16"), option="encoding", example="latin-1"),
    )


# A file that is UTF-8 but for some bytes (a cp1252 'å' pasted in, two exports joined): decoded as
# UTF-8, each byte that is not read as cp1252 (U+FFFD for the five bytes cp1252 leaves undefined), and reported.
UTF8_REPLACE = "utf-8 (med cp1252 där UTF-8 inte går)"
CP1252_FALLBACK = "qualcode-cp1252"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return bytes(exc.object[exc.start:exc.end]).decode("cp1252", "replace"), exc.end


codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)


_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_ESCAPED = re.compile("[\udc80-\udcff]")


def _utf8_damage(data: bytes) -> tuple[int, int, list[int]]:
    """(valid non-ASCII UTF-8 characters, invalid bytes, the first five lines with an invalid byte) of `data`.

    One pass: `surrogateescape` turns each invalid byte into one lone surrogate (U+DC80–U+DCFF).
    """
    text = data.decode("utf-8", "surrogateescape")
    n_ok = len(_NON_ASCII.findall(text))
    lines: list[int] = []
    n_bad = 0
    line, counted_to = 1, 0
    for m in _ESCAPED.finditer(text):
        n_bad += 1
        if len(lines) < 5:
            line += text.count("\n", counted_to, m.start())
            counted_to = m.start()
            if not lines or lines[-1] != line:
                lines.append(line)  # the first five distinct lines with a bad byte
    return n_ok, n_bad, lines


def _mostly_utf8(path: Path) -> bool:
    """Evidence for UTF-8 with a few damaged bytes: far more valid UTF-8 letters (å ä ö) than bad bytes.

    A cp1252 file has almost no valid multi-byte UTF-8 sequences, so it never passes.
    """
    n_ok, n_bad, _ = _utf8_damage(path.read_bytes())
    # A few valid sequences already say UTF-8: a cp1252 text almost never holds 'Ã¶' or 'Ã¥'; read
    # as cp1252 every one of them would be mojibake, read as UTF-8 with cp1252 for the rest none is.
    return n_bad > 0 and (n_ok >= 10 * n_bad or n_ok >= 3)


def _warn_replaced(path: Path) -> None:
    import warnings

    from qualcode.core.errors import QualcodeWarning

    _unused, n_bad, lines = _utf8_damage(path.read_bytes())
    where = ", ".join(str(n) for n in lines) + (" …" if n_bad > len(lines) else "")
    warnings.warn(QualcodeWarning(
        n_("'{path}' is UTF-8 except for {n_bad} byte (line {where}); it was read as cp1252 (Windows) — check that line",
           "'{path}' is UTF-8 except for {n_bad} bytes (line {where}); they were read as cp1252 (Windows) — check those lines", n_bad).format(path=path, n_bad=n_bad, where=where),
        value=str(path), hint=Hint(_("if the file is in another encoding, give it"), option="encoding", example="cp1252"),
    ), stacklevel=3)


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """Whole text of a file, decoded (see `detect_encoding`), newlines normalised to \\n."""
    path = Path(path)
    _check_exists(path)
    enc = encoding or detect_encoding(path)
    if enc == UTF8_REPLACE:
        _warn_replaced(path)
        return normalise_newlines(path.read_bytes().decode("utf-8-sig", CP1252_FALLBACK))
    try:
        text = path.read_text(encoding=_codec(enc))
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        alt = "cp1252" if enc.lower().replace("-", "").startswith("utf") else "utf-8"
        raise InputError(
            _("could not read '{path}' as {enc} (line {line}, byte {start})").format(path=path, enc=enc, line=line, start=exc.start), value=str(path),
            hint=Hint(_("try another encoding"), option="encoding", example=alt),
        ) from None
    return normalise_newlines(text)


def column_name(name: str) -> str:
    """A column's name as it is matched and stored: NFC, without a byte order mark, each run of
    white space one space. A header cell with a line break in it (`Vad fungerar bra` Alt+Enter
    `i ditt arbete?`, as survey tools and Excel write long questions) is named, typed and shown
    on one line. A tab stays: a header that holds tabs was read with the wrong delimiter, and says so."""
    return nfc(_SPACES.sub(" ", name.lstrip("\ufeff")).strip())


_SPACES = re.compile(r"[^\S\t]+")  # a run of white space other than tabs


def nfc(text: str) -> str:
    """Text in Unicode's composed form (NFC): 'ö' as one character, as Swedish keyboards type it,
    also when a Mac wrote it as 'o' and a combining diaeresis (NFD)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def nfc_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Metadata with its names and text values in NFC (see `nfc`)."""
    return {nfc(str(k)): nfc(v) if isinstance(v, str) else v for k, v in meta.items()}


def normalise_newlines(text: str) -> str:
    """Text as qualcode stores it: no byte-order mark, \\n line endings."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _codec(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(_("unknown encoding '{encoding}' — use e.g. utf-8, cp1252 or latin-1").format(encoding=encoding)) from None
    return "utf-8-sig" if name == "utf-8" else name


# -- interview notes ---------------------------------------------------------------------


# '---' on the first line and 'key: value' lines under it, but no closing '---': the metadata would become text
_UNCLOSED_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?:[ \t]*[\w\-åäöÅÄÖ ]+:[^\n]*\r?\n)+")


def split_front_matter(text: str, source: str = "") -> tuple[dict[str, Any], str]:
    """YAML front matter (between `---` lines at the top) and the body after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        if _UNCLOSED_FRONT_MATTER.match(text):
            raise InputError(_("{source}: the front matter opened by '---' on line 1 is never closed — end the metadata with a line '---', or remove the first line").format(source=source))
        return {}, text
    import yaml
    from qualcode.core import safe_yaml

    try:
        meta = safe_yaml.load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(", line {value}").format(value=mark.line + 2) if mark is not None else ""
        raise InputError(_("{source}{where}: invalid YAML in the front matter — fix the line or remove the block").format(source=source, where=where)) from None
    if not isinstance(meta, dict):
        raise InputError(_("{source}: front matter must be key: value pairs").format(source=source))
    return {str(k): _scalar(v) for k, v in meta.items()}, text[match.end():]


def _scalar(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # YAML's .nan and .inf: JSON metadata cannot hold them as numbers
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def read_docx_text(path: Path) -> str:
    """Paragraph texts of a .docx joined by blank lines (tables row by row)."""
    import zipfile

    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError:  # pragma: no cover - dependency is declared
        raise InputError(_("python-docx is missing — install qualcode with its dependencies")) from None
    from lxml.etree import XMLSyntaxError  # type: ignore[import-untyped]  # python-docx needs lxml

    from qualcode.core.zipfiles import check_zip_file

    _check_office_file(path)
    check_zip_file(str(path), path.name)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError, EOFError, zlib.error) as exc:
        raise InputError(
            _("could not read '{path}' as a Word file (.docx): the file is damaged or not a docx ({name}) — open it in Word and save it as .docx again").format(path=path, name=type(exc).__name__)
        ) from None
    body = document.element.body
    marks = _note_marks(body)
    parts = _docx_blocks(body, document, marks)
    parts += _docx_notes(document, marks)
    _warn_comments(path, document)
    return "\n\n".join(p for p in parts if p)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
NOTES_HEADING = "# Fotnoter"  # the heading over a Word file's footnotes and endnotes, as stored (not the interface's language)
_NOTE_REFS = {_W + "footnoteReference": "footnotes", _W + "endnoteReference": "endnotes"}


def _note_marks(body: Any) -> dict[tuple[str, str], int]:
    """(footnotes|endnotes, id) → the number Word shows, 1, 2 … in the order the references stand
    (footnotes and endnotes in one series, as they are read at the end of the text)."""
    marks: dict[tuple[str, str], int] = {}
    for ref in body.iter(*_NOTE_REFS):
        key = (_NOTE_REFS[ref.tag], ref.get(_W + "id") or "")
        marks.setdefault(key, len(marks) + 1)
    return marks


def _docx_part_xml(document: Any, kind: str) -> Any | None:
    """The XML of the document's footnotes, endnotes or comments part; None without one."""
    from lxml import etree  # type: ignore[import-untyped]

    for rel in document.part.rels.values():
        if rel.reltype == _RELS + kind and not rel.is_external:
            try:
                return etree.fromstring(rel.target_part.blob, parser=etree.XMLParser(resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError:
                return None
    return None


def _docx_notes(document: Any, marks: Mapping[tuple[str, str], int]) -> list[str]:
    """The footnotes and endnotes a text refers to, each a paragraph '[1] …' under a heading
    'Fotnoter' at the end: a researcher's notes under her interview text are part of it."""
    if not marks:
        return []
    notes: dict[tuple[str, str], str] = {}
    for kind, tag in (("footnotes", "footnote"), ("endnotes", "endnote")):
        if not any(k == kind for k, _id in marks):
            continue
        root = _docx_part_xml(document, kind)
        for note in root.iter(_W + tag) if root is not None else ():
            key = (kind, note.get(_W + "id") or "")
            if key in marks:
                notes[key] = "\n".join(t for p in note.iter(_W + "p") if (t := _docx_text(p).strip()))
    shown = [f"[{n}] {notes[key]}" for key, n in marks.items() if notes.get(key)]
    return [NOTES_HEADING, *shown] if shown else []


def _warn_comments(path: Path, document: Any) -> None:
    """Comments in the margin are a reviewer's notes, not the text: not imported, but said."""
    root = _docx_part_xml(document, "comments")
    n = sum(1 for _c in root.iter(_W + "comment")) if root is not None else 0
    if not n:
        return
    import warnings

    from qualcode.core.errors import QualcodeWarning

    warnings.warn(QualcodeWarning(
        n_("'{name}' has {n} comment in the margin; comments are not imported — copy one into the text if it belongs there",
           "'{name}' has {n} comments in the margin; comments are not imported — copy one into the text if it belongs there",
           n).format(name=path.name, n=n),
        value=str(path),
    ), stacklevel=4)
_SHORT_CELL = 12  # words: a row of cells this short is one line ("Antal | 2016 | 2017")


def _docx_blocks(container: Any, parent: Any, marks: Mapping[tuple[str, str], int]) -> list[str]:
    """The paragraphs of a body or table cell in the order they stand: paragraphs, tables (see
    `_docx_table`) and content controls (a form's answer fields, w:sdt) read in place."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    parts: list[str] = []
    for child in container.iterchildren():
        if child.tag == _W + "p":
            parts.append(_docx_paragraph(Paragraph(child, parent), marks))
        elif child.tag == _W + "tbl":
            parts += _docx_table(Table(child, parent), marks)
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                parts += _docx_blocks(content, parent, marks)
    return parts


def _docx_text(element: Any, marks: Mapping[tuple[str, str], int] | None = None) -> str:
    """The text Word shows in a paragraph: its runs, tracked insertions, fields' results, content
    controls, hyperlinks, text boxes and non-breaking hyphens included; deleted text (w:delText),
    a tracked move's old place (w:moveFrom), field codes (w:instrText) and a drawing's fallback
    copy of its text box (mc:Fallback) not. A footnote's reference is its number in brackets ('[1]',
    `marks`), a symbol (w:sym) its character."""
    return "".join(_docx_runs(element, marks or {}))


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# a drawing's fallback copy of its text box, and a tracked move's old place (its text is shown at w:moveTo)
_NOT_SHOWN = frozenset((_MC_FALLBACK, _W + "moveFrom"))


def _docx_runs(element: Any, marks: Mapping[tuple[str, str], int]) -> Iterator[str]:
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _NOT_SHOWN:
            continue
        if tag == _W + "t":
            yield child.text or ""
        elif tag == _W + "sym":
            yield symbol_char(child.get(_W + "font") or "", child.get(_W + "char") or "")
        elif tag in _NOTE_REFS:
            n = marks.get((_NOTE_REFS[tag], child.get(_W + "id") or ""))
            yield f"[{n}]" if n else ""
        elif tag == _W + "noBreakHyphen":
            yield "-"  # 'Hässelby‑Vällingby' as it is searched for
        elif tag == _W + "tab":
            yield "\t"
        elif tag in (_W + "br", _W + "cr"):
            yield "\n"
        elif tag == _W + "p":  # a paragraph of a text box inside this one
            yield "\n"
            yield from _docx_runs(child, marks)
        else:
            yield from _docx_runs(child, marks)


# Word's w:sym: a character of a symbol font by its code in that font (0x20–0xFF, often written in
# the private-use area as F020–F0FF). Symbol's letters are Greek, its signs mathematical; Wingdings
# gives bullets (dropped: a list's mark, not text) and check boxes (kept: a form's answer).
_SYMBOL = dict(zip(range(0x41, 0x5B), "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ")) | dict(zip(range(0x61, 0x7B), "αβχδεφγηιϕκλμνοπθρστυϖωξψζ")) | {
    0x22: "∀", 0x24: "∃", 0x27: "∋", 0x2A: "∗", 0x2D: "−", 0x40: "≅", 0x5C: "∴", 0x5E: "⊥", 0x7E: "∼", 0x60: "",
    0xA0: "€", 0xA1: "ϒ", 0xA2: "′", 0xA3: "≤", 0xA4: "⁄", 0xA5: "∞", 0xA6: "ƒ", 0xA7: "♣", 0xA8: "♦", 0xA9: "♥",
    0xAA: "♠", 0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓", 0xB0: "°", 0xB1: "±", 0xB2: "″", 0xB3: "≥",
    0xB4: "×", 0xB5: "∝", 0xB6: "∂", 0xB7: "", 0xB8: "÷", 0xB9: "≠", 0xBA: "≡", 0xBB: "≈", 0xBC: "…", 0xBF: "↵",
    0xC0: "ℵ", 0xC4: "⊗", 0xC5: "⊕", 0xC6: "∅", 0xC7: "∩", 0xC8: "∪", 0xC9: "⊃", 0xCA: "⊇", 0xCB: "⊄", 0xCC: "⊂",
    0xCD: "⊆", 0xCE: "∈", 0xCF: "∉", 0xD0: "∠", 0xD1: "∇", 0xD2: "®", 0xD3: "©", 0xD4: "™", 0xD5: "∏", 0xD6: "√",
    0xD7: "⋅", 0xD8: "¬", 0xD9: "∧", 0xDA: "∨", 0xDB: "⇔", 0xDC: "⇐", 0xDD: "⇑", 0xDE: "⇒", 0xDF: "⇓", 0xE0: "◊",
    0xE1: "〈", 0xE2: "®", 0xE3: "©", 0xE4: "™", 0xE5: "∑", 0xF1: "〉", 0xF2: "∫",
}
_WINGDINGS = {0x6F: "☐", 0xA8: "☐", 0x78: "☒", 0xFD: "☒", 0xFE: "☑", 0xFB: "✗", 0xFC: "✓"}
_WINGDINGS_2 = {0xA3: "☐", 0x4F: "✗", 0x50: "✓", 0x52: "☑", 0x54: "☒"}


def symbol_char(font: str, code: str) -> str:
    """The text of a Word symbol (w:sym): `font` and its hex `code` ('Symbol', 'F061' → 'α'; a
    bullet → ''). A code of another font is its character (of cp1252 when written as F0xx)."""
    try:
        n = int(code, 16)
    except ValueError:
        return ""
    private = 0xF000 <= n <= 0xF0FF
    byte = n - 0xF000 if private else n
    name = font.strip().casefold()
    if name == "symbol" and byte <= 0xFF:
        if byte in _SYMBOL:
            return _SYMBOL[byte]
        return chr(byte) if 0x20 <= byte < 0x7F else ""
    if name.startswith(("wingdings", "webdings")) and byte <= 0xFF:
        table = _WINGDINGS_2 if name == "wingdings 2" else _WINGDINGS if name == "wingdings" else {}
        return table.get(byte, "")  # a bullet or a picture: no text
    if private:
        char = bytes([byte]).decode("cp1252", "replace")
        return char if char.isprintable() and char != "\ufffd" else ""
    return chr(n) if 0x20 <= n and chr(n).isprintable() and not 0xE000 <= n <= 0xF8FF and not 0xD800 <= n <= 0xDFFF else ""


def _docx_table(table: Any, marks: Mapping[tuple[str, str], int]) -> list[str]:
    """A table's text, row by row: a row of short cells as one line joined by " | "; otherwise each
    cell's paragraphs on their own (a form's question in one cell and the answer in the next, or an
    answer box of several paragraphs), so that an answer is a paragraph and a prompt is a prompt.
    A cell merged over several columns counts once; tables inside a cell are read in place."""
    parts: list[str] = []
    for row in table.rows:
        cells: list[Any] = []
        for cell in row.cells:
            if not any(cell._tc is c._tc for c in cells):
                cells.append(cell)
        texts = ["\n".join(_docx_text(p, marks) for p in c._tc.iter(_W + "p")).strip() for c in cells]
        if not any(texts):
            continue
        if all(len(t.split()) <= _SHORT_CELL and "\n" not in t for t in texts):
            parts.append(" | ".join(texts))  # every cell in its place: equal and empty cells too
            continue
        for cell in cells:
            parts += _docx_blocks(cell._tc, cell, marks)
    return parts


def _docx_paragraph(paragraph: Any, marks: Mapping[tuple[str, str], int]) -> str:
    """A paragraph's text; in a heading style (Heading 1–6, Rubrik 1–6, Title) as a Markdown heading."""
    text = _docx_text(paragraph._p, marks).strip()
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    match = re.match(r"(?:heading|rubrik)\s*(\d)$", name.strip(), re.I)
    level = int(match.group(1)) if match else (1 if name.strip().lower() in ("title", "rubrik") else 0)
    if text and 1 <= level <= 6 and not text.startswith("#"):
        return "#" * level + " " + text
    return text


def read_sidecar(path: str | Path, encoding: str | None = None) -> dict[str, dict[str, Any]]:
    """A CSV that maps file names (column fil/file/filnamn/dokument) to metadata columns."""
    rows = list(iter_table_rows(Path(path), encoding=encoding))
    if not rows:
        raise InputError(_("the metadata file '{path}' has no rows").format(path=path))
    header = list(rows[0].keys())
    key = next((h for h in header if h.strip().lower() in ("fil", "file", "filnamn", "filename", "dokument", "document")), None)
    if key is None:
        raise InputError(
            _("the metadata file '{path}' lacks a column of file names — name it 'fil' (columns now: {header})").format(path=path, header=', '.join(header))
        )
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = nfc(Path(str(row[key]).strip()).name)
        if name:
            out[name] = nfc_meta({k: v for k, v in row.items() if k != key and str(v).strip() != ""})
    return out


def read_note(
    path: str | Path,
    meta: dict[str, Any] | None = None,
    sidecar: dict[str, dict[str, Any]] | None = None,
    encoding: str | None = None,
) -> DocumentIn:
    """One interview note. Metadata: sidecar < front matter < command line."""
    path = Path(path)
    _check_exists(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        front: dict[str, Any] = {}
        text = read_docx_text(path)
    elif suffix in (".txt", ".md", ".markdown"):
        front, text = split_front_matter(read_text(path, encoding), str(path))
    elif suffix == ".pdf":
        raise InputError(_("'{name}': a PDF file cannot be read as notes — {fix}").format(name=path.name, fix=_(_PDF_FIX)),
                         value=suffix, valid=(".txt", ".md", ".docx"))
    elif suffix in (".doc", ".rtf", ".odt", ".pages", ".wpd"):
        raise InputError(_("'{name}': {suffix} files cannot be read as notes — {fix}").format(
            name=path.name, suffix=suffix, fix=_(_WORD_FIX)), value=suffix, valid=(".txt", ".md", ".docx"))
    else:
        survey = suffix in (".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")
        raise InputError(
            _("'{name}': unknown file type '{suffix}' for notes — use .txt, .md or .docx").format(name=path.name, suffix=suffix),
            value=suffix, valid=(".txt", ".md", ".docx"),
            hint=Hint(_("survey data is imported as a survey"), command=("import", "survey", path.name)) if survey else None,
        )
    text = nfc(text.strip("\n"))
    if not text.strip():
        raise InputError(_("'{path}' holds no text (only front matter or empty lines)").format(path=path))
    name = nfc(path.name)
    merged: dict[str, Any] = {}
    merged.update((sidecar or {}).get(name, {}))
    merged.update(nfc_meta(front))
    merged.update(nfc_meta(meta or {}))
    return DocumentIn(name=name, kind="note", text=text, meta=merged, source=str(path))


# -- survey tables -----------------------------------------------------------------------


def iter_table_rows(
    path: Path,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    want: Sequence[str] = (),
) -> Iterator[dict[str, str]]:
    """Stream a CSV or XLSX as dicts of strings, without loading it whole. The header is the first
    row, or the first to name every column in `want` when title lines come above it."""
    for _line, row in iter_table_lines(path, encoding, delimiter, sheet, want):
        yield row


def iter_table_lines(
    path: Path,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    want: Sequence[str] = (),
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of `iter_table_rows`: the file's line a CSV row ends on, or the sheet's row number."""
    _check_exists(path)
    want = [column_name(w) for w in want]  # as the header's names are read
    delimiter = check_delimiter(delimiter)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _iter_xlsx(path, sheet, want)
        return
    if suffix not in (".csv", ".tsv", ".txt"):
        if suffix in (".xls", ".ods", ".numbers"):
            raise InputError(_("'{name}': {suffix} files cannot be read — open it and save it as .xlsx or CSV (UTF-8)").format(name=path.name, suffix=suffix))
        raise InputError(_("'{name}': unknown table file type '{suffix}' — use .csv or .xlsx").format(name=path.name, suffix=suffix))
    if csv.field_size_limit() < MAX_CELL_CHARS:
        csv.field_size_limit(MAX_CELL_CHARS)
    enc = encoding or detect_encoding(path)
    errors = "strict"
    if enc == UTF8_REPLACE:
        _warn_replaced(path)
        enc, errors = "utf-8-sig", CP1252_FALLBACK
    with path.open("r", encoding=_codec(enc), newline="", errors=errors) as fh:
        try:
            sample = fh.read(64 * 1024)
        except UnicodeError:  # also UTF-16 without a byte order mark
            raise InputError(_("could not read '{path}' as {enc}").format(path=path, enc=enc), value=str(path), hint=_ENCODING_HINT) from None
        fh.seek(0)
        delim = delimiter or ("\t" if suffix == ".tsv" else sniff_delimiter(sample.lstrip("\ufeff")))
        if delim in ("\\t", "tab"):
            delim = "\t"
        if delim not in TABLE_DELIMITERS:
            raise InputError(_("unknown delimiter '{delimiter}' — valid: ';', ',', '|' or 'tab'").format(delimiter=delim),
                             value=delim, valid=("';'", "','", "'|'", "tab"))

        # Excel's 'sep=;' first line says the delimiter and is no row of the table (nor a title line)
        skip_sep = sep_line(sample.lstrip("\ufeff")) is not None

        def first_rows(delim: str) -> tuple[Any, list[tuple[int, list[str]]]]:
            fh.seek(0)
            # strict: a quotation mark that ends a quoted cell before its delimiter is an error, not
            # a cell read on to the next quotation mark somewhere below (rows merged without a word)
            reader = csv.reader(fh, delimiter=delim, strict=delim != _NO_DELIMITER)
            head: list[tuple[int, list[str]]] = []
            try:
                if skip_sep:
                    next(reader, None)
                for row in reader:
                    if len(row) > MAX_COLUMNS:
                        raise _too_wide(path, reader.line_num, len(row))
                    head.append((reader.line_num, row))
                    if len(head) > _PREAMBLE_ROWS:
                        break
            except UnicodeError:
                raise InputError(_("could not read '{path}' as {enc}").format(path=path, enc=enc), value=str(path), hint=_ENCODING_HINT) from None
            except csv.Error as exc:
                raise _quote_error(path, exc, (head[-1][0] if head else 0) + 1, reader.line_num) from None
            if not head:
                raise InputError(_("'{path}' is empty — nothing to import").format(path=path))
            return reader, head

        reader, head = first_rows(delim)
        at = _header_index([r for _n, r in head], want)
        if delimiter is None and suffix != ".tsv" and len(head[at][1]) == 1 and any(_filled(r) > 1 for _n, r in head[at + 1:]):
            # one column of answers (its name holds no delimiter) whose answers hold commas: not a delimiter
            delim = _NO_DELIMITER
            reader, head = first_rows(delim)
            at = _header_index([r for _n, r in head], want)
        if at:
            _warn_preamble(path, head[at][0], [r for _n, r in head[:at]])
        header = [column_name(h) for h in head[at][1]]
        _check_header(header, path)
        line = head[at][0]
        extra, header = _export_headings(header, [r for _n, r in head[at + 1:]], path,
                                         lambda k: head[at + k][0])
        header = _name_blank_columns(header, path)
        width = len(header)

        def numbered() -> Iterator[tuple[int, list[str]]]:
            # One row is held back: the last one is checked before it is given out.
            pending = head[at + 1 + extra:]
            prev_end, last_end = (head[-2][0] if len(head) > 1 else 0), head[-1][0]
            try:
                for row in reader:
                    prev_end, last_end = last_end, reader.line_num
                    yield from pending
                    pending = [(reader.line_num, row)]
            except csv.Error as exc:
                raise _quote_error(path, exc, last_end + 1, reader.line_num) from None
            # At the end of the file: a cell whose opening quotation mark never closes has swallowed
            # every line after it (Python's csv reads it so, without a word). Only a last row over
            # several lines is read again.
            if last_end - prev_end > 1 and _odd_quotes(fh, prev_end, last_end):
                first, last = prev_end + 1, last_end
                raise InputError(_(
                    "'{path}' line {line}: a quotation mark opens a cell that is never closed, so lines {line}–{last} "
                    "would be read as one cell — remove the quotation mark or close the cell with another"
                ).format(path=path, line=first, last=last), value=str(path))
            yield from pending

        try:
            for line, row in numbered():
                if not "".join(row).strip():  # only empty or blank cells
                    continue
                if len(row) < width:
                    yield line, dict(zip(header, row + [""] * (width - len(row))))
                    continue
                if len(row) > width and "".join(row[width:]).strip():
                    raise _too_many_fields(path, line, len(row), header, delim)
                yield line, dict(zip(header, row))
        except UnicodeError as exc:
            raise InputError(
                _("could not read '{path}' as {enc} after line {line} ({reason})").format(path=path, enc=enc, line=line, reason=getattr(exc, "reason", exc)), value=str(path),
                hint=_ENCODING_HINT,
            ) from None
        except csv.Error as exc:
            raise InputError(_("'{path}' line {line}: broken CSV ({exc}) — check the quotation marks on the line").format(path=path, line=line, exc=exc)) from None


MAX_COLUMNS = 16_384  # Excel's columns (A … XFD): a wider row is no table that a survey tool wrote


def _too_wide(path: Path, line: int, n: int) -> InputError:
    return InputError(
        _("'{path}' line {line} holds {n} cells, more than a spreadsheet has columns ({max}) — it is not a survey table: "
          "check that it is the right file, saved as CSV").format(path=path, line=line, n=format_count(n), max=format_count(MAX_COLUMNS)),
        value=str(path))


def _quote_error(path: Path, exc: csv.Error, first: int, last: int) -> InputError:
    """The message for a CSV row (lines `first`–`last`) that the strict reader could not read."""
    if "end of data" in str(exc) and last <= first:  # opened on the last line
        return InputError(_(
            "'{path}' line {line}: a quotation mark opens a cell that is never closed: the file ends inside it "
            "— remove the quotation mark or close the cell with another"
        ).format(path=path, line=first), value=str(path))
    if "end of data" in str(exc):  # a cell opened on `first` that no quotation mark closes
        return InputError(_(
            "'{path}' line {line}: a quotation mark opens a cell that is never closed, so lines {line}–{last} "
            "would be read as one cell — remove the quotation mark or close the cell with another"
        ).format(path=path, line=first, last=max(last, first)), value=str(path))
    if last > first:
        return InputError(_(
            "'{path}' line {line}: a quotation mark opens a cell that closes only on line {last}, so lines "
            "{line}–{last} would be read as one cell — remove the quotation mark or close the cell on its line"
        ).format(path=path, line=first, last=last), value=str(path))
    return InputError(_(
        "'{path}' line {line}: a quotation mark ends a quoted cell before its end (text follows it, not the delimiter) — write a quotation "
        "mark inside a quoted cell twice (\"\"), or remove the quotation marks around the cell"
    ).format(path=path, line=first), value=str(path))


def _odd_quotes(fh: Any, after: int, last: int) -> bool:
    """Whether lines `after`+1 … `last` of a CSV file hold an odd number of quotation marks (a cell left open)."""
    fh.seek(0)
    return sum(line.count('"') for line in itertools.islice(fh, after, last)) % 2 == 1


# Title lines above the column names (a survey tool's export: "Enkät 2017", a blank line, then
# the header) are skipped when they hold at most one cell and the header comes within this many rows.
_PREAMBLE_ROWS = 20
_NO_DELIMITER = "\x1f"  # the unit separator: never in a survey answer, so each line is one field


def _filled(row: Sequence[str]) -> int:
    return sum(1 for c in row if c.strip())


def _header_index(rows: list[list[str]], want: Sequence[str] = ()) -> int:
    """Where the column names are among the first rows: 0, or the row after title lines of at most
    one cell each. With `want` (the columns asked for) it is the first row that names them all.
    Without, it is the first row of two or more unique names that the rows below it fit under and
    mostly fill (so a one-column file whose answers hold the delimiter keeps its first row)."""
    if want and rows:
        # The first row that names every column asked for, also under a row of group headings
        # (merged cells: "Bakgrund" over id and roll, "Fritext" over the questions) that has fewer names.
        for i, row in enumerate(rows):
            if set(want) <= {column_name(c) for c in row if c.strip()}:
                return i if all(_filled(r) < _filled(row) for r in rows[:i]) else 0
    if not rows or _filled(rows[0]) > 1:
        return 0
    for i, row in enumerate(rows):
        if _filled(row) > 1:
            break
    else:
        return 0
    if any(_filled(r) > 1 for r in rows[:i]):
        return 0
    names = [column_name(c) for c in row if c.strip()]
    if want:
        return i if set(want) <= set(names) else 0
    if len(set(names)) < len(names) or any(len(n) > 80 for n in names):
        return 0
    below = [r for r in rows[i + 1:] if _filled(r)]
    if not below or max(_width(r) for r in below) > _width(row) or 2 * sum(_filled(r) > 1 for r in below) < len(below):
        return 0
    return i


_IMPORT_ID = re.compile(r'\{\s*"ImportId"\s*:\s*"[^"]*"(\s*,\s*"[^"]+"\s*:\s*"[^"]*")*\s*\}')
_MONKEY_ANSWERS = {"response", "open-ended response", "svar", "öppet svar", "fritextsvar"}


def _export_headings(
    header: list[str], below: Sequence[Sequence[str]], path: Path, line: Callable[[int], int],
) -> tuple[int, list[str]]:
    """How many rows under the column names are a survey tool's further headings, and the column
    names to use. Qualtrics writes the question texts and a row of {"ImportId": …} under its short
    names (both skipped); SurveyMonkey writes each answer option under its question, the question
    only over the first (an option's column is named "question – option"; "Response" and
    "Open-Ended Response" keep the question's name). Other files: (0, header). `line(k)`: the
    file's line of the k-th row under the column names."""
    import warnings

    from qualcode.core.errors import QualcodeWarning

    def filled(row: Sequence[str]) -> list[str]:
        return [c.strip() for c in row if c.strip()]

    tool, extra = "", 0
    for i, row in enumerate(below[:2]):
        if filled(row) and all(_IMPORT_ID.fullmatch(c) for c in filled(row)):
            tool, extra = "Qualtrics", i + 1
            break
    if not tool and below and any(c.strip().lower() in _MONKEY_ANSWERS for c in below[0]) \
            and any(h.lower() in ("respondent id", "respondent-id") for h in header):
        tool, extra = "SurveyMonkey", 1
        question, names = "", []
        for i, h in enumerate(header):
            question = h or question
            option = below[0][i].strip() if i < len(below[0]) else ""
            names.append(h if not option or option.lower() in _MONKEY_ANSWERS or not question
                         else f"{question} – {option}")
        header = names
        _check_header(header, path)
    if tool:
        warnings.warn(QualcodeWarning(
            _("'{path}': an export from {tool}: its headings under the column names (through line {line}) were skipped, not read as answers").format(
                path=path, tool=tool, line=line(extra)),
            value=str(path),
        ), stacklevel=3)
    return extra, header


def _width(row: Sequence[str]) -> int:
    return max((i + 1 for i, c in enumerate(row) if c.strip()), default=0)


# Column names of an export that hold who answered (Forms, Netigate, Survey&Report, Google Forms
# write them beside the questions), folded: kept as metadata, they follow every answer into the grid and the exports.
_PERSONAL_COLUMNS = frozenset({
    "namn", "name", "förnamn", "efternamn", "fullständigt namn", "full name", "first name", "last name",
    "e-post", "epost", "e-postadress", "epostadress", "e-mail", "email", "mejl", "mail", "mailadress", "e-mail address",
    "email address", "telefon", "telefonnummer", "mobil", "mobilnummer", "phone", "personnummer",
    "ip", "ip-adress", "ip address", "adress", "address",
})


# words of such a column's name ('Namn (frivilligt)', 'RecipientFirstName', 'IPAddress', 'Födelseår')
_PERSONAL_WORDS = re.compile(
    r"\b(?:namn|name|förnamn|efternamn|e-?post\w*|e-?mail|mejl\w*|mail\w*|telefon\w*|mobil\w*|phone|"
    r"personnummer|personnr|pnr|ip|ip-?adress|ip-?address|adress|address|födelse\w*|birth\w*)\b")


def personal_column(name: str) -> bool:
    """Does a column's name say it holds who answered (her name, e-mail, phone, IP address …)?"""
    folded = name.casefold()
    if folded in _PERSONAL_COLUMNS:
        return True
    return _PERSONAL_WORDS.search(field_words(name).casefold()) is not None


def _warn_personal_columns(path: Path, meta_cols: Sequence[str]) -> None:
    """A column that names who answered (Namn, E-post …), kept as metadata by default: say so once."""
    personal = [c for c in meta_cols if personal_column(c)]
    if not personal:
        return
    import warnings

    from qualcode.core.errors import QualcodeWarning

    keep = [c for c in meta_cols if c not in personal]
    warnings.warn(QualcodeWarning(
        _("'{path}': the columns {columns} look like personal data and are kept as metadata of every answer "
          "(shown in the grid, written with the answers to exports) — name the columns to keep").format(
            path=path.name, columns=", ".join(repr(c) for c in personal)),
        value=personal[0],
        hint=Hint(_("keep only these columns as metadata"), option="meta_column", example=keep[0] if keep else _("COLUMN"),
                  options=tuple(("meta_column", c) for c in keep[1:])),
    ), stacklevel=3)


# a survey tool's column that tells answers apart (Google Forms' timestamp, Qualtrics' ResponseId, Esmaker's Resp.nr)
_ID_LIKE = re.compile(r"tidstämpel|tidsstämpel|timestamp|response ?id|respondent ?id|respondent|svars?-?id|id|"
                      r"resp\.? ?nr|respondentnummer|löpnummer|starttid|start time|submission id", re.IGNORECASE)


def warn_numbered_rows(path: Path, columns: Sequence[str]) -> None:
    """Without --id the rows are numbered: a new version of the file with a row removed or added
    numbers the answers after it anew, and --replace would see them all as changed. A column that
    tells the answers apart is named once, as the way to keep their identity."""
    candidates = [c for c in columns if _ID_LIKE.fullmatch(c.strip())]
    if not candidates:
        return
    import warnings

    from qualcode.core.errors import QualcodeWarning

    warnings.warn(QualcodeWarning(
        _("'{path}': without an id column the rows are numbered, and a later version with a row removed or added numbers the answers after it anew — '{column}' looks like one").format(
            path=path.name, column=candidates[0]),
        value=candidates[0],
        hint=Hint(_("give it as the respondent id"), option="id", example=candidates[0]),
    ), stacklevel=4)


def _warn_preamble(path: Path, header_line: int, skipped: list[list[str]]) -> None:
    import warnings

    from qualcode.core.errors import QualcodeWarning

    title = next((c.strip() for r in skipped for c in r if c.strip()), "")
    warnings.warn(QualcodeWarning(
        _("'{path}': the column names are on line {line}; the title lines above them were skipped ({title})").format(
            path=path, line=header_line, title=sample_text(title, 40) if title else _("blank")),
        value=str(path),
    ), stacklevel=3)


def _too_many_fields(path: Path, line: int, n_row: int, header: list[str], delim: str) -> InputError:
    """A row longer than the header: another delimiter splits the header into more columns, or an
    answer holds the delimiter without quotation marks."""
    raw = delim.join(header)
    splits = {d: len(raw.split(d)) for d in TABLE_DELIMITERS if d != delim}
    alt = max(splits, key=lambda d: splits[d])
    if splits[alt] > len(header):
        return InputError(
            _("'{path}' line {line}: {n_row} fields but the header row has {n_header} — the delimiter seems to be '{alt}', not '{show}'").format(
                path=path, line=line, n_row=n_row, n_header=len(header), alt=_show(alt), show=_show(delim)),
            value=line, hint=Hint(_("give the delimiter"), option="delimiter", example=f"'{_show(alt)}'"))
    return InputError(
        _("'{path}' line {line}: {n_row} fields but the header row has {n_header} — an answer on the line holds '{show}' without quotation marks: put it in quotation marks or save the file again from the spreadsheet program").format(
            path=path, line=line, n_row=n_row, n_header=len(header), show=_show(delim)),
        value=line)


def _show(delim: str) -> str:
    return "\\t" if delim == "\t" else delim


UNNAMED_COLUMN = "kolumn_{n}"  # a column without a name in the header row (n: its place, from 1)
_UNNAMED = re.compile(r"kolumn_\d+")


def _name_blank_columns(header: list[str], path: Path) -> list[str]:
    """The header without blank names after the last named column (a spreadsheet's empty columns,
    an export's trailing delimiter); a blank name between named columns becomes 'kolumn_3' (its
    place), so its values are kept, and left out of an answer's metadata where they are empty."""
    header = list(header)
    while header and not header[-1]:
        header.pop()
    header = [h or UNNAMED_COLUMN.format(n=i) for i, h in enumerate(header, start=1)]
    _check_header(header, path)
    return header


def _check_header(header: list[str], path: Path) -> None:
    if not any(header):
        raise InputError(_("'{path}': the header row is empty — the first row must have column names").format(path=path))
    from collections import Counter

    counts = Counter(header)  # once over the header: a line of millions of cells is no header to compare cell by cell
    dupes = [h for h in counts if h and counts[h] > 1]
    if dupes:
        where = [str(i) for i, h in enumerate(header, start=1) if h == dupes[0]]
        raise InputError(
            _("'{path}': the column name '{name}' appears {n} times (columns {where}) — give each column a name of its own "
              "in the header row (e.g. '{name} 2'), save the file and import it again").format(
                path=path, name=sample_text(dupes[0], 60), n=len(where), where=", ".join(where[:5]) + (" …" if len(where) > 5 else "")),
            value=dupes[0])


def _iter_xlsx(path: Path, sheet: str | None, want: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    import zipfile
    from xml.etree.ElementTree import ParseError

    from lxml.etree import XMLSyntaxError
    from openpyxl import load_workbook

    from qualcode.core.zipfiles import check_zip_file

    _check_office_file(path)
    check_zip_file(str(path), path.name)
    formulas_wb = None
    try:
        wb = load_workbook(str(path), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(
            _("could not read '{path}' as an Excel file (.xlsx): the file is damaged or of another type ({name}) — open it in Excel and save it as .xlsx again, or export it as CSV").format(path=path, name=type(exc).__name__)
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            same = [n for n in wb.sheetnames if n.casefold() == sheet.casefold()]
            sheet = same[0] if len(same) == 1 else sheet  # '--sheet svar' finds 'Svar'
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputError(_("'{path}' has no sheet '{sheet}' — sheets: {sheetnames}").format(path=path, sheet=sheet, sheetnames=', '.join(wb.sheetnames)))
        ws = wb[sheet] if sheet else wb.worksheets[0]
        # The sheet's own size (<dimension ref="A1"/>) is not trusted: some programs write it wrong, and
        # openpyxl would then read only cell A1 ("only a header row").
        _reset_dimensions(ws)
        rows = ws.iter_rows(values_only=True)
        if _sheet_has_formulas(path, getattr(ws, "_worksheet_path", "")):
            formulas_wb = load_workbook(str(path), read_only=True, data_only=False)
            formulas_ws = formulas_wb[ws.title]
            _reset_dimensions(formulas_ws)
            rows = _with_formula_text(path, rows, formulas_ws.iter_rows(values_only=True))
        head = [[_xlsx_cell(v) for v in values] for values in itertools.islice(rows, _PREAMBLE_ROWS + 1)]
        # Without the stated size a row ends at its last filled cell: the first rows are made as wide as
        # the widest of them, so a heading row under them (SurveyMonkey's answer options) still names its columns.
        width = max((len(r) for r in head), default=0)
        head = [r + [""] * (width - len(r)) for r in head]
        if not head:
            raise InputError(_("'{path}': the sheet '{title}' is empty — nothing to import").format(path=path, title=ws.title),
                             hint=other_sheets_hint(wb.sheetnames, ws.title))
        at = _header_index(head, want)
        if at:
            _warn_preamble(path, at + 1, head[:at])
        extra, header = _export_headings([column_name(h) for h in head[at]], head[at + 1:], path, lambda k: at + 1 + k)
        rows = itertools.chain(head[at + 1 + extra:], rows)
        header = _name_blank_columns(header, path)
        for number, values in enumerate(rows, start=at + 2 + extra):
            cells = [v if isinstance(v, str) else _xlsx_cell(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            yield number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
    except (ParseError, XMLSyntaxError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise InputError(
            _("could not read '{path}' as an Excel file (.xlsx): the file is damaged or of another type ({name}) — open it in Excel and save it as .xlsx again, or export it as CSV").format(path=path, name=type(exc).__name__)
        ) from None
    finally:
        wb.close()
        if formulas_wb is not None:
            formulas_wb.close()


def _reset_dimensions(ws: Any) -> None:
    reset = getattr(ws, "reset_dimensions", None)
    if reset is not None:
        reset()


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _sheet_has_formulas(path: Path, member: str) -> bool:
    """Whether a sheet's XML holds a formula (`<f>`), read as it is unpacked: most survey exports hold none."""
    import zipfile

    if not member:
        return True
    with zipfile.ZipFile(path) as zf:
        try:
            fh = zf.open(member.lstrip("/"))
        except KeyError:
            return True
        with fh:
            tail = b""
            while chunk := fh.read(_CHUNK):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-8:]
    return False


def _with_formula_text(path: Path, values: Iterator[tuple[Any, ...]], formulas: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The sheet's values, with a formula that has no saved value (a file written by a program, not
    saved by Excel: a cell such as '=)' or '=bra' that a script wrote) read as its text, not as empty."""
    import warnings

    from qualcode.core.errors import QualcodeWarning

    where: list[int] = []
    for number, (row, frow) in enumerate(zip(values, formulas), start=1):
        if any(v is None and isinstance(f, str) and f.startswith("=") for v, f in zip(row, frow)):
            where.append(number)
            row = tuple(f if v is None and isinstance(f, str) and f.startswith("=") else v
                        for v, f in itertools.zip_longest(row, frow))
        yield row
    if where:
        message = (_("'{path}': a row holds a formula without a saved value (row {rows}); it was read as its text — "
                     "open the file in Excel and save it to keep the values") if len(where) == 1 else
                   _("'{path}': {n} rows hold a formula without a saved value (rows {rows}); they were read as their text — "
                     "open the file in Excel and save it to keep the values"))
        warnings.warn(QualcodeWarning(
            message.format(
                path=path, n=len(where), rows=", ".join(map(str, where[:5])) + (" …" if len(where) > 5 else "")),
            value=str(path),
        ), stacklevel=2)


def other_sheets_of(path: Path, sheet: str | None) -> Hint | None:
    """A workbook's other sheets, when the one read has no answers (an 'Info' sheet first)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    from openpyxl import load_workbook

    wb = load_workbook(str(path), read_only=True)
    try:
        return other_sheets_hint(wb.sheetnames, sheet or wb.sheetnames[0])
    finally:
        wb.close()


def other_sheets_hint(sheets: Sequence[str], shown: str) -> Hint | None:
    """Where else to look when a workbook's sheet has no data: its other sheets."""
    others = [name for name in sheets if name != shown]
    if not others:
        return None
    return Hint(_("read another sheet ({sheets})").format(sheets=", ".join(others)), option="sheet", example=f"'{others[0]}'")


def _xlsx_cell(value: Any) -> str:
    import datetime

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()  # a date cell: 2019-01-01, not 2019-01-01 00:00:00
    return str(value)


def read_table(
    path: str | Path, encoding: str | None = None, delimiter: str | None = None, sheet: str | None = None
) -> pd.DataFrame:
    """A whole CSV/XLSX as a pandas DataFrame of strings (for small files such as questionnaires)."""
    import pandas as pd

    path = Path(path)
    rows = list(iter_table_rows(path, encoding=encoding, delimiter=delimiter, sheet=sheet))
    if not rows:
        raise InputError(_("'{path}' has only a header row — no answers to read").format(path=path))
    return pd.DataFrame(rows, dtype=str)


def table_columns(
    path: str | Path, encoding: str | None = None, delimiter: str | None = None, sheet: str | None = None, want: Sequence[str] = (),
) -> list[str]:
    for row in iter_table_rows(Path(path), encoding=encoding, delimiter=delimiter, sheet=sheet, want=want):
        return list(row.keys())
    return []


def expand_columns(asked: Sequence[str], columns: Sequence[str]) -> list[str]:
    """The columns `asked` names, as `mentions --columns` reads them: a column of the file as it is; a
    pattern (`langst_*`) its matching columns in the file's order; a list (`langst_1,langst_2`) its
    parts when each is a column. Anything else stays, for the reader to name as missing.

    >>> expand_columns(["langst_*", "a, b"], ["id", "langst_1", "langst_2", "a", "b"])
    ['langst_1', 'langst_2', 'a', 'b']
    """
    import fnmatch

    out: list[str] = []
    for name in asked:
        parts = [p.strip() for p in name.split(",")]
        if name in columns:
            found = [name]
        elif any(ch in name for ch in "*?["):
            found = [c for c in columns if fnmatch.fnmatchcase(c, name)] or [name]
        elif len(parts) > 1 and all(p in columns for p in parts):
            found = parts
        else:
            found = [name]
        out.extend(c for c in found if c not in out)
    return out


@dataclass(frozen=True)
class SurveySpec:
    """Which columns of a survey table hold text, respondent id and metadata."""

    text_columns: tuple[str, ...]
    id_column: str | None = None
    meta_columns: tuple[str, ...] | None = None  # None: every other column


def read_survey(
    path: str | Path,
    spec: SurveySpec,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    extra_meta: dict[str, Any] | None = None,
    cases: list[tuple[str, dict[str, Any]]] | None = None,
) -> Iterator[DocumentIn]:
    """One document per (respondent, text column) with a non-empty answer.

    `cases`, when given, receives (respondent, metadata) for every row, whatever its text
    cells hold: a respondent with only empty comments is still a respondent."""
    path = Path(path)
    spec = SurveySpec(tuple(map(column_name, spec.text_columns)), column_name(spec.id_column) if spec.id_column else None,
                      tuple(map(column_name, spec.meta_columns)) if spec.meta_columns is not None else None)
    want = [*spec.text_columns, *([spec.id_column] if spec.id_column else []), *(spec.meta_columns or ())]
    rows = iter_table_lines(path, encoding=encoding, delimiter=delimiter, sheet=sheet, want=want)
    first = next(rows, None)
    if first is None:
        raise InputError(_("'{path}' has only a header row — no answers to import").format(path=path),
                         hint=other_sheets_of(path, sheet))
    columns = list(first[1].keys())
    if not spec.text_columns:
        raise _no_text_columns(path, columns, [first[1], *(r for _n, r in itertools.islice(rows, 500))])
    wanted = list(spec.text_columns) + ([spec.id_column] if spec.id_column else []) + list(spec.meta_columns or ())
    missing = [c for c in wanted if c not in columns]
    if missing:
        if any("\x00" in c for c in columns):  # UTF-16 without its byte order mark read as one byte a letter
            raise InputError(
                _("'{name}' reads as text with a NUL byte between the letters of its column names: it is UTF-16 without a byte order mark").format(name=path.name),
                hint=Hint(_("give the encoding"), option="encoding", example="utf-16-le"),
            )
        short = _short_name_of(path, encoding, delimiter, missing[0], columns)
        raise InputError(
            _("'{name}' lacks the column {value} — columns in the file: {columns}").format(name=path.name, value=', '.join(repr(m) for m in missing), columns=', '.join(columns)),
            hint=Hint(_("'{question}' is the question of the column '{column}': give its name").format(question=sample_text(missing[0], 40), column=short),
                      option="text" if missing[0] in spec.text_columns else "meta_column", example=short) if short else None,
        )
    meta_cols = (
        list(spec.meta_columns)
        if spec.meta_columns is not None
        else [c for c in columns if c not in spec.text_columns and c != spec.id_column]
    )

    unnamed = [c for c in meta_cols if _UNNAMED.fullmatch(c)]
    if spec.meta_columns is None:
        _warn_personal_columns(path, meta_cols)
    taken = sorted({*meta_cols, *(extra_meta or {})} & {"respondent", "field"})
    if taken:
        raise InputError(
            _("'{name}': the metadata {taken} would be overwritten by the respondent and column the import stores under these names — rename them").format(
                name=path.name, taken=", ".join(repr(t) for t in taken)),
            value=taken[0],
        )

    def all_rows() -> Iterator[tuple[int, dict[str, str]]]:
        yield first
        yield from rows

    stem, source, extra = nfc(path.stem), str(path), nfc_meta(extra_meta or {})
    # A respondent may answer a text column on several rows when other columns tell the rows apart
    # (a long export: one row per statement); two answers with the same metadata are a repeated
    # id. Each answer's (id, column, metadata) is kept as a 64-bit hash, 8 bytes an answer,
    # checked when the file has been read (the import stores nothing until it ends).
    answered = array("q")
    blank: dict[str, int] = {}  # a tool's or a respondent's mark for no answer ('-', 'Ej svar') -> times
    for n, (line, row) in enumerate(all_rows(), start=1):
        respondent = _respondent_id(path, spec.id_column, row, line) if spec.id_column else str(n)
        base = _row_meta(row, meta_cols, unnamed, extra)
        if cases is not None:
            cases.append((respondent, base))
        for col in spec.text_columns:
            text = row.get(col) or ""
            if "\r" in text:  # a line break inside a cell, as Windows wrote it: stored as notes are, \n
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            text = nfc(text.strip())
            if not text:
                continue
            if no_answer(text):
                blank[text] = blank.get(text, 0) + 1
                continue
            if spec.id_column:
                answered.append(_answer_key(respondent, col, base))
            meta = dict(base, respondent=respondent, field=col)
            yield DocumentIn(name=f"{stem}:{respondent}:{col}", kind="survey", text=text, meta=meta, source=source)
    if blank:
        _warn_no_answers(path, blank)
    if spec.id_column and len(answered) > 1:
        _check_one_answer_each(path, spec, answered, meta_cols, unnamed, extra,
                               lambda: iter_table_lines(path, encoding=encoding, delimiter=delimiter, sheet=sheet, want=want))


# What survey tools (Netigate, Webropol, Esmaker: 'Ej svar'; Forms: '-') and respondents write in a
# free-text cell for no answer, folded: the respondent stays in the base, the cell is no answer to code.
_NO_ANSWER_MARKS = frozenset({
    "ej svar", "inget svar", "svar saknas", "ej besvarad", "ej besvarat", "obesvarad", "ej angivet",
    "no answer", "not answered", "no response", "n/a", "#n/a",
})


def no_answer(text: str) -> bool:
    """Is a free-text cell a mark for no answer: no letter or digit ('-', '.', '–', '?'), or a
    survey tool's 'Ej svar'? ('Vet ej', 'Nej' and 'Inget' are answers to a question.)"""
    if not any(c.isalnum() for c in text):
        return True
    return len(text) <= 16 and " ".join(text.split()).casefold().strip(".") in _NO_ANSWER_MARKS


class NoAnswerWarning(QualcodeWarning):
    """Cells that say there is no answer ('-', 'Ej svar') were not imported as answers."""


def _warn_no_answers(path: Path, blank: Mapping[str, int]) -> None:
    import warnings

    n = sum(blank.values())
    marks = sorted(blank, key=lambda t: (-blank[t], t))
    shown = ", ".join(repr(sample_text(t, 20)) for t in marks[:5]) + (" …" if len(marks) > 5 else "")
    warnings.warn(NoAnswerWarning(
        n_("'{name}': {n} cell says no answer ({shown}) and was not imported as an answer; its respondent stays in the base",
           "'{name}': {n} cells say no answer ({shown}) and were not imported as answers; their respondents stay in the base",
           n).format(name=path.name, n=n, shown=shown),
        value=marks[0],
    ), stacklevel=3)


def _no_text_columns(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> InputError:
    """No free-text column asked for: the file's columns, and the ones whose answers read as free
    text (three words or more on average, not an id, a time or who answered) as the example, else
    the column of the longest answers."""

    def words(column: str) -> float:
        cells = [len(v.split()) for r in rows if (v := (r.get(column) or "").strip()) and not no_answer(v)]
        return sum(cells) / len(cells) if cells else 0.0

    answers = sorted((c for c in columns if not _ID_LIKE.fullmatch(c.strip()) and not personal_column(c) and words(c)),
                     key=words, reverse=True)
    texts = sorted([c for c in answers if words(c) >= 3][:3] or answers[:1], key=columns.index)
    return InputError(
        _("'{name}': which columns hold the free text to import? Columns in the file: {columns}").format(
            name=path.name, columns=", ".join(repr(c) for c in columns)),
        hint=Hint(_("give each column of free text"), option="text", example=texts[0] if texts else _("COLUMN"),
                  options=tuple(("text", c) for c in texts[1:])),
    )


def _respondent_id(path: Path, column: str, row: dict[str, str], line: int) -> str:
    """The row's id in `column`, refused when empty (her row number could be another's id)."""
    respondent = nfc((row.get(column) or "").strip())
    if not respondent:
        raise InputError(
            _("'{name}' line {line}: the id column '{column}' is empty — every respondent needs her own id; fill it in, or leave out the id column to number the rows").format(
                name=path.name, line=line, column=column),
            value=str(line),
        )
    return respondent


def _row_meta(row: Mapping[str, str], meta_cols: Sequence[str], unnamed: Sequence[str],
              extra: Mapping[str, Any]) -> dict[str, Any]:
    """A row's metadata as stored with each of its answers: typed, NFC, an unnamed column left out
    where empty, then the import's own `extra` values."""
    base = {c: _typed(nfc(row.get(c, ""))) for c in meta_cols}
    for c in unnamed:
        if base[c] == "":
            del base[c]
    base.update(extra)
    return base


def _answer_key(respondent: str, column: str, meta: Mapping[str, Any]) -> int:
    return hash((respondent, column, tuple(meta.items())))


def _short_name_of(path: Path, encoding: str | None, delimiter: str | None, question: str, columns: Sequence[str]) -> str | None:
    """The column whose question text (a survey tool's second heading row: Qualtrics writes the
    question under its short name Q3) is `question`, when a command named the question."""
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    from qualcode.core.csv_dialect import sniff_delimiter

    try:
        with path.open("r", encoding=_codec(encoding or detect_encoding(path)), newline="", errors="replace") as fh:
            sample = fh.read(256 * 1024)
    except (OSError, InputError, UnicodeError):
        return None
    rows = list(itertools.islice(csv.reader(sample.lstrip("\ufeff").splitlines(), delimiter=delimiter or sniff_delimiter(sample)), 4))
    want = column_name(question).casefold()
    for header, texts in zip(rows, rows[1:]):
        for name, text in zip(header, texts):
            if column_name(text).casefold() == want and column_name(name) in columns:
                return column_name(name)
    return None


def _check_one_answer_each(
    path: Path, spec: SurveySpec, answered: array[int], meta_cols: Sequence[str], unnamed: Sequence[str],
    extra: Mapping[str, Any], reread: Callable[[], Iterator[tuple[int, dict[str, str]]]],
) -> None:
    """Refuse a repeated answer (same id, column and metadata): its two lines, from a second read."""
    import numpy as np

    assert spec.id_column

    keys = np.frombuffer(answered, dtype=np.int64)
    uniq, counts = np.unique(keys, return_counts=True)
    if not (counts > 1).any():
        return
    repeated = {int(k) for k in uniq[counts > 1]}
    seen: dict[int, int] = {}
    for line, row in reread():
        respondent = _respondent_id(path, spec.id_column, row, line)
        base = _row_meta(row, meta_cols, unnamed, extra)
        for col in spec.text_columns:
            text = nfc((row.get(col) or "").strip())
            if not text or no_answer(text):
                continue
            key = _answer_key(respondent, col, base)
            if key in repeated:
                if key in seen:
                    raise InputError(duplicate_id_message(path.name, respondent, spec.id_column, seen[key], line),
                                     value=respondent)
                seen[key] = line


def duplicate_id_message(name: str, respondent: str, column: str, first: int, line: int) -> str:
    return _("'{name}': the id '{respondent}' in the column '{column}' has answers on line {first} and line {line} — every respondent needs her own id; use a column of unique ids, or leave out the id column to number the rows").format(
        name=name, respondent=respondent, column=column, first=first, line=line)


_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


def _typed(value: str) -> Any:
    """Metadata values stay text, except that Swedish decimals ("3,5") become floats."""
    v = value.strip()
    if "," in v and _DECIMAL_COMMA.match(v):
        return float(v.replace(",", "."))
    return v


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: text between blank lines, outer whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _BLANK_LINE.finditer(text + "\n\n"):
        _add_trimmed(text, pos, min(match.start(), len(text)), spans)
        pos = match.end()
    if pos < len(text):
        _add_trimmed(text, pos, len(text), spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def iter_paths(paths: Sequence[str | Path], suffixes: Sequence[str]) -> Iterator[Path]:
    """Files named directly, or files with a matching suffix inside named folders (sorted)."""
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
            skipped = [f for f in found if lock_file_kind(f) is not None]
            found = [f for f in found if f not in skipped] if skipped else found
            if skipped:
                _warn_skipped(p, skipped)
            if not found:
                raise InputError(_("the folder '{p}' holds no files of the type {suffixes}").format(p=p, suffixes=', '.join(suffixes)))
            yield from found
        else:
            yield p


def _warn_skipped(folder: Path, skipped: list[Path]) -> None:
    import warnings

    from qualcode.core.errors import QualcodeWarning

    shown = ", ".join(f.name for f in skipped[:5]) + (" …" if len(skipped) > 5 else "")
    warnings.warn(QualcodeWarning(
        n_("'{folder}': skipped {n} lock or system file that is not a document: {shown}",
           "'{folder}': skipped {n} lock or system files that are not documents: {shown}", len(skipped)).format(folder=folder, n=len(skipped), shown=shown),
        value=str(folder),
    ), stacklevel=3)


def sample_text(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


__all__ = [
    "DocumentIn", "SurveySpec", "column_name", "detect_encoding", "iter_paths", "iter_table_rows", "paragraphs",
    "read_docx_text", "read_note", "read_sidecar", "read_survey", "read_table", "read_text",
    "sniff_delimiter", "split_front_matter", "table_columns",
]

