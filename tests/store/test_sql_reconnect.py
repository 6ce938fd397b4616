"""PostgreSQL going away and coming back: the store retries instead of failing."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

from bot.store.sql import SQLTrackerStore
from tests.store.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio

EVENTS = [{"event": "user", "timestamp": 1.0, "text": "çekimim gelmedi"}]


async def test_store_rides_out_a_database_restart(postgres_url: str) -> None:
    url = make_url(postgres_url)
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port)
        store = SQLTrackerStore(
            proxied.render_as_string(hide_password=False), retries=6, backoff=0.05
        )
        try:
            await store.append("c", EVENTS)
            proxy.cut()
            loading = asyncio.create_task(store.load("c"))
            await asyncio.wait_for(proxy.turned_away.wait(), timeout=10)
            proxy.restore()
            assert await asyncio.wait_for(loading, timeout=10) == EVENTS
        finally:
            await store.close()


async def test_store_reconnects_after_the_server_ends_its_session(postgres_url: str) -> None:
    application = f"destek_test_{secrets.token_hex(4)}"
    store = SQLTrackerStore(
        f"{postgres_url}&application_name={application}", retries=1, backoff=0.01
    )
    try:
        await store.append("c", EVENTS)
        terminated = terminate_sessions(postgres_url, application)
        assert terminated >= 1
        # The pooled connection is dead; one retry on a fresh connection is enough.
        assert await store.load("c") == EVENTS
        await store.append("c", EVENTS)
        assert await store.load("c") == [*EVENTS, *EVENTS]
    finally:
        await store.close()


def terminate_sessions(store_url: str, application: str) -> int:
    libpq_url = make_url(store_url).set(drivername="postgresql", query={})
    query = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
    with psycopg.connect(libpq_url.render_as_string(hide_password=False)) as connection:
        rows: list[Any] = connection.execute(query, (application,)).fetchall()
    return len(rows)
