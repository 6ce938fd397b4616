"""What ``/health`` says of each dependency a worker talks to.

Each check is a small real operation with a short deadline, all at once: the tracker
store reads a conversation, the lock store takes and gives back a lock, the fan-out
publishes, the action server and the account backend answer their ``/health``. A
dependency is ``ok``, ``down`` (or too slow), or absent from the answer when this
server does not use it. Nothing of its address or its error is said: ``/health`` is
public.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import httpx

from bot.server.runtime import ConversationService

__all__ = ["CHECK_TIMEOUT", "HealthChecks", "dependencies"]

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 1.0  # seconds each check may take
FRESH = 1.0  # seconds an answer is given again instead of checking anew
HEALTH_TOPIC = "destek:health"
HEALTH_SENDER = "__destek_health__"

Check = Callable[[], Awaitable[object]]


async def dependencies(service: ConversationService, backend_url: str | None) -> dict[str, str]:
    """``{"tracker_store": "ok", "action_server": "down", ...}``"""
    checks: dict[str, Check] = {
        "tracker_store": lambda: service.store.load(HEALTH_SENDER),
        "lock_store": lambda: _lock(service),
        "fanout": lambda: service.fanout.publish(HEALTH_TOPIC, {"type": "health"}),
    }
    if service.action_client is not None:
        actions = _beside(service.action_client.url, "/health")
        checks["action_server"] = lambda: _answers(service.http, actions)
    if backend_url:
        backend = backend_url.rstrip("/") + "/health"
        checks["account_backend"] = lambda: _answers(service.http, backend)
    names = list(checks)
    results = await asyncio.gather(*(_state(name, checks[name]) for name in names))
    return dict(zip(names, results, strict=True))


class HealthChecks:
    """:func:`dependencies`, at most once a second however often ``/health`` is asked
    (it is public: a flood of it must not become a flood on the databases), and once
    for all callers asking at the same moment."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = asyncio.Lock()
        self._last: tuple[float, dict[str, str]] | None = None

    async def states(self, service: ConversationService, backend_url: str | None) -> dict[str, str]:
        async with self._lock:
            if self._last is not None and self.clock() - self._last[0] < FRESH:
                return dict(self._last[1])
            found = await dependencies(service, backend_url)
            self._last = (self.clock(), found)
            return dict(found)


async def _state(name: str, check: Check) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT)
    except Exception as exc:  # any failure or timeout: down, said in the log only
        log.warning("health: %s is down (%s)", name, type(exc).__name__)
        return "down"
    return "ok"


async def _lock(service: ConversationService) -> None:
    async with service.locks.lock(HEALTH_SENDER):
        pass


async def _answers(http: httpx.AsyncClient, url: str) -> None:
    response = await http.get(url, timeout=CHECK_TIMEOUT)
    if response.status_code >= 500:
        raise RuntimeError(f"HTTP {response.status_code}")


def _beside(url: str, path: str) -> str:
    """``http://host:5055/webhook`` -> ``http://host:5055/health``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
