"""What a project database is: engine, schema revision, size, row counts (`qualcode db info`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Connection, inspect, literal, select, text
from sqlalchemy.exc import DBAPIError

from qualcode.core.records import DatabaseInfo
from qualcode.store.copy import rows_in
from qualcode.store.engine import get_engine, is_url, to_url
from qualcode.store.schema import metadata

# The tables `db info` counts, in the order it lists them
MAIN_TABLES = (
    "documents", "segments", "codes", "codings", "respondents", "imports", "quotes",
    "samples", "reviews", "models", "audit",
)


@contextmanager
def _connected(url: URL) -> Iterator[Connection]:
    """A connection to the database; a server that is not there, or a damaged file, is one StoreError."""
    from qualcode.store.database import _open_error

    path = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    try:
        conn = get_engine(url).connect()
    except DBAPIError as exc:
        raise _open_error(exc, url, path) from None
    try:
        yield conn
    except DBAPIError as exc:
        raise _open_error(exc, url, path) from None
    finally:
        conn.close()


def holds_project(target: str | Path | URL) -> bool:
    """Whether the database holds a qualcode project (a table of the project's schema with a row).

    A database with the schema but no rows (a copy that was rolled back) holds none.
    """
    if not isinstance(target, URL) and not is_url(target) and not Path(target).exists():
        return False
    url = to_url(target)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return False
    with _connected(url) as conn:
        present = set(inspect(conn).get_table_names())
        if "schema_migrations" in present:  # a project of the old, pre-Alembic format
            return True
        for table in metadata.sorted_tables:
            if table.name in present and conn.execute(select(literal(1)).select_from(table).limit(1)).first():
                return True
    return False


def describe(target: str | Path | URL) -> DatabaseInfo:
    """Engine, address (no password), schema revision against this qualcode's, size, main row counts."""
    from qualcode.store.database import HEAD

    url = to_url(target)
    with _connected(url) as conn:
        if "alembic_version" in set(inspect(conn).get_table_names()):
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            revision = str(row[0]) if row else None
        else:
            revision = None
        if conn.dialect.name == "sqlite":
            path = Path(url.database or "")
            size = path.stat().st_size if path.exists() else 0
        else:
            size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
        tables = [metadata.tables[name] for name in MAIN_TABLES if name in metadata.tables]
        return DatabaseInfo(
            engine=conn.dialect.name,
            url=url.render_as_string(hide_password=True).replace(":***@", "@"),
            revision=revision, head=HEAD, size_bytes=size, counts=rows_in(conn, tables),
        )
