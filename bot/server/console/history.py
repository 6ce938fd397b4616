"""A conversation as the agent reads it: the tracker's events turned into lines.

Player messages carry the intent and confidence the NLU gave them; bot and agent
messages their text; the handover steps (requested with its reason and summary,
assigned, closed with its resolution, the rating) are lines of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from bot.dialogue.closing_turns import CSAT_SKIP_PAYLOAD, FOLLOW_UP_PAYLOAD
from bot.dialogue.event_reader import event_from_dict
from bot.dialogue.events import BotUttered, Event, UserUttered
from bot.dialogue.handover_events import (
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    LiveAgentUttered,
)
from bot.dialogue.handover_turns import CSAT_PAYLOAD
from bot.errors import DataError
from bot.server.console.schemas import HistoryItem

__all__ = ["history_items", "latest_request"]

log = logging.getLogger(__name__)
_ANSWER_BUTTONS = (CSAT_PAYLOAD, CSAT_SKIP_PAYLOAD, FOLLOW_UP_PAYLOAD)


def _events(raw: Iterable[Mapping[str, Any]]) -> list[Event]:
    events: list[Event] = []
    for data in raw:
        try:
            events.append(event_from_dict(data))
        except DataError:  # one malformed event must not hide the conversation
            log.warning("skipping an event the console cannot read: %s", data.get("event"))
    return events


def _item(event: Event) -> HistoryItem | None:
    at = event.timestamp or 0.0
    if isinstance(event, UserUttered):
        if (event.text or "").startswith(_ANSWER_BUTTONS):
            return None  # a rating or follow-up button: its own line says what it meant
        intent = event.parse_data.get("intent") or {}
        confidence = intent.get("confidence")
        return HistoryItem(
            kind="player",
            timestamp=at,
            text=event.text,
            intent=event.intent_name,
            confidence=float(confidence) if isinstance(confidence, int | float) else None,
        )
    if isinstance(event, BotUttered):
        return HistoryItem(kind="bot", timestamp=at, text=event.text) if event.text else None
    if isinstance(event, LiveAgentUttered):
        return HistoryItem(kind="agent", timestamp=at, text=event.text, agent_id=event.agent_id)
    if isinstance(event, HandoverRequested):
        return HistoryItem(
            kind="handover", timestamp=at, reason=event.reason, summary=event.summary
        )
    if isinstance(event, HandoverAssigned):
        return HistoryItem(kind="assigned", timestamp=at, agent_id=event.agent_id)
    if isinstance(event, HandoverClosed):
        return HistoryItem(
            kind="closed", timestamp=at, reason=event.by, resolution=event.resolution
        )
    if isinstance(event, CsatRated):
        return HistoryItem(kind="csat", timestamp=at, score=event.score)
    if isinstance(event, CsatCommented):
        return HistoryItem(kind="csat_comment", timestamp=at, text=event.comment)
    if isinstance(event, FollowUpAnswered):
        answer = "solved" if event.solved else "not_solved"
        return HistoryItem(kind="follow_up", timestamp=at, reason=answer)
    return None


def history_items(raw: Iterable[Mapping[str, Any]]) -> list[HistoryItem]:
    """The lines of these tracker events (as stored), oldest first."""
    items = (_item(event) for event in _events(raw))
    return [item for item in items if item is not None]


def latest_request(items: Iterable[HistoryItem]) -> HistoryItem | None:
    """The latest handover request: its reason and the bot's summary head the view."""
    found = None
    for item in items:
        if item.kind == "handover":
            found = item
    return found
