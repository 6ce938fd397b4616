"""Account actions run through rasa_sdk's ActionExecutor against the live mock backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import ActionExecutor

from actions.account_actions import format_try, parse_amount, parse_method
from actions.backend import API_PREFIX
from tests.actions.conftest import API_TOKEN, BASE_TIME, Backend

# The slots the actions read and set, as the lead's domain.yml will declare them.
SLOTS = (
    "amount", "payment_method", "time", "bonus_code", "username", "email", "phone",
    "player_id", "verified", "otp_code", "otp_sent", "pending_action",
    "handoff_reason", "handoff_skill", "handoff_note", "requested_slot",
)  # fmt: skip
DOMAIN: dict[str, Any] = {
    "slots": {name: {"type": "any", "mappings": [{"type": "custom"}]} for name in SLOTS},
    "forms": {
        "identity_form": {"required_slots": ["username", "otp_code"]},
        "password_reset_form": {"required_slots": ["username"]},
    },
    "responses": {},
    "actions": [],
}


@dataclass
class Outcome:
    """What an action answered: its events, and the texts it sent the player."""

    events: list[dict[str, Any]]
    texts: list[str]

    @property
    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e["event"] == "slot"}

    @property
    def followup(self) -> str | None:
        names = [e["name"] for e in self.events if e["event"] == "followup"]
        return names[-1] if names else None

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def executor() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor


@pytest.fixture()
def live(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """The backend, with the actions' environment pointing at it."""
    monkeypatch.setenv("DESTEK_BACKEND_URL", backend.url + API_PREFIX)
    monkeypatch.setenv("DESTEK_BACKEND_TOKEN", API_TOKEN)
    monkeypatch.setenv("DESTEK_BACKEND_TIMEOUT", "1")
    yield backend


async def run_action(
    executor: ActionExecutor,
    name: str,
    slots: dict[str, Any] | None = None,
    candidates: dict[str, Any] | None = None,
    text: str = "",
    sender: str = "oyuncu-1",
) -> Outcome:
    """Run ``name`` as the engine does; ``candidates`` are slots the form just extracted."""
    slots = {**(slots or {}), **(candidates or {})}
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "x"}}},
    ]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
    request = {
        "next_action": name,
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {"text": text, "intent": {"name": "x"}, "entities": []},
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": DOMAIN,
        "version": "3.1.0",
    }
    result = await executor.run(request)
    assert result is not None
    texts = [r["text"] for r in result.responses if r.get("text")]
    for said in texts:
        assert "Traceback" not in said and "Error" not in said and "http" not in said
    return Outcome(result.events, texts)


VERIFIED = {"verified": True}


def test_money_is_written_the_turkish_way() -> None:
    assert format_try(1500) == "1.500,00 TL"
    assert format_try(320.5) == "320,50 TL"
    assert format_try(48750) == "48.750,00 TL"
    assert [parse_amount(v) for v in ("1.500 TL", "1500tl", "₺250", "1.500,50", 2000)] == [
        1500.0, 1500.0, 250.0, 1500.5, 2000.0,
    ]  # fmt: skip
    assert parse_amount("bin beş yüz") is None
    methods = ("Papara", "havale", "Kredi Kartı", "kredi karti", "KREDİ_KARTI", "usdt", "nakit")
    assert [parse_method(v) for v in methods] == [
        "papara", "havale_eft", "kredi_karti", "kredi_karti", "kredi_karti", "kripto", None,
    ]  # fmt: skip


@pytest.mark.anyio
async def test_overdue_deposit_goes_to_finance(live: Backend, executor: ActionExecutor) -> None:
    slots = {
        **VERIFIED,
        "player_id": 1001,
        "amount": "1.500 TL",
        "payment_method": "papara",
        "time": "2026-11-21T20:00:00+03:00",
    }
    out = await run_action(executor, "action_check_deposit", slots)
    assert "1.500,00 TL Papara yatırımınız" in out.text
    assert "finans" in out.text
    assert out.slots["handoff_reason"] == "deposit_overdue"
    assert out.slots["handoff_skill"] == "finance"
    assert "YT-" in out.slots["handoff_note"]
    assert out.followup == "action_handoff"


@pytest.mark.anyio
async def test_pending_deposit_tells_the_expected_time(
    live: Backend, executor: ActionExecutor
) -> None:
    live.clock.set(BASE_TIME - timedelta(hours=17))  # 21 Nov 21:00, ten minutes before due
    slots = {**VERIFIED, "player_id": "1001", "amount": 1500.0, "payment_method": "Papara"}
    out = await run_action(executor, "action_check_deposit", slots)
    assert "işlemde" in out.text
    assert "21.11.2026 21:10" in out.text
    assert out.followup is None


