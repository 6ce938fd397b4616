"""Players, balances, deposits and withdrawals, auth and error shapes, over loopback HTTP."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.actions.conftest import Backend

PLAYER_ROUTES = ["", "/balance", "/deposits", "/withdrawals", "/bonuses", "/kyc"]


def test_health_answers_without_a_token(backend: Backend) -> None:
    response = httpx.get(f"{backend.url}/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic test-api-token"}],
    ids=["missing", "wrong-token", "wrong-scheme"],
)
@pytest.mark.parametrize("path", ["/players/1001", "/bonus-campaigns", "/password-resets"])
def test_api_refuses_requests_without_the_bearer_token(
    backend: Backend, headers: dict[str, str], path: str
) -> None:
    url = f"{backend.url}/api/v1{path}"
    if path == "/password-resets":
        response = httpx.post(url, json={"identifier": "ahmet_yilmaz"}, headers=headers)
    else:
        response = httpx.get(url, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    assert backend.outbox() == []


def test_player_record_has_every_field(backend: Backend) -> None:
    response = backend.api.get("/players/1001")
    assert response.status_code == 200
    player = response.json()
    assert player == {
        "id": 1001,
        "username": "ahmet_yilmaz",
        "full_name": "Ahmet Yılmaz",
        "email": "ahmet.yilmaz@example.com",
        "phone": "+905321234567",
        "vip_level": 1,
        "status": "active",
        "created_at": player["created_at"],
        "language": "tr",
    }
    assert player["created_at"].endswith("+03:00")


@pytest.mark.parametrize(
    "username", ["ahmet_yilmaz", "AHMET_YILMAZ", "ahmet_yılmaz", " Ahmet_Yilmaz "]
)
def test_lookup_by_username_ignores_case_and_turkish_i(backend: Backend, username: str) -> None:
    response = backend.api.get("/players/lookup", params={"username": username})
    assert response.status_code == 200
    assert response.json()["id"] == 1001


def test_lookup_by_email_ignores_case(backend: Backend) -> None:
    response = backend.api.get("/players/lookup", params={"email": "Zeynep.Kaya@Example.com"})
    assert response.json()["username"] == "zeynep.kaya"


@pytest.mark.parametrize(
    "phone",
    ["0532 123 45 67", "+905321234567", "5321234567", "+90 (532) 123-45-67", "905321234567"],
)
def test_lookup_by_phone_in_any_common_form(backend: Backend, phone: str) -> None:
    response = backend.api.get("/players/lookup", params={"phone": phone})
    assert response.status_code == 200
    assert response.json()["id"] == 1001


@pytest.mark.parametrize(
    "params",
    [{"username": "yok_boyle_biri"}, {"email": "kimse@example.com"}, {"phone": "0555 999 99 99"}],
)
def test_lookup_of_an_unknown_player_is_404(backend: Backend, params: dict[str, str]) -> None:
    response = backend.api.get("/players/lookup", params=params)
    assert response.status_code == 404
    assert response.json()["error"] == "player_not_found"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "exactly one"),
        ({"username": "ahmet_yilmaz", "email": "ahmet.yilmaz@example.com"}, "exactly one"),
        ({"phone": "12345"}, "query.phone"),
        ({"email": "not-an-address"}, "query.email"),
    ],
)
def test_lookup_refuses_unclear_criteria(
    backend: Backend, params: dict[str, str], fragment: str
) -> None:
    response = backend.api.get("/players/lookup", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert fragment in body["message"]


@pytest.mark.parametrize("route", PLAYER_ROUTES)
def test_unknown_player_is_404_on_every_route(backend: Backend, route: str) -> None:
    response = backend.api.get(f"/players/999999{route}")
    assert response.status_code == 404
    assert response.json() == {"error": "player_not_found", "message": "no player with id 999999"}


@pytest.mark.parametrize(
    ("route", "body"),
    [("/bonus-claims", {"code": "HOSGELDIN100"}), ("/otp", {"channel": "sms"}),
     ("/otp/verify", {"code": "123456"})],
)  # fmt: skip
def test_unknown_player_is_404_on_every_post(
    backend: Backend, route: str, body: dict[str, str]
) -> None:
    response = backend.api.post(f"/players/999999{route}", json=body)
    assert response.status_code == 404
    assert response.json()["error"] == "player_not_found"


def test_a_player_id_that_is_not_a_number_is_422(backend: Backend) -> None:
    response = backend.api.get("/players/ahmet/balance")
    assert response.status_code == 422
    assert response.json()["message"].startswith("path.player_id:")


def test_balance_has_cash_bonus_and_withdrawable_in_try(backend: Backend) -> None:
    balance = backend.api.get("/players/1005/balance").json()
    assert {k: balance[k] for k in ("cash", "bonus", "withdrawable", "currency")} == {
        "cash": 800.0,
        "bonus": 500.0,
        "withdrawable": 300.0,
        "currency": "TRY",
    }


def test_search_finds_the_1500_tl_papara_deposit_from_last_evening(backend: Backend) -> None:
    params = {
        "since": "2026-11-21T17:00:00",
        "until": "2026-11-21T23:59:59",
        "amount": 1500,
        "method": "papara",
    }
    deposits = backend.api.get("/players/1001/deposits", params=params).json()["deposits"]
    assert len(deposits) == 1
    deposit = deposits[0]
    assert deposit["state"] == "pending"
    assert deposit["created_at"] == "2026-11-21T20:40:00+03:00"
    assert deposit["expected_at"] == "2026-11-21T21:10:00+03:00"
    assert deposit["overdue"] is True
    assert deposit["amount"] == 1500.0
    assert deposit["currency"] == "TRY"
    assert deposit["reference"].startswith("YT-")
    assert deposit["reason"] is None


def test_deposit_times_with_an_offset_are_honoured(backend: Backend) -> None:
    params = {"since": "2026-11-21T17:30:00Z", "until": "2026-11-21T17:50:00Z"}
    deposits = backend.api.get("/players/1001/deposits", params=params).json()["deposits"]
    assert [d["amount"] for d in deposits] == [1500.0]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"amount": 1490}, [1500.0]),
        ({"amount": 1450}, []),
        ({"amount": 1450, "tolerance": 60}, [1500.0]),
        ({"amount": 1500, "tolerance": 0}, [1500.0]),
        ({"amount": 1000, "method": "papara"}, [1000.0]),
        ({"method": "havale_eft"}, [500.0]),
        ({"state": "credited"}, [500.0, 1000.0]),
    ],
)
def test_deposit_search_by_amount_tolerance_method_and_state(
    backend: Backend, params: dict[str, object], found: list[float]
) -> None:
    deposits = backend.api.get("/players/1001/deposits", params=params).json()["deposits"]
    assert [d["amount"] for d in deposits] == found


def test_deposits_are_newest_first_and_limited(backend: Backend) -> None:
    deposits = backend.api.get("/players/1001/deposits").json()["deposits"]
    assert [d["amount"] for d in deposits] == [1500.0, 500.0, 1000.0]
    limited = backend.api.get("/players/1001/deposits", params={"limit": 1}).json()["deposits"]
    assert [d["amount"] for d in limited] == [1500.0]


def test_credited_and_failed_deposits(backend: Backend) -> None:
    credited = backend.api.get("/players/1002/deposits").json()["deposits"][0]
    assert (credited["state"], credited["method"], credited["amount"]) == (
        "credited",
        "havale_eft",
        2000.0,
    )
    assert credited["expected_at"] is None
    assert credited["overdue"] is False
    failed = backend.api.get("/players/1003/deposits", params={"state": "failed"}).json()
    (deposit,) = failed["deposits"]
    assert deposit["method"] == "kredi_karti"
    assert "3D Secure" in deposit["reason"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"method": "western_union"}, "query.method"),
        ({"amount": "bin beş yüz"}, "query.amount"),
        ({"amount": -5}, "query.amount"),
        ({"since": "dün akşam"}, "query.since"),
        ({"since": "2026-11-22T00:00:00", "until": "2026-11-21T00:00:00"}, "after until"),
        ({"state": "paid"}, "query.state"),
        ({"limit": 0}, "query.limit"),
    ],
)
def test_bad_deposit_queries_are_422_with_the_field_named(
    backend: Backend, params: dict[str, object], fragment: str
) -> None:
    response = backend.api.get("/players/1001/deposits", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert fragment in body["message"]
    assert "Traceback" not in response.text


def test_unknown_method_message_lists_the_known_ones(backend: Backend) -> None:
    response = backend.api.get("/players/1001/deposits", params={"method": "western_union"})
    assert "papara" in response.json()["message"]


def test_withdrawal_pending_for_three_days_is_overdue(backend: Backend) -> None:
    withdrawals = backend.api.get("/players/1004/withdrawals").json()["withdrawals"]
    pending = [w for w in withdrawals if w["state"] == "pending"]
    assert len(pending) == 1
    assert pending[0]["amount"] == 5000.0
    assert pending[0]["created_at"] == "2026-11-19T14:00:00+03:00"
    assert pending[0]["expected_at"] == "2026-11-20T14:00:00+03:00"
    assert pending[0]["overdue"] is True
    assert [w["state"] for w in withdrawals] == ["pending", "paid"]


def test_withdrawal_rejected_for_missing_kyc(backend: Backend) -> None:
    (withdrawal,) = backend.api.get("/players/1003/withdrawals").json()["withdrawals"]
    assert withdrawal["state"] == "rejected"
    assert withdrawal["reason"].startswith("KYC eksik")
    assert withdrawal["reference"].startswith("CK-")


def test_processing_withdrawal_becomes_overdue_as_the_clock_moves(backend: Backend) -> None:
    params = {"state": "processing"}
    (withdrawal,) = backend.api.get("/players/1007/withdrawals", params=params).json()[
        "withdrawals"
    ]
    assert withdrawal["overdue"] is False
    backend.clock.advance(timedelta(hours=23))
    (later,) = backend.api.get("/players/1007/withdrawals", params=params).json()["withdrawals"]
    assert later["overdue"] is True


def test_unknown_route_and_method_answer_the_error_shape(backend: Backend) -> None:
    missing = backend.api.get("/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong_method = backend.api.delete("/players/1001")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"
