"""survey respondents whatever their free-text cells hold

The base of a questionnaire table is its respondents, not its non-empty answers.

Revision ID: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "respondents",
        sa.Column("survey", sa.Text, nullable=False),
        sa.Column("respondent", sa.Text, nullable=False),
        sa.Column("meta", sa.Text, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("text_columns", sa.Text, nullable=False, server_default=sa.text("'[]'")),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", ondelete="CASCADE")),
        sa.PrimaryKeyConstraint("survey", "respondent"),
    )