@pytest.mark.anyio
async def test_credited_deposit(live: Backend, executor: ActionExecutor) -> None:
    slots = {**VERIFIED, "player_id": 1002, "amount": "2000", "payment_method": "havale"}
    out = await run_action(executor, "action_check_deposit", slots)
    assert "2.000,00 TL havale/EFT yatırımınız hesabınıza yansımış" in out.text
    assert out.followup is None


@pytest.mark.anyio
async def test_failed_deposit_gives_the_reason(live: Backend, executor: ActionExecutor) -> None:
    slots = {**VERIFIED, "player_id": 1003, "payment_method": "kredi kartı"}
    out = await run_action(executor, "action_check_deposit", slots)
    assert "tamamlanamadı" in out.text
    assert "3D Secure" in out.text


@pytest.mark.anyio
async def test_no_matching_deposit(live: Backend, executor: ActionExecutor) -> None:
    slots = {**VERIFIED, "player_id": 1002, "amount": 99999}
    out = await run_action(executor, "action_check_deposit", slots)
    assert "bulamadım" in out.text
    assert out.followup is None


@pytest.mark.anyio
async def test_overdue_withdrawal_goes_to_finance(live: Backend, executor: ActionExecutor) -> None:
    out = await run_action(executor, "action_withdrawal_status", {**VERIFIED, "player_id": 1004})
    assert "5.000,00 TL havale/EFT çekim" in out.text
    assert "beklenen süre" in out.text
    assert out.slots["handoff_reason"] == "withdrawal_overdue"
    assert out.slots["handoff_skill"] == "finance"
    assert out.followup == "action_handoff"


@pytest.mark.anyio
async def test_processing_withdrawal_tells_the_expected_time(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(executor, "action_withdrawal_status", {**VERIFIED, "player_id": 1010})
    assert "20.000,00 TL kripto çekim" in out.text
    assert "işleme alındı, en geç 22.11.2026 21:00" in out.text
    assert "15.000,00 TL havale/EFT çekim" in out.text
    assert out.followup is None


@pytest.mark.anyio
async def test_rejected_withdrawal_gives_the_reason(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(executor, "action_withdrawal_status", {**VERIFIED, "player_id": 1003})
    assert "reddedildi" in out.text
    assert "KYC eksik" in out.text
    assert out.followup is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("player", "expected"),
    [
        (1001, ["Nakit: 320,50 TL", "Bonus: 0,00 TL", "Çekilebilir: 320,50 TL"]),
        (1005, ["Nakit: 800,00 TL", "Bonus: 500,00 TL", "Çekilebilir: 300,00 TL"]),
        (1010, ["Nakit: 48.750,00 TL"]),
    ],
)
async def test_balance(
    live: Backend, executor: ActionExecutor, player: int, expected: list[str]
) -> None:
    out = await run_action(executor, "action_balance", {**VERIFIED, "player_id": player})
    for line in expected:
        assert line in out.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    "action",
    [
        "action_balance",
        "action_check_deposit",
        "action_withdrawal_status",
        "action_kyc_status",
        "action_claim_bonus",
    ],
)
async def test_unverified_player_hears_nothing_sensitive(
    live: Backend, executor: ActionExecutor, action: str
) -> None:
    slots = {"player_id": 1001, "username": "ahmet_yilmaz", "bonus_code": "HOSGELDIN100"}
    out = await run_action(executor, action, slots)
    assert "doğrula" in out.text
    assert "TL" not in out.text
    assert out.followup == "identity_form"
    assert out.slots["pending_action"] == action


@pytest.mark.anyio
async def test_the_pending_action_clears_pending_action_when_it_runs(
    live: Backend, executor: ActionExecutor
) -> None:
    slots = {**VERIFIED, "player_id": 1001, "pending_action": "action_balance"}
    out = await run_action(executor, "action_balance", slots)
    assert "TL" in out.text
    assert "pending_action" in out.slots and out.slots["pending_action"] is None
    other = await run_action(executor, "action_kyc_status", slots)
    assert "pending_action" not in other.slots  # another action leaves it waiting


