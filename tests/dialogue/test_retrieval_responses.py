"""``utter_faq`` says the response ResponseSelector chose: ``utter_faq/ask_name``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.channels import UserMessage
from bot.dialogue.domain import Domain, read_domain
from bot.dialogue.engine import Engine, EngineConfig
from bot.dialogue.events import UserUttered
from bot.dialogue.responses import render_response, retrieval_response
from bot.dialogue.tracker import Tracker
from bot.model_storage import load_model
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.workbench.training import train
from tests.nlu.retrieval_project import DOMAIN, write_retrieval_project


@pytest.fixture()
def domain(tmp_path: Path) -> Domain:
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    return read_domain(tmp_path / "domain.yml")


def _tracker(domain: Domain, parse: dict[str, Any]) -> Tracker:
    return Tracker.from_events("p1", [UserUttered("text", parse, timestamp=1.0)], domain)


def _selected(key: str, intent_response_key: str) -> dict[str, Any]:
    response = {"intent_response_key": intent_response_key, "confidence": 0.9}
    return {
        "intent": {"name": "faq", "confidence": 0.9},
        "entities": [],
        "response_selector": {"all_retrieval_intents": ["faq"], key: {"response": response}},
    }


def test_the_faq_answer_comes_from_a_trained_models_parse(tmp_path: Path) -> None:
    write_retrieval_project(tmp_path)
    result = train(
        tmp_path / "config.yml", tmp_path / "domain.yml", [tmp_path / "data"], tmp_path / "m"
    )
    model = load_model(result.path)
    assert model.nlu is not None and model.core is not None
    parse = model.nlu.parse("are you open on sunday")
    tracker = _tracker(model.core.domain, parse)
    message = render_response("utter_faq", model.core.domain, tracker)
    assert message == {"text": "We are open around the clock.", "response": "utter_faq/ask_hours"}


@pytest.mark.parametrize("key", ["faq", "default"])
def test_the_retrieval_intents_entry_or_the_default_one(domain: Domain, key: str) -> None:
    tracker = _tracker(domain, _selected(key, "faq/ask_name"))
    assert retrieval_response("utter_faq", domain, tracker) == "utter_faq/ask_name"
    assert render_response("utter_faq", domain, tracker) == {
        "text": "I am Destek.",
        "response": "utter_faq/ask_name",
    }


def test_nothing_is_said_for_another_retrieval_intents_choice(domain: Domain) -> None:
    tracker = _tracker(domain, _selected("default", "chitchat/ask_weather"))
    assert render_response("utter_faq", domain, tracker) is None
    assert render_response("utter_greet", domain, tracker) == {
        "text": "Hello!",
        "response": "utter_greet",
    }


def test_without_a_selection_nothing_is_said(domain: Domain) -> None:
    tracker = _tracker(domain, {"intent": {"name": "faq", "confidence": 0.9}, "entities": []})
    assert render_response("utter_faq", domain, tracker) is None


@pytest.mark.anyio
async def test_the_engine_answers_a_retrieval_intent_with_the_chosen_response(
    tmp_path: Path,
) -> None:
    # No action server: utter_faq is run by the engine, never sent out as a custom action.
    write_retrieval_project(tmp_path)
    result = train(
        tmp_path / "config.yml", tmp_path / "domain.yml", [tmp_path / "data"], tmp_path / "m"
    )
    model = load_model(result.path)
    assert model.nlu is not None and model.core is not None
    nlu = model.nlu

    async def parse(text: str) -> dict[str, Any]:
        return nlu.parse(text)

    engine = Engine(
        model.core.domain,
        model.core.policies,
        parse,
        InMemoryTrackerStore(),
        InMemoryLockStore(),
        config=EngineConfig(seed=1),
    )
    replies = await engine.handle(UserMessage("are you open on sunday", "p1"))
    assert [r.get("text") for r in replies] == ["We are open around the clock."]
    tracker = await engine.tracker("p1")
    assert tracker.in_handover is False
