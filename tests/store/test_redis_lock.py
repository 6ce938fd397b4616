"""The Redis lock store against a real Redis: exclusion across workers, leases, outages.

Redis runs at ``DESTEK_TEST_REDIS_URL`` (default: the local server, database 15). Each
test uses its own random key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.errors import StoreError
from bot.store.redis_connection import RedisEndpoint
from bot.store.redis_lock import RedisLockStore
from tests.store.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio

MakeStore = Callable[..., RedisLockStore]


@pytest.fixture
async def make_store(redis_endpoint: RedisEndpoint, key_prefix: str) -> AsyncIterator[MakeStore]:
    """Makes lock stores on the test Redis, one per worker; closes them afterwards."""
    stores: list[RedisLockStore] = []

    def make(endpoint: RedisEndpoint | None = None, **options: Any) -> RedisLockStore:
        options.setdefault("poll_interval", 0.005)
        store = RedisLockStore(endpoint or redis_endpoint, key_prefix=key_prefix, **options)
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.close()


@pytest.fixture
async def raw_redis(redis_endpoint: RedisEndpoint) -> AsyncIterator[Redis]:
    client = redis_endpoint.client()
    yield client
    await client.aclose()


async def settle() -> None:
    """Let every ready task run until it blocks (a few scheduler passes, no clock)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_two_workers_never_hold_a_conversation_at_once(make_store: MakeStore) -> None:
    workers = [make_store(), make_store()]
    holders, most, turns = 0, 0, 0

    async def turn(store: RedisLockStore) -> None:
        nonlocal holders, most, turns
        async with store.lock("c"):
            holders += 1
            most = max(most, holders)
            await settle()  # give every other task a chance to barge in
            holders -= 1
            turns += 1

    await asyncio.gather(*(turn(workers[number % 2]) for number in range(40)))
    assert (most, turns) == (1, 40)
    assert [len(worker) for worker in workers] == [0, 0]


async def test_waiters_in_one_worker_get_the_lock_in_arrival_order(
    make_store: MakeStore,
) -> None:
    store = make_store()
    order: list[int] = []

    async def waiter(number: int) -> None:
        async with store.lock("c"):
            order.append(number)

    async with store.lock("c"):
        tasks = []
        for number in range(6):
            tasks.append(asyncio.create_task(waiter(number)))
            await settle()
    await asyncio.gather(*tasks)
    assert order == list(range(6))


async def test_other_conversations_do_not_wait(make_store: MakeStore) -> None:
    first, second = make_store(), make_store(timeout=2)
    async with first.lock("a"), second.lock("b"), first.lock("c"):
        assert (len(first), len(second)) == (2, 1)


async def test_waiting_too_long_raises_store_error_naming_the_conversation(
    make_store: MakeStore,
) -> None:
    holder, waiter = make_store(), make_store(timeout=0.2)
    async with holder.lock("çağrı-42"):
        with pytest.raises(StoreError, match=r"timed out after 0\.2 s .* 'çağrı-42'$"):
            async with waiter.lock("çağrı-42"):
                pytest.fail("acquired a held lock")
        assert len(waiter) == 0
    async with waiter.lock("çağrı-42"):  # free again once the holder left
        pass


async def test_a_long_turn_keeps_its_lock_past_the_lease(
    make_store: MakeStore, raw_redis: Redis, key_prefix: str
) -> None:
    holder = make_store(lease=0.3)
    waiter = make_store(timeout=1.2)  # four leases
    async with holder.lock("c"):
        token = await raw_redis.get(f"{key_prefix}:lock:c")
        with pytest.raises(StoreError, match="timed out"):
            async with waiter.lock("c"):
                pytest.fail("took a lock whose holder renews it")
        assert await raw_redis.get(f"{key_prefix}:lock:c") == token
    assert await raw_redis.get(f"{key_prefix}:lock:c") is None
    async with waiter.lock("c"):
        pass


async def test_a_crashed_holders_lock_is_taken_over_after_its_lease(
    make_store: MakeStore, raw_redis: Redis, key_prefix: str
) -> None:
    crashed, survivor = make_store(lease=0.3), make_store(timeout=5)
    holding, finish = asyncio.Event(), asyncio.Event()

    async def stuck_turn() -> None:
        async with crashed.lock("c"):
            holding.set()
            await finish.wait()

    turn = asyncio.create_task(stuck_turn())
    await holding.wait()
    await crashed.close()  # renewals stop and the connection goes, as in a crash
    async with survivor.lock("c"):
        ours = await raw_redis.get(f"{key_prefix}:lock:c")
        assert ours is not None
        finish.set()
        await turn  # the old turn ends: its release must neither raise nor free our lock
        assert await raw_redis.get(f"{key_prefix}:lock:c") == ours


async def test_the_turns_error_passes_through_and_the_lock_is_freed(
    make_store: MakeStore, raw_redis: Redis, key_prefix: str
) -> None:
    store = make_store()
    with pytest.raises(ValueError, match="turn failed"):
        async with store.lock("c"):
            raise ValueError("turn failed")
    assert await raw_redis.get(f"{key_prefix}:lock:c") is None


async def test_cancelled_waiters_leave_nothing_behind(
    make_store: MakeStore, raw_redis: Redis, key_prefix: str
) -> None:
    holder, worker = make_store(), make_store()
    async with holder.lock("c"):
        held_by = await raw_redis.get(f"{key_prefix}:lock:c")
        waiting = asyncio.create_task(_enter(worker, "c"))
        await settle()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert len(worker) == 0
        assert await raw_redis.get(f"{key_prefix}:lock:c") == held_by
    async with worker.lock("c"):
        pass


async def test_a_closed_store_refuses_locks(make_store: MakeStore) -> None:
    store = make_store()
    await store.close()
    with pytest.raises(StoreError, match="closed"):
        async with store.lock("c"):
            pass


async def test_acquiring_during_an_outage_times_out_and_works_once_redis_is_back(
    make_store: MakeStore, redis_endpoint: RedisEndpoint
) -> None:
    async with TcpProxy(redis_endpoint.host, redis_endpoint.port) as proxy:
        proxied = replace(redis_endpoint, host="127.0.0.1", port=proxy.port)
        store = make_store(proxied, timeout=0.5)
        async with store.lock("c"):
            pass
        proxy.cut()
        with pytest.raises(StoreError) as caught:
            async with store.lock("c"):
                pytest.fail("acquired a lock without Redis")
        message = str(caught.value)
        assert message.startswith("timed out after 0.5 s waiting for the lock of conversation")
        assert f"Redis at 127.0.0.1:{proxy.port}/" in message
        assert proxy.turned_away.is_set()
        proxy.restore()
        async with store.lock("c"):
            pass


async def test_a_release_that_fails_is_logged_not_raised(
    make_store: MakeStore, redis_endpoint: RedisEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    async with TcpProxy(redis_endpoint.host, redis_endpoint.port) as proxy:
        proxied = replace(redis_endpoint, host="127.0.0.1", port=proxy.port)
        store = make_store(proxied, lease=0.3)
        with caplog.at_level(logging.WARNING, logger="bot.store.redis_lock"):
            async with store.lock("c"):
                proxy.cut()
                result = "the turn's reply"
        assert result == "the turn's reply"
        assert "could not release its lock" in caplog.text
        async with make_store(timeout=5).lock("c"):  # its lease ran out
            pass
        proxy.restore()
        async with store.lock("c"):
            pass


async def _enter(store: RedisLockStore, sender_id: str) -> None:
    async with store.lock(sender_id):
        pytest.fail("acquired a held lock")
