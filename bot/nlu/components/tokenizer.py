"""SpacyTokenizer: spaCy's rule-based tokenizer for the pipeline's language, no model needed."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from bot.nlu.component import Component
from bot.nlu.message import Message, Token
from bot.nlu.registry import registry

__all__ = ["SpacyTokenizer"]


def _import_spacy() -> Any:
    """Import spaCy without letting thinc import torch, which costs 1.5 s and which
    the tokenizer never uses. Later imports of torch (an encoder backend) still work."""
    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


@registry.component(
    "SpacyTokenizer",
    defaults={"language": "tr"},
    aliases=("WhitespaceTokenizer", "JiebaTokenizer", "MitieTokenizer"),
)
class SpacyTokenizer(Component):
    """Tokenizes the normalised text with ``spacy.blank(language)`` (Turkish by default).

    Token offsets point into the original text; ``Token.norm`` is the folded form.
    Rasa's tokenizer names are accepted so their configs run; their options are ignored.
    """

    featurizes = True

    def __init__(self, language: str, **rasa_options: Any) -> None:
        self.language = language
        self.rasa_options = rasa_options

    def _nlp(self) -> Any:
        nlp = getattr(self, "_nlp_cache", None)
        if nlp is None:
            spacy = _import_spacy()
            try:
                nlp = spacy.blank(self.language)
            except (ImportError, KeyError):
                nlp = spacy.blank("xx")
            self._nlp_cache = nlp
        return nlp

    def warm_up(self) -> None:
        self._nlp()

    def process(self, message: Message) -> None:
        source = message.normalized or message.text
        folded = message.folded or source
        tokens = []
        for tok in self._nlp().make_doc(source):
            if tok.is_space:
                continue
            start, end = tok.idx, tok.idx + len(tok.text)
            o_start, o_end = message.original_span(start, end)
            tokens.append(Token(message.text[o_start:o_end], o_start, o_end, folded[start:end]))
        message.tokens = tokens

    def process_batch(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.process(message)
