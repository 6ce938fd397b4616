"""The queue store on SQL, sharing the tracker store's database and connections.

Steps that workers race for are single conditional writes: accepting a chat is
``UPDATE ... WHERE status = 'waiting'``, and only the caller whose update changed a row
won. With a capacity, the agent's row is locked first (PostgreSQL; SQLite has one
writer at a time), so two chats given at once cannot both take an agent's last slot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.errors import StoreError
from bot.store import sql_followups
from bot.store.queue_base import (
    AGENT_OFFLINE,
    ENTRY_ASSIGNED,
    ENTRY_CLOSED,
    ENTRY_WAITING,
    Agent,
    FollowUp,
    Note,
    QueueEntry,
    Team,
    Ticket,
)
from bot.store.sql import SQLTrackerStore
from bot.store.sql_engine import WRITE_OPTION
from bot.store.sql_queue_rows import agent_from_row, agent_row, entry_from_row, entry_row
from bot.store.sql_queue_tables import (
    agents_table,
    notes_table,
    queue_table,
    teams_table,
    tickets_table,
)
from bot.store.sql_session_guards import SQLSessionGuards
from bot.store.sql_tables import conversations_table

__all__ = ["SQLQueueStore"]

T = TypeVar("T")
_ACTIVE = queue_table.c.status.in_((ENTRY_WAITING, ENTRY_ASSIGNED))


class SQLQueueStore(SQLSessionGuards, SQLTrackerStore):
    """Tracker store and queue store on one SQLAlchemy engine (same arguments)."""

    def __repr__(self) -> str:
        return f"SQLQueueStore({self._safe_url!r})"

    async def _write(self, operation: str, call: Callable[[Connection], T]) -> T:
        def run() -> T:
            engine: Engine = self._opened().execution_options(**{WRITE_OPTION: True})
            with self._writing(), engine.begin() as connection:
                return call(connection)

        return await self._run(operation, run)

    async def _read(self, operation: str, call: Callable[[Connection], T]) -> T:
        def run() -> T:
            with self._opened().connect() as connection:
                return call(connection)

        return await self._run(operation, run)

    # ---- the queue ------------------------------------------------------------------------

    async def enqueue(self, entry: QueueEntry) -> QueueEntry:
        row = entry_row(entry)

        def enqueue(connection: Connection) -> int | None:
            try:
                with connection.begin_nested():
                    statement = insert(queue_table).values(row).returning(queue_table.c.id)
                    return int(connection.execute(statement).scalar_one())
            except IntegrityError:
                return None  # the conversation has an active entry already

        await self._write("enqueue", enqueue)
        stored = await self.entry(entry.sender_id)
        if stored is None:
            raise StoreError("the queue entry vanished as it was added")
        return stored

    async def entry(self, sender_id: str) -> QueueEntry | None:
        query = select(queue_table).where(queue_table.c.sender_id == sender_id, _ACTIVE)

        def fetch(connection: Connection) -> QueueEntry | None:
            row = connection.execute(query).mappings().first()
            return None if row is None else entry_from_row(row)

        return await self._read("entry", fetch)

    async def entries(self, status: str, agent_id: str | None = None) -> list[QueueEntry]:
        query = select(queue_table).where(queue_table.c.status == status)
        if agent_id is not None:
            query = query.where(queue_table.c.agent_id == agent_id)
        query = query.order_by(queue_table.c.requested_at, queue_table.c.id)

        def fetch(connection: Connection) -> list[QueueEntry]:
            return [entry_from_row(row) for row in connection.execute(query).mappings()]

        return await self._read("entries", fetch)

    async def agent_loads(self) -> dict[str, int]:
        query = (
            select(queue_table.c.agent_id, func.count())
            .where(queue_table.c.status == ENTRY_ASSIGNED, queue_table.c.agent_id.is_not(None))
            .group_by(queue_table.c.agent_id)
        )
        return await self._read(
            "agent_loads", lambda c: {row[0]: int(row[1]) for row in c.execute(query)}
        )

    async def assign(
        self, sender_id: str, agent_id: str, now: float, capacity: int | None = None
    ) -> bool:
        postgres = self._postgres

        def assign(connection: Connection) -> bool:
            if capacity is not None:
                if postgres:
                    lock = select(agents_table.c.id).where(agents_table.c.id == agent_id)
                    connection.execute(lock.with_for_update())
                load = connection.scalar(
                    select(func.count())
                    .select_from(queue_table)
                    .where(
                        queue_table.c.status == ENTRY_ASSIGNED, queue_table.c.agent_id == agent_id
                    )
                )
                if (load or 0) >= capacity:
                    return False
            taken = connection.execute(
                update(queue_table)
                .where(queue_table.c.sender_id == sender_id)
                .where(queue_table.c.status == ENTRY_WAITING)
                .values(status=ENTRY_ASSIGNED, agent_id=agent_id, assigned_at=now, team=None)
            )
            if taken.rowcount != 1:
                return False
            connection.execute(
                update(agents_table)
                .where(agents_table.c.id == agent_id)
                .values(last_assigned_at=now)
            )
            return True

        return await self._write("assign", assign)

    async def transfer(
        self, sender_id: str, from_agent: str, to_agent: str | None, team: str | None, now: float
    ) -> bool:
        values: dict[str, Any]
        if to_agent is None:
            values = {"status": ENTRY_WAITING, "agent_id": None, "team": team, "assigned_at": now}
        else:
            values = {"agent_id": to_agent, "assigned_at": now, "team": None}
        statement = (
            update(queue_table)
            .where(queue_table.c.sender_id == sender_id)
            .where(queue_table.c.status == ENTRY_ASSIGNED)
            .where(queue_table.c.agent_id == from_agent)
            .values(**values)
        )
        return await self._write("transfer", lambda c: c.execute(statement).rowcount == 1)

    async def finish(
        self, sender_id: str, status: str, now: float, resolution: str | None = None
    ) -> QueueEntry | None:
        def finish(connection: Connection) -> QueueEntry | None:
            query = select(queue_table).where(queue_table.c.sender_id == sender_id, _ACTIVE)
            row = connection.execute(query).mappings().first()
            if row is None:
                return None
            ended = connection.execute(
                update(queue_table)
                .where(queue_table.c.id == row["id"], queue_table.c.status == row["status"])
                .values(status=status, closed_at=now, resolution=resolution)
            )
            if ended.rowcount != 1:
                return None
            ended_row = {**row, "status": status, "closed_at": now, "resolution": resolution}
            return entry_from_row(ended_row)

        return await self._write("finish", finish)

    async def escalate(self, sender_id: str, priority: int) -> bool:
        statement = (
            update(queue_table)
            .where(queue_table.c.sender_id == sender_id)
            .where(queue_table.c.status == ENTRY_WAITING)
            .where(queue_table.c.escalated.is_(False))
            .values(priority=priority, escalated=True)
        )
        return await self._write("escalate", lambda c: c.execute(statement).rowcount == 1)

    async def recent_handle_times(self, limit: int) -> list[float]:
        query = (
            select(queue_table.c.assigned_at, queue_table.c.closed_at)
            .where(queue_table.c.status == ENTRY_CLOSED)
            .where(queue_table.c.assigned_at.is_not(None))
            .order_by(queue_table.c.closed_at.desc())
            .limit(limit)
        )

        def fetch(connection: Connection) -> list[float]:
            rows = list(connection.execute(query))
            return [float(row[1] - row[0]) for row in reversed(rows)]

        return await self._read("recent_handle_times", fetch)

    async def conversation_ids_since(self, since: float) -> list[str]:
        """The conversations with an event at or after ``since`` (:class:`ConversationIndex`)."""
        query = select(conversations_table.c.sender_id).where(
            conversations_table.c.latest_event_time >= since
        )
        return await self._read("conversation_ids_since", lambda c: list(c.scalars(query)))

    # ---- follow-ups (the queries are in sql_followups) ------------------------------------

    async def followups_due(
        self,
        resolution: str,
        closed_after: float,
        closed_before: float,
        stale_before: float | None = None,
    ) -> list[QueueEntry]:
        def due(connection: Connection) -> list[QueueEntry]:
            return sql_followups.due(
                connection, resolution, closed_after, closed_before, stale_before
            )

        return await self._read("followups_due", due)

    async def claim_followup(
        self, entry: QueueEntry, now: float, stale_before: float | None = None
    ) -> bool:
        return await self._write(
            "claim_followup", lambda c: sql_followups.claim(c, entry, now, stale_before)
        )

    async def finish_followup(
        self, entry_id: int, status: str, now: float, detail: str = ""
    ) -> None:
        await self._write(
            "finish_followup", lambda c: sql_followups.finish(c, entry_id, status, now, detail)
        )

    async def followups(self, sender_id: str | None = None) -> list[FollowUp]:
        return await self._read("followups", lambda c: sql_followups.listed(c, sender_id))

    # ---- agents and teams -----------------------------------------------------------------

    async def add_agent(self, agent: Agent) -> None:
        row = agent_row(agent)

        def add(connection: Connection) -> None:
            taken = connection.execute(
                select(agents_table.c.id).where(
                    (agents_table.c.id == agent.id) | (agents_table.c.login == agent.login)
                )
            ).first()
            if taken is not None:
                raise StoreError(f"an agent with id {agent.id!r} or login {agent.login!r} exists")
            connection.execute(insert(agents_table).values(row))

        await self._write("add_agent", add)

    async def agents(self) -> list[Agent]:
        query = select(agents_table).order_by(agents_table.c.login)
        return await self._read(
            "agents", lambda c: [agent_from_row(row) for row in c.execute(query).mappings()]
        )

    async def agent(self, agent_id: str) -> Agent | None:
        return await self._one_agent(agents_table.c.id == agent_id)

    async def agent_by_login(self, login: str) -> Agent | None:
        return await self._one_agent(agents_table.c.login == login)

    async def _one_agent(self, condition: Any) -> Agent | None:
        query = select(agents_table).where(condition)

        def fetch(connection: Connection) -> Agent | None:
            row = connection.execute(query).mappings().first()
            return None if row is None else agent_from_row(row)

        return await self._read("agent", fetch)

    async def set_agent_status(self, agent_id: str, status: str, now: float = 0.0) -> bool:
        statement = (
            update(agents_table)
            .where(agents_table.c.id == agent_id)
            .values(status=status, status_since=now)
        )
        return await self._write("set_agent_status", lambda c: c.execute(statement).rowcount == 1)

    async def set_agent_disabled(self, login: str, disabled: bool, now: float = 0.0) -> bool:
        values: dict[str, Any] = {"disabled": disabled}
        if disabled:
            values["status"] = AGENT_OFFLINE
            values["status_since"] = now
        statement = update(agents_table).where(agents_table.c.login == login).values(**values)
        return await self._write("set_agent_disabled", lambda c: c.execute(statement).rowcount == 1)

    async def set_password_hash(self, agent_id: str, password_hash: str) -> None:
        statement = (
            update(agents_table)
            .where(agents_table.c.id == agent_id)
            .values(password_hash=password_hash)
        )
        await self._write("set_password_hash", lambda c: c.execute(statement))

    async def update_agent(self, agent: Agent) -> bool:
        profile = ("name", "role", "skills", "languages", "teams", "max_chats")
        row = agent_row(agent)
        statement = (
            update(agents_table)
            .where(agents_table.c.id == agent.id)
            .values({column: row[column] for column in profile})
        )
        return await self._write("update_agent", lambda c: c.execute(statement).rowcount == 1)

    async def add_team(self, team: Team) -> None:
        def add(connection: Connection) -> None:
            changed = connection.execute(
                update(teams_table)
                .where(teams_table.c.name == team.name)
                .values(description=team.description)
            )
            if changed.rowcount == 0:
                connection.execute(
                    insert(teams_table).values(name=team.name, description=team.description)
                )

        await self._write("add_team", add)

    async def teams(self) -> list[Team]:
        query = select(teams_table).order_by(teams_table.c.name)

        def fetch(connection: Connection) -> list[Team]:
            rows = connection.execute(query).mappings()
            return [Team(row["name"], row["description"]) for row in rows]

        return await self._read("teams", fetch)

    # ---- tickets and notes ----------------------------------------------------------------

    async def add_ticket(self, ticket: Ticket) -> int:
        row = {
            "sender_id": ticket.sender_id,
            "reason": ticket.reason,
            "skill": ticket.skill,
            "messages": json.dumps(list(ticket.messages), ensure_ascii=False),
            "status": ticket.status,
            "created_at": ticket.created_at,
        }
        statement = insert(tickets_table).values(row).returning(tickets_table.c.id)
        return await self._write("add_ticket", lambda c: int(c.execute(statement).scalar_one()))

    async def tickets(self, status: str | None = None) -> list[Ticket]:
        query = select(tickets_table).order_by(tickets_table.c.created_at, tickets_table.c.id)
        if status is not None:
            query = query.where(tickets_table.c.status == status)

        def fetch(connection: Connection) -> list[Ticket]:
            return [
                Ticket(
                    sender_id=row["sender_id"],
                    reason=row["reason"],
                    skill=row["skill"],
                    messages=tuple(json.loads(row["messages"])),
                    created_at=row["created_at"],
                    status=row["status"],
                    id=row["id"],
                )
                for row in connection.execute(query).mappings()
            ]

        return await self._read("tickets", fetch)

    async def add_note(self, note: Note) -> int:
        row = {
            "sender_id": note.sender_id,
            "agent_id": note.agent_id,
            "text": note.text,
            "created_at": note.created_at,
        }
        statement = insert(notes_table).values(row).returning(notes_table.c.id)
        return await self._write("add_note", lambda c: int(c.execute(statement).scalar_one()))

    async def notes(self, sender_id: str) -> list[Note]:
        query = (
            select(notes_table)
            .where(notes_table.c.sender_id == sender_id)
            .order_by(notes_table.c.created_at, notes_table.c.id)
        )

        def fetch(connection: Connection) -> list[Note]:
            return [
                Note(row["sender_id"], row["agent_id"], row["text"], row["created_at"], row["id"])
                for row in connection.execute(query).mappings()
            ]

        return await self._read("notes", fetch)
