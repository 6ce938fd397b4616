"""KeywordIntentClassifier: Rasa's exact-keyword intent classifier.

Every training example is a keyword of its intent. A message containing a keyword as
whole words (``\\b`` on both sides) gets that intent with confidence 1.0. Keywords that
belong to two intents, or that occur inside an example of another intent, are dropped
at training time with a warning, as in Rasa. ``case_sensitive`` is Rasa's option and
default (``true``); with ``false`` "Hello" finds the keyword "hello".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Self

from bot.nlu.component import Component
from bot.nlu.message import IntentScore, Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData, retrieval_intent

__all__ = ["KeywordIntentClassifier"]

log = logging.getLogger(__name__)


@registry.component("KeywordIntentClassifier", defaults={"case_sensitive": True})
class KeywordIntentClassifier(Component):
    def __init__(self, case_sensitive: bool, **rasa_options: Any) -> None:
        self.case_sensitive = case_sensitive
        self.rasa_options = rasa_options

    def _pattern(self, keyword: str) -> re.Pattern[str]:
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(rf"\b{re.escape(keyword)}\b", flags)

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        keywords: dict[str, str] = {}
        clashing: set[str] = set()
        for example in data.intent_examples:
            intent = retrieval_intent(example.intent or "")
            if keywords.get(example.text, intent) != intent:
                clashing.add(example.text)
                log.warning(
                    "KeywordIntentClassifier: keyword %r is an example of intents %r and %r; "
                    "it is dropped",
                    example.text,
                    keywords[example.text],
                    intent,
                )
            keywords[example.text] = intent
        for keyword in clashing:
            del keywords[keyword]
        ambiguous = set()
        for keyword, intent in keywords.items():
            pattern = self._pattern(keyword)
            for other, other_intent in keywords.items():
                if other_intent != intent and pattern.search(other):
                    ambiguous.add(keyword)
                    log.warning(
                        "KeywordIntentClassifier: keyword %r of intent %r is inside %r, an "
                        "example of intent %r; it is dropped",
                        keyword,
                        intent,
                        other,
                        other_intent,
                    )
        kept = {k: v for k, v in keywords.items() if k not in ambiguous}
        self.patterns_ = [(self._pattern(k), v) for k, v in kept.items()]
        self.classes_ = sorted({retrieval_intent(e.intent or "") for e in data.intent_examples})
        return self

    def process(self, message: Message) -> None:
        for pattern, intent in self.patterns_:
            if pattern.search(message.text):
                found = IntentScore(intent, 1.0)
                others = [s for s in message.intent_ranking if s.name != intent]
                message.intent = found
                message.intent_ranking = [found, *others]
                return
