"""Dialogue states: what the policies see of a conversation before each action.

A state is a small set of features, as in Rasa: the previous action (``prev``), the
player's intent and entities while the bot is listening (``intent``, ``entity:<name>``,
with ``entity:<name>#<role>`` and ``entity:<name>#<group>``; only the entities the
intent uses, see :mod:`bot.dialogue.entity_features`), the slots (``slot:<name>``) and
the active form (``loop``). :func:`action_states` turns a conversation's events into the
state before every action the bot took, which is what the policies learn from stories and
rules and what they predict from at run time.

Slot features follow the slot type, as Rasa's slots featurize their values: a bool is
``true``/``false`` (a value that reads as neither counts as unset), a categorical slot
its declared value (``__other__`` for any other value), a float its value scaled to
``min_value``..``max_value`` (a value that is no number counts as unset), a list ``set``
while it holds something, and any other slot ``set`` while it has a value.
``requested_slot`` gives its value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sized
from typing import Any

from bot.dialogue.conversation_state import ACTION_LISTEN, ACTION_SESSION_START
from bot.dialogue.domain import Domain
from bot.dialogue.entity_features import EntityFilter
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
from bot.dialogue.slot_values import (
    REQUESTED_SLOT,
    declared_category,
    initial_slot_values,
    tracker_slots,
)

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


OTHER_CATEGORY = "__other__"
"""The feature of a categorical slot holding a value its domain does not list (Rasa's)."""


def slot_feature(slot: Slot | None, value: Any) -> str | None:
    """The feature a slot value gives, or None when it gives none (unset)."""
    if value is None:
        return None
    kind = slot.type if slot is not None else "any"
    if slot is not None and slot.name == REQUESTED_SLOT:
        return str(value).lower()
    if kind == "bool":
        truth = _truth(value)
        return None if truth is None else "true" if truth else "false"
    if kind == "categorical" and slot is not None:
        declared = declared_category(slot, value)
        return OTHER_CATEGORY if declared is None else str(declared).lower()
    if kind == "float" and slot is not None:
        return _scaled(slot, value)
    if kind == "list":
        return "set" if isinstance(value, Sized) and len(value) > 0 else None
    return "set"


def _truth(value: Any) -> bool | None:
    """Rasa's reading of a bool slot's value: bools, 1/0, "true"/"false", numeric text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value == 1)
    if isinstance(value, str):
        text = value.strip().lower()
        if value.isnumeric():
            return float(value) == 1.0
        if text in ("true", "false"):
            return text == "true"
    return None


def _scaled(slot: Slot, value: Any) -> str | None:
    """A float slot's value capped to its range and scaled to 0..1, as Rasa features it."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    low, high = slot.min_value, slot.max_value
    capped = max(low, min(high, number))
    span = abs(high - low) or 1.0
    return format((capped - low) / span, ".6g")


class _Builder:
    """The running state while events are replayed."""

    def __init__(self, domain: Domain) -> None:
        self.slot_defs = tracker_slots(domain)
        self.entity_filter = EntityFilter.of(domain)
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
                self.entities = self.entity_filter(event.intent_name, event.entities)
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
