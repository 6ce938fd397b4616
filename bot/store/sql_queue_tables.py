"""The tables of the SQL queue store, as queries see them (migration 0002 creates them)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, String, Table, Text

from bot.store.sql_tables import metadata

__all__ = ["agents_table", "notes_table", "queue_table", "teams_table", "tickets_table"]

queue_table = Table(
    "queue_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("reason", String(255), nullable=False),
    Column("skill", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("channel", String(64)),
    Column("requested_at", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("agent_id", String(64)),
    Column("team", String(64)),
    Column("assigned_at", Float),
    Column("closed_at", Float),
    Column("resolution", String(64)),
    Column("escalated", Boolean, nullable=False),
    Column("player", Text, nullable=False),
)
agents_table = Table(
    "agents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("login", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("skills", Text, nullable=False),
    Column("languages", Text, nullable=False),
    Column("teams", Text, nullable=False),
    Column("max_chats", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_assigned_at", Float, nullable=False),
    Column("status_since", Float, nullable=False),  # migration 0006
)
teams_table = Table(
    "teams",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False),
)
tickets_table = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("reason", String(255), nullable=False),
    Column("skill", String(64), nullable=False),
    Column("messages", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
)
notes_table = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)
