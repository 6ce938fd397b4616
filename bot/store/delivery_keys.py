"""Idempotency keys for messages given to the player at most once, across workers.

An external help desk (Chatwoot) may deliver the same webhook twice, or to two workers
at once. Before a keyed message is recorded and sent, its key is *claimed*: an atomic
insert, so of two workers (or two retries) one wins. The winner marks the key *done*
once the player has the message, or *releases* it when that failed, so a retry can
try again. A worker that dies holding a claim leaves it to expire after its lease.
"""

from __future__ import annotations

from typing import Literal, Protocol

__all__ = ["BUSY", "CLAIMED", "DONE", "Claim", "DeliveryKeys", "InMemoryDeliveryKeys"]

CLAIMED: Literal["claimed"] = "claimed"  # the caller holds the key: record and send
DONE: Literal["done"] = "done"  # delivered before: nothing to do
BUSY: Literal["busy"] = "busy"  # another worker holds a live claim: try again later
Claim = Literal["claimed", "done", "busy"]


class DeliveryKeys(Protocol):
    async def claim(self, key: str, now: float, lease: float) -> Claim:
        """Take ``key`` for ``lease`` seconds: CLAIMED if it was free (or its holder's
        lease ran out), DONE if it was delivered, BUSY if someone holds it now."""
        ...

    async def done(self, key: str, now: float) -> None:
        """The keyed message reached the player: every later claim is DONE."""
        ...

    async def release(self, key: str) -> None:
        """The keyed message did not reach the player: the next claim may have it."""
        ...


class InMemoryDeliveryKeys:
    """The keys of one process (in-memory stores: one worker)."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, float]] = {}  # key -> (state, claimed or done at)

    async def claim(self, key: str, now: float, lease: float) -> Claim:
        held = self._keys.get(key)
        if held is not None:
            state, since = held
            if state == DONE:
                return DONE
            if since + lease > now:
                return BUSY
        self._keys[key] = (CLAIMED, now)
        return CLAIMED

    async def done(self, key: str, now: float) -> None:
        self._keys[key] = (DONE, now)

    async def release(self, key: str) -> None:
        self._keys.pop(key, None)
