"""A follow-up whose worker was killed while sending it: its claim stays ``sending``.
Once that claim is stale another worker takes it over (exactly one of several), so the
player is still asked; a fresh claim, or one that ended, is never taken."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.dialogue.domain import read_domain
from bot.handover.followups import STALE_CLAIM
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import QueueEntry, QueueStore
from tests.handover.conftest import Floor, make_floor
from tests.handover.test_followups import CONFIG, FOLLOW_UP_DOMAIN, HOUR, QUESTION, asked, closed
from tests.store.conftest import sqlite_url
from tests.store.test_queue_store import QueueStoreFactory, queue_store_factory

__all__ = ["queue_store_factory", "sqlite_url"]

pytestmark = pytest.mark.anyio
CLOSED, CLAIMED = 1000.0, 2000.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _claimed_then_abandoned(store: QueueStore) -> QueueEntry:
    await store.enqueue(QueueEntry("p1", "player_asked", requested_at=CLOSED - 100))
    await store.finish("p1", "closed", CLOSED, "follow_up")
    (entry,) = await store.followups_due("follow_up", 0.0, 5000.0)
    assert await store.claim_followup(entry, CLAIMED)  # ...and its worker is killed
    return entry


async def test_a_stale_sending_claim_is_taken_over_by_one_worker(
    queue_store_factory: QueueStoreFactory,
) -> None:
    stores = [queue_store_factory(), queue_store_factory()]
    try:
        entry = await _claimed_then_abandoned(stores[0])
        due = stores[1].followups_due
        assert await due("follow_up", 0.0, 5000.0) == []  # as before, without staleness
        assert await due("follow_up", 0.0, 5000.0, stale_before=CLAIMED) == []  # fresh
        assert [e.id for e in await due("follow_up", 0.0, 5000.0, stale_before=2900.0)] == [
            entry.id
        ]
        assert not await stores[1].claim_followup(entry, 2950.0, stale_before=CLAIMED)
        won = await asyncio.gather(
            *(store.claim_followup(entry, 3000.0, stale_before=2900.0) for store in stores)
        )
        assert sorted(won) == [False, True]
        (claim,) = await stores[1].followups("p1")
        assert (claim.status, claim.claimed_at) == ("sending", 3000.0)
        await stores[1].finish_followup(entry.id, "sent", 3001.0, "rest")
        assert await due("follow_up", 0.0, 5000.0, stale_before=9000.0) == []
        assert not await stores[0].claim_followup(entry, 9001.0, stale_before=9000.0)
    finally:
        for store in stores:
            await store.close()


# ---- on the queue's timer: the player is asked once, even so -------------------------


@pytest.fixture
def floor(tmp_path: Path) -> Floor:
    path = tmp_path / "domain.yml"
    path.write_text(FOLLOW_UP_DOMAIN, encoding="utf-8")
    return make_floor(InMemoryQueueStore(), read_domain(path), CONFIG)


async def _claimed_by_a_worker_that_died(floor: Floor) -> QueueEntry:
    await closed(floor, "p1", "follow_up")
    floor.clock.advance(24 * HOUR + 1)
    (entry,) = await floor.store.followups_due("follow_up", 0.0, floor.clock())
    assert await floor.store.claim_followup(entry, floor.clock())
    return entry


async def test_a_follow_up_abandoned_while_sending_is_sent_by_another_worker(
    floor: Floor,
) -> None:
    await _claimed_by_a_worker_that_died(floor)
    await floor.timers.tick()
    assert asked(floor, "p1") == 0  # the claim is fresh: its worker may be sending
    floor.clock.advance(STALE_CLAIM + 1)
    await floor.timers.tick()
    await floor.timers.tick()
    assert asked(floor, "p1") == 1
    (done,) = await floor.store.followups("p1")
    assert done.status == "sent"


async def test_one_the_dead_worker_had_asked_is_not_asked_again(floor: Floor) -> None:
    await _claimed_by_a_worker_that_died(floor)
    # it sent the question and noted it in the conversation, then died before finishing
    await floor.trackers.append(
        "p1",
        [
            {"event": "bot", "timestamp": floor.clock(), "text": QUESTION},
            {"event": "follow_up_asked", "timestamp": floor.clock(), "resolution": "follow_up"},
        ],
    )
    floor.clock.advance(STALE_CLAIM + 1)
    await floor.timers.tick()
    assert asked(floor, "p1") == 0
    (done,) = await floor.store.followups("p1")
    assert done.status == "skipped"
