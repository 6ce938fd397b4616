"""FallbackClassifier: predicts ``nlu_fallback`` when the intent is unsure or ambiguous."""

from __future__ import annotations

from typing import Any

from bot.nlu.component import Component
from bot.nlu.message import IntentScore, Message
from bot.nlu.registry import registry

__all__ = ["FALLBACK_INTENT", "FallbackClassifier"]

FALLBACK_INTENT = "nlu_fallback"


@registry.component("FallbackClassifier", defaults={"threshold": 0.3, "ambiguity_threshold": 0.1})
class FallbackClassifier(Component):
    """As Rasa's: below ``threshold``, or with the top two closer than
    ``ambiguity_threshold``, the intent becomes ``nlu_fallback`` with confidence
    ``threshold``; the original ranking stays below it for clarification buttons."""

    def __init__(self, threshold: float, ambiguity_threshold: float, **rasa: Any) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        self.threshold = threshold
        self.ambiguity_threshold = ambiguity_threshold

    def process(self, message: Message) -> None:
        ranking = message.intent_ranking
        if ranking and ranking[0].name == FALLBACK_INTENT:
            return
        top = ranking[0].confidence if ranking else 0.0
        second = ranking[1].confidence if len(ranking) > 1 else 0.0
        if top >= self.threshold and top - second >= self.ambiguity_threshold:
            return
        fallback = IntentScore(FALLBACK_INTENT, self.threshold)
        message.metadata["fallback_reason"] = (
            "low_confidence" if top < self.threshold else "ambiguous"
        )
        message.intent = fallback
        message.intent_ranking = [fallback, *ranking]
