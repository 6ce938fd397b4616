"""A small project in Rasa's layout with retrieval intents (an FAQ and chitchat)."""

from __future__ import annotations

from pathlib import Path

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello
    - good morning
    - merhaba
- intent: faq/ask_name
  examples: |
    - what is your name
    - who are you
    - may i know your name
    - what should i call you
- intent: faq/ask_hours
  examples: |
    - when are you open
    - what are your opening hours
    - are you open on sunday
    - until when can i reach you
- intent: chitchat/ask_weather
  examples: |
    - how is the weather
    - is it raining outside
    - will it be sunny today
"""
DOMAIN = """version: "3.1"
intents: [greet, faq, chitchat]
responses:
  utter_greet:
  - text: "Hello!"
  utter_faq/ask_name:
  - text: "I am Destek."
  utter_faq/ask_hours:
  - text: "We are open around the clock."
  utter_chitchat/ask_weather:
  - text: "Sunny, probably."
"""
RULES = """version: "3.1"
rules:
- rule: answer the faq
  steps:
  - intent: faq
  - action: utter_faq
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
"""
CONFIG = """language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
  - name: ResponseSelector
    epochs: 100
  - name: FallbackClassifier
policies:
  - name: RulePolicy
"""


def write_retrieval_project(root: Path) -> None:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "nlu.yml").write_text(NLU, encoding="utf-8")
    (root / "data" / "rules.yml").write_text(RULES, encoding="utf-8")
    (root / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (root / "config.yml").write_text(CONFIG, encoding="utf-8")
