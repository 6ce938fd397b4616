"""Trackers a worker keeps between turns, and how many stored events each was built from.

The engine brings a kept tracker up to date with ``TrackerStore.load_since`` (only the
events any worker added since) instead of reading and replaying the whole conversation
on every turn. A kept tracker is never trusted blindly: the store checks that the stored
prefix it was built from is unchanged, else the conversation is read whole.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from bot.dialogue.event_reader import parse_events
from bot.dialogue.tracker import Tracker

__all__ = ["StoredTracker", "TrackerCache"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredTracker:
    """A tracker and how many stored events it was built from (the last one's time)."""

    tracker: Tracker
    count: int
    last_timestamp: float | None

    def extended(self, sender_id: str, raw: list[dict[str, Any]]) -> StoredTracker:
        events, problems = parse_events(raw)
        for problem in problems:
            log.error("conversation %s: a stored event is unreadable: %s", sender_id, problem)
        stamp = raw[-1].get("timestamp") if raw else self.last_timestamp
        last = float(stamp) if isinstance(stamp, int | float) else None
        return StoredTracker(self.tracker.extended(events), self.count + len(raw), last)


class TrackerCache:
    """The trackers of the conversations this worker served last (least recent dropped)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._held: OrderedDict[str, StoredTracker] = OrderedDict()

    def get(self, sender_id: str) -> StoredTracker | None:
        return self._held.get(sender_id)

    def keep(self, sender_id: str, stored: StoredTracker) -> StoredTracker:
        if self.size > 0:
            self._held[sender_id] = stored
            self._held.move_to_end(sender_id)
            while len(self._held) > self.size:
                self._held.popitem(last=False)
        return stored

    def forget(self, sender_id: str) -> None:
        self._held.pop(sender_id, None)
