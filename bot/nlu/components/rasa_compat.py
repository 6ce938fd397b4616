"""Rasa component names without a Destek equivalent of their own.

A Rasa project's config.yml must train unchanged. DIETClassifier becomes the linear
intent classifier plus the CRF entity extractor; components that only exist to feed
DIET, or need a model download, are accepted and do nothing, with a warning at
training time that names them and says what to use instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar, Self

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


@registry.component("PassThrough")
class PassThrough(Component):
    """Accepted for compatibility; adds nothing. Each Rasa name below is a subclass that
    says at training time why it does nothing and what to use instead."""

    reason: ClassVar[str] = ""

    def __init__(self, **rasa_options: Any) -> None:
        self.rasa_options = rasa_options

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        if self.reason:
            log.warning(
                "%s is accepted but does nothing in Destek: %s", self.component_name, self.reason
            )
        return self

    def process(self, message: Message) -> None:
        return None


@registry.component("LexicalSyntacticFeaturizer")
class LexicalSyntacticFeaturizer(PassThrough):
    reason = (
        "the character n-grams of CountVectorsFeaturizer and NGramFeaturizer already carry "
        "casing, prefixes and suffixes"
    )


@registry.component("SpacyNLP")
class SpacyNLP(PassThrough):
    reason = (
        "no spaCy language model is loaded (nothing is downloaded); SpacyTokenizer uses "
        "spaCy's blank tokenizer for the language"
    )


@registry.component("SpacyEntityExtractor")
class SpacyEntityExtractor(PassThrough):
    reason = (
        "it needs a spaCy language model, which Destek never loads; annotate the entities "
        "in nlu.yml for CRFEntityExtractor, or use RegexEntityExtractor"
    )


@registry.component("MitieNLP")
class MitieNLP(PassThrough):
    reason = "MITIE models are not supported"


@registry.component("MitieFeaturizer")
class MitieFeaturizer(PassThrough):
    reason = "MITIE models are not supported; SentenceEncoderFeaturizer gives dense features"


@registry.component("MitieEntityExtractor")
class MitieEntityExtractor(PassThrough):
    reason = (
        "MITIE models are not supported; annotate the entities in nlu.yml for CRFEntityExtractor"
    )


@registry.component("MitieIntentClassifier")
class MitieIntentClassifier(PassThrough):
    reason = "MITIE models are not supported; use DIETClassifier or LinearIntentClassifier"


@registry.component("HFTransformersNLP")
class HFTransformersNLP(PassThrough):
    reason = "Rasa deprecated it; LanguageModelFeaturizer runs the bundled sentence encoder"


@registry.component("LanguageModelTokenizer")
class LanguageModelTokenizer(PassThrough):
    reason = "Rasa deprecated it; the pipeline's tokenizer does the work"
