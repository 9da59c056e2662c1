"""key quote flags per code: a flag belongs to one coding (segment, coder, code), not to each of the coder's

Revision ID: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table rebuild (the primary key changes), as 0003 did. The flags kept get code '': each of that
    # coder's codings on the segment, as they read before.
    op.create_table(
        "quotes_by_code",
        sa.Column("segment_id", sa.Integer, sa.ForeignKey("segments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("flagged_by", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("code_id", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.PrimaryKeyConstraint("segment_id", "flagged_by", "code_id"),
    )
    op.execute(
        "INSERT INTO quotes_by_code (segment_id, flagged_by, note, created_at, code_id) "
        "SELECT segment_id, flagged_by, note, created_at, '' FROM quotes"
    )
    op.drop_table("quotes")
    op.rename_table("quotes_by_code", "quotes")
    if op.get_bind().dialect.name == "postgresql":  # constraint names follow the table's
        op.execute("ALTER TABLE quotes RENAME CONSTRAINT quotes_by_code_pkey TO quotes_pkey")

