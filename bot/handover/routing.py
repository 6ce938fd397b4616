"""Routing: which waiting conversation goes to which agent. A pure function.

Conversations are served highest priority first, then longest wait. Each goes to an
online agent who serves it (the skill, or any agent for ``general``; the player's
language; the team, after a transfer to a team) and has a free slot; among those the
least loaded, then the one idle longest, then the smallest id, so the same inputs give
the same assignments. No agent is ever given more than ``capacity`` chats, and a
conversation nobody can serve does not hold up the ones behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.store.queue_base import AGENT_ONLINE, Agent, QueueEntry

__all__ = ["GENERAL_SKILL", "Assignment", "Candidate", "candidates", "queue_order", "route"]

GENERAL_SKILL = "general"


@dataclass(frozen=True, slots=True)
class Candidate:
    """An online agent as routing sees them: what they serve and how busy they are."""

    agent_id: str
    skills: frozenset[str]
    languages: frozenset[str]
    teams: frozenset[str] = frozenset()
    capacity: int = 3
    load: int = 0
    idle_since: float = 0.0  # when they were last given a chat

    def serves(self, entry: QueueEntry) -> bool:
        return (
            (entry.skill == GENERAL_SKILL or entry.skill in self.skills)
            and entry.language in self.languages
            and (entry.team is None or entry.team in self.teams)
        )


@dataclass(frozen=True, slots=True)
class Assignment:
    sender_id: str
    agent_id: str


def candidates(agents: Iterable[Agent], loads: Mapping[str, int]) -> list[Candidate]:
    """The online, enabled agents with their current number of chats."""
    return [
        Candidate(
            agent_id=agent.id,
            skills=frozenset(agent.skills),
            languages=frozenset(agent.languages),
            teams=frozenset(agent.teams),
            capacity=agent.max_chats,
            load=loads.get(agent.id, 0),
            idle_since=agent.last_assigned_at,
        )
        for agent in agents
        if agent.status == AGENT_ONLINE and not agent.disabled
    ]


def queue_order(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    """Waiting conversations in the order they are served."""
    return sorted(entries, key=lambda e: (-e.priority, e.requested_at, e.id, e.sender_id))


def route(waiting: Sequence[QueueEntry], agents: Sequence[Candidate]) -> list[Assignment]:
    """Assignments for as many waiting conversations as the agents' free slots allow,
    in the order they are to be made."""
    load = {agent.agent_id: agent.load for agent in agents}
    # Agents given a chat in this round rank as just busy, in the order they were given it.
    given: dict[str, int] = {}
    free = sum(max(agent.capacity - agent.load, 0) for agent in agents)
    assignments: list[Assignment] = []
    for entry in queue_order(waiting):
        if free <= 0:
            break
        best: Candidate | None = None
        best_key: tuple[int, int, float, str] | None = None
        for agent in agents:
            if load[agent.agent_id] >= agent.capacity or not agent.serves(entry):
                continue
            key = (
                load[agent.agent_id],
                given.get(agent.agent_id, 0),
                agent.idle_since,
                agent.agent_id,
            )
            if best_key is None or key < best_key:
                best, best_key = agent, key
        if best is None:
            continue
        load[best.agent_id] += 1
        given[best.agent_id] = len(assignments) + 1
        free -= 1
        assignments.append(Assignment(entry.sender_id, best.agent_id))
    return assignments
