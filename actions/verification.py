"""One-time codes: send one, check it, and say so without telling who has an account.

What the player typed to say who they are (``username``, ``email`` or ``phone``) goes to
the backend as is when a code is asked for; a known and an unknown identifier get the same
words, the same limits and the same lockout, and the phone number is never shown. Only a
correct code names the player (``player_id`` with ``verified``). A ``player_id`` known
before (from the website) gets its code directly.

The check, and a new code after an expired one, name only the conversation: the backend
knows whom it last sent this conversation a code for. They never read the identifier back
from a slot, which the tracker store keeps masked (``05** *** ** 67``) once the turn that
set it is over, on another worker or after a restart.

Each code belongs to this conversation (the backend's ``requester`` is the sender id):
wrong codes lock out this conversation, not the player, and the one wrong code that starts
a lockout hands over, once, never the answers after it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions.backend_client import BackendClient, BackendRefused, OtpResult
from actions.identity import (
    ASK_IDENTIFIER,
    HANDOFF_ACTION,
    IDENTIFIER_SLOTS,
    BackendAction,
    as_int,
    istanbul,
)

__all__ = [
    "CODE_SENT",
    "CODE_SENT_IF_ACCOUNT",
    "ActionCheckOtp",
    "ActionSendOtp",
    "check_code",
    "given_identifier",
    "send_code",
]

CODE_SENT_IF_ACCOUNT = (
    "Bu bilgilerle kayıtlı bir hesap varsa telefonunuza 6 haneli bir doğrulama kodu "
    "gönderdik. Kod {minutes} dakika geçerlidir; gelen kodu buraya yazar mısınız?"
)
CODE_SENT = (
    "Telefonunuza 6 haneli bir doğrulama kodu gönderdik. Kod {minutes} dakika geçerlidir; "
    "gelen kodu buraya yazar mısınız?"
)
_OTP_SHAPE = re.compile(r"\d{6}")


def given_identifier(tracker: Tracker) -> str | None:
    """The user name, e-mail or phone the player gave, as typed (trimmed)."""
    for slot in IDENTIFIER_SLOTS:
        value = tracker.get_slot(slot)
        if isinstance(value, str) and value.strip():
            return value.strip()[:254]
    return None


async def send_code(
    backend: BackendClient,
    tracker: Tracker,
    dispatcher: CollectingDispatcher,
    identifier: str | None = None,
) -> dict[str, Any]:
    """Slot values after asking for a code for ``player_id``, for ``identifier`` (typed in
    this turn) or, once a check found no valid code (``otp_sent`` false), for whoever this
    conversation's last code was for; else for the identifier in the slots. Empty when
    the player has not said who they are. A lockout ends the identity form."""
    player_id = as_int(tracker.get_slot("player_id"))
    requester = tracker.sender_id
    sent = CODE_SENT_IF_ACCOUNT
    try:
        if player_id is not None:
            result = await backend.send_otp(player_id, requester=requester)
            sent = CODE_SENT
        elif identifier is not None:
            result = await backend.challenge(identifier, requester=requester)
        elif tracker.get_slot("otp_sent") is False and (
            (renewed := await _renew(backend, requester)) is not None
        ):
            result = renewed
        elif (typed := given_identifier(tracker)) is not None:
            result = await backend.challenge(typed, requester=requester)
        else:
            dispatcher.utter_message(text=ASK_IDENTIFIER)
            return {}
    except BackendRefused as refusal:
        if refusal.status != 429:
            raise
        dispatcher.utter_message(text=wait_text(refusal.retry_after))
        return {"otp_code": None, "otp_sent": True}
    if result.status == "locked":
        dispatcher.utter_message(text=locked_text(result, handing_over=False))
        return {"otp_code": None, REQUESTED_SLOT: None}
    minutes = max(1, (result.expires_in or 300) // 60)
    dispatcher.utter_message(text=sent.format(minutes=minutes))
    return {"otp_code": None, "otp_sent": True}


async def _renew(backend: BackendClient, requester: str) -> OtpResult | None:
    """A new code for this conversation's last subject; None when it was sent none."""
    try:
        return await backend.renew_challenge(requester)
    except BackendRefused as refusal:
        if refusal.status == 409:
            return None
        raise


