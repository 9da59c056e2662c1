"""The project database as qualcode wrote it before SQLAlchemy and Alembic: a frozen copy.

The one place where copied DDL is legitimate: it IS the old format. Tests build a database the
way the old code did (numbered migrations recorded in `schema_migrations`) and check that
today's store stamps and upgrades it without loss.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "core schema",
        """
        CREATE TABLE project_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE codes (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            parent_id TEXT REFERENCES codes(id) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
            kind TEXT NOT NULL,
            position INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',
            n_documents INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('note', 'survey')),
            source TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            meta TEXT NOT NULL DEFAULT '{}',
            import_id INTEGER REFERENCES imports(id),
            created_at TEXT NOT NULL
        );
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            unit TEXT NOT NULL CHECK (unit IN ('paragraph', 'sentence', 'response')),
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL CHECK (end >= start),
            lemmas TEXT NOT NULL DEFAULT '',
            UNIQUE (document_id, unit, idx)
        );
        CREATE INDEX segments_unit ON segments (unit);
        CREATE TABLE codings (
            id INTEGER PRIMARY KEY,
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code_id TEXT NOT NULL REFERENCES codes(id) ON UPDATE CASCADE,
            coder TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('manual', 'suggested', 'accepted', 'rejected')),
            score REAL,
            model_version TEXT,
            reason TEXT,
            memo TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (segment_id, code_id, coder)
        );
        CREATE INDEX codings_code ON codings (code_id);
        CREATE INDEX codings_segment ON codings (segment_id);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            coding_id INTEGER,
            segment_id INTEGER,
            code_id TEXT,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TABLE quotes (
            segment_id INTEGER PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
            flagged_by TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE models (
            version TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            codebook_hash TEXT NOT NULL,
            trained_on TEXT NOT NULL DEFAULT '{}',
            metrics TEXT NOT NULL DEFAULT '{}',
            blob BLOB NOT NULL
        );
        CREATE TABLE tag_state (
            coder TEXT NOT NULL,
            session TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (coder, session)
        );
        """,
    ),
    (
        2,
        "coder reviews and shared samples",
        """
        CREATE TABLE reviews (
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            coder TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (segment_id, coder)
        );
        CREATE INDEX reviews_coder ON reviews (coder);
        CREATE TABLE samples (
            name TEXT PRIMARY KEY,
            seed INTEGER NOT NULL,
            n INTEGER NOT NULL,
            spec TEXT NOT NULL DEFAULT '{}',
            segment_ids TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        3,
        "key quote flags per coder",
        """
        CREATE TABLE quotes_by_coder (
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            flagged_by TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (segment_id, flagged_by)
        );
        INSERT INTO quotes_by_coder (segment_id, flagged_by, note, created_at)
            SELECT segment_id, flagged_by, note, created_at FROM quotes;
        DROP TABLE quotes;
        ALTER TABLE quotes_by_coder RENAME TO quotes;
        """,
    ),
    (
        4,
        "codings cover a span of their document",
        # A coding is (document, start, end) in code points, end exclusive; segment_id is the
        # anchor segment (the first it overlaps). Segment codings keep their segment's span.
        """
        CREATE TABLE codings_spans (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL CHECK (end >= start),
            segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code_id TEXT NOT NULL REFERENCES codes(id) ON UPDATE CASCADE,
            coder TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('manual', 'suggested', 'accepted', 'rejected')),
            score REAL,
            model_version TEXT,
            reason TEXT,
            memo TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        INSERT INTO codings_spans (id, document_id, start, end, segment_id, code_id, coder, source, score,
                model_version, reason, memo, created_at, updated_at)
            SELECT c.id, s.document_id, s.start, s.end, c.segment_id, c.code_id, c.coder, c.source, c.score,
                c.model_version, c.reason, c.memo, c.created_at, c.updated_at
            FROM codings c JOIN segments s ON s.id = c.segment_id;
        DROP TABLE codings;
        ALTER TABLE codings_spans RENAME TO codings;
        CREATE INDEX codings_code ON codings (code_id);
        CREATE INDEX codings_segment ON codings (segment_id, code_id, coder);
        CREATE INDEX codings_document ON codings (document_id, code_id, coder, start);
        """,
    ),
    (
        5,
        "imports committed in batches: status and holder",
        """
        ALTER TABLE imports ADD COLUMN status TEXT NOT NULL DEFAULT 'complete';
        ALTER TABLE imports ADD COLUMN pid INTEGER;
        ALTER TABLE imports ADD COLUMN host TEXT;
        ALTER TABLE imports ADD COLUMN updated_at TEXT;
        """,
    ),
    (
        6,
        "codings kept for review when their text vanished from a replaced document",
        # Never dropped silently: a coding (or key-quote flag) whose text is gone after a document
        # was replaced is kept here with its old text until she codes it again or lets it go.
        """
        CREATE TABLE detached_codings (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            code_id TEXT,
            coder TEXT NOT NULL,
            source TEXT NOT NULL,
            memo TEXT,
            key_quote INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX detached_document ON detached_codings (document_id);
        """,
    ),
    (
        7,
        "a span's minimum overlap with the segments it counts for",
        # NULL: every segment it overlaps; n: only those it shares at least min(n, segment
        # length, span length) characters with (a REFI-QDA selection that just touches a paragraph).
        """
        ALTER TABLE codings ADD COLUMN min_overlap INTEGER;
        """,
    ),
    (
        8,
        "document structure: a segment's role (heading, prompt) and the section it stands under",
        """
        ALTER TABLE segments ADD COLUMN role TEXT;
        ALTER TABLE segments ADD COLUMN section TEXT;
        """,
    ),
    (
        9,
        "survey respondents whatever their free-text cells hold",
        # The base of a questionnaire table is its respondents, not its non-empty answers.
        """
        CREATE TABLE respondents (
            survey TEXT NOT NULL,
            respondent TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            text_columns TEXT NOT NULL DEFAULT '[]',
            import_id INTEGER REFERENCES imports(id) ON DELETE CASCADE,
            PRIMARY KEY (survey, respondent)
        );
        """,
    ),
    (
        10,
        "codings by coder: what a coder has judged (qualcode tag's next segment)",
        # Store.reviewed(coder) reads `codings WHERE coder = ? AND source IN (...)` at every step
        # of a tagging session; without this index that is a scan of every coding.
        """
        CREATE INDEX codings_coder ON codings (coder, source);
        """,
    ),
    (
        11,
        "documents by name and source path (the re-import check runs once per imported document)",
        # Store.documents_like looks a document up by name or source at every import; without these
        # indexes each look-up scans every document and an import grows quadratically with the project.
        """
        CREATE INDEX documents_name ON documents (name);
        CREATE INDEX documents_source ON documents (source);
        """,
    ),
    (
        12,
        "accounts and web sessions",
        # `qualcode serve --team`: who may sign in (argon2 hashes only) and the open browser sessions,
        # each keyed by a hash of its cookie value (the cookie itself is never stored).
        """
        CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('admin', 'coder', 'reader')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled BOOLEAN NOT NULL DEFAULT FALSE
        );
        CREATE TABLE web_sessions (
            token_hash TEXT PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX web_sessions_account ON web_sessions (account);
        """,
    ),
]



def split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN … END;) whole."""
    statements: list[str] = []
    buf: list[str] = []
    in_trigger = False
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        buf.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            in_trigger = True
        if in_trigger:
            if upper.endswith("END;"):
                statements.append("\n".join(buf))
                buf, in_trigger = [], False
        elif stripped.endswith(";"):
            statements.append("\n".join(buf))
            buf = []
    if buf:
        statements.append("\n".join(buf))
    return statements


def make_legacy_db(path: Path, upto: int = 11) -> sqlite3.Connection:
    """A SQLite project database at old schema version `upto`, made as the old store made it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    for version, name, sql in MIGRATIONS:
        if version > upto:
            break
        conn.execute("BEGIN IMMEDIATE")
        for statement in split_sql(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2025-01-01T00:00:00+00:00')", (version, name))
        conn.execute("COMMIT")
    return conn
