"""The queue store contract, in memory, on SQLite and on PostgreSQL: entries, the accept
race, capacity, transfers, escalation, agents, tickets and notes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from bot.errors import StoreError
from bot.store.factory import queue_store_from_endpoint
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import Agent, Note, QueueEntry, QueueStore, Team, Ticket
from bot.store.sql_engine import MIGRATIONS_DIR
from bot.store.sql_queue import SQLQueueStore

QueueStoreFactory = Callable[[], QueueStore]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def queue_store_factory(request: pytest.FixtureRequest) -> QueueStoreFactory:
    """Makes stores sharing one database, as separate workers would."""
    if request.param == "memory":
        shared = InMemoryQueueStore()
        return lambda: shared
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    return lambda: SQLQueueStore(url, backoff=0.01)


@pytest.fixture
async def queue_store(queue_store_factory: QueueStoreFactory) -> AsyncIterator[QueueStore]:
    store = queue_store_factory()
    yield store
    await store.close()


def _entry(sender_id: str, requested_at: float = 100.0, **kwargs: object) -> QueueEntry:
    return QueueEntry(sender_id, "player_asked", requested_at=requested_at, **kwargs)  # type: ignore[arg-type]


def _agent(agent_id: str, **kwargs: object) -> Agent:
    return Agent(agent_id, f"{agent_id}@destek", agent_id.title(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_an_entry_waits_once_per_conversation(queue_store: QueueStore) -> None:
    first = await queue_store.enqueue(
        _entry("p1", skill="finance", priority=2, player={"ad": "Ayşe"}, channel="telegram")
    )
    again = await queue_store.enqueue(_entry("p1", skill="kyc"))
    assert first.id and again.id == first.id and again.skill == "finance"
    assert first.player == {"ad": "Ayşe"} and first.channel == "telegram"
    await queue_store.enqueue(_entry("p2", requested_at=50.0))
    waiting = await queue_store.entries("waiting")
    assert [e.sender_id for e in waiting] == ["p2", "p1"]


@pytest.mark.anyio
async def test_assign_transfer_and_finish(queue_store: QueueStore) -> None:
    await queue_store.add_agent(_agent("ali"))
    await queue_store.enqueue(_entry("p1"))
    assert await queue_store.assign("p1", "ali", 110.0)
    assert not await queue_store.assign("p1", "veli", 111.0)
    entry = await queue_store.entry("p1")
    assert entry is not None and (entry.status, entry.agent_id) == ("assigned", "ali")
    assert (await queue_store.agent("ali")).last_assigned_at == 110.0  # type: ignore[union-attr]
    assert not await queue_store.transfer("p1", "veli", "ayse", None, 112.0)
    assert await queue_store.transfer("p1", "ali", "ayse", None, 112.0)
    assert await queue_store.transfer("p1", "ayse", None, "finans", 113.0)
    entry = await queue_store.entry("p1")
    assert entry is not None and (entry.status, entry.agent_id, entry.team) == (
        "waiting", None, "finans",
    )  # fmt: skip
    assert await queue_store.assign("p1", "ali", 120.0)
    ended = await queue_store.finish("p1", "closed", 180.0, "resolved")
    assert ended is not None and ended.resolution == "resolved"
    assert await queue_store.finish("p1", "closed", 181.0) is None
    assert await queue_store.entry("p1") is None
    assert await queue_store.recent_handle_times(10) == [60.0]
    # the conversation may wait again later
    assert (await queue_store.enqueue(_entry("p1", requested_at=200.0))).status == "waiting"


@pytest.mark.anyio
async def test_capacity_is_checked_as_the_chat_is_taken(queue_store: QueueStore) -> None:
    await queue_store.add_agent(_agent("ali", max_chats=1))
    await queue_store.enqueue(_entry("p1"))
    await queue_store.enqueue(_entry("p2"))
    assert await queue_store.assign("p1", "ali", 110.0, capacity=1)
    assert not await queue_store.assign("p2", "ali", 110.0, capacity=1)
    assert (await queue_store.entry("p2")).status == "waiting"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_two_agents_accepting_at_once_one_wins(
    queue_store_factory: QueueStoreFactory,
) -> None:
    stores = [queue_store_factory(), queue_store_factory()]
    try:
        await stores[0].add_agent(_agent("ali"))
        await stores[0].add_agent(_agent("veli"))
        for round_ in range(10):
            await stores[0].enqueue(_entry(f"p{round_}"))
            won = await asyncio.gather(
                stores[0].assign(f"p{round_}", "ali", 110.0, capacity=50),
                stores[1].assign(f"p{round_}", "veli", 110.0, capacity=50),
            )
            assert sorted(won) == [False, True]
            entry = await stores[1].entry(f"p{round_}")
            assert entry is not None
            assert entry.agent_id == ("ali" if won[0] else "veli")
    finally:
        for store in stores:
            await store.close()


@pytest.mark.anyio
async def test_two_chats_given_at_once_cannot_both_take_the_last_slot(
    queue_store_factory: QueueStoreFactory,
) -> None:
    stores = [queue_store_factory(), queue_store_factory()]
    try:
        await stores[0].add_agent(_agent("ali", max_chats=1))
        await stores[0].enqueue(_entry("p1"))
        await stores[0].enqueue(_entry("p2"))
        won = await asyncio.gather(
            stores[0].assign("p1", "ali", 110.0, capacity=1),
            stores[1].assign("p2", "ali", 110.0, capacity=1),
        )
        assert sorted(won) == [False, True]
        assert len(await stores[0].entries("assigned", "ali")) == 1
    finally:
        for store in stores:
            await store.close()


@pytest.mark.anyio
async def test_escalation_happens_once_and_only_while_waiting(queue_store: QueueStore) -> None:
    await queue_store.enqueue(_entry("p1", priority=1))
    assert await queue_store.escalate("p1", 2)
    assert not await queue_store.escalate("p1", 3)
    entry = await queue_store.entry("p1")
    assert entry is not None and (entry.priority, entry.escalated) == (2, True)


@pytest.mark.anyio
async def test_agents_by_id_and_login(queue_store: QueueStore) -> None:
    await queue_store.add_agent(
        _agent("ali", skills=("finance", "kyc"), languages=("tr", "en"), teams=("finans",))
    )
    with pytest.raises(StoreError):
        await queue_store.add_agent(_agent("ali"))
    with pytest.raises(StoreError):
        await queue_store.add_agent(Agent("other", "ali@destek", "Başka"))
    agent = await queue_store.agent_by_login("ali@destek")
    assert agent is not None and agent.skills == ("finance", "kyc") and agent.teams == ("finans",)
    assert await queue_store.set_agent_status("ali", "online", 100.0)
    assert not await queue_store.set_agent_status("nobody", "online", 100.0)
    agent = await queue_store.agent("ali")
    assert agent is not None and (agent.status, agent.status_since) == ("online", 100.0)
    assert await queue_store.set_agent_disabled("ali@destek", True, 160.0)
    agent = await queue_store.agent("ali")
    assert agent is not None and agent.disabled and agent.status == "offline"
    assert agent.status_since == 160.0  # offline since it was disabled
    await queue_store.set_password_hash("ali", "$argon2id$x")
    assert [(a.id, a.password_hash) for a in await queue_store.agents()] == [("ali", "$argon2id$x")]


@pytest.mark.anyio
async def test_teams_tickets_and_notes(queue_store: QueueStore) -> None:
    await queue_store.add_team(Team("finans", "Para yatırma ve çekme"))
    await queue_store.add_team(Team("finans", "Ödemeler"))
    assert await queue_store.teams() == [Team("finans", "Ödemeler")]
    ticket_id = await queue_store.add_ticket(
        Ticket("p1", "player_asked", "finance", ("çekimim gelmedi", "hâlâ yok"), 100.0)
    )
    [ticket] = await queue_store.tickets("open")
    assert ticket.id == ticket_id and ticket.messages == ("çekimim gelmedi", "hâlâ yok")
    await queue_store.add_note(Note("p1", "ali", "VIP oyuncu, dikkat", 101.0))
    await queue_store.add_note(Note("p2", "ali", "başka", 102.0))
    assert [n.text for n in await queue_store.notes("p1")] == ["VIP oyuncu, dikkat"]


@pytest.mark.anyio
async def test_a_database_of_the_first_revision_gains_the_queue_and_keeps_its_events(
    sqlite_url: str,
) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO events (sender_id, seq, type_name, timestamp, data) "
            """VALUES ('p1', 1, 'user', 1.0, '{"event": "user", "text": "selam"}')"""
        )
    engine.dispose()
    store = SQLQueueStore(sqlite_url)
    try:
        assert [e["text"] for e in await store.load("p1")] == ["selam"]
        assert (await store.enqueue(_entry("p1"))).status == "waiting"
    finally:
        await store.close()


def test_the_queue_lives_where_the_trackers_do(sqlite_url: str) -> None:
    assert isinstance(queue_store_from_endpoint({"type": "in_memory"}), InMemoryQueueStore)
    store = queue_store_from_endpoint({"type": "sql", "url": sqlite_url})
    assert isinstance(store, SQLQueueStore) and str(store.url) == sqlite_url
