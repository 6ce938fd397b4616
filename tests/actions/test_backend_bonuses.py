"""Bonus campaigns, a player's bonuses, and bonus-code claims with every refusal reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.backend.bonus_rules import (
    CampaignRules,
    ClaimContext,
    Grant,
    Refusal,
    decide,
    format_try,
)
from tests.actions.conftest import Backend

NOW = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
WELCOME = CampaignRules(
    code="HOSGELDIN100",
    name="Hoş Geldin Bonusu",
    percentage=100,
    max_amount=1000_00,
    wagering_multiplier=10,
    min_deposit=100_00,
    valid_until=datetime(2027, 1, 1, tzinfo=UTC),
    first_deposit_only=True,
    min_vip_level=0,
    one_per_player=True,
)


def test_campaigns_list_the_running_ones_with_their_rules(backend: Backend) -> None:
    campaigns = backend.api.get("/bonus-campaigns").json()["campaigns"]
    codes = {c["code"] for c in campaigns}
    assert codes == {"HOSGELDIN100", "HAFTASONU50", "YATIRIM20", "VIPKAYIP25"}
    welcome = next(c for c in campaigns if c["code"] == "HOSGELDIN100")
    assert welcome["percentage"] == 100
    assert welcome["max_amount"] == 1000.0
    assert welcome["wagering_multiplier"] == 10
    assert welcome["min_deposit"] == 100.0
    assert welcome["active"] is True
    assert welcome["description"]
    assert welcome["eligibility"] == {
        "first_deposit_only": True,
        "min_deposit": 100.0,
        "min_vip_level": 0,
        "one_per_player": True,
    }
    vip = next(c for c in campaigns if c["code"] == "VIPKAYIP25")
    assert vip["eligibility"]["min_vip_level"] == 3


def test_expired_campaigns_only_on_request(backend: Backend) -> None:
    response = backend.api.get("/bonus-campaigns", params={"include_expired": "true"})
    expired = [c for c in response.json()["campaigns"] if not c["active"]]
    assert [c["code"] for c in expired] == ["EKIM25"]


def test_one_campaign_by_code_in_any_case(backend: Backend) -> None:
    response = backend.api.get("/bonus-campaigns/hoşgeldin100")
    assert response.status_code == 200
    assert response.json()["name"] == "Hoş Geldin Bonusu"
    missing = backend.api.get("/bonus-campaigns/BEDAVA")
    assert missing.status_code == 404
    assert missing.json()["error"] == "campaign_not_found"


def test_active_bonus_shows_wagering_progress(backend: Backend) -> None:
    bonuses = backend.api.get("/players/1005/bonuses", params={"state": "active"}).json()
    (bonus,) = bonuses["bonuses"]
    assert bonus["code"] == "HAFTASONU50"
    assert bonus["name"] == "Hafta Sonu Bonusu"
    assert bonus["amount"] == 500.0
    assert (bonus["wagered"], bonus["wagering_required"]) == (2000.0, 4000.0)
    assert bonus["wagering_remaining"] == 2000.0
    assert bonus["progress"] == 0.5


def test_bonus_history_includes_completed_ones(backend: Backend) -> None:
    bonuses = backend.api.get("/players/1001/bonuses").json()["bonuses"]
    assert [(b["code"], b["state"], b["progress"]) for b in bonuses] == [
        ("HOSGELDIN100", "completed", 1.0)
    ]
    active = backend.api.get("/players/1001/bonuses", params={"state": "active"}).json()
    assert active["bonuses"] == []


@pytest.mark.parametrize(
    ("player", "code", "reason", "fragment"),
    [
        (1002, "HOSGELDIN100", "not_eligible_first_deposit", "yalnızca ilk yatırımda"),
        (1005, "HOSGELDIN100", "not_eligible_first_deposit", "yalnızca ilk yatırımda"),
        (1001, "HOSGELDIN100", "already_claimed", "bir kez"),
        (1005, "HAFTASONU50", "already_claimed", "bir kez"),
        (1002, "VIPKAYIP25", "vip_only", "VIP 3"),
        (1001, "YATIRIM20", "min_deposit_not_met", "1.000 TL"),
        (1002, "EKIM25", "expired", "süresi"),
        (1002, "BEDAVA500", "unknown_code", "BEDAVA500"),
        (1009, "HOSGELDIN100", "self_excluded", "uzaklaştırma"),
        (1011, "HOSGELDIN100", "account_suspended", "askıya"),
    ],
)
def test_claim_refusals_name_the_reason_and_explain_in_turkish(
    backend: Backend, player: int, code: str, reason: str, fragment: str
) -> None:
    before = backend.api.get(f"/players/{player}/balance").json()["bonus"]
    response = backend.api.post(f"/players/{player}/bonus-claims", json={"code": code})
    assert response.status_code == 200
    result = response.json()
    assert (result["status"], result["reason"], result["bonus"]) == ("refused", reason, None)
    assert fragment in result["message"]
    assert backend.api.get(f"/players/{player}/balance").json()["bonus"] == before


def test_eligible_first_deposit_claim_is_credited_once(backend: Backend) -> None:
    response = backend.api.post("/players/1006/bonus-claims", json={"code": "HOSGELDIN100"})
    result = response.json()
    assert result["status"] == "credited"
    assert result["reason"] is None
    assert result["bonus"]["amount"] == 500.0
    assert result["bonus"]["wagering_required"] == 5000.0
    assert result["bonus"]["progress"] == 0.0
    assert "500 TL Hoş Geldin Bonusu" in result["message"]
    assert "5.000 TL çevrim" in result["message"]
    assert backend.api.get("/players/1006/balance").json()["bonus"] == 500.0
    listed = backend.api.get("/players/1006/bonuses").json()["bonuses"]
    assert [b["code"] for b in listed] == ["HOSGELDIN100"]
    again = backend.api.post("/players/1006/bonus-claims", json={"code": "HOSGELDIN100"})
    assert again.json()["reason"] == "already_claimed"


def test_codes_are_matched_without_case_or_diacritics(backend: Backend) -> None:
    response = backend.api.post("/players/1006/bonus-claims", json={"code": " hoşgeldin100 "})
    assert response.json()["status"] == "credited"


def test_repeatable_vip_campaign_pays_a_share_of_the_latest_deposit(backend: Backend) -> None:
    result = backend.api.post("/players/1010/bonus-claims", json={"code": "VIPKAYIP25"}).json()
    assert result["status"] == "credited"
    assert result["bonus"]["amount"] == 1250.0  # 25 % of the latest 5.000 TL deposit
    second = backend.api.post("/players/1010/bonus-claims", json={"code": "VIPKAYIP25"}).json()
    assert second["status"] == "credited"


def test_reload_bonus_for_a_player_with_a_large_enough_deposit(backend: Backend) -> None:
    result = backend.api.post("/players/1002/bonus-claims", json={"code": "YATIRIM20"}).json()
    assert result["status"] == "credited"
    assert result["bonus"]["amount"] == 400.0
    assert result["bonus"]["wagering_required"] == 2400.0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"code": ""}, "body.code"),
        ({}, "body.code"),
        ({"code": "HOSGELDIN100", "amount": 5}, "body.amount"),
        ({"code": 100}, "body.code"),
    ],
)
def test_bad_claim_bodies_are_422(backend: Backend, body: dict[str, object], fragment: str) -> None:
    response = backend.api.post("/players/1006/bonus-claims", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["message"]


def test_rules_refuse_a_player_without_any_deposit() -> None:
    player = ClaimContext("active", 0, [], claimed_before=False, now=NOW)
    decision = decide("HOSGELDIN100", WELCOME, player)
    assert isinstance(decision, Refusal)
    assert decision.reason == "min_deposit_not_met"
    assert "önce en az 100 TL" in decision.message


def test_rules_cap_the_bonus_at_the_maximum() -> None:
    player = ClaimContext("active", 0, [2500_00], claimed_before=False, now=NOW)
    decision = decide("HOSGELDIN100", WELCOME, player)
    assert decision == Grant(1000_00, 10000_00, decision.message)


def test_rules_put_self_exclusion_before_everything() -> None:
    player = ClaimContext("self_excluded", 5, [500_00], claimed_before=True, now=NOW)
    decision = decide("YOK", None, player)
    assert isinstance(decision, Refusal)
    assert decision.reason == "self_excluded"


def test_rules_name_the_day_a_campaign_ended() -> None:
    later = ClaimContext(
        "active", 0, [500_00], claimed_before=False, now=datetime(2027, 2, 1, tzinfo=UTC)
    )
    decision = decide("HOSGELDIN100", WELCOME, later)
    assert isinstance(decision, Refusal)
    assert "01.01.2027" in decision.message


@pytest.mark.parametrize(
    ("kurus", "text"),
    [
        (1500_00, "1.500 TL"),
        (1500_50, "1.500,50 TL"),
        (99, "0,99 TL"),
        (1_000_000_00, "1.000.000 TL"),
    ],
)
def test_money_is_written_the_turkish_way(kurus: int, text: str) -> None:
    assert format_try(kurus) == text
