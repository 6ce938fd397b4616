"""Messages outside a turn reach web chat players: the widget's websocket on every open
tab, Rasa's socket.io clients, and a socket held by another worker (Redis fan-out)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from websockets.sync.client import ClientConnection, connect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.store.redis_connection import RedisEndpoint
from tests.connectors.outbound_route import deliver
from tests.connectors.webchat_fixtures import (
    GREETING,
    chat_model,
    conversation_of,
    new_session_id,
    tracker,
    webchat_server,
)
from tests.live_server import LiveServer
from tests.store.conftest import key_prefix, redis_endpoint

__all__ = ["key_prefix", "redis_endpoint"]

WS = "/webhooks/webchat/ws"
TIMEOUT = 15
AGENT = {"text": "Merhaba, ben Ayşe. Çekiminizi kontrol ediyorum."}
CREDENTIALS = "socketio:\n  session_persistence: true\nwebchat:\n  typing_min_ms: 0\n"


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return chat_model(tmp_path_factory, trained_light_pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("webchat-outbound")
    with webchat_server(root, model, CREDENTIALS, deliver_route=True) as live:
        yield live


def _socket(server: LiveServer) -> ClientConnection:
    return connect(server.url.replace("http", "ws") + WS, open_timeout=10)


def _recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
    return frame


def _open(server: LiveServer, session_id: str) -> ClientConnection:
    ws = _socket(server)
    ws.send(json.dumps({"type": "hello", "session_id": session_id}))
    assert _recv(ws)["type"] == "session"
    return ws


def _say(ws: ClientConnection, text: str, message_id: str) -> None:
    ws.send(json.dumps({"type": "message", "text": text, "message_id": message_id}))
    while _recv(ws)["type"] != "ack":
        pass


def _next_bot(ws: ClientConnection) -> dict[str, Any]:
    while True:
        frame = _recv(ws)
        if frame["type"] == "bot":
            message: dict[str, Any] = frame["message"]
            return message


def test_a_message_outside_a_turn_reaches_every_open_tab(server: LiveServer) -> None:
    session = new_session_id()
    with _open(server, session) as first, _open(server, session) as second:
        _say(first, "merhaba", "o1")
        assert _next_bot(second)["text"] == GREETING  # the other tab follows the turn
        response = deliver(server.url, conversation_of(session), {"recipient_id": session, **AGENT})
        assert response.json() == {"channel": "webchat"}
        assert _next_bot(first)["text"] == AGENT["text"]
        assert _next_bot(second)["text"] == AGENT["text"]


def test_a_message_with_buttons_keeps_them(server: LiveServer) -> None:
    session = new_session_id()
    rating = {"text": "Görüşmemizi 1-5 arası puanlar mısınız?",
              "buttons": [{"title": "5", "payload": '/csat{"score": 5}'}]}  # fmt: skip
    with _open(server, session) as ws:
        _say(ws, "merhaba", "b1")
        assert deliver(server.url, conversation_of(session), rating).status_code == 200
        assert _next_bot(ws) == rating


def test_a_socketio_client_gets_it_as_bot_uttered(server: LiveServer) -> None:
    async def scenario() -> Any:
        received: asyncio.Queue[Any] = asyncio.Queue()
        confirmed: asyncio.Queue[Any] = asyncio.Queue()
        client = socketio.AsyncClient(reconnection=False)
        client.on("bot_uttered", received.put)
        client.on("session_confirm", confirmed.put)
        await client.connect(server.url, socketio_path="/socket.io")
        await client.emit("session_request", {"session_id": "rasa-oturum-disari"})
        session = await asyncio.wait_for(confirmed.get(), TIMEOUT)
        await client.emit("user_uttered", {"message": "/thank", "session_id": session})
        assert (await asyncio.wait_for(received.get(), TIMEOUT)) == {"text": "Rica ederim."}
        response = await asyncio.to_thread(deliver, server.url, conversation_of(session), AGENT)
        message = await asyncio.wait_for(received.get(), TIMEOUT)
        await client.disconnect()
        return response.json(), message

    channel, message = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert channel == {"channel": "webchat"}  # the one channel serving both protocols
    assert message == AGENT


def test_with_no_socket_open_the_delivery_is_not_an_error_and_the_tracker_is_intact(
    server: LiveServer,
) -> None:
    session = new_session_id()
    with _open(server, session) as ws:
        _say(ws, "merhaba", "n1")
    before = tracker(server, session)["events"]
    assert deliver(server.url, conversation_of(session), AGENT).status_code == 200
    assert tracker(server, session)["events"] == before


def test_a_delivery_on_one_worker_reaches_the_socket_held_by_another(
    tmp_path: Path, model: TrainedModel, redis_endpoint: RedisEndpoint, key_prefix: str
) -> None:
    redis = (
        f"  url: {redis_endpoint.host}\n  port: {redis_endpoint.port}\n"
        f"  db: {redis_endpoint.db}\n  key_prefix: {key_prefix}\n"
    )
    shared = f"lock_store:\n  type: redis\n{redis}fanout:\n  type: redis\n{redis}"
    session = new_session_id()
    with (
        webchat_server(tmp_path, model, CREDENTIALS, shared=shared, deliver_route=True) as a,
        webchat_server(tmp_path, model, CREDENTIALS, shared=shared, deliver_route=True) as b,
        _open(b, session) as ws,
    ):
        _say(ws, "merhaba", "w1")
        assert deliver(a.url, conversation_of(session), AGENT).json() == {"channel": "webchat"}
        assert _next_bot(ws)["text"] == AGENT["text"]
