"""Writers waiting for SQLite's write lock, made visible to the one that holds it.

SQLite has one write lock per database and no queue: a writer that finds it taken sleeps and
tries again, and a bulk writer (a command-line `suggest run` storing a million suggestions)
that commits and at once begins its next transaction takes the lock back before a sleeping
writer wakes. A coder's save then waited for transaction after transaction (median 231 ms,
max 632 ms at 1,000,000 segments). So a writer that has to wait says so with an empty file
beside the database (`qualcode.db-wait-<pid>-<n>`) until it holds the lock, and a bulk writer
asks `waiting()` between parts of its transaction: when someone waits it commits the part it
has, waits until the file is gone (`let_in`), and goes on. PostgreSQL's lock queue does the
same by itself (`Store.writers_waiting` asks `pg_locks` there).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qualcode.store.engine import busy_timeout

_MARKS = itertools.count(1)
LET_IN_SECONDS = 0.25  # a bulk writer waits at most this long for the waiting writers per part


def _prefix(db: Path) -> str:
    return f"{db.name}-wait-"


@contextmanager
def marked(db: Path) -> Iterator[None]:
    """An empty file beside `db` while the block runs (a writer waiting for the lock); nothing
    when the folder cannot be written (a read-only project waits the old way)."""
    mark = db.with_name(f"{_prefix(db)}{os.getpid()}-{next(_MARKS)}")
    try:
        mark.touch(exist_ok=True)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        try:
            mark.unlink()
        except OSError:
            pass


def waiting(db: Path) -> bool:
    """Whether a writer waits for `db`'s write lock now (a mark newer than the longest wait:
    an older one is left by a process that was killed while it waited)."""
    prefix, oldest = _prefix(db), time.time() - busy_timeout() - 1.0
    try:
        with os.scandir(db.parent) as entries:
            for entry in entries:
                if entry.name.startswith(prefix):
                    try:
                        if entry.stat().st_mtime >= oldest:
                            return True
                    except OSError:  # gone meanwhile: it holds the lock now
                        continue
    except OSError:
        return False
    return False


def let_in(db: Path, most: float = LET_IN_SECONDS) -> None:
    """Wait (at most `most` seconds) until no writer waits for `db`'s lock: the caller holds none
    now, and the waiting writers take it in turn."""
    end = time.monotonic() + most
    while waiting(db) and time.monotonic() < end:
        time.sleep(0.002)
