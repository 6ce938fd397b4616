"""The policies one by one: what rules, memoization and the learned policy predict for a
conversation, and how stories with checkpoints and `or` are read."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pytest

from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from bot.dialogue.policies import PolicyEnsemble, PredictionContext, TrainingConversations
from bot.dialogue.policies.rule_policy import RulePolicy
from bot.dialogue.policy_states import conversation_states
from bot.dialogue.story_graph import story_conversations
from bot.dialogue.story_reader import load_stories
from bot.dialogue.tracker import Tracker
from bot.model_storage import CoreModel
from bot.workbench.training import train_core

DOMAIN = """\
version: "3.1"
intents: [greet, thank, balance, deny, affirm, goodbye]
slots:
  verified:
    type: bool
    initial_value: false
    mappings: [{type: custom}]
  reason:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_welcome: [{text: "Hoş geldiniz!"}]
  utter_greet: [{text: "Merhaba"}]
  utter_youre_welcome: [{text: "Rica ederim"}]
  utter_balance: [{text: "Bakiye"}]
  utter_verify: [{text: "Doğrulayın"}]
  utter_sorry: [{text: "Üzgünüm"}]
  utter_bye: [{text: "Görüşürüz"}]
  utter_anything_else: [{text: "Başka?"}]
actions: [action_escalate]
"""
RULES = """\
version: "3.1"
rules:
- rule: welcome at the start only
  conversation_start: true
  steps: [{intent: greet}, {action: utter_welcome}]
- rule: greet later
  steps: [{intent: greet}, {action: utter_greet}]
- rule: thanks, and the bot keeps talking
  wait_for_user_input: false
  steps: [{intent: thank}, {action: utter_youre_welcome}]
- rule: balance for the verified
  condition: [{slot_was_set: [{verified: true}]}]
  steps: [{intent: balance}, {action: utter_balance}]
- rule: balance for the others
  steps: [{intent: balance}, {action: utter_verify}]
- rule: a reason set means escalation
  steps:
  - slot_was_set: [reason]
  - action: action_escalate
"""
STORIES = """\
version: "3.1"
stories:
- story: thanks then more
  steps:
  - intent: thank
  - action: utter_youre_welcome
  - action: utter_anything_else
  - checkpoint: asked_anything_else
- story: nothing else
  steps:
  - checkpoint: asked_anything_else
  - or:
    - intent: deny
    - intent: goodbye
  - action: utter_bye
- story: something else
  steps:
  - checkpoint: asked_anything_else
  - intent: affirm
  - action: utter_greet
"""
CONFIG = """\
policies:
  - name: RulePolicy
  - name: AugmentedMemoizationPolicy
    max_history: 3
  - name: TEDPolicy
    epochs: 1
