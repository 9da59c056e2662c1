"""codings cover a span of their document

A coding is (document, start, end) in code points, end exclusive; segment_id is the anchor
segment (the first it overlaps). Segment codings keep their segment's span.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codings_spans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_id", sa.Text, sa.ForeignKey("codes.id", onupdate="CASCADE"), nullable=False),
        sa.Column("coder", sa.Text, nullable=False),
        sa.Column("source", sa.Text, sa.CheckConstraint("source IN ('manual', 'suggested', 'accepted', 'rejected')"),
                  nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("model_version", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("memo", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.CheckConstraint('"end" >= start'),
    )
    op.execute(
        'INSERT INTO codings_spans (id, document_id, start, "end", segment_id, code_id, coder, source, score, '
        "model_version, reason, memo, created_at, updated_at) "
        'SELECT c.id, s.document_id, s.start, s."end", c.segment_id, c.code_id, c.coder, c.source, c.score, '
        "c.model_version, c.reason, c.memo, c.created_at, c.updated_at "
        "FROM codings c JOIN segments s ON s.id = c.segment_id"
    )
    op.drop_table("codings")
    op.rename_table("codings_spans", "codings")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE codings RENAME CONSTRAINT codings_spans_pkey TO codings_pkey")
        op.execute("ALTER SEQUENCE codings_spans_id_seq RENAME TO codings_id_seq")
        # the ids were copied: new codings continue after the highest
        op.execute("SELECT setval('codings_id_seq', COALESCE((SELECT MAX(id) FROM codings), 0) + 1, false)")
    op.create_index("codings_code", "codings", ["code_id"])
    op.create_index("codings_segment", "codings", ["segment_id", "code_id", "coder"])
    op.create_index("codings_document", "codings", ["document_id", "code_id", "coder", "start"])
