"""Console session generations and sign-in failure counts on SQL (migration 0008).

Mixed into :class:`~bot.store.sql_queue.SQLQueueStore`, so every worker sharing the
database (SQLite's file or PostgreSQL) sees one count and one generation. An increment
is one ``UPDATE ... SET n = n + 1`` or, for a key not yet counted, an insert; two workers
inserting the same key at once meet the primary key, and the loser updates instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.store.sql_tables import metadata

__all__ = ["SQLSessionGuards", "agent_sessions_table", "login_failures_table"]

T = TypeVar("T")

agent_sessions_table = Table(
    "agent_sessions",
    metadata,
    Column("agent_id", String(64), primary_key=True),
    Column("epoch", Integer, nullable=False),
)
login_failures_table = Table(
    "login_failures",
    metadata,
    Column("key", String(320), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", Float, nullable=False),
    Column("locked_until", Float, nullable=False),
    Column("expires_at", Float, nullable=False),  # when the row counts for nothing
    Index("ix_login_failures_expires_at", "expires_at"),
)
_sessions, _failures = agent_sessions_table.c, login_failures_table.c


class SQLSessionGuards:
    """The session generations and failure counts of :class:`SQLQueueStore`."""

    if TYPE_CHECKING:

        async def _write(self, operation: str, call: Callable[[Connection], T]) -> T: ...

        async def _read(self, operation: str, call: Callable[[Connection], T]) -> T: ...

    async def session_epoch(self, agent_id: str) -> int:
        query = select(_sessions.epoch).where(_sessions.agent_id == agent_id)
        return await self._read("session_epoch", lambda c: int(c.scalar(query) or 0))

    async def end_sessions(self, agent_id: str) -> int:
        def bump(connection: Connection) -> int:
            raise_by_one = (
                update(agent_sessions_table)
                .where(_sessions.agent_id == agent_id)
                .values(epoch=_sessions.epoch + 1)
                .returning(_sessions.epoch)
            )
            raised = connection.execute(raise_by_one).scalar()
            if raised is not None:
                return int(raised)
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(agent_sessions_table).values(agent_id=agent_id, epoch=1)
                    )
                return 1
            except IntegrityError:  # another worker inserted it first
                return int(connection.execute(raise_by_one).scalar_one())

        return await self._write("end_sessions", bump)

    async def login_locked_until(self, key: str, now: float) -> float:
        query = select(_failures.locked_until).where(_failures.key == key)
        until = await self._read("login_locked_until", lambda c: float(c.scalar(query) or 0.0))
        return until if until > now else 0.0

    async def login_failed(
        self, key: str, now: float, window: float, limit: int, lock: float
    ) -> float:
        def count(connection: Connection) -> float:
            # runs and locks that are over count for nothing: invented logins do not pile up
            connection.execute(delete(login_failures_table).where(_failures.expires_at < now))
            failures, first_at, locked_until = _counted(connection, key, now, window)
            if now - first_at > window:
                failures, first_at = 0, now
            failures += 1
            if failures >= limit:
                locked_until = max(locked_until, now + lock)
                failures, first_at = 0, now
            values = {"failures": failures, "first_at": first_at, "locked_until": locked_until}
            expires = max(first_at + window, locked_until)
            connection.execute(
                update(login_failures_table)
                .where(_failures.key == key)
                .values(**values, expires_at=expires)
            )
            return locked_until if locked_until > now else 0.0

        return await self._write("login_failed", count)

    async def login_succeeded(self, key: str) -> None:
        statement = delete(login_failures_table).where(_failures.key == key)
        await self._write("login_succeeded", lambda c: c.execute(statement))


def _counted(
    connection: Connection, key: str, now: float, window: float
) -> tuple[int, float, float]:
    """The key's row, locked for this transaction (PostgreSQL); made if there is none."""
    query = (
        select(_failures.failures, _failures.first_at, _failures.locked_until)
        .where(_failures.key == key)
        .with_for_update()
    )
    row = connection.execute(query).first()
    if row is None:
        fresh = {"key": key, "failures": 0, "first_at": now, "locked_until": 0.0}
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(login_failures_table).values(**fresh, expires_at=now + window)
                )
        except IntegrityError:  # another worker counted this key first
            pass
        row = connection.execute(query).one()
    return int(row[0]), float(row[1]), float(row[2])
