"""Typed records passed between importers, store, segmentation, coding and counts."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Coding:
    id: int
    segment_id: int
    code_id: str
    coder: str
    source: str
    score: float | None
    model_version: str | None
    reason: str | None
    memo: str | None
    created_at: str
    updated_at: str


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
