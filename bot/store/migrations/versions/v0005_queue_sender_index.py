"""An index on queue entries by conversation and status.

Every step of a handover looks its conversation's entry up by sender id and status
(accept, assign, close, transfer). The unique index of 0002 covers only active entries,
and a planner uses such a partial index only when the query spells the statuses as
literals; with them bound as parameters it fell back to the status index and read every
waiting or assigned entry, so each step grew with the queue (10,000 waiting: every
lookup read 10,000 rows). This index serves every lookup by conversation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_queue_entries_sender_status", "queue_entries", ["sender_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_queue_entries_sender_status", table_name="queue_entries")
