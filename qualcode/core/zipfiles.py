"""Size limits for zip files read from users (.docx, .xlsx, .qdpx), checked before any member is read."""

from __future__ import annotations

import zipfile

from qualcode.core.errors import InputError
from qualcode.core.i18n import _, format_count

# Limits checked from the archive's directory before any member is read (a zip bomb inflates
# a few MB into GB): per member, in total, and the compression ratio of large members.
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM_BYTES = 10 * 1024 * 1024


def check_archive(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse an archive whose members would inflate beyond the limits, before reading any of them."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        mb = info.file_size / 1024 / 1024
        if info.file_size > MAX_MEMBER_BYTES:
            raise InputError(
                _("{name}: {filename} unpacks to {mb} MB, more than the limit of {value} MB per file — nothing was read").format(name=name, filename=info.filename, mb=format_count(mb), value=format_count(MAX_MEMBER_BYTES // 1024 // 1024)),
                value=info.filename,
            )
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise InputError(
                _("{name}: {filename} unpacks {ratio} times ({mb} MB), more than {max_ratio} times — the archive looks like a zip bomb; nothing was read").format(name=name, filename=info.filename, ratio=format_count(ratio), mb=format_count(mb), max_ratio=format_count(MAX_RATIO)),
                value=info.filename,
            )
    if total > MAX_TOTAL_BYTES:
        raise InputError(
            _("{name}: the archive unpacks to {value} MB, more than the limit of {value2} MB — nothing was read").format(name=name, value=format_count(total / 1024 / 1024), value2=format_count(MAX_TOTAL_BYTES // 1024 // 1024)),
        )


def check_zip_file(path: str, name: str) -> None:
    """`check_archive` for a file on disk; a file that is not a zip is left to its reader to refuse."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_archive(zf, name)
    except (zipfile.BadZipFile, OSError):
        pass
