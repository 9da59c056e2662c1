"""Copying a whole project database between engines, and the content hash that checks it.

`copy_tables` streams every table from one connection to another in foreign-key order, in
batches (memory stays flat whatever the project's size), keeping ids. `table_digest` gives a
table's row count and a hash of its rows in primary-key order, with values normalised so that
SQLite and PostgreSQL give the same hash for the same content (booleans as 0/1, blobs by their
SHA-256, JSON by its canonical text, text keys in code-point order on both engines).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import URL, Column, Connection, Engine, Table, bindparam, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from qualcode.core.errors import StoreError
from qualcode.core.i18n import _
from qualcode.core.records import TableCheck
from qualcode.store.engine import display_url, get_engine
from qualcode.store.schema import DOCUMENT_META_FILL, TABLES

# Rows per INSERT batch, and a byte budget per batch (model blobs are megabytes each)
BATCH_ROWS = 1000
BATCH_BYTES = 16 * 1024 * 1024


def key_order(table: Table, dialect: str) -> list[ColumnElement[Any]]:
    """Primary-key order, the same on both engines: text in code-point order (SQLite's BINARY).

    PostgreSQL sorts text by the database's collation (in `sv-SE` 'a' before 'B', 'T-OMORG'
    before 'TA' is not code-point order everywhere); `COLLATE "C"` is code-point order in UTF-8.
    """
    cols: Sequence[Column[Any]] = list(table.primary_key.columns) or list(table.columns)
    out: list[ColumnElement[Any]] = []
    for col in cols:
        if dialect == "postgresql" and _typed(col) and col.type.python_type is str:
            out.append(col.collate("C"))
        else:
            out.append(col)
    return out


def _typed(col: Column[Any]) -> bool:
    try:
        col.type.python_type
    except NotImplementedError:
        return False
    return True


def normalise(value: Any) -> Any:
    """A value as both engines give it (for the content hash)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, Decimal):
        return {"f": repr(float(value))}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"b": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return {"j": json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))}
    return str(value)


