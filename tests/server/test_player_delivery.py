"""Messages outside a turn: found on the player's latest channel, POSTed by Rasa's
callback channel, waiting in the tracker on the REST channel, and a clear error (or, as
the desk's ``deliver``, a log line and a console notice) wherever they cannot go."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels import BotMessage, DeliveryError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.server.player_delivery import PlayerDelivery, latest_input_channel
from bot.settings import Settings
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryTrackerStore
from tests.connectors.outbound_route import deliver, with_deliver_route
from tests.dialogue.engine_project import train_project
from tests.live_server import LiveServer
from tests.server.test_callback_channel import Receiver

AGENT = {"text": "Merhaba, ben Ayşe. Çekiminizi kontrol ediyorum."}


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    root = tmp_path_factory.mktemp("delivery-project")
    return TrainedModel(trained_light_pipeline, core=train_project(root))


def _settings(root: Path, callback_url: str) -> Settings:
    credentials = f"rest:\ncallback:\n  url: {callback_url}\n"
    (root / "credentials.yml").write_text(credentials, encoding="utf-8")
    (root / "endpoints.yml").write_text("tracker_store:\n  type: in_memory\n", encoding="utf-8")
    return Settings(endpoints=root / "endpoints.yml", credentials=root / "credentials.yml")


def _events(server: LiveServer, sender: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.url}/conversations/{sender}/tracker", timeout=30)
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def test_each_conversation_is_reached_on_its_own_channel(
    tmp_path: Path, model: TrainedModel
) -> None:
    receiver = Receiver()
    with (
        LiveServer(receiver.app) as site,
        LiveServer(
            with_deliver_route(create_app(_settings(tmp_path, site.url + "/bot"), model))
        ) as bot,
    ):
        rest = httpx.post(bot.url + "/webhooks/rest/webhook",
                          json={"sender": "r1", "message": "merhaba"}, timeout=30)  # fmt: skip
        assert rest.status_code == 200
        httpx.post(bot.url + "/webhooks/callback/webhook",
                   json={"sender": "c1", "message": "merhaba"}, timeout=30)  # fmt: skip
        receiver.wait_for(1)

        assert deliver(bot.url, "c1", {"recipient_id": "c1", **AGENT}).json() == {
            "channel": "callback"
        }
        assert receiver.wait_for(2)[-1] == {"recipient_id": "c1", **AGENT}

        before = _events(bot, "r1")
        refused = deliver(bot.url, "r1", AGENT)
        assert refused.status_code == 502
        assert refused.json()["error"] == "CannotPush"
        assert "'rest' cannot send outside a turn" in refused.json()["message"]
        assert _events(bot, "r1") == before

        unknown = deliver(bot.url, "nobody", AGENT)
        assert (unknown.status_code, unknown.json()["error"]) == (502, "UnknownConversation")


def test_a_player_who_moved_channel_is_reached_on_the_latest() -> None:
    events = [
        {"event": "user", "input_channel": "telegram", "text": "merhaba"},
        {"event": "bot", "text": "Merhaba!"},
        {"event": "user", "input_channel": "webchat", "text": "selam"},
        {"event": "user", "text": "kanalı belli değil"},
        {"event": "agent_uttered", "agent_id": "ayse", "text": "Buyrun"},
    ]
    assert latest_input_channel(events) == "webchat"
    assert latest_input_channel([{"event": "bot", "text": "x"}]) is None


class BrokenChannel:
    """A channel whose pushes always fail, as a Bot API returning 500s does."""

    async def deliver(self, sender_id: str, messages: list[BotMessage]) -> None:
        raise DeliveryError("telegram: the Bot API did not take a message (NetworkError)")


class SilentChannel:
    """A channel without ``deliver``, as Rasa's REST channel."""


