"""What happened in each handover of a conversation, read from its tracker events.

Reports are computed from the same record as the conversation: one :class:`HandoverFacts`
per ``handover_requested``, up to its ``handover_closed`` (or the restart, new session or
next request that ended it), with what the player said after the close (the rating, its
comment, the follow-up's answer) until the next request.

The first response is the first ``agent_uttered`` event: a human agent's message. The
bot's messages while the player waits (its place in the queue, "an agent joined") are
``bot`` events and never count, nor are the queue's own steps messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.dialogue.events import Event, Restarted, SessionStarted, UserUttered
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

__all__ = ["ConversationFacts", "HandoverFacts", "conversation_facts"]


@dataclass(frozen=True, slots=True)
class HandoverFacts:
    """One handover: ``agent_id`` is the agent who held it last (None: no human took it);
    ``ended_by`` is the ``handover_closed`` event's ``by`` (agent, player, timeout...),
    ``restart``/``session``/``replaced`` when it ended otherwise, None while it is open."""

    sender_id: str
    reason: str
    requested_at: float
    assigned_at: float | None = None
    first_response_at: float | None = None
    closed_at: float | None = None
    ended_by: str | None = None
    resolution: str | None = None
    agent_id: str | None = None
    agents: tuple[str, ...] = ()
    csat_asked: bool = False
    csat: int | None = None
    csat_comment: str | None = None
    follow_up_asked: bool = False
    follow_up_solved: bool | None = None

    @property
    def reached_a_human(self) -> bool:
        return self.assigned_at is not None


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """A conversation's handovers and the times the player wrote."""

    sender_id: str
    player_messages: tuple[float, ...]
    handovers: tuple[HandoverFacts, ...]


def conversation_facts(sender_id: str, events: Iterable[Event]) -> ConversationFacts:
    """The facts of one conversation's events (in the order they were stored)."""
    said: list[float] = []
    done: list[HandoverFacts] = []
    current: HandoverFacts | None = None  # the handover open now, or the last one closed
    is_open = False
    for event in events:
        at = event.timestamp or 0.0
        if isinstance(event, UserUttered) and not (event.text or "").startswith("/"):
            said.append(at)
        elif isinstance(event, HandoverRequested):
            if current is not None:
                done.append(_ended(current, "replaced", at) if is_open else current)
            current, is_open = HandoverFacts(sender_id, event.reason, at), True
        elif current is None:
            continue
        elif is_open:
            current, is_open = _during(current, event, at)
        else:
            current = _after(current, event)
    if current is not None:
        done.append(current)
    return ConversationFacts(sender_id, tuple(said), tuple(done))


def _during(facts: HandoverFacts, event: Event, at: float) -> tuple[HandoverFacts, bool]:
    """A step while the handover is open; the flag says whether it still is."""
    if isinstance(event, HandoverAssigned):
        agents = (
            (*facts.agents, event.agent_id) if event.agent_id not in facts.agents else facts.agents
        )
        first = facts.assigned_at if facts.assigned_at is not None else at
        return replace(facts, assigned_at=first, agent_id=event.agent_id, agents=agents), True
    if isinstance(event, LiveAgentUttered) and facts.first_response_at is None:
        return replace(facts, first_response_at=at), True
    if isinstance(event, HandoverClosed):
        closed = replace(facts, closed_at=at, ended_by=event.by, resolution=event.resolution)
        return closed, False
    if isinstance(event, Restarted):
        return _ended(facts, "restart", at), False
    if isinstance(event, SessionStarted):
        return _ended(facts, "session", at), False
    return facts, True


def _after(facts: HandoverFacts, event: Event) -> HandoverFacts:
    """What the player said about a closed handover, until the next one."""
    if isinstance(event, CsatAsked):
        return replace(facts, csat_asked=True)
    if isinstance(event, CsatRated):
        return replace(facts, csat=event.score, csat_comment=event.comment)
    if isinstance(event, CsatCommented):
        return replace(facts, csat_comment=event.comment)
    if isinstance(event, FollowUpAsked):
        return replace(facts, follow_up_asked=True)
    if isinstance(event, FollowUpAnswered):
        return replace(facts, follow_up_solved=event.solved)
    return facts


def _ended(facts: HandoverFacts, by: str, at: float) -> HandoverFacts:
    return replace(facts, closed_at=at, ended_by=by)
