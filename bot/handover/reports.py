"""Supervisors' reports: wait, first response, handle time, resolutions, CSAT, follow-ups
and bot containment for a period, computed from the conversations' own record.

A handover counts in the period its request falls in (``start <= requested_at < end``).
Figures, all in seconds:

- wait: request to the first assignment to an agent;
- first response: request to the first message of a human agent (the bot's and the
  queue's messages never count, see :mod:`bot.handover.handover_facts`);
- handle time: first assignment to the close, for handovers a human closed;
- CSAT: ratings of the handovers of the period, their average, distribution and the
  share of rating questions answered; follow-ups: asked, solved, not solved;
- containment: of the conversations in which the player wrote during the period, the
  share that never reached a human (no agent took a handover requested in the period).

A team or agent filter keeps the handovers whose last agent is that agent or a member
of the team; containment always counts every conversation.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.dialogue.event_reader import event_from_dict
from bot.dialogue.events import Event
from bot.errors import DataError
from bot.handover.handover_facts import ConversationFacts, HandoverFacts, conversation_facts
from bot.store.base import TrackerStore
from bot.store.queue_base import ConversationIndex

__all__ = [
    "CsatFigures",
    "Durations",
    "FollowUpFigures",
    "Report",
    "durations",
    "figures",
    "read_facts",
]

log = logging.getLogger(__name__)
HUMAN_CLOSES = frozenset({"agent", "supervisor"})


@dataclass(frozen=True, slots=True)
class Durations:
    """How many, and their median and 90th percentile (nearest rank), in seconds."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True, slots=True)
class CsatFigures:
    asked: int = 0
    rated: int = 0
    average: float | None = None
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    response_rate: float | None = None  # rated / asked
    comments: int = 0


@dataclass(frozen=True, slots=True)
class FollowUpFigures:
    asked: int = 0
    solved: int = 0
    not_solved: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    start: float
    end: float
    conversations: int = 0
    contained: int = 0
    containment: float | None = None
    handed_over: int = 0
    reached_agent: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    wait: Durations = field(default_factory=Durations)
    first_response: Durations = field(default_factory=Durations)
    handle: Durations = field(default_factory=Durations)
    resolutions: dict[str, int] = field(default_factory=dict)
    csat: CsatFigures = field(default_factory=CsatFigures)
    follow_ups: FollowUpFigures = field(default_factory=FollowUpFigures)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def durations(values: Iterable[float]) -> Durations:
    ordered = sorted(max(0.0, v) for v in values)
    if not ordered:
        return Durations()
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return Durations(len(ordered), float(statistics.median(ordered)), p90)


def figures(
    facts: Sequence[ConversationFacts],
    start: float,
    end: float,
    agents: Collection[str] | None = None,
) -> Report:
    """The report of ``start <= t < end``; ``agents``: only their handovers (None: all)."""
    handovers = [
        h for conversation in facts for h in conversation.handovers if start <= h.requested_at < end
    ]
    talked = {c.sender_id for c in facts if any(start <= t < end for t in c.player_messages)}
    humans = {h.sender_id for h in handovers if h.reached_a_human}
    contained = len(talked - humans)
    if agents is not None:
        handovers = [h for h in handovers if h.agent_id in agents]
    taken = [h for h in handovers if h.assigned_at is not None]
    return Report(
        start=start,
        end=end,
        conversations=len(talked),
        contained=contained,
        containment=contained / len(talked) if talked else None,
        handed_over=len(handovers),
        reached_agent=len(taken),
        by_reason=dict(Counter(h.reason for h in handovers).most_common()),
        wait=durations(h.assigned_at - h.requested_at for h in taken if h.assigned_at),
        first_response=durations(
            h.first_response_at - h.requested_at
            for h in handovers
            if h.first_response_at is not None
        ),
        handle=durations(
            h.closed_at - h.assigned_at
            for h in taken
            if h.assigned_at is not None and h.closed_at is not None and h.ended_by in HUMAN_CLOSES
        ),
        resolutions=dict(Counter(h.resolution for h in handovers if h.resolution).most_common()),
        csat=_csat(handovers),
        follow_ups=FollowUpFigures(
            asked=sum(1 for h in handovers if h.follow_up_asked),
            solved=sum(1 for h in handovers if h.follow_up_solved is True),
            not_solved=sum(1 for h in handovers if h.follow_up_solved is False),
        ),
    )


def _csat(handovers: Sequence[HandoverFacts]) -> CsatFigures:
    scores = [h.csat for h in handovers if h.csat is not None]
    asked = sum(1 for h in handovers if h.csat_asked or h.csat is not None)
    distribution = dict.fromkeys(range(1, 6), 0)
    for score in scores:
        distribution[score] += 1
    return CsatFigures(
        asked=asked,
        rated=len(scores),
        average=statistics.fmean(scores) if scores else None,
        distribution=distribution,
        response_rate=len(scores) / asked if asked else None,
        comments=sum(1 for h in handovers if h.csat_comment),
    )


async def read_facts(
    trackers: TrackerStore, since: float | None = None, index: ConversationIndex | None = None
) -> list[ConversationFacts]:
    """The facts of every conversation with an event at or after ``since`` (of all, if
    None): those ``index`` names, or, without one, every conversation read and those
    whose latest event is before ``since`` left out."""
    if index is not None and since is not None:
        ids = await index.conversation_ids_since(since)
    else:
        ids = await trackers.conversation_ids()
    out: list[ConversationFacts] = []
    for sender_id in ids:
        raw = await trackers.load(sender_id)
        if since is not None and raw and float(raw[-1].get("timestamp") or 0.0) < since:
            continue
        out.append(conversation_facts(sender_id, _events(raw)))
    return out


def _events(raw: Iterable[Any]) -> list[Event]:
    events: list[Event] = []
    for data in raw:
        try:
            events.append(event_from_dict(data))
        except DataError:  # one malformed event must not hide the rest of the record
            log.warning("a report skipped an event it cannot read: %s", data.get("event"))
    return events
