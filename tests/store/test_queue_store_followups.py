"""Follow-ups in the queue store, in memory, on SQLite and on PostgreSQL: which closed
entries are due, one claim among workers racing for it, and how each ended."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.queue_base import QueueEntry, QueueStore
from tests.store.test_queue_store import QueueStoreFactory, queue_store, queue_store_factory

__all__ = ["queue_store", "queue_store_factory"]


async def _closed(store: QueueStore, sender_id: str, at: float, resolution: str | None) -> None:
    await store.enqueue(QueueEntry(sender_id, "player_asked", requested_at=at - 100))
    await store.finish(sender_id, "closed", at, resolution)


@pytest.mark.anyio
async def test_due_are_closed_resolved_in_the_window_and_unclaimed(queue_store: QueueStore) -> None:
    await _closed(queue_store, "early", 900.0, "resolved")
    await _closed(queue_store, "p1", 1000.0, "follow_up")
    await _closed(queue_store, "untagged", 1001.0, None)
    await _closed(queue_store, "p2", 1002.0, "not_resolved")
    await _closed(queue_store, "late", 2000.0, "resolved")
    await queue_store.enqueue(QueueEntry("open", "player_asked", requested_at=1000.0))
    await queue_store.enqueue(QueueEntry("gone", "player_asked", requested_at=999.0))
    await queue_store.finish("gone", "withdrawn", 1000.0, "timeout")
    due = await queue_store.followups_due("follow_up", 950.0, 1500.0)
    assert [(e.sender_id, e.resolution) for e in due] == [("p1", "follow_up")]
    not_resolved = await queue_store.followups_due("not_resolved", 950.0, 1002.0)
    assert [e.sender_id for e in not_resolved] == ["p2"]  # both ends included
    assert await queue_store.followups_due("resolved", 950.0, 1500.0) == []
    assert await queue_store.followups_due("resolved", 900.0, 2000.0) != []
    assert await queue_store.claim_followup(due[0], 1500.0)
    assert not await queue_store.claim_followup(due[0], 1501.0)  # once, ever
    assert await queue_store.followups_due("follow_up", 950.0, 1500.0) == []
    await queue_store.finish_followup(due[0].id, "failed", 1502.0, "channel refused")
    (done,) = await queue_store.followups("p1")
    assert (done.status, done.claimed_at, done.done_at, done.detail) == (
        "failed", 1500.0, 1502.0, "channel refused",
    )  # fmt: skip
    assert [f.sender_id for f in await queue_store.followups()] == ["p1"]


@pytest.mark.anyio
async def test_two_workers_claiming_at_once_one_wins(
    queue_store_factory: QueueStoreFactory,
) -> None:
    stores = [queue_store_factory(), queue_store_factory()]
    try:
        for round_ in range(5):
            await _closed(stores[0], f"p{round_}", 1000.0 + round_, "follow_up")
        for entry in await stores[0].followups_due("follow_up", 0.0, 5000.0):
            won = await asyncio.gather(
                stores[0].claim_followup(entry, 2000.0), stores[1].claim_followup(entry, 2000.0)
            )
            assert sorted(won) == [False, True]
        assert len(await stores[1].followups()) == 5
        assert await stores[1].followups_due("follow_up", 0.0, 5000.0) == []
    finally:
        for store in stores:
            await store.close()
