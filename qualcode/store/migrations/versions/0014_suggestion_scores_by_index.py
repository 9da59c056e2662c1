"""the uncertain queue's scores from the coder index alone (segment id appended to it)

`qualcode tag --order uncertain` reads (segment, code, model, score) of every open suggestion
(1,000,000 at scale). Index codings_coder_code (0013) holds all but the segment id, so each row was
a lookup in the table; with the segment id appended the read is the index alone. The index keeps
its name and its use as a prefix (a coder's codings of a source; the nearest score of a group).

Revision ID: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("codings_coder_code", table_name="codings")
    op.create_index("codings_coder_code", "codings", ["coder", "source", "code_id", "model_version", "score", "segment_id"])
