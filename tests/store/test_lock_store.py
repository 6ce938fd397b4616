"""The in-memory lock store: mutual exclusion, FIFO hand-over, timeouts, cleanup."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import StoreError
from bot.store.memory import InMemoryLockStore

pytestmark = pytest.mark.anyio


async def settle() -> None:
    """Let every ready task run until it blocks (a few scheduler passes, no clock)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_one_holder_at_a_time() -> None:
    store = InMemoryLockStore()
    holders: list[int] = []
    most = 0

    async def handler(number: int) -> None:
        nonlocal most
        async with store.lock("c"):
            holders.append(number)
            most = max(most, len(holders))
            await asyncio.sleep(0)
            holders.remove(number)

    await asyncio.gather(*(handler(number) for number in range(20)))
    assert most == 1
    assert len(store) == 0


async def test_waiters_get_the_lock_in_arrival_order() -> None:
    store = InMemoryLockStore()
    order: list[int] = []

    async def waiter(number: int) -> None:
        async with store.lock("c"):
            order.append(number)

    async with store.lock("c"):
        tasks = []
        for number in range(8):
            tasks.append(asyncio.create_task(waiter(number)))
            await settle()  # number is now queued behind number - 1
    # The releasing task asks again at once: it must queue behind everyone waiting.
    async with store.lock("c"):
        order.append(-1)
    await asyncio.gather(*tasks)
    assert order == [*range(8), -1]


async def test_other_conversations_do_not_wait() -> None:
    store = InMemoryLockStore(timeout=1)
    async with store.lock("a"), store.lock("b"):
        assert len(store) == 2
    assert len(store) == 0


async def test_waiting_too_long_raises_store_error() -> None:
    store = InMemoryLockStore(timeout=0.05)
    async with store.lock("c"):
        with pytest.raises(StoreError, match=r"timed out after 0\.05 s"):
            async with store.lock("c"):
                pytest.fail("acquired a held lock")
        assert len(store) == 1
    assert len(store) == 0
    async with store.lock("c"):  # the timed-out waiter left nothing behind
        pass


async def test_cancelled_waiters_are_cleaned_up() -> None:
    store = InMemoryLockStore()
    async with store.lock("c"):
        waiter = asyncio.create_task(store.lock("c").__aenter__())
        await settle()
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert len(store) == 0


async def test_locks_do_not_accumulate_over_conversations() -> None:
    store = InMemoryLockStore()
    for number in range(1000):
        async with store.lock(f"conversation-{number}"):
            pass
    assert len(store) == 0


async def test_an_error_inside_releases_the_lock() -> None:
    store = InMemoryLockStore(timeout=1)
    with pytest.raises(RuntimeError):
        async with store.lock("c"):
            raise RuntimeError("handler failed")
    assert len(store) == 0
    async with store.lock("c"):
        pass
