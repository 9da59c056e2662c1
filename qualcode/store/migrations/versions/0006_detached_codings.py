"""codings kept for review when their text vanished from a replaced document

Never dropped silently: a coding (or key-quote flag) whose text is gone after a document was
replaced is kept here with its old text until she codes it again or lets it go.

Revision ID: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detached_codings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_id", sa.Text),
        sa.Column("coder", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("memo", sa.Text),
        sa.Column("key_quote", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_index("detached_document", "detached_codings", ["document_id"])
