"""The live-agent queue's settings: waits, SLA targets and working hours.

Read from the ``live_agents:`` section of endpoints.yml (``type: builtin``)::

    live_agents:
      type: builtin
      wait_timeout: 600          # seconds before an untaken chat goes back to the bot
      answer_timeout: 600        # seconds an agent has to write first, else it is requeued
      position_updates: 60       # seconds between place-in-queue messages
      sla: {3: 15, 2: 30, 1: 60, 0: 180}
      working_hours: {days: [0, 1, 2, 3, 4, 5, 6], start: "09:00", end: "01:00",
                      timezone: Europe/Istanbul}
      follow_ups:                # after a close with this resolution, ask "is it solved?"
        follow_up: 24h           # seconds, or 30m / 24h / 2d; off (or absent): never
        not_resolved: 24h
        resolved: 48h
        spam: off
      follow_up_grace: 24h       # a follow-up missed by longer (the server was down) is not sent
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.handover.sla import SlaPolicy

__all__ = ["QueueConfig", "WorkingHours"]

_KEYS = (
    "type",
    "wait_timeout",
    "answer_timeout",
    "position_updates",
    "default_handle_time",
    "sla",
    "working_hours",
    "tick_interval",
    "follow_ups",
    "follow_up_grace",
)
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_OFF = ("off", "no", "false", "never")


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Open on ``days`` (0 Monday .. 6 Sunday) from ``start`` to ``end`` local time; an
    ``end`` before ``start`` runs past midnight (and counts for the day it started)."""

    start: time
    end: time
    days: frozenset[int] = frozenset(range(7))
    timezone: str = "Europe/Istanbul"

    def is_open(self, now: float) -> bool:
        local = datetime.fromtimestamp(now, ZoneInfo(self.timezone))
        clock, day = local.time(), local.weekday()
        if self.start <= self.end:
            return day in self.days and self.start <= clock < self.end
        if clock >= self.start:
            return day in self.days
        return clock < self.end and (day - 1) % 7 in self.days

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> WorkingHours:
        try:
            start = time.fromisoformat(str(options["start"]))
            end = time.fromisoformat(str(options["end"]))
            days = frozenset(int(day) for day in options.get("days", range(7)))
            zone = str(options.get("timezone", "Europe/Istanbul"))
            ZoneInfo(zone)
        except (KeyError, ValueError, TypeError, ZoneInfoNotFoundError) as exc:
            raise ConfigError(
                "endpoints.yml: live_agents.working_hours needs start and end as HH:MM, "
                f"days 0-6 and a known timezone ({type(exc).__name__})"
            ) from None
        if not days <= set(range(7)):
            raise ConfigError("endpoints.yml: live_agents.working_hours.days must be 0 to 6")
        return cls(start, end, days, zone)


@dataclass(frozen=True, slots=True)
class QueueConfig:
    wait_timeout: float = 600.0
    answer_timeout: float = 600.0  # an assigned chat with no word from its agent goes back
    position_updates: float = 60.0
    default_handle_time: float = 300.0  # until closed chats give a better figure
    tick_interval: float = 1.0
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    working_hours: WorkingHours | None = None  # None: always open
    # resolution -> seconds after the close to ask whether the problem is solved
    follow_ups: Mapping[str, float] = field(default_factory=dict)
    follow_up_grace: float = 86400.0

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> QueueConfig:
        """Raises ConfigError for an unknown key or a malformed value."""
        unknown = sorted(str(key) for key in options if key not in _KEYS)
        if unknown:
            raise ConfigError(
                f"endpoints.yml: unknown live_agents key {unknown[0]!r} (known: {', '.join(_KEYS)})"
            )
        numbers = {
            key: _seconds(options[key], key)
            for key in (
                "wait_timeout",
                "answer_timeout",
                "position_updates",
                "default_handle_time",
                "tick_interval",
            )
            if key in options
        }
        if "follow_up_grace" in options:
            numbers["follow_up_grace"] = _duration(options["follow_up_grace"], "follow_up_grace")
        sla = options.get("sla")
        hours = options.get("working_hours")
        if sla is not None and not isinstance(sla, Mapping):
            raise ConfigError("endpoints.yml: live_agents.sla maps a priority to seconds")
        if hours is not None and not isinstance(hours, Mapping):
            raise ConfigError("endpoints.yml: live_agents.working_hours must be a mapping")
        return cls(
            **numbers,
            sla=_sla(sla) if sla else SlaPolicy(),
            working_hours=None if hours is None else WorkingHours.from_options(hours),
            follow_ups=_follow_ups(options.get("follow_ups")),
        )


def _sla(options: Mapping[Any, Any]) -> SlaPolicy:
    targets: dict[int, float] = {}
    for key, value in options.items():
        if isinstance(key, bool) or not str(key).lstrip("-").isdecimal():
            raise ConfigError(f"endpoints.yml: live_agents.sla key {key!r} must be a priority")
        targets[int(key)] = _seconds(value, f"sla.{key}")
    return SlaPolicy(targets)


def _seconds(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"endpoints.yml: live_agents.{key} must be a positive number of seconds")
    return float(value)


def _follow_ups(options: Any) -> dict[str, float]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ConfigError("endpoints.yml: live_agents.follow_ups maps a resolution to a delay")
    delays: dict[str, float] = {}
    for resolution, value in options.items():
        if value is None or value is False or str(value).strip().lower() in _OFF:
            continue
        delays[str(resolution)] = _duration(value, f"follow_ups.{resolution}")
    return delays


def _duration(value: Any, key: str) -> float:
    """Seconds, or a number with a unit: ``90m``, ``24h``, ``2d``."""
    if isinstance(value, str):
        text = value.strip().lower()
        unit = _UNITS.get(text[-1:]) if text else None
        try:
            number = float(text[:-1] if unit else text) * (unit or 1.0)
        except ValueError:
            raise ConfigError(
                f"endpoints.yml: live_agents.{key} must be seconds or like 30m, 24h, 2d "
                f"(found {value!r})"
            ) from None
        return _seconds(number, key)
    return _seconds(value, key)
