"""How often one-time codes may go out, and the lockouts that wrong codes bring.

Codes are limited per subject, a player or an identifier that names nobody (the two are
counted alike, so the limits tell nothing about whether an account exists): one every
``otp_min_interval`` and ``otp_sends_per_hour``. A conversation (the requester) may ask
for ``otp_sends_per_requester_per_hour`` codes, whoever they are for.

Wrong codes lock out the requester that typed them (see :mod:`actions.backend.otp`); all
requesters' wrong codes together lock the subject for everyone after
``otp_player_failures_per_hour``: the backstop that bounds guessing from conversation
after conversation, each with its own few attempts.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime, timedelta

from actions.backend.config import BackendConfig
from actions.backend.errors import ApiError
from actions.backend.models import db_time, parse_db_time

__all__ = [
    "ANONYMOUS",
    "FAILURE",
    "SEND",
    "WINDOW",
    "check_send",
    "last_subject",
    "lift_subject_lock",
    "lock_in_force",
    "lock_subject",
    "record",
]

WINDOW = timedelta(hours=1)
SEND = "send"
FAILURE = "failure"
# The requester of callers that do not say who asks: no per-requester limit applies.
ANONYMOUS = ""


def record(
    conn: sqlite3.Connection, subject: str, requester: str, kind: str, now: datetime
) -> None:
    """Count one code sent or one wrong code; events older than the window are dropped."""
    conn.execute("DELETE FROM otp_events WHERE created_at <= ?", (db_time(now - WINDOW),))
    conn.execute(
        "INSERT INTO otp_events (subject, requester, kind, created_at) VALUES (?, ?, ?, ?)",
        (subject, requester, kind, db_time(now)),
    )


def last_subject(conn: sqlite3.Connection, requester: str, now: datetime) -> str | None:
    """Whom ``requester`` was last sent a code for within the window (a player or an
    identifier that names nobody, alike), or None: the conversation's newest challenge.

    A code that went out is counted here (:func:`record`), so this needs no identifier;
    ``rowid`` orders codes sent within the same second.
    """
    row = conn.execute(
        "SELECT subject FROM otp_events WHERE requester = ? AND kind = ? AND created_at > ?"
        " ORDER BY created_at DESC, rowid DESC LIMIT 1",
        (requester, SEND, db_time(now - WINDOW)),
    ).fetchone()
    return None if row is None else str(row["subject"])


def check_send(
    conn: sqlite3.Connection, subject: str, requester: str, now: datetime, config: BackendConfig
) -> None:
    """Refuse with 429 and ``Retry-After`` when a code now would break a limit."""
    waits: list[timedelta] = []
    sends = _times(conn, "subject", subject, SEND, now)
    if sends and now - sends[-1] < config.otp_min_interval:
        waits.append(sends[-1] + config.otp_min_interval - now)
    if len(sends) >= config.otp_sends_per_hour:
        waits.append(sends[-config.otp_sends_per_hour] + WINDOW - now)
    if requester != ANONYMOUS:
        asked = _times(conn, "requester", requester, SEND, now)
        limit = config.otp_sends_per_requester_per_hour
        if len(asked) >= limit:
            waits.append(asked[-limit] + WINDOW - now)
    if not waits:
        return
    retry_after = max(1, math.ceil(max(waits).total_seconds()))
    raise ApiError(
        429,
        "rate_limited",
        f"too many one-time codes; ask again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
        extra={"retry_after": retry_after},
    )


def lock_subject(
    conn: sqlite3.Connection, subject: str, now: datetime, config: BackendConfig
) -> datetime | None:
    """Lock ``subject`` for everyone when its wrong codes of the last hour reached the
    backstop; the end of that lockout, or None."""
    failures = _times(conn, "subject", subject, FAILURE, now)
    if len(failures) < config.otp_player_failures_per_hour:
        return None
    until = now + config.otp_lockout
    conn.execute(
        "INSERT INTO otp_locks (subject, locked_until) VALUES (?, ?)"
        " ON CONFLICT (subject) DO UPDATE SET locked_until = excluded.locked_until",
        (subject, db_time(until)),
    )
    return until


def lift_subject_lock(conn: sqlite3.Connection, subject: str, now: datetime) -> datetime | None:
    """The end of the subject's running lockout; an ended one is lifted and the wrong
    codes behind it forgiven."""
    row = conn.execute(
        "SELECT locked_until FROM otp_locks WHERE subject = ?", (subject,)
    ).fetchone()
    if row is None:
        return None
    until = parse_db_time(row["locked_until"])
    if now < until:
        return until
    conn.execute("DELETE FROM otp_locks WHERE subject = ?", (subject,))
    conn.execute("DELETE FROM otp_events WHERE subject = ? AND kind = ?", (subject, FAILURE))
    return None


def lock_in_force(
    conn: sqlite3.Connection, subject: str, requester: str, now: datetime
) -> datetime | None:
    """The end of the lockout that holds for this requester (its own or the subject's);
    an ended lockout of the requester is lifted and its failures forgiven."""
    subject_lock = lift_subject_lock(conn, subject, now)
    row = conn.execute(
        "SELECT locked_until FROM otp_codes WHERE subject = ? AND requester = ?",
        (subject, requester),
    ).fetchone()
    own = None if row is None or row["locked_until"] is None else parse_db_time(row["locked_until"])
    if own is not None and now >= own:
        conn.execute(
            "UPDATE otp_codes SET locked_until = NULL, failures = 0"
            " WHERE subject = ? AND requester = ?",
            (subject, requester),
        )
        own = None
    ends = [until for until in (subject_lock, own) if until is not None]
    return max(ends) if ends else None


def _times(
    conn: sqlite3.Connection, column: str, value: str, kind: str, now: datetime
) -> list[datetime]:
    """When ``kind`` happened for ``column = value`` in the last hour, oldest first."""
    if column not in ("subject", "requester"):
        raise ValueError(f"cannot count one-time codes by {column}")
    rows = conn.execute(
        f"SELECT created_at FROM otp_events WHERE {column} = ? AND kind = ? AND created_at > ?"
        " ORDER BY created_at",
        (value, kind, db_time(now - WINDOW)),
    ).fetchall()
    return [parse_db_time(row["created_at"]) for row in rows]
