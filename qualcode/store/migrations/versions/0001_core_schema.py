"""core schema

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SOURCES = "source IN ('manual', 'suggested', 'accepted', 'rejected')"
_TRIGGERS = {
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


def upgrade() -> None:
    empty = sa.text("'{}'")
    op.create_table(
        "project_info",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "codes",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("parent_id", sa.Text,
                  sa.ForeignKey("codes.id", onupdate="CASCADE", deferrable=True, initially="DEFERRED")),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False, server_default=empty),
        sa.Column("n_documents", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, sa.CheckConstraint("kind IN ('note', 'survey')"), nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False, unique=True),
        sa.Column("meta", sa.Text, nullable=False, server_default=empty),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit", sa.Text, sa.CheckConstraint("unit IN ('paragraph', 'sentence', 'response')"),
                  nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("lemmas", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.CheckConstraint('"end" >= start'),
        sa.UniqueConstraint("document_id", "unit", "idx"),
    )
    op.create_index("segments_unit", "segments", ["unit"])
    op.create_table(
        "codings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_id", sa.Text, sa.ForeignKey("codes.id", onupdate="CASCADE"), nullable=False),
        sa.Column("coder", sa.Text, nullable=False),
        sa.Column("source", sa.Text, sa.CheckConstraint(_SOURCES), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("model_version", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("memo", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.UniqueConstraint("segment_id", "code_id", "coder"),
    )
    op.create_index("codings_code", "codings", ["code_id"])
    op.create_index("codings_segment", "codings", ["segment_id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("coding_id", sa.Integer),
        sa.Column("segment_id", sa.Integer),
        sa.Column("code_id", sa.Text),
        sa.Column("detail", sa.Text, nullable=False, server_default=empty),
    )
    for statement in _TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.create_table(
        "quotes",
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("flagged_by", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "models",
        sa.Column("version", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("codebook_hash", sa.Text, nullable=False),
        sa.Column("trained_on", sa.Text, nullable=False, server_default=empty),
        sa.Column("metrics", sa.Text, nullable=False, server_default=empty),
        sa.Column("blob", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "tag_state",
        sa.Column("coder", sa.Text, nullable=False),
        sa.Column("session", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False, server_default=empty),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("coder", "session"),
    )
