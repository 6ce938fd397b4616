"""Messages outside a turn reach a Telegram player through the real python-telegram-bot
and a fake Bot API on loopback; a Bot API that fails is a clear error, not a crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.model_storage import TrainedModel
from bot.server import create_app
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.outbound_route import deliver, with_deliver_route
from tests.connectors.telegram_fixtures import (
    CHAT_ID,
    SECRET,
    WEBHOOK,
    fake,
    message_update,
    telegram_model,
    telegram_settings,
)
from tests.live_server import LiveServer

__all__ = ["fake", "telegram_model"]

AGENT = {"text": "Merhaba, ben Ayşe. Çekiminizi kontrol ediyorum."}


@pytest.fixture
def app(tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram) -> Iterator[LiveServer]:
    settings = telegram_settings(tmp_path, fake)
    with LiveServer(with_deliver_route(create_app(settings, telegram_model))) as server:
        yield server


def _player_writes(server: LiveServer, update_id: int, text: str) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = message_update(update_id, text)
    response = httpx.post(server.url + WEBHOOK, json=update, headers=headers, timeout=30)
    assert response.status_code == 200


def _events(server: LiveServer) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.url}/conversations/telegram:{CHAT_ID}/tracker", timeout=30)
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def test_an_agents_message_reaches_the_chat(app: LiveServer, fake: FakeTelegram) -> None:
    _player_writes(app, 1, "merhaba")
    rating = {"text": "Görüşmemizi 1-5 arası puanlar mısınız?",
              "buttons": [{"title": "5", "payload": '/csat{"score": 5}'}]}  # fmt: skip
    response = deliver(app.url, f"telegram:{CHAT_ID}", AGENT, rating)
    assert response.json() == {"channel": "telegram"}
    sent = fake.wait_for("sendMessage", 3)[1:]  # after the greeting
    assert [s["chat_id"] for s in sent] == [CHAT_ID, CHAT_ID]
    assert [s["text"] for s in sent] == [AGENT["text"], rating["text"]]
    [[button]] = sent[1]["reply_markup"]["inline_keyboard"]
    assert button["text"] == "5" and button["callback_data"] == '/csat{"score": 5}'


def test_a_bot_api_that_keeps_failing_is_a_clear_error_and_the_tracker_is_intact(
    app: LiveServer, fake: FakeTelegram
) -> None:
    _player_writes(app, 2, "merhaba")
    before = _events(app)
    fake.fail_next("sendMessage", 500, times=4)
    response = deliver(app.url, f"telegram:{CHAT_ID}", AGENT)
    assert response.status_code == 502
    assert response.json()["error"] == "DeliveryError"
    assert "Bot API did not take a message" in response.json()["message"]
    assert _events(app) == before
    assert deliver(app.url, f"telegram:{CHAT_ID}", AGENT).status_code == 200  # it is back
    assert fake.calls_to("sendMessage")[-1]["text"] == AGENT["text"]
