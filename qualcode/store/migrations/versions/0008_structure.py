"""document structure: a segment's role (heading, prompt) and the section it stands under

Revision ID: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("segments", sa.Column("role", sa.Text))
    op.add_column("segments", sa.Column("section", sa.Text))
