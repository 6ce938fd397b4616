"""The audit log in memory, on SQLite and on PostgreSQL: records kept and listed newest
first within a period and of one action, malformed records refused, and what one
worker records another reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.errors import StoreError
from bot.store.audit import (
    LOGIN,
    LOGIN_FAILED,
    MODEL_ACTIVATED,
    PANEL_VIEW,
    AuditLog,
    cli_actor,
)
from bot.store.audit_memory import InMemoryAuditLog
from bot.store.sql import SQLTrackerStore
from bot.store.sql_audit import SQLAuditLog, audit_log_for

LogFactory = Callable[[], AuditLog]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def audit_factory(request: pytest.FixtureRequest) -> AsyncIterator[LogFactory]:
    """Makes audit logs on one database, as separate workers would have."""
    if request.param == "memory":
        shared = InMemoryAuditLog()
        yield lambda: shared
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    stores: list[SQLTrackerStore] = []

    def make() -> AuditLog:
        stores.append(SQLTrackerStore(url, backoff=0.01))
        return SQLAuditLog(stores[-1])

    yield make
    for store in stores:
        await store.close()


@pytest.mark.anyio
async def test_records_are_listed_newest_first_by_period_and_action(
    audit_factory: LogFactory,
) -> None:
    audit = audit_factory()
    first = await audit.record("ayse", LOGIN, "ayse", at=1000.0)
    await audit.record("anonymous", LOGIN_FAILED, "mehmet", {"reason": "bad_login"}, at=1001.0)
    await audit.record("ayse", PANEL_VIEW, "oyuncu-1", {"available": True}, at=1002.5)
    await audit.record("system", MODEL_ACTIVATED, "yeni.tar.gz", {"via": "watcher"}, at=1003.0)
    assert first.id > 0 and first.at_iso == "1970-01-01T00:16:40Z"

    listed = await audit.list()
    assert [r.action for r in listed] == [MODEL_ACTIVATED, PANEL_VIEW, LOGIN_FAILED, LOGIN]
    assert listed[1].details == {"available": True} and listed[1].subject == "oyuncu-1"
    assert listed[1].as_dict()["at"] == "1970-01-01T00:16:42.500000Z"
    window = await audit.list(since=1001.0, until=1003.0)  # since included, until not
    assert [r.action for r in window] == [PANEL_VIEW, LOGIN_FAILED]
    assert [r.actor for r in await audit.list(action=LOGIN)] == ["ayse"]
    assert len(await audit.list(limit=2)) == 2
    assert await audit.list(action="panel_view", since=1003.0) == []


@pytest.mark.anyio
async def test_another_worker_reads_what_one_recorded(audit_factory: LogFactory) -> None:
    writer, reader = audit_factory(), audit_factory()
    await writer.record(cli_actor("root"), "privacy_export", "player:42", {"conversations": 2})
    (record,) = await reader.list()
    assert (record.actor, record.subject, record.details) == (
        "cli:root", "player:42", {"conversations": 2},
    )  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("action", "subject", "details", "problem"),
    [
        ("deleted_everything", "", None, "unknown audit action"),
        (LOGIN, "x" * 256, None, "at most 255"),
        (LOGIN, "", {"nested": {"phone": "0532"}}, "flat mapping"),
        (LOGIN, "", {"transcript": "a" * 2000}, "at most 1000"),
        (LOGIN, "", {"ratio": float("nan")}, "finite"),
    ],
)
async def test_malformed_records_are_refused_and_nothing_is_kept(
    audit_factory: LogFactory,
    action: str,
    subject: str,
    details: dict[str, object] | None,
    problem: str,
) -> None:
    audit = audit_factory()
    with pytest.raises(StoreError, match=problem):
        await audit.record("ayse", action, subject, details)
    assert await audit.list() == []


def test_a_sql_store_gets_its_log_on_its_database(sqlite_url: str) -> None:
    assert isinstance(audit_log_for(SQLTrackerStore(sqlite_url)), SQLAuditLog)
    assert isinstance(audit_log_for(object()), InMemoryAuditLog)
