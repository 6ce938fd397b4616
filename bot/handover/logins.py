"""Checking an operator's login and password (the console's sign-in calls this).

Hashing is slow on purpose, so it runs in a worker thread. An unknown login costs the
same hash as a known one, so timing does not tell which logins exist; a hash made with
weaker parameters than today's is replaced at the next successful sign-in.
"""

from __future__ import annotations

import functools

import anyio.to_thread

from bot.handover.passwords import hash_password, needs_rehash, verify_password
from bot.store.queue_base import Agent, QueueStore

__all__ = ["authenticate"]


@functools.cache
def _decoy_hash() -> str:
    return hash_password("a password no operator has")


async def authenticate(store: QueueStore, login: str, password: str) -> Agent | None:
    """The enabled agent with this login and password; None when they match nobody
    (an unknown login, a wrong password, a disabled agent alike)."""
    agent = await store.agent_by_login(login)
    known = agent.password_hash if agent is not None else _decoy_hash()
    matches = await anyio.to_thread.run_sync(verify_password, known, password)
    if agent is None or not matches or agent.disabled:
        return None
    if needs_rehash(agent.password_hash):
        fresh = await anyio.to_thread.run_sync(hash_password, password)
        await store.set_password_hash(agent.id, fresh)
    return agent
