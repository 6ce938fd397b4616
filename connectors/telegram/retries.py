"""Calling the Bot API through flood limits and outages: retry what can succeed later.

A 429 carries ``retry_after``, which is honoured; a 5xx, a timeout or a refused
connection is retried with exponential backoff. A 400 (bad request), 403 (the player
blocked the bot) or 401/404 (a wrong token) would fail again and is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

__all__ = ["Backoff", "call_bot_api", "retry_delay"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """How often and how long to retry. A ``retry_after`` over ``max_delay`` is not waited
    for: the call fails then rather than hold the player's turn for minutes."""

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt number ``attempt`` (1, 2...)."""
        return float(min(self.max_delay, self.first_delay * 2 ** (attempt - 1)))


def retry_delay(exc: TelegramError, attempt: int, backoff: Backoff) -> float | None:
    """Seconds to wait before retrying after ``exc``, or None when retrying is pointless."""
    if isinstance(exc, RetryAfter):
        seconds = _retry_after_seconds(exc)
        return seconds if seconds <= backoff.max_delay else None
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return backoff.delay(attempt)
    return None


async def call_bot_api(call: Callable[[], Awaitable[T]], what: str, backoff: Backoff) -> T:
    """``await call()``, retried as :class:`Backoff` says.

    Raises:
        TelegramError: the last failure, once retrying is over or pointless.
    """
    attempt = 1
    while True:
        try:
            return await call()
        except TelegramError as exc:
            delay = retry_delay(exc, attempt, backoff)
            if delay is None or attempt >= backoff.attempts:
                raise
            log.warning(
                "Bot API %s failed (%s), attempt %d of %d; retrying in %.1fs",
                what, type(exc).__name__, attempt, backoff.attempts, delay,
            )  # fmt: skip
        await asyncio.sleep(delay)
        attempt += 1


def _retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns that ``retry_after`` becomes a timedelta; accept either.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
