"""On SQLite a conversation's reads and writes run on the event loop (a thread hop cost
more than the work), yet the loop keeps serving others between them, and scans over many
conversations still go to a thread."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio.to_thread
import pytest

from bot.store.queue_base import QueueEntry
from bot.store.sql_queue import SQLQueueStore


@pytest.mark.anyio
async def test_per_conversation_work_is_inline_and_scans_use_a_thread(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLQueueStore(sqlite_url)
    try:
        await store.load("warm-up")  # opens and migrates (in a thread)
        hops: list[str] = []
        original = anyio.to_thread.run_sync

        async def counted(call: Any, *args: Any, **kwargs: Any) -> Any:
            hops.append(getattr(call, "__qualname__", "?"))
            return await original(call, *args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
        await store.append("p1", [{"event": "user", "timestamp": 1.0, "text": "merhaba"}])
        assert len(await store.load("p1")) == 1
        await store.enqueue(
            QueueEntry("p1", "player_asked", "general", "tr", 1, "", requested_at=1.0)
        )
        assert await store.assign("p1", "ayse", 2.0)
        assert hops == []
        assert "p1" in await store.conversation_ids()
        assert len(hops) == 1  # the scan went to a thread
    finally:
        await store.close()


@pytest.mark.anyio
async def test_a_loop_of_inline_reads_lets_other_tasks_run(sqlite_url: str) -> None:
    store = SQLQueueStore(sqlite_url)
    try:
        for number in range(50):
            await store.append(f"p{number}", [{"event": "user", "timestamp": 1.0, "text": "x"}])
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        running = asyncio.create_task(ticker())
        for _ in range(4):
            for number in range(50):
                await store.load(f"p{number}")
        running.cancel()
        assert ticks >= 100  # another task ran between the reads, not once at the end
    finally:
        await store.close()
