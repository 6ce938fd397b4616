from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.dialogue.domain import (
    Button,
    Domain,
    Entity,
    Form,
    Intent,
    MappingCondition,
    ResponseCondition,
    SessionConfig,
    read_domain,
)
from bot.errors import DataError
from tests.project_files import write

DOMAIN = """\
version: "3.1"
intents:
  - greet
  - withdrawal_request:
      use_entities: [amount, payment_method]
  - chitchat:
      use_entities: false
  - complaint:
      ignore_entities:
        - username
  - faq
entities:
  - amount
  - payment_method
  - username
  - city:
      roles: [departure, destination]
      groups: [1, 2]
slots:
  amount:
    type: float
    min_value: 0
    max_value: 100000
    mappings:
    - type: from_entity
      entity: amount
      not_intent: chitchat
      conditions:
      - active_loop: withdrawal_form
        requested_slot: amount
  payment_method:
    type: categorical
    values: [papara, havale, kredi_karti]
    influence_conversation: true
    mappings:
    - type: from_entity
      entity: payment_method
      role: source
  confirmed:
    type: bool
    initial_value: false
    mappings:
    - type: from_intent
      intent: [affirm, greet]
      value: true
  note:
    type: text
    influence_conversation: false
    mappings:
    - type: from_text
      conditions:
      - active_loop: complaint_form
  tags:
    type: list
    mappings:
    - type: custom
      action: action_fill_tags
  raw_profile:
    type: any
    mappings:
    - type: custom
  vip_level:
    type: addons.slots.VipSlot
    threshold: 3
responses:
  utter_greet:
  - text: "Merhaba {username}! Size nasıl yardımcı olabilirim?"
  - text: "Selam!"
    channel: telegram
  utter_ask_payment_method:
  - text: "Hangi yöntemle çekmek istersiniz?"
    buttons:
    - title: Papara
      payload: '/inform{"payment_method": "papara"}'
    - title: 100
  utter_vip:
  - text: "VIP müşterimize özel hoş geldiniz."
    condition:
    - type: slot
      name: vip_level
      value: 3
  - custom:
      kind: card
      blocks: [1, 2]
  - image: https://example.invalid/logo.png
  - attachment: {type: file}
  - quick_replies: [{title: Evet}]
forms:
  withdrawal_form:
    ignored_intents: chitchat
    required_slots:
      - amount
      - payment_method
  complaint_form:
actions:
  - action_check_balance
  - action_handover:
      send_domain: true
  - validate_withdrawal_form
session_config:
  session_expiration_time: 30
  carry_over_slots_to_new_session: false
config:
  store_entities_as_slots: false
"""


def test_reads_a_full_domain(project: Path) -> None:
    domain = read_domain(write("domain.yml", DOMAIN))
    assert domain.intent_names == ["greet", "withdrawal_request", "chitchat", "complaint", "faq"]
    assert domain.intents[1] == Intent("withdrawal_request", ("amount", "payment_method"))
    assert domain.intents[2].use_entities is False
    assert domain.intents[3] == Intent("complaint", True, ("username",))
    assert domain.intents[0].source == "domain.yml:3"
    assert domain.entities[3] == Entity("city", ("departure", "destination"), ("1", "2"))

    amount = domain.slots["amount"]
    assert (amount.type, amount.min_value, amount.max_value) == ("float", 0.0, 100000.0)
    mapping = amount.mappings[0]
    assert mapping.type == "from_entity" and mapping.entity == "amount"
    assert mapping.not_intent == ("chitchat",)
    assert mapping.conditions == (MappingCondition("withdrawal_form", "amount"),)
    assert mapping.source == "domain.yml:25"
    assert domain.slots["payment_method"].values == ("papara", "havale", "kredi_karti")
    assert domain.slots["payment_method"].mappings[0].role == "source"
    confirmed = domain.slots["confirmed"]
    assert confirmed.initial_value is False
    assert confirmed.mappings[0].intent == ("affirm", "greet")
    assert confirmed.mappings[0].value is True
    assert domain.slots["note"].influence_conversation is False
    assert domain.slots["note"].mappings[0].conditions == (MappingCondition("complaint_form"),)
    assert domain.slots["tags"].mappings[0].action == "action_fill_tags"
    assert domain.slots["raw_profile"].influence_conversation is False  # any: never
    assert domain.slots["vip_level"].type == "addons.slots.VipSlot"
    assert domain.slots["vip_level"].options == {"threshold": 3}
    assert domain.slots["amount"].source == "domain.yml:20"

    greet = domain.responses["utter_greet"]
    assert [v.text for v in greet] == [
        "Merhaba {username}! Size nasıl yardımcı olabilirim?", "Selam!",
    ]  # fmt: skip
    assert greet[1].channel == "telegram" and greet[1].source == "domain.yml:68"
    ask = domain.responses["utter_ask_payment_method"][0]
    assert ask.buttons == (
        Button("Papara", '/inform{"payment_method": "papara"}'), Button("100", None),
    )  # fmt: skip
    vip = domain.responses["utter_vip"]
    assert vip[0].condition == (ResponseCondition("slot", "vip_level", 3),)
    assert vip[1].custom == {"kind": "card", "blocks": [1, 2]}
    assert vip[2].image == "https://example.invalid/logo.png"
    assert vip[3].attachment == {"type": "file"}
    assert vip[4].quick_replies == [{"title": "Evet"}]

    assert domain.forms["withdrawal_form"] == Form(
        "withdrawal_form", ("amount", "payment_method"), ("chitchat",)
    )
    assert domain.forms["complaint_form"].required_slots == ()
    assert domain.actions == ("action_check_balance", "action_handover", "validate_withdrawal_form")
    assert domain.send_domain_actions == frozenset({"action_handover"})
    assert domain.session_config == SessionConfig(30, False)
    assert domain.store_entities_as_slots is False
    assert domain.warnings == ()


