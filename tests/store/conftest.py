"""Tracker stores for the contract tests: in memory, SQLite in tmp_path, PostgreSQL.

PostgreSQL runs at ``DESTEK_TEST_POSTGRES_URL`` (default: the local server, user
postgres, database test). Each test gets its own schema, named after this session's
random prefix, and drops it afterwards, so parallel runs never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from itertools import count
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.store.base import TrackerStore
from bot.store.memory import InMemoryTrackerStore
from bot.store.redis_connection import RedisEndpoint, redis_endpoint_from_options
from bot.store.sql import SQLTrackerStore
from tests.services import service_unavailable

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

StoreFactory = Callable[[], TrackerStore]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[tuple[str, str]]:
    """(libpq URL, this session's schema prefix); skips without PostgreSQL unless CI."""
    url = os.environ.get("DESTEK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        where = conninfo_to_dict(url)
        server = f"{where.get('host', 'localhost')}:{where.get('port', 5432)}"
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        service_unavailable(f"PostgreSQL at {server} (DESTEK_TEST_POSTGRES_URL)", reason)
    prefix = f"destek_test_{secrets.token_hex(4)}"
    yield url, prefix
    with psycopg.connect(url, autocommit=True) as connection:
        leftovers = connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (prefix + "%",)
        ).fetchall()
        for (schema,) in leftovers:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


_schema_numbers = count()


@pytest.fixture
def postgres_url(postgres_admin: tuple[str, str]) -> Iterator[str]:
    """A SQLAlchemy URL whose search_path is a fresh, empty schema."""
    admin_url, prefix = postgres_admin
    schema = f"{prefix}_{next(_schema_numbers)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    store_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in store_url else "?"
    yield f"{store_url}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'destek.db'}"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store_factory(request: pytest.FixtureRequest) -> StoreFactory:
    """Makes stores that share one database, as separate worker processes would."""
    if request.param == "memory":
        shared = InMemoryTrackerStore()
        return lambda: shared
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url = request.getfixturevalue(fixture)
    return lambda: SQLTrackerStore(url, backoff=0.01)


@pytest.fixture
async def tracker_store(store_factory: StoreFactory) -> AsyncIterator[TrackerStore]:
    store = store_factory()
    yield store
    await store.close()


@pytest.fixture(scope="session")
def redis_endpoint() -> RedisEndpoint:
    """The test Redis; skips without it unless CI."""
    url = os.environ.get("DESTEK_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    endpoint = redis_endpoint_from_options({"url": url, "socket_timeout": 2}, "test")
    client = redis.Redis(
        host=endpoint.host,
        port=endpoint.port,
        password=endpoint.password,
        socket_timeout=3,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        service_unavailable(f"Redis at {endpoint.where} (DESTEK_TEST_REDIS_URL)", str(exc))
    finally:
        client.close()
    return endpoint


@pytest.fixture
def key_prefix(redis_endpoint: RedisEndpoint) -> Iterator[str]:
    prefix = f"destek_test_{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis(
        host=redis_endpoint.host,
        port=redis_endpoint.port,
        db=redis_endpoint.db,
        password=redis_endpoint.password,
        socket_timeout=3,
    )
    with client:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
