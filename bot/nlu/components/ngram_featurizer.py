"""NGramFeaturizer: TF-IDF over word and character n-grams of the folded text."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Self

import numpy as np

from bot.nlu.component import Component
from bot.nlu.message import Message, SparseFeatures
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["NGramFeaturizer"]

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def _words(message: Message) -> list[str]:
    text = message.folded or message.text.lower()
    return [_DIGITS.sub("0", w) for w in _WORD.findall(text)]


def _ngrams(
    words: list[str], word_range: tuple[int, int] | None, char_range: tuple[int, int] | None
) -> Iterable[str]:
    if word_range:
        lo, hi = word_range
        for n in range(lo, hi + 1):
            for i in range(len(words) - n + 1):
                yield "w:" + " ".join(words[i : i + n])
    if char_range:
        lo, hi = char_range
        for word in words:
            padded = f" {word} "
            size = len(padded)
            for n in range(lo, min(hi, size) + 1):
                for i in range(size - n + 1):
                    yield padded[i : i + n]


def _as_range(value: Any, option: str) -> tuple[int, int] | None:
    if value is None or value is False:
        return None
    lo, hi = (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))
    if not 1 <= lo <= hi:
        raise ValueError(f"{option} must be [min, max] with 1 <= min <= max, got {value!r}")
    return lo, hi


@registry.component(
    "NGramFeaturizer",
    defaults={
        "word_ngrams": [1, 2],
        "char_ngrams": [2, 5],
        "min_df": 1,
        "max_features": None,
        "sublinear_tf": True,
        "unseen_weight": 0.0,
    },
)
class NGramFeaturizer(Component):
    """Word n-grams (numbers become ``0``) and in-word character n-grams, TF-IDF, L2.

    Character n-grams of the diacritic-folded text make "yatıramıyorum", "yatiramiyorum"
    and "yatıramıyom" share most of their features. Extraction is a dictionary lookup per
    n-gram, so one message costs tens of microseconds.

    ``unseen_weight`` (0: off) lets n-grams never seen in training count in the L2 norm,
    as seen n-grams of the highest IDF times the weight: a message made mostly of them
    has short features and scores near the classifier's bias, unsure.
    """

    featurizes = True
    unseen_weight = 0.0  # models trained before the option read as without it

    def __init__(
        self,
        word_ngrams: Any,
        char_ngrams: Any,
        min_df: int,
        max_features: int | None,
        sublinear_tf: bool,
        unseen_weight: float = 0.0,
    ) -> None:
        if unseen_weight < 0:
            raise ValueError("unseen_weight must not be negative")
        self.word_ngrams = _as_range(word_ngrams, "word_ngrams")
        self.char_ngrams = _as_range(char_ngrams, "char_ngrams")
        if not self.word_ngrams and not self.char_ngrams:
            raise ValueError("at least one of word_ngrams and char_ngrams must be set")
        self.min_df = int(min_df)
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.unseen_weight = unseen_weight

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        df: Counter[str] = Counter()
        for message in messages:
            df.update(set(_ngrams(_words(message), self.word_ngrams, self.char_ngrams)))
        kept = [g for g, c in df.items() if c >= self.min_df]
        if self.max_features:
            kept = sorted(kept, key=lambda g: (-df[g], g))[: int(self.max_features)]
        kept.sort()
        n = max(len(messages), 1)
        self.vocabulary_ = {g: i for i, g in enumerate(kept)}
        self.idf_ = np.array(
            [math.log((1 + n) / (1 + df[g])) + 1.0 for g in kept], dtype=np.float32
        )
        return self

    def process(self, message: Message) -> None:
        counts: Counter[int] = Counter()
        unseen = 0
        vocabulary = self.vocabulary_
        for gram in _ngrams(_words(message), self.word_ngrams, self.char_ngrams):
            index = vocabulary.get(gram)
            if index is not None:
                counts[index] += 1
            else:
                unseen += 1
        indices = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        if self.sublinear_tf:
            tf = (1.0 + np.log(tf)).astype(np.float32)
        values = tf * self.idf_[indices]
        norm_sq = float(np.dot(values, values))
        if unseen and self.unseen_weight:
            # Unseen n-grams count in the norm as the rarest seen ones would, so a message
            # made mostly of them (gibberish, another topic) has short features: it scores
            # near the classifier's bias, unsure, instead of borrowing the confidence of
            # its few familiar letter pairs.
            top_idf = float(self.idf_.max()) if len(self.idf_) else 1.0
            norm_sq += unseen * (self.unseen_weight * top_idf) ** 2
        norm = float(np.sqrt(norm_sq))
        if norm > 0:
            values /= norm
        block = SparseFeatures(indices, values, len(vocabulary))
        message.features.setdefault("sparse", []).append(block)


@registry.component(
    "CountVectorsFeaturizer",
    defaults={"analyzer": "word", "min_ngram": 1, "max_ngram": 1, "min_df": 1},
)
class CountVectorsFeaturizer(NGramFeaturizer):
    """Rasa's CountVectorsFeaturizer options mapped onto :class:`NGramFeaturizer`."""

    def __init__(
        self, analyzer: str, min_ngram: int, max_ngram: int, min_df: int, **rasa_options: Any
    ) -> None:
        if analyzer not in ("word", "char", "char_wb"):
            raise ValueError(f"analyzer must be word, char or char_wb, got {analyzer!r}")
        span = [int(min_ngram), int(max_ngram)]
        super().__init__(
            word_ngrams=span if analyzer == "word" else None,
            char_ngrams=span if analyzer != "word" else None,
            min_df=min_df,
            max_features=rasa_options.get("max_features"),
            sublinear_tf=True,
        )
        self.analyzer = analyzer
        self.rasa_options = rasa_options
