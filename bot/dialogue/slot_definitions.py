"""Slot definitions of the domain: the slot types and the mappings that fill them.

:func:`read_slots` reads the ``slots:`` section of a domain file into :class:`Slot`s and
raises ``DataError`` naming file and line for an unknown type, a malformed mapping or an
impossible range. Filling slots is the dialogue engine's job, not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import DataError
from bot.yaml_fields import (
    expect_list,
    expect_mapping,
    expect_names,
    expect_str,
    kind_of,
    plain,
)
from bot.yaml_io import (
    LineDict,
    LineList,
)

__all__ = [
    "BUILTIN_SLOT_TYPES",
    "MAPPING_TYPES",
    "MappingCondition",
    "Slot",
    "SlotMapping",
    "read_slots",
]

BUILTIN_SLOT_TYPES = ("any", "bool", "categorical", "float", "list", "text")
MAPPING_TYPES = ("from_entity", "from_text", "from_intent", "from_trigger_intent", "custom")
_SLOT_KEYS = {
    "type", "values", "min_value", "max_value", "initial_value",
    "influence_conversation", "mappings",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MappingCondition:
    """A slot mapping applies only while this form is active (and asks for this slot)."""

    active_loop: str | None
    requested_slot: str | None = None


@dataclass(frozen=True, slots=True)
class SlotMapping:
    type: str
    entity: str | None = None
    intent: tuple[str, ...] = ()
    not_intent: tuple[str, ...] = ()
    value: Any = None
    role: str | None = None
    group: str | None = None
    action: str | None = None
    conditions: tuple[MappingCondition, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot; ``type`` is a built-in name or a custom slot class path."""

    name: str
    type: str
    values: tuple[Any, ...] = ()
    min_value: float = 0.0
    max_value: float = 1.0
    initial_value: Any = None
    influence_conversation: bool = True
    mappings: tuple[SlotMapping, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    source: str = field(default="", compare=False)


def _number(props: LineDict, key: str, default: float, where: str) -> float:
    value = props.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"{where}: {key} must be a number, found {kind_of(value)}")
    return float(value)


def _read_mapping(raw: Any, where: str, slot: str) -> SlotMapping:
    props = expect_mapping(raw, where, f"a mapping of slot {slot!r}")
    kind = props.get("type")
    if kind not in MAPPING_TYPES:
        raise DataError(
            f"{where}: slot {slot!r} has a mapping of unknown type {kind!r} "
            f"(known: {', '.join(MAPPING_TYPES)})"
        )
    if kind == "from_entity" and not isinstance(props.get("entity"), str):
        raise DataError(f"{where}: the from_entity mapping of slot {slot!r} needs entity:")
    if kind in ("from_intent", "from_trigger_intent") and "value" not in props:
        raise DataError(f"{where}: the {kind} mapping of slot {slot!r} needs value:")
    conditions = []
    raw_conditions = props.get("conditions") or LineList()
    for cond in expect_list(raw_conditions, where, "conditions"):
        cond = expect_mapping(cond, where, "a mapping condition")
        conditions.append(MappingCondition(cond.get("active_loop"), cond.get("requested_slot")))
    return SlotMapping(
        type=kind,
        entity=props.get("entity"),
        intent=expect_names(props.get("intent"), where, "intent"),
        not_intent=expect_names(props.get("not_intent"), where, "not_intent"),
        value=plain(props.get("value")),
        role=props.get("role"),
        group=None if props.get("group") is None else str(props["group"]),
        action=props.get("action"),
        conditions=tuple(conditions),
        raw=plain(props),
        source=where,
    )


def _slot_type(props: LineDict, where: str, name: str) -> str:
    kind = props.get("type")
    if kind is None:
        raise DataError(
            f"{where}: slot {name!r} needs a type: "
            f"({', '.join(BUILTIN_SLOT_TYPES)}, or a custom slot class path)"
        )
    if kind == "unfeaturized":
        raise DataError(
            f"{where}: slot {name!r} has type 'unfeaturized', which Rasa 3 removed; "
            "use 'type: any' with 'influence_conversation: false'"
        )
    if isinstance(kind, str) and (kind in BUILTIN_SLOT_TYPES or "." in kind):
        return kind
    raise DataError(
        f"{where}: slot {name!r} has unknown type {kind!r} "
        f"(known: {', '.join(BUILTIN_SLOT_TYPES)}, or a custom slot class path)"
    )


def read_slots(value: Any, path: str, line: int) -> list[Slot]:
    out = []
    slots = expect_mapping(value, f"{path}:{line}", "'slots'")
    for name, raw in slots.items():
        where = f"{path}:{slots.line_of(name)}"
        name = expect_str(name, where, "a slot name")
        props = expect_mapping(raw, where, f"slot {name!r}")
        type_line = props.line_of("type") if "type" in props else slots.line_of(name)
        kind = _slot_type(props, f"{path}:{type_line}", name)
        influence = props.get("influence_conversation", kind != "any")
        if not isinstance(influence, bool):
            message = f"influence_conversation of slot {name!r} must be true or false"
            raise DataError(f"{where}: {message}")
        if kind == "any" and influence:
            raise DataError(f"{where}: slot {name!r} of type any cannot influence the conversation")
        low, high = _number(props, "min_value", 0.0, where), _number(props, "max_value", 1.0, where)
        if low > high:
            raise DataError(f"{where}: slot {name!r} has min_value {low} above max_value {high}")
        values = props.get("values") or []
        entries = expect_list(props.get("mappings") or LineList(), where, "mappings")
        mappings = [
            _read_mapping(m, f"{path}:{entries.line_at(i)}", name) for i, m in enumerate(entries)
        ]
        out.append(
            Slot(
                name, kind,
                values=tuple(plain(expect_list(values, where, "values"))),
                min_value=low, max_value=high,
                initial_value=plain(props.get("initial_value")),
                influence_conversation=influence,
                mappings=tuple(mappings),
                options={k: plain(v) for k, v in props.items() if k not in _SLOT_KEYS},
                source=where,
            )
        )  # fmt: skip
    return out
