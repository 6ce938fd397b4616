"""Fault injection for tests: make matching API requests slow, failing, or answered with garbage."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import anyio
from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse, Response

from actions.backend.errors import error_response

__all__ = ["FaultInjector", "FaultPlan"]

log = logging.getLogger(__name__)

# What a misconfigured proxy or a maintenance page answers: a 200 that is not JSON.
GARBAGE = "<html><head><title>Bakım</title></head><body>Sistem bakımda.</body></html>"


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """How to misbehave, for requests whose path starts with one of ``paths`` (all if empty)."""

    delay_ms: int = 0
    fail_rate: float = 0.0
    status: int = 500
    garbage: bool = False
    paths: tuple[str, ...] = ()
    times: int | None = None  # how many more requests to affect; None for no end

    def matches(self, path: str) -> bool:
        return not self.paths or any(path.startswith(prefix) for prefix in self.paths)


class FaultInjector:
    """Holds the current plan and applies it to API requests, never to ``exempt`` paths.

    Args:
        rng: decides which requests fail when ``fail_rate`` is between 0 and 1.
        scope: the path prefix faults apply to.
        exempt: path prefixes never touched (admin routes and the outbox, which tests
            need while faults are on).
    """

    def __init__(self, rng: random.Random, scope: str, exempt: tuple[str, ...]) -> None:
        self.plan: FaultPlan | None = None
        self._rng = rng
        self._scope = scope
        self._exempt = exempt

    def set(self, plan: FaultPlan) -> None:
        self.plan = plan
        log.warning("faults injected", extra={"plan": plan})

    def clear(self) -> None:
        self.plan = None

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def inject_faults(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            fault = await self.apply(request.url.path)
            return fault if fault is not None else await call_next(request)

    async def apply(self, path: str) -> Response | None:
        """Wait out the delay, then the response that replaces the real one, if any."""
        plan = self._take(path)
        if plan is None:
            return None
        if plan.delay_ms:
            await anyio.sleep(plan.delay_ms / 1000)
        if self._rng.random() >= plan.fail_rate:
            return None
        if plan.garbage:
            return HTMLResponse(GARBAGE, status_code=200)
        return error_response(plan.status, "injected_fault", "fault injected for testing")

    def _take(self, path: str) -> FaultPlan | None:
        plan = self.plan
        if plan is None or path.startswith(self._exempt) or not path.startswith(self._scope):
            return None
        if not plan.matches(path):
            return None
        if plan.times is not None:
            self.plan = replace(plan, times=plan.times - 1) if plan.times > 1 else None
        return plan
