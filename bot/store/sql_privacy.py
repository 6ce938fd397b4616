"""A conversation's export and erasure on SQL: every table that holds a sender id.

The tables are the tracker store's (``conversations``, ``events``, ``handovers``), the
queue store's (``queue_entries``, ``tickets``, ``notes``), the follow-ups' and the audit
log's. Idempotency keys (``delivery_keys``) hold an external desk's message ids, never a
sender id, and are left alone. An erasure runs in one writing transaction, so a worker
sees the conversation whole or erased, never half of each.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from bot.store.privacy import ERASED, ConversationData, Erased, Rewrite
from bot.store.queue_base import ENTRY_CLOSED, ENTRY_WITHDRAWN, FOLLOW_UP_SKIPPED, QueueEntry
from bot.store.sql import SQLTrackerStore
from bot.store.sql_audit import audit_table, record_from_row
from bot.store.sql_engine import WRITE_OPTION
from bot.store.sql_followups import followups_table
from bot.store.sql_queue_rows import entry_from_row
from bot.store.sql_queue_tables import notes_table, queue_table, tickets_table
from bot.store.sql_tables import conversations_table, events_table, handovers_table

__all__ = ["SQLPrivacyStore"]

T = TypeVar("T")
_ACTIVE = ("waiting", "assigned")


class SQLPrivacyStore:
    """:class:`~bot.store.privacy.PrivacyStore` on ``store``'s engine."""

    def __init__(self, store: SQLTrackerStore) -> None:
        self.store = store

    async def conversations_with_event(self, type_name: str, match: Mapping[str, str]) -> list[str]:
        query = select(events_table.c.sender_id, events_table.c.data).where(
            events_table.c.type_name == type_name
        )
        for value in match.values():  # a cheap filter first; the JSON decides below
            query = query.where(events_table.c.data.contains(value, autoescape=True))
        query = query.order_by(events_table.c.timestamp, events_table.c.id)

        def find(connection: Connection) -> list[str]:
            found: list[str] = []
            for sender_id, data in connection.execute(query):
                event = json.loads(data)
                if sender_id not in found and all(
                    _text(event.get(key)) == wanted for key, wanted in match.items()
                ):
                    found.append(sender_id)
            return found

        return await self.store._run("conversations_with_event", lambda: self._read(find))

    async def conversation_data(self, sender_id: str) -> ConversationData | None:
        def read(connection: Connection) -> ConversationData | None:
            return _data(connection, sender_id)

        return await self.store._run("conversation_data", lambda: self._read(read))

    async def erase(
        self,
        sender_id: str,
        reference: str,
        rewrite: Rewrite,
        now: float,
        audit_subjects: Collection[str] = (),
    ) -> Erased:
        subjects = {sender_id, *audit_subjects}

        def erase(connection: Connection) -> Erased:
            conversations, kept, removed = _rewrite_events(
                connection, sender_id, reference, rewrite
            )
            ended = _end_active(connection, sender_id, now)
            _skip_followups(connection, sender_id, reference, now)
            return Erased(
                conversations=conversations,
                events_anonymised=kept,
                events_removed=removed,
                handovers=_move(connection, handovers_table, sender_id, reference, summary=""),
                queue_entries=_move(
                    connection, queue_table, sender_id, reference, summary="", player="{}"
                ),
                tickets=_move(connection, tickets_table, sender_id, reference, messages="[]"),
                notes_removed=connection.execute(
                    delete(notes_table).where(notes_table.c.sender_id == sender_id)
                ).rowcount,
                followups=_move(connection, followups_table, sender_id, reference, detail=""),
                audit_records=connection.execute(
                    update(audit_table)
                    .where(audit_table.c.subject.in_(sorted(subjects)))
                    .values(subject=reference)
                ).rowcount,
                ended=ended,
            )

        store = self.store

        def run() -> Erased:
            engine: Engine = store._opened().execution_options(**{WRITE_OPTION: True})
            with store._writing(), engine.begin() as connection:
                return erase(connection)

        return await store._run("erase", run)

    def _read(self, call: Callable[[Connection], T]) -> T:
        with self.store._opened().connect() as connection:
            return call(connection)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _rows(
    connection: Connection, table: Table, sender_id: str, *order: Any
) -> list[dict[str, Any]]:
    query = select(table).where(table.c.sender_id == sender_id).order_by(*order)
    return [dict(row) for row in connection.execute(query).mappings()]


