"""Alembic's entry point: migrates the connection that ``upgrade_schema`` hands over.

There is no alembic.ini: the store runs the migrations itself when it opens, inside a
transaction it has already begun.
"""

from __future__ import annotations

from alembic import context

from bot.store.sql_engine import VERSION_TABLE

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Destek's migrations run through bot.store.sql_engine.upgrade_schema")

context.configure(connection=connection, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
