"""A small bot for engine tests: its domain, rules, stories, and an NLU stand-in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import read_config
from bot.dialogue.action_client import ActionClient
from bot.dialogue.domain import Domain, read_domain
from bot.dialogue.engine import Engine, EngineConfig
from bot.dialogue.story_reader import load_stories
from bot.live_agents import LiveAgentConnector
from bot.model_storage import CoreModel
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.workbench.training import train_core

TOKEN_SECRET = "gizli-anahtar-otuz-iki-bayttan-uzun-olmali"  # HS256 wants 32 bytes or more
DOMAIN = """\
version: "3.1"
intents: [greet, thank, deposit_missing, balance, human_handoff, complaint, deposit_methods,
          technical_issue, deny, out_of_scope, bonus_info, kyc_status]
entities: [amount, payment_method]
slots:
  amount:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: amount}]
  payment_method:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: payment_method
      - type: from_text
        not_intent: [human_handoff, complaint, deposit_methods, thank]
        conditions: [{active_loop: deposit_form, requested_slot: payment_method}]
  name:
    type: text
    influence_conversation: false
    initial_value: oyuncu
    mappings: [{type: custom}]
  verified:
    type: bool
    initial_value: false
    mappings: [{type: custom}]
  player_id:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
  handoff_reason:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
  handoff_skill:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
forms:
  deposit_form:
    required_slots: [amount, payment_method]
responses:
  utter_greet:
    - text: "Merhaba {name}!"
      buttons:
        - {title: "Yatırım", payload: '/deposit_missing{"payment_method": "papara"}'}
    - text: "Selam {name}, hoş geldin!"
      condition: [{type: slot, name: verified, value: true}]
  utter_youre_welcome:
    - text: "Rica ederim."
    - text: "Telegram'dan rica ederim."
      channel: telegram
  utter_ask_amount: [{text: "Tutar ne kadardı?"}]
  utter_ask_payment_method: [{text: "Hangi yöntemle yatırdınız?"}]
  utter_deposit_methods: [{text: "Papara, havale ve kripto ile yatırabilirsiniz."}]
  utter_handoff: [{text: "Sizi temsilciye aktarıyorum."}]
  utter_complaint: [{text: "Çok üzgünüm."}]
  utter_technical_issue: [{text: "Sayfayı yenileyin."}]
  utter_technical_handoff: [{text: "Teknik ekibe aktarıyorum."}]
  utter_default: [{text: "Anlayamadım."}]
actions:
  - validate_deposit_form
  - action_check_deposit
  - action_balance
  - action_reject_me
  - action_broken
  - action_malformed
  - action_handoff
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: false
"""
RULES = """\
version: "3.1"
rules:
- rule: greet
  steps: [{intent: greet}, {action: utter_greet}]
- rule: thank
  steps: [{intent: thank}, {action: utter_youre_welcome}]
- rule: deposit methods
  steps: [{intent: deposit_methods}, {action: utter_deposit_methods}]
- rule: start the deposit form
  steps:
  - intent: deposit_missing
  - action: deposit_form
  - active_loop: deposit_form
- rule: submit the deposit form
  condition: [{active_loop: deposit_form}]
  steps:
  - action: deposit_form
  - active_loop: null
  - slot_was_set: [{requested_slot: null}]
  - action: action_check_deposit
- rule: balance
  steps: [{intent: balance}, {action: action_balance}]
- rule: human
  steps: [{intent: human_handoff}, {action: utter_handoff}, {action: action_handoff}]
- rule: complaint
  steps: [{intent: complaint}, {action: utter_complaint}, {action: action_handoff}]
- rule: human during the form
  condition: [{active_loop: deposit_form}]
  steps: [{intent: human_handoff}, {action: utter_handoff}, {action: action_handoff}]
- rule: unsure
  steps: [{intent: nlu_fallback}, {action: action_two_stage_fallback}]
- rule: technical issue
  steps: [{intent: technical_issue}, {action: utter_technical_issue}]
- rule: weather
  steps: [{intent: out_of_scope}, {action: action_reject_me}]
- rule: bonus
  steps: [{intent: bonus_info}, {action: action_broken}]
- rule: kyc
  steps: [{intent: kyc_status}, {action: action_malformed}]
"""
STORIES = """\
version: "3.1"
stories:
- story: technical issue that persists
  steps:
  - intent: technical_issue
  - action: utter_technical_issue
  - intent: deny
  - action: utter_technical_handoff
  - action: action_handoff
- story: greet then technical issue that persists
  steps:
  - intent: greet
  - action: utter_greet
  - intent: technical_issue
  - action: utter_technical_issue
  - intent: deny
  - action: utter_technical_handoff
  - action: action_handoff
"""
CONFIG = """\
language: tr
pipeline: []
policies:
  - name: RulePolicy
  - name: MemoizationPolicy
    max_history: 5
  - name: TEDPolicy
    epochs: 100
"""
KEYWORDS = (
    ("merhaba", "greet"), ("selam", "greet"), ("sağol", "thank"), ("teşekkür", "thank"),
    ("gelmedi", "deposit_missing"), ("bakiye", "balance"), ("temsilci", "human_handoff"),
    ("rezalet", "complaint"), ("yöntem", "deposit_methods"), ("hata", "technical_issue"),
    ("hayır", "deny"), ("düzelmedi", "deny"), ("hava", "out_of_scope"), ("bonus", "bonus_info"),
    ("kimlik", "kyc_status"),
)  # fmt: skip


async def keyword_nlu(text: str) -> Mapping[str, Any]:
    """NLU stand-in: an intent by keyword, amounts ("500 tl"), papara; else unsure."""
    lowered = text.lower()
    intent = next((i for word, i in KEYWORDS if word in lowered), "nlu_fallback")
    entities: list[dict[str, Any]] = []
    for word in lowered.split():
        if word.isdigit():
            entities.append({"entity": "amount", "value": f"{word} TL"})
    if "papara" in lowered:
        entities.append({"entity": "payment_method", "value": "papara"})
    ranking = [{"name": intent, "confidence": 0.9 if intent != "nlu_fallback" else 0.2}]
    if intent == "nlu_fallback":
        ranking += [
            {"name": "deposit_missing", "confidence": 0.2},
            {"name": "balance", "confidence": 0.15},
        ]
    return {"text": text, "intent": ranking[0], "entities": entities, "intent_ranking": ranking}


def write_project(root: Path) -> None:
    for name, text in (
        ("domain.yml", DOMAIN),
        ("config.yml", CONFIG),
        ("data/rules.yml", RULES),
        ("data/stories.yml", STORIES),
    ):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def train_project(root: Path) -> CoreModel:
    write_project(root)
    return train_core(
        read_config(root / "config.yml"),
        read_domain(root / "domain.yml"),
        load_stories([root / "data"]),
    )


def make_engine(
    core: CoreModel,
    *,
    action_client: ActionClient | None = None,
    store: InMemoryTrackerStore | None = None,
    config: EngineConfig | None = None,
    clock: Any = None,
    domain: Domain | None = None,
    live_agents: LiveAgentConnector | None = None,
) -> Engine:
    extra = {} if clock is None else {"clock": clock}
    return Engine(
        domain or core.domain,
        core.policies,
        keyword_nlu,
        store or InMemoryTrackerStore(),
        InMemoryLockStore(),
        action_client=action_client,
        config=config or EngineConfig(seed=1, player_token_secret=TOKEN_SECRET),
        live_agents=live_agents,
        **extra,
    )
