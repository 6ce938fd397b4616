"""Each handover step finds its conversation's queue entry through an index, however many
conversations wait: the SQL the store sends is planned by SQLite, and the index exists on
PostgreSQL too (migration 0005)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from bot.store.queue_base import ENTRY_WAITING, QueueEntry
from bot.store.sql_queue import SQLQueueStore

SENDER_INDEXES = ("ix_queue_entries_sender_status", "uq_queue_entries_active_sender")


def _entry(sender_id: str) -> QueueEntry:
    return QueueEntry(sender_id, "player_asked", "general", "tr", 1, "", requested_at=1.0)


@contextmanager
def _statements(store: SQLQueueStore) -> Iterator[list[tuple[str, Any]]]:
    """The SQL (and parameters) the store sends meanwhile."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    engine = store._opened()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.anyio
async def test_lookups_by_conversation_use_an_index_on_sqlite(sqlite_url: str) -> None:
    store = SQLQueueStore(sqlite_url)
    try:
        for number in range(300):
            await store.enqueue(_entry(f"p{number}"))
        with _statements(store) as sent:
            assert (await store.entry("p150")) is not None
            assert await store.assign("p150", "ayse", 2.0)
        by_sender = [(sql, p) for sql, p in sent if "sender_id = ?" in sql]
        assert len(by_sender) >= 2  # the read and the conditional update
        raw = store._opened().raw_connection()
        try:
            for sql, parameters in by_sender:
                plan = " ".join(
                    row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)
                )
                assert any(index in plan for index in SENDER_INDEXES), (sql, plan)
        finally:
            raw.close()
        assert [e.sender_id for e in await store.entries(ENTRY_WAITING)][:2] == ["p0", "p1"]
    finally:
        await store.close()


@pytest.mark.anyio
async def test_the_index_is_made_on_postgresql(postgres_url: str) -> None:
    store = SQLQueueStore(postgres_url)
    try:
        await store.entries(ENTRY_WAITING)  # migrates
        schema = postgres_url.rsplit("%3D", 1)[1]
        admin = postgres_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
        with psycopg.connect(admin) as connection:
            rows = connection.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
                (schema, SENDER_INDEXES[0]),
            ).fetchall()
        assert rows and "(sender_id, status)" in rows[0][0]
    finally:
        await store.close()
