"""Which of a message's entities the dialogue state sees, as Rasa decides it.

An entity gives the feature ``entity:<name>``, and ``entity:<name>#<role>`` /
``entity:<name>#<group>`` when it has a role or a group, so roles and groups can steer
the policies. The intent decides which of them count (the domain's ``use_entities`` and
``ignore_entities``):

- no ``use_entities`` (or ``true``): every entity of the domain, with all its roles and
  groups, except entities declared with ``influence_conversation: false``;
- a list: those entities, with their roles and groups;
- ``[]`` or ``false``: none;
- ``ignore_entities`` takes entities (and their roles and groups) out again.

An intent the domain does not declare lets every entity through. This only shapes what the
policies see: slot mappings fill slots from every entity of the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.dialogue.domain import DEFAULT_INTENTS, Domain, Entity, Intent

__all__ = ["ENTITY_LABEL_SEPARATOR", "EntityFilter", "entity_labels"]

ENTITY_LABEL_SEPARATOR = "#"
_FILTERS_KEPT = 8
_FILTERS: dict[int, tuple[Domain, EntityFilter]] = {}  # id(domain) -> the domain, its filter


def entity_labels(entities: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Every label of the entities: ``name``, ``name#role`` and ``name#group``."""
    labels: set[str] = set()
    for entity in entities:
        if not isinstance(entity, Mapping) or entity.get("entity") is None:
            continue
        name = str(entity["entity"])
        labels.add(name)
        for key in ("role", "group"):
            if entity.get(key) is not None:
                labels.add(f"{name}{ENTITY_LABEL_SEPARATOR}{entity[key]}")
    return frozenset(labels)


class EntityFilter:
    """The entity labels each intent of a domain lets into the dialogue state."""

    @classmethod
    def of(cls, domain: Domain) -> EntityFilter:
        """The filter of ``domain``, built once: every turn replays the conversation's
        states with it, and building it walks every intent and entity."""
        kept = _FILTERS.get(id(domain))
        if kept is not None and kept[0] is domain:
            return kept[1]
        made = cls(domain)
        if len(_FILTERS) >= _FILTERS_KEPT:  # a few models' domains (reloads, tests)
            _FILTERS.pop(next(iter(_FILTERS)))
        _FILTERS[id(domain)] = (domain, made)
        return made

    def __init__(self, domain: Domain) -> None:
        entities = {entity.name: entity for entity in domain.entities}
        self._used = {intent.name: _used_labels(intent, entities) for intent in domain.intents}
        for name in DEFAULT_INTENTS:
            if name not in self._used:
                self._used[name] = _used_labels(Intent(name), entities)

    def __call__(self, intent: str | None, entities: Iterable[Mapping[str, Any]]) -> frozenset[str]:
        """The labels of ``entities`` that ``intent`` uses."""
        labels = entity_labels(entities)
        used = self._used.get(_base_intent(intent))
        return labels if used is None else labels & used


def _base_intent(intent: str | None) -> str:
    """A retrieval intent ``faq/ask_name`` is configured as ``faq``."""
    return "" if intent is None else intent.split("/", 1)[0]


def _used_labels(intent: Intent, entities: Mapping[str, Entity]) -> frozenset[str]:
    if intent.use_entities is True:
        included = {name for name, entity in entities.items() if entity.influence_conversation}
        for entity in entities.values():
            included |= _sub_labels(entity)
    else:
        included = set(intent.use_entities or ())
        for name in list(included):
            if name in entities:
                included |= _sub_labels(entities[name])
    excluded = set(intent.ignore_entities)
    for name in intent.ignore_entities:
        if name in entities:
            excluded |= _sub_labels(entities[name])
    return frozenset(included - excluded)


def _sub_labels(entity: Entity) -> set[str]:
    return {
        f"{entity.name}{ENTITY_LABEL_SEPARATOR}{label}" for label in (*entity.roles, *entity.groups)
    }
