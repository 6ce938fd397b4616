"""The pieces of the language-neutral default: TextNormalizer and unseen n-grams."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlu.message import Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData


def _normalized(text: str, language: str = "en") -> Message:
    message = Message(text=text)
    registry.create("TextNormalizer", {"language": language}).process(message)
    return message


def test_text_normalizer_folds_latin_accents_and_keeps_other_scripts() -> None:
    message = _normalized("Café CRÈME, Straße, がっこう, İstanbul")
    assert message.normalized == "café crème, straße, がっこう, istanbul"
    assert message.folded == "cafe creme, straße, がっこう, istanbul"


def test_text_normalizer_squashes_elongations_and_maps_offsets_back() -> None:
    message = _normalized("Hellooooo there")
    assert message.folded == "hello there"
    start = message.folded.index("there")
    assert message.text[slice(*message.original_span(start, start + 5))] == "there"
    assert message.text[slice(*message.original_span(0, 5))] == "Hellooooo"


def test_text_normalizer_lowers_by_the_language() -> None:
    assert _normalized("IŞIK", language="tr").normalized == "ışık"
    assert _normalized("IŞIK", language="en").normalized == "işik"


def _features(unseen_weight: float, text: str) -> np.ndarray:
    featurizer = registry.create("NGramFeaturizer", {"unseen_weight": unseen_weight})
    trained = [Message(text=t) for t in ("reset my password", "track my order")]
    featurizer.train(trained, TrainingData())
    message = Message(text=text)
    featurizer.process(message)
    values: np.ndarray = message.features["sparse"][0].values
    return values


def test_unseen_ngrams_shorten_the_features_only_when_asked() -> None:
    assert np.linalg.norm(_features(0.0, "zqxv my order")) == pytest.approx(1.0)
    short = float(np.linalg.norm(_features(1.0, "zqxv my order")))
    assert 0.0 < short < 0.9
    assert np.linalg.norm(_features(1.0, "track my order")) == pytest.approx(1.0)
