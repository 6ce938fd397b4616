"""What only the SQL tracker store does: migrations, SQLite settings, errors without secrets."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.errors import ConfigError, StoreError
from bot.store.sql import SQLTrackerStore
from bot.store.sql_engine import MIGRATIONS_DIR, VERSION_TABLE

pytestmark = pytest.mark.anyio

SECRET = "s3cret-Parola!"


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def newest_revision() -> str:
    """The one head of the migrations (two would fail to migrate)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    (head,) = ScriptDirectory.from_config(config).get_heads()
    return str(head)


def version_rows(url: str) -> list[tuple[str, ...]]:
    query = f"SELECT version_num FROM {VERSION_TABLE}"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute(query).fetchall()
    libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(libpq_url) as connection:
        return connection.execute(query).fetchall()


async def test_opening_migrates_once_and_again_is_harmless(sql_url: str) -> None:
    first, second = SQLTrackerStore(sql_url), SQLTrackerStore(sql_url)
    await asyncio.gather(first.open(), second.open())  # two workers starting at once
    await first.append("c", [{"event": "user", "timestamp": 1.0, "text": "selam"}])
    await first.close()
    await second.open()
    third = SQLTrackerStore(sql_url)
    assert len(await third.load("c")) == 1
    await second.close()
    await third.close()
    assert version_rows(sql_url) == [(newest_revision(),)]


async def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    store = SQLTrackerStore(sqlite_url)
    await store.open()
    await store.close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_in_memory_sqlite_is_one_database() -> None:
    store = SQLTrackerStore("sqlite://")
    await asyncio.gather(*(store.append("c", [{"event": "bot", "text": str(n)}]) for n in range(5)))
    assert len(await store.load("c")) == 5
    await store.close()


async def test_unreachable_database_raises_store_error_without_password() -> None:
    url = f"postgresql+psycopg://destek:{SECRET}@127.0.0.1:1/destek"
    store = SQLTrackerStore(url, retries=2, backoff=0.01, connect_timeout=1)
    assert SECRET not in repr(store)
    with pytest.raises(StoreError) as caught:
        await store.load("c")
    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "after 3 attempts" in message
    assert SECRET not in message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None  # no driver exception rides along
    await store.close()


async def test_unwritable_sqlite_file_raises_store_error(tmp_path: Path) -> None:
    store = SQLTrackerStore(
        f"sqlite:///{tmp_path / 'missing' / 'destek.db'}", retries=1, backoff=0.01
    )
    with pytest.raises(StoreError, match="unable to open database file"):
        await store.append("c", [{"event": "user", "text": "x"}])
    await store.close()


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://u:{SECRET}@host:notaport/db",
        f"mysql://u:{SECRET}@host/db",
        "nonsense",
    ],
    ids=["bad-port", "mysql", "nonsense"],
)
def test_bad_urls_raise_config_error_without_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SQLTrackerStore(url)
    assert SECRET not in str(caught.value)


def test_bare_postgresql_url_means_psycopg_3() -> None:
    store = SQLTrackerStore("postgresql://postgres@127.0.0.1/test")
    assert store.url.drivername == "postgresql+psycopg"


async def test_a_closed_store_refuses_work(sqlite_url: str) -> None:
    store = SQLTrackerStore(sqlite_url)
    await store.close()
    with pytest.raises(StoreError, match="closed"):
        await store.load("c")
