"""Rasa's callback channel: ``success`` at once, the replies POSTed to a receiver."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from tests.dialogue.engine_project import train_project
from tests.live_server import LiveServer

WEBHOOK = "/webhooks/callback/webhook"


class Receiver:
    """The site's callback endpoint: records replies; can fail the first ``fail`` posts."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail = 0
        self.app = FastAPI()

        @self.app.post("/bot")
        async def receive(request: Request) -> Response:
            if self.fail > 0:
                self.fail -= 1
                return Response(status_code=503)
            self.received.append(await request.json())
            return Response(status_code=200)

    def wait_for(self, count: int, seconds: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"got {self.received}"
            time.sleep(0.02)
        return self.received


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return TrainedModel(trained_light_pipeline, core=train_project(tmp_path_factory.mktemp("cb")))


def _settings(root: Path, url: str) -> Settings:
    (root / "credentials.yml").write_text(f"callback:\n  url: {url}\n", encoding="utf-8")
    (root / "endpoints.yml").write_text("tracker_store:\n  type: in_memory\n", encoding="utf-8")
    return Settings(endpoints=root / "endpoints.yml", credentials=root / "credentials.yml")


def test_replies_reach_the_callback_url_in_order(tmp_path: Path, model: TrainedModel) -> None:
    receiver = Receiver()
    with (
        LiveServer(receiver.app) as site,
        LiveServer(create_app(_settings(tmp_path, site.url + "/bot"), model)) as bot,
    ):
        response = httpx.post(bot.url + WEBHOOK, json={"sender": "c1", "message": "merhaba"})
        assert response.status_code == 200
        assert response.text == "success"
        response = httpx.post(bot.url + WEBHOOK, json={"sender": "c1", "message": "/thank"})
        replies = receiver.wait_for(2)
    assert [r["text"] for r in replies] == ["Merhaba oyuncu!", "Rica ederim."]
    assert replies[0]["recipient_id"] == "c1"
    assert replies[0]["buttons"][0]["title"] == "Yatırım"


def test_a_failing_receiver_gets_the_reply_on_a_retry(tmp_path: Path, model: TrainedModel) -> None:
    receiver = Receiver()
    receiver.fail = 2
    with (
        LiveServer(receiver.app) as site,
        LiveServer(create_app(_settings(tmp_path, site.url + "/bot"), model)) as bot,
    ):
        httpx.post(bot.url + WEBHOOK, json={"sender": "c2", "message": "/thank"})
        replies = receiver.wait_for(1)
    assert replies == [{"recipient_id": "c2", "text": "Rica ederim."}]


def test_replies_of_quick_messages_keep_their_order_through_retries(
    tmp_path: Path, model: TrainedModel
) -> None:
    receiver = Receiver()
    receiver.fail = 1  # the first delivery is retried while the next ones queue behind it
    texts = ["merhaba", "/thank", "merhaba", "/thank"]
    with (
        LiveServer(receiver.app) as site,
        LiveServer(create_app(_settings(tmp_path, site.url + "/bot"), model)) as bot,
    ):
        for text in texts:
            httpx.post(bot.url + WEBHOOK, json={"sender": "c5", "message": text})
        replies = receiver.wait_for(4)
    assert [r["text"] for r in replies] == [
        "Merhaba oyuncu!", "Rica ederim.", "Merhaba oyuncu!", "Rica ederim.",
    ]  # fmt: skip


def test_pending_replies_are_delivered_before_shutdown(tmp_path: Path, model: TrainedModel) -> None:
    receiver = Receiver()
    receiver.fail = 1
    with LiveServer(receiver.app) as site:
        with LiveServer(create_app(_settings(tmp_path, site.url + "/bot"), model)) as bot:
            httpx.post(bot.url + WEBHOOK, json={"sender": "c3", "message": "/thank"})
        # The bot has shut down; its shutdown waited for the retried delivery.
        assert [r["text"] for r in receiver.received] == ["Rica ederim."]


def test_a_bad_body_is_a_400(tmp_path: Path, model: TrainedModel) -> None:
    with LiveServer(create_app(_settings(tmp_path, "http://127.0.0.1:9/bot"), model)) as bot:
        response = httpx.post(bot.url + WEBHOOK, content="{oops")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]


def test_a_callback_without_a_url_is_a_config_error(tmp_path: Path, model: TrainedModel) -> None:
    settings = _settings(tmp_path, "ftp://nowhere")
    with pytest.raises(ConfigError, match=r"callback\.url"):
        create_app(settings, model)
