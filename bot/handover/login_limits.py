"""Sign-in limits: failures are counted per login and per address, and too many lock.

Five failed sign-ins with one login within 15 minutes lock that login for 15 minutes;
twenty from one address lock the address (a password sprayed over many logins). While
locked, sign-in is refused before the password is even checked, with the same answer
for a login that exists and one that does not, so the lock tells nothing about which
logins exist. Counts live in the queue store, so every worker shares them.

Logins and addresses are counted under a hash of their text: what someone typed into
the login field (often a password by mistake) is never stored.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from bot.handover.logins import authenticate
from bot.store.queue_base import Agent, QueueStore

__all__ = ["LoginLimits", "LoginLocked", "sign_in"]


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_login: int = 5
    per_address: int = 20
    window: float = 15 * 60  # failures further apart than this start a new count
    lock: float = 15 * 60


class LoginLocked(Exception):
    """Sign-in is refused for ``retry_after`` seconds (the login or the address)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


def _key(kind: str, text: str) -> str:
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


async def sign_in(
    store: QueueStore,
    login: str,
    password: str,
    address: str,
    now: float,
    limits: LoginLimits = LoginLimits(),  # frozen: one default is safe
) -> Agent | None:
    """The agent these credentials name, or None (as :func:`authenticate`).

    Raises:
        LoginLocked: the login or the address is locked, now or by this failure.
    """
    login_key, address_key = _key("login", login.casefold()), _key("address", address)
    locked = max(
        await store.login_locked_until(login_key, now),
        await store.login_locked_until(address_key, now),
    )
    if locked:
        raise LoginLocked(math.ceil(locked - now))
    agent = await authenticate(store, login, password)
    if agent is not None:
        await store.login_succeeded(login_key)
        return agent
    locked = max(
        await store.login_failed(login_key, now, limits.window, limits.per_login, limits.lock),
        await store.login_failed(address_key, now, limits.window, limits.per_address, limits.lock),
    )
    if locked:
        raise LoginLocked(math.ceil(locked - now))
    return None
