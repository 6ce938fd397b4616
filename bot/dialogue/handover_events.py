"""Destek's handover events: a conversation goes to a human and comes back.

Every step of a handover is an event in the tracker, so queue reports (wait, first
response, handle time, CSAT) are computed from the same record as the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.dialogue.events import Event

__all__ = [
    "HANDOVER_EVENTS",
    "CsatAsked",
    "CsatCommentAsked",
    "CsatCommented",
    "CsatRated",
    "FollowUpAnswered",
    "FollowUpAsked",
    "HandoverAssigned",
    "HandoverClosed",
    "HandoverRequested",
    "HandoverWaiting",
    "LiveAgentUttered",
]


@dataclass(frozen=True, slots=True)
class HandoverRequested(Event):
    """The conversation goes to the live-agent queue; the bot answers while it waits and
    falls silent once an agent takes it (``handover_assigned``)."""

    type_name: ClassVar[str] = "handover_requested"
    reason: str
    skill: str = "general"
    priority: int = 0  # higher is served sooner
    summary: str = ""


@dataclass(frozen=True, slots=True)
class HandoverWaiting(Event):
    """The conversation waits in the queue (again, after a transfer to a team or its
    agent went offline): the player's place and the expected wait (None: no estimate,
    e.g. no agent is online)."""

    type_name: ClassVar[str] = "handover_waiting"
    position: int
    wait_seconds: float | None = None
    agents_online: int = 0


@dataclass(frozen=True, slots=True)
class HandoverAssigned(Event):
    """An agent took the conversation (again, on a transfer)."""

    type_name: ClassVar[str] = "handover_assigned"
    agent_id: str


@dataclass(frozen=True, slots=True)
class LiveAgentUttered(Event):
    """A human agent wrote to the player."""

    type_name: ClassVar[str] = "agent_uttered"
    agent_id: str
    text: str


@dataclass(frozen=True, slots=True)
class HandoverClosed(Event):
    """The handover ended (``by``: agent, player, supervisor, timeout...); the bot is back."""

    type_name: ClassVar[str] = "handover_closed"
    by: str
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class CsatAsked(Event):
    """The player was asked to rate the help they got; their next message may be the answer."""

    type_name: ClassVar[str] = "csat_asked"


@dataclass(frozen=True, slots=True)
class CsatRated(Event):
    """The player rated the help they got, 1 (bad) to 5 (good)."""

    type_name: ClassVar[str] = "csat"
    score: int
    comment: str | None = None

    def _problem(self) -> str | None:
        return None if 1 <= self.score <= 5 else f"'score' must be 1 to 5, found {self.score}"


@dataclass(frozen=True, slots=True)
class CsatCommentAsked(Event):
    """After their rating the player was asked for a comment (optional: a new request
    instead is answered as usual)."""

    type_name: ClassVar[str] = "csat_comment_asked"


@dataclass(frozen=True, slots=True)
class CsatCommented(Event):
    """What the player added to their rating (the latest ``csat`` before it)."""

    type_name: ClassVar[str] = "csat_comment"
    comment: str


@dataclass(frozen=True, slots=True)
class FollowUpAsked(Event):
    """A while after a closed handover the player was asked whether their problem is
    solved (``resolution``: the tag the agent closed with)."""

    type_name: ClassVar[str] = "follow_up_asked"
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUpAnswered(Event):
    """The player's answer to the follow-up: solved or not (then back to the queue)."""

    type_name: ClassVar[str] = "follow_up_answered"
    solved: bool


HANDOVER_EVENTS: tuple[type[Event], ...] = (
    HandoverRequested,
    HandoverWaiting,
    HandoverAssigned,
    LiveAgentUttered,
    HandoverClosed,
    CsatAsked,
    CsatRated,
    CsatCommentAsked,
    CsatCommented,
    FollowUpAsked,
    FollowUpAnswered,
)
