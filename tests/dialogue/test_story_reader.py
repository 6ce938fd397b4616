from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.story_reader import (
    ActionStep,
    ActiveLoopStep,
    BotStep,
    CheckpointStep,
    OrStep,
    Rule,
    SlotSet,
    SlotStep,
    StoryEntity,
    UserStep,
    load_stories,
)
from bot.errors import DataError
from bot.nlu.training_data import EntitySpan
from tests.project_files import write

STORIES = """\
version: "3.1"
stories:
- story: para çekme talebi
  steps:
  - intent: greet
  - action: utter_greet
  - intent: withdrawal_request
    entities:
    - amount: 500 TL
    - payment_method
    - city: Izmir
      role: destination
  - action: withdrawal_form
  - active_loop: withdrawal_form
  - slot_was_set:
    - amount: 500
    - requested_slot
  - active_loop: null
  - or:
    - intent: affirm
    - intent: thank
    - slot_was_set:
      - confirmed: true
  - action: utter_done
  - metadata:
      author: ekip
  - checkpoint: after_withdrawal
- story: devam
  steps:
  - checkpoint: after_withdrawal
    slot_was_set:
    - confirmed: true
  - intent: /goodbye
  - bot: Görüşmek üzere!
"""


def test_reads_every_step_kind(project: Path) -> None:
    data = load_stories(write("data/stories.yml", STORIES))
    assert data.rules == ()
    first, second = data.stories
    assert first.name == "para çekme talebi" and first.source == "data/stories.yml:3"
    assert first.steps == (
        UserStep("greet"),
        ActionStep("utter_greet"),
        UserStep(
            "withdrawal_request",
            (
                StoryEntity("amount", "500 TL"),
                StoryEntity("payment_method"),
                StoryEntity("city", "Izmir", role="destination"),
            ),
        ),
        ActionStep("withdrawal_form"),
        ActiveLoopStep("withdrawal_form"),
        SlotStep((SlotSet("amount", 500), SlotSet("requested_slot", None, any_value=True))),
        ActiveLoopStep(None),
        OrStep((UserStep("affirm"), UserStep("thank"), SlotStep((SlotSet("confirmed", True),)))),
        ActionStep("utter_done"),
        CheckpointStep("after_withdrawal"),
    )
    assert [s.source for s in first.steps[:3]] == [
        "data/stories.yml:5", "data/stories.yml:6", "data/stories.yml:7",
    ]  # fmt: skip
    assert first.steps[7].source == "data/stories.yml:19"
    assert second.steps == (
        CheckpointStep("after_withdrawal", (SlotSet("confirmed", True),)),
        UserStep("goodbye"),
        BotStep("Görüşmek üzere!"),
    )


RULES = """\
rules:
- rule: selamla
  conversation_start: true
  steps:
  - intent: greet
  - action: utter_greet
- rule: formu gönder
  condition:
  - active_loop: withdrawal_form
  - slot_was_set:
    - vip: true
  steps:
  - action: withdrawal_form
  - active_loop: null
  - action: utter_submit
  wait_for_user_input: false
"""


def test_reads_rules_with_conditions_and_flags(project: Path) -> None:
    data = load_stories(write("data/rules.yml", RULES))
    greet, submit = data.rules
    assert greet == Rule(
        "selamla", (UserStep("greet"), ActionStep("utter_greet")), conversation_start=True
    )
    assert submit.condition == (
        ActiveLoopStep("withdrawal_form"),
        SlotStep((SlotSet("vip", True),)),
    )
    assert submit.wait_for_user_input is False and submit.conversation_start is False
    assert submit.source == "data/rules.yml:7"
    assert submit.condition[1].source == "data/rules.yml:10"