def _row_line(row: Sequence[Any]) -> bytes:
    return (json.dumps([normalise(v) for v in row], ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _stream(conn: Connection, table: Table, batch: int) -> Iterator[Sequence[Any]]:
    query = select(*table.columns).order_by(*key_order(table, conn.dialect.name))
    result = conn.execution_options(stream_results=True, max_row_buffer=batch).execute(query)
    try:
        yield from result
    finally:
        result.close()


def table_digest(conn: Connection, table: Table) -> tuple[int, str]:
    """(row count, SHA-256 of the rows in primary-key order, values normalised)."""
    digest = hashlib.sha256(_header(table))
    n = 0
    for row in _stream(conn, table, BATCH_ROWS):
        digest.update(_row_line(row))
        n += 1
    return n, digest.hexdigest()


def _header(table: Table) -> bytes:
    return (table.name + ":" + ",".join(c.name for c in table.columns) + "\n").encode("utf-8")


def rows_in(conn: Connection, tables: Iterable[Table]) -> dict[str, int]:
    """Row counts of the tables that exist in the database (missing tables are left out)."""
    from sqlalchemy import inspect

    present = set(inspect(conn).get_table_names())
    out: dict[str, int] = {}
    for table in tables:
        if table.name in present:
            out[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return out


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return len(value)
    return 8


def copy_tables(
    source: Connection,
    target: Connection,
    tables: Sequence[Table],
    progress: Callable[[str, int], None] | None = None,
) -> list[TableCheck]:
    """Copy every row of `tables` (in this order: parents first) from `source` to `target`.

    Ids are kept; columns that point into their own table (a code's parent) are filled in a
    second pass, so rows may come in any order. Returns each table's count and hash as read
    from the source (the target's side is filled in by `verify`). The caller holds the
    transactions: a consistent read on `source`, one write transaction on `target`.
    """
    checks = []
    for table in tables:
        self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        pk = [c.name for c in table.primary_key.columns]
        later: list[dict[str, Any]] = []
        digest = hashlib.sha256(_header(table))
        names = [c.name for c in table.columns]
        batch: list[dict[str, Any]] = []
        size = 0
        n = 0
        for row in _stream(source, table, BATCH_ROWS):
            digest.update(_row_line(row))
            n += 1
            values = dict(zip(names, row))
            if self_refs and any(values[c] is not None for c in self_refs):
                later.append({**{"pk_" + c: values[c] for c in pk}, **{"ref_" + c: values[c] for c in self_refs}})
                values.update({c: None for c in self_refs})
            batch.append(values)
            size += sum(_size(v) for v in row)
            if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                target.execute(table.insert(), batch)
                batch, size = [], 0
                if progress:
                    progress(table.name, n)
        if batch:
            target.execute(table.insert(), batch)
        if later:
            stmt = (
                update(table)
                .where(*(table.c[c] == bindparam("pk_" + c) for c in pk))
                .values({c: bindparam("ref_" + c) for c in self_refs})
            )
            for i in range(0, len(later), BATCH_ROWS):
                target.execute(stmt, later[i : i + BATCH_ROWS])
        if progress:
            progress(table.name, n)
        checks.append(TableCheck(table=table.name, source_rows=n, source_hash=digest.hexdigest()))
    advance_sequences(target, tables)
    return checks


def advance_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """After rows were inserted with their ids: PostgreSQL's sequences continue after the highest id."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY continues after MAX(rowid) by itself
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not _typed(pk[0]) or pk[0].type.python_type is not int:
            continue
        col = pk[0].name
        conn.execute(
            text(
                f'SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT MAX("{col}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"t": table.name, "c": col},
        )


def verify(conn: Connection, checks: Sequence[TableCheck], tables: Sequence[Table]) -> list[TableCheck]:
    """Fill in each check's target side from `conn`: row count and hash, read back."""
    by_name = {t.name: t for t in tables}
    out = []
    for check in checks:
        n, digest = table_digest(conn, by_name[check.table])
        out.append(check.with_target(n, digest))
    return out


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one snapshot of the database for as long as it is open."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN")  # deferred: the first read fixes the snapshot (WAL)
            try:
                yield conn
            finally:
                conn.exec_driver_sql("COMMIT")
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back on any error."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="READ COMMITTED")
        with conn.begin():
            yield conn


def copy_database(source: URL, target: URL, progress: Callable[[str, int], None] | None = None) -> list[TableCheck]:
    """Copy every table of the schema from `source` into `target` (schema made, no rows), then check it.

    The source is read as one snapshot, the target written in one transaction (an error leaves
    it without rows); each table is then read back from the target and compared. Derived tables
    (document_meta) are not copied but built again from the copied rows.
    """
    tables = list(TABLES)
    try:
        with reading(get_engine(source)) as src, writing(get_engine(target)) as dst:
            checks = copy_tables(src, dst, tables, progress)
            dst.exec_driver_sql(DOCUMENT_META_FILL[dst.dialect.name].format(where="1 = 1"))
        with reading(get_engine(target)) as dst:
            return verify(dst, checks, tables)
    except DBAPIError as exc:
        raise _copy_error(exc, target) from None


def digests(target: URL) -> dict[str, tuple[int, str]]:
    """Every schema table's (row count, content hash), read as one snapshot."""
    with reading(get_engine(target)) as conn:
        return {t.name: table_digest(conn, t) for t in TABLES}


def _copy_error(exc: DBAPIError, target: URL) -> StoreError:
    from qualcode.store.database import _first_line, _kind, write_error

    if _kind(exc) in ("locked", "full", "readonly"):
        return write_error(exc, display_url(target), None, None)
    return StoreError(
        _("the copy to '{url}' stopped ({problem}) — no rows were written there").format(
            url=display_url(target), problem=_first_line(exc)),
        value=display_url(target),
    )
