"""The tracker store on SQL: SQLite by default, PostgreSQL to share it between workers.

Each event gets the next sequence number of its conversation; ``(sender_id, seq)`` is
unique, so two workers appending at once cannot interleave: the loser of a race rolls
back and retries on top of the winner's events. Blocking calls run in a worker thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread
from alembic.util import CommandError
from sqlalchemy import (
    Engine,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from bot.errors import StoreError
from bot.store.base import HANDOVER_STATUS_OPEN, HandoverRecord, encode_events
from bot.store.sql_engine import (
    WRITE_OPTION,
    build_engine,
    parse_url,
    sqlite_write_lock,
    upgrade_schema,
)
from bot.store.sql_postgres import AUTOCOMMIT, append_parameters, append_statement
from bot.store.sql_redelivery import already_appended
from bot.store.sql_tables import conversations_table, events_table, handovers_table

__all__ = ["SQLTrackerStore"]

# A conversation's reads and the portable (SQLite) append, built once: building a
# statement on every call cost about as much CPU as running it.
_EVENTS = (
    select(events_table.c.data)
    .where(events_table.c.sender_id == bindparam("conversation"))
    .order_by(events_table.c.seq)
)
_EVENTS_SINCE = (
    select(events_table.c.seq, events_table.c.timestamp, events_table.c.data)
    .where(events_table.c.sender_id == bindparam("conversation"))
    .where(events_table.c.seq >= bindparam("known"))
    .order_by(events_table.c.seq)
)
_LAST_SEQ = select(func.max(events_table.c.seq)).where(
    events_table.c.sender_id == bindparam("conversation")
)
_INSERT_EVENTS = insert(events_table)
_NEW_CONVERSATION = sqlite.insert(conversations_table).values(
    sender_id=bindparam("conversation"),
    created=bindparam("created"),
    latest_event_time=bindparam("latest"),
)
_UPSERT_CONVERSATION = _NEW_CONVERSATION.on_conflict_do_update(
    index_elements=[conversations_table.c.sender_id],
    set_={"latest_event_time": _NEW_CONVERSATION.excluded.latest_event_time},
)

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Operations that read across many conversations (reports, follow-ups, the schema's
# migration): in a worker thread even on SQLite, so the event loop keeps serving.
_ON_THREADS = frozenset(
    {
        "open",
        "handovers",
        "conversation_ids",
        "conversation_ids_since",
        "followups_due",
        "recent_handle_times",
        "tickets",
    }
)
MAX_CONFLICT_RETRIES = 100


class SQLTrackerStore:
    """A tracker store on SQLAlchemy; opens (and migrates) on first use or ``open()``.

    Args:
        url: a SQLAlchemy URL, ``sqlite:///destek.db`` or ``postgresql+psycopg://...``.
        retries: how often an operation that lost its connection is tried again.
        backoff: seconds before the first retry; doubled for each further one.
        busy_timeout: seconds SQLite waits for another writer.
        connect_timeout: seconds PostgreSQL waits for a connection.
    """

    def __init__(
        self,
        url: str,
        *,
        retries: int = 3,
        backoff: float = 0.2,
        busy_timeout: float = 30.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self.url = parse_url(url)
        self.retries = retries
        self.backoff = backoff
        self.busy_timeout = busy_timeout
        self.connect_timeout = connect_timeout
        self._engine: Engine | None = None
        self._migrated = False
        self._closed = False
        self._open_lock = threading.Lock()
        # SQLite has one writer at a time; writers of this process queue here instead of
        # in SQLite's busy handler, which sleeps up to 100 ms between tries.
        sqlite = self.url.get_backend_name() == "sqlite"
        self._write_lock = sqlite_write_lock(self.url) if sqlite else None
        self._inline = sqlite
        self._postgres = self.url.get_backend_name() == "postgresql"

    def __repr__(self) -> str:
        return f"SQLTrackerStore({self._safe_url!r})"

    @property
    def _safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    async def open(self) -> None:
        """Connect and bring the schema to the newest revision; idempotent."""
        await self._run("open", self._opened)

    async def load(self, sender_id: str) -> list[dict[str, Any]]:
        def load() -> list[str]:
            with self._reading().connect() as connection:
                return list(connection.scalars(_EVENTS, {"conversation": sender_id}))

        return [json.loads(data) for data in await self._run("load", load)]

    async def load_since(
        self, sender_id: str, known: int, last_timestamp: float | None
    ) -> list[dict[str, Any]] | None:
        # Sequence numbers run 1, 2, 3... per conversation, so the known-th event has
        # seq == known; fetching it too tells whether the stored prefix is unchanged.
        def load() -> list[tuple[int, float, str]]:
            since = {"conversation": sender_id, "known": known}
            with self._reading().connect() as connection:
                rows = connection.execute(_EVENTS_SINCE, since)
                return [(row[0], row[1], row[2]) for row in rows]

        rows = await self._run("load", load)
        if known:
            if not rows or rows[0][0] != known or rows[0][1] != last_timestamp:
                return None
            rows = rows[1:]
        return [json.loads(data) for _, _, data in rows]

    async def append(self, sender_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        encoded = encode_events(events)
        if not encoded:
            return
        now = time.time()
        rows = [
            {
                "type_name": event["event"],
                "timestamp": _timestamp(event, now),
                "data": data,
            }
            for event, data in zip(events, encoded, strict=True)
        ]
        tries = 0

        def append() -> None:
            nonlocal tries
            tries += 1
            # A retry follows a lost connection, and the statement may have committed
            # with only its answer lost: appending again would store the turn twice.
            if tries > 1:
                with self._reading().connect() as connection:
                    if already_appended(connection, sender_id, rows):
                        return
            self._append(sender_id, rows, now)

        await self._run("append", append)

    def _append(self, sender_id: str, rows: list[dict[str, Any]], now: float) -> None:
        """Append ``rows`` after the conversation's last sequence number; two writers that
        picked the same number meet the unique (sender_id, seq) constraint, and the
        loser tries again."""
        write = self._write_postgres if self._postgres else self._write_portable
        for _ in range(MAX_CONFLICT_RETRIES):
            try:
                write(sender_id, rows, now)
                return
            except IntegrityError:
                logger.debug(
                    "sequence conflict appending events", extra={"conversation_id": sender_id}
                )
        raise StoreError(
            f"gave up appending events after {MAX_CONFLICT_RETRIES} conflicting writers"
        )

    def _write_portable(self, sender_id: str, rows: list[dict[str, Any]], now: float) -> None:
        engine = self._opened().execution_options(**{WRITE_OPTION: True})
        conversation = {"conversation": sender_id, "created": now, "latest": rows[-1]["timestamp"]}
        with self._writing(), engine.begin() as connection:
            last = connection.scalar(_LAST_SEQ, conversation)
            first = (last or 0) + 1
            numbered = [
                {**row, "sender_id": sender_id, "seq": first + offset}
                for offset, row in enumerate(rows)
            ]
            connection.execute(_INSERT_EVENTS, numbered)
            connection.execute(_UPSERT_CONVERSATION, conversation)

    def _write_postgres(self, sender_id: str, rows: list[dict[str, Any]], now: float) -> None:
        engine = self._opened().execution_options(**AUTOCOMMIT)
        with engine.connect() as connection:
            connection.execute(append_statement(), append_parameters(sender_id, rows, now))

    def _reading(self) -> Engine:
        """The engine for reads: on PostgreSQL without a transaction (one round trip)."""
        engine = self._opened()
        return engine.execution_options(**AUTOCOMMIT) if self._postgres else engine

    async def record_handover(self, sender_id: str, record: Mapping[str, Any]) -> int:
        validated = HandoverRecord.from_mapping(record)
        row = {
            "sender_id": sender_id,
            "reason": validated.reason,
            "skill": validated.skill,
            "priority": validated.priority,
            "summary": validated.summary,
            "status": HANDOVER_STATUS_OPEN,
            "created_at": validated.timestamp,
        }

        def record_handover() -> int:
            with self._opened().execution_options(**{WRITE_OPTION: True}).begin() as connection:
                statement = insert(handovers_table).values(row).returning(handovers_table.c.id)
                return int(connection.execute(statement).scalar_one())

        return await self._run("record_handover", record_handover)

    async def handovers(
        self, sender_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(handovers_table).order_by(handovers_table.c.created_at, handovers_table.c.id)
        if sender_id is not None:
            query = query.where(handovers_table.c.sender_id == sender_id)
        if status is not None:
            query = query.where(handovers_table.c.status == status)

        def fetch() -> list[dict[str, Any]]:
            with self._opened().connect() as connection:
                return [dict(row) for row in connection.execute(query).mappings()]

        return await self._run("handovers", fetch)

    async def conversation_ids(self) -> list[str]:
        query = select(conversations_table.c.sender_id).order_by(
            conversations_table.c.created, conversations_table.c.sender_id
        )

        def fetch() -> list[str]:
            with self._opened().connect() as connection:
                return list(connection.scalars(query))

        return await self._run("conversation_ids", fetch)

    async def close(self) -> None:
        def dispose() -> None:
            with self._open_lock:
                self._closed = True
                if self._engine is not None:
                    self._engine.dispose()
                    self._engine = None

        await anyio.to_thread.run_sync(dispose)

    def _writing(self) -> contextlib.AbstractContextManager[object]:
        return self._write_lock if self._write_lock is not None else contextlib.nullcontext()

    def _opened(self) -> Engine:
        """The engine, built and migrated on first use; runs in a worker thread."""
        with self._open_lock:
            if self._closed:
                raise StoreError("the tracker store is closed")
            if self._engine is None:
                self._engine = build_engine(
                    self.url,
                    busy_timeout=self.busy_timeout,
                    connect_timeout=self.connect_timeout,
                )
            if not self._migrated:
                upgrade_schema(self._engine)
                self._migrated = True
            return self._engine

    async def _run(self, operation: str, call: Callable[[], T]) -> T:
        """Run ``call``, retrying lost connections; wrap database errors.

        On PostgreSQL ``call`` runs in a worker thread (it waits on the network). On
        SQLite a conversation's reads and writes take well under a millisecond of a
        local file (WAL, no fsync per commit), and they run right here: handing each to a
        thread and back cost more than the work, and under load the threads queued for
        the interpreter behind the event loop (a burst of 40 handovers a second took
        0.7 s to reach the console instead of 30 ms). Scans over many conversations
        (``_ON_THREADS``) still go to a thread.

        The StoreError is raised outside the ``except`` block, so it carries no driver
        exception as its context (whose text may hold SQL parameters).
        """
        attempt = 0
        while True:
            try:
                if self._inline and operation not in _ON_THREADS:
                    result = call()
                    await anyio.lowlevel.checkpoint()  # a loop of reads still lets others in
                    return result
                return await anyio.to_thread.run_sync(call)
            except (OperationalError, InterfaceError) as exc:
                cause, transient = exc.orig or exc, True
            except DBAPIError as exc:
                cause, transient = exc.orig or exc, exc.connection_invalidated
            except (SQLAlchemyError, CommandError) as exc:
                cause, transient = exc, False
            attempt += 1
            if not transient or attempt > self.retries:
                raise StoreError(self._describe(operation, cause, attempt))
            logger.warning(
                "tracker store %s failed (%s), retrying", operation, type(cause).__name__
            )
            await anyio.sleep(self.backoff * 2 ** (attempt - 1))

    def _describe(self, operation: str, cause: BaseException, attempts: int) -> str:
        """A message naming the database without its password, nor the failed SQL."""
        reason = (str(cause).strip().splitlines() or [""])[0]
        if self.url.password:
            reason = reason.replace(str(self.url.password), "***")
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return (
            f"tracker store {operation} failed on {self._safe_url}{tries}: "
            f"{type(cause).__name__}: {reason}"
        )


def _timestamp(event: Mapping[str, Any], default: float) -> float:
    timestamp = event.get("timestamp")
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        return float(timestamp)
    return default
