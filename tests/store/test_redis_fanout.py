"""The Redis fan-out against a real Redis: across workers, subscriptions, outages.

Redis runs at ``DESTEK_TEST_REDIS_URL`` (default: the local server). Pub/sub channels
are server-wide, so each test uses its own random channel prefix.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from bot.errors import StoreError
from bot.store.redis_connection import RedisEndpoint
from bot.store.redis_fanout import RedisFanout
from tests.store.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio

WAIT = 10.0  # seconds before a test gives up on something that should happen
MakeFanout = Callable[..., RedisFanout]
Messages = AsyncIterator[dict[str, Any]]


@pytest.fixture
async def make_fanout(redis_endpoint: RedisEndpoint, key_prefix: str) -> AsyncIterator[MakeFanout]:
    """Makes fan-outs on the test Redis, one per worker; closes them afterwards."""
    made: list[RedisFanout] = []

    def make(endpoint: RedisEndpoint | None = None) -> RedisFanout:
        fanout = RedisFanout(
            endpoint or redis_endpoint, key_prefix=key_prefix, backoff=0.02, max_backoff=0.2
        )
        made.append(fanout)
        return fanout

    yield make
    for fanout in made:
        await fanout.close()


@pytest.fixture
async def subscribers(
    redis_endpoint: RedisEndpoint, key_prefix: str
) -> AsyncIterator[Callable[[str], Awaitable[int]]]:
    """How many connections Redis has subscribed to a topic (PUBSUB NUMSUB)."""
    client = redis_endpoint.client()

    async def count(topic: str) -> int:
        channel = f"{key_prefix}:fanout:{topic}"
        [(_, number)] = await client.pubsub_numsub(channel)
        return int(number)

    yield count
    await client.aclose()


async def receive(messages: Messages) -> dict[str, Any]:
    async with asyncio.timeout(WAIT):
        return await anext(messages)


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` until it holds, failing after :data:`WAIT` seconds."""
    async with asyncio.timeout(WAIT):
        while not await check():
            await asyncio.sleep(0.01)


async def test_a_message_reaches_a_subscriber_in_another_worker(
    make_fanout: MakeFanout,
) -> None:
    publisher, subscriber = make_fanout(), make_fanout()
    message = {"event": "bot", "text": "Çekiminiz işleme alındı, İyi günler!", "n": 1}
    async with subscriber.subscribe("konuşma-1") as messages:
        await publisher.publish("konuşma-1", message)
        assert await receive(messages) == message


async def test_the_publishers_own_subscribers_get_one_copy(make_fanout: MakeFanout) -> None:
    first, second = make_fanout(), make_fanout()
    async with first.subscribe("t") as messages:
        await first.publish("t", {"n": 1})
        await second.publish("t", {"n": 2})
        assert await receive(messages) == {"n": 1}
        assert await receive(messages) == {"n": 2}  # not the echo of n=1 from Redis


async def test_every_local_subscriber_gets_its_own_copy(make_fanout: MakeFanout) -> None:
    publisher, worker = make_fanout(), make_fanout()
    async with worker.subscribe("t") as first, worker.subscribe("t") as second:
        await publisher.publish("t", {"items": [1]})
        one, other = await receive(first), await receive(second)
        assert one == other == {"items": [1]}
        one["items"].append(2)
        assert other == {"items": [1]}


async def test_redis_subscription_follows_the_local_subscribers(
    make_fanout: MakeFanout, subscribers: Callable[[str], Awaitable[int]]
) -> None:
    worker = make_fanout()
    async with worker.subscribe("t"):
        assert await subscribers("t") == 1
        async with worker.subscribe("t"):
            assert await subscribers("t") == 1  # one SUBSCRIBE per worker and topic
        assert await subscribers("t") == 1
    await eventually(lambda: _is(subscribers("t"), 0))


async def test_nothing_is_delivered_to_topics_without_subscribers(
    make_fanout: MakeFanout,
) -> None:
    publisher, worker = make_fanout(), make_fanout()
    await publisher.publish("t", {"n": "before anyone listened"})
    async with worker.subscribe("t") as messages, worker.subscribe("other") as others:
        await publisher.publish("elsewhere", {"n": "elsewhere"})
        await publisher.publish("t", {"n": "after"})
        await publisher.publish("other", {"n": "other"})
        assert await receive(messages) == {"n": "after"}
        assert await receive(others) == {"n": "other"}


