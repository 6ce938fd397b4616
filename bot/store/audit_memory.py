"""The audit log in one process's memory: for tests and in-memory stores."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.store.audit import AuditRecord, checked_record

__all__ = ["InMemoryAuditLog"]


class InMemoryAuditLog:
    """:class:`~bot.store.audit.AuditLog` in a list; lost with the process."""

    def __init__(self) -> None:
        self._records: list[AuditRecord] = []

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
        stored = replace(checked, id=len(self._records) + 1)
        self._records.append(stored)
        return stored

    async def list(
        self,
        since: float | None = None,
        until: float | None = None,
        action: str | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        found = [
            record
            for record in self._records
            if (since is None or record.at >= since)
            and (until is None or record.at < until)
            and (action is None or record.action == action)
        ]
        found.sort(key=lambda record: (record.at, record.id), reverse=True)
        return found[: max(0, limit)]
