"""ResponseSelector: retrieval intents in Rasa 3's ``response_selector`` shape."""

from __future__ import annotations

from typing import Any

import pytest

from bot.model_storage import TrainedModel, load_model
from bot.nlu.pipeline import ComponentSpec, Pipeline
from bot.nlu.training_data import Example, TrainingData
from bot.workbench.training import train
from tests.nlu.retrieval_project import write_retrieval_project


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    root = tmp_path_factory.mktemp("retrieval")
    write_retrieval_project(root)
    result = train(root / "config.yml", root / "domain.yml", [root / "data"], root / "models")
    return load_model(result.path)


def _parse(model: TrainedModel, text: str) -> dict[str, Any]:
    assert model.nlu is not None
    return model.nlu.parse(text)


def test_the_intent_is_the_retrieval_intent(model: TrainedModel) -> None:
    assert model.nlu is not None
    assert sorted(model.nlu.intents) == ["chitchat", "faq", "greet"]
    assert _parse(model, "what is your name")["intent"]["name"] == "faq"


def test_the_parse_carries_rasas_response_selector(model: TrainedModel) -> None:
    selector = _parse(model, "what is your name")["response_selector"]
    assert selector["all_retrieval_intents"] == ["chitchat", "faq"]
    for key in ("default", "faq"):
        response = selector[key]["response"]
        assert response["intent_response_key"] == "faq/ask_name"
        assert response["utter_action"] == "utter_faq/ask_name"
        assert response["template_name"] == "utter_faq/ask_name"
        assert response["responses"] == [{"text": "I am Destek."}]
        assert response["confidence"] > 0.5
        ranking = selector[key]["ranking"]
        assert ranking[0] == {
            "intent_response_key": "faq/ask_name",
            "confidence": response["confidence"],
        }
    assert [r["intent_response_key"] for r in selector["faq"]["ranking"]] == [
        "faq/ask_name",
        "faq/ask_hours",
    ]
    assert "chitchat" not in selector


def test_each_faq_gets_its_own_answer(model: TrainedModel) -> None:
    selector = _parse(model, "are you open on saturday")["response_selector"]
    assert selector["faq"]["response"]["intent_response_key"] == "faq/ask_hours"


def test_other_intents_pay_nothing(model: TrainedModel) -> None:
    result = _parse(model, "hello")
    assert result["intent"]["name"] == "greet"
    assert result["response_selector"] == {"all_retrieval_intents": ["chitchat", "faq"]}


def test_a_configured_retrieval_intent_is_the_selector_key() -> None:
    data = TrainingData(
        (
            Example("hi", "greet"),
            Example("hello", "greet"),
            Example("your name", "faq/ask_name"),
            Example("who are you", "faq/ask_name"),
            Example("opening hours", "faq/ask_hours"),
            Example("when are you open", "faq/ask_hours"),
        )
    )
    specs = [
        ComponentSpec("WhitespaceTokenizer", {}),
        ComponentSpec("CountVectorsFeaturizer", {}),
        ComponentSpec("DIETClassifier", {}),
        ComponentSpec("ResponseSelector", {"retrieval_intent": "faq"}),
    ]
    pipeline = Pipeline.from_specs(specs, "en").train(data)
    selector = pipeline.parse("who are you")["response_selector"]
    assert set(selector) == {"all_retrieval_intents", "faq"}
    assert selector["faq"]["response"]["intent_response_key"] == "faq/ask_name"
    assert selector["faq"]["response"]["responses"] is None  # no domain: NLU alone
