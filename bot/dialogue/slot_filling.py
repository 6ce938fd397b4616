"""Slot filling: the slots Rasa's ``action_extract_slots`` sets after a user message.

:func:`extract_slots` walks the domain's slots in order and tries each slot mapping on
the message: ``from_entity``, ``from_intent``, ``from_trigger_intent`` and ``from_text``;
``custom`` mappings are left to a custom action. A mapping with ``conditions`` only
applies while one of them names the active loop (and, if given, the ``requested_slot``).
When several mappings of a slot apply, the last one wins, as Rasa's later ``SlotSet``
overrides the earlier. Like Rasa, a slot takes any value its mapping gives (a form's
``value: true`` in a text slot is kept as True); values that read as the slot's type are
put in its form ("12,5" → 12.5). A slot that already holds the value is not set.

An entity fills slots whether or not the intent's ``use_entities`` lets it into the
dialogue state: featurization and slot filling are separate, as in Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dialogue.domain import Domain
from bot.dialogue.events import SlotSet, UserUttered
from bot.dialogue.slot_definitions import Slot, SlotMapping
from bot.dialogue.slot_values import REQUESTED_SLOT, coerce_slot_value
from bot.dialogue.tracker import Tracker

__all__ = ["SlotExtraction", "extract_slots", "slot_events_for"]

_NO_VALUE = object()


@dataclass(frozen=True, slots=True)
class SlotExtraction:
    """The slot events for one message."""

    events: tuple[SlotSet, ...] = ()


def slot_events_for(tracker: Tracker, domain: Domain, user: UserUttered) -> list[SlotSet]:
    """The ``SlotSet`` events the slot mappings give for ``user``'s message."""
    return list(extract_slots(tracker, domain, user).events)


def extract_slots(tracker: Tracker, domain: Domain, user: UserUttered) -> SlotExtraction:
    """Fill slots from ``user``'s message; ``tracker`` gives the active loop and slots.

    Never raises for what the player said.
    """
    events: list[SlotSet] = []
    for slot in domain.slots.values():
        value = _NO_VALUE
        for mapping in slot.mappings:
            found = _mapping_value(slot, mapping, tracker, domain, user)
            if found is not _NO_VALUE:
                value = coerce_slot_value(slot, found)
        if value is not _NO_VALUE and value != tracker.get_slot(slot.name):
            events.append(SlotSet(slot.name, value))
    return SlotExtraction(tuple(events))


def _mapping_value(
    slot: Slot, mapping: SlotMapping, tracker: Tracker, domain: Domain, user: UserUttered
) -> Any:
    """What ``mapping`` puts in ``slot`` for this message, or ``_NO_VALUE``."""
    if mapping.type == "custom" or not _intent_is_desired(mapping, tracker, domain, user):
        return _NO_VALUE
    if mapping.type == "from_trigger_intent":
        forms = {c.active_loop for c in mapping.conditions} or {None}
        triggered = tracker.active_loop_name is None or tracker.active_loop_name not in forms
        return mapping.value if triggered else _NO_VALUE
    if not _conditions_match(mapping, tracker):
        return _NO_VALUE
    if mapping.type == "from_intent":
        return mapping.value
    if mapping.type == "from_text":
        return _NO_VALUE if user.text is None else user.text
    if mapping.type == "from_entity":
        if _shared_entity_not_asked_for(slot, mapping, tracker, domain):
            return _NO_VALUE
        values = [_entity_value(slot, e["value"]) for e in _matching_entities(mapping, user)]
        if not values:
            return _NO_VALUE
        return values if slot.type == "list" else values[-1]
    return _NO_VALUE


def _intent_is_desired(
    mapping: SlotMapping, tracker: Tracker, domain: Domain, user: UserUttered
) -> bool:
    """The message's intent is one the mapping asks for and none it (or the form) refuses."""
    intent = user.intent_name
    if mapping.intent:
        return intent in mapping.intent
    refused = set(mapping.not_intent)
    loop = tracker.active_loop_name
    form = domain.forms.get(loop) if loop is not None else None
    conditions_allow = not mapping.conditions or any(
        c.active_loop == loop for c in mapping.conditions
    )
    if form is not None and conditions_allow:
        refused.update(form.ignored_intents)
    return intent not in refused


def _conditions_match(mapping: SlotMapping, tracker: Tracker) -> bool:
    """No conditions, or one naming the active loop (None: no loop) and its requested slot."""
    if not mapping.conditions:
        return True
    loop, requested = tracker.active_loop_name, tracker.get_slot(REQUESTED_SLOT)
    return any(
        c.active_loop == loop and c.requested_slot in (None, requested) for c in mapping.conditions
    )


def _matching_entities(mapping: SlotMapping, user: UserUttered) -> list[Mapping[str, Any]]:
    """The message's entities of the mapping's type, role and group (absent matches absent)."""
    return [
        entity
        for entity in user.entities
        if entity.get("entity") == mapping.entity
        and entity.get("role") == mapping.role
        and _group(entity.get("group")) == mapping.group
    ]


def _group(value: Any) -> str | None:
    return None if value is None else str(value)


def _shared_entity_not_asked_for(
    slot: Slot, mapping: SlotMapping, tracker: Tracker, domain: Domain
) -> bool:
    """Rasa's unique-mapping check: while a form runs, an entity that several of its slots
    map from only fills the slot the form is asking for."""
    loop = tracker.active_loop_name
    form = domain.forms.get(loop) if loop is not None else None
    if form is None or slot.name not in form.required_slots:
        return False
    if tracker.get_slot(REQUESTED_SLOT) == slot.name:
        return False
    key = _entity_key(mapping)
    sharing = {
        name
        for name in form.required_slots
        if name in domain.slots
        for other in domain.slots[name].mappings
        if other.type == "from_entity" and _entity_key(other) == key
    }
    return len(sharing) > 1


def _entity_key(mapping: SlotMapping) -> tuple[Any, ...]:
    return (mapping.entity, mapping.role, mapping.group, mapping.intent, mapping.not_intent)


def _entity_value(slot: Slot, value: Any) -> Any:
    """A structured entity value (``{"value": 1500.0, "unit": "TRY"}``) in the slot's terms:
    its number for a float, bool or categorical slot, "1500 TRY" for a text slot, and
    the whole mapping for any, list and custom slots."""
    if not isinstance(value, Mapping) or "value" not in value:
        return value
    if slot.type in ("float", "bool", "categorical"):
        return value["value"]
    if slot.type == "text":
        return _as_text(value)
    return dict(value)


def _as_text(value: Mapping[str, Any]) -> str:
    number = value["value"]
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    parts: Sequence[Any] = (number, value.get("unit"))
    return " ".join(str(part) for part in parts if part is not None)
