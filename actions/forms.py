"""Form validation: ``validate_identity_form`` asks who the player is, sends a code and
checks it; ``validate_password_reset_form`` takes the user name, e-mail or phone.

A message that is a sentence rather than an identifier, while a form asks for one
("3 gündür giremiyorum, şikayetçiyim"), is refused: the form steps aside and the
conversation answers what the player actually said.

The form ``identity_form`` asks ``username`` (which may hold an e-mail or a phone number)
and then ``otp_code``. A known ``player_id`` skips the first question; ``verified`` ends
the form. Any user name gets a code "if there is such an account", so the form never
tells a stranger which names exist (:mod:`actions.verification`). On success the action
saved in ``pending_action`` runs next (and clears the slot: until then the policies can
see which action is waiting); a lockout ends the form (the wrong code that started it
hands over), and a backend failure ends it and hands over.
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
    IDENTIFIER_SLOTS,
    apologise,
    is_verified,
    plausible_identifier,
    slot_values,
)
from actions.verification import check_code, send_code

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
            slots = await send_code(backend, tracker, dispatcher, identifier=text)
        return {"username": text, **slots}

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        async with BackendClient.from_env() as backend:
            return await check_code(backend, tracker, value, dispatcher)

    async def _send_code_if_due(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
    ) -> list[EventType]:
        """The player is known but no code went out yet (e.g. the form started with
        ``player_id`` set): send one before the form asks for it."""
        changed = slot_values(events)
        slots = {**tracker.slots, **changed}
        known = slots.get("player_id") is not None or any(slots.get(s) for s in IDENTIFIER_SLOTS)
        if slots.get(REQUESTED_SLOT) != "otp_code" or not known:
            return []
        if slots.get("otp_sent") or slots.get("verified") or changed.get("handoff_reason"):
            return []
        tracker.add_slots([SlotSet(name, value) for name, value in changed.items()])
        async with BackendClient.from_env() as backend:
            sent = await send_code(backend, tracker, dispatcher)
        return [SlotSet(name, value) for name, value in sent.items()]

    @staticmethod
    def _finish(tracker: Tracker, events: list[EventType]) -> list[EventType]:
        """Hand over when a lockout starts, end the form during one; run the action that
        asked for verification after success."""
        slots = slot_values(events)
        if slots.get("handoff_reason"):
            events = [e for e in events if e.get("event") != "followup"]
            return [*events, SlotSet(REQUESTED_SLOT, None), FollowupAction("action_handoff")]
        pending = tracker.get_slot("pending_action")
        if slots.get("verified") and pending:
            return [*events, FollowupAction(pending)]  # it clears pending_action when it runs
        if not slots.get("verified") and _ended_by_a_check(events):
            return [*events, SlotSet(REQUESTED_SLOT, None)]  # whatever rasa_sdk asks next
        return events


def _ended_by_a_check(events: list[EventType]) -> bool:
    """Whether the code's send or check set ``requested_slot`` to None (a lockout)."""
    return any(
        e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT and e.get("value") is None
        for e in events
    )


class ValidatePasswordResetForm(FormValidationAction):  # type: ignore[misc]  # untyped base
    def name(self) -> str:
        return "validate_password_reset_form"

    async def validate_username(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not plausible_identifier(value):
            raise ActionExecutionRejection(self.name(), "the message is not a user name")
        return {"username": str(value).strip()}
