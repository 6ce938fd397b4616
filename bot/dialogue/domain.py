"""The domain: what the bot knows (intents, entities, slots), says (responses) and does.

:func:`read_domain` reads one domain.yml, several files, or a directory of domain files
merged the way Rasa merges them. :meth:`Domain.as_dict` gives the JSON shape the custom
action server receives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.dialogue.domain_sections import (
    Button,
    Entity,
    Form,
    Intent,
    ResponseCondition,
    ResponseVariation,
    read_entities,
    read_forms,
    read_intents,
    read_responses,
)
from bot.dialogue.slot_definitions import MappingCondition, Slot, SlotMapping, read_slots
from bot.errors import DataError
from bot.validation_codes import render
from bot.yaml_fields import (
    expect_list,
    expect_mapping,
    expect_str,
)
from bot.yaml_io import (
    DataWarning,
    LineDict,
    PathsArg,
    find_yaml_files,
    read_yaml_mapping,
)

__all__ = [
    "DEFAULT_ACTIONS",
    "DEFAULT_INTENTS",
    "DEFAULT_SLOTS",
    "Button",
    "Domain",
    "Entity",
    "Form",
    "Intent",
    "MappingCondition",
    "ResponseCondition",
    "ResponseVariation",
    "SessionConfig",
    "Slot",
    "SlotMapping",
    "read_domain",
]

DEFAULT_INTENTS = ("restart", "back", "out_of_scope", "session_start", "nlu_fallback")
DEFAULT_ACTIONS = (
    "action_listen", "action_restart", "action_session_start", "action_default_fallback",
    "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
    "action_default_ask_rephrase", "action_two_stage_fallback", "action_unlikely_intent",
    "action_back", "action_send_text", "action_extract_slots",
)  # fmt: skip
DEFAULT_SLOTS = ("requested_slot", "session_started_metadata")
DOMAIN_KEYS = (
    "intents", "entities", "slots", "responses", "forms", "actions",
    "session_config", "config", "e2e_actions",
)  # fmt: skip
_SLOT_CLASSES = {
    "text": "TextSlot", "bool": "BooleanSlot", "categorical": "CategoricalSlot",
    "float": "FloatSlot", "list": "ListSlot", "any": "AnySlot",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Minutes of silence after which a new session starts (0: never), and slot carry-over."""

    session_expiration_time: float = 60
    carry_over_slots: bool = True


@dataclass(frozen=True, slots=True)
class Domain:
    intents: tuple[Intent, ...] = ()
    entities: tuple[Entity, ...] = ()
    slots: Mapping[str, Slot] = field(default_factory=dict)
    responses: Mapping[str, tuple[ResponseVariation, ...]] = field(default_factory=dict)
    forms: Mapping[str, Form] = field(default_factory=dict)
    actions: tuple[str, ...] = ()
    send_domain_actions: frozenset[str] = frozenset()
    session_config: SessionConfig = SessionConfig()
    store_entities_as_slots: bool = True
    e2e_actions: tuple[str, ...] = ()
    action_sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    warnings: tuple[DataWarning, ...] = field(default=(), compare=False)

    @property
    def intent_names(self) -> list[str]:
        return [intent.name for intent in self.intents]

    @property
    def entity_names(self) -> list[str]:
        return [entity.name for entity in self.entities]

    def knows_action(self, name: str) -> bool:
        """True for declared and built-in actions, forms, responses and retrieval actions."""
        return (
            name in self.actions
            or name in self.forms
            or name in self.responses
            or name in DEFAULT_ACTIONS
            or any(key.startswith(name + "/") for key in self.responses)
        )

    def as_dict(self) -> dict[str, Any]:
        """The domain as Rasa sends it to the action server (``domain`` in the request)."""
        return {
            "config": {"store_entities_as_slots": self.store_entities_as_slots},
            "session_config": {
                "session_expiration_time": self.session_config.session_expiration_time,
                "carry_over_slots_to_new_session": self.session_config.carry_over_slots,
            },
            "intents": [_intent_dict(intent) for intent in self.intents],
            "entities": [_entity_dict(entity) for entity in self.entities],
            "slots": {name: _slot_dict(slot) for name, slot in self.slots.items()},
            "responses": {
                name: [dict(v.raw) for v in variations]
                for name, variations in self.responses.items()
            },
            "actions": [
                {name: {"send_domain": True}} if name in self.send_domain_actions else name
                for name in self.actions
            ],
            "forms": {name: _form_dict(form) for name, form in self.forms.items()},
            "e2e_actions": list(self.e2e_actions),
        }


def _intent_dict(intent: Intent) -> dict[str, Any]:
    if intent.ignore_entities:
        return {intent.name: {"ignore_entities": list(intent.ignore_entities)}}
    use = intent.use_entities
    return {intent.name: {"use_entities": use if use is True else list(use or ())}}


def _entity_dict(entity: Entity) -> str | dict[str, Any]:
    props: dict[str, Any] = {
        k: list(v) for k, v in (("roles", entity.roles), ("groups", entity.groups)) if v
    }
    if not entity.influence_conversation:
        props["influence_conversation"] = False
    return {entity.name: props} if props else entity.name


def _slot_dict(slot: Slot) -> dict[str, Any]:
    kind = _SLOT_CLASSES.get(slot.type)
    out: dict[str, Any] = {
        "type": f"rasa.shared.core.slots.{kind}" if kind else slot.type,
        "initial_value": slot.initial_value,
        "influence_conversation": slot.influence_conversation,
        "mappings": [dict(m.raw) for m in slot.mappings],
    }
    if slot.type == "float":
        out.update(max_value=slot.max_value, min_value=slot.min_value)
    if slot.type == "categorical":
        out["values"] = list(slot.values)
    out.update(slot.options)
    return out


