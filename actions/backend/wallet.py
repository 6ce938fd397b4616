"""Money: the balance, deposits (with a search that finds "the 1500 TL papara from last
night") and withdrawals."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Query

from actions.backend.clock import ISTANBUL
from actions.backend.dependencies import ClockDep, DatabaseDep
from actions.backend.errors import ApiError
from actions.backend.models import db_time, from_kurus, parse_db_time, to_kurus
from actions.backend.players import fetch_player
from actions.backend.schemas import (
    Balance,
    Deposit,
    DepositList,
    DepositState,
    PaymentMethod,
    Transaction,
    Withdrawal,
    WithdrawalList,
    WithdrawalState,
)

__all__ = ["TransactionFilter", "router", "search_transactions"]

router = APIRouter(tags=["wallet"])

T = TypeVar("T", bound=Transaction)

# Without an explicit tolerance an amount matches within 2 %, and at least 1 TL.
DEFAULT_TOLERANCE_SHARE = 0.02
OPEN_STATES = ("pending", "processing")


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    """Which of a player's deposits or withdrawals to list; every field is optional."""

    since: datetime | None = None
    until: datetime | None = None
    amount: float | None = None
    tolerance: float | None = None
    method: str | None = None
    state: str | None = None
    limit: int = 50

    def amount_range(self) -> tuple[int, int] | None:
        if self.amount is None:
            return None
        tolerance = self.tolerance
        if tolerance is None:
            tolerance = max(1.0, self.amount * DEFAULT_TOLERANCE_SHARE)
        return to_kurus(self.amount - tolerance), to_kurus(self.amount + tolerance)


@router.get("/players/{player_id}/balance", response_model=Balance)
async def get_balance(player_id: int, db: DatabaseDep) -> Balance:
    row = await db.run(_fetch_balance, player_id)
    return Balance(
        player_id=player_id,
        cash=from_kurus(row["cash"]),
        bonus=from_kurus(row["bonus"]),
        withdrawable=from_kurus(row["withdrawable"]),
        updated_at=parse_db_time(row["updated_at"]),
    )


def transaction_query(
    since: datetime | None = None,
    until: datetime | None = None,
    amount: Annotated[float | None, Query(gt=0)] = None,
    tolerance: Annotated[float | None, Query(ge=0)] = None,
    method: PaymentMethod | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TransactionFilter:
    """The query parameters deposits and withdrawals share; ``state`` differs."""
    return _filter(since, until, amount, tolerance, method, None, limit)


QueryDep = Annotated[TransactionFilter, Depends(transaction_query)]


@router.get("/players/{player_id}/deposits", response_model=DepositList)
async def list_deposits(
    player_id: int,
    db: DatabaseDep,
    clock: ClockDep,
    query: QueryDep,
    state: DepositState | None = None,
) -> DepositList:
    """Newest first. ``amount`` matches within ``tolerance`` TL (default 2 %, at least 1 TL);
    ``since``/``until`` without an offset are Istanbul time."""
    where = replace(query, state=state)
    rows = await db.run(search_transactions, "deposits", player_id, where)
    now = clock.now()
    return DepositList(deposits=[_transaction(Deposit, row, now) for row in rows])


@router.get("/players/{player_id}/withdrawals", response_model=WithdrawalList)
async def list_withdrawals(
    player_id: int,
    db: DatabaseDep,
    clock: ClockDep,
    query: QueryDep,
    state: WithdrawalState | None = None,
) -> WithdrawalList:
    """Newest first, filtered like deposits."""
    where = replace(query, state=state)
    rows = await db.run(search_transactions, "withdrawals", player_id, where)
    now = clock.now()
    return WithdrawalList(withdrawals=[_transaction(Withdrawal, row, now) for row in rows])


def search_transactions(
    conn: sqlite3.Connection,
    table: Literal["deposits", "withdrawals"],
    player_id: int,
    where: TransactionFilter,
) -> list[sqlite3.Row]:
    fetch_player(conn, player_id)
    clauses = ["player_id = ?"]
    params: list[object] = [player_id]
    if where.since is not None:
        clauses.append("created_at >= ?")
        params.append(db_time(where.since))
    if where.until is not None:
        clauses.append("created_at <= ?")
        params.append(db_time(where.until))
    amounts = where.amount_range()
    if amounts is not None:
        clauses.append("amount BETWEEN ? AND ?")
        params.extend(amounts)
    for column in ("method", "state"):
        value = getattr(where, column)
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    query = f"SELECT * FROM {table} WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id DESC"
    return conn.execute(query + " LIMIT ?", (*params, where.limit)).fetchall()


def _fetch_balance(conn: sqlite3.Connection, player_id: int) -> sqlite3.Row:
    fetch_player(conn, player_id)
    row: sqlite3.Row = conn.execute(
        "SELECT * FROM balances WHERE player_id = ?", (player_id,)
    ).fetchone()
    return row


def _filter(
    since: datetime | None,
    until: datetime | None,
    amount: float | None,
    tolerance: float | None,
    method: str | None,
    state: str | None,
    limit: int,
) -> TransactionFilter:
    since, until = _local(since), _local(until)
    if since is not None and until is not None and since > until:
        raise ApiError(422, "invalid_request", "query.since: must not be after until")
    return TransactionFilter(since, until, amount, tolerance, method, state, limit)


def _local(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ISTANBUL)


def _transaction(model: type[T], row: sqlite3.Row, now: datetime) -> T:
    expected = parse_db_time(row["expected_at"]) if row["expected_at"] else None
    return model(
        id=row["id"],
        reference=row["reference"],
        method=row["method"],
        amount=from_kurus(row["amount"]),
        state=row["state"],
        reason=row["reason"],
        created_at=parse_db_time(row["created_at"]),
        updated_at=parse_db_time(row["updated_at"]),
        expected_at=expected,
        overdue=row["state"] in OPEN_STATES and expected is not None and now > expected,
    )
