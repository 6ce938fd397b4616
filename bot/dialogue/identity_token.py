"""Signed player tokens: how a website vouches for the player chatting with the bot.

The site that embeds the chat signs ``{"sub": player id, "aud": "destek-player",
"exp": ...}`` with a secret it shares with Destek (HS256) and passes the token in the
session metadata. A valid token verifies the player without a one-time code; anything
else verifies nobody. The audience keeps a token the site signs for something else with
the same secret (its own API's, say) from passing as one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from bot.dialogue.events import Event, SlotSet
from bot.dialogue.tracker import Tracker
from bot.errors import IdentityError

__all__ = [
    "AUDIENCE",
    "STORED_TOKEN",
    "VerifiedPlayer",
    "identity_events",
    "token_from_metadata",
    "verify_player_token",
    "without_tokens",
]

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
AUDIENCE = "destek-player"


@dataclass(frozen=True, slots=True)
class VerifiedPlayer:
    player_id: str
    username: str | None
    expires_at: datetime


def verify_player_token(
    token: Any, secret: str, *, now: datetime | None = None, leeway_seconds: int = 30
) -> VerifiedPlayer:
    """The player a token vouches for, or :class:`IdentityError` saying why not.

    Only HS256 is accepted (never ``none``), ``exp`` and ``aud`` (:data:`AUDIENCE`) are
    required, and ``sub`` must be a non-empty string or number.
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
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"], "verify_exp": False, "verify_sub": False},
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


TOKEN_KEYS = ("player_token", "playerToken")


def token_from_metadata(metadata: Mapping[str, Any]) -> str | None:
    """The signed player token of a message's metadata (also inside rasa-webchat's
    ``customData``)."""
    for source in (metadata, metadata.get("customData")):
        if isinstance(source, Mapping):
            for key in TOKEN_KEYS:
                value = source.get(key)
                if isinstance(value, str) and value:
                    return value
    return None


STORED_TOKEN = "***"
"""What a token's place in a stored message's metadata holds: the token itself is a
credential until it expires, and a tracker is read by more people than the player."""


def without_tokens(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata`` as it is stored: a player token (also in ``customData``) replaced by
    :data:`STORED_TOKEN`."""
    stored = dict(metadata)
    custom = stored.get("customData")
    if isinstance(custom, Mapping):
        stored["customData"] = {
            k: STORED_TOKEN if k in TOKEN_KEYS and v else v for k, v in custom.items()
        }
    for key in TOKEN_KEYS:
        if stored.get(key):
            stored[key] = STORED_TOKEN
    return stored


def identity_events(
    tracker: Tracker, metadata: Mapping[str, Any], secret: str | None
) -> list[Event]:
    """``player_id`` and ``verified`` from a valid token in the message's metadata.

    Nothing when there is no token or no secret, when the domain lacks those slots, or
    when the player is already verified as the same player. A refused token is logged
    (without its content) and verifies nobody.
    """
    token = token_from_metadata(metadata)
    slots = tracker.slot_definitions or {}
    if token is None or not secret or "verified" not in slots or "player_id" not in slots:
        return []
    try:
        player = verify_player_token(token, secret)
    except IdentityError as exc:
        log.warning("conversation %s: player token refused: %s", tracker.sender_id, exc)
        return []
    if (
        tracker.get_slot("verified") is True
        and str(tracker.get_slot("player_id")) == player.player_id
    ):
        return []
    return [SlotSet("player_id", player.player_id), SlotSet("verified", True)]
