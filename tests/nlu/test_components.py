"""Each component on its own: normaliser, tokenizer, featurizers, extractors, fallback."""

from __future__ import annotations

import numpy as np
import pytest

from bot.errors import ConfigError, NotTrainedError
from bot.nlu.message import IntentScore, Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData


def _normalized(text: str, **options: object) -> Message:
    message = Message(text=text)
    registry.create("TurkishNormalizer", options).process(message)
    return message


def test_normalizer_lowers_turkish_folds_and_maps_offsets_back() -> None:
    message = _normalized("ŞİFREMİİİİ Unuttum")
    assert message.normalized == "şifremi unuttum"
    assert message.folded == "sifremi unuttum"
    start = message.folded.index("unuttum")
    assert message.original_span(start, start + 7) == (11, 18)
    assert message.text[slice(*message.original_span(0, 7))] == "ŞİFREMİİİİ"


def test_normalizer_turns_invisible_characters_into_spaces() -> None:
    message = _normalized("şifre\u200bmi\x00unuttum")
    assert message.normalized == "şifre mi unuttum"


def test_normalizer_bounds_work_on_huge_text() -> None:
    message = _normalized("a" * 100_000, max_chars=2000)
    assert len(message.normalized) <= 2000


def test_normalizer_uses_plain_casing_for_english() -> None:
    assert _normalized("I LIKE IT", language="en").normalized == "i like it"
    assert _normalized("I LIKE IT", language="tr").normalized == "ı lıke ıt"


def test_deasciify_restores_diacritics_seen_in_training(training_data: TrainingData) -> None:
    normalizer = registry.create("TurkishNormalizer", {"deasciify": True})
    normalizer.train([Message(text=e.text) for e in training_data.examples], training_data)
    message = Message(text="sifremi unuttum")
    normalizer.process(message)
    assert message.normalized == "şifremi unuttum"


def test_tokenizer_offsets_point_into_original_text() -> None:
    message = _normalized("Paparayla 1.500 TL'yi YATIRDIMMM")
    registry.create("SpacyTokenizer", {}).process(message)
    assert [t.norm for t in message.tokens][:3] == ["paparayla", "1.500", "tl'yi"]
    for token in message.tokens:
        assert message.text[token.start : token.end] == token.text
    assert message.tokens[-1].text == "YATIRDIMMM"


def test_ngram_features_make_diacritic_variants_close(training_data: TrainingData) -> None:
    featurizer = registry.create("NGramFeaturizer", {})
    messages = [_normalized(e.text) for e in training_data.examples]
    featurizer.train(messages, training_data)

    def vector(text: str) -> np.ndarray:
        message = _normalized(text)
        featurizer.process(message)
        block = message.features["sparse"][0]
        dense = np.zeros(block.dim, dtype=np.float32)
        dense[block.indices] = block.values
        return dense

    a, b, c = vector("şifremi unuttum"), vector("SIFREMI UNUTTUM"), vector("para yatırdım")
    assert float(a @ b) > 0.99
    assert float(a @ c) < 0.3


def test_registry_refuses_unknown_component_and_option() -> None:
    known = r"unknown component 'NGramFeaturiser'.*NGramFeaturizer"
    with pytest.raises(ConfigError, match=known):
        registry.create("NGramFeaturiser", {})
    with pytest.raises(ConfigError, match="has no option 'colour'"):
        registry.create("NGramFeaturizer", {"colour": "red"})
    with pytest.raises(ConfigError, match="char_ngrams"):
        registry.create("NGramFeaturizer", {"char_ngrams": [5, 2]})


def test_registry_accepts_rasa_names() -> None:
    assert registry.resolve("WhitespaceTokenizer") == "SpacyTokenizer"
    assert registry.resolve("LanguageModelFeaturizer") == "SentenceEncoderFeaturizer"
    featurizer = registry.create(
        "CountVectorsFeaturizer", {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}
    )
    assert featurizer.char_ngrams == (1, 4) and featurizer.word_ngrams is None


def test_classifier_refuses_to_run_untrained() -> None:
    classifier = registry.create("LinearIntentClassifier", {})
    with pytest.raises(NotTrainedError):
        classifier.process(Message(text="merhaba"))


def test_fallback_on_low_confidence_and_on_ambiguity() -> None:
    fallback = registry.create("FallbackClassifier", {"threshold": 0.5, "ambiguity_threshold": 0.1})
    low = Message(text="x", intent_ranking=[IntentScore("greet", 0.3), IntentScore("thank", 0.2)])
    fallback.process(low)
    assert low.intent == IntentScore("nlu_fallback", 0.5)
    assert [s.name for s in low.intent_ranking] == ["nlu_fallback", "greet", "thank"]
    close = Message(text="x", intent_ranking=[IntentScore("a", 0.52), IntentScore("b", 0.46)])
    fallback.process(close)
    assert close.metadata["fallback_reason"] == "ambiguous"
    sure = Message(
        text="x",
        intent=IntentScore("a", 0.9),
        intent_ranking=[IntentScore("a", 0.9), IntentScore("b", 0.05)],
    )
    fallback.process(sure)
    assert sure.intent.name == "a"


def test_normalizer_composes_decomposed_letters_and_keeps_offsets() -> None:
    text = "s\u0327ifre\u200bI\u0307S\u0327I"  # ş decomposed, zero-width space, İ decomposed
    message = _normalized(text)
    assert message.normalized == "şifre işı"
    assert len(message.offsets) == len(message.normalized)
    start = message.normalized.index("işı")
    assert message.text[slice(*message.original_span(start, start + 3))] == "I\u0307S\u0327I"


def test_pattern_sets_built_alike_share_one_match_per_message(
    training_data: TrainingData,
) -> None:
    from bot.nlu.patterns import PatternSet

    first, second = PatternSet(training_data), PatternSet(training_data)
    strict = PatternSet(training_data, allow_suffixes=False)
    assert first.key == second.key != strict.key
    message = _normalized("paparayla yatırdım, mail: ali@x.com")
    found = [(m.name, m.value) for m in first.matches(message)]
    assert ("payment_method", "papara") in found and ("email", "ali@x.com") in found
    assert [(m.name, m.value) for m in second.matches(message)] == found
    assert [m.name for m in strict.matches(message)] == ["email"]  # no suffix allowed
