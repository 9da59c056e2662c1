"""coder reviews and shared samples

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("coder", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("segment_id", "coder"),
    )
    op.create_index("reviews_coder", "reviews", ["coder"])
    op.create_table(
        "samples",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("spec", sa.Text, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("segment_ids", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
