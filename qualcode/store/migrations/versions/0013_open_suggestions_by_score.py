"""open suggestions by code, model and score (the next uncertain suggestion without reading them all)

The browser's "next uncertain suggestion" read every open suggestion (1,000,000 at scale) to find
the one closest to its code's threshold. The coder index gets the code, the model version and the
score after (coder, source), so the nearest suggestion of each code and model is an index seek.
The old index is a prefix of the new one and goes.

Revision ID: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("codings_coder", table_name="codings")
    op.create_index("codings_coder_code", "codings", ["coder", "source", "code_id", "model_version", "score"])
