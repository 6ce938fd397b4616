"""The store interfaces the dialogue engine uses: a tracker store and a lock store.

Events cross this boundary as Rasa event dicts (``{"event": "user", "timestamp": 1.0,
"text": "..."}``): JSON-able, stored as given and returned equal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.errors import StoreError

__all__ = [
    "HANDOVER_STATUS_OPEN",
    "HandoverRecord",
    "LockStore",
    "TrackerStore",
    "encode_events",
]

HANDOVER_STATUS_OPEN = "open"


class TrackerStore(Protocol):
    """Persists each conversation's events and its handover records."""

    async def load(self, sender_id: str) -> list[dict[str, Any]]:
        """All events of the conversation in the order appended; ``[]`` if unknown."""
        ...

    async def load_since(
        self, sender_id: str, known: int, last_timestamp: float | None
    ) -> list[dict[str, Any]] | None:
        """The events after the first ``known`` ones, if those are still stored as they
        were (the ``known``-th has ``last_timestamp``); None when the conversation was
        changed otherwise (erased, rewritten), so the caller must load it whole.

        Lets a worker that holds a conversation's tracker fetch only what others added.
        """
        ...

    async def append(self, sender_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        """Append ``events`` atomically and durably, keeping their order."""
        ...

    async def record_handover(self, sender_id: str, record: Mapping[str, Any]) -> int:
        """Store an open handover (reason, skill, priority, summary, timestamp); return its id."""
        ...

    async def handovers(
        self, sender_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Handover records, oldest first, optionally only one conversation's or status's."""
        ...

    async def conversation_ids(self) -> list[str]:
        """The ids of all conversations that have events."""
        ...

    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...


class LockStore(Protocol):
    """Per-conversation mutual exclusion across the handlers of one or more workers."""

    def lock(self, sender_id: str) -> AbstractAsyncContextManager[None]:
        """Hold the conversation's lock inside ``async with``. Waiters of one worker are
        served in arrival order; across workers (Redis) the order is not guaranteed.

        Raises:
            StoreError: the lock was not acquired within the store's timeout.
        """
        ...

    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...


@dataclass(frozen=True, slots=True)
class HandoverRecord:
    """A validated handover record as both stores keep it."""

    reason: str
    skill: str
    priority: int
    summary: str
    timestamp: float

    @classmethod
    def from_mapping(cls, record: Mapping[str, Any]) -> HandoverRecord:
        """Check the keys and types of a record given to ``record_handover``.

        Raises:
            StoreError: a key is missing or has the wrong type.
        """
        missing = [
            key
            for key in ("reason", "skill", "priority", "summary", "timestamp")
            if key not in record
        ]
        if missing:
            raise StoreError(f"handover record lacks {', '.join(missing)}")
        text_keys = ("reason", "skill", "summary")
        for key in text_keys:
            if not isinstance(record[key], str):
                raise StoreError(f"handover record {key} must be a string")
        priority, timestamp = record["priority"], record["timestamp"]
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise StoreError("handover record priority must be an integer")
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
            raise StoreError("handover record timestamp must be a number")
        return cls(
            reason=record["reason"],
            skill=record["skill"],
            priority=priority,
            summary=record["summary"],
            timestamp=float(timestamp),
        )

    def as_dict(self, record_id: int, sender_id: str, status: str) -> dict[str, Any]:
        """The record as ``handovers()`` returns it."""
        return {
            "id": record_id,
            "sender_id": sender_id,
            "reason": self.reason,
            "skill": self.skill,
            "priority": self.priority,
            "summary": self.summary,
            "status": status,
            "created_at": self.timestamp,
        }


def encode_events(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """Serialise events to JSON text, checking each has an ``event`` name.

    Every event is checked before any is stored, so a bad one leaves nothing behind.

    Raises:
        StoreError: an event is not a mapping, has no ``event`` name or is not JSON-able.
    """
    encoded = []
    for index, event in enumerate(events):
        if not isinstance(event, Mapping) or not isinstance(event.get("event"), str):
            raise StoreError(f"event {index} has no 'event' name")
        try:
            encoded.append(json.dumps(dict(event), ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise StoreError(f"event {index} ({event['event']}) is not JSON: {exc}") from None
    return encoded
