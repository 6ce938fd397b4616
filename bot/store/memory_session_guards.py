"""Console session generations and sign-in failure counts in one process's memory.

Mixed into :class:`~bot.store.memory_queue.InMemoryQueueStore`; each method runs without
awaiting in between, so on one event loop each is atomic.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InMemorySessionGuards"]


@dataclass(slots=True)
class _Failures:
    count: int
    first_at: float
    locked_until: float = 0.0


class InMemorySessionGuards:
    def __init__(self) -> None:
        self._epochs: dict[str, int] = {}
        self._failures: dict[str, _Failures] = {}

    async def session_epoch(self, agent_id: str) -> int:
        return self._epochs.get(agent_id, 0)

    async def end_sessions(self, agent_id: str) -> int:
        self._epochs[agent_id] = self._epochs.get(agent_id, 0) + 1
        return self._epochs[agent_id]

    async def login_locked_until(self, key: str, now: float) -> float:
        found = self._failures.get(key)
        return found.locked_until if found is not None and found.locked_until > now else 0.0

    async def login_failed(
        self, key: str, now: float, window: float, limit: int, lock: float
    ) -> float:
        self._forget_stale(now, window)
        found = self._failures.get(key)
        if found is None or now - found.first_at > window:
            found = self._failures[key] = _Failures(0, now)
        found.count += 1
        if found.count >= limit:
            found.locked_until = max(found.locked_until, now + lock)
            found.count, found.first_at = 0, now
        return found.locked_until if found.locked_until > now else 0.0

    async def login_succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _forget_stale(self, now: float, window: float) -> None:
        """Runs and locks that are over count for nothing: dropped, so logins an attacker
        invents do not pile up."""
        stale = [
            key
            for key, found in self._failures.items()
            if now - found.first_at > window and found.locked_until <= now
        ]
        for key in stale:
            del self._failures[key]
