"""Cell text shared by the writers: Swedish decimal comma, '*' kept, None empty."""

from __future__ import annotations

from typing import Any

from qualcode.analysis.tally import format_number
from qualcode.export.model import CodeSummary


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value, 1)
    return str(value)


def count_phrase(s: CodeSummary) -> str:
    return (
        f"{cell_text(s.segments)} kodade segment i {cell_text(s.documents)} dokument "
        f"({cell_text(s.respondents)} respondenter)"
    )
