"""TurkishNormalizer: Turkish casing, squashed elongations, a diacritic-folded view."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Self

from bot.nlu.component import Component
from bot.nlu.message import Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData
from bot.nlu.turkish_text import fold_diacritics, squash_repeats, turkish_lower

__all__ = ["TextNormalizer", "TurkishNormalizer"]

# Control and format characters (zero-width joiners, BOMs) carry no meaning for intent;
# they become spaces so they never glue two words together. Combining marks are composed
# onto their letter ("s" + U+0327 -> "ş") or dropped, one output character per letter.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}
_NEEDS_CLEANING = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u20d0-\u20ff\ufe20-\ufe2f\ufeff"
    "\ufff0-\uffff\ud800-\udfff]"
)


def _clean(text: str) -> tuple[str, tuple[int, ...] | None]:
    """The cleaned text and, if it changed length, the source index of each character."""
    if not _NEEDS_CLEANING.search(text):
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        ch = text[i]
        if j - i > 1:
            composed = unicodedata.normalize("NFC", text[i:j])
            ch = composed if len(composed) == 1 else ch
        if unicodedata.category(ch) in _INVISIBLE and ch not in "\t\n":
            ch = " "
        out.append(ch)
        offsets.append(i)
        i = j
    return "".join(out), tuple(offsets)


@registry.component(
    "TurkishNormalizer",
    defaults={
        "language": "tr",
        "squash_min_run": 3,
        "deasciify": False,
        "max_chars": 2000,
    },
)
class TurkishNormalizer(Component):
    """Fills ``normalized`` (lowered, Turkish rules for tr/az, elongations squashed)
    and ``folded`` (diacritics folded).

    ``deasciify`` restores diacritics for words seen in the training data with them
    ("sifremi" -> "şifremi"), learned from the examples: no dictionary is downloaded.
    ``max_chars`` bounds the work done on a very long message; the rest is ignored.
    """

    featurizes = True

    def __init__(self, language: str, squash_min_run: int, deasciify: bool, max_chars: int) -> None:
        self.language = language
        self.squash_min_run = squash_min_run
        self.deasciify = deasciify
        self.max_chars = max_chars

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        vocabulary: dict[str, dict[str, int]] = {}
        if self.deasciify:
            for message in messages:
                lowered = self._lower(_clean(message.text)[0])
                for word in lowered.split():
                    folded = self._fold(word)
                    if folded != word:
                        counts = vocabulary.setdefault(folded, {})
                        counts[word] = counts.get(word, 0) + 1
        self.restore_ = {k: max(v, key=v.__getitem__) for k, v in vocabulary.items()}
        return self

    def process(self, message: Message) -> None:
        text, cleaned = _clean(message.text[: self.max_chars])
        squashed, offsets = squash_repeats(self._lower(text), self.squash_min_run)
        if cleaned is not None:
            offsets = tuple(cleaned[i] for i in offsets)
        if self.deasciify and getattr(self, "restore_", None):
            squashed = self._restore(squashed)
        message.normalized = squashed
        message.folded = self._fold(squashed)
        message.offsets = offsets

    def _lower(self, text: str) -> str:
        if self.language in ("tr", "az"):
            return turkish_lower(text)
        lowered = text.lower()
        return lowered if len(lowered) == len(text) else turkish_lower(text)

    def _fold(self, text: str) -> str:
        return fold_diacritics(text)

    def _restore(self, text: str) -> str:
        # Same-length replacement keeps offsets valid: folding maps one char to one char.
        words = text.split(" ")
        return " ".join(self.restore_.get(w, w) for w in words)


@lru_cache(maxsize=4096)
def _plain_latin(ch: str) -> str:
    """A Latin letter with accents as its plain letter ("é" -> "e"); anything else as is.

    Only letters whose base is ASCII are folded: in other scripts a combining mark can
    make another letter (Japanese "が" is not "か").
    """
    if ch.isascii():
        return ch
    base = unicodedata.normalize("NFD", ch)
    return base[0] if base[0].isascii() and base[0].isalpha() else ch


@registry.component(
    "TextNormalizer",
    defaults={"language": "en", "squash_min_run": 3, "deasciify": False, "max_chars": 2000},
)
class TextNormalizer(TurkishNormalizer):
    """The language-neutral normalizer: lower-cased, elongations squashed, and a folded
    view with the accents of Latin letters removed ("café" meets "cafe").

    Lower-casing follows the configured language (Turkish rules only for tr and az).
    """

    def _fold(self, text: str) -> str:
        return "".join(map(_plain_latin, text))
