"""RegexFeaturizer: one binary feature per nlu.yml regex and lookup table that matches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np

from bot.nlu.component import Component
from bot.nlu.message import Message, SparseFeatures
from bot.nlu.patterns import PatternSet
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["RegexFeaturizer"]


@registry.component(
    "RegexFeaturizer",
    defaults={"case_sensitive": False, "use_lookup_tables": True, "use_regexes": True},
)
class RegexFeaturizer(Component):
    featurizes = True

    def __init__(
        self, case_sensitive: bool, use_lookup_tables: bool, use_regexes: bool, **rasa: Any
    ) -> None:
        self.case_sensitive = case_sensitive
        self.use_lookup_tables = use_lookup_tables
        self.use_regexes = use_regexes

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        self.patterns_ = PatternSet(
            data,
            case_sensitive=self.case_sensitive,
            use_regexes=self.use_regexes,
            use_lookups=self.use_lookup_tables,
        )
        self.names_ = sorted(set(self.patterns_.names))
        return self

    def process(self, message: Message) -> None:
        if not self.names_:
            return
        hit = sorted({self.names_.index(m.name) for m in self.patterns_.matches(message)})
        block = SparseFeatures(
            np.array(hit, dtype=np.int32), np.ones(len(hit), dtype=np.float32), len(self.names_)
        )
        message.features.setdefault("sparse", []).append(block)
