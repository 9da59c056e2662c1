"""each document's metadata values in a table of their own, kept by triggers (the grid's sort key)

The survey grid sorted by a metadata field parsed every answer's JSON to sort (1,000,000 answers:
a second a page). document_meta holds one row per (document, field) with the value the sort
compared (SQLite: json_extract's, no type affinity; PostgreSQL: jsonb), indexed by (key, value,
document id), so a page is an index walk. The store fills it as it inserts documents; triggers
keep it on every change of the metadata and delete. This revision creates them and fills the
table for the documents already stored. Two more indexes on documents let the grid count its
segments from indexes: by import (less a running import's) and a partial one of the documents
that are not survey answers.

Revision ID: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The store fills document_meta when it inserts documents (one statement per batch: a row
# trigger cost five times as much at import); triggers keep it on a change and a delete.
_FILL = {
    "sqlite": "INSERT INTO document_meta (document_id, key, value) SELECT d.id, j.key, j.value "
              "FROM documents d, json_each(d.meta) j WHERE j.type <> 'null'",
    "postgresql": "INSERT INTO document_meta (document_id, key, value) SELECT d.id, j.key, j.value "
                  "FROM documents d, jsonb_each(d.meta::jsonb) j",
}
_TRIGGERS = {
    "sqlite": (
        "CREATE TRIGGER document_meta_update AFTER UPDATE OF id, meta ON documents BEGIN "
        "DELETE FROM document_meta WHERE document_id = OLD.id; "
        "INSERT INTO document_meta (document_id, key, value) SELECT NEW.id, j.key, j.value "
        "FROM json_each(NEW.meta) j WHERE j.type <> 'null'; END",
        "CREATE TRIGGER document_meta_delete AFTER DELETE ON documents BEGIN "
        "DELETE FROM document_meta WHERE document_id = OLD.id; END",
    ),
    "postgresql": (
        "CREATE FUNCTION qualcode_document_meta() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM document_meta WHERE document_id = OLD.id; "
        "IF TG_OP = 'UPDATE' THEN INSERT INTO document_meta (document_id, key, value) "
        "SELECT NEW.id, j.key, j.value FROM jsonb_each(NEW.meta::jsonb) j; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER document_meta_write AFTER DELETE OR UPDATE OF id, meta ON documents "
        "FOR EACH ROW EXECUTE FUNCTION qualcode_document_meta()",
    ),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "document_meta",
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.LargeBinary().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "key"),
        sqlite_with_rowid=False,
    )
    op.execute(_FILL[dialect])
    op.create_index("document_meta_sort", "document_meta", ["key", "value", "document_id"], unique=True)
    op.create_index("documents_import", "documents", ["import_id"])
    op.create_index("documents_not_survey", "documents", ["kind"], sqlite_where=sa.text("kind <> 'survey'"),
                    postgresql_where=sa.text("kind <> 'survey'"))
    for statement in _TRIGGERS[dialect]:
        op.execute(statement)
