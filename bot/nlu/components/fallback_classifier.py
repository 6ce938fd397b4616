"""FallbackClassifier: predicts ``nlu_fallback`` when the intent is unsure or ambiguous,
or, with ``known_words``, when the message holds no word the training data knows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Self

from bot.errors import NotTrainedError
from bot.nlu import language_id
from bot.nlu.component import Component
from bot.nlu.components.dense_featurizer import SUBWORD_PIECES
from bot.nlu.known_words import MIN_LETTERS, KnownWords, script_of, words_of
from bot.nlu.language_id import NO_LANGUAGE, language_code
from bot.nlu.message import IntentScore, Message, ensure_feature
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData
from bot.nlu.turkish_text import turkish_lower

__all__ = ["FALLBACK_INTENT", "FallbackClassifier"]

FALLBACK_INTENT = "nlu_fallback"


def _words(message: Message) -> list[str]:
    """The message's words as the pipeline normalised them (folded token forms)."""
    if message.tokens:
        return [token.norm.lower() for token in message.tokens]
    return (message.folded or message.normalized or message.text).lower().split()


# A word cut into subword tokens of fewer letters than this on average is one the
# encoder's tokenizer has not read in any language ("plmokn": 6 letters, 3 tokens).
# Players' words reach 2 or more; shorter words are let through (abbreviations).
MIN_LETTERS_PER_PIECE = 2.0
PIECES_FROM = 4
# How sure the language model must be that unknown words are in another language.
MIN_LANGUAGE_PROBABILITY = 0.3


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
    about the message (players write many words an editor did not), so such a message
    falls back only when it is not written in words at all (the sentence encoder's
    tokenizer cuts them into pieces of one or two letters: a keyboard mash, random
    letters) or is, by a language model, in another language than the project's.

    ``fallback_reason`` in the message's metadata says which: ``low_confidence``,
    ``ambiguous``, ``unknown_script``, ``unknown_words`` or ``unknown_language``; a
    message the gate stopped that the language model reads as another language than the
    project's also gets ``language`` (``en``), which the parse result carries.
    """

    def __init__(
        self,
        threshold: float,
        ambiguity_threshold: float,
        known_words: bool = False,
        min_known_share: float = 0.25,
        min_vocabulary: int = 500,
        language: str = "tr",
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
        self.language = language

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

    def warm_up(self) -> None:
        if getattr(self, "known_words", False):
            language_id.warm_up()  # loads the model: half a second the first message would pay

    def _small(self) -> bool:
        vocabulary = getattr(self, "vocabulary_", None)
        return vocabulary is not None and len(vocabulary.words_) < getattr(
            self, "min_vocabulary", 0
        )

    def _language(self) -> str:
        return getattr(self, "language", "tr")  # models saved before the option

    def _unknown(self, message: Message) -> str | None:
        """``unknown_script``, ``unknown_words`` or ``unknown_language`` when the gate
        says so, else None."""
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
        small = self._small()
        if small and not verdict.unknown_script and self._unreadable(message):
            return "unknown_words"
        other = self._other_language(message)
        if verdict.unknown_script:
            return "unknown_script"
        if other is not None:
            return "unknown_words" if other == NO_LANGUAGE else "unknown_language"
        return None if small else "unknown_words"

    def _other_language(self, message: Message) -> str | None:
        """The language other than the project's (or ``zxx``, none) that the language
        model is fairly sure ``message`` is written in; a language is noted in the
        message's ``language`` (the parse result carries it, so that a handover can go
        to an agent who reads it). None: the project's language, or not sure."""
        language = self._language()
        if not language_id.knows_language(language):
            return None
        guess = language_id.guess_language(message.text, language)
        if guess.language == language_code(language) or (
            guess.probability < MIN_LANGUAGE_PROBABILITY
        ):
            return None
        if guess.language != NO_LANGUAGE:
            message.metadata["language"] = guess.language
        return guess.language

    def _unreadable(self, message: Message) -> bool:
        """Are the message's letters mostly in words that are neither known nor words the
        encoder's tokenizer has pieces for? Only with a sentence encoder in the pipeline
        (it brings the tokenizer)."""
        if not message.has_feature(SUBWORD_PIECES) or not message.tokens:
            return False
        ensure_feature([message], SUBWORD_PIECES)
        pieces: Callable[[Sequence[str]], list[int]] = message.features[SUBWORD_PIECES]
        vocabulary = self.vocabulary_
        assert vocabulary is not None
        judged: list[tuple[int, list[str]]] = []  # letters of a token, words to cut
        for token in message.tokens:
            words = words_of([token.norm.lower()])
            letters = sum(
                len(w)
                for w in words
                if len(w) >= MIN_LETTERS and any(script_of(c) in vocabulary.scripts_ for c in w)
            )
            if not letters:
                continue
            known = all(vocabulary.known(w) for w in words)
            long = [w for w in words_of([self._lower(token.text)]) if len(w) >= PIECES_FROM]
            judged.append((letters, [] if known else long))
        total = sum(letters for letters, _ in judged)
        cut = [w for _, words in judged for w in words]
        counts = dict(zip(cut, pieces(cut), strict=True)) if cut else {}
        readable = sum(
            letters
            for letters, words in judged
            if all(len(w) / counts[w] >= MIN_LETTERS_PER_PIECE for w in words)
        )
        return total > 0 and readable / total < self.min_known_share

    def _lower(self, text: str) -> str:
        if language_code(self._language()) in ("tr", "az"):
            return turkish_lower(text)
        return text.lower()
