"""a span's minimum overlap with the segments it counts for

NULL: every segment it overlaps; n: only those it shares at least min(n, segment length, span
length) characters with (a REFI-QDA selection that just touches a paragraph).

Revision ID: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("codings", sa.Column("min_overlap", sa.Integer))
