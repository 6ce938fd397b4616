"""The stores with personal data masked on the way in (:mod:`bot.store.masking`).

Each is its store with the writing methods that take free text wrapped, so it is still
that store for everything else (``isinstance`` checks, the SQL store's engine, the
privacy export) and reads return what was written: the masked rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.store.masking import StoreMasking
from bot.store.memory import InMemoryTrackerStore
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import Note, QueueEntry, Ticket
from bot.store.sql import SQLTrackerStore
from bot.store.sql_queue import SQLQueueStore

__all__ = [
    "MaskedInMemoryQueueStore",
    "MaskedInMemoryTrackerStore",
    "MaskedSQLQueueStore",
    "MaskedSQLTrackerStore",
]


class MaskedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, url: str, masking: StoreMasking) -> None:
        super().__init__(url)
        self.masking = masking

    async def append(self, sender_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        await super().append(sender_id, self.masking.events(events))

    async def record_handover(self, sender_id: str, record: Mapping[str, Any]) -> int:
        return await super().record_handover(sender_id, self.masking.handover(record))


class MaskedSQLQueueStore(SQLQueueStore, MaskedSQLTrackerStore):
    """The SQL queue store (a tracker store too, on the same engine), masked both ways."""

    async def enqueue(self, entry: QueueEntry) -> QueueEntry:
        return await super().enqueue(self.masking.entry(entry))

    async def add_ticket(self, ticket: Ticket) -> int:
        return await super().add_ticket(self.masking.ticket(ticket))

    async def add_note(self, note: Note) -> int:
        return await super().add_note(self.masking.note(note))


class MaskedInMemoryTrackerStore(InMemoryTrackerStore):
    def __init__(self, masking: StoreMasking) -> None:
        super().__init__()
        self.masking = masking

    async def append(self, sender_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        await super().append(sender_id, self.masking.events(events))

    async def record_handover(self, sender_id: str, record: Mapping[str, Any]) -> int:
        return await super().record_handover(sender_id, self.masking.handover(record))


class MaskedInMemoryQueueStore(InMemoryQueueStore):
    def __init__(self, masking: StoreMasking) -> None:
        super().__init__()
        self.masking = masking

    async def enqueue(self, entry: QueueEntry) -> QueueEntry:
        return await super().enqueue(self.masking.entry(entry))

    async def add_ticket(self, ticket: Ticket) -> int:
        return await super().add_ticket(self.masking.ticket(ticket))

    async def add_note(self, note: Note) -> int:
        return await super().add_note(self.masking.note(note))
