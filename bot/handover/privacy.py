"""A player's data on request (KVKK/GDPR): export it all, or erase it everywhere.

A player is named by a conversation (its sender id) or by their account id (every
conversation whose ``player_id`` slot held it). An export is one JSON document of
everything stored about those conversations; an erasure removes or anonymises it in
every table (see :mod:`bot.store.privacy`), each conversation under the conversation's
lock so no turn writes in between, and each under its own opaque reference
(``erased-<random>``: random, not a hash, because a hash of a phone number or a
Telegram id is found again by trying them all). Both leave an audit record saying when
and by whom; an erasure's names only the reference and counts. Erasing again finds
nothing and changes nothing.

A chat an agent holds is ended (withdrawn, resolution ``erased``) and the consoles are
told, so the agent's page drops it instead of writing into a conversation that is gone.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.channels import Fanout
from bot.errors import HandoverError
from bot.handover.privacy_events import (
    PLAYER_ID_SLOT,
    anonymised_events,
    csat_answers,
    player_ids,
)
from bot.handover.topics import QUEUE_TOPIC
from bot.store.audit import PRIVACY_ERASE, PRIVACY_EXPORT, AuditLog
from bot.store.base import LockStore
from bot.store.privacy import ERASED, Erased, PrivacyStore
from bot.store.queue_base import ENTRY_WITHDRAWN, QueueEntry

__all__ = ["Erasure", "PlayerPrivacy", "PlayerQuery", "tell_consoles"]

MAX_ID = 255
_PLAYER_ID = re.compile(r"[A-Za-z0-9_.:@+-]{1,64}")
Ended = Callable[[QueueEntry], Awaitable[None]]


def _bad(field_name: str, message: str) -> HandoverError:
    return HandoverError(f"{field_name}: {message}", "bad_field", field=field_name)


@dataclass(frozen=True, slots=True)
class PlayerQuery:
    """Whom a request is about: one conversation, or every conversation of an account."""

    sender_id: str | None = None
    player_id: str | None = None

    def __post_init__(self) -> None:
        if (self.sender_id is None) == (self.player_id is None):
            raise _bad("player", "name either a conversation (sender) or a player id")
        sender = self.sender_id
        if sender is not None and not (0 < len(sender) <= MAX_ID and sender.isprintable()):
            raise _bad("sender", f"1 to {MAX_ID} printable characters")
        if self.player_id is not None and not _PLAYER_ID.fullmatch(self.player_id):
            raise _bad("player_id", "1 to 64 letters, digits or . _ : @ + -")

    @property
    def subject(self) -> str:
        """How the audit log names the player asked about (replaced by an erasure)."""
        return self.sender_id if self.sender_id is not None else f"player:{self.player_id}"

    def as_dict(self) -> dict[str, str]:
        if self.sender_id is not None:
            return {"sender_id": self.sender_id}
        return {"player_id": str(self.player_id)}


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did: its reference (None: nothing was stored) and the counts."""

    reference: str | None
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "erased": dict(self.counts)}


async def tell_consoles(fanout: Fanout, entry: QueueEntry) -> None:
    """Say on the queue's topic that the chat left the queue (as the queue does), so
    every console refreshes and the agent who held it sees it gone."""
    message = {
        "type": "withdrawn",
        "sender_id": entry.sender_id,
        "status": ENTRY_WITHDRAWN,
        "agent_id": entry.agent_id,
        "priority": entry.priority,
        "skill": entry.skill,
        "requested_at": entry.requested_at,
        "by": ERASED,
    }
    await fanout.publish(QUEUE_TOPIC, message)


class PlayerPrivacy:
    """Exports and erasures on ``store``, audited in ``audit``.

    ``locks``: the conversations' locks (erasure waits for a running turn); ``ended``:
    called with each active queue entry an erasure ended (the server tells the consoles
    and routes again).
    """

    def __init__(
        self,
        store: PrivacyStore,
        audit: AuditLog,
        locks: LockStore | None = None,
        ended: Ended | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.audit = audit
        self.locks = locks
        self.ended = ended
        self.clock = clock

    async def conversations(self, query: PlayerQuery) -> list[str]:
        if query.sender_id is not None:
            return [query.sender_id]
        match = {"name": PLAYER_ID_SLOT, "value": str(query.player_id)}
        return await self.store.conversations_with_event("slot", match)

    async def export(self, query: PlayerQuery, actor: str) -> dict[str, Any]:
        """Everything stored about the player, as one JSON-able document."""
        conversations = []
        for sender_id in await self.conversations(query):
            data = await self.store.conversation_data(sender_id)
            if data is not None:
                conversations.append({**data.as_dict(), "csat": csat_answers(data.events)})
        now = self.clock()
        await self.audit.record(
            actor, PRIVACY_EXPORT, query.subject, {"conversations": len(conversations)}, at=now
        )
        return {
            "exported_at": datetime.fromtimestamp(now, UTC).isoformat(),
            "query": query.as_dict(),
            "conversations": conversations,
        }

    async def erase(self, query: PlayerQuery, actor: str) -> Erasure:
        """Erase every conversation of the player; idempotent."""
        base = f"erased-{secrets.token_hex(8)}"
        senders = await self.conversations(query)
        totals: dict[str, int] = dict.fromkeys(Erased().counts(), 0)
        references: list[str] = []
        for index, sender_id in enumerate(senders):
            reference = base if len(senders) == 1 else f"{base}-{index + 1}"
            erased = await self._erase_one(sender_id, reference, query)
            if erased.nothing:
                continue
            references.append(reference)
            for key, value in erased.counts().items():
                totals[key] += value
            for entry in erased.ended:
                if self.ended is not None:
                    await self.ended(entry)
        done = base if references else None
        details = {**totals, "by_player_id": query.player_id is not None}
        await self.audit.record(actor, PRIVACY_ERASE, done or "", details, at=self.clock())
        return Erasure(done, totals)

    async def _erase_one(self, sender_id: str, reference: str, query: PlayerQuery) -> Erased:
        lock: AbstractAsyncContextManager[None] = (
            self.locks.lock(sender_id) if self.locks is not None else nullcontext()
        )
        async with lock:
            data = await self.store.conversation_data(sender_id)
            if data is None:
                return Erased()
            now = self.clock()
            subjects = {query.subject, *(f"player:{pid}" for pid in player_ids(data.events))}
            return await self.store.erase(
                sender_id,
                reference,
                lambda raw: anonymised_events(raw, now),
                now,
                audit_subjects=subjects,
            )
