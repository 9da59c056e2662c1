"""Writing files so that a crash, a full disk or a kill never leaves a half-written file.

Every file qualcode writes goes to a temporary name in the same folder and is renamed into
place only when it is complete (`os.replace` is atomic on one file system).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qualcode.core.errors import Hint, QualcodeError
from qualcode.core.i18n import _


class WriteError(QualcodeError):
    """A file could not be written (full disk, read-only folder); the old file is untouched."""


@contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; write it there, and it replaces `path` on success.

    On any error (or a kill) the temporary file is removed and `path` keeps its old content.
    The temporary name keeps the suffix, so writers that pick a format by suffix still work.

    >>> with atomic_write("rapport.md") as tmp:
    ...     tmp.write_text("# Rapport\\n", encoding="utf-8")  # doctest: +SKIP
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        fsync(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise write_error(exc, path) from None
    finally:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically."""
    return write_bytes(path, text.encode(encoding))


def write_error(exc: OSError, path: Path) -> WriteError:
    """One true line for a file that could not be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return WriteError(
            _("the disk is full: could not write '{path}' — the old file is untouched").format(path=path),
            value=str(path), hint=Hint(_("free space on the disk and try again")),
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WriteError(
            _("may not write in '{parent}' (read-only folder or file) — nothing was written").format(parent=path.parent),
            value=str(path), hint=Hint(_("choose a folder you may write in")),
        )
    return WriteError(_("could not write '{path}' ({value}) — the old file is untouched").format(path=path, value=exc.strerror or exc), value=str(path))


def fsync(path: Path) -> None:
    """Flush a written file to the disk (nothing when it is missing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
