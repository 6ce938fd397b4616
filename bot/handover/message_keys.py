"""At most once, across workers: an agent message given with an idempotency key.

The desk claims the key in the store before it records the message. A second call with
the same key finds it delivered (nothing to do) or held by another worker right now
(:class:`MessageInFlight`, so the caller answers "try again" rather than acknowledge a
message that may yet fail). If recording or sending fails the key is released, so a
retry can have it; a worker that dies holding it leaves it to expire after
:data:`LEASE` seconds. A retry of a message that was stored but never sent finds it in
the tracker (by its ``message_id``) and sends it without storing it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.dialogue.handover_events import LiveAgentUttered
from bot.dialogue.tracker import Tracker
from bot.errors import DestekError
from bot.store.delivery_keys import BUSY, DONE, DeliveryKeys

__all__ = [
    "KEYED",
    "LEASE",
    "KeyClaim",
    "MessageInFlight",
    "MessageNotDelivered",
    "claimed_once",
    "recorded_with",
]

log = logging.getLogger(__name__)
KEYED = "agent_message:"
LEASE = 60.0  # seconds a claim outlives a worker that died holding it


class MessageInFlight(DestekError):
    """Another worker is giving the same keyed message right now: try again later."""


class MessageNotDelivered(DestekError):
    """The keyed message is stored but the player's channel failed: a retry sends it."""


@dataclass
class KeyClaim:
    done: bool  # delivered before this call: nothing to do
    sent: bool = False

    def delivered(self, sent: bool) -> None:
        self.sent = sent


@asynccontextmanager
async def claimed_once(
    keys: DeliveryKeys, key: str, clock: Callable[[], float], lease: float = LEASE
) -> AsyncIterator[KeyClaim]:
    """Hold ``key`` while the body records and sends; mark it done if the body said
    :meth:`KeyClaim.delivered`, release it otherwise.

    Raises:
        MessageInFlight: another caller holds the key.
        MessageNotDelivered: the body ran but the player's channel failed.
    """
    state = await keys.claim(key, clock(), lease)
    if state == BUSY:
        raise MessageInFlight(f"{key} is being delivered by another worker")
    claim = KeyClaim(done=state == DONE)
    if claim.done:
        yield claim
        return
    try:
        yield claim
    except BaseException:
        await asyncio.shield(_release(keys, key))
        raise
    if not claim.sent:
        await asyncio.shield(_release(keys, key))
        raise MessageNotDelivered(f"{key} did not reach the player")
    await keys.done(key, clock())


async def _release(keys: DeliveryKeys, key: str) -> None:
    try:
        await keys.release(key)
    except Exception:  # the lease frees it later
        log.warning("could not release %s; it frees itself after its lease", key, exc_info=True)


def recorded_with(tracker: Tracker, message_id: str) -> LiveAgentUttered | None:
    """The agent message stored with ``message_id``, if any."""
    for event in reversed(tracker.events):
        if isinstance(event, LiveAgentUttered) and event.metadata.get("message_id") == message_id:
            return event
    return None
