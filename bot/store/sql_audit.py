"""The audit log on SQL (migration 0007), in the tracker store's database.

A record is one insert; the log is read newest first by time, optionally of one action.
:func:`audit_log_for` gives the log that belongs with a store: on its database for a
SQL store, in memory otherwise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Column, Connection, Float, Integer, String, Table, Text, insert, select

from bot.store.audit import AuditLog, AuditRecord, checked_record, encode_details
from bot.store.audit_memory import InMemoryAuditLog
from bot.store.sql import SQLTrackerStore
from bot.store.sql_engine import WRITE_OPTION
from bot.store.sql_tables import metadata

__all__ = ["SQLAuditLog", "audit_log_for", "audit_table"]

audit_table = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("details", Text, nullable=False),
)
_LOG = audit_table.c
MAX_LISTED = 1000


def audit_log_for(store: object) -> AuditLog:
    """The audit log on ``store``'s database (a SQL store), or a new one in memory."""
    return SQLAuditLog(store) if isinstance(store, SQLTrackerStore) else InMemoryAuditLog()


def record_from_row(row: Mapping[Any, Any]) -> AuditRecord:
    details = json.loads(row["details"])
    return AuditRecord(
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        subject=row["subject"],
        details=details if isinstance(details, dict) else {},
        id=row["id"],
    )


class SQLAuditLog:
    """:class:`~bot.store.audit.AuditLog` on ``store``'s engine (opened and migrated
    by the store)."""

    def __init__(self, store: SQLTrackerStore) -> None:
        self.store = store

    async def record(
        self,
        actor: str,
        action: str,
        subject: str = "",
        details: Mapping[str, Any] | None = None,
        *,
        at: float | None = None,
    ) -> AuditRecord:
        when = time.time() if at is None else at
        checked = checked_record(when, actor, action, subject, details)
        row = {
            "at": checked.at,
            "actor": checked.actor,
            "action": checked.action,
            "subject": checked.subject,
            "details": encode_details(checked.details),
        }
        store = self.store

        def write() -> int:
            engine = store._opened().execution_options(**{WRITE_OPTION: True})
            with store._writing(), engine.begin() as connection:
                statement = insert(audit_table).values(row).returning(_LOG.id)
                return int(connection.execute(statement).scalar_one())

        return replace(checked, id=await store._run("audit_record", write))

    async def list(
        self,
        since: float | None = None,
        until: float | None = None,
        action: str | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        query = select(audit_table).order_by(_LOG.at.desc(), _LOG.id.desc())
        if since is not None:
            query = query.where(_LOG.at >= since)
        if until is not None:
            query = query.where(_LOG.at < until)
        if action is not None:
            query = query.where(_LOG.action == action)
        query = query.limit(max(0, min(limit, MAX_LISTED)))
        store = self.store

        def fetch(connection: Connection) -> list[AuditRecord]:
            return [record_from_row(row) for row in connection.execute(query).mappings()]

        def read() -> list[AuditRecord]:
            with store._opened().connect() as connection:
                return fetch(connection)

        return await store._run("audit_list", read)
