"""Storage: the SQLite schema, column codecs, and a handle that runs queries off the event loop."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import anyio.to_thread

from actions.backend.clock import ISTANBUL
from actions.backend.errors import StorageError

__all__ = ["TABLES", "Database", "clear_all", "db_time", "from_kurus", "parse_db_time", "to_kurus"]

P = ParamSpec("P")
T = TypeVar("T")

# Money is stored in kuruş (integers); times as UTC ISO-8601 text, which sorts as time does.
SCHEMA = """
CREATE TABLE IF NOT EXISTS players (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    username_key TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL UNIQUE,
    vip_level INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    language TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS balances (
    player_id INTEGER PRIMARY KEY REFERENCES players(id),
    cash INTEGER NOT NULL,
    bonus INTEGER NOT NULL,
    withdrawable INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deposits (
    id INTEGER PRIMARY KEY,
    player_id INTEGER NOT NULL REFERENCES players(id),
    reference TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL,
    amount INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expected_at TEXT
);
CREATE TABLE IF NOT EXISTS withdrawals (
    id INTEGER PRIMARY KEY,
    player_id INTEGER NOT NULL REFERENCES players(id),
    reference TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL,
    amount INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expected_at TEXT
);
CREATE TABLE IF NOT EXISTS bonus_campaigns (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    percentage INTEGER NOT NULL,
    max_amount INTEGER NOT NULL,
    wagering_multiplier INTEGER NOT NULL,
    min_deposit INTEGER NOT NULL,
    valid_until TEXT NOT NULL,
    first_deposit_only INTEGER NOT NULL,
    min_vip_level INTEGER NOT NULL,
    one_per_player INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS player_bonuses (
    id INTEGER PRIMARY KEY,
    player_id INTEGER NOT NULL REFERENCES players(id),
    code TEXT NOT NULL REFERENCES bonus_campaigns(code),
    amount INTEGER NOT NULL,
    wagering_required INTEGER NOT NULL,
    wagered INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kyc_documents (
    id INTEGER PRIMARY KEY,
    player_id INTEGER NOT NULL REFERENCES players(id),
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    uploaded_at TEXT NOT NULL,
    reviewed_at TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS password_reset_requests (
    id INTEGER PRIMARY KEY,
    identifier_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS password_reset_by_key
    ON password_reset_requests (identifier_key, created_at);
-- Before codes were kept per conversation: one row per player, now unused.
DROP TABLE IF EXISTS otp_state;
-- One-time codes. The subject is "player:<id>" for an account and "<kind>:<key>" for an
-- identifier that matches none, so both are answered alike; the requester is the
-- conversation that asked ("" when the caller did not say).
CREATE TABLE IF NOT EXISTS otp_codes (
    subject TEXT NOT NULL,
    requester TEXT NOT NULL,
    player_id INTEGER REFERENCES players(id),
    code_hash TEXT,
    expires_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    PRIMARY KEY (subject, requester)
);
-- Codes sent and wrong codes typed, kept for an hour to count them.
CREATE TABLE IF NOT EXISTS otp_events (
    subject TEXT NOT NULL,
    requester TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS otp_events_by_subject ON otp_events (subject, kind, created_at);
CREATE INDEX IF NOT EXISTS otp_events_by_requester ON otp_events (requester, kind, created_at);
-- A subject locked for every conversation (too many wrong codes from all of them).
CREATE TABLE IF NOT EXISTS otp_locks (
    subject TEXT PRIMARY KEY,
    locked_until TEXT NOT NULL
);
"""

# Children before parents, so deleting in this order keeps foreign keys satisfied.
TABLES = (
    "otp_locks",
    "otp_events",
    "otp_codes",
    "password_reset_requests",
    "outbox",
    "kyc_documents",
    "player_bonuses",
    "bonus_campaigns",
    "withdrawals",
    "deposits",
    "balances",
    "players",
)


class Database:
    """One SQLite connection, used by one thread at a time, from worker threads.

    Each ``run``/``call`` is one transaction: committed when the function returns,
    rolled back when it raises.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        target = ":memory:" if self.path is None else str(self.path)
        try:
            conn = sqlite3.connect(target, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            if self.path is not None:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {target}") from exc
        self._conn = conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def call(
        self,
        fn: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``fn(connection, ...)`` in one transaction, here, blocking."""
        if self._conn is None:
            raise StorageError("database is not open")
        with self._lock:
            try:
                with self._conn:
                    return fn(self._conn, *args, **kwargs)
            except sqlite3.Error as exc:
                raise StorageError(f"query failed in {getattr(fn, '__name__', 'a query')}") from exc

    async def run(
        self,
        fn: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``fn(connection, ...)`` in one transaction, in a worker thread."""
        return await anyio.to_thread.run_sync(functools.partial(self.call, fn, *args, **kwargs))


def clear_all(conn: sqlite3.Connection) -> None:
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")


def db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_db_time(text: str) -> datetime:
    """A stored time, in Istanbul time: what the player and the actions speak of."""
    return datetime.fromisoformat(text).astimezone(ISTANBUL)


def to_kurus(amount: float | Decimal) -> int:
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_kurus(kurus: int) -> float:
    return kurus / 100
