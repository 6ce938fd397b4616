"""Who the player is: the verification gate, handover events, password resets.

A player is verified when the slot ``verified`` is true: set by the engine from a signed
web-chat token (trusted as is) or by ``action_check_otp`` after a correct code
(:mod:`actions.verification`).
"""

from __future__ import annotations

import logging
import math
import re
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    BackendClient,
    BackendError,
    BackendRefused,
    BackendUnavailable,
)

__all__ = [
    "ASK_IDENTIFIER",
    "HANDOFF_ACTION",
    "IDENTIFIER_SLOTS",
    "ActionPasswordReset",
    "BackendAction",
    "VerifiedAction",
    "apologise",
    "as_int",
    "hand_over",
    "is_verified",
    "istanbul",
    "plausible_identifier",
    "slot_values",
    "verified_player",
]

logger = logging.getLogger(__name__)

IDENTIFIER_SLOTS = ("username", "email", "phone")
IDENTITY_FORM = "identity_form"
HANDOFF_ACTION = "action_handoff"

BACKEND_DOWN = (
    "Şu anda hesap bilgilerinize ulaşamıyorum, bunun için özür dilerim. "
    "Sizi hemen bir müşteri temsilcimize aktarıyorum; kısa süre içinde size yardımcı olacak."
)
ACTION_FAILED = (
    "Üzgünüm, bu işlemi şu anda tamamlayamadım. Sizi bir müşteri temsilcimize aktarıyorum; "
    "konuyu sizin için inceleyecek."
)
ASK_VERIFICATION = (
    "Hesap bilgilerinizi paylaşabilmem için önce kimliğinizi doğrulamam gerekiyor; "
    "bu, hesabınızın güvenliği için. Telefonunuza tek kullanımlık bir kod göndereceğim."
)
ASK_IDENTIFIER = (
    "Kimliğinizi doğrulayabilmem için kullanıcı adınızı, e-posta adresinizi ya da "
    "hesabınıza kayıtlı telefon numaranızı yazar mısınız?"
)
RESET_ACCEPTED = (
    "Bu bilgilerle kayıtlı bir hesap varsa şifre sıfırlama bağlantısını e-posta adresinize "
    "ya da telefonunuza gönderdik. Bağlantı 30 dakika geçerlidir; gelen kutunuzu ve "
    "istenmeyen klasörünü kontrol etmeyi unutmayın."
)
# Türkiye keeps UTC+3 all year; players read times on this clock.
ISTANBUL = timezone(timedelta(hours=3), "Europe/Istanbul")


def istanbul(moment: datetime) -> datetime:
    """``moment`` on the Istanbul clock (a naive time is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ISTANBUL)


def hand_over(reason: str, skill: str, note: str | None = None) -> list[EventType]:
    """Slots that tell ``action_handoff`` why and to whom, then the handover itself."""
    events: list[EventType] = [SlotSet("handoff_reason", reason), SlotSet("handoff_skill", skill)]
    if note is not None:
        events.append(SlotSet("handoff_note", note))
    return [*events, FollowupAction(HANDOFF_ACTION)]


def apologise(
    error: BackendError, dispatcher: CollectingDispatcher, skill: str, conversation_id: str
) -> list[EventType]:
    """A backend failure, told to the player politely (never its details), and a handover."""
    if isinstance(error, BackendUnavailable):
        logger.warning("backend unavailable", extra={"conversation_id": conversation_id})
        dispatcher.utter_message(text=BACKEND_DOWN)
        return hand_over("backend_down", skill)
    code = error.code if isinstance(error, BackendRefused) else None
    logger.error("backend refused", extra={"conversation_id": conversation_id, "code": code})
    dispatcher.utter_message(text=ACTION_FAILED)
    return hand_over("action_failed", skill)


class BackendAction(Action, ABC):  # type: ignore[misc]  # rasa_sdk is untyped
    """An action that calls the backend; if it is down, the player gets an apology and a human.

    Subclasses set ``skill`` (the queue that takes over) and implement :meth:`act`.
    """

    skill = "general"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            async with BackendClient.from_env() as backend:
                return await self.act(backend, dispatcher, tracker)
        except BackendError as error:
            return apologise(error, dispatcher, self.skill, tracker.sender_id)

    @abstractmethod
    async def act(
        self, backend: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """Do the action's work; :class:`BackendUnavailable` may escape."""


class VerifiedAction(BackendAction, ABC):
    """A :class:`BackendAction` that reveals account data, so only to a verified player."""

    async def act(
        self, backend: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        player_id = verified_player(tracker)
        if player_id is None:
            dispatcher.utter_message(text=ASK_VERIFICATION)
            return [SlotSet("pending_action", self.name()), FollowupAction(IDENTITY_FORM)]
        events = await self.act_for(player_id, backend, dispatcher, tracker)
        if tracker.get_slot("pending_action") == self.name():
            events = [SlotSet("pending_action", None), *events]  # no longer waiting
        return events

    @abstractmethod
    async def act_for(
        self,
        player_id: int,
        backend: BackendClient,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> list[EventType]:
        """Answer for this verified player."""


def is_verified(tracker: Tracker) -> bool:
    return tracker.get_slot("verified") is True


def verified_player(tracker: Tracker) -> int | None:
    """The verified player's id, or None.

    Verification is bound to ``player_id`` (set with ``verified`` by the code check, or by
    the engine from a signed token); a ``username`` the player types later never counts.
    """
    return as_int(tracker.get_slot("player_id")) if is_verified(tracker) else None


class ActionPasswordReset(BackendAction):
    """Ask for a reset link; the answer never tells whether the account exists."""

    skill = "technical"

    def name(self) -> str:
        return "action_password_reset"

    async def act(
        self, backend: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        identifier = next(
            (v for v in map(tracker.get_slot, IDENTIFIER_SLOTS) if isinstance(v, str) and v),
            None,
        )
        if identifier is None:
            dispatcher.utter_message(
                text="Şifre sıfırlama bağlantısı gönderebilmem için kullanıcı adınızı, "
                "e-posta adresinizi ya da telefon numaranızı yazar mısınız?"
            )
            return []
        try:
            await backend.request_password_reset(identifier.strip()[:254])
        except BackendRefused as refusal:
            if refusal.status == 429:
                minutes = max(1, math.ceil((refusal.retry_after or 60) / 60))
                dispatcher.utter_message(
                    text="Kısa sürede çok fazla şifre sıfırlama denemesi yapıldı. Güvenliğiniz "
                    f"için lütfen {minutes} dakika sonra tekrar deneyin."
                )
                return []
            logger.info("password reset refused", extra={"code": refusal.code})
        dispatcher.utter_message(text=RESET_ACCEPTED)
        return []


def plausible_identifier(value: Any) -> bool:
    """A user name, an e-mail address or a phone number, not a sentence: what a player
    types when asked who they are. "3 gündür giremiyorum rezalet" is not one."""
    text = str(value or "").strip()
    if not text or len(text) > 254:
        return False
    if re.fullmatch(r"[+\d\s\-().]{10,20}", text):
        return True
    return len(text.split()) == 1


def slot_values(events: list[EventType]) -> dict[str, Any]:
    """The slots ``events`` set, by name."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def as_int(value: Any) -> int | None:
    """A slot's value as a player id, or None (``True`` is not player 1)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
