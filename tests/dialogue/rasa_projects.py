"""Small projects in Rasa's layout, each reproducing how real Rasa 3 projects use a feature
(formbot's "yes" into a text slot, financial-demo's ``use_entities``, a domain without
``utter_default``), with helpers to train them and talk to them through a keyword NLU."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.config import read_config
from bot.dialogue.action_client import ActionClient
from bot.dialogue.domain import read_domain
from bot.dialogue.engine import Engine, EngineConfig
from bot.dialogue.story_reader import load_stories
from bot.model_storage import CoreModel
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.workbench.training import train_core

Project = Mapping[str, str]
Parser = Callable[[str], Awaitable[Mapping[str, Any]]]

CONFIG = """\
language: tr
pipeline: []
policies:
  - name: RulePolicy
  - name: MemoizationPolicy
    max_history: 5
"""

# A table booking form as Rasa's formbot writes it: the "outdoor_seating" text slot takes
# `value: true` from affirm and `false` from deny, and the form's validator turns a seating
# entity into True/False as well. As in helpdesk-assistant, a custom action asks for one
# slot although a response of the same name exists: Rasa runs the action.
TABLE_FORM: Project = {
    "config.yml": CONFIG,
    "domain.yml": """\
version: "3.1"
intents: [request_table, affirm, deny, inform]
entities: [seating]
slots:
  outdoor_seating:
    type: text
    influence_conversation: false
    mappings:
    - type: from_entity
      entity: seating
    - type: from_intent
      intent: affirm
      value: true
      conditions:
      - active_loop: table_form
        requested_slot: outdoor_seating
    - type: from_intent
      intent: deny
      value: false
      conditions:
      - active_loop: table_form
        requested_slot: outdoor_seating
  preferences:
    type: text
    influence_conversation: false
    mappings:
    - type: from_text
      not_intent: affirm
      conditions:
      - active_loop: table_form
        requested_slot: preferences
forms:
  table_form:
    required_slots: [outdoor_seating, preferences]
responses:
  utter_ask_outdoor_seating: [{text: "Dışarıda mı oturmak istersiniz?"}]
  utter_ask_preferences: [{text: "Başka bir isteğiniz var mı?"}]
  utter_submit: [{text: "Tamam!"}]
actions: [validate_table_form, action_ask_preferences]
""",
    "data/rules.yml": """\
version: "3.1"
rules:
- rule: start the table form
  steps:
  - intent: request_table
  - action: table_form
  - active_loop: table_form
- rule: submit the table form
  condition:
  - active_loop: table_form
  steps:
  - action: table_form
  - active_loop: null
  - slot_was_set:
    - requested_slot: null
  - action: utter_submit
""",
}
TABLE_FORM_ACTIONS = """\
from rasa_sdk import Action
from rasa_sdk.forms import FormValidationAction


class ActionAskPreferences(Action):
    def name(self):
        return "action_ask_preferences"

    def run(self, dispatcher, tracker, domain):
        where = "dışarıda" if tracker.get_slot("outdoor_seating") is True else "içeride"
        dispatcher.utter_message(text=f"Masanız {where}. Başka bir isteğiniz var mı?")
        return []


class ValidateTableForm(FormValidationAction):
    def name(self):
        return "validate_table_form"

    def validate_outdoor_seating(self, value, dispatcher, tracker, domain):
        if isinstance(value, str):  # formbot's validator: an entity becomes True/False
            return {"outdoor_seating": "dış" in value}
        return {"outdoor_seating": value}
"""


def write_project(root: Path, project: Project) -> Path:
    for name, text in project.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def train_project(root: Path, project: Project) -> CoreModel:
    write_project(root, project)
    return train_core(
        read_config(root / "config.yml"),
        read_domain(root / "domain.yml"),
        load_stories([root / "data"]),
    )


def keyword_nlu(
    keywords: Sequence[tuple[str, str]],
    entities: Callable[[str], list[dict[str, Any]]] = lambda text: [],
) -> Parser:
    """NLU stand-in: the intent of the first keyword in the text (else nlu_fallback),
    and the entities ``entities`` finds."""

    async def parse(text: str) -> Mapping[str, Any]:
        lowered = text.lower()
        intent = next((i for word, i in keywords if word in lowered), "nlu_fallback")
        confidence = 0.95 if intent != "nlu_fallback" else 0.2
        ranking = [{"name": intent, "confidence": confidence}]
        return {
            "text": text,
            "intent": ranking[0],
            "entities": entities(lowered),
            "intent_ranking": ranking,
        }

    return parse


def make_engine(
    core: CoreModel, parse: Parser, action_client: ActionClient | None = None
) -> Engine:
    return Engine(
        core.domain,
        core.policies,
        parse,
        InMemoryTrackerStore(),
        InMemoryLockStore(),
        action_client=action_client,
        config=EngineConfig(seed=1),
    )


# Entities in the dialogue state as financial-demo uses them: intents that use no entity,
# a list of them, or ignore one; an entity with roles, in stories and in a rule. Every
# entity still fills its slot.
CARD_PAYMENT: Project = {
    "config.yml": CONFIG,
    "domain.yml": """\
version: "3.1"
intents:
- pay_cc:
    use_entities: []
- check_balance:
    use_entities: [account_type]
- transfer:
    ignore_entities: [amount]
- book_trip
- cancel_trip
entities:
- credit_card
- account_type
- amount
- city:
    roles: [departure, destination]
slots:
  credit_card:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: credit_card}]
  account_type:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: account_type}]
  amount:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: amount}]
  departure:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: city, role: departure}]
responses:
  utter_pay: [{text: "Hangi karttan ödeyelim?"}]
  utter_balance_account: [{text: "O hesabın bakiyesi 100 TL."}]
  utter_ask_account: [{text: "Hangi hesap?"}]
  utter_transfer: [{text: "Kime gönderelim?"}]
  utter_ask_destination: [{text: "Nereye gideceksiniz?"}]
  utter_confirm_trip: [{text: "Yolculuğunuzu onaylıyor musunuz?"}]
  utter_cancel_destination: [{text: "Oraya giden biletinizi iptal ediyorum."}]
""",
    "data/stories.yml": """\
version: "3.1"
stories:
- story: pay a card (the message names the card)
  steps:
  - intent: pay_cc
  - action: utter_pay
- story: balance of an account
  steps:
  - intent: check_balance
    entities:
    - account_type: vadesiz
  - action: utter_balance_account
- story: balance without an account
  steps:
  - intent: check_balance
  - action: utter_ask_account
- story: a transfer written with its amount
  steps:
  - intent: transfer
    entities:
    - amount: 500 TL
  - action: utter_transfer
- story: a trip from somewhere
  steps:
  - intent: book_trip
    entities:
    - city: Ankara
      role: departure
  - action: utter_ask_destination
- story: a trip from somewhere to somewhere
  steps:
  - intent: book_trip
    entities:
    - city: Ankara
      role: departure
    - city: İzmir
      role: destination
  - action: utter_confirm_trip
""",
    "data/rules.yml": """\
version: "3.1"
rules:
- rule: cancel the trip to a city
  steps:
  - intent: cancel_trip
    entities:
    - city: İzmir
      role: destination
  - action: utter_cancel_destination
""",
}
