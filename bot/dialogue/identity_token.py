"""Signed player tokens: how a website vouches for the player chatting with the bot.

The site that embeds the chat signs ``{"sub": player id, "exp": ...}`` with a secret it
shares with Destek (HS256) and passes the token in the session metadata. A valid token
verifies the player without a one-time code; anything else verifies nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from bot.errors import IdentityError

__all__ = ["VerifiedPlayer", "verify_player_token"]

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class VerifiedPlayer:
    player_id: str
    username: str | None
    expires_at: datetime


def verify_player_token(
    token: Any, secret: str, *, now: datetime | None = None, leeway_seconds: int = 30
) -> VerifiedPlayer:
    """The player a token vouches for, or :class:`IdentityError` saying why not.

    Only HS256 is accepted (never ``none``), ``exp`` is required, and ``sub`` must be
    a non-empty string or number.
    """
    if not isinstance(token, str) or not token.strip():
        raise IdentityError("no player token")
    if not secret:
        raise IdentityError("no secret configured for player tokens")
    moment = now or datetime.now(UTC)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"], "verify_exp": False, "verify_sub": False},
        )
    except jwt.PyJWTError as exc:
        raise IdentityError(f"invalid player token: {type(exc).__name__}") from exc
    expires_at = _expiry(claims.get("exp"))
    if moment.timestamp() > expires_at.timestamp() + leeway_seconds:
        raise IdentityError("the player token has expired")
    subject = claims.get("sub")
    if isinstance(subject, bool) or not isinstance(subject, str | int) or str(subject) == "":
        raise IdentityError("the player token names no player ('sub')")
    username = claims.get("username")
    return VerifiedPlayer(
        player_id=str(subject),
        username=username if isinstance(username, str) else None,
        expires_at=expires_at,
    )


def _expiry(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IdentityError("the player token's 'exp' is not a time")
    return datetime.fromtimestamp(float(value), UTC)
