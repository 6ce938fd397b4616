"""Helpers for the web chat tests: a live server with the engine-test bot behind the
web chat channel. Imported explicitly by the test modules (no conftest)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from bot.channels import in_space
from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from bot.workbench.training import train_core
from connectors.webchat.relay import SESSION_ID, new_session_id  # noqa: F401  (the tests make ids so)
from connectors.webchat.session_ids import SessionIds
from tests.conftest import TEST_CHANNEL_SECRET
from tests.connectors.outbound_route import with_deliver_route
from tests.dialogue.engine_project import TOKEN_SECRET
from tests.live_server import LiveServer

# What the server derives the web chat's key from (bot/server/app.py: _build_channels).
_SESSION_IDS = SessionIds(
    hmac.new(TEST_CHANNEL_SECRET.encode(), b"webchat", hashlib.sha256).hexdigest()
)

__all__ = [
    "ANYTHING_ELSE",
    "BONUS_IMAGE",
    "GREETING",
    "METHODS",
    "TOKEN_SECRET",
    "chat_model",
    "player_token",
    "tracker",
    "wait_until",
    "webchat_server",
]

WEBCHAT = "webchat:\n  typing_min_ms: 300\n"
GREETING = "Merhaba oyuncu! Size nasıl yardımcı olabilirim?"
METHODS = "Papara, havale ve kripto ile yatırabilirsiniz.\n\nEn düşük yatırım 100 TL."
ANYTHING_ELSE = "Başka bir konuda yardımcı olabilir miyim?"
BONUS_IMAGE = "https://example.com/bonus.png"
PROJECT = {
    "domain.yml": f"""\
version: "3.1"
intents: [greet, thank, deposit_methods, bonus_info, password_reset, deposit_missing]
slots:
  name: {{type: text, influence_conversation: false, initial_value: oyuncu,
         mappings: [{{type: custom}}]}}
  verified: {{type: bool, initial_value: false, mappings: [{{type: custom}}]}}
  player_id: {{type: any, influence_conversation: false, mappings: [{{type: custom}}]}}
responses:
  utter_greet:
    - text: "Merhaba {{name}}! Size nasıl yardımcı olabilirim?"
      buttons:
        - {{title: "Yatırım yöntemleri", payload: /deposit_methods}}
        - {{title: "Bonuslar", payload: /bonus_info}}
  utter_deposit_methods: [{{text: {json.dumps(METHODS, ensure_ascii=False)}}}]
  utter_anything_else: [{{text: "{ANYTHING_ELSE}"}}]
  utter_bonus: [{{text: "Hoş geldin bonusu yüzde yüz.", image: "{BONUS_IMAGE}"}}]
  utter_youre_welcome: [{{text: "Rica ederim."}}]
  utter_default: [{{text: "Anlayamadım, tekrar yazar mısınız?"}}]
""",
    "config.yml": "language: tr\npipeline: []\npolicies:\n  - name: RulePolicy\n",
    "data/rules.yml": """\
version: "3.1"
rules:
- rule: greet
  steps: [{intent: greet}, {action: utter_greet}]
- rule: deposit methods
  steps: [{intent: deposit_methods}, {action: utter_deposit_methods},
          {action: utter_anything_else}]
- rule: bonus
  steps: [{intent: bonus_info}, {action: utter_bonus}]
- rule: thank
  steps: [{intent: thank}, {action: utter_youre_welcome}]
""",
}


def chat_model(factory: pytest.TempPathFactory, pipeline: Pipeline) -> TrainedModel:
    """The light NLU pipeline and a small support dialogue: the greeting has two buttons,
    deposit methods answer with two messages (the first of two paragraphs), the bonus
    answer has an image."""
    root = factory.mktemp("webchat-project")
    for name, text in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    core = train_core(
        read_config(root / "config.yml"),
        read_domain(root / "domain.yml"),
        load_stories([root / "data"]),
    )
    return TrainedModel(pipeline, core=core)


@contextmanager
def webchat_server(
    root: Path,
    model: TrainedModel,
    credentials: str = WEBCHAT,
    *,
    shared: str = "",
    deliver_route: bool = False,
    **extra: Any,
) -> Iterator[LiveServer]:
    """A live server whose credentials.yml is ``credentials``; trackers in SQLite.

    ``shared``: more endpoints.yml sections (a Redis lock store and fan-out);
    ``deliver_route``: add the test route that sends messages outside a turn.
    """
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n{shared}",
        encoding="utf-8",
    )
    (root / "credentials.yml").write_text(credentials, encoding="utf-8")
    settings = Settings(
        endpoints=endpoints,
        credentials=root / "credentials.yml",
        player_token_secret=TOKEN_SECRET,
        **extra,
    )
    app = create_app(settings, model)
    with LiveServer(with_deliver_route(app) if deliver_route else app) as server:
        yield server


def player_token(player_id: str = "oyuncu-42") -> str:
    """A token the website would sign for a logged-in player."""
    claims = {"sub": player_id, "aud": "destek-player", "exp": int(time.time()) + 3600}
    return jwt.encode(claims, TOKEN_SECRET, algorithm="HS256")


def conversation_of(session_id: str) -> str:
    """The stored conversation id of a web-chat session id."""
    return in_space("webchat", _SESSION_IDS.conversation(session_id))


def tracker(server: LiveServer, conversation_id: str) -> dict[str, Any]:
    """The tracker of a conversation; a web-chat session id names its own conversation."""
    if SESSION_ID.match(conversation_id) or conversation_id.startswith("rasa-"):
        conversation_id = conversation_of(conversation_id)
    response = httpx.get(f"{server.url}/conversations/{conversation_id}/tracker", timeout=30)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``check`` against a deadline (for effects that have no event to await)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.02)
