"""Engines for the SQL stores: SQLite (WAL, busy timeout) or PostgreSQL, and migrations."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from bot.errors import ConfigError

__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "WRITE_OPTION",
    "build_engine",
    "parse_url",
    "sqlite_write_lock",
    "upgrade_schema",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "destek_alembic_version"
# Execution option on the connections that write: SQLite then begins with BEGIN IMMEDIATE,
# so writers queue on the busy timeout instead of failing when their snapshot goes stale.
WRITE_OPTION = "destek_write"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_POSTGRES_ALIASES = ("postgres", "postgresql", "postgresql+psycopg2")


def parse_url(url: str) -> URL:
    """Parse a SQLAlchemy URL; bare ``postgresql://`` means psycopg 3.

    Raises:
        ConfigError: the URL is malformed or names a database other than SQLite or PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError("the tracker store URL is not a valid SQLAlchemy URL") from None
    if parsed.drivername in _POSTGRES_ALIASES:
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"unsupported tracker store database {backend!r} "
            f"(supported: {', '.join(SUPPORTED_BACKENDS)})"
        )
    return parsed


POOL_SIZE = 20
# One lock per SQLite file for the whole process: the tracker store and the queue store
# open the same file with engines of their own, and writers that did not queue here
# would meet in SQLite's busy handler, which sleeps up to 100 ms between tries.
_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def sqlite_write_lock(url: URL) -> threading.Lock:
    """The lock this process's writers of the SQLite database ``url`` queue on (one per
    file; an in-memory database is its engine's own)."""
    database = url.database or ""
    if database in ("", ":memory:"):
        return threading.Lock()
    key = str(Path(database).resolve())
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(key, threading.Lock())


def build_engine(url: URL, *, busy_timeout: float, connect_timeout: float) -> Engine:
    """A pooled engine; connects lazily, so building it does no I/O."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout)
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = max(1, round(connect_timeout))
    # No ping on every checkout (a round trip per operation): a connection the server
    # has dropped fails its statement, SQLAlchemy then discards the pool's connections,
    # and the store's retry runs on a fresh one. The pool is as deep as the turns a
    # busy worker runs at once: a connection opened past it is closed on return, and
    # PostgreSQL forks a process for every new one.
    return create_engine(
        url, connect_args=connect_args, pool_size=POOL_SIZE, max_overflow=POOL_SIZE
    )


def _sqlite_engine(url: URL, busy_timeout: float) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    connect_args = {"timeout": busy_timeout, "check_same_thread": False}
    if in_memory:
        # Every connection would see its own empty database: keep exactly one, lent to
        # one thread at a time.
        engine = create_engine(
            url, connect_args=connect_args, poolclass=QueuePool, pool_size=1, max_overflow=0
        )
    else:
        engine = create_engine(
            url, connect_args=connect_args, pool_size=POOL_SIZE, max_overflow=POOL_SIZE
        )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints, not every commit: a commit survives
            # the process being killed, though not the machine losing power.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call on every start.

    On PostgreSQL an advisory lock serialises workers migrating at once; on SQLite the
    writing transaction does.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock("
                "hashtext('destek_migrations:' || coalesce(current_schema(), '')))"
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
