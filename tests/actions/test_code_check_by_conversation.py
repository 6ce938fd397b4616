"""The code check names the conversation, not the identifier typed turns ago.

The tracker store masks what the player typed (``0532 123 45 67`` is stored as
``05** *** ** 67``), so a check turn that reads the conversation back from the store (on
another worker, after a restart) holds only the masked phone. The genuine code still
verifies there; a code never verifies for another conversation.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import ActionExecutor

from tests.actions import test_actions_account as harness
from tests.actions.conftest import Backend
from tests.actions.test_actions_identity import AHMET_PHONE, last_code, wrong

run_action = harness.run_action
anyio_backend = harness.anyio_backend
executor = harness.executor
live = harness.live

TYPED = "0532 123 45 67"
STORED = "05** *** ** 67"  # the same phone, as the tracker store keeps it


@pytest.mark.anyio
async def test_a_masked_identifier_in_the_check_turn_still_verifies_the_genuine_code(
    live: Backend, executor: ActionExecutor
) -> None:
    sent = await run_action(executor, "action_send_otp", {"phone": TYPED}, sender="oyuncu")
    assert sent.slots["otp_sent"] is True
    slots = {"phone": STORED, "otp_code": last_code(live), "pending_action": "action_balance"}
    out = await run_action(executor, "action_check_otp", slots, sender="oyuncu")
    assert (out.slots["verified"], out.slots["player_id"]) == (True, 1001)
    assert out.followup == "action_balance"


@pytest.mark.anyio
async def test_the_identity_form_verifies_with_the_username_slot_masked(
    live: Backend, executor: ActionExecutor
) -> None:
    await run_action(executor, "validate_identity_form", candidates={"username": TYPED})
    slots = {"username": STORED, "otp_sent": True, "requested_slot": "otp_code"}
    done = await run_action(
        executor, "validate_identity_form", slots, {"otp_code": last_code(live)}
    )
    assert (done.slots["verified"], done.slots["player_id"]) == (True, 1001)


@pytest.mark.anyio
async def test_a_code_from_another_conversation_never_verifies(
    live: Backend, executor: ActionExecutor
) -> None:
    await run_action(executor, "action_send_otp", {"phone": TYPED}, sender="oyuncu")
    genuine = last_code(live)
    # A conversation that asked for nothing: no code to match, nothing counted.
    stranger = {"phone": STORED, "otp_code": genuine}
    out = await run_action(executor, "action_check_otp", stranger, sender="saldirgan")
    assert "verified" not in out.slots and "player_id" not in out.slots
    # One that asked for the same player's code: the player's code is a wrong one there.
    live.clock.advance(timedelta(minutes=1))
    await run_action(executor, "action_send_otp", {"username": "ahmet_yilmaz"}, sender="saldirgan")
    mine = last_code(live)
    for code in {genuine, wrong(mine)} - {mine}:
        out = await run_action(
            executor, "action_check_otp", {**stranger, "otp_code": code}, sender="saldirgan"
        )
        assert "verified" not in out.slots, code
    ok = await run_action(
        executor, "action_check_otp", {"phone": STORED, "otp_code": genuine}, sender="oyuncu"
    )
    assert ok.slots["verified"] is True


@pytest.mark.anyio
async def test_an_expired_code_is_renewed_for_the_account_the_conversation_named(
    live: Backend, executor: ActionExecutor
) -> None:
    """The new code goes to the player's phone, not to the masked text in the slot."""
    await run_action(executor, "action_send_otp", {"phone": TYPED})
    live.clock.advance(timedelta(minutes=6))
    expired = {"phone": STORED, "otp_code": last_code(live)}
    out = await run_action(executor, "action_check_otp", expired)
    assert out.slots["otp_sent"] is False and out.followup == "action_send_otp"
    renewed = await run_action(executor, "action_send_otp", {"phone": STORED, "otp_sent": False})
    assert renewed.slots["otp_sent"] is True
    assert len(live.outbox(AHMET_PHONE)) == 2
    ok = await run_action(executor, "action_check_otp", {**expired, "otp_code": last_code(live)})
    assert (ok.slots["verified"], ok.slots["player_id"]) == (True, 1001)


@pytest.mark.anyio
async def test_the_identity_form_renews_an_expired_code_with_the_slot_masked(
    live: Backend, executor: ActionExecutor
) -> None:
    await run_action(executor, "validate_identity_form", candidates={"username": TYPED})
    live.clock.advance(timedelta(minutes=6))
    slots = {"username": STORED, "otp_sent": True, "requested_slot": "otp_code"}
    out = await run_action(executor, "validate_identity_form", slots, {"otp_code": "123456"})
    assert "yeni bir kod" in out.text
    assert out.slots["otp_sent"] is True
    assert len(live.outbox(AHMET_PHONE)) == 2


@pytest.mark.anyio
async def test_a_check_without_any_identifier_or_code_asks_who_the_player_is(
    live: Backend, executor: ActionExecutor
) -> None:
    out = await run_action(executor, "action_check_otp", {"otp_code": "123456"})
    assert "kullanıcı adınızı" in out.text
    assert out.slots == {"otp_code": None}
    assert out.followup is None
