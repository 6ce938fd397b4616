"""Reading events from JSON: :func:`event_from_dict` and :func:`parse_events`.

:func:`event_from_dict` reads one event dict (Rasa's, ``rasa_sdk``'s or Destek's) and
raises ``DataError`` naming what is wrong. :func:`parse_events` reads a list from an
action server, keeping the good events and describing the bad ones, so that the engine
can log and drop them as Rasa does. Rasa 2's ``form`` and ``form_validation`` are read as
``active_loop`` and ``loop_interrupted``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from typing import Any

from bot.dialogue.events import RASA_EVENTS, Event
from bot.dialogue.handover_events import HANDOVER_EVENTS
from bot.errors import DataError
from bot.yaml_io import kind_of

__all__ = ["EVENT_TYPES", "event_from_dict", "parse_events"]


EVENT_TYPES: Mapping[str, type[Event]] = {
    cls.type_name: cls for cls in (*RASA_EVENTS, *HANDOVER_EVENTS)
}


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("a number")
    return float(value)


def _integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("a whole number")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("a string")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false")
    return value


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError("a mapping")
    return dict(value)


def _mappings(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise TypeError("a list")
    return tuple(dict(v) if isinstance(v, Mapping) else v for v in value)


def _optional(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else read(value)


_READERS: dict[str, Callable[[Any], Any]] = {
    "str": _text,
    "str | None": _optional(_text),
    "float | None": _optional(_number),
    "int": _integer,
    "bool": _flag,
    "Any": lambda value: value,
    "Mapping[str, Any]": _mapping,
    "tuple[Mapping[str, Any], ...]": _mappings,
}
_LEGACY = {"form": "active_loop", "form_validation": "loop_interrupted"}


def event_from_dict(data: Any, *, now: float | None = None) -> Event:
    """Read one event dict; a missing or null timestamp becomes ``now`` (default: the clock).

    Raises:
        DataError: not a mapping, unknown ``event``, or a field of the wrong type.
    """
    if not isinstance(data, Mapping):
        raise DataError(f"an event must be a mapping, found {kind_of(data)}")
    name = data.get("event")
    if not isinstance(name, str):
        raise DataError(f"an event needs 'event' naming its type, found {kind_of(name)}")
    if name == "form_validation":  # Rasa 2's name; validate=True means not interrupted
        data = {**data, "is_interrupted": not data.get("validate", True)}
    cls = EVENT_TYPES.get(_LEGACY.get(name, name))
    if cls is None:
        raise DataError(f"unknown event {name!r} (known: {', '.join(EVENT_TYPES)})")
    values: dict[str, Any] = {}
    for f in fields(cls):
        raw = data.get(f.name)
        if f.name == "timestamp":
            raw = (time.time() if now is None else now) if raw is None else raw
            kind = "float | None"
        else:
            kind = str(f.type)
        if raw is None and (f.default is not MISSING or f.default_factory is not MISSING):
            continue
        if raw is None and f.name not in data:
            raise DataError(f"event {name!r}: {f.name!r} is missing")
        try:
            values[f.name] = _READERS[kind](raw)
        except TypeError as exc:
            raise DataError(
                f"event {name!r}: {f.name!r} must be {exc}, found {kind_of(raw)}"
            ) from None
    return cls(**values)


def parse_events(items: Any, *, now: float | None = None) -> tuple[list[Event], list[str]]:
    """Read a list of event dicts, keeping the good ones and describing each bad one.

    Returns:
        The events read, and one message per dropped item (``"events[2]: ..."``).
    """
    if not isinstance(items, list):
        return [], [f"events must be a list, found {kind_of(items)}"]
    events: list[Event] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        try:
            events.append(event_from_dict(item, now=now))
        except DataError as exc:
            problems.append(f"events[{index}]: {exc}")
    return events, problems
