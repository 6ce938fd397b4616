"""Idempotency keys on SQLite and PostgreSQL, as two workers meet them: separate store
objects on one database claim the same key at once and one wins; two desks given the
same Chatwoot message at once send it to the player once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.dialogue.domain import Domain
from bot.handover.desk import Desk
from bot.handover.message_keys import MessageInFlight
from bot.store.delivery_keys import BUSY, CLAIMED, DONE
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryLockStore
from bot.store.sql_delivery_keys import SQLDeliveryKeys
from bot.store.sql_engine import parse_url, sqlite_write_lock
from bot.store.sql_queue import SQLQueueStore
from tests.handover.conftest import Channel, Clock

PLAYER = "905321234567"


@pytest.fixture(params=["sqlite", "postgresql"])
async def workers(request: pytest.FixtureRequest) -> AsyncIterator[tuple[SQLQueueStore, ...]]:
    """Two stores on one database, as two worker processes hold them."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url = request.getfixturevalue(name)
    stores = (SQLQueueStore(url), SQLQueueStore(url))
    for store in stores:
        await store.open()
    yield stores
    for store in stores:
        await store.close()


@pytest.mark.anyio
async def test_of_many_claims_at_once_on_two_workers_one_wins(
    workers: tuple[SQLQueueStore, ...],
) -> None:
    keys = [SQLDeliveryKeys(store) for store in workers]
    claims = await asyncio.gather(*(keys[i % 2].claim("cw:1", 100.0, 60.0) for i in range(12)))
    assert sorted(claims) == [BUSY] * 11 + [CLAIMED]


@pytest.mark.anyio
async def test_a_key_is_done_released_or_taken_over_after_its_lease(
    workers: tuple[SQLQueueStore, ...],
) -> None:
    first, second = (SQLDeliveryKeys(store) for store in workers)
    assert await first.claim("cw:2", 100.0, 60.0) == CLAIMED
    await first.release("cw:2")  # the first try failed: the retry may have it
    assert await second.claim("cw:2", 101.0, 60.0) == CLAIMED
    # the second dies holding it: after the lease, one of two retries takes it over
    later = await asyncio.gather(
        first.claim("cw:2", 200.0, 60.0), second.claim("cw:2", 200.0, 60.0)
    )
    assert sorted(later) == [BUSY, CLAIMED]
    await first.done("cw:2", 201.0)
    assert await second.claim("cw:2", 999.0, 60.0) == DONE
    await second.release("cw:2")  # a done key is never released
    assert await first.claim("cw:2", 1000.0, 60.0) == DONE


@pytest.mark.anyio
async def test_two_workers_given_one_agent_message_at_once_send_it_once(
    workers: tuple[SQLQueueStore, ...], handover_domain: Domain
) -> None:
    clock, channel = Clock(), Channel()
    await workers[0].append(
        PLAYER,
        [
            {"event": "user", "timestamp": clock(), "text": "selam", "input_channel": "whatsapp"},
            {"event": "handover_requested", "timestamp": clock(), "reason": "player_asked"},
            {"event": "handover_assigned", "timestamp": clock(), "agent_id": "chatwoot:7"},
        ],
    )
    desks = [
        Desk(store, InMemoryLockStore(), InMemoryFanout(), channel.deliver,
             lambda: handover_domain, clock, keys=SQLDeliveryKeys(store))
        for store in workers
    ]  # fmt: skip
    text = "Merhaba, çekiminiz onaylandı."
    for _ in range(3):  # Chatwoot's first delivery to both workers, then retries
        results = await asyncio.gather(
            *(desk.agent_message(PLAYER, "chatwoot:7", text, "chatwoot:77") for desk in desks),
            return_exceptions=True,
        )
        assert all(r is None or isinstance(r, MessageInFlight) for r in results), results
    assert channel.texts(PLAYER) == [text]
    assert channel.channels == ["whatsapp"]
    stored = [e for e in await workers[1].load(PLAYER) if e["event"] == "agent_uttered"]
    assert [e["text"] for e in stored] == [text]


def test_one_sqlite_file_has_one_write_lock_in_a_process(tmp_path: pytest.TempPathFactory) -> None:
    url = parse_url(f"sqlite:///{tmp_path}/destek.db")
    same = parse_url(f"sqlite:///{tmp_path}/./destek.db")
    assert sqlite_write_lock(url) is sqlite_write_lock(same)
    assert sqlite_write_lock(url) is not sqlite_write_lock(parse_url(f"sqlite:///{tmp_path}/b.db"))
    memory = parse_url("sqlite://")
    assert sqlite_write_lock(memory) is not sqlite_write_lock(memory)
