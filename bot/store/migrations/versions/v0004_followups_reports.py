"""Follow-ups of closed chats: which closed entry's follow-up was claimed, and how it went;
and an index for the reports' and follow-ups' queries on closed entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("entry_id", _ID, primary_key=True, autoincrement=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("resolution", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", sa.Float, nullable=False),
        sa.Column("done_at", sa.Float, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_followups_sender_id", "followups", ["sender_id"])
    op.create_index("ix_queue_entries_status_closed_at", "queue_entries", ["status", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_entries_status_closed_at", "queue_entries")
    op.drop_table("followups")
