"""KYC status, password resets (rate limited, never revealing an account) and one-time codes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.actions.conftest import Backend

AHMET_PHONE = "+905321234567"
AHMET_EMAIL = "ahmet.yilmaz@example.com"


@pytest.mark.parametrize(
    ("player", "status", "missing"),
    [
        (1001, "approved", []),
        (1003, "pending", ["address", "selfie"]),
        (1006, "not_started", ["identity", "address", "selfie"]),
        (1007, "pending", []),
        (1008, "rejected", ["selfie"]),
        (1011, "rejected", ["identity", "address", "selfie"]),
    ],
)
def test_kyc_status_and_missing_documents(
    backend: Backend, player: int, status: str, missing: list[str]
) -> None:
    kyc = backend.api.get(f"/players/{player}/kyc").json()
    assert kyc["player_id"] == player
    assert kyc["status"] == status
    assert [m["requirement"] for m in kyc["missing_documents"]] == missing
    assert all(m["description"] and m["accepted_types"] for m in kyc["missing_documents"])


def test_kyc_lists_documents_with_missing_placeholders(backend: Backend) -> None:
    documents = backend.api.get("/players/1003/kyc").json()["documents"]
    assert [(d["type"], d["state"]) for d in documents] == [
        ("kimlik", "approved"),
        ("ikametgah", "missing"),
        ("selfie", "missing"),
    ]
    assert documents[0]["reviewed_at"] is not None
    assert documents[1]["uploaded_at"] is None


def test_kyc_rejection_carries_the_reason(backend: Backend) -> None:
    documents = backend.api.get("/players/1008/kyc").json()["documents"]
    selfie = next(d for d in documents if d["type"] == "selfie")
    assert selfie["state"] == "rejected"
    assert "bulanık" in selfie["reason"]


def test_kyc_documents_under_review_are_uploaded(backend: Backend) -> None:
    documents = backend.api.get("/players/1007/kyc").json()["documents"]
    assert {d["state"] for d in documents} == {"uploaded"}
    assert all(d["reviewed_at"] is None for d in documents)


@pytest.mark.parametrize(
    ("identifier", "channel", "to"),
    [
        ("ahmet_yilmaz", "email", AHMET_EMAIL),
        ("Ahmet.Yilmaz@Example.com", "email", AHMET_EMAIL),
        ("0532 123 45 67", "sms", AHMET_PHONE),
    ],
)
def test_password_reset_sends_a_link_to_the_account(
    backend: Backend, identifier: str, channel: str, to: str
) -> None:
    response = backend.api.post("/password-resets", json={"identifier": identifier})
    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    (message,) = backend.outbox(to)
    assert message["channel"] == channel
    assert message["to"] == to
    assert "https://destek-demo.example/sifre-sifirla?token=" in message["body"]


def test_password_reset_answers_the_same_for_an_unknown_account(backend: Backend) -> None:
    known = backend.api.post("/password-resets", json={"identifier": "ahmet_yilmaz"})
    unknown = backend.api.post("/password-resets", json={"identifier": "hic_kimse"})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert unknown.headers.get("content-length") == known.headers.get("content-length")
    assert len(backend.outbox()) == 1


@pytest.mark.parametrize("identifier", ["ahmet_yilmaz", "hic_kimse@example.com"])
def test_password_reset_is_rate_limited_per_identifier(backend: Backend, identifier: str) -> None:
    for _ in range(3):
        ok = backend.api.post("/password-resets", json={"identifier": identifier})
        assert ok.status_code == 202
    limited = backend.api.post("/password-resets", json={"identifier": identifier})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3600"
    assert limited.json()["error"] == "rate_limited"
    assert limited.json()["retry_after"] == 3600
    other = backend.api.post("/password-resets", json={"identifier": "zeynep.kaya"})
    assert other.status_code == 202


def test_rate_limit_counts_one_identifier_in_any_spelling(backend: Backend) -> None:
    for spelling in ("0532 123 45 67", "+905321234567", "5321234567"):
        backend.api.post("/password-resets", json={"identifier": spelling})
    limited = backend.api.post("/password-resets", json={"identifier": "05321234567"})
    assert limited.status_code == 429


def test_rate_limit_window_slides_with_the_clock(backend: Backend) -> None:
    for _ in range(3):
        backend.api.post("/password-resets", json={"identifier": "elif_sahin"})
        backend.clock.advance(timedelta(minutes=10))
    limited = backend.api.post("/password-resets", json={"identifier": "elif_sahin"})
    assert limited.headers["retry-after"] == str(30 * 60)
    backend.clock.advance(timedelta(minutes=30))
    again = backend.api.post("/password-resets", json={"identifier": "elif_sahin"})
    assert again.status_code == 202
    assert len(backend.outbox("elif.sahin@example.com")) == 4


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"identifier": ""}', "body.identifier"),
        (b"{}", "body.identifier"),
        (b"{not json", "not valid JSON"),
        (b'{"identifier": "ahmet_yilmaz", "x": 1}', "body.x"),
    ],
)
def test_password_reset_refuses_bad_bodies(backend: Backend, content: bytes, fragment: str) -> None:
    response = backend.api.post(
        "/password-resets", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert fragment in response.json()["message"]


def test_outbox_needs_the_admin_token(backend: Backend) -> None:
    assert backend.api.get("/outbox").status_code == 401


def _send(backend: Backend, channel: str = "sms", player: int = 1001) -> str:
    """Ask for a code and read it from the outbox, as the player would from the phone."""
    response = backend.api.post(f"/players/{player}/otp", json={"channel": channel})
    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    return _code_in(backend.outbox()[0]["body"])


def _code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match is not None
    return match.group(1)


def _verify(backend: Backend, code: str, player: int = 1001) -> dict[str, object]:
    response = backend.api.post(f"/players/{player}/otp/verify", json={"code": code})
    assert response.status_code == 200
    result: dict[str, object] = response.json()
    return result


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_otp_by_sms_is_sent_masked_and_verified_once(backend: Backend) -> None:
    response = backend.api.post("/players/1001/otp", json={"channel": "sms"})
    sent = response.json()
    assert sent["destination"] == "+90 5** *** 45 67"
    assert sent["message"] == "Doğrulama kodunuz +90 5** *** 45 67 numaralı telefona gönderildi."
    assert sent["expires_at"] == "2026-11-22T14:05:00+03:00"
    (message,) = backend.outbox(AHMET_PHONE)
    code = _code_in(message["body"])
    assert code not in response.text
    assert _verify(backend, code)["status"] == "verified"
    assert _verify(backend, code)["status"] == "no_code"


def test_otp_by_email(backend: Backend) -> None:
    sent = backend.api.post("/players/1001/otp", json={"channel": "email"}).json()
    assert sent["destination"] == "a***@example.com"
    assert sent["message"] == "Doğrulama kodunuz a***@example.com adresine gönderildi."
    (message,) = backend.outbox(AHMET_EMAIL)
    assert message["channel"] == "email"
    assert _verify(backend, _code_in(message["body"]))["status"] == "verified"


def test_a_new_code_replaces_the_old_one(backend: Backend) -> None:
    old = _send(backend)
    backend.clock.advance(timedelta(minutes=1))  # one code a minute
    new = _send(backend)
    while new == old:  # one chance in a million
        backend.clock.advance(timedelta(minutes=1))
        new = _send(backend)
    assert _verify(backend, old)["status"] == "wrong_code"
    assert _verify(backend, new)["status"] == "verified"


def test_otp_wrong_codes_count_down_then_lock(backend: Backend) -> None:
    code = _send(backend)
    first = _verify(backend, _wrong(code))
    assert (first["status"], first["attempts_left"]) == ("wrong_code", 2)
    second = _verify(backend, _wrong(code))
    assert (second["status"], second["attempts_left"]) == ("wrong_code", 1)
    third = _verify(backend, _wrong(code))
    assert third["status"] == "locked"
    assert third["locked_until"] == "2026-11-22T14:15:00+03:00"
    assert _verify(backend, code)["status"] == "locked"
    resend = backend.api.post("/players/1001/otp", json={"channel": "sms"}).json()
    assert resend["status"] == "locked"
    assert len(backend.outbox()) == 1


def test_otp_lockout_ends_after_fifteen_minutes(backend: Backend) -> None:
    code = _send(backend)
    for _ in range(3):
        _verify(backend, _wrong(code))
    backend.clock.advance(timedelta(minutes=14, seconds=59))
    assert _verify(backend, code)["status"] == "locked"
    backend.clock.advance(timedelta(seconds=1))
    fresh = _send(backend)
    first_try = _verify(backend, _wrong(fresh))
    assert first_try["attempts_left"] == 2
    assert _verify(backend, fresh)["status"] == "verified"


def test_a_new_code_does_not_buy_more_attempts(backend: Backend) -> None:
    code = _send(backend)
    _verify(backend, _wrong(code))
    _verify(backend, _wrong(code))
    backend.clock.advance(timedelta(minutes=1))
    fresh = _send(backend)
    assert _verify(backend, _wrong(fresh))["status"] == "locked"


def test_otp_expires_after_five_minutes(backend: Backend) -> None:
    code = _send(backend)
    backend.clock.advance(timedelta(minutes=4, seconds=59))
    assert _verify(backend, code)["status"] == "verified"
    code = _send(backend)
    backend.clock.advance(timedelta(minutes=5))
    expired = _verify(backend, code)
    assert expired["status"] == "expired"
    assert "yeni" in str(expired["message"])
    assert _verify(backend, code)["status"] == "no_code"


def test_verify_without_a_code_sent(backend: Backend) -> None:
    assert _verify(backend, "123456")["status"] == "no_code"


def test_codes_typed_with_spaces_are_accepted(backend: Backend) -> None:
    code = _send(backend)
    assert _verify(backend, f"{code[:3]} {code[3:]}")["status"] == "verified"


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/otp/verify", {"code": "12345"}),
        ("/otp/verify", {"code": "abcdef"}),
        ("/otp/verify", {}),
        ("/otp", {"channel": "whatsapp"}),
        ("/otp", {}),
    ],
)
def test_bad_otp_bodies_are_422(backend: Backend, route: str, body: dict[str, str]) -> None:
    response = backend.api.post(f"/players/1001{route}", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
