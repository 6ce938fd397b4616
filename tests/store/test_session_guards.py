"""Session generations and sign-in failure counts in the queue store: in memory, SQLite
and PostgreSQL; two store objects on one database stand for two workers."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.queue_base import QueueStore
from tests.store.test_queue_store import QueueStoreFactory, queue_store, queue_store_factory

__all__ = ["queue_store", "queue_store_factory"]  # the fixtures, shared

pytestmark = pytest.mark.anyio
WINDOW, LOCK = 900.0, 900.0


async def test_ending_sessions_raises_the_generation_for_every_worker(
    queue_store_factory: QueueStoreFactory,
) -> None:
    one, other = queue_store_factory(), queue_store_factory()
    try:
        assert await one.session_epoch("a1") == 0
        assert await one.end_sessions("a1") == 1
        assert await other.session_epoch("a1") == 1  # the other worker sees it at once
        results = await asyncio.gather(*(other.end_sessions("a1") for _ in range(5)))
        assert sorted(results) == [2, 3, 4, 5, 6]  # none lost to a race
        assert await one.session_epoch("a2") == 0
    finally:
        await one.close()
        if other is not one:
            await other.close()


async def test_the_fifth_failure_locks_and_a_success_forgets(queue_store: QueueStore) -> None:
    for n in range(4):
        assert await queue_store.login_failed("login:x", 100.0 + n, WINDOW, 5, LOCK) == 0.0
    assert await queue_store.login_locked_until("login:x", 104.0) == 0.0
    assert await queue_store.login_failed("login:x", 104.0, WINDOW, 5, LOCK) == 104.0 + LOCK
    assert await queue_store.login_locked_until("login:x", 200.0) == 104.0 + LOCK
    assert await queue_store.login_locked_until("login:x", 104.0 + LOCK) == 0.0  # it ends
    assert await queue_store.login_locked_until("login:y", 200.0) == 0.0  # per key
    await queue_store.login_failed("login:z", 100.0, WINDOW, 5, LOCK)
    await queue_store.login_succeeded("login:z")
    for n in range(4):  # counting starts again
        assert await queue_store.login_failed("login:z", 101.0 + n, WINDOW, 5, LOCK) == 0.0


async def test_failures_further_apart_than_the_window_start_a_new_count(
    queue_store: QueueStore,
) -> None:
    for n in range(10):  # one failure every 20 minutes never locks
        assert await queue_store.login_failed("login:s", n * 1200.0, WINDOW, 5, LOCK) == 0.0


async def test_failures_counted_by_two_workers_at_once_all_count(
    queue_store_factory: QueueStoreFactory,
) -> None:
    one, other = queue_store_factory(), queue_store_factory()
    try:
        calls = [s.login_failed("login:w", 100.0, WINDOW, 5, LOCK) for s in (one, other) * 2]
        await asyncio.gather(*calls)
        assert await one.login_failed("login:w", 101.0, WINDOW, 5, LOCK) == 101.0 + LOCK
    finally:
        await one.close()
        if other is not one:
            await other.close()