"""


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> CoreModel:
    root = tmp_path_factory.mktemp("policies")
    for name, text in (
        ("domain.yml", DOMAIN), ("config.yml", CONFIG),
        ("data/rules.yml", RULES), ("data/stories.yml", STORIES),
    ):  # fmt: skip
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return train_core(
        read_config(root / "config.yml"), read_domain(root / "domain.yml"),
        load_stories([root / "data"]),
    )  # fmt: skip


def _user(intent: str) -> list[Event]:
    parse = {"intent": {"name": intent, "confidence": 1.0}}
    return [ActionExecuted("action_listen"), UserUttered(intent, parse)]


def _next(core: CoreModel, events: list[Event]) -> tuple[str, str]:
    tracker = Tracker.from_events("t", events, core.domain)
    prediction = core.policies.predict_for(tracker, core.domain)
    return prediction.action, prediction.policy


def test_a_conversation_start_rule_fires_only_at_the_start(core: CoreModel) -> None:
    assert _next(core, _user("greet")) == ("utter_welcome", "RulePolicy")
    later = [*_user("greet"), ActionExecuted("utter_welcome"), *_user("greet")]
    assert _next(core, later)[0] == "utter_greet"


def test_a_slot_condition_picks_between_rules(core: CoreModel) -> None:
    assert _next(core, _user("balance"))[0] == "utter_verify"
    assert _next(core, [SlotSet("verified", True), *_user("balance")])[0] == "utter_balance"


def test_after_a_rule_the_bot_listens_unless_told_not_to(core: CoreModel) -> None:
    greeted = [*_user("balance"), ActionExecuted("utter_verify")]
    assert _next(core, greeted) == ("action_listen", "RulePolicy")
    thanked = [*_user("thank"), ActionExecuted("utter_youre_welcome")]
    action, policy = _next(core, thanked)  # wait_for_user_input: false → the stories decide
    assert (action, policy) == ("utter_anything_else", "AugmentedMemoizationPolicy")


def test_a_state_rule_beats_another_rules_implicit_listen(core: CoreModel) -> None:
    events = [*_user("balance"), ActionExecuted("utter_verify"), SlotSet("reason", "x")]
    assert _next(core, events) == ("action_escalate", "RulePolicy")


def test_checkpoints_join_stories_and_or_gives_each_alternative(core: CoreModel) -> None:
    base = [*_user("thank"), ActionExecuted("utter_youre_welcome"),
            ActionExecuted("utter_anything_else")]  # fmt: skip
    for intent in ("deny", "goodbye"):
        assert _next(core, [*base, *_user(intent)])[0] == "utter_bye"
    assert _next(core, [*base, *_user("affirm")])[0] == "utter_greet"


def test_story_conversations_expand_checkpoints_and_or(core: CoreModel, tmp_path: Path) -> None:
    (tmp_path / "stories.yml").write_text(STORIES, encoding="utf-8")
    stories = load_stories([tmp_path / "stories.yml"]).stories
    conversations = story_conversations(stories)
    assert len(conversations) == 3  # deny, goodbye, affirm
    intents = sorted(
        [e.intent_name for e in c if isinstance(e, UserUttered)][-1] or "" for c in conversations
    )
    assert intents == ["affirm", "deny", "goodbye"]


def test_the_learned_policy_ranks_something_for_an_unseen_history(core: CoreModel) -> None:
    learned = core.policies.policies[-1]
    assert learned.name == "LinearPolicy"
    events = [*_user("goodbye"), ActionExecuted("utter_bye"), *_user("affirm")]
    tracker = Tracker.from_events("t", events, core.domain)
    states = conversation_states(tracker.applied_events(), core.domain)
    ranked = learned.predict(PredictionContext(tracker, core.domain, states))
    assert ranked and ranked[0].action == "utter_greet"
    assert all(a.confidence >= b.confidence for a, b in itertools.pairwise(ranked))


def test_nothing_confident_after_the_player_spoke_is_the_core_fallback(core: CoreModel) -> None:
    rules_only = PolicyEnsemble([RulePolicy()])
    rules_only.train(TrainingConversations(), core.domain)
    tracker = Tracker.from_events("t", _user("affirm"), core.domain)
    assert rules_only.predict_for(tracker, core.domain).action == "action_default_fallback"
    events = [*_user("affirm"), ActionExecuted("utter_greet")]
    after_bot = Tracker.from_events("t", events, core.domain)
    assert rules_only.predict_for(after_bot, core.domain).action == "action_listen"


def test_contradicting_rules_are_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "rules.yml").write_text(
        'version: "3.1"\nrules:\n'
        "- rule: a\n  steps: [{intent: greet}, {action: utter_greet}]\n"
        "- rule: b\n  steps: [{intent: greet}, {action: utter_welcome}]\n",
        encoding="utf-8",
    )
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    policy = RulePolicy()
    with caplog.at_level(logging.WARNING):
        policy.train(
            TrainingConversations(rules=load_stories([tmp_path / "rules.yml"]).rules),
            read_domain(tmp_path / "domain.yml"),
        )
    assert "contradict" in caplog.text


def test_a_form_that_started_and_ended_in_one_run_counts_as_active_for_its_rule(
    tmp_path: Path,
) -> None:
    domain_text = DOMAIN.replace(
        "actions: [action_escalate]",
        "actions: [action_escalate]\nforms:\n  f:\n    required_slots: [reason]",
    )
    (tmp_path / "domain.yml").write_text(domain_text, encoding="utf-8")
    (tmp_path / "rules.yml").write_text(
        'version: "3.1"\nrules:\n'
        "- rule: done\n  condition: [{active_loop: f}]\n"
        "  steps: [{action: f}, {active_loop: null}, {action: utter_bye}]\n",
        encoding="utf-8",
    )
    domain = read_domain(tmp_path / "domain.yml")
    ensemble = PolicyEnsemble([RulePolicy()])
    ensemble.train(
        TrainingConversations(rules=load_stories([tmp_path / "rules.yml"]).rules), domain
    )
    events = [*_user("greet"), ActionExecuted("f"), ActiveLoop("f"), ActiveLoop(None)]
    tracker = Tracker.from_events("t", events, domain)
    assert ensemble.predict_for(tracker, domain).action == "utter_bye"


def test_the_learned_policys_fast_probabilities_equal_scikit_learns(core: CoreModel) -> None:
    import numpy as np

    from bot.dialogue.policies.linear_policy import LinearPolicy

    learned = core.policies.policies[-1]
    assert isinstance(learned, LinearPolicy) and learned.vectorizer is not None
    assert learned.model is not None
    feature_sets = [
        {"0|intent=greet": 1.0, "start@1": 1.0},
        {"0|intent=affirm": 1.0, "1|prev=utter_bye": 0.5, "1|intent=goodbye": 0.5},
        {"0|intent=unknown_to_the_policy": 1.0},
    ]
    for features in feature_sets:
        expected = learned.model.predict_proba(learned.vectorizer.transform([features]))[0]
        assert np.allclose(learned.probabilities(features), expected, atol=1e-9)
