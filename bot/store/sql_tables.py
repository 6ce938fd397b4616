"""The tables of the SQL tracker store, as queries see them.

The migrations (``bot/store/migrations/versions/``) create and change them; these
definitions only name what the store reads and writes.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

__all__ = ["conversations_table", "events_table", "handovers_table", "metadata"]

metadata = MetaData()
conversations_table = Table(
    "conversations",
    metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("created", Float, nullable=False),
    Column("latest_event_time", Float, nullable=False),
)
events_table = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("data", Text, nullable=False),
)
handovers_table = Table(
    "handovers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("reason", String(255), nullable=False),
    Column("skill", String(64), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
)
