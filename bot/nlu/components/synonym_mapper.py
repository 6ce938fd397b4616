"""EntitySynonymMapper: replaces an extracted value by its canonical synonym."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Self

from bot.nlu.component import Component
from bot.nlu.message import Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData
from bot.nlu.turkish_text import normalize_for_match

__all__ = ["EntitySynonymMapper"]


@registry.component("EntitySynonymMapper")
class EntitySynonymMapper(Component):
    """Matches values diacritic- and case-blind: "Kredi Karti" finds "kredi kartı"."""

    def __init__(self, **rasa: Any) -> None:
        self.rasa = rasa

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        table = {normalize_for_match(k): v for k, v in data.synonyms.items()}
        for example in data.examples:
            for span in example.entities:
                surface = example.text[span.start : span.end]
                if span.value != surface:
                    table.setdefault(normalize_for_match(surface), span.value)
        self.synonyms_ = table
        return self

    def process(self, message: Message) -> None:
        for i, entity in enumerate(message.entities):
            if not isinstance(entity.value, str):
                continue
            canonical = self.synonyms_.get(normalize_for_match(entity.value))
            if canonical is not None and canonical != entity.value:
                message.entities[i] = dataclasses.replace(
                    entity,
                    value=canonical,
                    processors=(*entity.processors, self.component_name),
                )
