"""Stores that live in one process's memory: for tests and ``bot shell``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.errors import StoreError
from bot.store.base import HANDOVER_STATUS_OPEN, HandoverRecord, encode_events

__all__ = ["DEFAULT_LOCK_TIMEOUT", "InMemoryLockStore", "InMemoryTrackerStore"]

DEFAULT_LOCK_TIMEOUT = 60.0


class InMemoryTrackerStore:
    """Keeps events as JSON text, so callers never share or mutate stored dicts."""

    def __init__(self) -> None:
        self._events: dict[str, list[str]] = {}
        self._handovers: list[tuple[str, HandoverRecord, str]] = []

    async def load(self, sender_id: str) -> list[dict[str, Any]]:
        return [json.loads(event) for event in self._events.get(sender_id, [])]

    async def load_since(
        self, sender_id: str, known: int, last_timestamp: float | None
    ) -> list[dict[str, Any]] | None:
        stored = self._events.get(sender_id, [])
        if known > len(stored):
            return None
        if known and json.loads(stored[known - 1]).get("timestamp") != last_timestamp:
            return None
        return [json.loads(event) for event in stored[known:]]

    async def append(self, sender_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        encoded = encode_events(events)
        if encoded:
            self._events.setdefault(sender_id, []).extend(encoded)

    async def record_handover(self, sender_id: str, record: Mapping[str, Any]) -> int:
        validated = HandoverRecord.from_mapping(record)
        self._handovers.append((sender_id, validated, HANDOVER_STATUS_OPEN))
        return len(self._handovers)

    async def handovers(
        self, sender_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        found = [
            record.as_dict(index + 1, owner, record_status)
            for index, (owner, record, record_status) in enumerate(self._handovers)
            if (sender_id is None or owner == sender_id)
            and (status is None or record_status == status)
        ]
        return sorted(found, key=lambda row: (row["created_at"], row["id"]))

    async def conversation_ids(self) -> list[str]:
        return list(self._events)

    async def close(self) -> None:
        return None


@dataclass(slots=True)
class _Waiters:
    """One conversation's lock and how many tasks hold it or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class InMemoryLockStore:
    """Per-conversation asyncio locks, dropped once nobody holds or waits for them.

    ``asyncio.Lock`` hands the lock to waiters in arrival order, and a newcomer queues
    behind earlier waiters even while the lock is briefly free, so the lock is FIFO.
    """

    def __init__(self, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.timeout = timeout
        self._locks: dict[str, _Waiters] = {}

    @asynccontextmanager
    async def lock(self, sender_id: str) -> AsyncIterator[None]:
        waiters = self._locks.setdefault(sender_id, _Waiters())
        waiters.users += 1
        try:
            try:
                async with asyncio.timeout(self.timeout):
                    await waiters.lock.acquire()
            except TimeoutError:
                raise StoreError(
                    f"timed out after {self.timeout:g} s waiting for a conversation's lock"
                ) from None
            try:
                yield
            finally:
                waiters.lock.release()
        finally:
            waiters.users -= 1
            if waiters.users == 0:
                del self._locks[sender_id]

    async def close(self) -> None:
        return None

    def __len__(self) -> int:
        """How many conversations currently have a lock held or awaited."""
        return len(self._locks)
