"""codings by coder: what a coder has judged (qualcode tag's next segment)

Store.reviewed(coder) reads `codings WHERE coder = ? AND source IN (...)` at every step of a
tagging session; without this index that is a scan of every coding.

Revision ID: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("codings_coder", "codings", ["coder", "source"])
