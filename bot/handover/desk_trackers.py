"""The trackers the desk keeps between steps, brought up to date from the store.

Every desk step reads the conversation under its lock. Reading and replaying the whole
conversation each time (an agent writing ten messages replays it ten times) is what a
step would cost most; instead the desk keeps the trackers it built last and asks the
store only for the events added since (``TrackerStore.load_since``, which also checks
that the stored prefix is unchanged, else the conversation is read whole), as the
engine does for turns. A reloaded model's domain starts the keeping over.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogue.domain import Domain
from bot.dialogue.events import Event
from bot.dialogue.tracker import Tracker
from bot.dialogue.tracker_cache import StoredTracker, TrackerCache
from bot.store.base import TrackerStore

__all__ = ["DeskTrackers"]

KEPT = 2_000


class DeskTrackers:
    """Call under the conversation's lock: :meth:`load`, then :meth:`appended` or
    :meth:`forget` for what the step did."""

    def __init__(self, store: TrackerStore, size: int = KEPT) -> None:
        self.store = store
        self.size = size
        self._kept = TrackerCache(size)
        self._domain: Domain | None = None

    async def load(self, sender_id: str, domain: Domain | None) -> StoredTracker:
        if domain is not self._domain:
            self._kept, self._domain = TrackerCache(self.size), domain
        kept = self._kept.get(sender_id)
        if kept is not None:
            raw = await self.store.load_since(sender_id, kept.count, kept.last_timestamp)
            if raw is not None:
                return self._kept.keep(sender_id, kept.extended(sender_id, raw) if raw else kept)
        raw = await self.store.load(sender_id)
        empty = StoredTracker(Tracker.from_events(sender_id, (), domain), 0, None)
        return self._kept.keep(sender_id, empty.extended(sender_id, raw))

    def appended(self, sender_id: str, stored: StoredTracker, events: Sequence[Event]) -> None:
        """``events`` were stored after ``stored``'s."""
        if events:
            tracker = stored.tracker.extended(events)
            count = stored.count + len(events)
            self._kept.keep(sender_id, StoredTracker(tracker, count, events[-1].timestamp))

    def forget(self, sender_id: str) -> None:
        self._kept.forget(sender_id)
