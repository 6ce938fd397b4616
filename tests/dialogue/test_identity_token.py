"""Signed player tokens: only a genuine, unexpired HS256 token verifies a player."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from bot.dialogue.identity_token import AUDIENCE, verify_player_token, without_tokens
from bot.errors import IdentityError

SECRET = "site-shared-secret-of-at-least-32-bytes" * 2  # 78 bytes: long enough for HS512 too
OTHER_SECRET = "another-secret-of-at-least-32-bytes!"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _token(claims: dict[str, object], secret: str = SECRET, algorithm: str = "HS256") -> str:
    """A token with ``claims``, and the player audience unless they name another."""
    return jwt.encode({"aud": AUDIENCE, **claims}, secret, algorithm=algorithm)


def _exp(minutes: int) -> int:
    return int((NOW + timedelta(minutes=minutes)).timestamp())


def test_valid_token_names_the_player() -> None:
    token = _token({"sub": "1001", "username": "ahmet_yilmaz", "exp": _exp(10)})
    player = verify_player_token(token, SECRET, now=NOW)
    assert player.player_id == "1001"
    assert player.username == "ahmet_yilmaz"
    assert player.expires_at == NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (_token({"sub": "1001", "exp": _exp(-5)}), "expired"),
        (_token({"sub": "1001", "exp": _exp(10)}, secret=OTHER_SECRET), "invalid"),
        (_token({"sub": "1001"}), "invalid"),  # no exp
        (_token({"exp": _exp(10)}), "invalid"),  # no sub
        (_token({"sub": "", "exp": _exp(10)}), "names no player"),
        (_token({"sub": "1001", "exp": _exp(10)}, algorithm="HS512"), "invalid"),
        # signed with the same secret for something else: the site's API, the REST channel
        (_token({"sub": "1001", "exp": _exp(10), "aud": "site-api"}), "invalid"),
        (_token({"sub": "1001", "exp": _exp(10), "aud": "destek-rest"}), "invalid"),
        (jwt.encode({"sub": "1001", "exp": _exp(10)}, SECRET, algorithm="HS256"), "invalid"),
        ("not.a.token", "invalid"),
        ("", "no player token"),
        (None, "no player token"),
    ],
)
def test_bad_tokens_verify_nobody(token: object, reason: str) -> None:
    with pytest.raises(IdentityError, match=reason):
        verify_player_token(token, SECRET, now=NOW)


def test_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": "1001", "exp": _exp(10)}, key=None, algorithm="none")
    with pytest.raises(IdentityError, match="invalid"):
        verify_player_token(unsigned, SECRET, now=NOW)


def test_a_little_clock_skew_is_tolerated() -> None:
    token = _token({"sub": "1001", "exp": _exp(0)})
    later = NOW + timedelta(seconds=20)
    assert verify_player_token(token, SECRET, now=later).player_id == "1001"


def test_missing_secret_is_an_error_not_a_pass() -> None:
    token = _token({"sub": "1001", "exp": _exp(10)})
    with pytest.raises(IdentityError, match="no secret"):
        verify_player_token(token, "", now=NOW)


def test_a_stored_message_keeps_no_token() -> None:
    metadata = {"player_token": "a.b.c", "customData": {"playerToken": "d.e.f", "lang": "tr"}}
    stored = without_tokens(metadata)
    assert stored == {"player_token": "***", "customData": {"playerToken": "***", "lang": "tr"}}
    assert metadata["player_token"] == "a.b.c"  # the message itself is untouched
    assert without_tokens({"page": "/para-yatir"}) == {"page": "/para-yatir"}
