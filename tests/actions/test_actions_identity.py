"""One-time codes, the identity form and password resets, run through rasa_sdk's executor."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection

from tests.actions import test_actions_account as harness
from tests.actions.conftest import Backend

run_action = harness.run_action
# The account tests' fixtures: the executor, the backend it calls, and anyio on asyncio.
anyio_backend = harness.anyio_backend
executor = harness.executor
live = harness.live

AHMET_PHONE = "+905321234567"
AHMET_EMAIL = "ahmet.yilmaz@example.com"


def last_code(backend: Backend, to: str = AHMET_PHONE) -> str:
    messages = backend.outbox(to)
    assert messages, f"no message to {to}"
    match = re.search(r"\b(\d{6})\b", messages[0]["body"])  # newest first
    assert match is not None
    return match.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.anyio
@pytest.mark.parametrize("slots", [{"username": "Ahmet_Yılmaz"}, {"phone": "0532 123 45 67"}])
async def test_send_otp_texts_a_code_to_the_account_without_naming_it(
    live: Backend, executor: ActionExecutor, slots: dict[str, Any]
) -> None:
    out = await run_action(executor, "action_send_otp", slots)
    assert "Bu bilgilerle kayıtlı bir hesap varsa telefonunuza 6 haneli" in out.text
    assert "45 67" not in out.text  # no digits of the phone
    assert "player_id" not in out.slots  # only a correct code names the player
    assert out.slots["otp_sent"] is True
    assert len(last_code(live)) == 6
    assert last_code(live) not in out.text


@pytest.mark.anyio
async def test_known_and_unknown_accounts_get_the_same_words(
    live: Backend, executor: ActionExecutor
) -> None:
    senders = {"ahmet_yilmaz": "sohbet-1", "kimse_yok": "sohbet-2"}
    known, unknown = [
        await run_action(executor, "action_send_otp", {"username": who}, sender=sender)
        for who, sender in senders.items()
    ]
    assert known.texts == unknown.texts
    assert known.events == unknown.events
    code = last_code(live)
    for _ in range(3):
        tries = [
            await run_action(
                executor,
                "action_check_otp",
                {"username": who, "otp_code": wrong(code)},
                sender=sender,
            )
            for who, sender in senders.items()
        ]
        assert tries[0].texts == tries[1].texts
        assert tries[0].events == tries[1].events
    assert "kilitlendi" in tries[0].text


@pytest.mark.anyio
async def test_twelve_requests_for_a_code_send_one_sms(
    live: Backend, executor: ActionExecutor
) -> None:
    outs = [
        await run_action(executor, "action_send_otp", {"username": "ahmet_yilmaz"})
        for _ in range(12)
    ]
    assert len(live.outbox(AHMET_PHONE)) == 1
    assert "gönderdik" in outs[0].text
    for out in outs[1:]:
        assert "Yeni bir kodu 1 dakika sonra isteyebilirsiniz" in out.text
        assert out.slots["otp_sent"] is True  # the code already sent can still be typed
        assert out.followup is None
    ok = await run_action(
        executor, "action_check_otp", {"username": "ahmet_yilmaz", "otp_code": last_code(live)}
    )
    assert ok.slots["verified"] is True and ok.slots["player_id"] == 1001


@pytest.mark.anyio
async def test_send_otp_asks_who_the_player_is(live: Backend, executor: ActionExecutor) -> None:
    out = await run_action(executor, "action_send_otp")
    assert "kullanıcı adınızı" in out.text
    assert out.followup is None


@pytest.mark.anyio
async def test_right_code_verifies_and_resumes_the_asked_action(
    live: Backend, executor: ActionExecutor
) -> None:
    await run_action(executor, "action_send_otp", {"player_id": 1001})
    slots = {"player_id": 1001, "otp_code": last_code(live), "pending_action": "action_balance"}
    out = await run_action(executor, "action_check_otp", slots)
    assert "doğruladım" in out.text
    assert out.slots["verified"] is True
    # Still pending until it runs: the policies see which action comes next.
    assert "pending_action" not in out.slots
    assert out.followup == "action_balance"


@pytest.mark.anyio
async def test_wrong_code_tells_attempts_left_then_locks_and_hands_over_once(
    live: Backend, executor: ActionExecutor
) -> None:
    await run_action(executor, "action_send_otp", {"player_id": 1001})
    code = wrong(last_code(live))
    first = await run_action(executor, "action_check_otp", {"player_id": 1001, "otp_code": code})
    assert "2 deneme hakkınız kaldı" in first.text
    assert first.slots == {"otp_code": None}
    second = await run_action(executor, "action_check_otp", {"player_id": 1001, "otp_code": code})
    assert "1 deneme hakkınız kaldı" in second.text
    third = await run_action(executor, "action_check_otp", {"player_id": 1001, "otp_code": code})
    assert "kilitlendi" in third.text
    assert "müşteri temsilcimize" in third.text
    assert third.slots["handoff_reason"] == "verification_locked"
    assert third.followup == "action_handoff"
    # later answers in the lockout say so politely, without a ticket each time
    again = await run_action(executor, "action_send_otp", {"player_id": 1001})
    more = await run_action(executor, "action_check_otp", {"player_id": 1001, "otp_code": code})
    for out in (again, more):
        assert "kilitlendi" in out.text and "Saat 14:15 sonrasında" in out.text
        assert out.followup is None
        assert "handoff_reason" not in out.slots


@pytest.mark.anyio
async def test_a_stranger_cannot_lock_the_player_out(
    live: Backend, executor: ActionExecutor
) -> None:
    stranger = {"username": "ahmet_yilmaz", "otp_code": "000000"}
    await run_action(executor, "action_send_otp", stranger, sender="saldirgan")
    for _ in range(3):
        out = await run_action(executor, "action_check_otp", stranger, sender="saldirgan")
    assert "kilitlendi" in out.text
    live.clock.advance(timedelta(minutes=1))
    mine = {"username": "ahmet_yilmaz"}
    sent = await run_action(executor, "action_send_otp", mine, sender="oyuncu")
    assert sent.slots["otp_sent"] is True
    ok = await run_action(
        executor, "action_check_otp", {**mine, "otp_code": last_code(live)}, sender="oyuncu"
    )
    assert ok.slots["verified"] is True


@pytest.mark.anyio
async def test_malformed_code_is_asked_again_without_costing_an_attempt(
    live: Backend, executor: ActionExecutor
) -> None:
    await run_action(executor, "action_send_otp", {"player_id": 1001})
    out = await run_action(executor, "action_check_otp", {"player_id": 1001, "otp_code": "12ab"})
    assert "6 rakam" in out.text
    right = last_code(live)
    ok = await run_action(executor, "action_check_otp", {"player_id": 1001, "otp_code": right})
    assert ok.slots["verified"] is True


@pytest.mark.anyio
async def test_identity_form_asks_code_after_username(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(
        executor, "validate_identity_form", candidates={"username": "ahmet.yilmaz@example.com"}
    )
    assert out.slots["username"] == "ahmet.yilmaz@example.com"
    assert "player_id" not in out.slots
    assert out.slots.get("requested_slot", "otp_code") == "otp_code"  # the next empty slot
    assert "45 67" not in out.text
    code = last_code(live)
    slots = {"username": "ahmet.yilmaz@example.com", "otp_sent": True}
    done = await run_action(
        executor,
        "validate_identity_form",
        {**slots, "pending_action": "action_kyc_status"},
        candidates={"otp_code": code},
    )
    assert done.slots["verified"] is True
    assert done.slots["player_id"] == 1001
    assert done.slots["requested_slot"] is None
    assert done.followup == "action_kyc_status"


@pytest.mark.anyio
async def test_identity_form_treats_an_unknown_username_as_a_known_one(
    live: Backend, executor: ActionExecutor
) -> None:
    unknown = await run_action(
        executor, "validate_identity_form", candidates={"username": "yok_boyle"}, sender="s-1"
    )
    known = await run_action(
        executor, "validate_identity_form", candidates={"username": "ahmet_yilmaz"}, sender="s-2"
    )
    assert unknown.texts == known.texts
    assert unknown.slots == {**known.slots, "username": "yok_boyle"}
    assert unknown.slots["otp_sent"] is True
    slots = {"username": "yok_boyle", "otp_sent": True}
    check = await run_action(
        executor, "validate_identity_form", slots, {"otp_code": "123456"}, sender="s-1"
    )
    assert "2 deneme hakkınız kaldı" in check.text
    assert check.slots.get("requested_slot", "otp_code") == "otp_code"


@pytest.mark.anyio
async def test_identity_form_ends_quietly_during_a_lockout(
    live: Backend, executor: ActionExecutor
) -> None:
    await run_action(executor, "action_send_otp", {"player_id": 1001})
    slots = {"player_id": 1001, "otp_sent": True}
    for _ in range(3):
        await run_action(executor, "validate_identity_form", slots, {"otp_code": "000000"})
    out = await run_action(executor, "validate_identity_form", slots, {"otp_code": "000000"})
    assert "kilitlendi" in out.text
    assert out.slots["requested_slot"] is None
    assert "handoff_reason" not in out.slots
    assert out.followup is None


@pytest.mark.anyio
async def test_identity_form_sends_a_code_for_a_known_player(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(executor, "validate_identity_form", {"player_id": 1004})
    assert out.slots["requested_slot"] == "otp_code"
    assert out.slots["otp_sent"] is True
    assert live.outbox("+905340000004")


@pytest.mark.anyio
async def test_identity_form_lockout_hands_over(live: Backend, executor: ActionExecutor) -> None:
    await run_action(executor, "action_send_otp", {"player_id": 1001})
    code = wrong(last_code(live))
    slots = {"player_id": 1001, "otp_sent": True}
    for _ in range(2):
        out = await run_action(executor, "validate_identity_form", slots, {"otp_code": code})
        assert out.slots["requested_slot"] == "otp_code"
    out = await run_action(executor, "validate_identity_form", slots, {"otp_code": code})
    assert "kilitlendi" in out.text
    assert out.slots["requested_slot"] is None
    assert out.slots["handoff_reason"] == "verification_locked"
    assert out.followup == "action_handoff"


@pytest.mark.anyio
async def test_identity_form_backend_down(live: Backend, executor: ActionExecutor) -> None:
    live.admin.post("/admin/faults", json={"status": 502}).raise_for_status()
    out = await run_action(executor, "validate_identity_form", candidates={"username": "ahmet"})
    assert out.text.startswith("Şu anda hesap bilgilerinize ulaşamıyorum")
    assert out.slots["requested_slot"] is None
    assert out.slots["handoff_reason"] == "backend_down"
    assert out.followup == "action_handoff"


@pytest.mark.anyio
async def test_password_reset_answers_the_same_for_unknown_accounts(
    live: Backend, executor: ActionExecutor
) -> None:
    known = await run_action(executor, "action_password_reset", {"username": "ahmet_yilmaz"})
    unknown = await run_action(executor, "action_password_reset", {"username": "kimse_yok_42"})
    by_mail = await run_action(executor, "action_password_reset", {"email": "yok@example.com"})
    assert known.texts == unknown.texts == by_mail.texts
    assert known.events == unknown.events == []
    assert len(live.outbox(AHMET_EMAIL)) == 1


@pytest.mark.anyio
async def test_password_reset_rate_limit(live: Backend, executor: ActionExecutor) -> None:
    for _ in range(3):
        await run_action(executor, "action_password_reset", {"phone": "05321234567"})
    out = await run_action(executor, "action_password_reset", {"phone": "05321234567"})
    assert "çok fazla" in out.text.lower()
    assert "60 dakika sonra" in out.text


@pytest.mark.anyio
async def test_password_reset_asks_for_an_identifier(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(executor, "action_password_reset")
    assert "kullanıcı adınızı" in out.text


@pytest.mark.anyio
async def test_password_reset_backend_down(live: Backend, executor: ActionExecutor) -> None:
    live.admin.post("/admin/faults", json={"garbage": True}).raise_for_status()
    out = await run_action(executor, "action_password_reset", {"username": "ahmet_yilmaz"})
    assert out.text.startswith("Şu anda hesap bilgilerinize ulaşamıyorum")
    assert out.slots["handoff_skill"] == "technical"
    assert out.followup == "action_handoff"


@pytest.mark.anyio
@pytest.mark.parametrize("form", ["validate_identity_form", "validate_password_reset_form"])
async def test_a_sentence_where_a_user_name_was_asked_is_refused(
    live: Backend, executor: ActionExecutor, form: str
) -> None:
    """The form steps aside so the conversation can answer the complaint instead."""
    sentence = "3 gündür hesabıma giremiyorum rezalet, şikayetçiyim"
    with pytest.raises(ActionExecutionRejection):
        await run_action(executor, form, {"requested_slot": "username"}, {"username": sentence})
    assert live.outbox() == []  # no code went anywhere


@pytest.mark.anyio
@pytest.mark.parametrize("identifier", ["kemal_koc", "zeynep.kaya@example.com", "0532 000 00 01"])
async def test_password_reset_form_takes_a_user_name_an_email_or_a_phone(
    live: Backend, executor: ActionExecutor, identifier: str
) -> None:
    out = await run_action(
        executor, "validate_password_reset_form", {"requested_slot": "username"},
        {"username": identifier},
    )  # fmt: skip
    assert out.slots["username"] == identifier
