"""Alembic's environment: migrate on the connection ``serving.store.schema`` passes in.

The connection (and its open transaction) belongs to the caller, so one transaction and the
caller's schema lock cover every revision; there is no offline (SQL script) mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from serving.store.schema import VERSION_TABLE
from serving.store.tables import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through serving.store.schema.create_schema(engine)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    # SQLite alters a table by copying it; autogenerate writes such revisions in batch mode.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
