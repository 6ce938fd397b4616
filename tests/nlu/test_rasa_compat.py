"""Rasa components: the ones Destek only accepts say so by name; KeywordIntentClassifier."""

from __future__ import annotations

import logging

import pytest

from bot.nlu.pipeline import ComponentSpec, Pipeline
from bot.nlu.registry import registry
from bot.nlu.training_data import Example, TrainingData

ACCEPTED_ONLY = [
    "LexicalSyntacticFeaturizer",
    "SpacyNLP",
    "SpacyEntityExtractor",
    "MitieNLP",
    "MitieFeaturizer",
    "MitieEntityExtractor",
    "MitieIntentClassifier",
    "HFTransformersNLP",
    "LanguageModelTokenizer",
]

KEYWORDS = TrainingData(
    (
        Example("hello", "greet"),
        Example("hi", "greet"),
        Example("bye", "goodbye"),
        Example("see you", "goodbye"),
        Example("hi there", "chitchat"),  # "hi" is inside it: "hi" is ambiguous
        Example("thanks", "thank"),
        Example("thanks", "affirm"),  # the same keyword under two intents
    )
)


@pytest.mark.parametrize("name", ACCEPTED_ONLY)
def test_accepted_component_warns_by_name_at_training(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    component = registry.create(name, {"model": "en_core_web_md"})
    with caplog.at_level(logging.WARNING):
        component.train([], TrainingData())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{name} is accepted but does nothing in Destek: ")


def _keyword_pipeline(case_sensitive: bool | None = None) -> Pipeline:
    options = {} if case_sensitive is None else {"case_sensitive": case_sensitive}
    specs = [ComponentSpec("KeywordIntentClassifier", options)]
    return Pipeline.from_specs(specs, "en").train(KEYWORDS)


def test_keyword_classifier_matches_whole_words() -> None:
    pipeline = _keyword_pipeline()
    assert pipeline.parse("well hello there")["intent"] == {"name": "greet", "confidence": 1.0}
    assert pipeline.parse("ok see you tomorrow")["intent"]["name"] == "goodbye"
    assert pipeline.parse("othello")["intent"]["name"] is None  # not on a word boundary
    assert pipeline.parse("nothing known")["intent"] == {"name": None, "confidence": 0.0}


def test_keyword_classifier_drops_clashing_and_ambiguous_keywords(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        pipeline = _keyword_pipeline()
    assert pipeline.parse("thanks")["intent"]["name"] is None
    assert pipeline.parse("hi")["intent"]["name"] is None
    assert pipeline.parse("hi there")["intent"]["name"] == "chitchat"
    assert "'thanks'" in caplog.text and "'hi'" in caplog.text


def test_keyword_classifier_case_as_rasa() -> None:
    assert _keyword_pipeline().parse("HELLO")["intent"]["name"] is None
    assert _keyword_pipeline(case_sensitive=False).parse("HELLO")["intent"]["name"] == "greet"


def test_keyword_classifier_takes_over_when_a_keyword_is_found() -> None:
    specs = [
        ComponentSpec(name, {})
        for name in ("WhitespaceTokenizer", "CountVectorsFeaturizer", "DIETClassifier")
    ] + [ComponentSpec("KeywordIntentClassifier", {})]
    pipeline = Pipeline.from_specs(specs, "en").train(KEYWORDS)
    result = pipeline.parse("bye")
    assert result["intent"] == {"name": "goodbye", "confidence": 1.0}
    assert result["intent_ranking"][0]["name"] == "goodbye"
