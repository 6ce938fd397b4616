"""Typed training data: what nlu.yml holds once read (examples, synonyms, regexes, lookups)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntitySpan",
    "Example",
    "LookupTable",
    "RegexPattern",
    "TrainingData",
    "retrieval_intent",
]


def retrieval_intent(intent: str) -> str:
    """The intent a classifier sees: ``faq`` for the retrieval intent ``faq/ask_name``."""
    return intent.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """An annotated entity: character offsets into the example text and its value."""

    start: int
    end: int
    entity: str
    value: str
    role: str | None = None
    group: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "start": self.start,
            "end": self.end,
            "entity": self.entity,
            "value": self.value,
        }
        if self.role is not None:
            out["role"] = self.role
        if self.group is not None:
            out["group"] = self.group
        return out


@dataclass(frozen=True, slots=True)
class Example:
    """One training utterance with its intent and entity annotations.

    ``source`` is ``file:line`` of the example, used in error messages and reports.
    """

    text: str
    intent: str | None = None
    entities: tuple[EntitySpan, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class RegexPattern:
    """A named regular expression from nlu.yml (``- regex: name``)."""

    name: str
    pattern: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class LookupTable:
    """A named list of values from nlu.yml (``- lookup: name``)."""

    name: str
    elements: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Everything NLU trains on. ``synonyms`` maps a surface value to its canonical value.

    ``responses`` holds the domain's responses of retrieval intents (``utter_faq/ask_name``
    to its variations) when the domain is known, so ResponseSelector can return them.
    """

    examples: tuple[Example, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: tuple[RegexPattern, ...] = ()
    lookups: tuple[LookupTable, ...] = ()
    responses: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)

    @property
    def intent_examples(self) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.intent)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples if e.intent})

    @property
    def entity_names(self) -> list[str]:
        names = {s.entity for e in self.examples for s in e.entities}
        names |= {r.name for r in self.regexes} | {t.name for t in self.lookups}
        return sorted(names)

    def intent_counts(self) -> Counter[str]:
        return Counter(e.intent for e in self.examples if e.intent)

    def merge(self, others: Iterable[TrainingData]) -> TrainingData:
        examples = list(self.examples)
        synonyms = dict(self.synonyms)
        regexes = list(self.regexes)
        lookups = list(self.lookups)
        for other in others:
            examples.extend(other.examples)
            synonyms.update(other.synonyms)
            regexes.extend(other.regexes)
            lookups.extend(other.lookups)
        return TrainingData(
            tuple(examples), synonyms, tuple(regexes), tuple(lookups), self.responses
        )

    def subset(self, examples: Sequence[Example]) -> TrainingData:
        """The same synonyms, regexes and lookups with other examples (for cross-validation)."""
        return TrainingData(
            tuple(examples), self.synonyms, self.regexes, self.lookups, self.responses
        )
