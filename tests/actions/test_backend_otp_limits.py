"""One-time codes under attack: SMS floods, account probing and lockouts of other people."""

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


def _check(
    backend: Backend, identifier: str, code: str, requester: str = "sohbet-1"
) -> dict[str, Any]:
    response = backend.api.post(
        "/otp/verify", json={"identifier": identifier, "code": code, "requester": requester}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _code(backend: Backend, to: str = AHMET_PHONE) -> str:
    match = re.search(r"\b(\d{6})\b", backend.outbox(to)[0]["body"])
    assert match is not None
    return match.group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize("route", ["/players/1001/otp", "/otp"])
def test_a_burst_of_twelve_requests_sends_one_sms(backend: Backend, route: str) -> None:
    body = {"channel": "sms"} if route != "/otp" else {"identifier": "ahmet_yilmaz"}
    answers = [backend.api.post(route, json=body) for _ in range(12)]
    assert [a.status_code for a in answers] == [200] + [429] * 11
    assert len(backend.outbox(AHMET_PHONE)) == 1
    refused = answers[-1]
    assert refused.json()["error"] == "rate_limited"
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["retry_after"] == 60


def test_at_most_five_codes_an_hour_for_one_player(backend: Backend) -> None:
    for _ in range(5):
        assert _challenge(backend, "ahmet_yilmaz").status_code == 200
        backend.clock.advance(timedelta(minutes=2))
    limited = _challenge(backend, "0532 123 45 67", requester="sohbet-2")  # any spelling
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == str(50 * 60)  # the first one leaves the hour
    backend.clock.advance(timedelta(minutes=50))
    assert _challenge(backend, "ahmet_yilmaz").status_code == 200
    assert len(backend.outbox(AHMET_PHONE)) == 6


def test_one_conversation_cannot_text_everybody(backend: Backend) -> None:
    names = [f"oyuncu_{n}" for n in range(10)]
    assert all(_challenge(backend, name).status_code == 200 for name in names)
    assert _challenge(backend, "ahmet_yilmaz").status_code == 429
    assert _challenge(backend, "ahmet_yilmaz", requester="sohbet-2").status_code == 200


def test_known_and_unknown_identifiers_get_the_same_answers(backend: Backend) -> None:
    known, unknown = "ahmet_yilmaz", "kimse_yok_42"
    sent = [_challenge(backend, who) for who in (known, unknown)]
    assert sent[0].status_code == sent[1].status_code == 200
    assert sent[0].json() == sent[1].json()
    assert "varsa" in sent[0].json()["message"]
    assert "45 67" not in sent[0].text
    again = [_challenge(backend, who) for who in (known, unknown)]
    assert again[0].status_code == again[1].status_code == 429
    assert again[0].json() == again[1].json()
    assert len(backend.outbox()) == 1  # only the real account got a text
    code = _code(backend)
    for attempt in range(3):
        answers = [_check(backend, who, _wrong(code)) for who in (known, unknown)]
        assert answers[0] == answers[1], attempt
    assert answers[0]["status"] == "locked"
    # even the right code: a locked conversation stays locked
    assert _check(backend, unknown, code)["status"] == "locked"


def test_an_unknown_identifier_is_never_verified(backend: Backend) -> None:
    _challenge(backend, "kimse_yok@example.com")
    for code in ("000000", "123456"):
        result = _check(backend, "kimse_yok@example.com", code)
        assert result["status"] in ("wrong_code", "locked")
        assert result["player_id"] is None


def test_the_right_code_verifies_and_names_the_player(backend: Backend) -> None:
    _challenge(backend, "Ahmet.Yilmaz@Example.com")
    result = _check(backend, "ahmet.yilmaz@example.com", _code(backend))
    assert (result["status"], result["player_id"]) == ("verified", 1001)


def test_a_code_belongs_to_the_conversation_that_asked(backend: Backend) -> None:
    _challenge(backend, "ahmet_yilmaz", requester="oyuncu")
    code = _code(backend)
    assert _check(backend, "ahmet_yilmaz", code, requester="saldirgan")["status"] == "no_code"
    assert _check(backend, "ahmet_yilmaz", code, requester="oyuncu")["status"] == "verified"


def test_wrong_codes_lock_out_the_stranger_not_the_player(backend: Backend) -> None:
    _challenge(backend, "ahmet_yilmaz", requester="saldirgan")
    results = [_check(backend, "ahmet_yilmaz", "000000", "saldirgan") for _ in range(4)]
    assert [r["status"] for r in results[:2]] == ["wrong_code", "wrong_code"]
    assert (results[2]["status"], results[2]["lockout_started"]) == ("locked", True)
    assert (results[3]["status"], results[3]["lockout_started"]) == ("locked", False)
    backend.clock.advance(timedelta(minutes=1))
    assert _challenge(backend, "ahmet_yilmaz", requester="saldirgan").json()["status"] == "locked"
    # the player's own conversation is not affected
    assert _challenge(backend, "ahmet_yilmaz", requester="oyuncu").json()["status"] == "sent"
    result = _check(backend, "ahmet_yilmaz", _code(backend), requester="oyuncu")
    assert result["status"] == "verified"


def test_many_strangers_together_lock_the_player_for_a_while(backend: Backend) -> None:
    """The backstop: each conversation has three tries, but all of them together ten an
    hour, so opening conversation after conversation does not buy guesses."""
    outcomes = []
    for n in range(4):
        requester = f"saldirgan-{n}"
        backend.clock.advance(timedelta(minutes=1))
        _challenge(backend, "ahmet_yilmaz", requester)
        outcomes += [_check(backend, "ahmet_yilmaz", "000000", requester) for _ in range(3)]
    tenth = outcomes[9]
    assert (tenth["status"], tenth["lockout_started"]) == ("locked", True)
    assert tenth["locked_until"] == "2026-11-22T14:19:00+03:00"
    backend.clock.advance(timedelta(minutes=1))
    assert _challenge(backend, "ahmet_yilmaz", "oyuncu").json()["status"] == "locked"
    backend.clock.advance(timedelta(minutes=15))
    assert _challenge(backend, "ahmet_yilmaz", "oyuncu").json()["status"] == "sent"
    assert _check(backend, "ahmet_yilmaz", _code(backend), "oyuncu")["status"] == "verified"


def test_the_player_routes_take_a_requester_too(backend: Backend) -> None:
    body = {"channel": "sms", "requester": "saldirgan"}
    assert backend.api.post("/players/1001/otp", json=body).json()["status"] == "sent"
    for _ in range(3):
        backend.api.post("/players/1001/otp/verify", json={"code": "000000", **body})
    backend.clock.advance(timedelta(minutes=1))
    mine = {"channel": "sms", "requester": "oyuncu"}
    assert backend.api.post("/players/1001/otp", json=mine).json()["status"] == "sent"


@pytest.mark.parametrize(
    "body",
    [
        {"identifier": "", "requester": "x"},
        {"identifier": "ahmet_yilmaz", "requester": "x" * 257},
        {"identifier": "ahmet_yilmaz", "channel": "whatsapp"},
        {"identifier": "ahmet_yilmaz", "extra": 1},
    ],
)
def test_bad_challenge_bodies_are_422(backend: Backend, body: dict[str, Any]) -> None:
    response = backend.api.post("/otp", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
