"""Conversation sessions, as in Rasa: when one is due, and the events that start it.

A session expires after the domain's ``session_expiration_time`` minutes of silence,
never while an agent has the conversation (a forgotten wait in the queue does expire).
A new session carries the slots over when ``carry_over_slots`` is set.
"""

from __future__ import annotations

from bot.dialogue.conversation_state import (
    ACTION_LISTEN,
    ACTION_SESSION_START,
    HANDOVER_ASSIGNED,
)
from bot.dialogue.domain import Domain
from bot.dialogue.events import ActionExecuted, Event, SessionStarted, SlotSet
from bot.dialogue.tracker import Tracker

__all__ = ["session_due", "session_start"]


def session_due(tracker: Tracker, domain: Domain, now: float) -> bool:
    """Whether the next message starts a new session."""
    if not tracker.events:
        return True
    if tracker.handover_status == HANDOVER_ASSIGNED:
        return False
    minutes = domain.session_config.session_expiration_time
    latest = tracker.latest_event_time
    return bool(minutes and latest is not None and now - latest > minutes * 60)


def session_start(tracker: Tracker, domain: Domain) -> list[Event]:
    """Rasa's ``action_session_start``: the marker, the carried-over slots, then listen."""
    carried: list[Event] = []
    if tracker.events and domain.session_config.carry_over_slots:
        for name, value in tracker.slots.items():
            slot = domain.slots.get(name)
            initial = None if slot is None else slot.initial_value
            if value is not None and value != initial:
                carried.append(SlotSet(name, value))
    return [
        ActionExecuted(ACTION_SESSION_START),
        SessionStarted(),
        *carried,
        ActionExecuted(ACTION_LISTEN),
    ]
