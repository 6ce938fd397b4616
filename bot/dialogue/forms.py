"""Forms: ask for the slots a form requires, one at a time, as Rasa's form action does.

A run of the form:
1. activates it, if it is not active yet;
2. right after a player message (or on activation) validates the slots the message
   filled: through the custom action ``validate_<form>`` if the domain declares it,
   otherwise by accepting them as they were extracted. A player message that filled
   nothing while the form was waiting for an answer is refused
   (:class:`~bot.errors.ActionRejected`), so the policies can handle the interruption;
3. ends the form when the validation action says so (``ActiveLoop(None)`` or
   ``requested_slot: null``) or no required slot is empty; otherwise asks for the slot
   the validation action requested, or the first empty required slot, with the first
   the domain has of ``action_ask_<form>_<slot>``, ``utter_ask_<form>_<slot>``,
   ``action_ask_<slot>`` and ``utter_ask_<slot>`` (Rasa's order: a custom action that
   asks wins over the response of the same scope).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.dialogue.conversation_state import ACTION_LISTEN
from bot.dialogue.domain import Domain, Form
from bot.dialogue.events import ActiveLoop, Event, SlotSet, UserUttered
from bot.dialogue.slot_values import REQUESTED_SLOT
from bot.dialogue.tracker import Tracker
from bot.errors import ActionRejected

__all__ = ["RunAction", "refused_answer", "run_form"]

log = logging.getLogger(__name__)

RunAction = Callable[[str, Tracker], Awaitable[list[Event]]]
"""Runs another action (a response or a custom action) on a tracker; returns its events."""


def _filled_this_turn(tracker: Tracker) -> list[SlotSet]:
    """The slot events since the player's latest message."""
    filled: list[SlotSet] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet) and event.name != REQUESTED_SLOT:
            filled.append(event)
    return filled[::-1]


def _ask_action(form: Form, slot: str, domain: Domain) -> str | None:
    for scope in (f"{form.name}_{slot}", slot):
        if f"action_ask_{scope}" in domain.actions:
            return f"action_ask_{scope}"
        if f"utter_ask_{scope}" in domain.responses:
            return f"utter_ask_{scope}"
    return None


def _ended(events: list[Event]) -> bool | None:
    """True if the validation ended the form, False if it asked for a slot, else None."""
    verdict: bool | None = None
    for event in events:
        if isinstance(event, ActiveLoop) and event.name is None:
            return True
        if isinstance(event, SlotSet) and event.name == REQUESTED_SLOT:
            verdict = event.value is None
    return verdict


async def run_form(
    form: Form, tracker: Tracker, domain: Domain, run_action: RunAction
) -> list[Event]:
    """The events of one run of ``form``; raises ActionRejected for an unhappy path."""
    events: list[Event] = []
    current = tracker

    def push(new: list[Event]) -> None:
        nonlocal current
        ready, problems = current.prepare_events(new)
        for problem in problems:
            log.warning("form %s: dropped an event: %s", form.name, problem)
        events.extend(ready)
        current = current.with_events(ready)

    activating = tracker.active_loop_name != form.name
    if activating:
        push([ActiveLoop(form.name)])
    after_player = tracker.latest_action_name == ACTION_LISTEN
    filled = _filled_this_turn(tracker) if after_player or activating else []
    requested = tracker.get_slot(REQUESTED_SLOT)
    if (
        not activating
        and after_player
        and requested
        and not any(e.name in form.required_slots or e.name == requested for e in filled)
    ):
        raise ActionRejected(form.name, f"the message filled no slot of {form.name}")

    validation: list[Event] = []
    validator = f"validate_{form.name}"
    if validator in domain.actions and (activating or after_player):
        # rasa_sdk validates the slot events at the end of the tracker: put the
        # candidates there (on activation, slots filled before the form started too).
        candidates = {e.name: e.value for e in filled}
        if activating:
            for name in form.required_slots:
                if current.get_slot(name) is not None:
                    candidates.setdefault(name, current.get_slot(name))
        trailing = [SlotSet(name, value) for name, value in candidates.items()]
        checked = current.with_events(current.prepare_events(trailing)[0])
        validation = await run_action(validator, checked)
        push(validation)
        if (
            not activating
            and after_player
            and requested
            and not any(isinstance(e, SlotSet) and e.name != REQUESTED_SLOT for e in validation)
        ):
            raise ActionRejected(form.name, f"{validator} validated no slot")

    ended = _ended(validation)
    next_slot: str | None = None
    if ended is False:
        next_slot = next(
            e.value for e in reversed(validation)
            if isinstance(e, SlotSet) and e.name == REQUESTED_SLOT
        )  # fmt: skip
    elif ended is None:
        next_slot = next((s for s in form.required_slots if current.get_slot(s) is None), None)
    if next_slot is None:
        if current.active_loop_name is not None:
            push([ActiveLoop(None)])
        push([SlotSet(REQUESTED_SLOT, None)])
        return events
    push([SlotSet(REQUESTED_SLOT, next_slot)])
    ask = _ask_action(form, str(next_slot), domain)
    if ask is None:
        log.warning(
            "form %s has no utter_ask_%s or action_ask_%s to ask with",
            form.name,
            next_slot,
            next_slot,
        )
    else:
        push(await run_action(ask, current))
    return events


def refused_answer(tracker: Tracker) -> list[Event]:
    """After a form refused the player's message: empty the slot it was asking for again
    if the message filled it. It was not an answer (a complaint typed where a user name
    was expected), and the form must ask again rather than take it later."""
    requested = tracker.get_slot(REQUESTED_SLOT)
    if requested and any(e.name == requested for e in _filled_this_turn(tracker)):
        return [SlotSet(str(requested), None)]
    return []
