"""FallbackClassifier: predicts ``nlu_fallback`` when the intent is unsure or ambiguous,
or, with ``known_words``, when the message holds no word the training data knows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from bot.errors import NotTrainedError
from bot.nlu.component import Component
from bot.nlu.known_words import KnownWords
from bot.nlu.message import IntentScore, Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["FALLBACK_INTENT", "FallbackClassifier"]

FALLBACK_INTENT = "nlu_fallback"


def _words(message: Message) -> list[str]:
    """The message's words as the pipeline normalised them (folded token forms)."""
    if message.tokens:
        return [token.norm.lower() for token in message.tokens]
    return (message.folded or message.normalized or message.text).lower().split()


@registry.component(
    "FallbackClassifier",
    defaults={
        "threshold": 0.3,
        "ambiguity_threshold": 0.1,
        "known_words": False,
        "min_known_share": 0.25,
        "min_vocabulary": 500,
    },
)
class FallbackClassifier(Component):
    """As Rasa's: below ``threshold``, or with the top two closer than
    ``ambiguity_threshold``, the intent becomes ``nlu_fallback`` with confidence
    ``threshold``; the original ranking stays below it for clarification buttons.

    With ``known_words`` the training words are kept (see :mod:`bot.nlu.known_words`),
    and a message with less than ``min_known_share`` of its letters in known words
    (typos and suffixes of training words count as known; numbers, amounts, emoji do
    not count at all) falls back too, whatever the classifier's confidence: a keyboard
    mash, another alphabet, another language. Below ``min_vocabulary`` distinct
    training words (an editor's first small set), a word the data lacks says little
    about the message, so only another alphabet falls back.
    """

    def __init__(
        self,
        threshold: float,
        ambiguity_threshold: float,
        known_words: bool = False,
        min_known_share: float = 0.25,
        min_vocabulary: int = 500,
        **rasa: Any,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if not 0.0 <= min_known_share <= 1.0:
            raise ValueError("min_known_share must be between 0 and 1")
        self.threshold = threshold
        self.ambiguity_threshold = ambiguity_threshold
        self.known_words = known_words
        self.min_known_share = min_known_share
        self.min_vocabulary = min_vocabulary

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        self.vocabulary_: KnownWords | None = None
        if self.known_words:
            words = (w for m in messages if m.gold_intent for w in _words(m))
            self.vocabulary_ = KnownWords().fit(words)
        return self

    def process(self, message: Message) -> None:
        ranking = message.intent_ranking
        if ranking and ranking[0].name == FALLBACK_INTENT:
            return
        top = ranking[0].confidence if ranking else 0.0
        second = ranking[1].confidence if len(ranking) > 1 else 0.0
        reason = self._unknown(message) if ranking else None
        if reason is None:
            if top >= self.threshold and top - second >= self.ambiguity_threshold:
                return
            reason = "low_confidence" if top < self.threshold else "ambiguous"
        fallback = IntentScore(FALLBACK_INTENT, self.threshold)
        message.metadata["fallback_reason"] = reason
        message.intent = fallback
        message.intent_ranking = [fallback, *ranking]

    def _unknown(self, message: Message) -> str | None:
        """``unknown_script`` or ``unknown_words`` when the gate says so, else None."""
        if not getattr(self, "known_words", False):  # models saved before the option
            return None
        if not hasattr(self, "vocabulary_"):
            raise NotTrainedError("FallbackClassifier with known_words is not trained")
        if self.vocabulary_ is None:
            return None
        verdict = self.vocabulary_.verdict(_words(message))
        message.metadata["known_share"] = round(verdict.known_share, 3)
        if verdict.letters == 0 or verdict.known_share >= self.min_known_share:
            return None
        if verdict.unknown_script:
            return "unknown_script"
        small = len(self.vocabulary_.words_) < getattr(self, "min_vocabulary", 0)
        return None if small else "unknown_words"
