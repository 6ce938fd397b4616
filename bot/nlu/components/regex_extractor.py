"""RegexEntityExtractor: entities from nlu.yml regexes and lookup tables, diacritic-blind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from bot.nlu.component import Component
from bot.nlu.message import Entity, Message
from bot.nlu.patterns import PatternSet
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["RegexEntityExtractor"]


@registry.component(
    "RegexEntityExtractor",
    defaults={
        "case_sensitive": False,
        "use_lookup_tables": True,
        "use_regexes": True,
        "use_word_boundaries": True,
        "allow_suffixes": True,
    },
)
class RegexEntityExtractor(Component):
    """Like Rasa's: a regex or lookup table named after an entity used in the training
    examples extracts that entity. Lookup elements match with a Turkish suffix attached
    ("paparayla" -> "papara") unless ``allow_suffixes`` is false."""

    def __init__(
        self,
        case_sensitive: bool,
        use_lookup_tables: bool,
        use_regexes: bool,
        use_word_boundaries: bool,
        allow_suffixes: bool,
        **rasa: Any,
    ) -> None:
        self.case_sensitive = case_sensitive
        self.use_lookup_tables = use_lookup_tables
        self.use_regexes = use_regexes
        self.use_word_boundaries = use_word_boundaries
        self.allow_suffixes = allow_suffixes

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        self.patterns_ = PatternSet(
            data,
            case_sensitive=self.case_sensitive,
            allow_suffixes=self.allow_suffixes,
            use_regexes=self.use_regexes,
            use_lookups=self.use_lookup_tables,
        )
        # Rasa extracts only pattern names that are also annotated entities; with no
        # annotations at all, every pattern name counts as an entity.
        annotated = {s.entity for e in data.examples for s in e.entities}
        names = set(self.patterns_.names)
        self.entities_ = sorted(names & annotated) if annotated else sorted(names)
        return self

    def process(self, message: Message) -> None:
        taken: list[tuple[int, int]] = []
        found: list[Entity] = []
        matches = [m for m in self.patterns_.matches(message) if m.name in self.entities_]
        # Longest match first, so "kredi kartı" wins over "kart".
        for m in sorted(matches, key=lambda m: (m.start - m.end, m.start)):
            if any(m.start < e and s < m.end for s, e in taken):
                continue
            taken.append((m.start, m.end))
            found.append(
                Entity(
                    start=m.start,
                    end=m.end,
                    entity=m.name,
                    value=m.value,
                    extractor=self.component_name,
                    text=m.text,
                )
            )
        message.entities.extend(sorted(found, key=lambda e: e.start))
