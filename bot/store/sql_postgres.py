"""The tracker store's hot statements on PostgreSQL, each one round trip.

A turn reads what is new of its conversation and appends its events. Run the portable
way (BEGIN, the next sequence number, the insert, the conversation's row, COMMIT) an
append costs five round trips; here it is one statement in autocommit, and a read needs
no transaction either. Two writers that pick the same sequence number meet the unique
(sender_id, seq) constraint, and the store retries, as it does on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, TEXT, VARCHAR

__all__ = ["AUTOCOMMIT", "append_parameters", "append_statement"]

AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}

_APPEND = text(
    """
    WITH base AS (
        SELECT COALESCE(MAX(seq), 0) AS last FROM events WHERE sender_id = :sender_id
    ), appended AS (
        INSERT INTO events (sender_id, seq, type_name, "timestamp", data)
        SELECT :sender_id, base.last + new.n, new.type_name, new.stamp, new.data
        FROM base, unnest(:type_names, :stamps, :datas)
            WITH ORDINALITY AS new(type_name, stamp, data, n)
        RETURNING 1
    )
    INSERT INTO conversations (sender_id, created, latest_event_time)
    VALUES (:sender_id, :now, :latest)
    ON CONFLICT (sender_id) DO UPDATE SET latest_event_time = excluded.latest_event_time
    """
).bindparams(
    bindparam("type_names", type_=ARRAY(VARCHAR)),
    bindparam("stamps", type_=ARRAY(DOUBLE_PRECISION)),
    bindparam("datas", type_=ARRAY(TEXT)),
)


def append_statement() -> TextClause:
    return _APPEND


def append_parameters(sender_id: str, rows: Sequence[dict[str, Any]], now: float) -> dict[str, Any]:
    return {
        "sender_id": sender_id,
        "type_names": [row["type_name"] for row in rows],
        "stamps": [row["timestamp"] for row in rows],
        "datas": [row["data"] for row in rows],
        "now": now,
        "latest": rows[-1]["timestamp"],
    }
