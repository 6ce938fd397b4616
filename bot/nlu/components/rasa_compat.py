"""Rasa component names without a Destek equivalent of their own.

A Rasa project's config.yml must train unchanged. DIETClassifier becomes the linear
intent classifier plus the CRF entity extractor; components that only exist to feed
DIET, or need a model download or an external server, are accepted and do nothing,
with a log line saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Self

from bot.nlu.component import Component
from bot.nlu.message import Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["DIETClassifier", "PassThrough"]

log = logging.getLogger(__name__)


@registry.component(
    "DIETClassifier",
    defaults={"intent_classification": True, "entity_recognition": True},
    aliases=("TEDIntentClassifier",),
)
class DIETClassifier(Component):
    """Rasa's joint intent and entity model, served by the linear classifier and the CRF."""

    def __init__(
        self, intent_classification: bool, entity_recognition: bool, **rasa_options: Any
    ) -> None:
        self.intent_classification = intent_classification
        self.entity_recognition = entity_recognition
        self.rasa_options = rasa_options
        self.intents = registry.create(
            "LinearIntentClassifier",
            {"ranking_length": int(rasa_options.get("ranking_length", 0) or 0)},
        )
        self.entities = registry.create("CRFEntityExtractor", {})

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        if self.intent_classification:
            self.intents.train(messages, data)
        if self.entity_recognition:
            self.entities.train(messages, data)
        return self

    def process_batch(self, messages: Sequence[Message]) -> None:
        if self.intent_classification:
            self.intents.process_batch(messages)
        if self.entity_recognition:
            for message in messages:
                self.entities.process(message)

    def process(self, message: Message) -> None:
        self.process_batch([message])


@registry.component(
    "PassThrough",
    aliases=(
        "LexicalSyntacticFeaturizer",
        "SpacyNLP",
        "MitieNLP",
        "MitieFeaturizer",
        "HFTransformersNLP",
        "LanguageModelTokenizer",
        "ResponseSelector",
        "DucklingEntityExtractor",
        "SpacyEntityExtractor",
        "MitieEntityExtractor",
        "MitieIntentClassifier",
        "KeywordIntentClassifier",
    ),
)
class PassThrough(Component):
    """Accepted for compatibility; adds nothing. The log says which name it stood in for."""

    def __init__(self, **rasa_options: Any) -> None:
        self.rasa_options = rasa_options

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        log.info("component accepted for compatibility; it adds nothing in Destek")
        return self

    def process(self, message: Message) -> None:
        return None