def test_end_to_end_test_stories_parse_annotated_user_text(project: Path) -> None:
    write(
        "tests/test_stories.yml",
        "stories:\n- story: e2e\n  steps:\n"
        "  - user: |\n      [papara](payment_method) ile [250 TL](amount) yatırdım\n"
        "    intent: deposit_missing\n"
        "  - action: utter_check\n"
        "  - user: teşekkürler\n",
    )
    (story,) = load_stories("tests", skip_tests=False).stories
    user = story.steps[0]
    assert isinstance(user, UserStep)
    assert user.intent == "deposit_missing"
    assert user.text == "papara ile 250 TL yatırdım"
    assert user.spans == (
        EntitySpan(0, 6, "payment_method", "papara"),
        EntitySpan(11, 17, "amount", "250 TL"),
    )
    assert user.entities == (
        StoryEntity("payment_method", "papara"),
        StoryEntity("amount", "250 TL"),
    )
    assert story.steps[2] == UserStep(None, (), "teşekkürler")


def test_directory_skips_test_stories_unless_asked(project: Path) -> None:
    write("data/stories.yml", "stories:\n- story: a\n  steps:\n  - intent: greet\n")
    write("data/nlu.yml", "nlu: []\n")
    write("data/tests/test_x.yml", "stories:\n- story: t\n  steps:\n  - intent: greet\n")
    write("data/test_y.yml", "stories:\n- story: u\n  steps:\n  - intent: greet\n")
    assert [s.name for s in load_stories("data").stories] == ["a"]
    names = [s.name for s in load_stories("data", skip_tests=False).stories]
    assert sorted(names) == ["a", "t", "u"]


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("  - intnt: greet\n", "data/stories.yml:5", "unknown step (keys: intnt)"),
        ("  - intent: [greet]\n", "data/stories.yml:5", "intent must be a non-empty text"),
        ("  - intent:\n", "data/stories.yml:5", "names no intent"),
        ("  - ...\n", "data/stories.yml:5", "a step (like '- action: utter_greet') must be"),
        ("  - action: a\n    intent: b\n", "data/stories.yml:5", "cannot also have action"),
        ("  - action: a\n    bot: b\n", "data/stories.yml:5", "cannot also have bot"),
        ("  - action: {name: a}\n", "data/stories.yml:5", "action must be a non-empty text"),
        ("  - slot_was_set:\n    - [a]\n", "data/stories.yml:5", "slot_was_set entries"),
        ("  - or:\n    - action: a\n", "data/stories.yml:6", "or: may only list"),
        (
            "  - intent: a\n    entities:\n    - {x: 1, y: 2}\n",
            "data/stories.yml:5",
            "an entity is written",
        ),
        ("  - user: [a]\n", "data/stories.yml:5", "user: must be the text"),
        ("  - user: '[a]{bad}'\n", "data/stories.yml:5", "not valid JSON"),
    ],
)
def test_malformed_steps_name_file_and_line(
    project: Path, text: str, where: str, expected: str
) -> None:
    write("data/stories.yml", "version: '3.1'\nstories:\n- story: bozuk\n  steps:\n" + text)
    with pytest.raises(DataError) as err:
        load_stories("data/stories.yml")
    assert str(err.value).startswith(f"{where}: ")
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("rules:\n- story: x\n  steps: []\n", "data/rules.yml:2", "starts with 'rule: <name>'"),
        ("stories:\n- rule: x\n  steps: []\n", "data/rules.yml:2", "belongs under rules:"),
        (
            "rules:\n- rule: x\n  condition:\n  - intent: a\n",
            "data/rules.yml:4",
            "condition lists only",
        ),
        ("rules:\n- rule: x\n  wait_for_user_input: no\n", "data/rules.yml:2", "true or false"),
        ("rules:\n  rule: x\n", "data/rules.yml:1", "'rules' must be a list"),
        (
            "stories:\n- story: x\n  steps: {intent: a}\n",
            "data/rules.yml:2",
            "steps must be a list",
        ),
    ],
)
def test_malformed_blocks_name_file_and_line(
    project: Path, text: str, where: str, expected: str
) -> None:
    write("data/rules.yml", text)
    with pytest.raises(DataError) as err:
        load_stories("data/rules.yml")
    assert str(err.value).startswith(f"{where}: ")
    assert expected in str(err.value)


def test_unnamed_story_and_empty_steps_load(project: Path) -> None:
    write("data/stories.yml", "stories:\n- story:\n  steps:\n- story: boş\n")
    data = load_stories("data/stories.yml")
    assert [(s.name, s.steps) for s in data.stories] == [("", ()), ("boş", ())]
