"""The outbox: e-mails and SMS the backend "sent", kept for tests and demos."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from fastapi import APIRouter

from actions.backend.dependencies import DatabaseDep
from actions.backend.identifiers import normalize_phone
from actions.backend.models import db_time, parse_db_time
from actions.backend.schemas import Channel, OutboxList, OutboxMessage

__all__ = ["router", "send"]

router = APIRouter(tags=["admin"])


@router.get("/outbox", response_model=OutboxList)
async def list_outbox(db: DatabaseDep, to: str | None = None) -> OutboxList:
    """Sent messages, newest first; ``to`` is an e-mail or a phone in any common form."""
    rows = await db.run(_messages, _recipient_key(to) if to else None)
    return OutboxList(
        messages=[
            OutboxMessage(
                id=row["id"],
                channel=row["channel"],
                to=row["recipient"],
                subject=row["subject"],
                body=row["body"],
                created_at=parse_db_time(row["created_at"]),
            )
            for row in rows
        ]
    )


def send(
    conn: sqlite3.Connection,
    channel: Channel,
    to: str,
    subject: str,
    body: str,
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?)",
        (channel, to, subject, body, db_time(now)),
    )


def _messages(conn: sqlite3.Connection, to: str | None) -> list[sqlite3.Row]:
    if to is None:
        return conn.execute("SELECT * FROM outbox ORDER BY id DESC").fetchall()
    return conn.execute(
        "SELECT * FROM outbox WHERE recipient = ? ORDER BY id DESC", (to,)
    ).fetchall()


def _recipient_key(to: str) -> str:
    if "@" in to:
        return to.strip().lower()
    return normalize_phone(to) or to.strip()
