"""Alembic environment: runs on the connection the store passes in (config.attributes["connection"]).

The store has already begun the transaction (BEGIN IMMEDIATE on SQLite, BEGIN and the project's
advisory lock on PostgreSQL), so the whole upgrade commits or rolls back as one.
"""

from __future__ import annotations

from alembic import context

from qualcode.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=False,
)
context.run_migrations()