def test_as_dict_has_the_action_server_shape(project: Path) -> None:
    as_dict = read_domain(write("domain.yml", DOMAIN)).as_dict()
    json.dumps(as_dict)  # plain JSON, no LineDicts or tuples left over
    assert list(as_dict) == [
        "config", "session_config", "intents", "entities", "slots",
        "responses", "actions", "forms", "e2e_actions",
    ]  # fmt: skip
    assert as_dict["config"] == {"store_entities_as_slots": False}
    assert as_dict["session_config"] == {
        "session_expiration_time": 30,
        "carry_over_slots_to_new_session": False,
    }
    assert as_dict["intents"][0] == {"greet": {"use_entities": True}}
    assert as_dict["intents"][1] == {
        "withdrawal_request": {"use_entities": ["amount", "payment_method"]}
    }
    assert as_dict["intents"][2] == {"chitchat": {"use_entities": []}}
    assert as_dict["intents"][3] == {"complaint": {"ignore_entities": ["username"]}}
    assert as_dict["entities"][0] == "amount"
    assert as_dict["entities"][3] == {
        "city": {"roles": ["departure", "destination"], "groups": ["1", "2"]}
    }
    amount = as_dict["slots"]["amount"]
    assert amount["type"] == "rasa.shared.core.slots.FloatSlot"
    assert (amount["min_value"], amount["max_value"]) == (0.0, 100000.0)
    assert amount["mappings"][0]["conditions"] == [
        {"active_loop": "withdrawal_form", "requested_slot": "amount"}
    ]
    assert as_dict["slots"]["payment_method"]["values"] == ["papara", "havale", "kredi_karti"]
    assert as_dict["slots"]["vip_level"]["type"] == "addons.slots.VipSlot"
    assert as_dict["slots"]["confirmed"]["initial_value"] is False
    assert as_dict["responses"]["utter_greet"][1] == {"text": "Selam!", "channel": "telegram"}
    assert as_dict["actions"][1] == {"action_handover": {"send_domain": True}}
    assert as_dict["forms"]["withdrawal_form"] == {
        "required_slots": ["amount", "payment_method"],
        "ignored_intents": ["chitchat"],
    }
    assert as_dict["forms"]["complaint_form"] == {"required_slots": []}


def test_empty_domain_has_rasa_defaults(project: Path) -> None:
    domain = read_domain(write("domain.yml", ""))
    assert domain == Domain()
    assert domain.session_config == SessionConfig(60, True)
    assert domain.as_dict()["config"] == {"store_entities_as_slots": True}


