"""``bot test core``: test stories replayed against a small trained model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.config import ProjectConfig, read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.errors import DataError
from bot.model_storage import TrainedModel, load_model, save_model
from bot.nlu.pipeline import Pipeline
from bot.workbench.core_test import evaluate_stories
from bot.workbench.training import train_core

DOMAIN = """\
version: "3.1"
intents: [greet, password_reset, deposit_missing]
entities: [payment_method]
slots:
  payment_method:
    type: text
    influence_conversation: false
    mappings:
    - type: from_entity
      entity: payment_method
responses:
  utter_greet:
  - text: "Merhaba, nasıl yardımcı olabilirim?"
    buttons:
    - title: "Şifremi unuttum"
      payload: /password_reset
    - title: "Yatırımım gelmedi"
      payload: /deposit_missing
  utter_password_reset:
  - text: "Şifre sıfırlama bağlantısı için kullanıcı adınızı yazın."
  utter_deposit_missing:
  - text: "Yatırımınızı kontrol ediyorum ({payment_method})."
"""

CONFIG = """\
language: tr
policies:
  - name: RulePolicy
  - name: MemoizationPolicy
"""

RULES = """\
version: "3.1"
rules:
- rule: selam
  steps:
  - intent: greet
  - action: utter_greet
- rule: şifre
  steps:
  - intent: password_reset
  - action: utter_password_reset
- rule: yatırım
  steps:
  - intent: deposit_missing
  - action: utter_deposit_missing
"""

PASSING = """\
- story: selam sonra şifre
  steps:
  - user: "merhaba"
    intent: greet
  - action: utter_greet
  - user: "sifremi unuttum"
    intent: password_reset
  - action: utter_password_reset
- story: yatırım gelmedi, yöntem slotu
  steps:
  - user: "papara ile 500 tl yatırdım hesabıma geçmedi"
    intent: deposit_missing
  - slot_was_set:
    - payment_method: papara
  - action: utter_deposit_missing
"""

WRONG_ACTION = """\
- story: selama şifre cevabı
  steps:
  - user: "selam"
    intent: greet
  - action: utter_password_reset
"""

WRONG_INTENT = """\
- story: selam şifre sanılıyor
  steps:
  - user: "merhaba"
    intent: password_reset
  - action: utter_password_reset
"""

NO_LISTEN = """\
- story: iki cevap art arda
  steps:
  - intent: greet
  - action: utter_greet
  - action: utter_password_reset
"""


def _stories(*bodies: str) -> str:
    return 'version: "3.1"\nstories:\n' + "".join(bodies)


@pytest.fixture()
def model_project(project: Path, trained_light_pipeline: Pipeline) -> Path:
    """A project with a domain, rules and a model trained on them (light NLU)."""
    (project / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (project / "config.yml").write_text(CONFIG, encoding="utf-8")
    (project / "data").mkdir()
    (project / "data" / "rules.yml").write_text(RULES, encoding="utf-8")
    (project / "data" / "tests").mkdir()
    domain = read_domain(project / "domain.yml")
    core = train_core(read_config(project / "config.yml"), domain, load_stories([project / "data"]))
    save_model(project / "models" / "m.tar.gz", TrainedModel(trained_light_pipeline, core=core))
    return project


def _write(project: Path, text: str) -> Path:
    path = project / "data" / "tests" / "test_stories.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_passing_stories_exit_0_and_report(model_project: Path) -> None:
    _write(model_project, _stories(PASSING))
    assert main(["test", "core", "--fail-on-prediction-errors"]) == 0
    report = json.loads((model_project / "results" / "story_report.json").read_text())
    assert report["utter_greet"]["f1-score"] == 1.0
    assert report["action_listen"]["support"] == 3  # after each bot turn
    assert report["conversation_accuracy"] == {"accuracy": 1.0, "correct": 2, "total": 2}
    failed = yaml.safe_load((model_project / "results" / "failed_test_stories.yml").read_text())
    assert failed["stories"] == []


def test_a_wrong_action_fails_the_story_with_a_predicted_comment(model_project: Path) -> None:
    _write(model_project, _stories(PASSING, WRONG_ACTION))
    assert main(["test", "core", "--out", "out"]) == 0  # no flag: the report is enough
    assert main(["test", "core", "--out", "out", "--fail-on-prediction-errors"]) == 1
    text = (model_project / "out" / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "- action: utter_password_reset  # predicted: utter_greet" in text
    failed = yaml.safe_load(text)
    assert [s["story"] for s in failed["stories"]] == ["selama şifre cevabı"]
    report = json.loads((model_project / "out" / "story_report.json").read_text())
    assert report["conversation_accuracy"]["correct"] == 2
    assert report["utter_password_reset"]["recall"] == 0.5


def test_an_intent_mismatch_fails_the_story(model_project: Path) -> None:
    path = _write(model_project, _stories(WRONG_INTENT))
    assert main(["test", "core", "--stories", str(path), "--fail-on-prediction-errors"]) == 1
    text = (model_project / "results" / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "intent: password_reset  # predicted: greet" in text
    # the story's intent is what the conversation records, so the action is right
    assert "# predicted: utter" not in text


def test_the_bot_must_listen_after_its_turn(model_project: Path) -> None:
    path = _write(model_project, _stories(NO_LISTEN))
    model = load_model(model_project / "models")
    assert model.core is not None
    stories = load_stories([path], skip_tests=False).stories
    report = evaluate_stories(stories, model.core.domain, model.core.policies)  # no NLU
    [result] = report.results
    first = result.mistakes[0]
    assert (first.kind, first.expected, first.predicted) == (
        "action", "utter_password_reset", "action_listen",
    )  # fmt: skip
    assert first.source.endswith("test_stories.yml:7")
    assert report.story_accuracy == 0.0
    assert 0 < report.action_accuracy < 1


def test_an_unknown_action_is_a_data_error_with_its_line(
    model_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = WRONG_ACTION.replace("utter_password_reset", "utter_yok")
    path = _write(model_project, _stories(story))
    assert main(["test", "core"]) == 1
    err = capsys.readouterr().err
    assert "unknown action 'utter_yok'" in err
    model = load_model(model_project / "models")
    assert model.core is not None
    stories = load_stories([path], skip_tests=False).stories
    with pytest.raises(DataError, match=r"test_stories.yml:7: unknown action"):
        evaluate_stories(stories, model.core.domain, model.core.policies)


def test_an_unknown_intent_is_a_data_error(
    model_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(model_project, _stories(WRONG_INTENT.replace("intent: password_reset", "intent: yok")))
    assert main(["test", "core"]) == 1
    assert "unknown intent 'yok'" in capsys.readouterr().err


def test_a_model_without_policies_is_refused(
    project: Path, trained_light_pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    save_model(project / "models" / "nlu.tar.gz", TrainedModel(trained_light_pipeline))
    assert main(["test", "core"]) == 1
    assert "no dialogue policies" in capsys.readouterr().err


# ---- bench/conversations.py: end to end, real action server and backend --------------

E2E_DOMAIN = """\
version: "3.1"
intents: [greet, password_reset, deposit_missing, balance, give_username]
entities: [username]
slots:
  verified:
    type: bool
    influence_conversation: false
    mappings: [{type: custom}]
  player_id:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
  username:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: username}]
