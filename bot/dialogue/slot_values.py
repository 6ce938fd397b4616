"""Slot values by slot type: what a slot may hold, and the slots every tracker has.

:func:`coerce_slot_value` turns a value into the form its slot stores ("12,5" for a float
slot becomes 12.5, "TRUE" for a bool slot True, "Papara" for a categorical slot the
declared "papara") and raises ``DataError`` for a value of the wrong type:
``slot 'amount' is a float slot; 'abc' is not a number``.

Like Rasa, a float slot's ``min_value``/``max_value`` only bound its feature for the
policies; the value itself is kept (an amount of 1500 in a slot with the default 0..1
range is not an error). Custom slot types (a class path) take any value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from bot.dialogue.domain import Domain
from bot.dialogue.slot_definitions import Slot
from bot.errors import DataError
from bot.nlu.turkish_text import fold_diacritics, turkish_lower

__all__ = [
    "REQUESTED_SLOT",
    "SESSION_STARTED_METADATA_SLOT",
    "coerce_slot_value",
    "initial_slot_values",
    "tracker_slots",
]

REQUESTED_SLOT = "requested_slot"
SESSION_STARTED_METADATA_SLOT = "session_started_metadata"
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)")
_DOTTED_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_TRUE = ("true", "1")
_FALSE = ("false", "0")


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
    """``value`` as ``slot`` stores it; ``None`` (unset) is valid for every slot.

    Raises:
        DataError: the value cannot be held by a slot of this type.
    """
    if value is None or slot.type == "any" or "." in slot.type:
        return value
    reader = _READERS.get(slot.type)
    if reader is None:
        raise DataError(f"slot {slot.name!r} has unknown type {slot.type!r}")
    return reader(slot, value)


def _wrong(slot: Slot, value: Any, why: str) -> DataError:
    shown = repr(value) if isinstance(value, str) else _short(value)
    return DataError(f"slot {slot.name!r} is a {slot.type} slot; {shown} {why}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(slot: Slot, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
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
        raise _wrong(slot, value, "is ambiguous (a decimal or thousands?); give a number")
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
    wanted = _fold(value)
    for declared in slot.values:
        if _fold(declared) == wanted:
            return declared
    known = ", ".join(str(v) for v in slot.values) or "none declared"
    raise _wrong(slot, value, f"is not one of its values ({known})")


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