async def test_a_message_that_is_not_json_is_refused(make_fanout: MakeFanout) -> None:
    with pytest.raises(StoreError, match="not JSON"):
        await make_fanout().publish("t", {"when": object()})


async def test_close_unsubscribes_and_refuses_further_use(
    make_fanout: MakeFanout, subscribers: Callable[[str], Awaitable[int]]
) -> None:
    worker = make_fanout()
    async with worker.subscribe("t"):
        assert await subscribers("t") == 1
        await worker.close()
        assert not worker.connected
        await eventually(lambda: _is(subscribers("t"), 0))
    with pytest.raises(StoreError, match="closed"):
        await worker.publish("t", {})


async def test_a_subscription_survives_redis_going_away_and_coming_back(
    make_fanout: MakeFanout,
    redis_endpoint: RedisEndpoint,
    subscribers: Callable[[str], Awaitable[int]],
) -> None:
    publisher = make_fanout()
    async with TcpProxy(redis_endpoint.host, redis_endpoint.port) as proxy:
        worker = make_fanout(replace(redis_endpoint, host="127.0.0.1", port=proxy.port))
        async with worker.subscribe("t") as messages:
            await publisher.publish("t", {"n": 0})
            assert await receive(messages) == {"n": 0}

            proxy.cut()
            await eventually(lambda: _is(subscribers("t"), 0))  # Redis saw it go
            async with asyncio.timeout(WAIT):
                await proxy.turned_away.wait()  # the reader tried to come back
            assert not worker.connected
            await worker.publish("t", {"n": "local"})  # dropped for others, not raised
            assert await receive(messages) == {"n": "local"}

            proxy.restore()
            await eventually(lambda: _is(subscribers("t"), 1))  # subscribed again
            await publisher.publish("t", {"n": 1})
            assert await receive(messages) == {"n": 1}
            assert worker.connected


async def test_subscribing_while_redis_is_away_takes_effect_once_it_is_back(
    make_fanout: MakeFanout,
    redis_endpoint: RedisEndpoint,
    subscribers: Callable[[str], Awaitable[int]],
) -> None:
    publisher = make_fanout()
    async with TcpProxy(redis_endpoint.host, redis_endpoint.port) as proxy:
        proxy.cut()
        worker = make_fanout(replace(redis_endpoint, host="127.0.0.1", port=proxy.port))
        async with worker.subscribe("t") as messages:
            assert proxy.turned_away.is_set()
            proxy.restore()
            await eventually(lambda: _is(subscribers("t"), 1))
            await publisher.publish("t", {"n": 1})
            assert await receive(messages) == {"n": 1}


async def test_a_silent_connection_is_found_dead_and_replaced(
    make_fanout: MakeFanout, redis_endpoint: RedisEndpoint
) -> None:
    publisher = make_fanout()
    async with TcpProxy(redis_endpoint.host, redis_endpoint.port) as proxy:
        quick = replace(redis_endpoint, host="127.0.0.1", port=proxy.port, socket_timeout=0.2)
        worker = make_fanout(quick)
        async with worker.subscribe("t") as messages:
            proxy.freeze()  # no reset, no answer: only the reader's ping can tell
            await eventually(lambda: _now(not worker.connected))
            proxy.thaw()
            arrived = asyncio.create_task(_first(messages, {"n": "after"}))
            async with asyncio.timeout(WAIT):
                while not arrived.done():  # at most once: publish until one gets through
                    await publisher.publish("t", {"n": "after"})
                    await asyncio.wait({arrived}, timeout=0.05)
            assert worker.connected


async def _first(messages: Messages, wanted: dict[str, Any]) -> None:
    async for message in messages:
        if message == wanted:
            return


async def _now(value: bool) -> bool:
    return value


async def _is(count: Awaitable[int], expected: int) -> bool:
    return await count == expected
