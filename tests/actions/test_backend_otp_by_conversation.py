"""``POST /otp/verify`` and ``POST /otp`` with only the requester: the conversation's
newest challenge, with the same words, limits and lockouts as with an identifier."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.actions.conftest import Backend

AHMET_PHONE = "+905321234567"


def _challenge(backend: Backend, identifier: str, requester: str = "sohbet-1") -> httpx.Response:
    return backend.api.post("/otp", json={"identifier": identifier, "requester": requester})


def _check(backend: Backend, code: str, requester: str = "sohbet-1") -> dict[str, Any]:
    response = backend.api.post("/otp/verify", json={"code": code, "requester": requester})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _renew(backend: Backend, requester: str = "sohbet-1") -> httpx.Response:
    return backend.api.post("/otp", json={"requester": requester})


def _code(backend: Backend) -> str:
    match = re.search(r"\b(\d{6})\b", backend.outbox(AHMET_PHONE)[0]["body"])
    assert match is not None
    return match.group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_conversation_and_the_code_suffice(backend: Backend) -> None:
    _challenge(backend, "0532 123 45 67")
    result = _check(backend, _code(backend))
    assert (result["status"], result["player_id"]) == ("verified", 1001)
    assert _check(backend, _code(backend))["status"] == "no_code"  # used once


def test_the_newest_challenge_of_the_conversation_is_checked(backend: Backend) -> None:
    _challenge(backend, "ahmet_yilmaz")
    code = _code(backend)
    _challenge(backend, "kimse_yok")  # the player corrected who they are
    assert _check(backend, code)["status"] == "wrong_code"
    backend.clock.advance(timedelta(minutes=1))
    _challenge(backend, "ahmet_yilmaz")
    assert _check(backend, _code(backend))["status"] == "verified"


def test_another_conversations_code_never_verifies(backend: Backend) -> None:
    _challenge(backend, "ahmet_yilmaz", requester="oyuncu")
    genuine = _code(backend)
    assert _check(backend, genuine, requester="saldirgan")["status"] == "no_code"
    backend.clock.advance(timedelta(minutes=1))
    _challenge(backend, "ahmet_yilmaz", requester="saldirgan")
    assert _code(backend) != genuine
    assert _check(backend, genuine, requester="saldirgan")["status"] == "wrong_code"
    assert _check(backend, genuine, requester="oyuncu")["status"] == "verified"


def test_known_and_unknown_identifiers_get_the_same_answers(backend: Backend) -> None:
    _challenge(backend, "ahmet_yilmaz", requester="sohbet-1")
    _challenge(backend, "kimse_yok_42", requester="sohbet-2")
    code = _code(backend)
    for attempt in range(4):
        answers = [_check(backend, _wrong(code), who) for who in ("sohbet-1", "sohbet-2")]
        assert answers[0] == answers[1], attempt
    assert (answers[0]["status"], answers[0]["lockout_started"]) == ("locked", False)
    assert _check(backend, code, "sohbet-1")["status"] == "locked"  # even the right code


def test_the_lockout_starts_once_and_locks_only_the_conversation(backend: Backend) -> None:
    _challenge(backend, "ahmet_yilmaz", requester="saldirgan")
    results = [_check(backend, "000000", "saldirgan") for _ in range(4)]
    assert [r["status"] for r in results] == ["wrong_code", "wrong_code", "locked", "locked"]
    assert [r["lockout_started"] for r in results] == [False, False, True, False]
    backend.clock.advance(timedelta(minutes=1))
    assert _renew(backend, "saldirgan").json()["status"] == "locked"
    assert _challenge(backend, "ahmet_yilmaz", requester="oyuncu").json()["status"] == "sent"
    assert _check(backend, _code(backend), "oyuncu")["status"] == "verified"


def test_many_conversations_together_lock_the_player(backend: Backend) -> None:
    outcomes = []
    for n in range(4):
        backend.clock.advance(timedelta(minutes=1))
        _challenge(backend, "ahmet_yilmaz", f"saldirgan-{n}")
        outcomes += [_check(backend, "000000", f"saldirgan-{n}") for _ in range(3)]
    assert (outcomes[9]["status"], outcomes[9]["lockout_started"]) == ("locked", True)
    assert _challenge(backend, "ahmet_yilmaz", "oyuncu").json()["status"] == "locked"


def test_a_renewed_code_goes_to_the_same_account_within_the_limits(backend: Backend) -> None:
    _challenge(backend, "0532 123 45 67")
    limited = _renew(backend)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "60"
    backend.clock.advance(timedelta(minutes=6))
    old = _code(backend)
    assert _check(backend, old)["status"] == "expired"
    renewed = _renew(backend)
    assert renewed.status_code == 200
    assert renewed.json() == _challenge(backend, "kimse_yok", requester="sohbet-2").json()
    assert len(backend.outbox(AHMET_PHONE)) == 2
    assert _check(backend, _code(backend))["status"] == "verified"


def test_a_renewal_for_nobody_is_answered_as_for_a_player(backend: Backend) -> None:
    _challenge(backend, "kimse_yok", requester="sohbet-2")
    backend.clock.advance(timedelta(minutes=1))
    _challenge(backend, "ahmet_yilmaz", requester="sohbet-1")
    backend.clock.advance(timedelta(minutes=1))
    answers = [_renew(backend, who) for who in ("sohbet-1", "sohbet-2")]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].json() == answers[1].json()
    assert len(backend.outbox()) == 2  # only the real account got texts


def test_a_conversation_that_asked_for_no_code(backend: Backend) -> None:
    assert _check(backend, "123456", "yeni")["status"] == "no_code"
    refused = _renew(backend, "yeni")
    assert refused.status_code == 409
    assert refused.json()["error"] == "no_challenge"


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/otp/verify", {"code": "123456"}),  # anonymous callers share one conversation
        ("/otp/verify", {"code": "123456", "requester": "  "}),
        ("/otp/verify", {"code": "12345", "requester": "x"}),
        ("/otp/verify", {"code": "123456", "identifier": "", "requester": "x"}),
        ("/otp", {}),
        ("/otp", {"channel": "sms", "requester": ""}),
    ],
)
def test_without_an_identifier_the_requester_is_required(
    backend: Backend, route: str, body: dict[str, Any]
) -> None:
    response = backend.api.post(route, json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_a_stored_code_hash_needs_the_backends_pepper() -> None:
    """The database alone does not give the code away: 10^6 unkeyed guesses find
    nothing, because the hash is keyed with a pepper kept only in the backend's memory."""
    import hashlib

    from actions.backend import BackendConfig
    from actions.backend.otp_checks import code_hash

    config, other = BackendConfig(), BackendConfig()
    stored = code_hash("player:1001", "sohbet-1", "482913", config.otp_pepper)
    assert stored == code_hash("player:1001", "sohbet-1", "482913", config.otp_pepper)
    assert stored != code_hash("player:1001", "sohbet-1", "482913", other.otp_pepper)
    plain = hashlib.sha256(b"player:1001\0sohbet-1\0482913").hexdigest()
    assert stored != plain
    assert "otp_pepper" not in repr(config)
