"""The typed parts of a domain (intents, entities, slots, responses, forms) and their readers.

Each ``read_*`` function turns one section of a domain.yml, as read by
:func:`bot.yaml_io.read_yaml`, into frozen dataclasses and raises ``DataError`` naming the
file and line of anything malformed. :mod:`bot.dialogue.domain` puts them together.
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
    "Button",
    "Entity",
    "Form",
    "Intent",
    "ResponseCondition",
    "ResponseVariation",
    "read_entities",
    "read_forms",
    "read_intents",
    "read_responses",
]


_CONTENT_KEYS = ("text", "image", "custom", "buttons", "attachment", "quick_replies", "elements")


@dataclass(frozen=True, slots=True)
class Intent:
    """``use_entities`` is True (all), False (none) or the names it uses.

    ``ignore_entities`` are taken out of what ``use_entities`` lets in (Rasa allows both).
    """

    name: str
    use_entities: bool | tuple[str, ...] = True
    ignore_entities: tuple[str, ...] = ()
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Entity:
    """``influence_conversation: false`` keeps the entity out of the dialogue state of
    intents that use all entities (it still fills slots)."""

    name: str
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    source: str = field(default="", compare=False)
    influence_conversation: bool = True


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseCondition:
    """``- type: slot, name: logged_in, value: true``: the variation needs that slot value."""

    type: str
    name: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class ResponseVariation:
    """One variation of a response; ``raw`` is the variation as written, for the wire."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: Mapping[str, Any] | None = None
    condition: tuple[ResponseCondition, ...] = ()
    channel: str | None = None
    attachment: Any = None
    quick_replies: Any = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Form:
    name: str
    required_slots: tuple[str, ...] = ()
    ignored_intents: tuple[str, ...] = ()
    source: str = field(default="", compare=False)


def _single_key(entry: Any, where: str, what: str) -> tuple[str, LineDict]:
    """``- name`` or ``- name: {props}`` to (name, props)."""
    if isinstance(entry, str):
        return expect_str(entry, where, what), LineDict()
    if isinstance(entry, dict) and len(entry) == 1:
        name, props = next(iter(entry.items()))
        return expect_str(name, where, what), expect_mapping(
            props if props is not None else LineDict(), where, f"the properties of {name!r}"
        )
    found = kind_of(entry)
    raise DataError(f"{where}: {what} must be a name or 'name: {{properties}}', found {found}")


def read_intents(value: Any, path: str, line: int) -> list[Intent]:
    out = []
    entries = expect_list(value, f"{path}:{line}", "'intents'")
    for index, entry in enumerate(entries):
        where = f"{path}:{entries.line_at(index)}"
        name, props = _single_key(entry, where, "an intent")
        use: bool | tuple[str, ...] = True
        if "use_entities" in props:
            raw = props["use_entities"]
            use = raw if isinstance(raw, bool) else expect_names(raw, where, "use_entities")
        ignore = expect_names(props.get("ignore_entities"), where, "ignore_entities")
        out.append(Intent(name, use, ignore, where))
    return out


def read_entities(value: Any, path: str, line: int) -> list[Entity]:
    out = []
    entries = expect_list(value, f"{path}:{line}", "'entities'")
    for index, entry in enumerate(entries):
        where = f"{path}:{entries.line_at(index)}"
        name, props = _single_key(entry, where, "an entity")
        roles = expect_names(props.get("roles"), where, "a role")
        groups = expect_names(props.get("groups"), where, "a group")
        influence = props.get("influence_conversation", True)
        if not isinstance(influence, bool):
            message = f"influence_conversation of entity {name!r} must be true or false"
            raise DataError(f"{where}: {message}")
        out.append(Entity(name, roles, groups, where, influence))
    return out


def _variation(raw: Any, where: str, name: str) -> ResponseVariation:
    props = expect_mapping(raw, where, f"a variation of response {name!r}")
    if not any(props.get(key) is not None for key in _CONTENT_KEYS):
        raise DataError(
            f"{where}: a variation of response {name!r} has no content; "
            f"give it one of {', '.join(_CONTENT_KEYS)}"
        )
    text = props.get("text")
    buttons = []
    for button in expect_list(props.get("buttons") or LineList(), where, "buttons"):
        button = expect_mapping(button, where, "a button")
        if button.get("title") is None:
            raise DataError(f"{where}: a button of response {name!r} has no title")
        payload = button.get("payload")
        buttons.append(Button(str(button["title"]), None if payload is None else str(payload)))
    conditions = []
    for cond in expect_list(props.get("condition") or LineList(), where, "condition"):
        cond = expect_mapping(cond, where, "a response condition")
        slot = expect_str(cond.get("name"), where, "the name: of a response condition")
        conditions.append(ResponseCondition(str(cond.get("type", "slot")), slot, cond.get("value")))
    return ResponseVariation(
        text=None if text is None else str(text),
        buttons=tuple(buttons),
        image=props.get("image"),
        custom=plain(props.get("custom")),
        condition=tuple(conditions),
        channel=props.get("channel"),
        attachment=plain(props.get("attachment")),
        quick_replies=plain(props.get("quick_replies")),
        raw=plain(props),
        source=where,
    )


def read_responses(value: Any, path: str, line: int) -> dict[str, tuple[ResponseVariation, ...]]:
    out = {}
    responses = expect_mapping(value, f"{path}:{line}", "'responses'")
    for name, raw in responses.items():
        where = f"{path}:{responses.line_of(name)}"
        name = expect_str(name, where, "a response name")
        variations = expect_list(raw, where, f"response {name!r}")
        out[name] = tuple(
            _variation(v, f"{path}:{variations.line_at(i)}", name) for i, v in enumerate(variations)
        )
    return out


def read_forms(value: Any, path: str, line: int) -> list[Form]:
    out = []
    forms = expect_mapping(value, f"{path}:{line}", "'forms'")
    for name, raw in forms.items():
        where = f"{path}:{forms.line_of(name)}"
        name = expect_str(name, where, "a form name")
        props = expect_mapping(raw if raw is not None else LineDict(), where, f"form {name!r}")
        required = props.get("required_slots")
        if isinstance(required, dict):
            raise DataError(
                f"{where}: required_slots of form {name!r} must be a list of slot names; "
                "slot mappings belong under slots: (Rasa 3 format)"
            )
        slots = expect_names(required, where, "a required slot")
        ignored = expect_names(props.get("ignored_intents"), where, "an ignored intent")
        out.append(Form(name, slots, ignored, where))
    return out
