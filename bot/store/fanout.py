"""The in-process event fan-out (the default with one worker).

Each subscriber has its own queue; a slow subscriber that lets :data:`QUEUE_SIZE`
messages pile up loses the oldest ones rather than holding up the publisher (the
tracker store is the record, the fan-out only the live view).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["QUEUE_SIZE", "InMemoryFanout"]

log = logging.getLogger(__name__)
QUEUE_SIZE = 1_000


class InMemoryFanout:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}

    async def publish(self, topic: str, message: Mapping[str, Any]) -> None:
        # A JSON round trip gives every subscriber its own copy, as Redis would.
        encoded = json.dumps(message, ensure_ascii=False)
        for queue in list(self._subscribers.get(topic, ())):
            if queue.full():
                queue.get_nowait()
                log.warning("fan-out subscriber of %s is behind; dropped a message", topic)
            queue.put_nowait(json.loads(encoded))

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.setdefault(topic, set()).add(queue)
        try:
            yield _drain(queue)
        finally:
            subscribers = self._subscribers.get(topic)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[topic]

    async def close(self) -> None:
        self._subscribers.clear()


async def _drain(queue: asyncio.Queue[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    while True:
        yield await queue.get()
