"""One turn of a conversation: the tracker as it grows, the events to store, the replies."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.channels import BotMessage
from bot.dialogue.events import BotUttered, Event, UserUttered
from bot.dialogue.handover_events import HandoverRequested
from bot.dialogue.tracker import Tracker

__all__ = ["Turn", "already_seen", "answers_to", "bot_messages"]

log = logging.getLogger(__name__)


class Turn:
    """The conversation as it grows during one turn, and the events to persist."""

    def __init__(self, tracker: Tracker) -> None:
        self.before = tracker
        self.tracker = tracker
        self.new: list[Event] = []

    def add(self, events: Sequence[Event]) -> list[Event]:
        # Stamped as they are logged, so timestamps follow the order of the events.
        now = max(time.time(), self.tracker.latest_event_time or 0.0)
        events = [replace(event, timestamp=now) for event in events]
        ready, problems = self.tracker.prepare_events(events)
        for problem in problems:
            log.warning("conversation %s: event dropped: %s", self.tracker.sender_id, problem)
        self.tracker = self.tracker.with_events(ready)
        self.new.extend(ready)
        return ready

    def messages(self) -> list[BotMessage]:
        """The turn's bot messages in Rasa's REST shape, keys without a value left out."""
        return bot_messages(self.tracker.sender_id, self.new)

    def handover_records(self) -> list[dict[str, Any]]:
        """A store record for each handover the turn asked for."""
        return [
            {
                "reason": event.reason,
                "skill": event.skill,
                "priority": event.priority,
                "summary": event.summary,
                "timestamp": event.timestamp,
            }
            for event in self.new
            if isinstance(event, HandoverRequested)
        ]


def bot_messages(sender_id: str, events: Sequence[Event]) -> list[BotMessage]:
    """The bot messages among ``events`` in Rasa's REST shape, keys without a value left
    out."""
    out: list[BotMessage] = []
    for event in events:
        if isinstance(event, BotUttered):
            message: BotMessage = {"recipient_id": sender_id}
            if event.text is not None:
                message["text"] = event.text
            for key, value in event.data.items():
                if value not in (None, [], {}):
                    message[key] = value
            out.append(message)
    return out


def answers_to(tracker: Tracker, message_id: str) -> list[BotMessage]:
    """What the bot said after the message with this channel id, up to the player's next
    message: the answers a retried delivery was given the first time."""
    events = tracker.events
    start = next(
        (
            i
            for i, e in enumerate(events)
            if isinstance(e, UserUttered) and e.message_id == message_id
        ),
        len(events),
    )
    end = next(
        (i for i in range(start + 1, len(events)) if isinstance(events[i], UserUttered)),
        len(events),
    )
    return bot_messages(tracker.sender_id, events[start + 1 : end])


def already_seen(tracker: Tracker, message_id: str | None) -> bool:
    """Whether the conversation holds a message with this channel id (a redelivery)."""
    if message_id is None:
        return False
    return any(
        isinstance(event, UserUttered) and event.message_id == message_id
        for event in reversed(tracker.events)
    )
