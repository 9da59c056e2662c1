"""imports committed in batches: status and holder

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'complete'")))
    op.add_column("imports", sa.Column("pid", sa.Integer))
    op.add_column("imports", sa.Column("host", sa.Text))
    op.add_column("imports", sa.Column("updated_at", sa.Text))
