"""Time for the backend: the clock protocol, the system clock and a manual clock for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

__all__ = ["ISTANBUL", "Clock", "ManualClock", "SystemClock"]

# Türkiye has kept UTC+3 all year since 2016, so a fixed offset needs no tz database.
ISTANBUL = timezone(timedelta(hours=3), "+03")


class Clock(Protocol):
    """Anything that tells the current, timezone-aware time."""

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    """The real clock, to the second: the API speaks of times no finer than that."""

    __slots__ = ()

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class ManualClock:
    """A clock that moves only when told to, so tests never sleep."""

    __slots__ = ("_now",)

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _aware(moment)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware datetime")
    return moment
