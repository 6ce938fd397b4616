"""A project laid out and configured the way ``rasa init`` and Rasa's examples do it
trains, tests and validates unchanged. The content is our own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.model_storage import load_model

RASA_DEFAULT_CONFIG = """\
recipe: default.v1
assistant_id: placeholder_default
language: en

pipeline:
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
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1

policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: 100
  - name: TEDPolicy
    max_history: 5
    epochs: 100
    constrain_similarities: true
"""

INIT_CONFIG = """\
recipe: default.v1
assistant_id: placeholder_default
language: en

pipeline:
# # No configuration for the NLU pipeline was provided. The following default pipeline
# # was used to train your model.
#   - name: WhitespaceTokenizer

policies:
# # No configuration for policies was provided.
#   - name: MemoizationPolicy
"""

NLU = """\
version: "3.1"

nlu:
- intent: greet
  examples: |
    - hey
    - hello
    - hi there
    - good morning
    - hey there
    - hello friend
- intent: order_status
  examples: |
    - where is my order
    - my parcel has not arrived
    - track order [A1234](order_id)
    - when will my package come
    - order [B777](order_id) is late
    - has my order shipped
- intent: pay
  examples: |
    - I want to pay by [card](method)
    - can I pay with [paypal](method)
    - pay using [credit card]{"entity": "method", "value": "card"}
    - which payment methods do you take
    - do you accept [bank transfer](method)
    - I'd like to pay now
- intent: chitchat/ask_name
  examples: |
    - what is your name
    - who are you
    - tell me your name
- synonym: card
  examples: |
    - credit card
    - debit card
- regex: order_id
  examples: |
    - [A-Z][0-9]{3,4}
"""

DOMAIN = """\
version: "3.1"
intents:
  - greet
  - order_status
  - pay
  - chitchat
entities:
  - order_id
  - method
responses:
  utter_greet:
  - text: "Hello!"
  utter_chitchat/ask_name:
  - text: "I am a bot."
actions:
  - utter_greet
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""

RULES = """\
version: "3.1"
rules:
- rule: Say hello
  steps:
  - intent: greet
  - action: utter_greet
"""

TEST_NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello hello
- intent: order_status
  examples: |
    - where is order [C4321](order_id)
    - my order did not arrive yet
- intent: pay
  examples: |
    - can I pay by [paypal](method)
    - what payment options are there
"""


@pytest.fixture()
def rasa_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "data" / "nlu.yml").write_text(NLU)
    (tmp_path / "data" / "rules.yml").write_text(RULES)
    (tmp_path / "domain.yml").write_text(DOMAIN)
    (tmp_path / "tests" / "nlu_test.yml").write_text(TEST_NLU)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("config", [RASA_DEFAULT_CONFIG, INIT_CONFIG], ids=["rasa-default", "init"])
def test_rasa_project_trains_tests_and_validates(rasa_project: Path, config: str) -> None:
    (rasa_project / "config.yml").write_text(config)
    assert main(["data", "validate"]) == 0
    assert main(["train", "--fixed-model-name", "m"]) == 0
    model = load_model(rasa_project / "models" / "m.tar.gz")
    assert model.nlu is not None
    result = model.nlu.parse("where is order Z9876")
    assert result["intent"]["name"] == "order_status"
    assert {"entity": "order_id", "value": "Z9876"}.items() <= next(
        e for e in result["entities"] if e["entity"] == "order_id"
    ).items()
    paid = model.nlu.parse("I pay with credit card")
    assert any(e["value"] == "card" for e in paid["entities"])
    chitchat = model.nlu.parse("what's your name")  # a retrieval intent, as in Rasa
    assert chitchat["intent"]["name"] == "chitchat"
    assert chitchat["response_selector"]["all_retrieval_intents"] == ["chitchat"]

    assert main(["test", "nlu", "-m", "models/m.tar.gz", "--nlu", "tests/nlu_test.yml"]) == 0
    report = json.loads((rasa_project / "results" / "intent_report.json").read_text())
    assert report["pay"]["support"] == 2
    assert 0.0 <= report["macro avg"]["f1-score"] <= 1.0
