"""What an erased conversation keeps of its events: what the reports count, nothing else.

The supervisors' reports (:mod:`bot.handover.reports`) read when the player wrote, each
handover's request, assignments, agents' first replies and close, and the ratings and
follow-up answers after it. An erasure keeps exactly those events with their times and
codes (reason, skill, agent id, resolution, score) and clears every text: a player's
message becomes an empty one (``/`` for a button's payload, which reports do not count
as writing), an agent's reply and a summary become empty, a rating's comment becomes
``erased`` (so the number of comments still adds up). Slots, the bot's messages, actions
and everything else go. A handover still open is closed ``by: erased``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.dialogue.event_reader import event_from_dict
from bot.dialogue.events import Event, Restarted, SessionStarted, SlotSet, UserUttered
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
    FollowUpAsked,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    LiveAgentUttered,
)
from bot.errors import DataError
from bot.store.privacy import ERASED

__all__ = ["PLAYER_ID_SLOT", "anonymised_events", "csat_answers", "player_ids"]

PLAYER_ID_SLOT = "player_id"  # set once the player proved who they are (token or code)
COMMAND = "/"


def _events(raw: Iterable[Mapping[str, Any]]) -> list[Event]:
    events: list[Event] = []
    for data in raw:
        try:
            events.append(event_from_dict(data))
        except DataError:
            continue  # an event nobody can read is not kept either
    return events


def _kept(event: Event) -> Event | None:
    at = event.timestamp
    match event:
        case UserUttered(text=text):
            command = bool(text) and str(text).startswith(COMMAND)
            return UserUttered(text=COMMAND if command else "", timestamp=at)
        case HandoverRequested(reason=reason, skill=skill, priority=priority):
            return HandoverRequested(reason, skill, priority, timestamp=at)
        case HandoverAssigned(agent_id=agent_id):
            return HandoverAssigned(agent_id, timestamp=at)
        case LiveAgentUttered(agent_id=agent_id):
            return LiveAgentUttered(agent_id, "", timestamp=at)
        case HandoverClosed(by=by, resolution=resolution):
            return HandoverClosed(by, resolution, timestamp=at)
        case CsatRated(score=score, comment=comment):
            return CsatRated(score, ERASED if comment else None, timestamp=at)
        case CsatCommented():
            return CsatCommented(ERASED, timestamp=at)
        case FollowUpAnswered(solved=solved):
            return FollowUpAnswered(solved, timestamp=at)
        case FollowUpAsked(resolution=resolution):
            return FollowUpAsked(resolution, timestamp=at)
        case CsatAsked() | Restarted() | SessionStarted():
            return type(event)(timestamp=at)
    return None


def anonymised_events(raw: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """The events an erased conversation keeps, as event dicts."""
    kept: list[Event] = []
    handing_over = False
    for event in _events(raw):
        anonymous = _kept(event)
        if anonymous is None:
            continue
        kept.append(anonymous)
        if isinstance(anonymous, HandoverRequested):
            handing_over = True
        elif isinstance(anonymous, HandoverClosed | Restarted | SessionStarted):
            handing_over = False
    if handing_over:
        latest = max((event.timestamp or 0.0 for event in kept), default=now)
        kept.append(HandoverClosed(ERASED, timestamp=max(now, latest)))
    return [event.as_dict() for event in kept]


def player_ids(raw: Iterable[Mapping[str, Any]]) -> list[str]:
    """The account ids the conversation's ``player_id`` slot held, in order."""
    found: list[str] = []
    for event in _events(raw):
        if isinstance(event, SlotSet) and event.name == PLAYER_ID_SLOT:
            value = event.value
            if value not in (None, "") and str(value) not in found:
                found.append(str(value))
    return found


def csat_answers(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The player's ratings and comments, for an export."""
    answers: list[dict[str, Any]] = []
    for event in _events(raw):
        if isinstance(event, CsatRated):
            answer = {"timestamp": event.timestamp, "score": event.score}
            answers.append({**answer, "comment": event.comment})
        elif isinstance(event, CsatCommented):
            answers.append({"timestamp": event.timestamp, "comment": event.comment})
    return answers
