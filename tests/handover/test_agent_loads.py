"""Routing reads each agent's load as one count per agent, on every queue store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import ENTRY_CLOSED, QueueEntry, QueueStore
from bot.store.sql_queue import SQLQueueStore


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[QueueStore]:
    if request.param == "memory":
        yield InMemoryQueueStore()
        return
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    sql = SQLQueueStore(request.getfixturevalue(name))
    yield sql
    await sql.close()


def _entry(sender_id: str) -> QueueEntry:
    return QueueEntry(sender_id, "player_asked", "general", "tr", 1, "", requested_at=1.0)


@pytest.mark.anyio
async def test_loads_count_the_chats_each_agent_holds_now(store: QueueStore) -> None:
    assert await store.agent_loads() == {}
    for sender in ("p1", "p2", "p3", "p4", "p5"):
        await store.enqueue(_entry(sender))
    for sender, agent in (("p1", "ayse"), ("p2", "ayse"), ("p3", "mehmet"), ("p4", "ayse")):
        assert await store.assign(sender, agent, 2.0)
    await store.finish("p4", ENTRY_CLOSED, 3.0, "solved")  # closed: no longer held
    assert await store.agent_loads() == {"ayse": 2, "mehmet": 1}  # p5 still waits
