"""Slot values by slot type: what a slot holds, and the slots every tracker has.

Like Rasa, any slot holds any value: the type only decides how the slot is featurized for
the policies (:mod:`bot.dialogue.policy_states`). :func:`coerce_slot_value` puts a value
in its slot type's form where it reads as one ("12,5" for a float slot becomes 12.5,
"TRUE" for a bool slot True, "Papara" for a categorical slot the declared "papara") and
keeps any other value as given: a form's ``value: true`` in a text slot stays True.
:func:`read_slot_value` also says why a value does not fit the slot's type
(``slot 'amount' is a float slot; 'abc' is not a number``), for ``bot data validate``.

Like Rasa, a float slot's ``min_value``/``max_value`` only bound its feature for the
policies; the value itself is kept (an amount of 1500 in a slot with the default 0..1
range is not an error). Custom slot types (a class path) take any value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.dialogue.domain import Domain
from bot.dialogue.slot_definitions import Slot
from bot.nlu.turkish_text import fold_diacritics, turkish_lower

__all__ = [
    "REQUESTED_SLOT",
    "SESSION_STARTED_METADATA_SLOT",
    "SlotReading",
    "coerce_slot_value",
    "declared_category",
    "initial_slot_values",
    "read_slot_value",
    "tracker_slots",
]

REQUESTED_SLOT = "requested_slot"
SESSION_STARTED_METADATA_SLOT = "session_started_metadata"
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)")
_DOTTED_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_TRUE = ("true", "1")
_FALSE = ("false", "0")


@dataclass(frozen=True, slots=True)
class SlotReading:
    """A value as its slot stores it; ``misfit`` says why it does not fit the slot's type."""

    value: Any
    misfit: str | None = None


def tracker_slots(domain: Domain) -> dict[str, Slot]:
    """The domain's slots plus Rasa's built-in ones: ``requested_slot`` when the domain
    has forms, and ``session_started_metadata`` always."""
    slots = dict(domain.slots)
    if domain.forms and REQUESTED_SLOT not in slots:
        slots[REQUESTED_SLOT] = Slot(REQUESTED_SLOT, "text", influence_conversation=False)
    if SESSION_STARTED_METADATA_SLOT not in slots:
        slots[SESSION_STARTED_METADATA_SLOT] = Slot(
            SESSION_STARTED_METADATA_SLOT, "any", influence_conversation=False
        )
    return slots


def initial_slot_values(slots: Mapping[str, Slot]) -> dict[str, Any]:
    return {name: slot.initial_value for name, slot in slots.items()}


def coerce_slot_value(slot: Slot, value: Any) -> Any:
    """``value`` as ``slot`` stores it: in its type's form where it reads as one, else as
    given. Never raises: like Rasa, any slot holds any value."""
    return read_slot_value(slot, value).value


def read_slot_value(slot: Slot, value: Any) -> SlotReading:
    """``value`` as ``slot`` stores it, and why it does not fit the slot's type, if not."""
    if value is None or slot.type == "any" or "." in slot.type:
        return SlotReading(value)
    reader = _READERS.get(slot.type)
    if reader is None:
        return SlotReading(value)
    try:
        return SlotReading(reader(slot, value))
    except _Misfit as misfit:
        return SlotReading(value, str(misfit))


class _Misfit(Exception):
    """A value that does not read as its slot's type."""


def _wrong(slot: Slot, value: Any, why: str) -> _Misfit:
    shown = repr(value) if isinstance(value, str) else _short(value)
    return _Misfit(f"slot {slot.name!r} is a {slot.type} slot; {shown} {why}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(slot: Slot, value: Any) -> Any:
    if isinstance(value, str | int | float):  # a bool too: Rasa's forms put True in text slots
        return value
    raise _wrong(slot, value, "is not text")


def _bool(slot: Slot, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise _wrong(slot, value, "is not true or false")


def _float(slot: Slot, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _DOTTED_THOUSANDS.fullmatch(value.strip()):
        raise _wrong(slot, value, "is ambiguous (a decimal or thousands?)")
    elif isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        number = float(value.strip().replace(",", "."))
    else:
        raise _wrong(slot, value, "is not a number")
    if not math.isfinite(number):
        raise _wrong(slot, value, "is not a finite number")
    return number


def _categorical(slot: Slot, value: Any) -> Any:
    if isinstance(value, dict | list):
        raise _wrong(slot, value, "is not one value")
    declared = declared_category(slot, value)
    if declared is None:
        known = ", ".join(str(v) for v in slot.values) or "none declared"
        raise _wrong(slot, value, f"is not one of its values ({known})")
    return declared


def declared_category(slot: Slot, value: Any) -> Any:
    """The value of categorical ``slot`` that ``value`` names (case and diacritics aside),
    or None."""
    wanted = _fold(value)
    for declared in slot.values:
        if declared is not None and _fold(declared) == wanted:
            return declared
    return None


def _fold(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return fold_diacritics(turkish_lower(text.strip()))


def _list(slot: Slot, value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict):
        raise _wrong(slot, value, "is not a list")
    return [value]  # Rasa's list slot wraps a single value


_READERS = {
    "text": _text,
    "bool": _bool,
    "float": _float,
    "categorical": _categorical,
    "list": _list,
}
