"""Stores from endpoints.yml sections, in Rasa's shape."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import ConfigError
from bot.store.factory import lock_store_from_endpoint, tracker_store_from_endpoint
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.store.sql import SQLTrackerStore


def sql_store(options: dict[str, Any] | None) -> SQLTrackerStore:
    store = tracker_store_from_endpoint(options)
    assert isinstance(store, SQLTrackerStore)
    return store


@pytest.mark.parametrize("options", [None, {}], ids=["missing", "empty"])
def test_no_section_means_sqlite_at_destek_db(options: dict[str, Any] | None) -> None:
    assert str(sql_store(options).url) == "sqlite:///destek.db"


@pytest.mark.parametrize("store_type", ["sql", "SQL", " Sql "])
def test_sql_with_a_full_url(store_type: str) -> None:
    options = {"type": store_type, "url": "postgresql+psycopg://bot:pw@db:5433/destek"}
    url = sql_store(options).url
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "db",
        5433,
        "destek",
    )


def test_sql_with_rasa_keys() -> None:
    url = sql_store(
        {
            "type": "SQL",
            "dialect": "postgresql",
            "url": "db.internal",
            "port": "5432",
            "db": "destek",
            "username": "bot",
            "password": "p@ss:wörd",
            "query": {"sslmode": "require"},
        }
    ).url
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database, url.username) == (
        "db.internal",
        5432,
        "destek",
        "bot",
    )
    assert url.password == "p@ss:wörd"
    assert dict(url.query) == {"sslmode": "require"}


def test_sql_sqlite_dialect_with_a_db_path() -> None:
    url = sql_store({"type": "sql", "dialect": "sqlite", "db": "/var/lib/destek/trackers.db"}).url
    assert str(url) == "sqlite:////var/lib/destek/trackers.db"


@pytest.mark.parametrize("store_type", ["in_memory", "memory", "In_Memory"])
def test_in_memory_tracker_store(store_type: str) -> None:
    assert isinstance(tracker_store_from_endpoint({"type": store_type}), InMemoryTrackerStore)


def test_unknown_tracker_store_type_is_named() -> None:
    with pytest.raises(ConfigError, match=r"'mongod'.*known: sql, in_memory, memory"):
        tracker_store_from_endpoint({"type": "mongod"})


def test_unknown_dialect_is_named() -> None:
    with pytest.raises(ConfigError, match="'oracle'"):
        tracker_store_from_endpoint({"type": "sql", "dialect": "oracle", "db": "x"})


def test_bad_port_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="port"):
        tracker_store_from_endpoint({"type": "sql", "dialect": "postgresql", "port": "beş"})


@pytest.mark.parametrize("options", [None, {}, {"type": "in_memory"}, {"type": "memory"}])
def test_in_memory_lock_store(options: dict[str, Any] | None) -> None:
    store = lock_store_from_endpoint(options)
    assert isinstance(store, InMemoryLockStore)
    assert store.timeout == 60


def test_lock_timeout_is_configurable() -> None:
    store = lock_store_from_endpoint({"type": "in_memory", "timeout": 5})
    assert isinstance(store, InMemoryLockStore)
    assert store.timeout == 5


def test_unknown_lock_store_type_is_named() -> None:
    with pytest.raises(ConfigError, match="'zookeeper'"):
        lock_store_from_endpoint({"type": "zookeeper"})
