"""Idempotency keys on SQL (migration 0003), in the tracker store's database.

A claim is an insert on the key's primary key: of two workers inserting at once, the
database lets one through. A claim whose lease ran out is taken over by a conditional
update on the time it was claimed, so again only one worker wins it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Column, Connection, Engine, Float, String, Table, delete, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from bot.store.delivery_keys import BUSY, CLAIMED, DONE, Claim
from bot.store.sql import SQLTrackerStore
from bot.store.sql_engine import WRITE_OPTION
from bot.store.sql_tables import metadata

__all__ = ["SQLDeliveryKeys", "delivery_keys_table"]

T = TypeVar("T")

delivery_keys_table = Table(
    "delivery_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("since", Float, nullable=False),
)
_KEYS = delivery_keys_table.c


class SQLDeliveryKeys:
    """:class:`~bot.store.delivery_keys.DeliveryKeys` on ``store``'s engine."""

    def __init__(self, store: SQLTrackerStore) -> None:
        self.store = store

    async def _write(self, operation: str, call: Callable[[Connection], T]) -> T:
        store = self.store

        def run() -> T:
            engine: Engine = store._opened().execution_options(**{WRITE_OPTION: True})
            with store._writing(), engine.begin() as connection:
                return call(connection)

        return await store._run(operation, run)

    async def claim(self, key: str, now: float, lease: float) -> Claim:
        def claim(connection: Connection) -> Claim:
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(delivery_keys_table), {"key": key, "state": CLAIMED, "since": now}
                    )
                return CLAIMED
            except IntegrityError:
                pass
            row = connection.execute(
                select(_KEYS.state, _KEYS.since).where(_KEYS.key == key)
            ).first()
            if row is None:
                return BUSY  # released this very moment: the caller's retry will have it
            if row.state == DONE:
                return DONE
            if row.since + lease > now:
                return BUSY
            taken = connection.execute(
                sql_update(delivery_keys_table)
                .where(_KEYS.key == key, _KEYS.state == CLAIMED, _KEYS.since == row.since)
                .values(since=now)
            )
            return CLAIMED if taken.rowcount == 1 else BUSY

        return await self._write("claim_key", claim)

    async def done(self, key: str, now: float) -> None:
        statement = (
            sql_update(delivery_keys_table).where(_KEYS.key == key).values(state=DONE, since=now)
        )
        await self._write("done_key", lambda c: c.execute(statement))

    async def release(self, key: str) -> None:
        statement = delete(delivery_keys_table).where(_KEYS.key == key, _KEYS.state == CLAIMED)
        await self._write("release_key", lambda c: c.execute(statement))