def test_as_the_desks_deliver_a_failure_is_logged_and_shown_to_the_console(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        store, fanout = InMemoryTrackerStore(), InMemoryFanout()
        channels = {"telegram": BrokenChannel(), "rest": SilentChannel()}
        delivery = PlayerDelivery(channels, store, fanout)
        t1 = "telegram:t1"
        await store.append(t1, [{"event": "user", "input_channel": "telegram", "text": "a"}])
        await store.append("r1", [{"event": "user", "input_channel": "rest", "text": "a"}])
        notices: list[dict[str, Any]] = []
        async with fanout.subscribe(f"handover:{t1}") as t, fanout.subscribe("handover:r1") as r:
            for sender, feed in ((t1, t), ("r1", r), ("gone", None)):
                await delivery(sender, [AGENT])  # never raises
                if feed is not None:
                    notices.append(await asyncio.wait_for(anext(feed), 5))
        return notices, await store.load(t1)

    with caplog.at_level(logging.WARNING, logger="bot.server.player_delivery"):
        notices, events = asyncio.run(scenario())
    assert [(n["sender_id"], n["type"], n["error"]) for n in notices] == [
        ("telegram:t1", "delivery_failed", "DeliveryError"),
        ("r1", "delivery_failed", "CannotPush"),
    ]
    assert notices[0]["messages"] == [AGENT] and "Bot API" in notices[0]["reason"]
    assert "did not reach the player" in caplog.text and "UnknownConversation" in caplog.text
    assert [e["event"] for e in events] == ["user"]


class PushingChannel:
    """A channel that pushes: what it sent, by conversation."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[BotMessage]]] = []

    async def deliver(self, sender_id: str, messages: list[BotMessage]) -> None:
        self.sent.append((sender_id, list(messages)))


def test_a_channel_with_its_own_ids_is_found_from_the_id_without_reading_the_tracker() -> None:
    async def scenario() -> tuple[bool, bool, list[tuple[str, list[BotMessage]]]]:
        store, fanout, telegram = InMemoryTrackerStore(), InMemoryFanout(), PushingChannel()
        delivery = PlayerDelivery({"telegram": telegram}, store, fanout)
        # no event stored at all: the id says the channel, and the channel gets its own id
        named = await delivery("telegram:t9", [AGENT], channel="telegram")
        unnamed = await delivery("telegram:t9", [AGENT])
        return named, unnamed, telegram.sent

    named, unnamed, sent = asyncio.run(scenario())
    assert sent == [("t9", [AGENT]), ("t9", [AGENT])]
    assert named is True and unnamed is True


def test_a_rest_conversation_that_names_another_channel_never_reaches_its_players() -> None:
    """A REST caller may say ``input_channel: telegram``; an agent's answer to that
    conversation must not go to the Telegram chat (or web-chat session) of the same id."""

    async def scenario() -> tuple[list[tuple[str, list[BotMessage]]], list[bool]]:
        store, fanout = InMemoryTrackerStore(), InMemoryFanout()
        telegram, webchat = PushingChannel(), PushingChannel()
        channels = {"telegram": telegram, "webchat": webchat, "socketio": webchat}
        delivery = PlayerDelivery(channels, store, fanout)
        for channel in ("telegram", "socketio"):
            await store.append(channel, [{"event": "user", "input_channel": channel, "text": "a"}])
        results = [await delivery(channel, [AGENT]) for channel in ("telegram", "socketio")]
        results.append(await delivery("12345", [AGENT], channel="telegram"))
        return telegram.sent + webchat.sent, results

    sent, results = asyncio.run(scenario())
    assert sent == []
    assert results == [True, True, True]  # nothing to retry: it can never be pushed


def test_the_desks_deliver_says_when_a_retry_could_help() -> None:
    async def scenario() -> list[bool]:
        store, fanout = InMemoryTrackerStore(), InMemoryFanout()
        channels = {"telegram": BrokenChannel(), "rest": SilentChannel()}
        delivery = PlayerDelivery(channels, store, fanout)
        return [
            await delivery("telegram:t1", [AGENT], channel="telegram"),  # the Bot API is down
            await delivery("r1", [AGENT], channel="rest"),  # REST never pushes
        ]

    assert asyncio.run(scenario()) == [False, True]
