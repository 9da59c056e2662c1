"""The head schema as SQLAlchemy tables: what the Alembic migrations build, on either engine.

A new database is created from this metadata (and stamped at HEAD); an existing one is brought
here by the revisions in `qualcode/store/migrations/versions/`. A test checks that the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

_EMPTY = text("'{}'")

project_info = Table(
    "project_info", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

codes = Table(
    "codes", metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("parent_id", Text, ForeignKey("codes.id", onupdate="CASCADE", deferrable=True, initially="DEFERRED")),
    Column("kind", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("data", Text, nullable=False),
)

imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("options", Text, nullable=False, server_default=_EMPTY),
    Column("n_documents", Integer, nullable=False, server_default=text("0")),
    Column("created_at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'complete'")),
    Column("pid", Integer),
    Column("host", Text),
    Column("updated_at", Text),
)

DOCUMENT_KINDS = ("note", "survey")
NOT_SURVEY = "kind <> 'survey'"  # the condition of the partial index documents_not_survey, word for word

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, CheckConstraint(f"kind IN ({', '.join(repr(k) for k in DOCUMENT_KINDS)})"), nullable=False),
    Column("source", Text, nullable=False, server_default=text("''")),
    Column("text", Text, nullable=False),
    Column("content_hash", Text, nullable=False, unique=True),
    Column("meta", Text, nullable=False, server_default=_EMPTY),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Column("created_at", Text, nullable=False),
    Index("documents_name", "name"),
    Index("documents_source", "source"),
    # (0015) the documents of an import (a running one is left out of counts; discarding one), and
    # the documents that are not survey answers, usually few beside them: the survey grid counts
    # every segment less theirs (a partial index, so the planner never walks it for a kind = filter)
    Index("documents_import", "import_id"),
    Index("documents_not_survey", "kind", sqlite_where=text(NOT_SURVEY), postgresql_where=text(NOT_SURVEY)),
)

# Each document's metadata values, one row per field: the survey grid's sort key (an index seek
# instead of parsing every document's JSON). Derived from documents.meta by triggers (DOCUMENT_META_TRIGGERS)
# on every insert, change and delete, so no write path can leave it behind; `db copy` leaves it out
# (the target's triggers fill it). The value is the one the sort compared before: on SQLite
# json_extract's (no type affinity, so numbers stay numbers and sort before text, text in code-point
# order; a JSON null is no row, as a missing field), on PostgreSQL jsonb (its order, strings by
# the database's collation). The sort index is unique over non-null columns (as it is: one row
# per document and key), so SQLite knows its walk gives each document once and takes the order
# of a document's segments from their own index instead of sorting.
document_meta = Table(
    "document_meta", metadata,
    Column("document_id", Integer, nullable=False),
    Column("key", Text, nullable=False),
    Column("value", LargeBinary().with_variant(JSONB(), "postgresql"), nullable=False),
    PrimaryKeyConstraint("document_id", "key"),
    Index("document_meta_sort", "key", "value", "document_id", unique=True),
    sqlite_with_rowid=False,
)

segments = Table(
    "segments", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("unit", Text, CheckConstraint("unit IN ('paragraph', 'sentence', 'response')"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("lemmas", Text, nullable=False, server_default=text("''")),
    Column("role", Text),
    Column("section", Text),
    CheckConstraint('"end" >= start'),
    UniqueConstraint("document_id", "unit", "idx"),
    Index("segments_unit", "unit"),
)

SOURCES_CHECK = "source IN ('manual', 'suggested', 'accepted', 'rejected')"

codings = Table(
    "codings", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("segment_id", Integer, ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
    Column("code_id", Text, ForeignKey("codes.id", onupdate="CASCADE"), nullable=False),
    Column("coder", Text, nullable=False),
    Column("source", Text, CheckConstraint(SOURCES_CHECK), nullable=False),
    Column("score", Float),
    Column("model_version", Text),
    Column("reason", Text),
    Column("memo", Text),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("min_overlap", Integer),
    CheckConstraint('"end" >= start'),
    Index("codings_code", "code_id"),
    Index("codings_segment", "segment_id", "code_id", "coder"),
    Index("codings_document", "document_id", "code_id", "coder", "start"),
    # a coder's codings of one source; the open suggestions of one code and model by score
    # (the browser's next uncertain suggestion seeks in it instead of reading every suggestion);
    # the segment id last, so that the uncertain queue reads its scores from the index alone
    Index("codings_coder_code", "coder", "source", "code_id", "model_version", "score", "segment_id"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("coding_id", Integer),
    Column("segment_id", Integer),
    Column("code_id", Text),
    Column("detail", Text, nullable=False, server_default=_EMPTY),
)

quotes = Table(
    "quotes", metadata,
    Column("segment_id", Integer, ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
    Column("flagged_by", Text, nullable=False),
    Column("note", Text),
    Column("created_at", Text, nullable=False),
    # the code of the flagged coding; '' flags the coder's every coding on the segment (flags before 0016)
    Column("code_id", Text, nullable=False, server_default=text("''")),
    PrimaryKeyConstraint("segment_id", "flagged_by", "code_id"),
)

models = Table(
    "models", metadata,
    Column("version", Text, primary_key=True),
    Column("created_at", Text, nullable=False),
    Column("codebook_hash", Text, nullable=False),
    Column("trained_on", Text, nullable=False, server_default=_EMPTY),
    Column("metrics", Text, nullable=False, server_default=_EMPTY),
    Column("blob", LargeBinary, nullable=False),
)

tag_state = Table(
    "tag_state", metadata,
    Column("coder", Text, nullable=False),
    Column("session", Text, nullable=False),
    Column("data", Text, nullable=False, server_default=_EMPTY),
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("coder", "session"),
)

reviews = Table(
    "reviews", metadata,
    Column("segment_id", Integer, ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
    Column("coder", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("segment_id", "coder"),
    Index("reviews_coder", "coder"),
)

samples = Table(
    "samples", metadata,
    Column("name", Text, primary_key=True),
    Column("seed", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Column("spec", Text, nullable=False, server_default=_EMPTY),
    Column("segment_ids", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

detached_codings = Table(
    "detached_codings", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("code_id", Text),
    Column("coder", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("memo", Text),
    Column("key_quote", Integer, nullable=False, server_default=text("0")),
    Column("text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("created_at", Text, nullable=False),
    Index("detached_document", "document_id"),
)

respondents = Table(
    "respondents", metadata,
    Column("survey", Text, nullable=False),
    Column("respondent", Text, nullable=False),
    Column("meta", Text, nullable=False, server_default=_EMPTY),
    Column("text_columns", Text, nullable=False, server_default=text("'[]'")),
    Column("import_id", Integer, ForeignKey("imports.id", ondelete="CASCADE")),
    PrimaryKeyConstraint("survey", "respondent"),
)

accounts = Table(
    "accounts", metadata,
    Column("name", Text, primary_key=True),
    Column("role", Text, CheckConstraint("role IN ('admin', 'coder', 'reader')"), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=text("FALSE")),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", Text, primary_key=True),
    Column("account", Text, ForeignKey("accounts.name", ondelete="CASCADE"), nullable=False),
    Column("csrf", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("last_seen", Text, nullable=False),
    Index("web_sessions_account", "account"),
)

# Tables derived from others by triggers: not copied, dumped or hashed (their source tables are).
DERIVED: frozenset[str] = frozenset({"document_meta"})

# Tables in an order that respects foreign keys (parents first): what `db copy` writes in.
TABLES: tuple[Table, ...] = tuple(t for t in metadata.sorted_tables if t.name not in DERIVED)

# The audit log is append-only on both engines (a trigger refuses UPDATE and DELETE).
AUDIT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    ),
    "postgresql": (
        "CREATE FUNCTION qualcode_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION qualcode_audit_append_only()",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION qualcode_audit_append_only()",
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION qualcode_audit_append_only()",
    ),
}

# document_meta follows documents.meta: the store fills it after inserting documents (one
# INSERT … SELECT per batch: a row trigger cost 25 µs an answer, the batch statement 5), and
# these triggers keep it on every change of the metadata and delete.
DOCUMENT_META_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE TRIGGER document_meta_update AFTER UPDATE OF id, meta ON documents BEGIN "
        "DELETE FROM document_meta WHERE document_id = OLD.id; "
        "INSERT INTO document_meta (document_id, key, value) SELECT NEW.id, j.key, j.value "
        "FROM json_each(NEW.meta) j WHERE j.type <> 'null'; END",
        "CREATE TRIGGER document_meta_delete AFTER DELETE ON documents BEGIN "
        "DELETE FROM document_meta WHERE document_id = OLD.id; END",
    ),
    "postgresql": (
        "CREATE FUNCTION qualcode_document_meta() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM document_meta WHERE document_id = OLD.id; "
        "IF TG_OP = 'UPDATE' THEN INSERT INTO document_meta (document_id, key, value) "
        "SELECT NEW.id, j.key, j.value FROM jsonb_each(NEW.meta::jsonb) j; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER document_meta_write AFTER DELETE OR UPDATE OF id, meta ON documents "
        "FOR EACH ROW EXECUTE FUNCTION qualcode_document_meta()",
    ),
}

# document_meta's rows for the documents d the condition {where} selects (a batch just inserted,
# or all of them in a migration or after `db copy`): what the sort compared before.
DOCUMENT_META_FILL: dict[str, str] = {
    "sqlite": "INSERT INTO document_meta (document_id, key, value) SELECT d.id, j.key, j.value "
              "FROM documents d, json_each(d.meta) j WHERE {where} AND j.type <> 'null'",
    "postgresql": "INSERT INTO document_meta (document_id, key, value) SELECT d.id, j.key, j.value "
                  "FROM documents d, jsonb_each(d.meta::jsonb) j WHERE {where}",
}
