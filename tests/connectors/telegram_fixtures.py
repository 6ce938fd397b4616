"""Updates as Telegram sends them, a bot trained for the Telegram tests, and a Destek
server whose credentials.yml points the Telegram channel at a :class:`FakeTelegram`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from bot.workbench.training import train_core
from tests.connectors.fake_telegram import TOKEN, FakeTelegram
from tests.dialogue.engine_project import write_project
from tests.live_server import LiveServer

__all__ = [
    "CHAT_ID",
    "LONG_PAYLOAD",
    "SECRET",
    "WEBHOOK",
    "callback_update",
    "fake",
    "message_update",
    "serve",
    "telegram_model",
    "telegram_settings",
]

CHAT_ID = 555000111
SECRET = "gizli_Anahtar-42"
WEBHOOK = "/webhooks/telegram/webhook"
SHORT_PAYLOAD = '/deposit_missing{"payment_method": "papara"}'
LONG_PAYLOAD = '/thank{"amount": "bin beş yüz Türk lirası, dün akşam yatırdığım"}'
_GREET_BUTTON = f"        - {{title: \"Yatırım\", payload: '{SHORT_PAYLOAD}'}}\n"


@pytest.fixture(scope="module")
def telegram_model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    """The engine tests' bot, whose greeting also has a button with a payload over 64 bytes."""
    root = tmp_path_factory.mktemp("telegram-project")
    write_project(root)
    domain = root / "domain.yml"
    text = domain.read_text(encoding="utf-8")
    assert _GREET_BUTTON in text
    long_button = f"        - {{title: \"Teşekkürler\", payload: '{LONG_PAYLOAD}'}}\n"
    domain.write_text(text.replace(_GREET_BUTTON, _GREET_BUTTON + long_button), encoding="utf-8")
    core = train_core(
        read_config(root / "config.yml"), read_domain(domain), load_stories([root / "data"])
    )
    return TrainedModel(trained_light_pipeline, core=core)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@contextmanager
def serve(
    root: Path, model: TrainedModel, fake: FakeTelegram, **options: Any
) -> Iterator[LiveServer]:
    """Destek with a Telegram channel pointed at ``fake``; ``options`` override or, as
    None, drop the webhook defaults (``webhook_url=None``: long polling)."""
    with LiveServer(create_app(telegram_settings(root, fake, **options), model)) as server:
        yield server


def telegram_settings(root: Path, fake: FakeTelegram, **options: Any) -> Settings:
    """The settings :func:`serve` uses: credentials.yml and SQLite trackers in ``root``."""
    section = {
        "access_token": TOKEN,
        "verify": "@destek_test_bot",
        "webhook_url": "https://destek.example/webhooks/telegram/webhook",
        "secret_token": SECRET,
        "base_url": fake.base_url,
        "base_file_url": fake.base_file_url,
        **options,
    }
    lines = ["telegram:"] + [f"  {k}: {v!r}" for k, v in section.items() if v is not None]
    (root / "credentials.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "endpoints.yml").write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n", encoding="utf-8"
    )
    return Settings(endpoints=root / "endpoints.yml", credentials=root / "credentials.yml")


def _user(user_id: int = CHAT_ID) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Ayşe", "username": "ayse_oyuncu",
            "language_code": "tr"}  # fmt: skip


def _chat(chat_id: int = CHAT_ID) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Ayşe"}


def message_update(
    update_id: int, text: str | None = None, chat_id: int = CHAT_ID, kind: str = "message",
    **content: Any,
) -> dict[str, Any]:  # fmt: skip
    """An update with a message (``kind`` "edited_message" for an edit); ``content``
    adds fields such as ``sticker={...}``."""
    message: dict[str, Any] = {
        "message_id": update_id * 10,
        "date": int(time.time()),
        "chat": _chat(chat_id),
        "from": _user(chat_id),
        **content,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, kind: message}


def callback_update(
    update_id: int, data: str, keyboard: dict[str, Any] | None = None, chat_id: int = CHAT_ID
) -> dict[str, Any]:
    """A button press under a bot message that had ``keyboard`` (its reply_markup)."""
    message: dict[str, Any] = {
        "message_id": update_id * 10,
        "date": int(time.time()),
        "chat": _chat(chat_id),
        "from": {"id": 123456, "is_bot": True, "first_name": "Destek"},
        "text": "Merhaba oyuncu!",
    }
    if keyboard is not None:
        message["reply_markup"] = keyboard
    query = {"id": f"cbq-{update_id}", "from": _user(chat_id), "chat_instance": "ci-1",
             "data": data, "message": message}  # fmt: skip
    return {"update_id": update_id, "callback_query": query}