def _data(connection: Connection, sender_id: str) -> ConversationData | None:
    conversation = (
        connection.execute(
            select(conversations_table).where(conversations_table.c.sender_id == sender_id)
        )
        .mappings()
        .first()
    )
    events = [
        json.loads(data)
        for data in connection.scalars(
            select(events_table.c.data)
            .where(events_table.c.sender_id == sender_id)
            .order_by(events_table.c.seq)
        )
    ]
    entries = _rows(
        connection, queue_table, sender_id, queue_table.c.requested_at, queue_table.c.id
    )
    tickets = _rows(connection, tickets_table, sender_id, tickets_table.c.created_at)
    audit = connection.execute(
        select(audit_table).where(audit_table.c.subject == sender_id).order_by(audit_table.c.at)
    ).mappings()
    data = ConversationData(
        sender_id=sender_id,
        created=conversation["created"] if conversation else None,
        latest_event_time=conversation["latest_event_time"] if conversation else None,
        events=events,
        handovers=_rows(connection, handovers_table, sender_id, handovers_table.c.created_at),
        queue_entries=[{**e, "player": json.loads(e["player"])} for e in entries],
        tickets=[{**t, "messages": json.loads(t["messages"])} for t in tickets],
        notes=_rows(connection, notes_table, sender_id, notes_table.c.created_at),
        followups=_rows(connection, followups_table, sender_id, followups_table.c.claimed_at),
        # what was done with the player's data, not by whom: agents' names stay out
        audit=[_audited(record_from_row(row).as_dict()) for row in audit],
    )
    stored = (data.events, data.handovers, data.queue_entries, data.tickets, data.notes)
    if conversation is None and not any(stored) and not data.followups:
        return None  # audit records alone say what was asked about an id, not about a player
    return data


def _audited(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "actor"}


def _rewrite_events(
    connection: Connection, sender_id: str, reference: str, rewrite: Rewrite
) -> tuple[int, int, int]:
    """Replace the conversation's events with ``rewrite``'s under ``reference``; returns
    (conversations moved, events kept, events removed)."""
    rows = connection.execute(
        select(events_table.c.timestamp, events_table.c.data)
        .where(events_table.c.sender_id == sender_id)
        .order_by(events_table.c.seq)
    ).all()
    conversation = (
        connection.execute(
            select(conversations_table).where(conversations_table.c.sender_id == sender_id)
        )
        .mappings()
        .first()
    )
    kept = rewrite([json.loads(row.data) for row in rows]) if rows else []
    connection.execute(delete(events_table).where(events_table.c.sender_id == sender_id))
    connection.execute(
        delete(conversations_table).where(conversations_table.c.sender_id == sender_id)
    )
    if kept:
        fallback = rows[-1].timestamp
        connection.execute(
            insert(events_table),
            [
                {
                    "sender_id": reference,
                    "seq": seq,
                    "type_name": event["event"],
                    "timestamp": _timestamp(event, fallback),
                    "data": json.dumps(event, ensure_ascii=False),
                }
                for seq, event in enumerate(kept, start=1)
            ],
        )
        latest = _timestamp(kept[-1], fallback)
        created = conversation["created"] if conversation else latest
        connection.execute(
            insert(conversations_table).values(
                sender_id=reference, created=created, latest_event_time=latest
            )
        )
    moved = 1 if conversation is not None or rows else 0
    return moved, len(kept), len(rows) - len(kept)


def _timestamp(event: Mapping[str, Any], fallback: float) -> float:
    value = event.get("timestamp")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return fallback


def _end_active(connection: Connection, sender_id: str, now: float) -> tuple[QueueEntry, ...]:
    """End the conversation's active queue entry, so no agent keeps an erased chat."""
    active = queue_table.c.status.in_(_ACTIVE)
    rows = (
        connection.execute(select(queue_table).where(queue_table.c.sender_id == sender_id, active))
        .mappings()
        .all()
    )
    connection.execute(
        update(queue_table)
        .where(queue_table.c.sender_id == sender_id, active)
        .values(status=ENTRY_WITHDRAWN, closed_at=now, resolution=ERASED)
    )
    return tuple(entry_from_row(row) for row in rows)


def _skip_followups(connection: Connection, sender_id: str, reference: str, now: float) -> None:
    """Claim the follow-ups not yet due of the conversation's closed entries as skipped:
    nobody is to ask an erased player whether their problem was solved."""
    claimed = select(followups_table.c.entry_id)
    unclaimed = connection.execute(
        select(queue_table.c.id, queue_table.c.resolution)
        .where(queue_table.c.sender_id == sender_id, queue_table.c.status == ENTRY_CLOSED)
        .where(queue_table.c.id.not_in(claimed))
    ).all()
    if unclaimed:
        connection.execute(
            insert(followups_table),
            [
                {
                    "entry_id": row.id,
                    "sender_id": reference,
                    "resolution": row.resolution,
                    "status": FOLLOW_UP_SKIPPED,
                    "claimed_at": now,
                    "done_at": now,
                    "detail": ERASED,
                }
                for row in unclaimed
            ],
        )


def _move(
    connection: Connection, table: Table, sender_id: str, reference: str, **cleared: str
) -> int:
    statement = (
        update(table).where(table.c.sender_id == sender_id).values(sender_id=reference, **cleared)
    )
    return int(connection.execute(statement).rowcount)
