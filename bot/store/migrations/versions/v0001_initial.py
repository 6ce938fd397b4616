"""Conversations, their events and handover records.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("latest_event_time", sa.Float, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.UniqueConstraint("sender_id", "seq", name="uq_events_sender_id_seq"),
    )
    op.create_index("ix_events_type_name_timestamp", "events", ["type_name", "timestamp"])
    op.create_table(
        "handovers",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("skill", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_handovers_sender_id", "handovers", ["sender_id"])
    op.create_index("ix_handovers_status_created_at", "handovers", ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("handovers")
    op.drop_table("events")
    op.drop_table("conversations")
