"""The web chat over its limits (issue 12, finding 7): a message over the per-sender
limit is refused before the bot sees it, without an ack, on a socket that stays open, and
taken when sent again; a silent socket is closed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from tests.connectors.webchat_fixtures import chat_model, tracker, webchat_server
from tests.live_server import LiveServer

WS = "/webhooks/webchat/ws"
LIMITS = "rate_limits:\n  per_sender: {per_minute: 60, burst: 2}\n"
CREDENTIALS = "webchat:\n  idle_timeout: 2\nsocketio:\n  session_persistence: false\n"


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return chat_model(tmp_path_factory, trained_light_pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp("webchat-rate")
    with webchat_server(root, model, CREDENTIALS, shared=LIMITS) as live:
        yield live


def _socket(server: LiveServer) -> ClientConnection:
    return connect(server.url.replace("http", "ws") + WS, open_timeout=10)


def _recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=15))
    return frame


def _send(ws: ClientConnection, text: str, message_id: str) -> dict[str, Any]:
    """Send a message; its ack or its error frame (typing and answers skipped)."""
    ws.send(json.dumps({"type": "message", "text": text, "message_id": message_id}))
    while True:
        frame = _recv(ws)
        if frame["type"] in ("ack", "error") and frame.get("message_id") == message_id:
            return frame


def _silence(ws: ClientConnection, seconds: float) -> None:
    """Wait ``seconds`` during which ``ws`` must receive nothing (raises ConnectionClosed
    if it closes meanwhile)."""
    with pytest.raises(TimeoutError):
        ws.recv(timeout=seconds)


def test_a_message_over_the_limit_is_refused_unacknowledged_and_taken_later(
    server: LiveServer,
) -> None:
    with _socket(server) as ws:
        ws.send(json.dumps({"type": "hello", "session_id": None}))
        session_id = _recv(ws)["session_id"]
        answers = [_send(ws, "/thank", f"m{n}") for n in range(3)]
        assert [a["type"] for a in answers] == ["ack", "ack", "error"]
        refused = answers[2]
        assert refused["code"] == "rate_limited" and refused["retry_after"] == 1
        assert "send it again" in refused["message"]
        ws.send('{"type": "ping"}')
        assert _recv(ws) == {"type": "pong"}  # the socket stays open
        deadline = time.monotonic() + 10
        again = refused
        while again["type"] == "error" and time.monotonic() < deadline:
            _silence(ws, again["retry_after"])  # as the widget waits before sending again
            again = _send(ws, "/thank", "m2")
        assert again == {"type": "ack", "message_id": "m2", "stored": True}
    users = [e for e in tracker(server, session_id)["events"] if e["event"] == "user"]
    assert [e["message_id"] for e in users] == ["m0", "m1", "m2"]  # each once, in order


def test_a_silent_socket_is_closed_and_a_pinging_one_is_not(server: LiveServer) -> None:
    with _socket(server) as quiet, _socket(server) as pinging:
        quiet.send(json.dumps({"type": "hello", "session_id": None}))
        assert _recv(quiet)["type"] == "session"
        deadline = time.monotonic() + 10
        with pytest.raises(ConnectionClosed) as closed:
            while time.monotonic() < deadline:  # the quiet one closes after 2 s
                pinging.send('{"type": "ping"}')
                assert _recv(pinging) == {"type": "pong"}
                _silence(quiet, 0.3)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        for _ in range(3):  # 2 s more, and the pinging one is still served
            pinging.send('{"type": "ping"}')
            assert _recv(pinging) == {"type": "pong"}
            _silence(pinging, 0.7)


def test_a_socket_that_never_says_hello_is_closed(server: LiveServer) -> None:
    with _socket(server) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


def test_socketio_refuses_a_message_over_the_limit_with_an_error_event(
    server: LiveServer,
) -> None:
    async def scenario() -> tuple[list[Any], Any, bool]:
        errors: asyncio.Queue[Any] = asyncio.Queue()
        answers: asyncio.Queue[Any] = asyncio.Queue()
        client = socketio.AsyncClient(reconnection=False)
        client.on("destek_error", errors.put)
        client.on("bot_uttered", answers.put)
        await client.connect(server.url, socketio_path="/socket.io")
        for _ in range(3):
            await client.emit("user_uttered", {"message": "/thank"})
        error = await asyncio.wait_for(errors.get(), 15)
        replies = [await asyncio.wait_for(answers.get(), 15) for _ in range(2)]
        connected = client.connected
        await client.disconnect()
        return replies, error, connected

    replies, error, connected = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert replies == [{"text": "Rica ederim."}] * 2
    assert error["code"] == "rate_limited" and error["retry_after"] == 1
    assert connected
