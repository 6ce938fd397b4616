"""Form validation: ``validate_identity_form`` asks who the player is, sends a code and
checks it; ``validate_password_reset_form`` takes the user name, e-mail or phone.

A message that is a sentence rather than an identifier, while a form asks for one
("3 gündür giremiyorum, şikayetçiyim"), is refused: the form steps aside and the
conversation answers what the player actually said.

The form ``identity_form`` asks ``username`` (which may hold an e-mail or a phone number)
and then ``otp_code``. A known ``player_id`` skips the first question; ``verified`` ends
the form. On success the action saved in ``pending_action`` runs next (and clears the
slot: until then the policies can see which action is waiting); a lockout or a
backend failure ends the form and hands over.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendError
from actions.identity import (
    NO_MATCH,
    apologise,
    check_code,
    field_for,
    is_verified,
    plausible_identifier,
    send_code,
    slot_values,
)

__all__ = ["ValidateIdentityForm", "ValidatePasswordResetForm"]

logger = logging.getLogger(__name__)


class ValidateIdentityForm(FormValidationAction):  # type: ignore[misc]  # untyped base
    def name(self) -> str:
        return "validate_identity_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            events = await super().run(dispatcher, tracker, domain)
            events += await self._send_code_if_due(dispatcher, tracker, events)
        except BackendError as error:
            events = apologise(error, dispatcher, "general", tracker.sender_id)
            return [SlotSet(REQUESTED_SLOT, None), *events]
        return self._finish(tracker, events)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if is_verified(tracker):
            return []
        if tracker.get_slot("player_id") is not None:
            return ["otp_code"]
        return ["username", "otp_code"]

    async def validate_username(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not plausible_identifier(text):
            raise ActionExecutionRejection(self.name(), "the message is not a user name")
        async with BackendClient.from_env() as backend:
            player_id = await backend.lookup_player(field_for("username", text), text)
            if player_id is None:
                dispatcher.utter_message(text=NO_MATCH)
                return {"username": None}
            events = await send_code(backend, player_id, dispatcher)
        return {"username": text, **slot_values(events)}

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        player_id = tracker.get_slot("player_id")
        if player_id is None:
            return {"otp_code": None}
        async with BackendClient.from_env() as backend:
            return await check_code(backend, int(player_id), value, dispatcher)

    async def _send_code_if_due(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
    ) -> list[EventType]:
        """The player is known but no code went out yet (e.g. the form started with
        ``player_id`` set): send one before the form asks for it."""
        changed = slot_values(events)
        slots = {**tracker.slots, **changed}
        if slots.get(REQUESTED_SLOT) != "otp_code" or slots.get("player_id") is None:
            return []
        if slots.get("otp_sent") or slots.get("verified") or changed.get("handoff_reason"):
            return []
        async with BackendClient.from_env() as backend:
            return await send_code(backend, int(slots["player_id"]), dispatcher)

    @staticmethod
    def _finish(tracker: Tracker, events: list[EventType]) -> list[EventType]:
        """Hand over after a lockout; run the action that asked for verification after success."""
        slots = slot_values(events)
        if slots.get("handoff_reason"):
            events = [e for e in events if e.get("event") != "followup"]
            return [*events, SlotSet(REQUESTED_SLOT, None), FollowupAction("action_handoff")]
        pending = tracker.get_slot("pending_action")
        if slots.get("verified") and pending:
            return [*events, FollowupAction(pending)]  # it clears pending_action when it runs
        return events


class ValidatePasswordResetForm(FormValidationAction):  # type: ignore[misc]  # untyped base
    def name(self) -> str:
        return "validate_password_reset_form"

    async def validate_username(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not plausible_identifier(value):
            raise ActionExecutionRejection(self.name(), "the message is not a user name")
        return {"username": str(value).strip()}
