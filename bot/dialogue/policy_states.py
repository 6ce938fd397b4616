"""Dialogue states: what the policies see of a conversation before each action.

A state is a small set of features, as in Rasa: the previous action (``prev``), the
player's intent and entities while the bot is listening (``intent``, ``entity:<name>``),
the slots (``slot:<name>``) and the active form (``loop``). :func:`action_states` turns a
conversation's events into the state before every action the bot took, which is what
the policies learn from stories and rules and what they predict from at run time.

Slot features follow the slot type: a bool is ``true``/``false``, a categorical slot (and
``requested_slot``) its value, any other slot ``set`` while it has a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.dialogue.conversation_state import ACTION_LISTEN, ACTION_SESSION_START
from bot.dialogue.domain import Domain
from bot.dialogue.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from bot.dialogue.slot_definitions import Slot
from bot.dialogue.slot_values import REQUESTED_SLOT, initial_slot_values, tracker_slots

__all__ = [
    "State",
    "action_states",
    "conversation_states",
    "history",
    "influential",
    "slot_feature",
]

State = frozenset[tuple[str, str]]
"""A state: ``(key, value)`` features; a key appears at most once."""

# Actions the policies never predict: the engine runs them itself.
UNPREDICTED = frozenset({ACTION_SESSION_START, "action_extract_slots"})


def slot_feature(slot: Slot | None, value: Any) -> str | None:
    """The feature a slot value gives, or None when it gives none (unset)."""
    if value is None:
        return None
    kind = slot.type if slot is not None else "any"
    if kind == "bool":
        return "true" if value is True else "false" if value is False else None
    if kind == "categorical" or (slot is not None and slot.name == REQUESTED_SLOT):
        return str(value).lower()
    if kind == "list" and not value:
        return None
    return "set"


class _Builder:
    """The running state while events are replayed."""

    def __init__(self, domain: Domain) -> None:
        self.slot_defs = tracker_slots(domain)
        self.reset()

    def reset(self) -> None:
        self.prev: str | None = None
        self.intent: str | None = None
        self.entities: frozenset[str] = frozenset()
        self.slots: dict[str, Any] = dict(initial_slot_values(self.slot_defs))
        self.loop: str | None = None

    def apply(self, event: Event) -> None:
        match event:
            case UserUttered():
                self.intent = event.intent_name or (f"text:{event.text}" if event.text else None)
                self.entities = frozenset(
                    str(e.get("entity")) for e in event.entities if isinstance(e, Mapping)
                )
            case ActionExecuted():
                self.prev = event.name or (
                    f"text:{event.action_text}" if event.action_text else None
                )
            case SlotSet():
                if event.name in self.slot_defs:
                    self.slots[event.name] = event.value
            case ActiveLoop():
                self.loop = event.name
            case AllSlotsReset():
                self.slots = dict(initial_slot_values(self.slot_defs))
            case Restarted() | SessionStarted():
                self.reset()

    def state(self) -> State:
        features: list[tuple[str, str]] = []
        if self.prev is not None:
            features.append(("prev", self.prev))
        if self.prev == ACTION_LISTEN:
            if self.intent is not None:
                features.append(("intent", self.intent))
            features.extend((f"entity:{name}", "1") for name in self.entities)
        for name, value in self.slots.items():
            feature = slot_feature(self.slot_defs.get(name), value)
            if feature is not None:
                features.append((f"slot:{name}", feature))
        if self.loop is not None:
            features.append(("loop", self.loop))
        return frozenset(features)


def history(events: Iterable[Event], domain: Domain) -> tuple[list[State], list[str]]:
    """The state before each action of ``events`` (applied events of one session) and the
    state now, with the actions taken from each but the last. The session's opening
    ``action_listen`` (nothing to predict yet) is left out."""
    builder = _Builder(domain)
    states: list[State] = []
    actions: list[str] = []
    for event in events:
        if isinstance(event, ActionExecuted) and event.name not in UNPREDICTED:
            if builder.prev is not None:
                states.append(builder.state())
                actions.append(event.name or f"text:{event.action_text}")
        elif isinstance(event, ActionExecuted):
            builder.prev = None  # the session starts over
            continue
        builder.apply(event)
    states.append(builder.state())
    return states, actions


def action_states(events: Iterable[Event], domain: Domain) -> list[tuple[State, str]]:
    """The state before each action of ``events``, and the action: what policies learn."""
    states, actions = history(events, domain)
    return list(zip(states, actions, strict=False))


def conversation_states(events: Iterable[Event], domain: Domain) -> list[State]:
    """The states before each past action, then the state now: what a policy predicts from."""
    return history(events, domain)[0]


def influential(state: State, domain: Domain) -> State:
    """``state`` without the slots that do not influence the conversation."""
    kept = []
    for key, value in state:
        if key.startswith("slot:"):
            slot = domain.slots.get(key[5:])
            if slot is None or not slot.influence_conversation:
                continue
        kept.append((key, value))
    return frozenset(kept)
