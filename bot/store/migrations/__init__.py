"""Alembic migrations of the SQL tracker store; run by ``bot.store.sql_engine.upgrade_schema``."""
