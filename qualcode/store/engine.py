"""Engines: one SQLAlchemy engine per database URL, set up the way the store expects.

A project database is a SQLite file (the embedded default) or a PostgreSQL database
(`postgresql+psycopg://USER@HOST/NAME`). Connections run in autocommit mode: `Store.transaction()`
issues BEGIN / COMMIT itself, so a read never holds SQLite's write lock.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.pool import NullPool

# Seconds a write waits for another writer before giving up (imports commit in short batches);
# QUALCODE_BUSY_TIMEOUT overrides it.
BUSY_TIMEOUT = 30.0

_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def busy_timeout() -> float:
    try:
        return float(os.environ.get("QUALCODE_BUSY_TIMEOUT") or BUSY_TIMEOUT)
    except ValueError:
        return BUSY_TIMEOUT


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


def sqlite_url(path: str | Path) -> URL:
    return URL.create("sqlite", database=str(Path(path).absolute()))


def to_url(target: str | Path | URL) -> URL:
    """The database URL of a path to a SQLite file, or of a URL given as text."""
    if isinstance(target, URL):
        return target
    if is_url(target):
        url = make_url(str(target))
        if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
            url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver qualcode ships with
        return url
    return sqlite_url(target)


def display_url(url: URL) -> str:
    """A URL fit for a message: never the password."""
    return url.render_as_string(hide_password=True)


def get_engine(target: str | Path | URL) -> Engine:
    """The engine for a database (cached per URL: the web layer opens a Store per request)."""
    url = to_url(target)
    key = url.render_as_string(hide_password=False)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _make_engine(url)
            _ENGINES[key] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests that drop a PostgreSQL database call this first)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def _make_engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    if backend == "sqlite":
        # One connection per Store, closed with it (as sqlite3 did): no pooled handle keeps the file open.
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        path = Path(url.database or "")

        @event.listens_for(engine, "do_connect")
        def _connect(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
            cparams["timeout"] = busy_timeout()

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: sqlite3.Connection, conn_rec: Any) -> None:
            dbapi_conn.execute("PRAGMA foreign_keys = ON")
            if _writable(path):
                dbapi_conn.execute("PRAGMA journal_mode = WAL")
            dbapi_conn.execute("PRAGMA synchronous = NORMAL")

        return engine
    if backend == "postgresql":
        # Store.transaction() sets lock_timeout per transaction (QUALCODE_BUSY_TIMEOUT, read each time).
        return create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True, pool_size=5, max_overflow=10,
                             connect_args={"connect_timeout": 10})
    raise ValueError(f"unsupported database: {backend}")


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK) if path.exists() else True
