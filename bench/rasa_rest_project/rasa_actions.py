"""The custom actions Rasa calls in the server benchmark: the project's own, unchanged,
and ``action_handoff``, which Destek's engine runs itself and Rasa must ask for.

Here the handover ends the form and clears the reasons the actions set, as Destek's does
(bot/dialogue/handoff.py); there is no queue behind it, and the bot goes on answering, as
Destek's does while a conversation waits in its queue.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions import account_actions, forms, identity, verification

# rasa_sdk registers every action class imported by the time the server starts.
PROJECT_ACTIONS = (account_actions, forms, identity, verification)

HANDOFF_SLOTS = ("handoff_reason", "handoff_skill", "handoff_note")


class ActionHandoff(Action):  # type: ignore[misc]  # rasa_sdk is untyped
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = []
        if tracker.active_loop_name is not None:
            events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
        return events + [SlotSet(n, None) for n in HANDOFF_SLOTS if tracker.get_slot(n)]
