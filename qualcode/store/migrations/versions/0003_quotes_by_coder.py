"""key quote flags per coder

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table rebuild (the primary key changes): create, copy, drop, rename, as migration 3 did.
    op.create_table(
        "quotes_by_coder",
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("flagged_by", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("segment_id", "flagged_by"),
    )
    op.execute(
        "INSERT INTO quotes_by_coder (segment_id, flagged_by, note, created_at) "
        "SELECT segment_id, flagged_by, note, created_at FROM quotes"
    )
    op.drop_table("quotes")
    op.rename_table("quotes_by_coder", "quotes")
    if op.get_bind().dialect.name == "postgresql":  # constraint names follow the table's
        op.execute("ALTER TABLE quotes RENAME CONSTRAINT quotes_by_coder_pkey TO quotes_pkey")
