"""The supervisor's floor: every queue, every agent and their load, in one pass.

A *queue* is the waiting conversations that need the same kind of agent: a team (after
a transfer to one) or a skill, and a language. For each: how many wait, the longest
wait, how many are past their SLA target (:mod:`bot.handover.sla`) and how long the
last in line is expected to wait (:mod:`bot.handover.estimates`). For each agent: their chats
against their maximum. The report is a pure function of what the store holds, so it
costs one read per table however long the queue is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.handover.estimates import estimate_waits
from bot.handover.routing import candidates, queue_order
from bot.handover.sla import SlaPolicy
from bot.store.queue_base import AGENT_AWAY, AGENT_ONLINE, Agent, QueueEntry

__all__ = ["AgentLoad", "FloorReport", "FloorTotals", "LateChat", "QueueLine", "floor_report"]


@dataclass(frozen=True, slots=True)
class QueueLine:
    """One queue: ``kind`` is ``team`` or ``skill``, ``name`` the team or the skill."""

    kind: str
    name: str
    language: str
    waiting: int
    longest_wait: float
    past_sla: int
    expected_wait: float | None  # for the last in line; None: nobody online serves it
    oldest_sender_id: str


@dataclass(frozen=True, slots=True)
class AgentLoad:
    agent: Agent
    chats: int

    @property
    def load(self) -> float:
        """Share of the agent's slots in use (0 to 1, above 1 if over capacity)."""
        return self.chats / self.agent.max_chats if self.agent.max_chats else 0.0


@dataclass(frozen=True, slots=True)
class LateChat:
    entry: QueueEntry
    waited: float
    target: float


@dataclass(frozen=True, slots=True)
class FloorTotals:
    waiting: int
    in_chats: int
    online_agents: int
    away_agents: int
    free_capacity: int  # free slots among online agents
    past_sla: int


@dataclass(frozen=True, slots=True)
class FloorReport:
    now: float
    queues: list[QueueLine]  # longest wait first
    agents: list[AgentLoad]  # enabled agents, busiest first
    totals: FloorTotals
    late: list[LateChat]  # waiting past SLA, most urgent first


def _queue_key(entry: QueueEntry) -> tuple[str, str, str]:
    if entry.team is not None:
        return ("team", entry.team, entry.language)
    return ("skill", entry.skill, entry.language)


def floor_report(
    *,
    waiting: Sequence[QueueEntry],
    assigned: Sequence[QueueEntry],
    agents: Sequence[Agent],
    sla: SlaPolicy,
    handle_times: Sequence[float],
    default_handle_time: float,
    now: float,
) -> FloorReport:
    """The floor as it stands at ``now``."""
    chats: dict[str, int] = {}
    for entry in assigned:
        if entry.agent_id is not None:
            chats[entry.agent_id] = chats.get(entry.agent_id, 0) + 1
    enabled = [agent for agent in agents if not agent.disabled]
    online = candidates(enabled, chats)
    estimates = estimate_waits(waiting, online, handle_times, default_handle_time)

    groups: dict[tuple[str, str, str], list[QueueEntry]] = {}
    late: list[LateChat] = []
    for entry in queue_order(waiting):
        groups.setdefault(_queue_key(entry), []).append(entry)
        target = sla.target(entry.priority)
        waited = max(0.0, now - entry.requested_at)
        if waited > target:
            late.append(LateChat(entry, waited, target))
    late_ids = {chat.entry.sender_id for chat in late}

    queues = []
    for (kind, name, language), members in groups.items():
        oldest = min(members, key=lambda e: e.requested_at)
        last = estimates.get(members[-1].sender_id)
        queues.append(
            QueueLine(
                kind=kind,
                name=name,
                language=language,
                waiting=len(members),
                longest_wait=max(0.0, now - oldest.requested_at),
                past_sla=sum(1 for e in members if e.sender_id in late_ids),
                expected_wait=None if last is None else last.wait_seconds,
                oldest_sender_id=oldest.sender_id,
            )
        )
    queues.sort(key=lambda line: (-line.longest_wait, line.kind, line.name, line.language))

    loads = [AgentLoad(agent, chats.get(agent.id, 0)) for agent in enabled]
    loads.sort(key=lambda a: (_status_rank(a.agent.status), -a.load, a.agent.name))
    totals = FloorTotals(
        waiting=len(waiting),
        in_chats=len(assigned),
        online_agents=len(online),
        away_agents=sum(1 for agent in enabled if agent.status == AGENT_AWAY),
        free_capacity=sum(max(c.capacity - c.load, 0) for c in online),
        past_sla=len(late),
    )
    return FloorReport(now, queues, loads, totals, late)


def _status_rank(status: str) -> int:
    return {AGENT_ONLINE: 0, AGENT_AWAY: 1}.get(status, 2)
