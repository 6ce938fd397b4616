"""Players: lookup by username, e-mail or phone, and the player record."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter

from actions.backend.dependencies import DatabaseDep
from actions.backend.errors import ApiError, player_not_found
from actions.backend.identifiers import (
    classify,
    fold_username,
    normalize_email,
    normalize_phone,
)
from actions.backend.models import parse_db_time
from actions.backend.schemas import Player

__all__ = ["fetch_player", "find_by_identifier", "find_player", "player_from_row", "router"]

router = APIRouter(tags=["players"])

_KIND_COLUMN = {"username": "username_key", "email": "email", "phone": "phone"}


@router.get("/players/lookup", response_model=Player)
async def lookup_player(
    db: DatabaseDep,
    username: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Player:
    """Find one player by exactly one of ``username``, ``email`` or ``phone``."""
    criteria = (("username", username), ("email", email), ("phone", phone))
    given = [(name, value) for name, value in criteria if value]
    if len(given) != 1:
        raise ApiError(422, "invalid_request", "give exactly one of username, email or phone")
    column, key = _lookup_key(*given[0])
    row = await db.run(find_player, column, key)
    if row is None:
        raise ApiError(404, "player_not_found", f"no player with that {given[0][0]}")
    return player_from_row(row)


@router.get("/players/{player_id}", response_model=Player)
async def get_player(player_id: int, db: DatabaseDep) -> Player:
    return player_from_row(await db.run(fetch_player, player_id))


def fetch_player(conn: sqlite3.Connection, player_id: int) -> sqlite3.Row:
    """The player's row, or a 404 ``player_not_found``."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM players WHERE id = ?", (player_id,)
    ).fetchone()
    if row is None:
        raise player_not_found(player_id)
    return row


def find_player(conn: sqlite3.Connection, column: str, key: str) -> sqlite3.Row | None:
    if column not in ("username_key", "email", "phone"):
        raise ValueError(f"cannot look players up by {column}")
    row: sqlite3.Row | None = conn.execute(
        f"SELECT * FROM players WHERE {column} = ?", (key,)
    ).fetchone()
    return row


def find_by_identifier(conn: sqlite3.Connection, identifier: str) -> tuple[str, sqlite3.Row | None]:
    """What a player typed to say who they are: its key (``kind:normalised``) and the
    player it names, if any."""
    kind, key = classify(identifier)
    return f"{kind}:{key}", find_player(conn, _KIND_COLUMN[kind], key)


def player_from_row(row: sqlite3.Row) -> Player:
    return Player(
        id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        email=row["email"],
        phone=row["phone"],
        vip_level=row["vip_level"],
        status=row["status"],
        created_at=parse_db_time(row["created_at"]),
        language=row["language"],
    )


def _lookup_key(name: str, value: str) -> tuple[str, str]:
    if name == "username":
        return "username_key", fold_username(value)
    if name == "email":
        email = normalize_email(value)
        if email is None:
            raise ApiError(422, "invalid_request", "query.email: not an e-mail address")
        return "email", email
    phone = normalize_phone(value)
    if phone is None:
        raise ApiError(422, "invalid_request", "query.phone: not a Turkish phone number")
    return "phone", phone