def test_knows_actions_responses_forms_and_builtins(project: Path) -> None:
    domain = read_domain(
        write(
            "domain.yml",
            "responses:\n  utter_faq/limits:\n  - text: Günlük 50.000 TL.\n"
            "  utter_bye:\n  - text: Görüşmek üzere\n"
            "forms:\n  kyc_form:\n    required_slots: []\nactions: [action_x]\n",
        )
    )
    for name in ("utter_faq", "utter_bye", "kyc_form", "action_x", "action_listen"):
        assert domain.knows_action(name), name
    assert not domain.knows_action("action_y")


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("slots:\n  s:\n    type: txt\n", "domain.yml:3", "slot 's' has unknown type 'txt'"),
        ("slots:\n  s:\n    mappings: []\n", "domain.yml:2", "needs a type:"),
        ("slots:\n  s:\n    type: unfeaturized\n", "domain.yml:3", "Rasa 3 removed"),
        (
            "slots:\n  s:\n    type: any\n    influence_conversation: true\n",
            "domain.yml:2",
            "cannot influence",
        ),
        (
            "slots:\n  s:\n    type: float\n    min_value: 5\n    max_value: 1\n",
            "domain.yml:2",
            "min_value 5.0 above max_value 1.0",
        ),
        (
            "slots:\n  s:\n    type: float\n    max_value: lots\n",
            "domain.yml:2",
            "max_value must be a number",
        ),
        (
            "slots:\n  s:\n    type: text\n    mappings:\n    - type: from_llm\n",
            "domain.yml:5",
            "mapping of unknown type 'from_llm'",
        ),
        (
            "slots:\n  s:\n    type: text\n    mappings:\n    - type: from_entity\n",
            "domain.yml:5",
            "needs entity:",
        ),
        (
            "slots:\n  s:\n    type: bool\n    mappings:\n    - type: from_intent\n"
            "      intent: x\n",
            "domain.yml:5",
            "needs value:",
        ),
        (
            "responses:\n  utter_x:\n    text: hi\n",
            "domain.yml:2",
            "response 'utter_x' must be a list",
        ),
        ("responses:\n  utter_x:\n  - hi\n", "domain.yml:3", "must be a mapping"),
        ("responses:\n  utter_x:\n  - text: null\n", "domain.yml:3", "has no content"),
        (
            "responses:\n  utter_x:\n  - text: a\n    buttons:\n    - payload: /x\n",
            "domain.yml:3",
            "has no title",
        ),
        (
            "forms:\n  f:\n    required_slots:\n      s:\n      - type: from_text\n",
            "domain.yml:2",
            "must be a list of slot names",
        ),
        ("intents:\n  - a: 1\n", "domain.yml:2", "the properties of 'a' must be a mapping"),
        ("intents:\n  - {a: {}, b: {}}\n", "domain.yml:2", "an intent must be a name"),
        ("intents: greet\n", "domain.yml:1", "'intents' must be a list"),
        ("session_config:\n  session_expiration_time: -1\n", "domain.yml:1", "minutes"),
        ("config:\n  store_entities_as_slots: maybe\n", "domain.yml:1", "true or false"),
    ],
)
def test_malformed_domain_names_file_and_line(
    project: Path, text: str, where: str, expected: str
) -> None:
    write("domain.yml", text)
    with pytest.raises(DataError) as err:
        read_domain("domain.yml")
    assert str(err.value).startswith(f"{where}: ")
    assert expected in str(err.value)


def test_domain_directory_is_merged(project: Path) -> None:
    write(
        "domain/core.yml", "intents: [greet, bye]\nsession_config:\n  session_expiration_time: 5\n"
    )
    write(
        "domain/finance.yml",
        "intents: [withdrawal_request, greet]\nentities: [amount]\n"
        "responses:\n  utter_greet:\n  - text: Selam\n"
        "slots:\n  amount:\n    type: float\n",
    )
    write("domain/more/kyc.yml", "responses:\n  utter_greet:\n  - text: Merhaba\n")
    write("domain/notes.yml", "title: not a domain file\n")
    domain = read_domain("domain")
    assert domain.intent_names == ["greet", "bye", "withdrawal_request"]
    assert domain.session_config.session_expiration_time == 5
    assert domain.responses["utter_greet"][0].text == "Selam"
    assert [(w.code, w.source) for w in domain.warnings] == [
        ("D205", "domain/finance.yml:1"),
        ("D205", "domain/more/kyc.yml:2"),
    ]
    assert "also at domain/core.yml:1" in domain.warnings[0].message
    assert "also at domain/finance.yml:4" in domain.warnings[1].message


def test_several_files_and_duplicate_actions(project: Path) -> None:
    write("a.yml", "actions: [action_a, action_b]\n")
    write("b.yml", "actions:\n- action_a\ne2e_actions: [Merhaba!]\n")
    domain = read_domain(["a.yml", "b.yml"])
    assert domain.actions == ("action_a", "action_b")
    assert domain.e2e_actions == ("Merhaba!",)
    assert [(w.code, w.source) for w in domain.warnings] == [("D205", "b.yml:2")]
