"""Typed records passed between importers, store, segmentation, coding and counts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNITS = ("paragraph", "sentence", "response")
SOURCES = ("manual", "suggested", "accepted", "rejected")
POSITIVE_SOURCES = ("manual", "accepted")  # sources that mean "this segment has this code"
MODEL_CODER = "qualcode"
CASE_KEYS = ("respondent", "respondent_id", "respondentid", "respondent-id")  # metadata that names a survey case


@dataclass(frozen=True)
class DocumentIn:
    """A document ready to store: text plus metadata (from front matter, CLI, sidecar or columns)."""

    name: str
    kind: str  # "note" | "survey"
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class Document:
    id: int
    name: str
    kind: str
    text: str
    meta: dict[str, Any]
    source: str
    content_hash: str
    created_at: str


@dataclass(frozen=True)
class SegmentIn:
    document_id: int
    unit: str
    idx: int
    start: int
    end: int
    lemmas: str
    role: str | None = None  # heading | prompt | None (content): qualcode.ingest.structure
    section: str | None = None  # the heading (and prompt) the segment stands under


@dataclass(frozen=True)
class Segment:
    id: int
    document_id: int
    unit: str
    idx: int
    start: int
    end: int
    text: str
    lemmas: str
    document_name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    role: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class Coding:
    """A code on a span of a document: code points `start:end` (end exclusive).

    `segment_id` is the anchor: the first segment (of the unit it was coded in) the span
    overlaps. A segment coding's span is its segment's span.
    """

    id: int
    segment_id: int
    document_id: int
    start: int
    end: int
    code_id: str
    coder: str
    source: str
    score: float | None
    model_version: str | None
    reason: str | None
    memo: str | None
    created_at: str
    updated_at: str



@dataclass(frozen=True)
class CodedSpan:
    """One coding of a document as a front end shows it: span, text, decision and flags."""

    id: int
    key: str  # "document:start:end:code:coder", stable while the span is unchanged
    document_id: int
    document: str
    start: int
    end: int
    text: str
    code_id: str
    coder: str
    source: str
    score: float | None
    reason: str | None
    memo: str | None
    key_quote: bool
    segments: tuple[int, ...]  # the segments the span lies in (of its unit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "coding": self.id, "key": self.key, "document_id": self.document_id, "document": self.document,
            "start": self.start, "end": self.end, "text": self.text, "code": self.code_id, "coder": self.coder,
            "source": self.source, "score": self.score, "reason": self.reason, "memo": self.memo,
            "key_quote": self.key_quote, "segment": list(self.segments),
        }

def field_words(name: str) -> str:
    """A metadata field's or column's name as words: a survey tool's CamelCase ('RecipientFirstName',
    'IPAddress') and underscores ('first_name') parted by spaces; the case kept."""
    return re.sub(r"(?<=[a-zåäö])(?=[A-ZÅÄÖ])|(?<=[A-ZÅÄÖ])(?=[A-ZÅÄÖ][a-zåäö])", " ", name).replace("_", " ")


def survey_name(doc: Document) -> str | None:
    """The survey a survey answer was imported from, as the import names it (its file's name, NFC);
    None for a document without a source file."""
    if not doc.source:
        return None
    return unicodedata.normalize("NFC", Path(doc.source).stem)


def case_key(doc: Document, key: str | None = None) -> str:
    """Which case a survey document belongs to: the respondent id, else the document itself."""
    if key:
        value = doc.meta.get(key)
        return str(value) if value not in (None, "") else doc.name
    for k in CASE_KEYS:
        for mk, mv in doc.meta.items():
            if mk.lower() == k and mv not in (None, ""):
                return str(mv)
    return doc.name


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log (the change feed): who did what, when, to which coding/segment/code."""

    id: int
    at: str
    actor: str
    action: str
    coding_id: int | None
    segment_id: int | None
    code_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelInfo:
    """A trained suggestion model as listed: version, when, for which codebook, on what data."""

    version: str
    created_at: str
    codebook_hash: str
    trained_on: dict[str, Any]


@dataclass(frozen=True)
class SavedModel(ModelInfo):
    """A trained suggestion model with its evaluation figures and the pickled estimator."""

    metrics: dict[str, Any] = field(default_factory=dict)
    blob: bytes = b""


@dataclass(frozen=True)
class DetachedCoding:
    """A coding or key-quote flag kept for review after its text vanished from a replaced document."""

    id: int
    document_id: int
    document: str  # the document's name
    code_id: str | None  # None: a key-quote flag
    coder: str
    source: str
    memo: str | None
    key_quote: bool
    text: str  # the text it had
    start: int
    end: int
    created_at: str


@dataclass(frozen=True)
class TagState:
    """Where a coder's tagging session stands (the terminal's or the browser's), saved between runs."""

    coder: str
    session: str
    data: dict[str, Any]
    updated_at: str


@dataclass(frozen=True)
class StoredSample:
    """A named, reproducible draw of segments for double coding."""

    name: str
    seed: int
    n: int
    spec: dict[str, Any]
    segment_ids: tuple[int, ...]
    created_at: str


ROLES = ("admin", "coder", "reader")  # what an account may do in `qualcode serve --team`


@dataclass(frozen=True)
class Account:
    """Who may sign in to a team project: the name is the coder name her codings and the audit log carry."""

    name: str
    role: str  # one of ROLES
    created_at: str
    disabled: bool = False
    password_hash: str = field(default="", repr=False)


@dataclass(frozen=True)
class AccountSession:
    """An open browser session of an account; `token_hash` is a hash of the cookie, never the cookie."""

    token_hash: str
    account: str
    csrf: str
    created_at: str
    expires_at: str  # absolute end, UTC ISO 8601
    last_seen: str


@dataclass(frozen=True)
class AuditChange:
    """An audit entry as the live view reads it: which document it touched, if any."""

    id: int
    actor: str
    action: str
    document_id: int | None


@dataclass(frozen=True)
class TableCheck:
    """One table of a copied database: rows and content hash on each side (`qualcode db copy`)."""

    table: str
    source_rows: int
    source_hash: str
    target_rows: int | None = None
    target_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_hash == self.target_hash

    def with_target(self, rows: int, digest: str) -> TableCheck:
        return TableCheck(self.table, self.source_rows, self.source_hash, rows, digest)


@dataclass(frozen=True)
class CopyReport:
    """What `copy_project` did: where from, where to, and each table's check."""

    source: str
    target: str
    tables: tuple[TableCheck, ...]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


@dataclass(frozen=True)
class DatabaseInfo:
    """A project's database as `qualcode db info` shows it."""

    engine: str  # 'sqlite' or 'postgresql'
    url: str  # without a password
    revision: str | None  # the schema (Alembic) revision the database is at
    head: str  # the revision this qualcode writes
    size_bytes: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def current(self) -> bool:
        return self.revision == self.head
