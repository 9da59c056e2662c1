"""content hashes of 32 hex digits: sha256's first 128 bits, not all 256

Revision ID: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The hashes a new import computes (qualcode.ingest.prepare.HASH_CHARS) are the first 32 digits of
    # the ones stored before: cut to them, a stored document is found again by its content. The unique
    # index stays (distinct 256-bit hashes with the same first 128 bits are not to be expected).
    op.execute("UPDATE documents SET content_hash = substr(content_hash, 1, 32) WHERE length(content_hash) > 32")
