"""Two workers on one floor: PostgreSQL for conversations and the queue, Redis for the
fan-out. What happens on one worker is seen live by a console on the other, and the
conversations one queued are served by the other once it is gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.dialogue.domain import Domain
from bot.handover.topics import QUEUE_TOPIC, conversation_topic
from bot.store.redis_connection import RedisEndpoint
from bot.store.redis_fanout import RedisFanout
from bot.store.sql_queue import SQLQueueStore
from tests.handover.conftest import Floor, make_floor

pytestmark = pytest.mark.anyio


@pytest.fixture
async def workers(
    postgres_url: str, redis_endpoint: RedisEndpoint, key_prefix: str, handover_domain: Domain
) -> AsyncIterator[tuple[Floor, Floor]]:
    stores = [SQLQueueStore(postgres_url, backoff=0.01) for _ in range(2)]
    fanouts = [RedisFanout(redis_endpoint, key_prefix=key_prefix) for _ in range(2)]
    one, two = (
        make_floor(store, handover_domain, trackers=store, fanout=fanout)
        for store, fanout in zip(stores, fanouts, strict=True)
    )
    yield one, two
    for resource in (*fanouts, *stores):
        await resource.close()


async def _next(messages: AsyncIterator[dict[str, object]]) -> dict[str, object]:
    return await asyncio.wait_for(anext(messages), 10)


async def test_a_console_on_one_worker_sees_the_other_workers_floor(
    workers: tuple[Floor, Floor],
) -> None:
    one, two = workers
    async with (
        two.fanout.subscribe(QUEUE_TOPIC) as queue_feed,
        two.fanout.subscribe(conversation_topic("p1")) as chat_feed,
    ):
        await one.ask_for_a_human("p1", skill="finance")
        assert (await _next(queue_feed))["type"] == "queued"
        assert (await _next(chat_feed))["type"] == "waiting"
        await one.agent("ali", status="away", skills=("finance",))
        await two.agents.set_status("ali", "online")  # routed on the second worker
        kinds = [(await _next(queue_feed))["type"] for _ in range(3)]
        assert kinds == ["agent_status", "agent_status", "assigned"]
        await one.agents.agent_message("p1", "ali", "Merhaba, ben Ali.")
        assert [(await _next(chat_feed))["type"] for _ in range(2)] == [
            "assigned",
            "agent_message",
        ]
    events = [e["event"] for e in await one.trackers.load("p1")]
    assert events.count("handover_assigned") == 1 and events[-1] == "agent_uttered"


async def test_conversations_queued_by_a_worker_that_is_gone_are_served_by_another(
    workers: tuple[Floor, Floor],
) -> None:
    one, two = workers
    await one.ask_for_a_human("p1")
    await one.ask_for_a_human("p2", priority=3)
    await one.queue.store.close()  # the first worker is gone
    await two.agent("ali", status="online", max_chats=1)
    assert (await two.store.entry("p2")).agent_id == "ali"  # type: ignore[union-attr]
    assert (await two.store.entry("p1")).status == "waiting"  # type: ignore[union-attr]
