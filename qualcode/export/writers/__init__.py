"""Writers: one `Report` (qualcode.export.model) laid out as Markdown, DOCX or XLSX."""

from __future__ import annotations

from qualcode.export.writers.excel import write_xlsx
from qualcode.export.writers.markdown import write_markdown
from qualcode.export.writers.word import write_docx

__all__ = ["write_docx", "write_markdown", "write_xlsx"]
