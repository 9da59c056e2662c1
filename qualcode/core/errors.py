"""Errors raised by the library; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class QualcodeError(Exception):
    """Base class: the message says what is wrong and what to do next."""

    exit_code = 1


class ProjectError(QualcodeError):
    """No project where one was expected, or a broken project folder."""


class CodebookError(QualcodeError):
    """An invalid codebook or codebook operation."""


class UnknownCodeError(CodebookError):
    """A code id that the codebook does not have."""

    def __init__(self, codes: list[str] | str, valid: list[str]):
        bad = [codes] if isinstance(codes, str) else list(codes)
        shown = ", ".join(valid[:16]) + ("…" if len(valid) > 16 else "")
        super().__init__(
            f"okänd kod {', '.join(repr(c) for c in bad)} — giltiga koder: {shown}; "
            "se `qualcode codebook list`"
        )
        self.codes = bad


class InputError(QualcodeError):
    """Bad input file or value: names the file/row/column and the fix."""


class DuplicateImportError(InputError):
    """The same content was imported before."""


class StoreError(QualcodeError):
    """The project database is unusable (corrupt, newer schema, locked)."""


class NotFoundError(QualcodeError):
    """A segment, document or coding id that does not exist."""
