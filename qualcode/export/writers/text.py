"""Cell text shared by the writers: the language's decimal mark, '*' kept, None empty."""

from __future__ import annotations

from typing import Any

from qualcode.analysis.tally import format_number
from qualcode.core.i18n import n_
from qualcode.export.model import CodeSummary


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value, 1)
    return str(value)


def count_phrase(s: CodeSummary) -> str:
    # the respondents govern (segment and dokument are the same in both forms in Swedish); a hidden count (*) reads as plural
    n = s.respondents if isinstance(s.respondents, int) else 2
    return n_("{segments} coded segments in {documents} documents ({respondents} respondent)",
              "{segments} coded segments in {documents} documents ({respondents} respondents)", n).format(
        segments=cell_text(s.segments), documents=cell_text(s.documents), respondents=cell_text(s.respondents))
