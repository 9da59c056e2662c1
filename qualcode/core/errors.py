"""Errors raised by the library; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from qualcode.core.i18n import _


@dataclass(frozen=True)
class Hint:
    """What to do next, without naming a front end's controls.

    `option` names a setting of the failed operation (``"encoding"``, ``"occurrence"``); the CLI
    renders it as its flag (``--encoding cp1252``), the browser next to its field. `command`
    names another operation as words (``("codebook", "list")``); the CLI renders it as
    ``qualcode codebook list``, the browser as a link. A command with an option is one line to
    type (``qualcode tag --sample NAMN``); `options` holds further (setting, example) pairs the
    command needs; `also` holds alternative hints ("or do this").
    """

    text: str
    option: str | None = None
    example: str | None = None
    command: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    also: tuple[Hint, ...] = ()


@dataclass(frozen=True)
class ErrorInfo:
    """The structured parts of an error: the bad value, the valid values and the hint."""

    value: object = None
    valid: tuple[str, ...] = ()
    hint: Hint | None = None
    extra: dict[str, object] = field(default_factory=dict)


class QualcodeError(Exception):
    """Base class: what is wrong, the bad value, the valid values and what to do next.

    `str(error)` is the message alone; front ends add the hint in their own words
    (`qualcode.cli.common.render_error`).
    """

    exit_code = 1

    def __init__(
        self,
        message: str = "",
        *,
        value: object = None,
        valid: Sequence[str] = (),
        hint: Hint | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.info = ErrorInfo(value=value, valid=tuple(valid), hint=hint)


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
            _("unknown code {value} — valid codes: {shown}").format(value=', '.join(repr(c) for c in bad), shown=shown),
            value=bad, valid=valid, hint=Hint(_("see the codebook"), command=("codebook", "list")),
        )
        self.codes = bad


class InputError(QualcodeError):
    """Bad input file or value: names the file/row/column and the fix."""


class DuplicateImportError(InputError):
    """The same content was imported before."""


class DocumentChangedError(InputError):
    """A file already in the project (same name or path) came back with other content."""


class StoreError(QualcodeError):
    """The project database is unusable (corrupt, newer schema, locked)."""


class NotFoundError(QualcodeError):
    """A segment, document or coding id that does not exist."""


class AccessError(QualcodeError):
    """Sign-in refused, a session that ended, or an action the account's role does not allow."""

    def __init__(self, message: str = "", *, status: int = 403, retry_after: int | None = None,
                 value: object = None, hint: Hint | None = None):
        super().__init__(message, value=value, hint=hint)
        self.status = status  # 401 sign in (again), 403 not allowed, 429 too many failed sign-ins
        self.retry_after = retry_after


class QualcodeWarning(UserWarning):
    """Something a command did that the user should know (text replaced, rows skipped); it went on.

    Raised through `warnings.warn`; front ends show it as one line with its hint.
    """

    def __init__(self, message: str, *, value: object = None, hint: Hint | None = None):
        super().__init__(message)
        self.message = message
        self.info = ErrorInfo(value=value, hint=hint)
