"""Rasa's socket.io channel, driven by python-socketio's real client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from websockets.sync.client import connect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from connectors.webchat.socketio_server import rasa_messages
from tests.connectors.webchat_fixtures import (
    ANYTHING_ELSE,
    BONUS_IMAGE,
    GREETING,
    chat_model,
    new_session_id,
    player_token,
    tracker,
    webchat_server,
)
from tests.live_server import LiveServer

PERSISTENT = "socketio:\n  user_message_evt: user_uttered\n  session_persistence: true\n"
TIMEOUT = 15


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return chat_model(tmp_path_factory, trained_light_pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    with webchat_server(tmp_path_factory.mktemp("socketio"), model, PERSISTENT) as live:
        yield live


class Client:
    """A socket.io client whose received events are queued per event name."""

    def __init__(self, events: tuple[str, ...] = ("bot_uttered",)) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        for name in (*events, "session_confirm", "destek_error"):
            self.queues[name] = asyncio.Queue()
            self.sio.on(name, self.queues[name].put)

    async def next(self, event: str) -> Any:
        return await asyncio.wait_for(self.queues[event].get(), TIMEOUT)

    async def bot_messages(self, count: int, event: str = "bot_uttered") -> list[Any]:
        return [await self.next(event) for _ in range(count)]

    async def session(self, session_id: str | None) -> str:
        await self.sio.emit("session_request", {"session_id": session_id})
        confirmed: str = await self.next("session_confirm")
        return confirmed


def _run(scenario: Any) -> Any:
    return asyncio.run(asyncio.wait_for(scenario, 60))


def test_a_rasa_webchat_session_gets_rasas_shapes(server: LiveServer) -> None:
    token = player_token("p-9")

    async def scenario() -> list[Any]:
        client = Client()
        await client.sio.connect(server.url, socketio_path="/socket.io")
        session_id = await client.session("rasa-oturum-1")
        for text in ("merhaba", "/deposit_methods", "/bonus_info"):
            await client.sio.emit(
                "user_uttered",
                {"message": text, "session_id": session_id, "customData": {"playerToken": token}},
            )
        messages = await client.bot_messages(6)
        await client.sio.disconnect()
        return [session_id, *messages]

    session_id, *messages = _run(scenario())
    assert session_id == "rasa-oturum-1"
    assert messages == [
        {
            "text": GREETING,
            "quick_replies": [
                {
                    "content_type": "text",
                    "title": "Yatırım yöntemleri",
                    "payload": "/deposit_methods",
                },
                {"content_type": "text", "title": "Bonuslar", "payload": "/bonus_info"},
            ],
        },
        {"text": "Papara, havale ve kripto ile yatırabilirsiniz."},
        {"text": "En düşük yatırım 100 TL."},
        {"text": ANYTHING_ELSE},
        {"text": "Hoş geldin bonusu yüzde yüz."},
        {"attachment": {"type": "image", "payload": {"src": BONUS_IMAGE}}},
    ]
    state = tracker(server, "rasa-oturum-1")
    assert state["slots"]["verified"] is True and state["slots"]["player_id"] == "p-9"
    user = next(e for e in state["events"] if e["event"] == "user")
    assert user["input_channel"] == "socketio"
    assert user["metadata"]["customData"]["playerToken"] == "***"  # verified, not kept


def test_a_session_request_without_a_usable_id_gets_a_new_one(server: LiveServer) -> None:
    async def scenario() -> list[str]:
        client = Client()
        # Long-polling first, then the upgrade to a websocket, as socket.io-client does.
        await client.sio.connect(server.url, transports=["polling", "websocket"])
        confirmed = [await client.session(None), await client.session("905551112233")]
        await client.sio.disconnect()
        await client.sio.connect(server.url)
        confirmed.append(await client.session(confirmed[0]))
        await client.sio.disconnect()
        return confirmed

    new, instead_of_a_phone_number, again = _run(scenario())
    assert len(new) == 32 and int(new, 16) >= 0
    assert len(instead_of_a_phone_number) == 32 and instead_of_a_phone_number != new
    assert again == new


def test_a_message_without_the_session_id_is_refused(server: LiveServer) -> None:
    async def scenario() -> Any:
        client = Client()
        await client.sio.connect(server.url)
        await client.sio.emit("user_uttered", {"message": "merhaba"})
        error = await client.next("destek_error")
        await client.sio.emit("user_uttered", "not an object")
        second = await client.next("destek_error")
        session_id = await client.session("rasa-oturum-hata")
        await client.sio.emit("user_uttered", {"message": "/thank", "session_id": session_id})
        reply = await client.next("bot_uttered")
        await client.sio.disconnect()
        return error, second, reply

    error, second, reply = _run(scenario())
    assert error["code"] == "no_session" and second["code"] == "invalid_message"
    assert reply == {"text": "Rica ederim."}


def test_the_widget_socket_and_a_socketio_client_share_a_session(server: LiveServer) -> None:
    shared = new_session_id()

    async def scenario() -> list[Any]:
        client = Client()
        await client.sio.connect(server.url)
        await client.session(shared)
        await asyncio.to_thread(_widget_says, server, shared, "/thank")
        messages = await client.bot_messages(1)
        await client.sio.disconnect()
        return messages

    assert _run(scenario()) == [{"text": "Rica ederim."}]


def _widget_says(server: LiveServer, session_id: str, text: str) -> None:
    with connect(server.url.replace("http", "ws") + "/webhooks/webchat/ws") as ws:
        ws.send(json.dumps({"type": "hello", "session_id": session_id}))
        ws.send(json.dumps({"type": "message", "text": text, "message_id": "w1"}))
        while json.loads(ws.recv(timeout=TIMEOUT))["type"] != "ack":
            pass


def test_without_persistence_the_socket_is_the_conversation_and_event_names_are_options(
    tmp_path_factory: pytest.TempPathFactory, model: TrainedModel
) -> None:
    credentials = "socketio:\n  user_message_evt: oyuncu\n  bot_message_evt: destek\n"

    async def scenario(live: LiveServer) -> tuple[str, Any]:
        client = Client(events=("destek",))
        await client.sio.connect(live.url)
        await client.session("yok-sayilir-oturum")
        await client.sio.emit("oyuncu", {"message": "/thank"})
        reply = await client.next("destek")
        sid = client.sio.get_sid()
        await client.sio.disconnect()
        return str(sid), reply

    with webchat_server(tmp_path_factory.mktemp("sio-plain"), model, credentials) as live:
        sid, reply = _run(scenario(live))
        assert reply == {"text": "Rica ederim."}
        users = [e for e in tracker(live, f"webchat:{sid}")["events"] if e["event"] == "user"]
        assert [u["text"] for u in users] == ["/thank"]


def test_rasa_shapes_of_custom_payloads_attachments_and_elements() -> None:
    message = {
        "custom": {"data": {"kind": "kupon"}},
        "attachment": {"type": "video", "payload": {"src": "v.mp4"}},
        "elements": [{"title": "A"}],
    }
    assert rasa_messages(message) == [
        {"kind": "kupon"},
        {"attachment": {"type": "video", "payload": {"src": "v.mp4"}}},
        {"attachment": {"type": "template",
                        "payload": {"template_type": "generic", "elements": {"title": "A"}}}},
    ]  # fmt: skip
    assert rasa_messages({"buttons": [{"title": "Evet", "payload": "/affirm"}]}) == [
        {"text": "", "quick_replies": [{"content_type": "text", "title": "Evet",
                                        "payload": "/affirm"}]}
    ]  # fmt: skip
