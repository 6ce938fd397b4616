"""The queue store in one process's memory: for tests and ``bot shell``.

Every method runs without awaiting in between, so on one event loop each is atomic,
as the SQL store's conditional writes are across workers.
"""

from __future__ import annotations

from dataclasses import replace

from bot.errors import StoreError
from bot.store.memory_session_guards import InMemorySessionGuards
from bot.store.queue_base import (
    ACTIVE_STATUSES,
    AGENT_OFFLINE,
    ENTRY_ASSIGNED,
    ENTRY_CLOSED,
    ENTRY_WAITING,
    FOLLOW_UP_SENDING,
    Agent,
    FollowUp,
    Note,
    QueueEntry,
    Team,
    Ticket,
)

__all__ = ["InMemoryQueueStore"]


class InMemoryQueueStore(InMemorySessionGuards):
    def __init__(self) -> None:
        super().__init__()
        self._entries: list[QueueEntry] = []
        self._active: dict[str, int] = {}  # sender_id -> index in _entries
        self._agents: dict[str, Agent] = {}
        self._teams: dict[str, Team] = {}
        self._tickets: list[Ticket] = []
        self._notes: list[Note] = []
        self._followups: dict[int, FollowUp] = {}  # by entry id

    async def enqueue(self, entry: QueueEntry) -> QueueEntry:
        index = self._active.get(entry.sender_id)
        if index is not None:
            return self._entries[index]
        stored = replace(entry, id=len(self._entries) + 1, status=ENTRY_WAITING)
        self._entries.append(stored)
        self._active[entry.sender_id] = len(self._entries) - 1
        return stored

    async def entry(self, sender_id: str) -> QueueEntry | None:
        index = self._active.get(sender_id)
        return None if index is None else self._entries[index]

    async def agent_loads(self) -> dict[str, int]:
        loads: dict[str, int] = {}
        for index in self._active.values():
            entry = self._entries[index]
            if entry.status == ENTRY_ASSIGNED and entry.agent_id is not None:
                loads[entry.agent_id] = loads.get(entry.agent_id, 0) + 1
        return loads

    async def entries(self, status: str, agent_id: str | None = None) -> list[QueueEntry]:
        if status in ACTIVE_STATUSES:
            found = [self._entries[i] for i in self._active.values()]
        else:
            found = self._entries
        return sorted(
            (
                e
                for e in found
                if e.status == status and (agent_id is None or e.agent_id == agent_id)
            ),
            key=lambda e: (e.requested_at, e.id),
        )

    def _update(self, sender_id: str, entry: QueueEntry) -> None:
        index = self._active[sender_id]
        self._entries[index] = entry
        if entry.status not in ACTIVE_STATUSES:
            del self._active[sender_id]

    def _load(self, agent_id: str) -> int:
        return sum(
            1
            for i in self._active.values()
            if self._entries[i].status == ENTRY_ASSIGNED and self._entries[i].agent_id == agent_id
        )

    async def assign(
        self, sender_id: str, agent_id: str, now: float, capacity: int | None = None
    ) -> bool:
        current = await self.entry(sender_id)
        if current is None or current.status != ENTRY_WAITING:
            return False
        if capacity is not None and self._load(agent_id) >= capacity:
            return False
        self._update(
            sender_id,
            replace(current, status=ENTRY_ASSIGNED, agent_id=agent_id, assigned_at=now, team=None),
        )
        agent = self._agents.get(agent_id)
        if agent is not None:
            self._agents[agent_id] = replace(agent, last_assigned_at=now)
        return True

    async def transfer(
        self, sender_id: str, from_agent: str, to_agent: str | None, team: str | None, now: float
    ) -> bool:
        current = await self.entry(sender_id)
        if current is None or current.status != ENTRY_ASSIGNED or current.agent_id != from_agent:
            return False
        if to_agent is None:
            moved = replace(
                current, status=ENTRY_WAITING, agent_id=None, team=team, assigned_at=now
            )
        else:
            moved = replace(current, agent_id=to_agent, assigned_at=now, team=None)
        self._update(sender_id, moved)
        return True

    async def finish(
        self, sender_id: str, status: str, now: float, resolution: str | None = None
    ) -> QueueEntry | None:
        current = await self.entry(sender_id)
        if current is None:
            return None
        ended = replace(current, status=status, closed_at=now, resolution=resolution)
        self._update(sender_id, ended)
        return ended

    async def escalate(self, sender_id: str, priority: int) -> bool:
        current = await self.entry(sender_id)
        if current is None or current.status != ENTRY_WAITING or current.escalated:
            return False
        self._update(sender_id, replace(current, priority=priority, escalated=True))
        return True

    async def recent_handle_times(self, limit: int) -> list[float]:
        closed = [
            e
            for e in self._entries
            if e.status == ENTRY_CLOSED and e.assigned_at is not None and e.closed_at is not None
        ]
        closed.sort(key=lambda e: e.closed_at or 0.0)
        return [(e.closed_at or 0.0) - (e.assigned_at or 0.0) for e in closed[-limit:]]

    async def add_agent(self, agent: Agent) -> None:
        if agent.id in self._agents:
            raise StoreError(f"an agent with id {agent.id!r} exists already")
        if any(a.login == agent.login for a in self._agents.values()):
            raise StoreError(f"an agent with login {agent.login!r} exists already")
        self._agents[agent.id] = agent

    async def agents(self) -> list[Agent]:
        return sorted(self._agents.values(), key=lambda a: a.login)

    async def agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    async def agent_by_login(self, login: str) -> Agent | None:
        return next((a for a in self._agents.values() if a.login == login), None)

    async def set_agent_status(self, agent_id: str, status: str, now: float = 0.0) -> bool:
        agent = self._agents.get(agent_id)
        if agent is None:
            return False
        self._agents[agent_id] = replace(agent, status=status, status_since=now)
        return True

    async def set_agent_disabled(self, login: str, disabled: bool, now: float = 0.0) -> bool:
        agent = await self.agent_by_login(login)
        if agent is None:
            return False
        status = AGENT_OFFLINE if disabled else agent.status
        since = now if disabled else agent.status_since
        self._agents[agent.id] = replace(
            agent, disabled=disabled, status=status, status_since=since
        )
        return True

    async def set_password_hash(self, agent_id: str, password_hash: str) -> None:
        agent = self._agents.get(agent_id)
        if agent is not None:
            self._agents[agent_id] = replace(agent, password_hash=password_hash)

    async def update_agent(self, agent: Agent) -> bool:
        current = self._agents.get(agent.id)
        if current is None:
            return False
        self._agents[agent.id] = replace(
            current,
            name=agent.name,
            role=agent.role,
            skills=agent.skills,
            languages=agent.languages,
            teams=agent.teams,
            max_chats=agent.max_chats,
        )
        return True

    async def add_team(self, team: Team) -> None:
        self._teams[team.name] = team

    async def teams(self) -> list[Team]:
        return sorted(self._teams.values(), key=lambda t: t.name)

    async def followups_due(
        self,
        resolution: str,
        closed_after: float,
        closed_before: float,
        stale_before: float | None = None,
    ) -> list[QueueEntry]:
        due = [
            entry
            for entry in self._entries
            if entry.status == ENTRY_CLOSED
            and entry.resolution == resolution
            and entry.closed_at is not None
            and closed_after <= entry.closed_at <= closed_before
            and (entry.id not in self._followups or self._stale(entry.id, stale_before))
        ]
        return sorted(due, key=lambda entry: (entry.closed_at or 0.0, entry.id))

    async def claim_followup(
        self, entry: QueueEntry, now: float, stale_before: float | None = None
    ) -> bool:
        if entry.id in self._followups and not self._stale(entry.id, stale_before):
            return False
        claimed = FollowUp(entry.id, entry.sender_id, entry.resolution, FOLLOW_UP_SENDING, now)
        self._followups[entry.id] = claimed
        return True

    def _stale(self, entry_id: int, stale_before: float | None) -> bool:
        claim = self._followups[entry_id]
        return (
            stale_before is not None
            and claim.status == FOLLOW_UP_SENDING
            and claim.claimed_at < stale_before
        )

    async def finish_followup(
        self, entry_id: int, status: str, now: float, detail: str = ""
    ) -> None:
        if entry_id in self._followups:
            done = replace(self._followups[entry_id], status=status, done_at=now, detail=detail)
            self._followups[entry_id] = done

    async def followups(self, sender_id: str | None = None) -> list[FollowUp]:
        found = [f for f in self._followups.values() if sender_id in (None, f.sender_id)]
        return sorted(found, key=lambda f: (f.claimed_at, f.entry_id))

    async def add_ticket(self, ticket: Ticket) -> int:
        self._tickets.append(replace(ticket, id=len(self._tickets) + 1))
        return len(self._tickets)

    async def tickets(self, status: str | None = None) -> list[Ticket]:
        return [t for t in self._tickets if status is None or t.status == status]

    async def add_note(self, note: Note) -> int:
        self._notes.append(replace(note, id=len(self._notes) + 1))
        return len(self._notes)

    async def notes(self, sender_id: str) -> list[Note]:
        return [n for n in self._notes if n.sender_id == sender_id]

    async def close(self) -> None:
        return None
