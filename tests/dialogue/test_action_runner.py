"""The apology when an action fails: the domain's, Destek's Turkish one, or nothing."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.dialogue.action_runner import ACTION_FAILED_TEXT, ActionRunner
from bot.dialogue.domain import read_domain
from bot.dialogue.events import BotUttered
from bot.dialogue.tracker import Tracker

WITH_APOLOGY = """version: "3.1"
intents: [greet]
responses:
  utter_action_failed:
  - text: "Sorry, that did not work. A colleague will take over."
"""
WITHOUT = """version: "3.1"
intents: [greet]
responses:
  utter_greet:
  - text: "Hello!"
"""


def _said(domain_yaml: str, language: str, tmp_path: Path) -> list[str | None]:
    (tmp_path / "domain.yml").write_text(domain_yaml, encoding="utf-8")
    domain = read_domain(tmp_path / "domain.yml")
    runner = ActionRunner(domain, None, "3.6.21", random.Random(1), language)
    events = runner.failure("action_failed", Tracker.from_events("p1", [], domain))
    return [e.text for e in events if isinstance(e, BotUttered)]


@pytest.mark.parametrize("language", ["en", "tr"])
def test_the_domains_apology_wins(tmp_path: Path, language: str) -> None:
    said = _said(WITH_APOLOGY, language, tmp_path)
    assert said == ["Sorry, that did not work. A colleague will take over."]


def test_a_turkish_bot_without_one_says_destek_s_apology(tmp_path: Path) -> None:
    assert _said(WITHOUT, "tr", tmp_path) == [ACTION_FAILED_TEXT]


def test_a_bot_in_another_language_hears_no_turkish(tmp_path: Path) -> None:
    assert _said(WITHOUT, "en", tmp_path) == []
