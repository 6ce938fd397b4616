"""What the store holds about one conversation, for a player's export and erasure
(KVKK/GDPR), independent of the database.

A conversation's data lives in many tables: its events, its handover records, its queue
entries, tickets, private notes and follow-ups, and the audit records that name it. An
export reads them all; an erasure removes or anonymises them all in one transaction.
Rows that reports count (events, handovers, queue entries, tickets, follow-ups) are kept
under an opaque reference with their texts cleared, so last month's figures do not
change; rows that are only content (private notes) are deleted. What the events keep is
decided by the caller (``rewrite``), who knows which events the reports read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from bot.store.queue_base import QueueEntry

__all__ = ["ERASED", "ConversationData", "Erased", "PrivacyStore", "Rewrite"]

ERASED = "erased"  # the resolution of a queue entry an erasure ended, and a follow-up's detail
Rewrite = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ConversationData:
    """Every row stored about one conversation, as JSON-able rows (an export's body)."""

    sender_id: str
    created: float | None = None
    latest_event_time: float | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    handovers: list[dict[str, Any]] = field(default_factory=list)
    queue_entries: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Erased:
    """What one erasure changed, in counts (``ended``: the active queue entries it
    ended, as they were, so the console can be told; never written anywhere)."""

    conversations: int = 0
    events_anonymised: int = 0
    events_removed: int = 0
    handovers: int = 0
    queue_entries: int = 0
    tickets: int = 0
    notes_removed: int = 0
    followups: int = 0
    audit_records: int = 0
    ended: tuple[QueueEntry, ...] = ()

    def counts(self) -> dict[str, int]:
        """The counts alone (what the audit record and the API answer say)."""
        return {key: value for key, value in asdict(self).items() if key != "ended"}

    @property
    def nothing(self) -> bool:
        return not any(self.counts().values())


class PrivacyStore(Protocol):
    async def conversations_with_event(self, type_name: str, match: Mapping[str, str]) -> list[str]:
        """The conversations holding an event of ``type_name`` whose fields equal
        ``match`` as text (``{"name": "player_id", "value": "42"}``), oldest first."""
        ...

    async def conversation_data(self, sender_id: str) -> ConversationData | None:
        """Everything stored about the conversation; None when nothing is."""
        ...

    async def erase(
        self,
        sender_id: str,
        reference: str,
        rewrite: Rewrite,
        now: float,
        audit_subjects: Collection[str] = (),
    ) -> Erased:
        """In one transaction: the conversation's events become ``rewrite(events)``
        under ``reference``; its rows that reports count move to ``reference`` with
        their texts cleared; its private notes go; an active queue entry is ended
        (withdrawn, resolution ``erased``); audit records whose subject is the
        conversation or one of ``audit_subjects`` name ``reference`` instead. Erasing
        a conversation with nothing stored changes nothing."""
        ...
