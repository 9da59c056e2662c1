"""The project database: the only module that contains SQL.

One store for two engines through SQLAlchemy Core: a SQLite file (the embedded default: WAL mode,
foreign keys on) or a PostgreSQL database (psycopg 3). The schema is `qualcode/store/schema.py`;
Alembic revisions (`qualcode/store/migrations/`) bring an existing database there when it is opened.
Every write goes through `Store.transaction()`, so an error leaves the database as it was.

Queries are plain SQL written once for both engines: `?` placeholders, the column `end` written
bare in lower case (`_prep` quotes it: END is reserved in PostgreSQL; the keyword END is upper
case), and the few constructs that differ (JSON, case folding, row order) behind a dialect switch.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import os
import re
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from qualcode.core.codebook import Codebook, build_codebook, code_from_mapping
from qualcode.core.errors import Hint, NotFoundError, StoreError
from qualcode.core.jsonenc import Encoder
from qualcode.core.ordering import reader_order
from qualcode.core.records import (
    POSITIVE_SOURCES,
    AuditEntry,
    Coding,
    DetachedCoding,
    Document,
    DocumentIn,
    ModelInfo,
    SavedModel,
    Segment,
    SegmentIn,
    StoredSample,
    TagState,
)
from qualcode.store import schema, waiting
from qualcode.store.engine import BUSY_TIMEOUT, busy_timeout, display_url, get_engine, is_url, sqlite_url, to_url
from qualcode.core.i18n import _

__all__ = ["BUSY_TIMEOUT", "DB_NAME", "HEAD", "REVISIONS", "SCHEMA_VERSION", "Store", "write_error"]

log = logging.getLogger(__name__)

# The store's queries run on the driver's own cursor (DB-API): a SQLAlchemy result per statement
# cost a quarter of an import's time (its metadata is built from cursor.description every time).
# Rows are sqlite3.Row, or _PgRow with the same interface: r[0], r["name"], r.keys().
_Result = Any
_Row = Any


class _PgRow:
    """A psycopg row read by position or by column name, as sqlite3.Row is."""

    __slots__ = ("_values", "_index")

    def __init__(self, values: Sequence[Any], index: dict[str, int]):
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._index[key]] if isinstance(key, str) else self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def _pg_rows(cursor: Any) -> Any:
    """psycopg row factory for _PgRow (the first of two equal column names wins, as in sqlite3.Row)."""
    index: dict[str, int] = {}
    for i, col in enumerate(cursor.description or ()):
        index.setdefault(col.name, i)
    return lambda values: _PgRow(values, index)

DB_NAME = "qualcode.db"
# SQL for "this segment has this code": a manual or an accepted coding
POSITIVE_SQL = "(" + ", ".join(f"'{s}'" for s in POSITIVE_SOURCES) + ")"
DECIDED_SQL = "(" + ", ".join(f"'{s}'" for s in (*POSITIVE_SOURCES, "rejected")) + ")"  # she decided the code
# SQLite page cache (KiB) of a connection while it imports (Store.bulk_writes).
BULK_CACHE_KB = 64 * 1024
# A running import on another machine that has not written for this long is taken as crashed.
STALE_IMPORT_SECONDS = 600

# The Alembic revisions in order (qualcode/store/migrations/versions); revision N carries the old
# numbered migration N over one for one. Append only. A test checks HEAD against the script directory.
REVISIONS: tuple[str, ...] = tuple(f"{n:04d}" for n in range(1, 18))
HEAD = REVISIONS[-1]
SCHEMA_VERSION = int(HEAD)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# PostgreSQL: every write transaction first takes this advisory lock (advisory locks are per
# database, and a project is one database), so writers queue as SQLite's BEGIN IMMEDIATE makes them.
WRITE_LOCK_KEY = 0x71C0DE  # "qc0de"

# Whether coding c shares enough characters with segment {s} to count for it (see revision 0007):
# at least min(min_overlap, segment length, span length) of them.
_ENOUGH = (
    "(c.min_overlap IS NULL OR "
    "(CASE WHEN c.end < {s}.end THEN c.end ELSE {s}.end END) - (CASE WHEN c.start > {s}.start THEN c.start ELSE {s}.start END) "
    ">= (CASE WHEN c.min_overlap <= {s}.end - {s}.start AND c.min_overlap <= c.end - c.start THEN c.min_overlap "
    "WHEN {s}.end - {s}.start <= c.end - c.start THEN {s}.end - {s}.start ELSE c.end - c.start END))"
)
_FINISHED = "COALESCE(d.import_id, 0) NOT IN (SELECT id FROM imports WHERE status = 'running')"
_FINISHED_RESPONDENT = _FINISHED.replace("d.", "r.")  # the same filter on respondents r
_END = re.compile(r'(?<![\w"])end(?![\w"])')


@functools.lru_cache(maxsize=4096)
def _prep(sql: str, pg: bool) -> str:
    """The SQL as the driver takes it: `end` quoted; on psycopg `%s` placeholders."""
    sql = _END.sub('"end"', sql)
    return sql.replace("%", "%%").replace("?", "%s") if pg else sql


def _fixed_chunks(ids: Sequence[int], most: int = 2048) -> Iterator[list[int]]:
    """`ids` in chunks of at most `most`, each padded with its last id to a power of two (at least 16).

    A statement `... IN (?, ?, …)` is compiled once per number of marks and kept in the driver's
    statement cache (128 on sqlite3), a large one at up to a megabyte: lists of every length
    filled that cache (the main process of `suggest run` at 1,000,000 answers grew by 150 MB).
    Padded, a few statements serve every length; a repeated id in IN changes nothing.
    """
    for start in range(0, len(ids), most):
        chunk = list(ids[start:start + most])
        size = 16
        while size < len(chunk):
            size *= 2
        yield chunk + [chunk[-1]] * (size - len(chunk))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# One encoder for every stored JSON value (json.dumps with options builds a new one per call).
_json = Encoder(ensure_ascii=False, sort_keys=True)
# Metadata are read with SQL JSON functions: nan or inf would make the row malformed JSON, so they are refused.
_meta_json = Encoder(ensure_ascii=False, sort_keys=True, allow_nan=False)
_Part = TypeVar("_Part")
_STREAMS = itertools.count(1)  # names of server-side cursors (PostgreSQL)


_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")  # how SQLite writes an integer as text
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf", re.ASCII)  # a real's text


def _meta_path(key: str) -> str:
    # JSON path with the key quoted, so keys like "verksamhetsområde" or "a.b" work.
    return '$."' + key.replace('"', '\\"') + '"'


class Store:
    """A connection to a project database. Use `Store.open(path or URL)`."""

    def __init__(self, conn: Connection, url: URL, path: Path | None):
        self.conn = conn
        self.url = url
        self.path = path  # the SQLite file; None for PostgreSQL
        self.pg = url.get_backend_name() == "postgresql"
        # Where messages say the project is: its folder, or the database URL (never a password).
        self.label = str(path.parent) if path is not None else display_url(url)
        self.backup: Path | None = None  # the copy made before this open upgraded the schema
        self._raw: Any = conn.connection.dbapi_connection  # the driver's connection (autocommit)
        self._driver_error: type[Exception] = sqlite3.Error
        if self.pg:
            import psycopg

            self._driver_error = psycopg.Error
        self._depth = 0
        self._finished = _FINISHED  # the filter that hides documents of unfinished imports
        self._begin = "BEGIN" if self.pg else "BEGIN IMMEDIATE"
        # The remaining dialect differences, written once here.
        self._roworder = "ctid" if self.pg else "rowid"  # insertion order (neither table has an id)

    # -- running SQL -----------------------------------------------------------------------

    def _cursor(self) -> Any:
        if self.pg:
            return self._raw.cursor(row_factory=_pg_rows)
        cur = self._raw.cursor()
        cur.row_factory = sqlite3.Row
        return cur

    def _x(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        """Run one statement on the driver's cursor; driver errors come out as SQLAlchemy's DBAPIError."""
        cur = self._cursor()
        try:
            cur.execute(_prep(sql, self.pg), tuple(params))
        except self._driver_error as exc:
            raise DBAPIError.instance(sql, None, exc, self._driver_error, hide_parameters=True) from exc
        return cur

    _STREAM_ROWS = 2000  # rows a server-side cursor hands over at a time

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of a query that may be large, a batch at a time. psycopg's client-side cursor
        takes a whole result into memory at once, so on PostgreSQL this is a server-side cursor
        (WITH HOLD: it outlives the statement's transaction in autocommit); SQLite's cursor steps
        through the rows as they are read anyway."""
        if not self.pg:
            yield from self._x(sql, params)
            return
        cur = self._raw.cursor(name=f"qualcode_{next(_STREAMS)}", row_factory=_pg_rows, withhold=True)
        cur.itersize = self._STREAM_ROWS
        try:
            try:
                cur.execute(_prep(sql, True), tuple(params))
            except self._driver_error as exc:
                raise DBAPIError.instance(sql, None, exc, self._driver_error, hide_parameters=True) from exc
            yield from cur
        finally:
            cur.close()  # psycopg skips the CLOSE when a failed transaction took the cursor (tested)

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run one statement for each row (executemany); the number of rows changed."""
        if not rows:
            return 0
        cur = self._cursor()
        try:
            cur.executemany(_prep(sql, self.pg), [tuple(r) for r in rows])
        except self._driver_error as exc:
            raise DBAPIError.instance(sql, None, exc, self._driver_error, hide_parameters=True) from exc
        return int(cur.rowcount)

    def _meta_json(self, key: str) -> tuple[str, str]:
        """SQL for a document's metadata value as JSON text (NULL when the key is absent), and its bind value."""
        if self.pg:
            return "((d.meta::json -> ?)::text)", key
        return "(d.meta -> ?)", _meta_path(key)

    def _meta_value(self, key: str) -> tuple[str, str]:
        """SQL for a document's metadata value as text, and its bind value."""
        if self.pg:
            return "(d.meta::json ->> ?)", key
        return "CAST(json_extract(d.meta, ?) AS TEXT)", _meta_path(key)

    def _meta_equals(self, key: str, value: str) -> tuple[str, list[Any]]:
        """SQL for "the document's `key` reads `value`" (its value as text, as `_meta_value` gives it),
        and its bind values.

        On SQLite from document_meta's index (key, value, document): the value is the text itself
        or, for an integer literal, also that integer but not an equal real (a number's text is what
        CAST gives: 1.0 reads '1.0'; true and false are 1 and 0). A decimal number's text depends on how SQLite prints the double, so
        that value is compared as before, by reading each document's JSON.
        """
        found = self._meta_match(key, value)
        if found is None:
            expr, bind = self._meta_value(key)
            return f"{expr} = ?", [bind, value]
        match, binds = found
        return f"d.id IN (SELECT m.document_id FROM document_meta m WHERE {match})", binds

    def _meta_match(self, key: str, value: str) -> tuple[str, list[Any]] | None:
        """SQL for "document_meta m's row is `key` and reads `value`", and its binds; None where the
        index cannot say (PostgreSQL, a decimal literal): see `_meta_equals`."""
        integer = _INTEGER.fullmatch(value) is not None and -(2 ** 63) <= int(value) < 2 ** 63
        if self.pg or (not integer and _DECIMAL.fullmatch(value)):
            return None
        values: list[Any] = [value, int(value)] if integer else [value]
        marks = ", ".join("?" * len(values))
        return f"m.key = ? AND m.value IN ({marks}) AND typeof(m.value) <> 'real'", [key, *values]  # 1.0 ≠ '1.0'

    # -- opening and migrations ---------------------------------------------------------

    @classmethod
    def open(cls, target: str | Path | URL, create: bool = False) -> Store:
        """Open a project database: a SQLite file's path, or a database URL (`postgresql+psycopg://…`).

        `create`: make a new SQLite file / set up an empty PostgreSQL database. An older schema is
        upgraded (a SQLite file is first copied beside itself, `qualcode.db.bak-<rev>-<time>`).
        """
        path: Path | None = None
        if isinstance(target, URL) or is_url(target):
            url = to_url(target)
            if url.get_backend_name() == "sqlite" and url.database:
                path = Path(url.database)
        else:
            path = Path(target)
            url = sqlite_url(path)
        if path is not None:
            if not create and not path.exists():
                raise StoreError(_("the project database '{path}' does not exist").format(path=path), value=str(path),
                                 hint=Hint(_("create a project"), command=("init",)))
            if not create and not os.access(path, os.R_OK):
                raise StoreError(_("you may not read the project database '{path}' (file permissions) — ask the owner for read access").format(path=path))
        try:
            conn = get_engine(url).connect()
        except DBAPIError as exc:
            raise _open_error(exc, url, path) from None
        store = cls(conn, url, path)
        try:
            if path is not None:
                try:
                    store._x("SELECT COUNT(*) FROM sqlite_master").fetchone()
                except DBAPIError as exc:
                    raise _open_error(exc, url, path) from None
            store._upgrade(create)
            store.recover_imports()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tables(self) -> set[str]:
        if self.pg:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        return {r[0] for r in self._x(sql)}

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None: not a qualcode database yet)."""
        try:
            tables = self._tables()
        except DBAPIError as exc:
            raise StoreError(_("'{label}' is not a valid project database ({first_line})").format(label=self.label, first_line=_first_line(exc))) from None
        if "alembic_version" in tables:
            r = self._x("SELECT version_num FROM alembic_version").fetchone()
            return str(r[0]) if r else None
        if "schema_migrations" in tables:  # written by qualcode before Alembic: numbered migrations
            r = self._x("SELECT MAX(version) FROM schema_migrations").fetchone()
            return f"{int(r[0]):04d}" if r and r[0] is not None else None
        return None

    def applied_migrations(self) -> list[int]:
        """The numbered revisions this database has (1 … SCHEMA_VERSION once open)."""
        rev = self.schema_revision()
        return list(range(1, int(rev) + 1)) if rev and rev.isdigit() else []

    def _upgrade(self, create: bool) -> None:
        try:
            rev = self.schema_revision()
        except DBAPIError as exc:
            raise StoreError(_("'{label}' is not a valid project database ({first_line})").format(label=self.label, first_line=_first_line(exc))) from None
        if rev == HEAD:
            return
        if rev is not None and rev not in REVISIONS:
            raise StoreError(_("the database has schema version {rev}, newer than this qualcode ({head}) — upgrade qualcode").format(rev=rev, head=HEAD))
        if rev is None:
            if self.pg and not create:
                raise StoreError(_("the database '{label}' holds no qualcode project").format(label=self.label),
                                 hint=Hint(_("create a project in it"), command=("init",)))
            with self.transaction():
                if self.schema_revision() is None:  # another process may have been first
                    if self._tables() - {"schema_migrations"}:
                        raise StoreError(_("the database '{label}' has tables but no qualcode schema version — use an empty database").format(label=self.label))
                    self._create_schema()
            return
        legacy = "alembic_version" not in self._tables()
        if self.path is not None:
            self.backup = self._backup(rev)
        with self.transaction():
            now_rev = self.schema_revision()  # another process may have upgraded meanwhile
            if now_rev != HEAD:
                self._run_alembic(now_rev or rev, stamp=legacy)
                self.log("qualcode", "schema.upgrade", detail={
                    "from": rev, "to": HEAD, "backup": str(self.backup) if self.backup else None})
        log.warning("qualcode: projektdatabasen uppgraderades från schemaversion %s till %s%s", rev, HEAD,
                    f"; säkerhetskopia: {self.backup}" if self.backup else "")

    def _create_schema(self) -> None:
        """A new database: the head schema from the metadata, stamped at HEAD (no Alembic needed)."""
        schema.metadata.create_all(self.conn)
        for statement in (*schema.AUDIT_TRIGGERS[self.conn.dialect.name],
                          *schema.DOCUMENT_META_TRIGGERS[self.conn.dialect.name]):
            self._x(statement)
        self._x("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
        self._x("INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD,))

    def _run_alembic(self, current: str, stamp: bool) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = self.conn
        # Alembic commits a transaction it began itself. A SQLAlchemy-level transaction (a mark only:
        # the connection is AUTOCOMMIT) makes ours external to it, so COMMIT stays with transaction().
        if not self.conn.in_transaction():
            self.conn.begin()
        if stamp:  # a database of the numbered migrations: it is at the revision of its highest
            command.stamp(cfg, current)
        command.upgrade(cfg, "head")

    def _backup(self, rev: str) -> Path:
        """A copy of the SQLite file beside it, made with SQLite's backup API (consistent, WAL included)."""
        assert self.path is not None
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.bak-{rev}-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.bak-{rev}-{stamp}-{n}")
        try:
            src = sqlite3.connect(str(self.path))
            try:
                dst = sqlite3.connect(str(target))
                try:
                    src.backup(dst)
                finally:
                    dst.close()
            finally:
                src.close()
        except (sqlite3.Error, OSError) as exc:
            target.unlink(missing_ok=True)
            raise StoreError(
                _("could not back up '{path}' before the schema upgrade ({exc}) — nothing was changed").format(path=self.path, exc=exc),
                hint=Hint(_("free space or give write access to the folder and try again")),
            ) from None
        return target

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One transaction; nested calls join the outer one. Rolls back on any error.

        Writers queue: SQLite's BEGIN IMMEDIATE, on PostgreSQL the project's advisory lock. Engine
        errors (another writer holds the lock, disk full, read-only) become one StoreError that
        says nothing was saved.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        try:
            if self.pg or self.path is None:
                self._x(self._begin)
            else:
                self._begin_sqlite(self.path)
            if self.pg:  # wait for another writer as long as SQLite would (QUALCODE_BUSY_TIMEOUT), then give up
                self._x("SELECT set_config('lock_timeout', ?, true), pg_advisory_xact_lock(?)",
                        (f"{max(1, int(busy_timeout() * 1000))}ms", WRITE_LOCK_KEY))
        except DBAPIError as exc:
            self._rollback()
            raise write_error(exc, self.label, self.path, self) from None
        self._depth = 1
        try:
            yield self
            self._x("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, DBAPIError) and _kind(exc) != "other":
                raise write_error(exc, self.label, self.path, self) from None
            raise
        finally:
            self._depth = 0

    def _begin_sqlite(self, path: Path) -> None:
        """BEGIN IMMEDIATE; when another writer holds the lock, try again every few milliseconds
        (SQLite's own busy handler sleeps up to 100 ms between tries) for QUALCODE_BUSY_TIMEOUT,
        marked as waiting (`waiting.marked`) so that a bulk writer lets this one in."""
        try:
            self._x("PRAGMA busy_timeout = 0")
            try:
                self._x("BEGIN IMMEDIATE")
                return
            except DBAPIError as exc:
                if _kind(exc) != "locked":
                    raise
            end = time.monotonic() + busy_timeout()
            delay = 0.001
            with waiting.marked(path):
                while True:
                    time.sleep(delay)
                    try:
                        self._x("BEGIN IMMEDIATE")
                        return
                    except DBAPIError as exc:
                        if _kind(exc) != "locked" or time.monotonic() >= end:
                            raise
                    delay = min(0.005, delay * 2)
        finally:
            try:
                self._x(f"PRAGMA busy_timeout = {max(0, int(busy_timeout() * 1000))}")
            except DBAPIError:  # the connection is gone: what failed before says so
                pass

    def writers_waiting(self) -> bool:
        """Whether another writer waits for the write lock now: a bulk writer asks between the
        parts of a long transaction and commits early (`let_writers_in`) when one does."""
        if self.pg:
            key = WRITE_LOCK_KEY
            row = self._x("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                          "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                          "AND classid = ? AND objid = ? AND objsubid = 1)",
                          (key >> 32, key & 0xFFFFFFFF)).fetchone()
            return bool(row[0])
        return self.path is not None and waiting.waiting(self.path)

    def let_writers_in(self) -> None:
        """Outside a transaction: wait briefly until the writers waiting for the lock have had it
        (SQLite; PostgreSQL's lock queue hands it to them in turn by itself)."""
        if not self.pg and self.path is not None:
            waiting.let_in(self.path)

    def write_in_parts(self, parts: Sequence[_Part], write: Callable[[_Part], None],
                       close: Callable[[bool], None] | None = None) -> None:
        """`write` each part in one write transaction for all of them, unless another writer waits
        for the lock after a part (a coder's save): then the parts so far are committed, she goes
        first (`let_writers_in`), and a new transaction writes the rest. `close(last)` runs at the
        end of each transaction, `last` in the one that wrote the last part (no parts: one
        transaction, only `close(True)`)."""
        done = 0
        while True:
            with self.transaction():
                while done < len(parts):
                    write(parts[done])
                    done += 1
                    if done < len(parts) and self.writers_waiting():
                        break
                if close is not None:
                    close(done == len(parts))
            if done == len(parts):
                return
            self.let_writers_in()

    @contextmanager
    def bulk_writes(self) -> Iterator[Store]:
        """A larger page cache for this connection while a bulk write (an import) runs.

        With SQLite's default 2 MB cache, the unique index over content hashes (random keys) no
        longer fits past about 100,000 documents: every batch read its pages again and the commit
        wrote them all. 64 MB holds it to about 700,000 documents. PostgreSQL: nothing changes.
        """
        if self.pg:
            yield self
            return
        before = int(self._x("PRAGMA cache_size").fetchone()[0])
        self._x(f"PRAGMA cache_size = {-BULK_CACHE_KB}")
        try:
            yield self
        finally:
            try:
                self._x(f"PRAGMA cache_size = {before}")
            except SQLAlchemyError:  # the connection is gone: so is its cache
                pass

    @property
    def in_transaction(self) -> bool:
        """Whether the connection is inside a transaction now (on SQLite: holds the write lock)."""
        raw = self._raw
        if isinstance(raw, sqlite3.Connection):
            return raw.in_transaction
        import psycopg

        return bool(raw is not None and raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)

    def _rollback(self) -> None:
        # SQLite has already rolled back after some errors (SQLITE_FULL): then there is nothing to end.
        try:
            self._x("ROLLBACK")
        except SQLAlchemyError:
            pass

    def holders(self) -> list[str]:
        """Descriptions of the imports now writing to the project (for a lock message)."""
        try:
            rows = self._x(
                "SELECT source, pid, host, created_at FROM imports WHERE status = 'running' ORDER BY id"
            ).fetchall()
        except SQLAlchemyError:
            return []
        return [f"importen av '{r[0]}' (process {r[1]} på {r[2]}, startad {r[3]})" for r in rows]

    # -- whole tables (db copy, "nothing changed" checks) ------------------------------------

    def table_rows(self, name: str) -> Iterator[tuple[Any, ...]]:
        """Every row of a schema table as a tuple in column order, by primary key."""
        from qualcode.store.copy import key_order

        table = schema.metadata.tables[name]
        for r in self.conn.execute(select(table).order_by(*key_order(table, self.conn.dialect.name))):
            yield tuple(r)

    def row_counts(self) -> dict[str, int]:
        """Rows per schema table."""
        return {t.name: int(self._x(f"SELECT COUNT(*) FROM {t.name}").fetchone()[0]) for t in schema.TABLES}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every schema table, engine-neutral (same project, same dump on either engine)."""
        return {t.name: list(self.table_rows(t.name)) for t in schema.TABLES}

    def content_hash(self, tables: Iterable[str] | None = None) -> str:
        """SHA-256 over the rows of the schema tables (or of `tables`), the same on either engine."""
        h = hashlib.sha256()
        for name in tables if tables is not None else [t.name for t in schema.TABLES]:
            h.update(name.encode() + b"\x00")
            for row in self.table_rows(name):
                h.update(json.dumps([v.hex() if isinstance(v, (bytes, memoryview)) else v for v in
                                     (bytes(x) if isinstance(x, memoryview) else x for x in row)],
                                    ensure_ascii=False).encode() + b"\n")
        return h.hexdigest()

    # -- project info ------------------------------------------------------------------

    def set_info(self, key: str, value: Any) -> None:
        self._x(
            "INSERT INTO project_info (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, _json(value)),
        )

    def get_info(self, key: str, default: Any = None) -> Any:
        row = self._x("SELECT value FROM project_info WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # -- codebook ----------------------------------------------------------------------

    def load_codebook(self) -> Codebook | None:
        rows = self._x("SELECT data FROM codes ORDER BY position").fetchall()
        if not rows:
            return None
        codes = [code_from_mapping(json.loads(r[0]), "projektets kodbok") for r in rows]
        info = self.get_info("codebook", {})
        return build_codebook(codes, name=info.get("name", "Kodbok"), version=int(info.get("version", 1)))

    def code_usage(self) -> dict[str, int]:
        """Number of codings (any source) per code id."""
        return {r[0]: r[1] for r in self._x("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id")}

    def save_codebook(self, codebook: Codebook) -> None:
        """Replace the stored codes by `codebook`. Callers check codes in use first."""
        keep = set(codebook.ids)
        existing = {r[0] for r in self._x("SELECT id FROM codes")}
        with self.transaction():
            for i, code in enumerate(codebook.codes):
                self._x(
                    "INSERT INTO codes (id, name, parent_id, kind, position, data) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id, "
                    "kind = excluded.kind, position = excluded.position, data = excluded.data",
                    (code.id, code.name, code.parent, code.kind, i, _json(code.to_dict())),
                )
            for code_id in existing - keep:
                self._x("UPDATE codes SET parent_id = NULL WHERE parent_id = ?", (code_id,))
                self._x("DELETE FROM codes WHERE id = ?", (code_id,))
            self.set_info("codebook", {"name": codebook.name, "version": codebook.version, "hash": codebook.hash()})

    def rename_code_id(self, old: str, new: str) -> int:
        """Change a code's id; codings follow through ON UPDATE CASCADE. Returns codings moved."""
        n = self._x("SELECT COUNT(*) FROM codings WHERE code_id = ?", (old,)).fetchone()[0]
        self._x("UPDATE codes SET id = ? WHERE id = ?", (new, old))
        return int(n)

    def merge_code_codings(self, source: str, target: str, actor: str) -> int:
        """Move every coding of `source` to `target`; overlapping codings of one coder become one span."""
        rows = [self._coding(r) for r in self._x("SELECT * FROM codings WHERE code_id = ? ORDER BY id", (source,))]
        rank = {"manual": 3, "accepted": 2, "rejected": 1, "suggested": 0}
        moved = 0
        for c in rows:
            unit = self._x("SELECT unit FROM segments WHERE id = ?", (c.segment_id,)).fetchone()[0]
            clash = sorted((  # sorted here for the same reason as in put_coding
                self._coding(r)
                for r in self._x(
                    "SELECT c.* FROM codings c JOIN segments a ON a.id = c.segment_id WHERE c.document_id = ? "
                    "AND c.code_id = ? AND c.coder = ? AND a.unit = ? "
                    "AND ((c.start < ? AND ? < c.end) OR c.segment_id = ?)",
                    (c.document_id, target, c.coder, unit, c.end, c.start, c.segment_id),
                )
            ), key=lambda x: x.id)
            if clash:
                # The target coding already exists: keep the stronger decision, drop the duplicate.
                keep = clash[0]
                best = max([keep, c], key=lambda x: rank[x.source]).source
                self._x("DELETE FROM codings WHERE id = ?", (c.id,))
                kept, _ = self.put_coding(c.document_id, c.start, c.end, unit, target, c.coder, best, keep.score,
                                          keep.model_version, keep.reason, c.memo, prefer=keep.segment_id)
                coding_id = kept
            else:
                self._x("UPDATE codings SET code_id = ?, updated_at = ? WHERE id = ?", (target, now(), c.id))
                coding_id = c.id
            self.log(actor, "merge", coding_id=coding_id, segment_id=c.segment_id, code_id=target,
                     detail={"from": source, "to": target})
            moved += 1
        return moved

    # -- imports and documents ---------------------------------------------------------

    def add_import(self, source: str, kind: str, options: dict[str, Any], status: str = "complete") -> int:
        ts = now()
        cur = self._x(
            "INSERT INTO imports (source, kind, options, created_at, status, pid, host, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (source, kind, _json(options), ts, status, os.getpid(), socket.gethostname(), ts),
        )
        return int(cur.fetchone()[0])

    def touch_import(self, import_id: int) -> None:
        """Record that a running import is still alive (once per committed batch)."""
        self._x("UPDATE imports SET updated_at = ? WHERE id = ?", (now(), import_id))

    def finish_import(self, import_id: int, n_documents: int) -> None:
        self._x(
            "UPDATE imports SET n_documents = ?, status = 'complete', updated_at = ? WHERE id = ?",
            (n_documents, now(), import_id),
        )

    def discard_import(self, import_id: int) -> int:
        """Remove an unfinished import with its documents (segments and codings follow). Returns documents removed."""
        with self.transaction():
            n = self._x("DELETE FROM documents WHERE import_id = ?", (import_id,)).rowcount
            self._x("DELETE FROM imports WHERE id = ? AND status = 'running'", (import_id,))
        return int(n)

    def recover_imports(self) -> list[int]:
        """Roll back imports that a crash left unfinished: their process is gone. Returns their ids."""
        try:
            rows = self._x(
                "SELECT id, pid, host, updated_at FROM imports WHERE status = 'running'"
            ).fetchall()
        except SQLAlchemyError:
            return []
        stale = [r[0] for r in rows if not _import_alive(r[1], r[2], r[3])]
        done = []
        for import_id in stale:
            try:
                self.discard_import(import_id)
            except StoreError:  # locked or read-only now: the next open tries again
                break
            done.append(import_id)
        return done

    def _rows_where_in(
        self, select: str, column: str, values: Iterable[str], and_where: str = "", params: Sequence[Any] = (),
    ) -> Iterator[_Row]:
        """Rows of `select WHERE column IN (values) and_where`, asked in chunks below SQLite's variable
        limit; `params` bind the placeholders of `and_where`."""
        batch = list(values)
        for i in range(0, len(batch), 500):
            chunk = batch[i : i + 500]
            yield from self._x(f"{select} WHERE {column} IN ({','.join('?' * len(chunk))}){and_where}", [*chunk, *params])

    def change_mark(self) -> int | None:
        """A mark that moves when another connection commits a change (SQLite's data_version);
        None on PostgreSQL, where no such mark is kept."""
        return None if self.pg else int(self._x("PRAGMA data_version").fetchone()[0])

    def changed_since(self, mark: int | None) -> bool:
        """Whether another connection may have committed since `change_mark()` gave `mark`."""
        return mark is None or self.change_mark() != mark

    def find_hashes(self, hashes: Iterable[str]) -> dict[str, str]:
        """Of the given content hashes, those already stored, mapped to their document names."""
        # Asked in order: the lookups walk the unique index (random keys) from one end to the other.
        rows = self._rows_where_in("SELECT content_hash, name FROM documents", "content_hash", sorted(hashes))
        return {r[0]: r[1] for r in rows}

    def find_documents(self, hashes: Iterable[str] = (), names: Iterable[str] = ()) -> list[Document]:
        """Documents with one of the content hashes or one of the names, in id order."""
        found: dict[int, Document] = {}
        for column, values in (("content_hash", hashes), ("name", names)):
            rows = self._rows_where_in("SELECT * FROM documents", column, values)
            found.update((r["id"], self._document(r)) for r in rows)
        return [found[k] for k in sorted(found)]

    def add_document(self, doc: DocumentIn, content_hash: str, import_id: int | None = None) -> int:
        cur = self._x(
            "INSERT INTO documents (name, kind, source, text, content_hash, meta, import_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (doc.name, doc.kind, doc.source, doc.text, content_hash, _meta_json(doc.meta), import_id, now()),
        )
        doc_id = int(cur.fetchone()[0])
        self._fill_document_meta(doc_id, doc_id)
        return doc_id

    def _fill_document_meta(self, first: int, last: int) -> None:
        """document_meta's rows for the documents first … last just inserted (see schema.document_meta)."""
        self._x(schema.DOCUMENT_META_FILL["postgresql" if self.pg else "sqlite"].format(where="d.id BETWEEN ? AND ?"),
                (first, last))

    @staticmethod
    def meta_json(meta: dict[str, Any]) -> str:
        """A document's metadata as it is stored (JSON, keys sorted)."""
        return _meta_json(meta)

    def add_documents(
        self, docs: Sequence[tuple[DocumentIn, str]], import_id: int | None = None,
        metas: Sequence[str | None] | None = None,
    ) -> list[int]:
        """Store (document, content hash) pairs with one statement; their ids, in order. `metas`, when
        given: each document's `meta_json` (None: encoded here). Inside a transaction."""
        encoded = metas if metas is not None else [None] * len(docs)
        return self.add_document_rows(
            [(d.name, d.kind, d.source, d.text, h, _meta_json(d.meta) if m is None else m)
             for (d, h), m in zip(docs, encoded, strict=True)], import_id)

    def add_document_rows(self, rows: Sequence[tuple[str, str, str, str, str, str]], import_id: int | None = None) -> list[int]:
        """Store documents given as (name, kind, source, text, content hash, metadata JSON as
        `meta_json` writes it) with one statement; their ids, in order.

        Inside a transaction. On SQLite the ids are given in the statement, the ones SQLite would
        have chosen row by row (one past the largest; the write lock is held, so no one else adds).
        """
        if not rows:
            return []
        ts = now()
        cols = "name, kind, source, text, content_hash, meta, import_id, created_at"
        if self.pg:
            cur = self._cursor()
            sql = f"INSERT INTO documents ({cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
            try:
                cur.executemany(_prep(sql, True), [(*r, import_id, ts) for r in rows], returning=True)
                ids = []
                while True:
                    ids.append(int(cur.fetchone()[0]))
                    if not cur.nextset():
                        break
            except self._driver_error as exc:
                raise DBAPIError.instance(sql, None, exc, self._driver_error, hide_parameters=True) from exc
            # the write lock is held: no other writer's documents come between the first and the last
            self._fill_document_meta(min(ids), max(ids))
            return ids
        first = int(self._x("SELECT COALESCE(MAX(id), 0) FROM documents").fetchone()[0]) + 1
        self._many(f"INSERT INTO documents (id, {cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [(first + i, *r, import_id, ts) for i, r in enumerate(rows)])
        self._fill_document_meta(first, first + len(rows) - 1)
        return list(range(first, first + len(rows)))

    def documents_like_any(
        self, names: Iterable[str], sources: Iterable[str] = (), kind: str | None = None,
        before_import: int | None = None,
    ) -> list[Document]:
        """`documents_like` for many names (and source paths) at once: every document with one of
        the names or sources, in id order."""
        where = " AND (import_id IS NULL OR import_id < ?)" if before_import is not None else ""
        where += " AND kind = ?" if kind else ""
        extra: list[Any] = [before_import] if before_import is not None else []
        extra += [kind] if kind else []
        found: dict[int, Document] = {}
        for column, values in (("name", names), ("source", sources)):
            rows = self._rows_where_in("SELECT * FROM documents", column, dict.fromkeys(values), where, extra)
            found.update((r["id"], self._document(r)) for r in rows)
        return [found[k] for k in sorted(found)]

    def documents_like(
        self, name: str, source: str = "", kind: str | None = None, before_import: int | None = None
    ) -> list[Document]:
        """Documents of `kind` with this name, or (when given) this source path, in id order;
        `before_import` leaves out those of that import and later ones."""
        sql = "SELECT * FROM documents WHERE (name = ?" + (" OR source = ?)" if source else ")")
        params: list[Any] = [name, source] if source else [name]
        if before_import is not None:
            sql += " AND (import_id IS NULL OR import_id < ?)"
            params.append(before_import)
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return [self._document(r) for r in self._x(sql + " ORDER BY id", params)]

    def update_document(
        self, doc_id: int, *, name: str | None = None, text: str | None = None, meta: dict[str, Any] | None = None,
        source: str | None = None, content_hash: str | None = None,
    ) -> None:
        """Change a stored document in place (its id, segments and codings stay)."""
        sets = [(k, v) for k, v in (("name", name), ("text", text), ("source", source), ("content_hash", content_hash)) if v is not None]
        if meta is not None:
            sets.append(("meta", _meta_json(meta)))
        if sets:
            self._x(
                f"UPDATE documents SET {', '.join(f'{k} = ?' for k, _ in sets)} WHERE id = ?", [v for _, v in sets] + [doc_id]
            )

    def delete_document(self, doc_id: int) -> dict[str, int]:
        """Remove a document with its segments, codings, key quotes and reviews; returns what went."""
        counts = {
            "segments": self._count("SELECT COUNT(*) FROM segments WHERE document_id = ?", doc_id),
            "codings": self._count("SELECT COUNT(*) FROM codings WHERE document_id = ?", doc_id),
            "quotes": self._count(
                "SELECT COUNT(*) FROM quotes q JOIN segments s ON s.id = q.segment_id WHERE s.document_id = ?", doc_id
            ),
        }
        self._x("DELETE FROM codings WHERE document_id = ?", (doc_id,))
        self._x("DELETE FROM documents WHERE id = ?", (doc_id,))
        return counts

    def _count(self, sql: str, *params: Any) -> int:
        return int(self._x(sql, params).fetchone()[0])

    def move_segment(self, segment_id: int, idx: int, start: int, end: int, lemmas: str) -> None:
        self._x(
            "UPDATE segments SET idx = ?, start = ?, end = ?, lemmas = ? WHERE id = ?", (idx, start, end, lemmas, segment_id)
        )

    def park_segments(self, document_id: int) -> None:
        """Give a document's segments free (negative) positions, so they can be renumbered one by one."""
        self._x("UPDATE segments SET idx = -1 - idx WHERE document_id = ?", (document_id,))

    def delete_segment(self, segment_id: int) -> None:
        self._x("DELETE FROM segments WHERE id = ?", (segment_id,))

    def move_coding(self, coding_id: int, start: int, end: int, segment_id: int) -> None:
        self._x(
            "UPDATE codings SET start = ?, end = ?, segment_id = ? WHERE id = ?", (start, end, segment_id, coding_id)
        )

    def quote_flags(self, segment_ids: Sequence[int]) -> list[tuple[int, str, str | None]]:
        """(segment id, flagged by, note) of the key-quote flags on these segments."""
        rows = self._rows_where_in("SELECT segment_id, flagged_by, note FROM quotes", "segment_id", segment_ids)  # type: ignore[arg-type]
        return [(int(r[0]), r[1], r[2]) for r in rows]

    def detach_coding(
        self, document_id: int, code_id: str | None, coder: str, source: str, memo: str | None,
        key_quote: bool, text: str, start: int, end: int,
    ) -> int:
        cur = self._x(
            "INSERT INTO detached_codings (document_id, code_id, coder, source, memo, key_quote, text, start, end, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (document_id, code_id, coder, source, memo, int(key_quote), text, start, end, now()),
        )
        return int(cur.fetchone()[0])

    def put_respondents(
        self, survey: str, text_columns: Sequence[str], cases: Iterable[tuple[str, dict[str, Any]]], import_id: int | None
    ) -> int:
        """Store a survey's respondents (id and metadata); a re-import updates them."""
        columns = _json(list(text_columns))
        rows = [(survey, str(r), _meta_json(meta), columns, import_id) for r, meta in cases]
        self._many(
            "INSERT INTO respondents (survey, respondent, meta, text_columns, import_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(survey, respondent) DO UPDATE SET meta = excluded.meta, text_columns = excluded.text_columns, "
            "import_id = excluded.import_id",
            rows,
        )
        return len(rows)

    def has_respondents(self, survey: str) -> bool:
        """Whether any respondent of `survey` is stored (by any import, finished or not)."""
        return self._x("SELECT 1 FROM respondents WHERE survey = ? LIMIT 1", (survey,)).fetchone() is not None

    def survey_sources(self, survey: str) -> set[str]:
        """The files (as the imports named them) that the stored respondents of `survey` came from."""
        sql = "SELECT DISTINCT i.source FROM respondents r JOIN imports i ON i.id = r.import_id WHERE r.survey = ?"
        return {str(r[0]) for r in self._x(sql, (survey,))}

    def stage_respondents(
        self, survey: str, text_columns: Sequence[str], cases: Iterable[tuple[str, dict[str, Any]]], import_id: int,
        only_this_import: bool = False,
    ) -> tuple[int, list[tuple[str, dict[str, Any]]], list[str]]:
        """Store respondents of the running import `import_id` as its batches go, so an import holds none.

        New respondents (and ones this import stored already) are written now, under the import: until
        it finishes they are not read, and discarding it removes them (the foreign key cascades). A respondent an earlier import
        stored is returned, for `put_respondents` in the import's final transaction (a failed import
        must leave her as she was): as (id, metadata) when her metadata or the text columns differ or
        another import that is still running stored her (it may yet fail and take her along),
        as her id alone when only the import is to be updated. Returns (respondents in `cases`,
        counted once each; the changed ones; the unchanged ones' ids). `only_this_import`: the caller
        knows that no respondent of the survey is stored but by this import, so none is looked up."""
        latest: dict[str, dict[str, Any]] = {}
        for r, meta in cases:
            latest[str(r)] = meta  # a respondent twice in the file: the last row counts, as row by row
        columns = _json(list(text_columns))
        earlier: dict[str, tuple[str, str, int | None]] = {}
        if not only_this_import:
            rows = self._rows_where_in("SELECT respondent, meta, text_columns, import_id FROM respondents",
                                       "respondent", latest, " AND survey = ?", [survey])
            earlier.update((r[0], (r[1], r[2], r[3])) for r in rows)
        # A respondent another running import stored may go again if that import fails: keep her whole.
        running = {int(r[0]) for r in self._x("SELECT id FROM imports WHERE status = 'running'")} if earlier else set()
        now_rows, later, same = [], [], []
        for r, meta in latest.items():
            seen = earlier.get(r)
            encoded = _meta_json(meta)
            if seen is None or seen[2] == import_id:
                now_rows.append((survey, r, encoded, columns, import_id))
            elif (seen[0], seen[1]) != (encoded, columns) or seen[2] in running:
                later.append((r, meta))
            else:
                same.append(r)
        self._many(
            "INSERT INTO respondents (survey, respondent, meta, text_columns, import_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(survey, respondent) DO UPDATE SET meta = excluded.meta, text_columns = excluded.text_columns",
            now_rows,
        )
        return len(latest), later, same

    def claim_respondents(self, survey: str, respondents: Sequence[str], import_id: int | None) -> None:
        """Mark stored respondents as seen by the import `import_id` (its final transaction)."""
        for i in range(0, len(respondents), 500):
            chunk = list(respondents[i : i + 500])
            self._x(f"UPDATE respondents SET import_id = ? WHERE survey = ? AND respondent IN ({','.join('?' * len(chunk))})",
                    [import_id, survey, *chunk])

    def respondents(self) -> Iterator[tuple[str, str, dict[str, Any], list[str]]]:
        """(survey, respondent, metadata, text columns) of every imported survey row, in import order
        (finished imports only), streamed."""
        sql = ("SELECT survey, respondent, meta, text_columns FROM respondents r "
               f"WHERE {_FINISHED_RESPONDENT} ORDER BY " + self._roworder)
        for r in self._stream(sql):
            yield r[0], r[1], json.loads(r[2]), json.loads(r[3])

    def delete_respondent(self, survey: str, respondent: str) -> bool:
        """Remove one survey respondent (once all her answers are removed); True if she was stored."""
        cur = self._x("DELETE FROM respondents WHERE survey = ? AND respondent = ?", (survey, respondent))
        return int(cur.rowcount) > 0

    def detached_codings(self, document_id: int | None = None) -> list[DetachedCoding]:
        """Codings and key-quote flags kept for review after their text vanished, oldest first."""
        sql = "SELECT x.*, d.name AS document FROM detached_codings x JOIN documents d ON d.id = x.document_id"
        params: list[Any] = []
        if document_id is not None:
            sql += " WHERE x.document_id = ?"
            params.append(document_id)
        out = []
        for r in self._x(sql + " ORDER BY x.id", params):
            m = r
            out.append(DetachedCoding(
                id=m["id"], document_id=m["document_id"], document=m["document"], code_id=m["code_id"], coder=m["coder"],
                source=m["source"], memo=m["memo"], key_quote=bool(m["key_quote"]), text=m["text"], start=m["start"],
                end=m["end"], created_at=m["created_at"],
            ))
        return out

    def _document(self, r: _Row) -> Document:
        return Document(
            id=r["id"], name=r["name"], kind=r["kind"], text=r["text"], meta=json.loads(r["meta"]),
            source=r["source"], content_hash=r["content_hash"], created_at=r["created_at"],
        )

    def get_document(self, doc_id: int) -> Document:
        r = self._x("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if r is None:
            raise NotFoundError(_("document {doc_id} does not exist").format(doc_id=doc_id), value=doc_id,
                                hint=Hint(_("see the documents"), command=("corpus", "list")))
        return self._document(r)

    def find_document(self, name: str) -> Document | None:
        r = self._x("SELECT * FROM documents WHERE name = ? ORDER BY id LIMIT 1", (name,)).fetchone()
        return self._document(r) if r else None

    def iter_documents(self, kind: str | None = None, meta: dict[str, str] | None = None) -> Iterator[Document]:
        where, params = self._doc_filters(kind=kind, meta=meta)
        for r in self._stream(f"SELECT * FROM documents d {where} ORDER BY d.id", params):
            yield self._document(r)

    def count_documents(self, kind: str | None = None) -> int:
        where, params = self._doc_filters(kind=kind)
        return int(self._x(f"SELECT COUNT(*) FROM documents d {where}", params).fetchone()[0])

    def meta_keys(self) -> list[str]:
        """The metadata fields any document has, in alphabetical (code point) order."""
        sql = ("SELECT DISTINCT json_object_keys(d.meta::json) FROM documents d" if self.pg
               else "SELECT DISTINCT j.key FROM documents d, json_each(d.meta) j")
        return sorted(str(r[0]) for r in self._x(sql))

    def _doc_filters(
        self,
        kind: str | None = None, meta: dict[str, str] | None = None, document: str | int | None = None
    ) -> tuple[str, list[Any]]:
        # Documents of an import still running (or left by a crash) are not shown.
        clauses: list[str] = [self._finished]
        params: list[Any] = []
        if kind:
            clauses.append("d.kind = ?")
            params.append(kind)
        for key, value in (meta or {}).items():
            clause, binds = self._meta_equals(key, str(value))
            clauses.append(clause)
            params += binds
        if document is not None:
            if isinstance(document, int) or str(document).isdigit():
                clauses.append("d.id = ?")
                params.append(int(document))
            else:
                clauses.append("d.name = ?")
                params.append(str(document))
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    # -- segments ----------------------------------------------------------------------

    def add_segments(self, segments: Iterable[SegmentIn], document_ids: dict[int, int] | None = None) -> int:
        """Store segments; with `document_ids`, each segment's document_id is a key of it that maps to
        the stored document's id, and segments whose key is not in it are left out."""
        return self.add_segment_rows(
            [(s.document_id, s.unit, s.idx, s.start, s.end, s.lemmas, s.role, s.section) for s in segments], document_ids)

    def add_segment_rows(self, rows: Sequence[tuple[Any, ...]], document_ids: dict[int, int] | None = None) -> int:
        """`add_segments` for segments given as tuples of SegmentIn's fields in order."""
        if document_ids is not None:
            rows = [(document_ids[r[0]], *r[1:]) for r in rows if r[0] in document_ids]
        self._many(
            "INSERT INTO segments (document_id, unit, idx, start, end, lemmas, role, section) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        return len(rows)

    def delete_segments(self, document_id: int, unit: str) -> int:
        cur = self._x("DELETE FROM segments WHERE document_id = ? AND unit = ?", (document_id, unit))
        return cur.rowcount

    def segmented_units(self, document_id: int) -> set[str]:
        return {r[0] for r in self._x("SELECT DISTINCT unit FROM segments WHERE document_id = ?", (document_id,))}

    def count_segments(self, unit: str | None = None) -> int:
        if unit:
            return int(self._x("SELECT COUNT(*) FROM segments WHERE unit = ?", (unit,)).fetchone()[0])
        return int(self._x("SELECT COUNT(*) FROM segments").fetchone()[0])

    _SEGMENT_SELECT = (
        "SELECT s.*, "
        "substr(d.text, s.start + 1, s.end - s.start) AS text, d.name AS document_name, d.meta AS meta "
        "FROM segments s JOIN documents d ON d.id = s.document_id "
    )

    @staticmethod
    def _segment(r: _Row) -> Segment:
        return Segment(
            id=r["id"], document_id=r["document_id"], unit=r["unit"], idx=r["idx"], start=r["start"],
            end=r["end"], text=r["text"], lemmas=r["lemmas"], document_name=r["document_name"],
            meta=json.loads(r["meta"]), role=r["role"] if "role" in r.keys() else None,
            section=r["section"] if "section" in r.keys() else None,
        )

    def segment_structure(self, segment_ids: Iterable[int]) -> dict[int, tuple[str | None, str | None]]:
        """(role, section) of each segment that has either (headings, prompts and what stands under them)."""
        out: dict[int, tuple[str | None, str | None]] = {}
        ids = list(segment_ids)
        for start in range(0, len(ids), 10_000):
            chunk = ids[start:start + 10_000]
            sql = ("SELECT id, role, section FROM segments WHERE (role IS NOT NULL OR section IS NOT NULL) "
                   f"AND id IN ({','.join('?' * len(chunk))})")
            for r in self._x(sql, chunk):
                out[int(r[0])] = (r[1], r[2])
        return out

    def get_segment(self, segment_id: int) -> Segment:
        r = self._x(self._SEGMENT_SELECT + "WHERE s.id = ?", (segment_id,)).fetchone()
        if r is None:
            raise NotFoundError(_("segment {segment_id} does not exist").format(segment_id=segment_id), value=segment_id,
                                hint=Hint(_("see the segments"), command=("corpus", "segments")))
        return self._segment(r)

    def iter_segments(
        self,
        unit: str | None = None,
        document: str | int | None = None,
        meta: dict[str, str] | None = None,
        kind: str | None = None,
        code: Sequence[str] | None = None,
        coder: str | None = None,
        uncoded: bool = False,
        ids: Sequence[int] | None = None,
    ) -> Iterator[Segment]:
        """Segments in document order, filtered by unit, document, metadata, code, coder."""
        where, params = self._doc_filters(kind=kind, meta=meta, document=document)
        clauses = [where[len("WHERE "):]] if where else []
        if unit:
            clauses.append("s.unit = ?")
            params.append(unit)
        positive = f"c.source IN {POSITIVE_SQL}"
        if code:
            marks = ",".join("?" * len(code))
            sub = f"SELECT 1 FROM codings c WHERE {self._COVERS} AND c.code_id IN ({marks}) AND {positive}"
            params += list(code)
            if coder:
                sub += " AND c.coder = ?"
                params.append(coder)
            clauses.append(f"EXISTS ({sub})")
        elif coder:
            clauses.append(f"EXISTS (SELECT 1 FROM codings c WHERE {self._COVERS} AND c.coder = ? AND {positive})")
            params.append(coder)
        if uncoded:
            clauses.append(f"NOT EXISTS (SELECT 1 FROM codings c WHERE {self._COVERS} AND {positive})")
        if ids is not None:
            clauses.append(f"s.id IN ({','.join('?' * len(ids))})" if ids else "1 = 0")
            params += list(ids)
        sql = self._SEGMENT_SELECT + ("WHERE " + " AND ".join(clauses) if clauses else "")
        sql += " ORDER BY s.document_id, s.unit, s.idx"
        for r in self._stream(sql, params):
            yield self._segment(r)

    def segment_roles(self, document_id: int) -> list[tuple[int, int, str]]:
        """(start, end, role) of the document's headings and prompts, without reading their segments."""
        rows = self._x('SELECT start, "end", role FROM segments WHERE document_id = ? AND role IS NOT NULL',
                       (document_id,))
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    def neighbours(self, segment: Segment, before: int = 1, after: int = 1) -> tuple[list[Segment], list[Segment]]:
        """Segments of the same unit just before and after `segment`, for context."""
        rows = self._x(
            self._SEGMENT_SELECT + "WHERE s.document_id = ? AND s.unit = ? AND s.idx BETWEEN ? AND ? "
            "ORDER BY s.idx",
            (segment.document_id, segment.unit, segment.idx - before, segment.idx + after),
        ).fetchall()
        segs = [self._segment(r) for r in rows]
        return [s for s in segs if s.idx < segment.idx], [s for s in segs if s.idx > segment.idx]

    # -- codings -----------------------------------------------------------------------

    @staticmethod
    def _coding(r: _Row) -> Coding:
        return Coding(
            id=r["id"], segment_id=r["segment_id"], document_id=r["document_id"], start=r["start"], end=r["end"],
            code_id=r["code_id"], coder=r["coder"],
            source=r["source"], score=r["score"], model_version=r["model_version"], reason=r["reason"],
            memo=r["memo"], created_at=r["created_at"], updated_at=r["updated_at"],
        )

    def get_coding(self, coding_id: int) -> Coding:
        r = self._x("SELECT * FROM codings WHERE id = ?", (coding_id,)).fetchone()
        if r is None:
            raise NotFoundError(_("coding {coding_id} does not exist").format(coding_id=coding_id), value=coding_id,
                                hint=Hint(_("see the codings"), command=("code", "list")))
        return self._coding(r)

    # A coding belongs to the segments of its anchor's unit that its span overlaps; an empty
    # segment (start == end) is only ever covered by codings anchored on it.
    _COVERS = (
        "(c.document_id = s.document_id AND (c.segment_id = s.id OR (c.start < s.end AND s.start < c.end "
        "AND s.unit = (SELECT a.unit FROM segments a WHERE a.id = c.segment_id) AND " + _ENOUGH.format(s="s") + ")))"
    )

    def find_coding(self, segment_id: int, code_id: str, coder: str) -> Coding | None:
        """The coder's coding of `code_id` that covers the segment (anchored there first)."""
        r = self._x(
            f"SELECT c.* FROM codings c, segments s WHERE s.id = ? AND c.code_id = ? AND c.coder = ? AND {self._COVERS} "
            "ORDER BY c.segment_id != s.id, c.id LIMIT 1",
            (segment_id, code_id, coder),
        ).fetchone()
        return self._coding(r) if r else None

    def anchor_segment(self, document_id: int, start: int, end: int, unit: str) -> int | None:
        """The first segment of `unit` that the span overlaps (or touches, when it is empty)."""
        r = self._x(
            "SELECT id FROM segments WHERE document_id = ? AND unit = ? AND "
            "((start < ? AND ? < end) OR (start = ? AND end = ?)) ORDER BY idx LIMIT 1",
            (document_id, unit, end, start, start, end),
        ).fetchone()
        return int(r[0]) if r else None

    def _overlaps(self, segment_id: int, document_id: int, start: int, end: int) -> bool:
        r = self._x(
            "SELECT 1 FROM segments WHERE id = ? AND document_id = ? AND start < ? AND ? < end", (segment_id, document_id, end, start)
        ).fetchone()
        return r is not None

    def put_coding(
        self,
        document_id: int,
        start: int,
        end: int,
        unit: str,
        code_id: str,
        coder: str,
        source: str,
        score: float | None = None,
        model_version: str | None = None,
        reason: str | None = None,
        memo: str | None = None,
        prefer: int | None = None,
        min_overlap: int | None = None,
    ) -> tuple[int, list[Coding]]:
        """Store a coding of span `start:end`; the coder's overlapping codings of the code merge into it.

        `min_overlap`: the span counts only for segments it shares that many characters with
        (or all of a shorter segment or span); None: every segment it overlaps.
        Returns the coding's id and the codings merged away (replaced, or their spans now lie in the kept one);
        each merge is audited. `prefer` is the anchor segment to keep when it still overlaps.
        """
        # sorted here, not by ORDER BY c.id: SQLite would then walk the code's index in id order
        # (every coding of the code; 300-900 ms at 1,000,000) instead of seeking by document
        overlapping = sorted((
            self._coding(r)
            for r in self._x(
                "SELECT c.* FROM codings c JOIN segments a ON a.id = c.segment_id "
                "WHERE c.document_id = ? AND c.code_id = ? AND c.coder = ? AND a.unit = ? "
                "AND ((c.start < ? AND ? < c.end) OR c.segment_id = ? OR (c.start = ? AND c.end = ?))",
                (document_id, code_id, coder, unit, end, start, prefer, start, end),
            )
        ), key=lambda c: c.id)
        # A positive coding grows by the coder's positive spans it overlaps; a decision that the
        # code does not apply (or an open suggestion) replaces whatever the coder had there.
        positive = POSITIVE_SOURCES
        grow = [c for c in overlapping if c.source in positive] if source in positive else []
        lo = min([start, *(c.start for c in grow)])
        hi = max([end, *(c.end for c in grow)])
        anchor = self.anchor_segment(document_id, lo, hi, unit)
        if prefer is not None and (anchor is None or lo == hi or self._overlaps(prefer, document_id, lo, hi)):
            anchor = prefer
        if anchor is None:
            raise StoreError(_("the span {start}:{end} lies in no segment ({unit}) of document {document_id}").format(start=start, end=end, unit=unit, document_id=document_id))
        ts = now()
        if not overlapping:
            cur = self._x(
                "INSERT INTO codings (document_id, start, end, segment_id, code_id, coder, source, score, model_version, "
                "reason, memo, min_overlap, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (document_id, lo, hi, anchor, code_id, coder, source, score, model_version, reason, memo, min_overlap,
                 ts, ts),
            )
            return int(cur.fetchone()[0]), []
        keep = next((c for c in overlapping if prefer is not None and c.segment_id == prefer), overlapping[0])
        merged = [c for c in overlapping if c.id != keep.id]
        if merged or (start, end) != (keep.start, keep.end):
            memos = [m for m in dict.fromkeys([keep.memo, memo, *(c.memo for c in merged)]) if m]
        else:  # the same span coded again: a new memo replaces the old one
            memos = [m for m in [memo or keep.memo] if m]
        for c in merged:
            self._x("DELETE FROM codings WHERE id = ?", (c.id,))
        self._x(
            "UPDATE codings SET start = ?, end = ?, segment_id = ?, source = ?, score = ?, model_version = ?, "
            "reason = ?, memo = ?, min_overlap = ?, updated_at = ? WHERE id = ?",
            (lo, hi, anchor, source, score, model_version, reason, "\n".join(memos) or None, min_overlap, ts, keep.id),
        )
        if merged or (lo, hi) != (keep.start, keep.end):
            self.log(coder, "span.merge", coding_id=keep.id, segment_id=anchor, code_id=code_id,
                     detail={"start": lo, "end": hi, "was": [keep.start, keep.end],
                             "merged": [{"coding": c.id, "start": c.start, "end": c.end, "source": c.source}
                                        for c in merged]})
        return keep.id, merged

    def upsert_coding(
        self,
        segment_id: int,
        code_id: str,
        coder: str,
        source: str,
        score: float | None = None,
        model_version: str | None = None,
        reason: str | None = None,
        memo: str | None = None,
    ) -> int:
        """Code a whole segment, or update the coder's coding of the code that covers it. Returns its id."""
        seg = self._x("SELECT document_id, unit, start, end FROM segments WHERE id = ?", (segment_id,)).fetchone()
        if seg is None:
            raise NotFoundError(_("segment {segment_id} does not exist").format(segment_id=segment_id), value=segment_id,
                                hint=Hint(_("see the segments"), command=("corpus", "segments")))
        cid, _unused = self.put_coding(
            seg["document_id"], seg["start"], seg["end"], seg["unit"], code_id, coder, source,
            score=score, model_version=model_version, reason=reason, memo=memo, prefer=segment_id,
        )
        return cid

    def span_covers(self, coding_id: int, unit: str | None = None) -> list[int]:
        """Ids of the segments a coding covers (of its anchor's unit, or of `unit`), in order."""
        rows = self._x(
            "SELECT s.id FROM codings c JOIN segments a ON a.id = c.segment_id JOIN segments s "
            "ON s.document_id = c.document_id AND s.unit = COALESCE(CAST(? AS TEXT), a.unit) "
            "AND (s.id = c.segment_id OR (c.start < s.end AND s.start < c.end AND " + _ENOUGH.format(s="s") + ")) "
            "WHERE c.id = ? ORDER BY s.idx",
            (unit, coding_id),
        )
        return [r[0] for r in rows]

    def document_codings(self, document_id: int, sources: Sequence[str] | None = None) -> list[Coding]:
        """Every coding of a document, by start, then end descending (outer spans first)."""
        sql = "SELECT * FROM codings WHERE document_id = ?"
        params: list[Any] = [document_id]
        if sources:
            sql += f" AND source IN ({','.join('?' * len(sources))})"
            params += list(sources)
        return [self._coding(r) for r in self._x(sql + " ORDER BY start, end DESC, code_id, coder, id", params)]

    def span_text(self, document_id: int, start: int, end: int) -> str:
        r = self._x(
            "SELECT substr(text, CAST(? AS INTEGER) + 1, CAST(? AS INTEGER)) FROM documents WHERE id = ?",
            (start, end - start, document_id),
        ).fetchone()
        if r is None:
            raise NotFoundError(_("document {document_id} does not exist").format(document_id=document_id), value=document_id,
                                hint=Hint(_("see the documents"), command=("corpus", "list")))
        return str(r[0])

    def set_coding_source(self, coding_id: int, source: str, coder: str | None = None) -> None:
        if coder is None:
            self._x("UPDATE codings SET source = ?, updated_at = ? WHERE id = ?", (source, now(), coding_id))
        else:
            self._x(
                "UPDATE codings SET source = ?, coder = ?, updated_at = ? WHERE id = ?", (source, coder, now(), coding_id)
            )

    def set_coding_memo(self, coding_id: int, memo: str | None) -> None:
        self._x("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?", (memo, now(), coding_id))

    def delete_coding(self, coding_id: int) -> None:
        self._x("DELETE FROM codings WHERE id = ?", (coding_id,))

    def delete_suggestions(self, segment_ids: Sequence[int] | None = None, coder: str | None = None) -> int:
        """Remove open (source='suggested') suggestions, optionally for some segments only."""
        if segment_ids is not None:
            # The rows by segment first: with the coder and source in one statement the planner
            # took the (coder, source) index, a walk through every suggestion of the model for
            # each batch (0.6-3.5 s at 1,000,000, with the write lock held), not 2,000 seeks.
            if not segment_ids:
                return 0
            ids = [r[0] for r in self._x(
                f"SELECT id, coder, source FROM codings WHERE segment_id IN ({','.join('?' * len(segment_ids))})",
                list(segment_ids)) if r[2] == "suggested" and (not coder or r[1] == coder)]
            for chunk in _fixed_chunks(ids):
                self._x(f"DELETE FROM codings WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            return len(ids)
        sql = "DELETE FROM codings WHERE source = 'suggested'"
        params: list[Any] = []
        if coder:
            sql += " AND coder = ?"
            params.append(coder)
        return self._x(sql, params).rowcount

    def iter_codings(
        self,
        code: Sequence[str] | None = None,
        coder: str | Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        document: str | int | None = None,
        meta: dict[str, str] | None = None,
        segment_ids: Sequence[int] | None = None,
        unit: str | None = None,
        min_score: float | None = None,
        max_score: float | None = None,
        order: str = "segment",
    ) -> Iterator[tuple[Coding, Segment]]:
        """Codings joined with their segments, filtered; `order` is 'segment', 'score' or 'quote'
        (on a flagged key quote first, then manual before accepted, highest score, document order)."""
        where, params = self._doc_filters(meta=meta, document=document)
        clauses = [where[len("WHERE "):]] if where else []
        if code:
            clauses.append(f"c.code_id IN ({','.join('?' * len(code))})")
            params += list(code)
        if coder:
            coders = [coder] if isinstance(coder, str) else list(coder)
            clauses.append(f"c.coder IN ({','.join('?' * len(coders))})")
            params += coders
        if sources:
            clauses.append(f"c.source IN ({','.join('?' * len(sources))})")
            params += list(sources)
        if segment_ids is not None:
            marks = ",".join("?" * len(segment_ids))
            clauses.append(
                f"EXISTS (SELECT 1 FROM segments f WHERE f.id IN ({marks}) AND f.document_id = c.document_id "
                "AND (f.id = c.segment_id OR (f.unit = s.unit AND c.start < f.end AND f.start < c.end AND "
                + _ENOUGH.format(s="f") + ")))"
                if segment_ids else "1 = 0"
            )
            params += list(segment_ids)
        if unit:
            clauses.append("s.unit = ?")
            params.append(unit)
        if min_score is not None:
            clauses.append("c.score >= ?")
            params.append(min_score)
        if max_score is not None:
            clauses.append("c.score <= ?")
            params.append(max_score)
        order_by = {
            "score": "c.code_id, c.score DESC, c.id",
            "quote": "(CASE WHEN EXISTS (SELECT 1 FROM quotes q WHERE q.segment_id = c.segment_id AND q.flagged_by = c.coder "
                     "AND q.code_id IN (c.code_id, '')) THEN 0 ELSE 1 END), "
                     "(CASE WHEN c.source = 'manual' THEN 0 ELSE 1 END), COALESCE(c.score, 0) DESC, "
                     "s.document_id, s.idx, s.unit, c.start, c.code_id, c.id",
        }.get(order, "s.document_id, s.unit, s.idx, c.start, c.code_id, c.id")
        sql = (
            "SELECT c.*, s.unit, s.idx, s.start AS seg_start, s.end AS seg_end, s.lemmas, "
            "substr(d.text, s.start + 1, s.end - s.start) AS text, d.name AS document_name, d.meta AS meta "
            "FROM codings c JOIN segments s ON s.id = c.segment_id JOIN documents d ON d.id = s.document_id "
            + ("WHERE " + " AND ".join(clauses) if clauses else "")
            + f" ORDER BY {order_by}"
        )
        for r in self._stream(sql, params):
            seg = Segment(
                id=r["segment_id"], document_id=r["document_id"], unit=r["unit"], idx=r["idx"], start=r["seg_start"],
                end=r["seg_end"], text=r["text"], lemmas=r["lemmas"], document_name=r["document_name"],
                meta=json.loads(r["meta"]),
            )
            yield self._coding(r), seg

    def iter_coded_segments(self, sources: Sequence[str], unit: str | None = None) -> Iterator[tuple[Coding, Segment]]:
        """(coding, segment) for every segment a coding covers (of its anchor's unit, or of `unit`)."""
        sql = (
            "SELECT c.*, s.id AS seg_id, s.unit, s.idx, s.start AS seg_start, s.end AS seg_end, s.lemmas, "
            "substr(d.text, s.start + 1, s.end - s.start) AS text, d.name AS document_name, d.meta AS meta "
            "FROM codings c JOIN segments a ON a.id = c.segment_id "
            "JOIN segments s ON s.document_id = c.document_id AND s.unit = COALESCE(CAST(? AS TEXT), a.unit) "
            "AND (s.id = c.segment_id OR (c.start < s.end AND s.start < c.end AND " + _ENOUGH.format(s="s") + ")) "
            "JOIN documents d ON d.id = s.document_id "
            f"WHERE c.source IN ({','.join('?' * len(sources))}) ORDER BY s.document_id, s.unit, s.idx, c.id"
        )
        for r in self._stream(sql, [unit, *sources]):
            seg = Segment(
                id=r["seg_id"], document_id=r["document_id"], unit=r["unit"], idx=r["idx"], start=r["seg_start"],
                end=r["seg_end"], text=r["text"], lemmas=r["lemmas"], document_name=r["document_name"],
                meta=json.loads(r["meta"]),
            )
            yield self._coding(r), seg

    def codings_for_segment(self, segment_id: int) -> list[Coding]:
        """Codings that cover the segment: anchored on it or with a span overlapping it."""
        return [
            self._coding(r)
            for r in self._x(
                f"SELECT c.* FROM codings c, segments s WHERE s.id = ? AND {self._COVERS} ORDER BY c.code_id, c.coder, c.start",
                (segment_id,),
            )
        ]

    def coders(self) -> list[str]:
        return [r[0] for r in self._x("SELECT DISTINCT coder FROM codings ORDER BY coder")]

    # -- audit -------------------------------------------------------------------------

    def log(
        self,
        actor: str,
        action: str,
        coding_id: int | None = None,
        segment_id: int | None = None,
        code_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._x(
            "INSERT INTO audit (at, actor, action, coding_id, segment_id, code_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now(), actor, action, coding_id, segment_id, code_id, _json(detail or {})),
        )

    def iter_audit(self, limit: int | None = None) -> Iterator[AuditEntry]:
        """The audit log, newest first."""
        sql = "SELECT * FROM audit ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        for r in self._stream(sql):
            yield AuditEntry(
                id=r["id"], at=r["at"], actor=r["actor"], action=r["action"], coding_id=r["coding_id"],
                segment_id=r["segment_id"], code_id=r["code_id"], detail=json.loads(r["detail"]),
            )

    # -- key quotes --------------------------------------------------------------------

    def flag_quote(self, segment_id: int, actor: str, note: str | None = None, code_id: str = "") -> None:
        """Flag a segment as a key quote of `actor`'s coding of `code_id` ('': of each of her codings
        there); each coder's flag is kept apart (blind double coding), and each code's."""
        self._x(
            "INSERT INTO quotes (segment_id, flagged_by, note, created_at, code_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(segment_id, flagged_by, code_id) DO UPDATE SET note = excluded.note",
            (segment_id, actor, note, now(), code_id),
        )

    def unflag_quote(self, segment_id: int, actor: str | None = None, code_id: str | None = None) -> list[str]:
        """Remove the flags on a segment (only `actor`'s when given; only those that flag `code_id`'s
        coding when given: its own and a flag of every code); returns whose flags were removed."""
        where, params = "segment_id = ?", list[object]([segment_id])
        if actor is not None:
            where += " AND flagged_by = ?"
            params.append(actor)
        if code_id is not None:
            where += " AND code_id IN (?, '')"
            params.append(code_id)
        rows = self._x(f"SELECT DISTINCT flagged_by FROM quotes WHERE {where} ORDER BY flagged_by", params)
        removed = [r[0] for r in rows]
        self._x(f"DELETE FROM quotes WHERE {where}", params)
        return removed

    def flagged_quotes(self, by: str | None = None) -> set[int]:
        """Segments flagged as key quotes by anyone, or by one coder."""
        if by is None:
            return {r[0] for r in self._x("SELECT DISTINCT segment_id FROM quotes")}
        return {r[0] for r in self._x("SELECT DISTINCT segment_id FROM quotes WHERE flagged_by = ?", (by,))}

    def quoted_codes(self, by: str | None = None) -> set[tuple[int, str]]:
        """(segment id, code id) of the key-quote flags, anyone's or one coder's; code id '' flags each
        of the coder's codings there."""
        if by is None:
            return {(r[0], r[1]) for r in self._x("SELECT DISTINCT segment_id, code_id FROM quotes")}
        return {(r[0], r[1]) for r in self._x("SELECT segment_id, code_id FROM quotes WHERE flagged_by = ?", (by,))}

    # -- counting ----------------------------------------------------------------------

    def coded_rows(
        self,
        unit: str | None = None,
        coders: Sequence[str] | None = None,
        sources: Sequence[str] = POSITIVE_SOURCES,
    ) -> Iterator[tuple[int, int, str, dict[str, Any]]]:
        """(segment_id, document_id, code_id, document meta) for every positive coding and segment it covers.

        A span counts for each segment of its unit that it overlaps (of `unit` when given).
        """
        sql = (
            "SELECT s.id, s.document_id, c.code_id, d.meta FROM codings c "
            "JOIN segments a ON a.id = c.segment_id "
            "JOIN segments s ON s.document_id = c.document_id AND s.unit = COALESCE(CAST(? AS TEXT), a.unit) "
            "AND (s.id = c.segment_id OR (c.start < s.end AND s.start < c.end AND " + _ENOUGH.format(s="s") + ")) "
            "JOIN documents d ON d.id = s.document_id "
            f"WHERE c.source IN ({','.join('?' * len(sources))})"
        )
        params: list[Any] = [unit, *sources]
        if coders:
            sql += f" AND c.coder IN ({','.join('?' * len(coders))})"
            params += list(coders)
        for r in self._stream(sql + " ORDER BY s.id, c.id", params):
            yield r[0], r[1], r[2], json.loads(r[3])

    def segment_counts(self, unit: str | None = None) -> dict[int, int]:
        """Number of segments per document (of one unit, or all)."""
        sql = "SELECT document_id, COUNT(*) FROM segments" + (" WHERE unit = ?" if unit else "") + " GROUP BY document_id"
        return {r[0]: r[1] for r in self._x(sql, (unit,) if unit else ())}

    # Counting in the database: one row per group or per unit, never one Python dict per document.
    # A group is a document's kind and the JSON text of each field's value (None when absent);
    # the analysis package turns the few distinct texts into the labels a reader sees.

    def _group_select(self, fields: Sequence[str]) -> tuple[list[str], list[Any]]:
        exprs, binds = [], []
        for f in fields:
            expr, bind = self._meta_json(f)
            exprs.append(expr)
            binds.append(bind)
        return exprs, binds

    def _respondent_unit(self) -> tuple[str, list[Any]]:
        """SQL for the counting unit 'respondent': 'r:<id>' for a survey answer with a respondent, else 'd:<document id>'."""
        expr, bind = self._meta_value("respondent")
        sql = (f"(CASE WHEN d.kind = 'survey' AND {expr} IS NOT NULL AND {expr} <> '' THEN 'r:' || {expr} "
               "ELSE 'd:' || CAST(d.id AS TEXT) END)")
        return sql, [bind, bind, bind]

    def group_sizes(self, fields: Sequence[str], kind: str | None = None) -> list[tuple[str, tuple[str | None, ...], int, int]]:
        """(kind, JSON text of each field's value, documents, segments) per distinct group, in the order
        of each group's first document; documents of finished imports, of one kind or all."""
        where, params = self._doc_filters(kind=kind)
        exprs, binds = self._group_select(fields)
        cols = "".join(f", {e}" for e in exprs)
        ordinals = ", ".join(str(i) for i in range(1, len(fields) + 2))
        sql = (f"SELECT d.kind{cols}, COUNT(*), COALESCE(SUM(n.n), 0), MIN(d.id) FROM documents d "
               "LEFT JOIN (SELECT document_id, COUNT(*) AS n FROM segments GROUP BY document_id) n ON n.document_id = d.id "
               f"{where} GROUP BY {ordinals} ORDER BY MIN(d.id)")
        k = len(fields)
        return [(r[0], tuple(r[1:1 + k]), int(r[1 + k]), int(r[2 + k])) for r in self._x(sql, [*binds, *params])]

    def respondent_counts(self, fields: Sequence[str], kind: str | None = None) -> list[tuple[tuple[str | None, ...], int]]:
        """(JSON text of each field's value, distinct respondents) per distinct combination (see `_respondent_unit`)."""
        where, params = self._doc_filters(kind=kind)
        unit, ubinds = self._respondent_unit()
        exprs, binds = self._group_select(fields)
        cols = "".join(f"{e}, " for e in exprs)
        group = (" GROUP BY " + ", ".join(str(i) for i in range(1, len(fields) + 1))) if fields else ""
        sql = f"SELECT {cols}COUNT(DISTINCT {unit}) FROM documents d {where}{group}"
        k = len(fields)
        rows = self._x(sql, [*binds, *ubinds, *params])
        return [(tuple(r[:k]), int(r[k])) for r in rows if int(r[k])]

    def respondent_groups(self, fields: Sequence[str], kind: str | None = None) -> Iterator[tuple[str, tuple[str | None, ...]]]:
        """(respondent unit, JSON text of each field's value) once per distinct pair, ordered by unit
        (see `_respondent_unit`): a respondent's rows come together, so a caller counts her once."""
        where, params = self._doc_filters(kind=kind)
        unit, ubinds = self._respondent_unit()
        exprs, binds = self._group_select(fields)
        cols = "".join(f", {e}" for e in exprs)
        sql = f"SELECT DISTINCT {unit}{cols} FROM documents d {where} ORDER BY 1"
        k = len(fields)
        for r in self._stream(sql, [*ubinds, *binds, *params]):
            yield r[0], tuple(r[1:1 + k])

    def coded_units(
        self, unit: str, fields: Sequence[str], kind: str | None = None, coders: Sequence[str] | None = None,
    ) -> Iterator[tuple[Any, str, tuple[str | None, ...], str]]:
        """(unit, kind, JSON text of each field's value, code) once per distinct row, ordered by unit, for every
        positive coding and segment it covers (as `coded_rows`) in documents of finished imports.

        `unit` is 'segment' (segment id), 'document' (document id) or 'respondent' (see `_respondent_unit`).
        """
        where, params = self._doc_filters(kind=kind)
        if unit == "respondent":
            unit_sql, ubinds = self._respondent_unit()
        else:
            unit_sql, ubinds = ("s.id" if unit == "segment" else "d.id"), []
        exprs, binds = self._group_select(fields)
        cols = "".join(f", {e}" for e in exprs)
        sql = (
            f"SELECT DISTINCT {unit_sql}, d.kind{cols}, c.code_id FROM codings c "
            "JOIN segments a ON a.id = c.segment_id "
            "JOIN segments s ON s.document_id = c.document_id AND s.unit = a.unit "
            "AND (s.id = c.segment_id OR (c.start < s.end AND s.start < c.end AND " + _ENOUGH.format(s="s") + ")) "
            f"JOIN documents d ON d.id = s.document_id {where} AND c.source IN {POSITIVE_SQL}"
        )
        args: list[Any] = [*ubinds, *binds, *params]
        if coders:
            sql += f" AND c.coder IN ({','.join('?' * len(coders))})"
            args += list(coders)
        k = len(fields)
        for r in self._stream(sql + " ORDER BY 1", args):
            yield r[0], r[1], tuple(r[2:2 + k]), r[2 + k]

    def count_coded_rows(self, kind: str | None = None) -> int:
        """How many (positive coding, segment it covers) pairs `coded_rows` gives in documents of finished imports."""
        where, params = self._doc_filters(kind=kind)
        sql = (
            "SELECT COUNT(*) FROM codings c JOIN segments a ON a.id = c.segment_id "
            "JOIN segments s ON s.document_id = c.document_id AND s.unit = a.unit "
            "AND (s.id = c.segment_id OR (c.start < s.end AND s.start < c.end AND " + _ENOUGH.format(s="s") + ")) "
            f"JOIN documents d ON d.id = s.document_id {where} AND c.source IN {POSITIVE_SQL}"
        )
        return int(self._x(sql, params).fetchone()[0])

    def meta_value_texts(self, field: str, kind: str | None = None) -> list[str | None]:
        """The distinct values of one metadata field (JSON text; None: absent) in documents of finished imports."""
        where, params = self._doc_filters(kind=kind)
        expr, bind = self._meta_json(field)
        return [r[0] for r in self._x(f"SELECT DISTINCT {expr} FROM documents d {where}", [bind, *params])]

    def survey_columns(self) -> tuple[list[str], set[str], int]:
        """The survey's columns without reading its answers: the answer fields in import order, the metadata
        keys of its respondents and answers, and how many answers lack the metadata 'respondent' or 'field'."""
        where, params = self._doc_filters(kind="survey")
        field, fbind = self._meta_value("field")
        resp, rbind = self._meta_value("respondent")
        fields = [str(r[0]) for r in self._x(
            f"SELECT {field}, MIN(d.id) FROM documents d {where} AND {field} IS NOT NULL GROUP BY 1 ORDER BY 2",
            [fbind, *params, fbind])]
        if self.pg:
            keys_sql = ("SELECT DISTINCT json_object_keys(d.meta::json) FROM documents d {where} "
                        "UNION SELECT DISTINCT json_object_keys(r.meta::json) FROM respondents r WHERE {finished}")
        else:
            keys_sql = ("SELECT DISTINCT j.key FROM documents d, json_each(d.meta) j {where} "
                        "UNION SELECT DISTINCT j.key FROM respondents r, json_each(r.meta) j WHERE {finished}")
        keys = {str(r[0]) for r in self._x(keys_sql.format(where=where, finished=_FINISHED_RESPONDENT), params)}
        lacking = int(self._x(f"SELECT COUNT(*) FROM documents d {where} AND ({resp} IS NULL OR {field} IS NULL)",
                              [*params, rbind, fbind]).fetchone()[0])
        return fields, keys, lacking

    def count_respondents(self) -> int:
        """Distinct respondents of the survey answers (metadata 'respondent', empty ones left out)."""
        where, params = self._doc_filters(kind="survey")
        expr, bind = self._meta_value("respondent")
        sql = f"SELECT COUNT(DISTINCT {expr}) FROM documents d {where} AND {expr} <> ''"
        return int(self._x(sql, [bind, *params, bind]).fetchone()[0])

    def document_meta(self, kind: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
        where, params = self._doc_filters(kind=kind)
        for r in self._stream(f"SELECT d.id, d.meta FROM documents d {where} ORDER BY d.id", params):
            yield r[0], json.loads(r[1])

    # -- trained models (suggesters) ---------------------------------------------------

    def save_model(
        self, version: str, codebook_hash: str, trained_on: dict[str, Any], metrics: dict[str, Any], blob: bytes
    ) -> None:
        self._x(
            "INSERT INTO models (version, created_at, codebook_hash, trained_on, metrics, blob) VALUES (?, ?, ?, ?, ?, ?)",
            (version, now(), codebook_hash, _json(trained_on), _json(metrics), blob),
        )

    def latest_model(self) -> SavedModel | None:
        r = self._x(f"SELECT * FROM models ORDER BY created_at DESC, {self._roworder} DESC LIMIT 1").fetchone()
        if r is None:
            return None
        return SavedModel(
            version=r["version"], created_at=r["created_at"], codebook_hash=r["codebook_hash"],
            trained_on=json.loads(r["trained_on"]), metrics=json.loads(r["metrics"]), blob=r["blob"],
        )

    def list_models(self) -> list[ModelInfo]:
        return [
            ModelInfo(version=r[0], created_at=r[1], codebook_hash=r[2], trained_on=json.loads(r[3]))
            for r in self._x(
                "SELECT version, created_at, codebook_hash, trained_on FROM models ORDER BY created_at, " + self._roworder
            )
        ]

    # -- tagging state -----------------------------------------------------------------

    def save_tag_state(self, coder: str, session: str, data: dict[str, Any]) -> None:
        self._x(
            "INSERT INTO tag_state (coder, session, data, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(coder, session) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            (coder, session, _json(data), now()),
        )

    def load_tag_state(self, coder: str, session: str) -> TagState | None:
        r = self._x("SELECT data, updated_at FROM tag_state WHERE coder = ? AND session = ?", (coder, session)).fetchone()
        return TagState(coder=coder, session=session, data=json.loads(r[0]), updated_at=r[1]) if r else None

    # -- reviews and samples (several coders) ------------------------------------------

    def mark_reviewed(self, segment_id: int, coder: str) -> None:
        """Record that `coder` has judged the segment (with or without codes)."""
        self._x(
            "INSERT INTO reviews (segment_id, coder, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(segment_id, coder) DO UPDATE SET updated_at = excluded.updated_at",
            (segment_id, coder, now()),
        )

    def unmark_reviewed(self, segment_id: int, coder: str) -> None:
        self._x("DELETE FROM reviews WHERE segment_id = ? AND coder = ?", (segment_id, coder))

    def reviewed(self, coder: str) -> set[int]:
        """Segments `coder` has judged: reviewed in a session, or given a code."""
        rows = self._x(
            "SELECT segment_id FROM reviews WHERE coder = ? UNION "
            f"SELECT s.id FROM codings c, segments s WHERE c.coder = ? AND c.source IN ('manual', 'accepted', 'rejected') "
            f"AND {self._COVERS}",
            (coder, coder),
        )
        return {r[0] for r in rows}

    def has_reviewed(self, segment_id: int, coder: str) -> bool:
        """Whether `coder` has judged this segment (as `segment_id in reviewed(coder)`, reading one segment)."""
        row = self._x(
            "SELECT 1 FROM reviews WHERE segment_id = ? AND coder = ? UNION ALL "
            f"SELECT 1 FROM codings c, segments s WHERE s.id = ? AND c.coder = ? "
            f"AND c.source IN ('manual', 'accepted', 'rejected') AND {self._COVERS} LIMIT 1",
            (segment_id, coder, segment_id, coder),
        ).fetchone()
        return row is not None

    def model_codings(self, model_coder: str, min_score: float | None = None) -> Iterator[tuple[int, str]]:
        """(segment_id, code_id) the model proposed: its own rows and decisions that kept its score."""
        sql = "SELECT DISTINCT segment_id, code_id FROM codings WHERE (coder = ? OR model_version IS NOT NULL)"
        params: list[Any] = [model_coder]
        if min_score is not None:
            sql += " AND score >= ?"
            params.append(min_score)
        for r in self._stream(sql + " ORDER BY segment_id, code_id", params):
            yield r[0], r[1]

    def save_sample(self, name: str, seed: int, spec: dict[str, Any], segment_ids: Sequence[int]) -> None:
        self._x(
            "INSERT INTO samples (name, seed, n, spec, segment_ids, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (name, seed, len(segment_ids), _json(spec), json.dumps(list(segment_ids)), now()),
        )

    def get_sample(self, name: str) -> StoredSample | None:
        r = self._x("SELECT * FROM samples WHERE name = ?", (name,)).fetchone()
        return None if r is None else self._sample(r)

    def list_samples(self) -> list[StoredSample]:
        return [self._sample(r) for r in self._x("SELECT * FROM samples ORDER BY created_at, name")]

    @staticmethod
    def _sample(r: _Row) -> StoredSample:
        return StoredSample(name=r["name"], seed=r["seed"], n=r["n"], spec=json.loads(r["spec"]),
                      segment_ids=tuple(json.loads(r["segment_ids"])), created_at=r["created_at"])

    def segment_ids(self, unit: str | None = None, kind: str | None = None) -> list[int]:
        """Ids of all segments (of one unit / document kind), ascending."""
        where, params = self._doc_filters(kind=kind)
        clauses = [where[len("WHERE "):]] if where else []
        if unit:
            clauses.append("s.unit = ?")
            params.append(unit)
        sql = "SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id"
        sql += (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY s.id"
        return [r[0] for r in self._x(sql, params)]

    def segment_order(
        self,
        unit: str | None = None,
        document: str | int | None = None,
        meta: dict[str, str] | None = None,
        kind: str | None = None,
    ) -> list[int]:
        """Segment ids in document order, filtered like `iter_segments` (without loading texts)."""
        where, params = self._doc_filters(kind=kind, meta=meta, document=document)
        clauses = [where[len("WHERE "):]] if where else []
        if unit:
            clauses.append("s.unit = ?")
            params.append(unit)
        sql = "SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id"
        sql += (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY s.document_id, s.unit, s.idx"
        return [r[0] for r in self._x(sql, params)]

    def suggestion_scores(self, coders: Sequence[str]) -> Iterator[tuple[int, str, str | None, float]]:
        """(segment_id, code_id, model_version, score) of every scored open suggestion held by one of `coders`."""
        sql = (
            "SELECT segment_id, code_id, model_version, score FROM codings WHERE source = 'suggested' "
            f"AND score IS NOT NULL AND coder IN ({','.join('?' * len(coders))})"
        )
        yield from ((r[0], r[1], r[2], r[3]) for r in self._stream(sql, list(coders)))

    def group_scores(self, coder: str, code_id: str, model_version: str | None) -> list[tuple[int, float]]:
        """(segment_id, score) of one group's scored open suggestions (see `open_suggestion_groups`),
        read from the coder index alone."""
        version = "model_version IS NULL" if model_version is None else "model_version = ?"
        rows = self._x(
            "SELECT segment_id, score FROM codings WHERE coder = ? AND source = 'suggested' AND code_id = ? "
            f"AND {version} AND score IS NOT NULL",
            (coder, code_id) if model_version is None else (coder, code_id, model_version),
        )
        return [(r[0], r[1]) for r in rows]

    def max_segment_id(self) -> int:
        return self._count("SELECT COALESCE(MAX(id), 0) FROM segments")

    def open_suggestion_groups(self, coders: Sequence[str]) -> list[tuple[str, str, str | None]]:
        """(coder, code id, model version) of each group of open suggestions `coders` hold.

        Found by a few index seeks per code (index codings_coder_code), not by reading the suggestions.
        """
        codes = [r[0] for r in self._x("SELECT id FROM codes ORDER BY id")]
        head = "SELECT model_version FROM codings WHERE coder = ? AND source = 'suggested' AND code_id = ? AND "
        out: list[tuple[str, str, str | None]] = []
        for coder in dict.fromkeys(coders):
            for code in codes:
                if self._x(head + "model_version IS NULL LIMIT 1", (coder, code)).fetchone() is not None:
                    out.append((coder, code, None))
                r = self._x(head + "model_version IS NOT NULL ORDER BY model_version LIMIT 1", (coder, code)).fetchone()
                while r is not None:
                    out.append((coder, code, r[0]))
                    r = self._x(head + "model_version > ? ORDER BY model_version LIMIT 1", (coder, code, r[0])).fetchone()
        return out

    def suggestions_near(
        self, coder: str, code_id: str, model_version: str | None, threshold: float,
    ) -> list[tuple[int, float | None]]:
        """(id, score) of one group's open suggestions nearest `threshold`: the lowest score at or above
        it and the highest below it (the lowest id at that score), and the lowest id without a score.

        Only suggestions on documents of finished imports count, as in `iter_codings`.
        """
        version = "c.model_version IS NULL" if model_version is None else "c.model_version = ?"
        params: list[Any] = [coder, code_id] + ([] if model_version is None else [model_version])
        base = (f"FROM codings c JOIN documents d ON d.id = c.document_id WHERE c.coder = ? AND c.source = 'suggested' "
                f"AND c.code_id = ? AND {version} AND {self._finished} ")
        out: list[tuple[int, float | None]] = []
        for side, direction in (("c.score >= ?", "ASC"), ("c.score < ?", "DESC")):
            r = self._x(f"SELECT c.score {base}AND {side} ORDER BY c.score {direction} LIMIT 1",
                        [*params, threshold]).fetchone()
            if r is not None:
                (first,) = self._x(f"SELECT MIN(c.id + 0) {base}AND c.score = ?", [*params, r[0]]).fetchone()
                out.append((int(first), float(r[0])))
        # MIN(c.id + 0), not MIN(c.id): SQLite would answer MIN(id) by walking the code's index in id
        # order, through every suggestion of the code (1,000,000: 80-200 ms a query), instead of seeking
        # the group's few rows at that score in the coder index
        (unscored,) = self._x(f"SELECT MIN(c.id + 0) {base}AND c.score IS NULL", params).fetchone()
        if unscored is not None:
            out.append((int(unscored), None))
        return out

    def segments_with_codes(self, code_ids: Sequence[str], sources: Sequence[str]) -> set[int]:
        """Ids of segments that have one of `code_ids` with one of `sources` (any coder)."""
        sql = (
            f"SELECT DISTINCT segment_id FROM codings WHERE code_id IN ({','.join('?' * len(code_ids))}) "
            f"AND source IN ({','.join('?' * len(sources))})"
        )
        return {r[0] for r in self._x(sql, [*code_ids, *sources])}

    # -- workspace pages ---------------------------------------------------------------

    def positive_code_usage(self) -> dict[str, int]:
        """Number of manual and accepted codings per code id."""
        sql = f"SELECT code_id, COUNT(*) FROM codings WHERE source IN {POSITIVE_SQL} GROUP BY code_id"
        return {r[0]: r[1] for r in self._x(sql)}

    def coded_segment_counts(self) -> dict[int, int]:
        """Number of segments with a positive coding, per document."""
        sql = (
            f"SELECT s.document_id, COUNT(DISTINCT s.id) FROM segments s JOIN codings c ON {self._COVERS} "
            f"WHERE c.source IN {POSITIVE_SQL} GROUP BY s.document_id"
        )
        return {r[0]: r[1] for r in self._x(sql)}

    def meta_fields(self, kind: str | None = None, limit: int | None = None) -> list[str]:
        """Metadata keys of the documents (of one kind; the first `limit` of them), in order of appearance."""
        where, params = self._doc_filters(kind=kind)
        docs = f"(SELECT d.id, d.meta FROM documents d {where} ORDER BY d.id" + (f" LIMIT {int(limit)})" if limit else ")")
        # the keys of each document's JSON object in order of appearance
        each = "json_each(d.meta::json) WITH ORDINALITY AS j(key, value, id)" if self.pg else "json_each(d.meta) j"
        sql = f"SELECT j.key FROM {docs} d, {each} GROUP BY j.key ORDER BY MIN(d.id), MIN(j.id)"
        return [r[0] for r in self._x(sql, params)]

    def coverage_by_kind(self) -> list[tuple[str, int, int, int]]:
        """(kind, documents, segments, segments with a positive coding) per document kind."""
        sql = (
            "SELECT d.kind, COUNT(DISTINCT d.id), COUNT(s.id), COUNT(DISTINCT CASE WHEN EXISTS ("
            f"SELECT 1 FROM codings c WHERE {self._COVERS} AND c.source IN {POSITIVE_SQL}) "
            "THEN s.id END) FROM documents d LEFT JOIN segments s ON s.document_id = d.id GROUP BY d.kind ORDER BY d.kind"
        )
        return [(r[0], r[1], r[2], r[3]) for r in self._x(sql)]

    def segment_spans(self, document_id: int, unit: str) -> list[tuple[int, int, int]]:
        """(segment id, start, end) of one unit's segments of a document, in order (no text)."""
        sql = "SELECT id, start, end FROM segments WHERE document_id = ? AND unit = ? ORDER BY idx"
        return [(r[0], r[1], r[2]) for r in self._x(sql, (document_id, unit))]

    def document_covers(self, document_id: int) -> dict[int, list[int]]:
        """`span_covers` for every coding of a document at once: coding id → segment ids in order.

        Two queries and a bisection per coding (a join per coding costs 0.15 ms on a long transcript).
        """
        from bisect import bisect_right

        units: dict[str, list[tuple[int, int, int]]] = {}
        unit_of: dict[int, tuple[str, int]] = {}
        for sid, unit, start, end in self._x(
            "SELECT id, unit, start, end FROM segments WHERE document_id = ? ORDER BY unit, idx", (document_id,)
        ):
            lst = units.setdefault(unit, [])
            unit_of[sid] = (unit, len(lst))
            lst.append((sid, start, end))
        ends = {u: [e for _, _, e in lst] for u, lst in units.items()}
        out: dict[int, list[int]] = {}
        for cid, anchor, start, end in self._x(
            "SELECT id, segment_id, start, end FROM codings WHERE document_id = ?", (document_id,)
        ):
            if anchor not in unit_of:
                continue
            unit, at = unit_of[anchor]
            lst = units[unit]
            hit = {at}
            i = bisect_right(ends[unit], start)  # the first segment that ends after the span starts
            while i < len(lst) and lst[i][1] < end:
                if lst[i][1] < lst[i][2]:  # an empty segment is covered only by codings anchored on it
                    hit.add(i)
                i += 1
            out[cid] = [lst[j][0] for j in sorted(hit)]
        return out

    def replace_codings(self, document_id: int, code_id: str, coder: str, rows: Sequence[Coding]) -> None:
        """Make (document, code, coder)'s codings exactly `rows`, ids included (undo in the workspace)."""
        self._x("DELETE FROM codings WHERE document_id = ? AND code_id = ? AND coder = ?",
                          (document_id, code_id, coder))
        for c in rows:
            self._x(
                "INSERT INTO codings (id, document_id, start, end, segment_id, code_id, coder, source, score, "
                "model_version, reason, memo, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (c.id, c.document_id, c.start, c.end, c.segment_id, c.code_id, c.coder, c.source, c.score,
                 c.model_version, c.reason, c.memo, c.created_at, c.updated_at),
            )
        if rows and self.pg:  # ids were given: the sequence must not hand them out again
            self._x("SELECT setval(pg_get_serial_sequence('codings', 'id'), GREATEST((SELECT MAX(id) FROM codings), "
                    "(SELECT last_value FROM codings_id_seq)))")

    def page_segments(
        self,
        kind: str | None = None,
        meta: dict[str, str] | None = None,
        sort_meta: str | None = None,
        descending: bool = False,
        codes: Sequence[str] | None = None,
        uncoded: bool = False,
        text: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[Segment]]:
        """One page of segments (document order, or by a metadata field) and how many match in all."""
        where, params = self._doc_filters(kind=kind, meta=meta)
        clauses = [where[len("WHERE "):]] if where else []
        positive = f"c.source IN {POSITIVE_SQL}"
        if codes:
            clauses.append(f"EXISTS (SELECT 1 FROM codings c WHERE {self._COVERS} AND {positive} "
                           f"AND c.code_id IN ({','.join('?' * len(codes))}))")
            params += list(codes)
        if uncoded:
            clauses.append(f"NOT EXISTS (SELECT 1 FROM codings c WHERE {self._COVERS} AND {positive})")
        if text:
            if self.pg:  # lower() folds å ä ö under an ICU collation (the default C collation does not)
                clauses.append('strpos(lower(substr(d.text, s.start + 1, s.end - s.start) COLLATE "und-x-icu"), ?) > 0')
                params.append(text.lower())
            else:
                self._raw.create_function("qc_casefold", 1, lambda t: (t or "").casefold(), deterministic=True)
                clauses.append("instr(qc_casefold(substr(d.text, s.start + 1, s.end - s.start)), ?) > 0")
                params.append(text.casefold())
        cond = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        base = "FROM segments s JOIN documents d ON d.id = s.document_id "
        plain = not (meta or codes or uncoded or text)  # only the kind and the finished imports
        match = None
        if meta and len(meta) == 1 and not (codes or uncoded or text):  # a filter on one field: index counts
            ((key, value),) = meta.items()
            match = self._meta_match(key, str(value))
        if sort_meta:
            if match:  # the sort's index walk asks of each document whether it matches: a seek, where
                # "d.id IN (…)" first lists every matching document (250,000: 60 ms a query)
                where, params = self._doc_filters(kind=kind)
                cond, binds = match
                clauses = [where[len("WHERE "):], f"EXISTS (SELECT 1 FROM document_meta m WHERE {cond} "
                           "AND m.document_id = d.id)"]
                params += binds
            total, page = self._page_by_meta(clauses, params, sort_meta, descending, offset, limit, kind,
                                             plain or match is not None, match)
            found = {s.id: s for s in self.iter_segments(ids=page)} if page else {}
            return total, [found[i] for i in page]
        if plain or match:
            total = self._count_segments_of(kind, match)
        else:
            total = int(self._x(f"SELECT COUNT(*) {base}{cond}", params).fetchone()[0])
        order = "s.document_id DESC, s.unit, s.idx" if descending else "s.document_id, s.unit, s.idx"
        rows = self._x(
            self._SEGMENT_SELECT + f"{cond} ORDER BY {order} LIMIT ? OFFSET ?", [*params, int(limit), int(offset)],
        ).fetchall()
        return total, [self._segment(r) for r in rows]

    def _not_of_kind(self, kind: str | None) -> tuple[str, list[str]]:
        """SQL for documents d of another kind than `kind` ('' for None), and its bind values; for
        survey answers the partial index's own condition (SQLite uses it only when written so)."""
        if kind is None:
            return "", []
        if kind == "survey":
            return "d." + schema.NOT_SURVEY, []
        return "d.kind <> ?", [kind]

    def _count_segments_of(self, kind: str | None, match: tuple[str, list[Any]] | None = None) -> int:
        """How many segments the documents of `kind` (None: any) of finished imports have; with `match`
        (a condition on document_meta m and its binds, `_meta_match`) only those of the documents
        with such a row.

        Counted as every segment (of the matching documents, from document_meta's index) less those
        of other kinds and of running imports: index counts (SQLite counts every segment from a small
        index; the others are usually few, each sought in the index), where joining each segment to
        its document costs about 0.4 µs a segment (1,000,000: 0.45 s).
        """
        cond, binds = match or ("", [])
        if match:
            n = self._count(f"SELECT COUNT(*) FROM document_meta m CROSS JOIN segments s WHERE {cond} "
                            "AND s.document_id = m.document_id", *binds)
            of = f"AND EXISTS (SELECT 1 FROM document_meta m WHERE {cond} AND m.document_id = d.id) "
        else:
            n, of = self._count("SELECT COUNT(*) FROM segments"), ""
        other, other_binds = self._not_of_kind(kind)
        if other:
            n -= self._count(f"SELECT COUNT(*) FROM documents d CROSS JOIN segments s WHERE {other} "
                             f"{of}AND s.document_id = d.id", *other_binds, *binds)
        running = [r[0] for r in self._x("SELECT id FROM imports WHERE status = 'running'")]
        for import_id in running:
            n -= self._count("SELECT COUNT(*) FROM documents d CROSS JOIN segments s WHERE d.import_id = ? "
                             + ("AND d.kind = ? " if kind else "") + f"{of}AND s.document_id = d.id",
                             import_id, *([kind] if kind else []), *binds)
        return n

    def _lack_field(self, key: str, kind: str | None) -> int:
        """How many documents of `kind` (None: any), running imports included, have no value for `key`."""
        docs = self._count("SELECT COUNT(*) FROM documents")
        rows = self._count("SELECT COUNT(*) FROM document_meta WHERE key = ?", key)
        other, binds = self._not_of_kind(kind)
        if other:
            docs -= self._count(f"SELECT COUNT(*) FROM documents d WHERE {other}", *binds)
            rows -= self._count(f"SELECT COUNT(*) FROM documents d CROSS JOIN document_meta m WHERE {other} "
                                "AND m.document_id = d.id AND m.key = ?", *binds, key)
        return docs - rows

    _DOWN_VALUES = 64  # see with_value_down

    def _page_by_meta(
        self, clauses: list[str], params: list[Any], key: str, descending: bool, offset: int, limit: int,
        kind: str | None = None, indexed: bool = False, match: tuple[str, list[Any]] | None = None,
    ) -> tuple[int, list[int]]:
        """How many segments match `clauses`, and the ids of one page of them by the metadata field
        `key` (ties and a missing field in document order; a missing field first, or last descending).

        `indexed`: `clauses` filter only by `kind` (None: any), finished imports and, with `match`
        (`_meta_match`'s condition on document_meta m), one metadata field, so the counts can be
        index counts. The order is the one json_extract (SQLite) or jsonb
        (PostgreSQL) gave: document_meta holds those values. Segments of documents with the field
        are an index walk over (key, value, document id); those without it come before them, or
        after them descending.

        A field with at most `_SORT_VALUES` distinct values (a district, a term, a role) is shown
        in the order a Swedish reader expects (`qualcode.core.ordering`: Å Ä Ö after Z, case
        aside, VT2016 before HT2016, Grupp 2 before Grupp 10), a value at a time: each value's
        segments in the index's order, skipped by a bounded count; an empty value and a missing
        field last, ascending and descending. Only a field with more values (free text, ids)
        keeps the order above.
        """
        where = " AND ".join(clauses)
        has = "SELECT 1 FROM document_meta m WHERE m.document_id = s.document_id AND m.key = ?"
        if indexed:
            total = self._count_segments_of(kind, match)
            if self._lack_field(key, kind) == 0:
                missing = 0
            else:  # the matching documents' segments less those of the documents with the field
                with_key: tuple[str, list[Any]] = ("m.key = ?", [key])
                if match:
                    cond, binds = match
                    with_key = (f"{cond} AND EXISTS (SELECT 1 FROM document_meta k WHERE k.document_id = "
                                "m.document_id AND k.key = ?)", [*binds, key])
                missing = total - self._count_segments_of(kind, with_key)
        else:
            total, missing = self._x(
                "SELECT COUNT(*), COUNT(*) - COUNT(m.document_id) FROM segments s JOIN documents d ON d.id = s.document_id "
                f"LEFT JOIN document_meta m ON m.document_id = s.document_id AND m.key = ? {'WHERE ' + where if where else ''}",
                [key, *params],
            ).fetchone()
        total, missing = int(total), int(missing)
        offset, limit = int(offset), int(limit)

        def without(skip: int, n: int) -> list[int]:
            if n <= 0:
                return []
            sql = (f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE NOT EXISTS ({has})"
                   f"{' AND ' + where if where else ''} ORDER BY s.document_id, s.unit, s.idx LIMIT ? OFFSET ?")
            return [r[0] for r in self._x(sql, [key, *params, n, skip])]

        # CROSS JOIN: SQLite keeps this join order (the index walk outermost) and reads only the
        # first skip + n; PostgreSQL plans it as an inner join.
        walk = ("FROM document_meta m CROSS JOIN documents d CROSS JOIN segments s WHERE m.key = ? {value}"
                f"AND d.id = m.document_id AND s.document_id = m.document_id{' AND ' + where if where else ''} ")

        def with_value(skip: int, n: int) -> list[int]:
            if n <= 0:
                return []
            if descending and not self.pg:
                return with_value_down(skip, n)
            sql = ("SELECT s.id " + walk.format(value="") + f"ORDER BY m.value {'DESC' if descending else ''}, "
                   "m.document_id, s.unit, s.idx LIMIT ? OFFSET ?")
            return [r[0] for r in self._x(sql, [key, *params, n, skip])]

        def with_value_down(skip: int, n: int) -> list[int]:
            # Descending, SQLite walks the index backwards and sorts each value's segments into
            # document order (1,000,000 answers, 7 values: 320-490 ms a page). Instead: one value at
            # a time from the largest (each an index seek), its segments in index order, skipped by
            # a bounded count; after _DOWN_VALUES values (many small ones, where SQLite's sort is
            # cheap) the rest in one query below the last value.
            rows: list[int] = []
            below: Any = None
            for _step in range(self._DOWN_VALUES):
                bound = "" if below is None else "AND value < ? "
                top = self._x(f"SELECT MAX(value) FROM document_meta WHERE key = ? {bound}",
                              [key] if below is None else [key, below]).fetchone()[0]
                if top is None:
                    return rows
                below = top
                group = walk.format(value="AND m.value = ? ")
                if skip:
                    seen = self._count(f"SELECT COUNT(*) FROM (SELECT 1 {group}LIMIT ?)", key, top, *params, skip)
                    if seen < skip:
                        skip -= seen
                        continue
                got = [r[0] for r in self._x(f"SELECT s.id {group}ORDER BY m.document_id, s.unit, s.idx LIMIT ? OFFSET ?",
                                             [key, top, *params, n - len(rows), skip])]
                rows += got
                skip = 0
                if len(rows) == n:
                    return rows
            sql = ("SELECT s.id " + walk.format(value="AND m.value < ? ") +
                   "ORDER BY m.value DESC, m.document_id, s.unit, s.idx LIMIT ? OFFSET ?")
            return rows + [r[0] for r in self._x(sql, [key, below, *params, n - len(rows), skip])]

        values = self.meta_values(key)
        if values is not None:  # the reader's order, a value at a time; a missing field last either way
            ordered = reader_order(key, values, descending)
            cast = "CAST(? AS jsonb)" if self.pg else "?"
            group = walk.format(value=f"AND m.value = {cast} ")

            def in_order(skip: int, n: int) -> list[int]:
                rows: list[int] = []
                for value in ordered:
                    if n <= len(rows):
                        break
                    bound = json.dumps(value, ensure_ascii=False) if self.pg else value
                    if skip:
                        seen = self._count(f"SELECT COUNT(*) FROM (SELECT 1 {group}LIMIT ?) x", key, bound, *params, skip)
                        if seen < skip:
                            skip -= seen
                            continue
                    rows += [r[0] for r in self._x(f"SELECT s.id {group}ORDER BY m.document_id, s.unit, s.idx LIMIT ? OFFSET ?",
                                                   [key, bound, *params, n - len(rows), skip])]
                    skip = 0
                return rows

            first, second, n_first = in_order, without, total - missing
        else:
            first, second = (with_value, without) if descending else (without, with_value)
            n_first = total - missing if descending else missing
        page = first(offset, min(limit, n_first - offset))
        page += second(max(0, offset - n_first), limit - len(page))
        return total, page

    _SORT_VALUES = 300  # see _page_by_meta: a field with more values is sorted in the index's order

    def meta_values(self, key: str, most: int | None = None) -> list[Any] | None:
        """The distinct values of metadata field `key` (document_meta's, any document), in the
        index's order, one index seek each; None when there are more than `most` (default
        `_SORT_VALUES`)."""
        most = self._SORT_VALUES if most is None else most
        rows = self._x(
            "WITH RECURSIVE v(x) AS (SELECT (SELECT value FROM document_meta WHERE key = ? ORDER BY value LIMIT 1) "
            "UNION ALL SELECT (SELECT value FROM document_meta WHERE key = ? AND value > v.x ORDER BY value LIMIT 1) "
            "FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL LIMIT ?",
            [key, key, most + 1],
        ).fetchall()
        return None if len(rows) > most else [r[0] for r in rows]

    def codings_for_segments(self, segment_ids: Sequence[int]) -> list[Coding]:
        """Every coding of the given segments (any coder, any source)."""
        rows = [self._coding(r) for r in self._rows_where_in("SELECT * FROM codings", "segment_id", segment_ids)]  # type: ignore[arg-type]
        return sorted(rows, key=lambda c: (c.segment_id, c.code_id, c.coder))

    # -- statistics --------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        q = self._x
        return {
            "documents": int(q(f"SELECT COUNT(*) FROM documents d WHERE {self._finished}").fetchone()[0]),
            "segments": int(q(
                f"SELECT COUNT(*) FROM segments s JOIN documents d ON d.id = s.document_id WHERE {self._finished}"
            ).fetchone()[0]),
            "codes": int(q("SELECT COUNT(*) FROM codes").fetchone()[0]),
            "codings": int(q(f"SELECT COUNT(*) FROM codings WHERE source IN {POSITIVE_SQL}").fetchone()[0]),
            "suggestions": int(q("SELECT COUNT(*) FROM codings WHERE source = 'suggested'").fetchone()[0]),
            "rejected": int(q("SELECT COUNT(*) FROM codings WHERE source = 'rejected'").fetchone()[0]),
        }

    # -- documents' kinds and metadata in one pass (a command's counts read them once) ----

    def document_kinds_meta(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """(id, kind, metadata) of every document, in id order: `document_meta` for all kinds at once."""
        where, params = self._doc_filters()
        for r in self._x(f"SELECT d.id, d.kind, d.meta FROM documents d {where} ORDER BY d.id", params):
            yield r[0], r[1], json.loads(r[2])

    # -- suggestions in batches (suggest run streams and commits per batch) -------------

    def select_segment_ids(
        self,
        unit: str | None = None,
        document: str | int | None = None,
        meta: dict[str, str] | None = None,
        kind: str | None = None,
        uncoded: bool = False,
    ) -> Iterator[int]:
        """Ids of the segments `iter_segments` gives for these filters, in the same order, without reading them."""
        where, params = self._doc_filters(kind=kind, meta=meta, document=document)
        clauses = [where[len("WHERE "):]] if where else []
        if unit:
            clauses.append("s.unit = ?")
            params.append(unit)
        if uncoded:
            clauses.append(f"NOT EXISTS (SELECT 1 FROM codings c WHERE {self._COVERS} AND c.source IN {POSITIVE_SQL})")
        sql = ("SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id "
               + ("WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY s.document_id, s.unit, s.idx")
        for (i,) in self._x(sql, params):
            yield int(i)

    def segments_to_score(self, segment_ids: Sequence[int]) -> list[Segment]:
        """The segments with these ids (document order): text, stored lemmas and structure, but no
        document name or metadata (`meta` is empty), which scoring does not read."""
        if not segment_ids:
            return []
        rows = self._x(
            "SELECT s.id, s.document_id, s.unit, s.idx, s.start, s.end, s.lemmas, s.role, s.section, "
            "substr(d.text, s.start + 1, s.end - s.start) AS text FROM segments s "
            f"JOIN documents d ON d.id = s.document_id WHERE s.id IN ({','.join('?' * len(segment_ids))}) "
            "ORDER BY s.document_id, s.unit, s.idx", list(segment_ids),
        )
        return [Segment(id=i, document_id=d, unit=u, idx=x, start=a, end=b, text=t, lemmas=lem, role=r, section=sec)
                for i, d, u, x, a, b, lem, r, sec, t in rows]

    def decided_codes(self, segment_ids: Sequence[int]) -> dict[int, set[str]]:
        """Codes with a manual, accepted or rejected coding covering each segment (as `iter_coded_segments`)."""
        if not segment_ids:
            return {}
        out: dict[int, set[str]] = {}
        sql = (
            "SELECT s.id, c.code_id FROM segments s JOIN codings c ON c.document_id = s.document_id "
            "JOIN segments a ON a.id = c.segment_id AND a.unit = s.unit "
            f"WHERE s.id IN ({','.join('?' * len(segment_ids))}) AND c.source IN " + DECIDED_SQL + " "
            "AND (s.id = c.segment_id OR (c.start < s.end AND s.start < c.end AND " + _ENOUGH.format(s="s") + "))"
        )
        for seg, code in self._x(sql, segment_ids):
            out.setdefault(int(seg), set()).add(str(code))
        return out

    def add_suggestions(self, coder: str, rows: Iterable[tuple[int, str, float, str, str]]) -> int:
        """Store (segment id, code, score, model version, reason) as open suggestions on whole segments.

        A (segment, code) the coder already has a coding of, a repeated one, or a segment that is
        gone is skipped. Returns the number stored.
        """
        rows = list(rows)
        if not rows:
            return 0
        # Two reads for the batch (the segments' places, the coder's codings on them) and plain
        # inserts: an INSERT ... SELECT per row, with its own two seeks, took a third longer
        # (1,400,000 suggestions at 1,000,000 answers).
        places: dict[int, tuple[int, int, int]] = {}
        held: set[tuple[int, str]] = set()
        for chunk in _fixed_chunks(sorted({r[0] for r in rows})):
            marks = ",".join("?" * len(chunk))
            for i, doc, a, b in self._x(f"SELECT id, document_id, start, end FROM segments WHERE id IN ({marks})", chunk):
                places[int(i)] = (int(doc), int(a), int(b))
            # the coder is compared here: in the statement the planner walks the coder index instead,
            # every suggestion of the model for each chunk (as in delete_suggestions)
            held.update((int(seg), str(code)) for seg, code, who in self._x(
                f"SELECT segment_id, code_id, coder FROM codings WHERE segment_id IN ({marks})", chunk) if who == coder)
        ts = now()
        params = []
        for seg, code, score, version, reason in rows:
            place = places.get(seg)
            if place is None or (seg, code) in held:
                continue
            held.add((seg, code))
            params.append((*place, seg, code, coder, score, version, reason, ts, ts))
        self._many(
            "INSERT INTO codings (document_id, start, end, segment_id, code_id, coder, source, score, model_version, "
            "reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'suggested', ?, ?, ?, ?, ?)", params,
        )
        return len(params)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def _open_error(exc: DBAPIError, url: URL, path: Path | None) -> StoreError:
    """One line for a database that cannot be opened: the SQLite file is damaged, the server is not there."""
    if path is None:
        kind = _kind(exc)
        if kind == "connect":
            where = f"{url.host or 'localhost'}:{url.port or 5432}"
            return StoreError(
                _("could not connect to PostgreSQL at {where} ({first_line}) — start the server or check the address").format(where=where, first_line=_first_line(exc)),
                value=display_url(url),
            )
        return StoreError(_("could not open the database '{display_url}' ({first_line})").format(display_url=display_url(url), first_line=_first_line(exc)), value=display_url(url))
    if _kind(exc) in ("locked", "full", "readonly"):
        return write_error(exc, str(path.parent), path, None)
    return StoreError(
        _("could not open '{path}' as an SQLite database ({first_line}) — is the file damaged? Restore it from a backup").format(path=path, first_line=_first_line(exc))
    )


# PostgreSQL error classes (SQLSTATE) that mean the same as SQLite's busy / full / read-only.
_PG_KINDS = {
    "55P03": "locked", "40P01": "locked", "40001": "locked",  # lock_not_available, deadlock, serialization
    "53100": "full", "53000": "full",  # disk_full, insufficient_resources
    "25006": "readonly", "42501": "readonly",  # read_only_sql_transaction, insufficient_privilege
}


def _kind(exc: BaseException) -> str:
    """What an engine error means: locked, full, readonly, connect (PostgreSQL unreachable) or other."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        name = getattr(orig, "sqlite_errorname", "") or ""
        text = str(orig).lower()
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
            return "locked"
        if name.startswith("SQLITE_FULL") or "disk is full" in text or "disk full" in text:
            return "full"
        if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
            return "readonly"
        return "other"
    state = getattr(orig, "sqlstate", None) or ""
    if state in _PG_KINDS:
        return _PG_KINDS[state]
    if state.startswith("08") or (not state and type(orig).__name__ == "OperationalError"):
        return "connect"
    return "other"


def write_error(exc: BaseException, where: str, path: Path | None, store: Store | None) -> StoreError:
    """One true line for a failed write: who holds the lock, a full disk, a read-only project.

    `where` names the project (its folder, or the database URL), `path` the SQLite file (None on PostgreSQL).
    """
    kind = _kind(exc)
    db = str(path) if path is not None else where
    if kind == "locked":
        holders = store.holders() if store is not None else []
        who = ", ".join(holders) if holders else "en annan qualcode-process eller ett annat program"
        return StoreError(
            _("the project '{where}' is locked: {who} is writing in it — nothing was saved").format(where=where, who=who),
            value=holders, hint=Hint(_("try again when the other write is done")),
        )
    if kind == "full":
        return StoreError(
            _("the disk is full: could not write in '{db}' — nothing was saved").format(db=db),
            hint=Hint(_("free space on the disk and try again")),
        )
    if kind == "readonly" and path is not None:
        return StoreError(
            _("the project '{where}' is read-only: qualcode.db or the folder cannot be written (qualcode needs write access even to read) — nothing was saved").format(where=where),
            hint=Hint(_("give write access to the folder and qualcode.db, or work in a copy of the project")),
        )
    if kind == "readonly":
        return StoreError(
            _("the database '{where}' cannot be written by this user ({first_line}) — nothing was saved").format(where=where, first_line=_first_line(exc)),
            hint=Hint(_("ask the database's owner for write access, or work in a copy of the project")),
        )
    if kind == "connect":
        return StoreError(_("lost the connection to the database '{where}' ({first_line}) — nothing was saved").format(where=where, first_line=_first_line(exc)),
                          hint=Hint(_("check that the server is running and try again")))
    return StoreError(_("could not write in '{db}' ({first_line}) — nothing was saved").format(db=db, first_line=_first_line(exc)))


def _import_alive(pid: int | None, host: str | None, updated_at: str | None) -> bool:
    """Whether the process of a running import still runs (same host), or wrote lately (other host)."""
    if host == socket.gethostname() and pid:
        if pid == os.getpid():
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        age = (datetime.now(timezone.utc) - datetime.fromisoformat(str(updated_at))).total_seconds()
    except ValueError:
        return False
    return age < STALE_IMPORT_SECONDS