async def check_code(
    backend: BackendClient, tracker: Tracker, code: Any, dispatcher: CollectingDispatcher
) -> dict[str, Any]:
    """Slot values after checking ``code``: ``verified`` and ``player_id`` on success,
    ``otp_code`` cleared otherwise; the lockout this code started also fills
    ``handoff_reason`` and ``handoff_skill``.

    Without ``player_id`` the code is checked against this conversation's newest code, not
    against an identifier read back from the slots."""
    digits = re.sub(r"[\s-]", "", str(code or ""))
    if not _OTP_SHAPE.fullmatch(digits):
        dispatcher.utter_message(text="Doğrulama kodu 6 rakamdan oluşuyor; tekrar yazar mısınız?")
        return {"otp_code": None}
    player_id = as_int(tracker.get_slot("player_id"))
    requester = tracker.sender_id
    if player_id is not None:
        result = await backend.verify_otp(player_id, digits, requester=requester)
    else:
        result = await backend.verify_requester(digits, requester)
        if result.status == "no_code" and given_identifier(tracker) is None:
            dispatcher.utter_message(text=ASK_IDENTIFIER)  # nobody named, no code asked for
            return {"otp_code": None}
    if result.status == "verified":
        dispatcher.utter_message(text="Teşekkürler, kimliğinizi doğruladım.")
        return {"otp_code": digits, "verified": True, "player_id": result.player_id or player_id}
    if result.status == "wrong_code":
        dispatcher.utter_message(
            text=f"Girdiğiniz kod hatalı. {result.attempts_left} deneme hakkınız kaldı; "
            "lütfen SMS ile gelen kodu kontrol edip tekrar yazın."
        )
        return {"otp_code": None}
    if result.status == "locked":
        dispatcher.utter_message(text=locked_text(result, handing_over=result.lockout_started))
        if not result.lockout_started:  # told once already: no second handover
            return {"otp_code": None, REQUESTED_SLOT: None}
        return {
            "otp_code": None,
            "handoff_reason": "verification_locked",
            "handoff_skill": "general",
        }
    dispatcher.utter_message(text="Geçerli bir kodunuz görünmüyor; size yeni bir kod gönderiyorum.")
    return {"otp_code": None, "otp_sent": False}


class ActionSendOtp(BackendAction):
    """Send a one-time code by SMS to the account the slots name, if there is one."""

    def name(self) -> str:
        return "action_send_otp"

    async def act(
        self, backend: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        slots = await send_code(backend, tracker, dispatcher)
        return [SlotSet(name, value) for name, value in slots.items() if name != REQUESTED_SLOT]


class ActionCheckOtp(BackendAction):
    """Check the code in ``otp_code``; once verified, run the action that asked for it."""

    def name(self) -> str:
        return "action_check_otp"

    async def act(
        self, backend: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        slots = await check_code(backend, tracker, tracker.get_slot("otp_code"), dispatcher)
        slots.pop(REQUESTED_SLOT, None)
        events: list[EventType] = [SlotSet(name, value) for name, value in slots.items()]
        if "handoff_reason" in slots:
            return [*events, FollowupAction(HANDOFF_ACTION)]
        if slots.get("otp_sent") is False:
            return [*events, FollowupAction("action_send_otp")]
        pending = tracker.get_slot("pending_action")
        if slots.get("verified") and pending:
            return [*events, FollowupAction(pending)]  # it clears pending_action when it runs
        return events


def wait_text(retry_after: int | None) -> str:
    """Codes were asked for too often: when the player may ask again."""
    seconds = retry_after or 60
    when = f"{seconds} saniye" if seconds < 60 else f"{math.ceil(seconds / 60)} dakika"
    return (
        "Güvenliğiniz için doğrulama kodlarını kısa aralıklarla gönderemiyoruz. Yeni bir kodu "
        f"{when} sonra isteyebilirsiniz; size daha önce gelen kod hâlâ geçerliyse onu buraya "
        "yazabilirsiniz."
    )


def locked_text(result: OtpResult, handing_over: bool) -> str:
    when = ""
    if result.locked_until is not None:
        when = f" Saat {istanbul(result.locked_until):%H:%M} sonrasında yeniden deneyebilirsiniz."
    then = (
        " Size yardımcı olması için sizi bir müşteri temsilcimize aktarıyorum."
        if handing_over
        else ' Bir müşteri temsilcisiyle görüşmek isterseniz "temsilci" yazabilirsiniz.'
    )
    return (
        "Çok sayıda hatalı deneme yapıldığı için güvenliğiniz gereği doğrulama geçici olarak "
        f"kilitlendi.{when}{then}"
    )
