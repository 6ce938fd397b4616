"""Whether an append that lost its connection was stored all the same.

An append is one statement; when the connection dies after the database committed it but
before its answer arrived, the store sees a failure like any other and tries again. The
second try must then find the first one's events instead of storing the turn twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from bot.store.sql_tables import events_table

__all__ = ["already_appended"]


def already_appended(
    connection: Connection, sender_id: str, rows: Sequence[dict[str, Any]]
) -> bool:
    """Whether the conversation holds ``rows`` (their encoded data) one after the other.

    A turn's events carry the instant they were made, so equal data is the same event;
    only the events at or after the batch's earliest timestamp are read.
    """
    earliest = min(row["timestamp"] for row in rows)
    query = (
        select(events_table.c.data)
        .where(events_table.c.sender_id == sender_id, events_table.c.timestamp >= earliest)
        .order_by(events_table.c.seq)
    )
    stored = list(connection.scalars(query))
    batch = [row["data"] for row in rows]
    return any(
        stored[start : start + len(batch)] == batch for start in range(len(stored) - len(batch) + 1)
    )
