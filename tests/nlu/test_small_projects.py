"""Honest confidences on a first project: many intents, about five examples each.

A Rasa project of 52 intents with ~5 examples sent most of its own training examples to
``nlu_fallback``: one intent with a single example turned calibration off for all. Each
pipeline here must keep ≥ 95% of the training examples above the fallback threshold,
and send most random gibberish to ``nlu_fallback``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.config import read_config
from bot.nlu.components.fallback_classifier import FALLBACK_INTENT
from bot.nlu.pipeline import ComponentSpec, Pipeline
from bot.nlu.training_data import Example
from bot.workbench.training import load_training_data, pipeline_from_config
from tests.nlu.small_projects import gibberish, small_project, write_project

# Rasa 3's default pipeline, spelled out.
RASA_DIET_PIPELINE = """
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1"""

CASES = {
    "english-empty-pipeline": ("en", ""),
    "english-rasa-diet": ("en", RASA_DIET_PIPELINE),
    "turkish-empty-pipeline": ("tr", ""),
    "turkish-rasa-diet": ("tr", RASA_DIET_PIPELINE),
}

Trained = tuple[Pipeline, Sequence[Example], list[Example]]


@pytest.fixture(scope="module", params=list(CASES))
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """The project written in Rasa's layout, read and trained as ``bot train nlu`` does."""
    language, pipeline_yaml = CASES[request.param]
    root = tmp_path_factory.mktemp(request.param)
    config = write_project(root, language, pipeline_yaml)
    data = load_training_data([root / "data"])
    pipeline = pipeline_from_config(read_config(config)).train(data)
    return pipeline, data.examples, small_project(language)[1]


def _intents(pipeline: Pipeline, texts: list[str]) -> list[tuple[str, float]]:
    return [
        (m.intent.name, m.intent.confidence) if m.intent else ("", 0.0)
        for m in pipeline.parse_batch(texts)
    ]


def _fallback_share(pipeline: Pipeline, texts: list[str]) -> float:
    return sum(name == FALLBACK_INTENT for name, _ in _intents(pipeline, texts)) / len(texts)


def test_training_examples_are_not_fallback(trained: Trained) -> None:
    pipeline, examples, _ = trained
    assert len(pipeline.intents) == 50
    predicted = _intents(pipeline, [e.text for e in examples])
    assert sum(name != FALLBACK_INTENT for name, _ in predicted) / len(examples) >= 0.95
    right = sum(name == e.intent for (name, _), e in zip(predicted, examples, strict=True))
    assert right / len(examples) >= 0.95


def test_hi_is_a_confident_greeting(trained: Trained) -> None:
    """The issue's example: "hi", a training example, came back as greet at 0.285."""
    pipeline, examples, _ = trained
    greetings = {"greet": "hi", "selamlama": "merhaba"}
    intent = next(e.intent for e in examples if e.intent in greetings)
    [(name, confidence)] = _intents(pipeline, [greetings[intent]])
    assert name == intent and confidence > 0.8


def test_close_paraphrases_are_recognised_with_confidence(trained: Trained) -> None:
    pipeline, _, paraphrases = trained
    predicted = _intents(pipeline, [e.text for e in paraphrases])
    confident = [
        name == e.intent and confidence > 0.5
        for (name, confidence), e in zip(predicted, paraphrases, strict=True)
    ]
    assert sum(confident) / len(paraphrases) >= 0.9


def test_gibberish_mostly_falls_back(trained: Trained) -> None:
    # Measured: 1.00 for both English pipelines and Rasa's on Turkish, 0.76 for the tuned
    # Turkish default, whose short chit-chat ("yok", "tşk") random strings can resemble.
    pipeline, _, _ = trained
    assert _fallback_share(pipeline, gibberish(100)) >= 0.7


def test_the_default_pipeline_depends_on_the_language() -> None:
    english = [spec.name for spec in Pipeline.from_specs(None, "en").specs]
    turkish = [spec.name for spec in Pipeline.from_specs(None, "tr").specs]
    assert "TurkishNormalizer" in turkish and "TurkishAmountExtractor" in turkish
    assert not any(name.startswith("Turkish") for name in english)
    assert {"NGramFeaturizer", "SentenceEncoderFeaturizer", "FallbackClassifier"} <= set(english)


@pytest.mark.parametrize("per_intent", [1, 2])
def test_one_or_two_examples_per_intent_still_give_confident_answers(per_intent: int) -> None:
    data, _ = small_project("en")
    seen: dict[str, int] = {}
    examples = []
    for example in data.examples:
        seen[example.intent or ""] = seen.get(example.intent or "", 0) + 1
        if seen[example.intent or ""] <= per_intent:
            examples.append(example)
    names = (
        "WhitespaceTokenizer",
        "CountVectorsFeaturizer",
        "DIETClassifier",
        "FallbackClassifier",
    )
    specs = [ComponentSpec(name, {}) for name in names]
    pipeline = Pipeline.from_specs(specs, "en").train(data.subset(examples))
    assert _fallback_share(pipeline, [e.text for e in examples]) <= 0.05