actions: [action_balance, action_send_otp]
responses:
  utter_greet:
  - text: "Merhaba!"
  utter_password_reset:
  - text: "Kullanıcı adınız?"
"""

E2E_RULES = """\
version: "3.1"
rules:
- rule: selam
  steps: [{intent: greet}, {action: utter_greet}]
- rule: bakiye
  steps: [{intent: balance}, {action: action_balance}]
- rule: kod
  steps: [{intent: give_username}, {action: action_send_otp}]
"""

E2E_CONVERSATIONS = """\
version: "3.1"
stories:
- story: giriş yapmış ahmet bakiyesini soruyor
  steps:
  - user: "merhaba"
    metadata: {login: ahmet_yilmaz}
  - action: utter_greet
  - intent: balance
  - action: action_balance
- story: selama şifre cevabı beklenir
  steps:
  - user: "selam"
  - action: utter_password_reset
- story: kod gönderilir
  steps:
  - user: '/give_username{"username": "ahmet_yilmaz"}'
  - action: action_send_otp
"""


def test_conversations_run_end_to_end(project: Path, trained_light_pipeline: Pipeline) -> None:
    import asyncio

    import httpx

    from bench.conversations import (
        ConversationRunner,
        Turn,
        conversation_services,
        read_conversations,
    )

    (project / "domain.yml").write_text(E2E_DOMAIN, encoding="utf-8")
    (project / "rules.yml").write_text(E2E_RULES, encoding="utf-8")
    (project / "conversations.yml").write_text(E2E_CONVERSATIONS, encoding="utf-8")
    domain = read_domain(project / "domain.yml")
    config = read_config_text(project, CONFIG)
    core = train_core(config, domain, load_stories([project / "rules.yml"]))
    model = TrainedModel(trained_light_pipeline, core=core)
    conversations = read_conversations(project / "conversations.yml")
    assert conversations[0].turns[0].login == "ahmet_yilmaz"

    async def play(services: object) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            runner = ConversationRunner(model, services, http)  # type: ignore[arg-type]
            first, second, third = await runner.run_all(conversations)
            assert first.passed, first.difference
            assert first.actions == (("utter_greet",), ("action_balance",))
            assert not second.passed
            assert second.difference is not None
            assert "expected utter_password_reset; ran utter_greet" in second.difference
            assert third.passed, third.difference
            # {otp} is the code the backend just sent the player being verified
            engine = runner.engine()
            sent = third.conversation.turns[0]
            await runner.turn(engine, "p", sent)
            code = await runner.latest_code(engine, "p")
            assert len(code) == 6 and code.isdigit()
            await runner.turn(engine, "p", Turn("{otp}", ()))
            assert (await engine.tracker("p")).latest_message.text == code

    with conversation_services() as services:
        asyncio.run(play(services))


def read_config_text(project: Path, text: str) -> ProjectConfig:
    path = project / "config.yml"
    path.write_text(text, encoding="utf-8")
    return read_config(path)
