"""ResponseSelector: picks the answer of a retrieval intent (``faq/ask_name``), as Rasa's.

Examples written under ``intent: faq/ask_name`` teach the intent classifier the intent
``faq``, and this component the full key ``faq/ask_name``. A parse then carries Rasa 3's
``response_selector``: ``all_retrieval_intents`` and, under the selector's key
(``retrieval_intent`` when configured, else ``default``), the chosen key with its
confidence, ``utter_action`` (``utter_faq/ask_name``), the domain's responses for it
and a ranking. Without ``retrieval_intent``, the message's retrieval intent also gets
its own entry (``faq``: the best of the ``faq/...`` keys), so ``utter_faq`` finds its
answer by its own name.

The choice is made by the same calibrated two-stage linear classifier as intents, on
the features the pipeline already computed. It runs only for messages whose intent is
a retrieval intent (or when no classifier set one): other messages pay nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Self

from bot.nlu.component import Component
from bot.nlu.components.fallback_classifier import FALLBACK_INTENT
from bot.nlu.message import DEFAULT_SELECTOR_KEY, Message, ResponseSelection
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData, retrieval_intent

__all__ = ["ResponseSelector"]


def _as_key_message(message: Message) -> Message:
    """A view of ``message`` for the inner classifier: same features, its own results."""
    return dataclasses.replace(
        message,
        intent=None,
        intent_ranking=[],
        metadata={},
        gold_intent=message.gold_response_key,
    )


def _classified_intent(message: Message) -> str | None:
    for score in message.intent_ranking:
        if score.name != FALLBACK_INTENT:
            return score.name
    return None


@registry.component("ResponseSelector", defaults={"retrieval_intent": None, "ranking_length": 10})
class ResponseSelector(Component):
    def __init__(
        self, retrieval_intent: str | None, ranking_length: int, **rasa_options: Any
    ) -> None:
        self.retrieval_intent = retrieval_intent
        self.ranking_length = int(ranking_length)
        self.rasa_options = rasa_options

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        keyed = [m for m in messages if m.gold_response_key]
        self.all_retrieval_intents_ = sorted(
            {retrieval_intent(m.gold_response_key or "") for m in keyed}
        )
        if self.retrieval_intent:
            keyed = [m for m in keyed if m.gold_intent == self.retrieval_intent]
        self.keys_ = sorted({m.gold_response_key or "" for m in keyed})
        self.responses_ = {
            key: tuple(data.responses[f"utter_{key}"])
            for key in self.keys_
            if f"utter_{key}" in data.responses
        }
        self.classifier_: Component | None = None
        if len(self.keys_) > 1:
            self.classifier_ = registry.create("LinearIntentClassifier", {})
            self.classifier_.train([_as_key_message(m) for m in keyed], data)
        return self

    def process(self, message: Message) -> None:
        self.process_batch([message])

    def process_batch(self, messages: Sequence[Message]) -> None:
        if not self.all_retrieval_intents_:
            return
        asked = [m for m in messages if self._wanted(m)]
        views = [_as_key_message(m) for m in asked]
        if self.classifier_ is not None and views:
            self.classifier_.process_batch(views)
        for message in messages:
            message.retrieval_intents = tuple(self.all_retrieval_intents_)
        for message, view in zip(asked, views, strict=True):
            ranking = [(s.name, s.confidence) for s in view.intent_ranking]
            if self.classifier_ is None:
                ranking = [(key, 1.0) for key in self.keys_]
            self._select(message, ranking)

    def _wanted(self, message: Message) -> bool:
        intent = _classified_intent(message)
        if intent is None:
            return True
        if self.retrieval_intent:
            return intent == self.retrieval_intent
        return intent in self.all_retrieval_intents_

    def _select(self, message: Message, ranking: list[tuple[str, float]]) -> None:
        if not ranking:
            return
        key = self.retrieval_intent or DEFAULT_SELECTOR_KEY
        message.response_selections[key] = self._selection(ranking)
        if self.retrieval_intent:
            return
        classified = _classified_intent(message)
        for base in self.all_retrieval_intents_:
            if classified is not None and base != classified:
                continue
            own = [(k, c) for k, c in ranking if retrieval_intent(k) == base]
            total = sum(c for _, c in own)
            if own and total > 0:
                message.response_selections[base] = self._selection(
                    [(k, c / total) for k, c in own]
                )

    def _selection(self, ranking: list[tuple[str, float]]) -> ResponseSelection:
        top, confidence = ranking[0]
        shown = ranking[: self.ranking_length] if self.ranking_length else ranking
        return ResponseSelection(top, confidence, self.responses_.get(top), tuple(shown))
