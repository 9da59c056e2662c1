"""documents by name and source path (the re-import check runs once per imported document)

Store.documents_like looks a document up by name or source at every import; without these
indexes each look-up scans every document and an import grows quadratically with the project.

Revision ID: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("documents_name", "documents", ["name"])
    op.create_index("documents_source", "documents", ["source"])