@pytest.mark.anyio
async def test_verification_is_bound_to_the_player_id(
    live: Backend, executor: ActionExecutor
) -> None:
    """A verified session without ``player_id`` must not read an account by a typed username."""
    out = await run_action(executor, "action_balance", {**VERIFIED, "username": "kemal_koc"})
    assert "48.750" not in out.text
    assert out.followup == "identity_form"


@pytest.mark.anyio
async def test_bonus_info_without_verification_lists_campaigns(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(executor, "action_bonus_info", {"player_id": 1005})
    assert "HOSGELDIN100" in out.text
    assert "EKIM25" not in out.text  # expired
    assert "çevrim" not in out.text.split("Güncel kampanyalarımız")[0]
    assert "Aktif bonusunuz" not in out.text


@pytest.mark.anyio
async def test_bonus_info_shows_wagering_progress(live: Backend, executor: ActionExecutor) -> None:
    out = await run_action(executor, "action_bonus_info", {**VERIFIED, "player_id": 1005})
    assert "Aktif bonusunuz Hafta Sonu Bonusu (500,00 TL)" in out.text
    assert "4.000,00 TL çevrimin 2.000,00 TL kısmını" in out.text
    assert "%50" in out.text


@pytest.mark.anyio
async def test_claim_welcome_bonus(live: Backend, executor: ActionExecutor) -> None:
    slots = {**VERIFIED, "player_id": 1006, "bonus_code": "hosgeldin100"}
    out = await run_action(executor, "action_claim_bonus", slots)
    assert "500 TL Hoş Geldin Bonusu hesabınıza tanımlandı" in out.text
    assert out.slots["bonus_code"] is None
    assert live.api.get("/players/1006/balance").json()["bonus"] == 500


@pytest.mark.anyio
async def test_claim_refused_with_the_reason(live: Backend, executor: ActionExecutor) -> None:
    slots = {**VERIFIED, "player_id": 1005, "bonus_code": "HOSGELDIN100"}
    out = await run_action(executor, "action_claim_bonus", slots)
    assert out.text.startswith("Üzgünüm")
    assert "yalnızca ilk yatırımda" in out.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("player", "expected"),
    [
        (1008, ["tamamlanamadı", "Reddedilen belge: selfie", "bulanık", "selfie"]),
        (1006, ["henüz başlanmamış", "Kimlik belgesi", "Adres belgesi"]),
        (1007, ["inceleniyor"]),
        (1001, ["tamamlanmış"]),
    ],
)
async def test_kyc_status(
    live: Backend, executor: ActionExecutor, player: int, expected: list[str]
) -> None:
    out = await run_action(executor, "action_kyc_status", {**VERIFIED, "player_id": player})
    for part in expected:
        assert part in out.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 503},
        {"garbage": True},
        {"delay_ms": 3000},
    ],
)
async def test_backend_faults_hand_over(
    live: Backend, executor: ActionExecutor, fault: dict[str, Any]
) -> None:
    live.admin.post("/admin/faults", json=fault).raise_for_status()
    out = await run_action(executor, "action_balance", {**VERIFIED, "player_id": 1001})
    assert out.texts == [out.texts[0]]
    assert out.text.startswith("Şu anda hesap bilgilerinize ulaşamıyorum")
    assert out.slots == {"handoff_reason": "backend_down", "handoff_skill": "finance"}
    assert out.followup == "action_handoff"


@pytest.mark.anyio
async def test_unknown_player_is_an_apology_and_a_handover(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(executor, "action_balance", {**VERIFIED, "player_id": 999999})
    assert out.text.startswith("Üzgünüm, bu işlemi şu anda tamamlayamadım")
    assert out.slots == {"handoff_reason": "action_failed", "handoff_skill": "finance"}
    assert out.followup == "action_handoff"


@pytest.mark.anyio
async def test_unreachable_backend_hands_over(
    live: Backend, executor: ActionExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESTEK_BACKEND_URL", "http://127.0.0.1:9/api/v1")
    out = await run_action(executor, "action_bonus_info")
    assert out.text.startswith("Şu anda hesap bilgilerinize ulaşamıyorum")
    assert out.slots["handoff_reason"] == "backend_down"
    assert out.followup == "action_handoff"


@pytest.mark.anyio
async def test_wrong_token_hands_over(
    live: Backend, executor: ActionExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESTEK_BACKEND_TOKEN", "wrong")
    out = await run_action(executor, "action_kyc_status", {**VERIFIED, "player_id": 1008})
    assert out.slots == {"handoff_reason": "backend_down", "handoff_skill": "kyc"}
    assert "bulanık" not in out.text
