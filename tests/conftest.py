"""Shared fixtures: a temp project and a temp home; paths to the bundled data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
CORPORA = ROOT / "corpora"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory) -> Path:
    """One user cache for the whole run (simplemma's decoded dictionary is written there once)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch, _session_cache):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("QUALCODE_CACHE", str(_session_cache))
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.delenv("QUALCODE_DB", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("QUALCODE_LANG", "sv")  # tests compare Swedish output whatever the machine's locale
    yield


@pytest.fixture
def shared_dir() -> Path:
    """../shared/ beside the checkout; tests using it skip cleanly when it is absent."""
    if not SHARED.exists():
        pytest.skip("../shared/ is not present")
    return SHARED


# -- both engines ---------------------------------------------------------------------------
# QUALCODE_TEST_PG is a PostgreSQL server URL (postgresql+psycopg://USER@HOST:PORT/DB) where tests
# may create and drop databases. Unset: the PostgreSQL half skips locally, but fails on CI.


def _pg_server() -> str:
    url = os.environ.get("QUALCODE_TEST_PG", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("QUALCODE_TEST_PG is not set on CI: the PostgreSQL tests must run there")
        pytest.skip("QUALCODE_TEST_PG is not set (a PostgreSQL server URL)")
    return url


@contextmanager
def pg_database(prefix: str = "qc_test", options: str = "") -> Iterator[str]:
    """A new empty PostgreSQL database on the test server, dropped afterwards; yields its URL.

    `options` is appended to CREATE DATABASE (e.g. a template and an ICU collation)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from qualcode.store.engine import dispose_engines, to_url

    server = to_url(_pg_server())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" {options}'.rstrip()))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request, tmp_path) -> Iterator[str | Path]:
    """A fresh, empty project database on each engine: a SQLite file's path or a PostgreSQL URL."""
    if request.param == "sqlite":
        yield tmp_path / "qualcode.db"
    else:
        with pg_database() as url:
            yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def project_db(request) -> Iterator[str | None]:
    """Where a test project keeps its data: None (its own qualcode.db) or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield None
    else:
        with pg_database() as url:
            yield url


@pytest.fixture
def new_store(db_target):
    """A Store on a fresh database of each engine (closed afterwards)."""
    from qualcode.store.database import Store

    store = Store.open(db_target, create=True)
    yield store
    store.close()
