"""The built-in NLU components; importing this package registers all of them."""

from __future__ import annotations

from bot.nlu import amount_extractor, time_extractor
from bot.nlu.components import (
    crf_extractor,
    dense_featurizer,
    duckling_extractor,
    fallback_classifier,
    intent_classifier,
    keyword_classifier,
    ngram_featurizer,
    normalizer,
    rasa_compat,
    regex_extractor,
    regex_featurizer,
    response_selector,
    synonym_mapper,
    tokenizer,
)

__all__ = [
    "amount_extractor",
    "crf_extractor",
    "dense_featurizer",
    "duckling_extractor",
    "fallback_classifier",
    "intent_classifier",
    "keyword_classifier",
    "ngram_featurizer",
    "normalizer",
    "rasa_compat",
    "regex_extractor",
    "regex_featurizer",
    "response_selector",
    "synonym_mapper",
    "time_extractor",
    "tokenizer",
]