def _form_dict(form: Form) -> dict[str, Any]:
    out: dict[str, Any] = {"required_slots": list(form.required_slots)}
    if form.ignored_intents:
        out["ignored_intents"] = list(form.ignored_intents)
    return out


class _DomainBuilder:
    """Merges domain files: the first declaration of a name wins, repeats are warned about."""

    def __init__(self) -> None:
        self.intents: dict[str, Intent] = {}
        self.entities: dict[str, Entity] = {}
        self.slots: dict[str, Slot] = {}
        self.responses: dict[str, tuple[ResponseVariation, ...]] = {}
        self.forms: dict[str, Form] = {}
        self.actions: dict[str, str] = {}
        self.send_domain: set[str] = set()
        self.e2e_actions: list[str] = []
        self.session: SessionConfig | None = None
        self.store_entities_as_slots: bool | None = None
        self.warnings: list[DataWarning] = []
        self._first: dict[tuple[str, str], str] = {}

    def _keep(self, table: dict[str, Any], name: str, item: Any, source: str, what: str) -> None:
        first = self._first.setdefault((what, name), source)
        if name in table:
            message = render("D205", what=what, name=name, first=first)
            self.warnings.append(DataWarning(source, message, "D205"))
            return
        table[name] = item

    def add_file(self, path: Path, data: LineDict) -> None:
        name = str(path)

        def line(key: str) -> int:
            return data.line_of(key)

        if data.get("intents") is not None:
            for intent in read_intents(data["intents"], name, line("intents")):
                self._keep(self.intents, intent.name, intent, intent.source, "intent")
        if data.get("entities") is not None:
            for entity in read_entities(data["entities"], name, line("entities")):
                self._keep(self.entities, entity.name, entity, entity.source, "entity")
        if data.get("slots") is not None:
            for slot in read_slots(data["slots"], name, line("slots")):
                self._keep(self.slots, slot.name, slot, slot.source, "slot")
        if data.get("responses") is not None:
            responses = read_responses(data["responses"], name, line("responses"))
            for key, variations in responses.items():
                where = f"{name}:{data['responses'].line_of(key)}"
                self._keep(self.responses, key, variations, where, "response")
        if data.get("forms") is not None:
            for form in read_forms(data["forms"], name, line("forms")):
                self._keep(self.forms, form.name, form, form.source, "form")
        if data.get("actions") is not None:
            self._add_actions(data["actions"], name, line("actions"))
        where = f"{name}:{line('e2e_actions')}"
        for text in expect_list(data.get("e2e_actions") or [], where, "e2e_actions"):
            self.e2e_actions.append(str(text))
        self._add_settings(data, name)

    def _add_actions(self, value: Any, path: str, line: int) -> None:
        entries = expect_list(value, f"{path}:{line}", "'actions'")
        for index, entry in enumerate(entries):
            where = f"{path}:{entries.line_at(index)}"
            if isinstance(entry, dict) and len(entry) == 1:
                action, props = next(iter(entry.items()))
                props = expect_mapping(props or {}, where, f"the properties of {action!r}")
                if props.get("send_domain") is True:
                    self.send_domain.add(str(action))
            else:
                action = entry
            action = expect_str(action, where, "an action name")
            self._keep(self.actions, action, where, where, "action")

    def _add_settings(self, data: LineDict, path: str) -> None:
        if data.get("session_config") is not None and self.session is None:
            where = f"{path}:{data.line_of('session_config')}"
            props = expect_mapping(data["session_config"], where, "session_config")
            minutes = props.get("session_expiration_time", 60)
            carry = props.get("carry_over_slots_to_new_session", True)
            if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 0:
                raise DataError(f"{where}: session_expiration_time must be minutes (0 or more)")
            if not isinstance(carry, bool):
                raise DataError(f"{where}: carry_over_slots_to_new_session must be true or false")
            self.session = SessionConfig(minutes, carry)
        if data.get("config") is not None and self.store_entities_as_slots is None:
            where = f"{path}:{data.line_of('config')}"
            props = expect_mapping(data["config"], where, "config")
            store = props.get("store_entities_as_slots", True)
            if not isinstance(store, bool):
                raise DataError(f"{where}: store_entities_as_slots must be true or false")
            self.store_entities_as_slots = store

    def build(self) -> Domain:
        return Domain(
            intents=tuple(self.intents.values()),
            entities=tuple(self.entities.values()),
            slots=dict(self.slots),
            responses=dict(self.responses),
            forms=dict(self.forms),
            actions=tuple(self.actions),
            send_domain_actions=frozenset(self.send_domain),
            session_config=self.session or SessionConfig(),
            store_entities_as_slots=self.store_entities_as_slots is not False,
            e2e_actions=tuple(dict.fromkeys(self.e2e_actions)),
            action_sources=dict(self.actions),
            warnings=tuple(self.warnings),
        )


def read_domain(paths: PathsArg) -> Domain:
    """Read domain.yml, several domain files, or every domain file under a directory.

    In a directory, files without any domain key (``intents:``, ``slots:``, ...) are
    passed over; a file named explicitly is always read.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    builder = _DomainBuilder()
    for item in items:
        from_dir = Path(item).is_dir()
        for path in find_yaml_files(item, skip_tests=False):
            data = read_yaml_mapping(path)
            if from_dir and not any(key in data for key in DOMAIN_KEYS):
                continue
            builder.add_file(path, data)
    return builder.build()
