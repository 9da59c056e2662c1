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

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, CheckConstraint("kind IN ('note', 'survey')"), nullable=False),
    Column("source", Text, nullable=False, server_default=text("''")),
    Column("text", Text, nullable=False),
    Column("content_hash", Text, nullable=False, unique=True),
    Column("meta", Text, nullable=False, server_default=_EMPTY),
    Column("import_id", Integer, ForeignKey("imports.id")),
    Column("created_at", Text, nullable=False),
    Index("documents_name", "name"),
    Index("documents_source", "source"),
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
    PrimaryKeyConstraint("segment_id", "flagged_by"),
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

# Tables in an order that respects foreign keys (parents first): what `db copy` writes in.
TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)

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
