"""The follow-ups of closed chats on SQL: the table (migration 0004 creates it) and the
queries the SQL queue store runs on a connection it has opened.

A claim is an insert under the table's primary key, the entry's id: of workers claiming
one follow-up at once exactly one insert succeeds, on SQLite and PostgreSQL alike. A
claim still ``sending`` long after it was made belongs to a worker that died while
sending; it may be taken over, by an update that only one worker's condition matches.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Float,
    Integer,
    String,
    Table,
    Text,
    and_,
    insert,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from bot.store.queue_base import ENTRY_CLOSED, FOLLOW_UP_SENDING, FollowUp, QueueEntry
from bot.store.sql_queue_rows import entry_from_row
from bot.store.sql_queue_tables import queue_table
from bot.store.sql_tables import metadata

__all__ = ["claim", "due", "finish", "followups_table", "listed"]

followups_table = Table(
    "followups",
    metadata,
    Column("entry_id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("resolution", String(64)),
    Column("status", String(16), nullable=False),
    Column("claimed_at", Float, nullable=False),
    Column("done_at", Float),
    Column("detail", Text, nullable=False),
)


def due(
    connection: Connection,
    resolution: str,
    closed_after: float,
    closed_before: float,
    stale_before: float | None = None,
) -> list[QueueEntry]:
    claimed = select(followups_table.c.entry_id).where(
        followups_table.c.entry_id == queue_table.c.id
    )
    if stale_before is not None:  # a claim abandoned while sending counts as none
        claimed = claimed.where(~_stale(stale_before))
    query = (
        select(queue_table)
        .where(queue_table.c.status == ENTRY_CLOSED)
        .where(queue_table.c.resolution == resolution)
        .where(queue_table.c.closed_at >= closed_after)
        .where(queue_table.c.closed_at <= closed_before)
        .where(~claimed.exists())
        .order_by(queue_table.c.closed_at, queue_table.c.id)
    )
    return [entry_from_row(row) for row in connection.execute(query).mappings()]


def claim(
    connection: Connection, entry: QueueEntry, now: float, stale_before: float | None = None
) -> bool:
    row = {
        "entry_id": entry.id,
        "sender_id": entry.sender_id,
        "resolution": entry.resolution,
        "status": FOLLOW_UP_SENDING,
        "claimed_at": now,
        "detail": "",
    }
    try:
        with connection.begin_nested():
            connection.execute(insert(followups_table).values(row))
    except IntegrityError:
        if stale_before is None:
            return False  # another worker claimed it first
        taken = connection.execute(
            sql_update(followups_table)
            .where(followups_table.c.entry_id == entry.id, _stale(stale_before))
            .values(claimed_at=now)
        )
        return taken.rowcount == 1
    return True


def _stale(stale_before: float) -> ColumnElement[bool]:
    """A claim still sending since before ``stale_before``."""
    return and_(
        followups_table.c.status == FOLLOW_UP_SENDING,
        followups_table.c.claimed_at < stale_before,
    )


def finish(connection: Connection, entry_id: int, status: str, now: float, detail: str) -> None:
    connection.execute(
        sql_update(followups_table)
        .where(followups_table.c.entry_id == entry_id)
        .values(status=status, done_at=now, detail=detail[:500])
    )


def listed(connection: Connection, sender_id: str | None) -> list[FollowUp]:
    query = select(followups_table).order_by(
        followups_table.c.claimed_at, followups_table.c.entry_id
    )
    if sender_id is not None:
        query = query.where(followups_table.c.sender_id == sender_id)
    return [
        FollowUp(
            entry_id=row["entry_id"],
            sender_id=row["sender_id"],
            resolution=row["resolution"],
            status=row["status"],
            claimed_at=row["claimed_at"],
            done_at=row["done_at"],
            detail=row["detail"],
        )
        for row in connection.execute(query).mappings()
    ]
