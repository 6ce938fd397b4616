"""The web chat's own websocket protocol, over a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect
from websockets.sync.connection import Connection

from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from bot.store.fanout import InMemoryFanout
from connectors.webchat.relay import SessionRelay, topic, with_button_titles
from tests.connectors.webchat_fixtures import (
    ANYTHING_ELSE,
    GREETING,
    METHODS,
    chat_model,
    conversation_of,
    new_session_id,
    player_token,
    tracker,
    wait_until,
    webchat_server,
)
from tests.live_server import LiveServer

WS = "/webhooks/webchat/ws"
PAYLOAD = "/deposit_methods"
BUTTONS = [
    {"title": "Yatırım yöntemleri", "payload": "/deposit_methods"},
    {"title": "Bonuslar", "payload": "/bonus_info"},
]


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return chat_model(tmp_path_factory, trained_light_pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    credentials = "socketio:\n  session_persistence: true\nwebchat:\n  title: Şanslı Destek\n"
    with webchat_server(tmp_path_factory.mktemp("webchat"), model, credentials) as live:
        yield live


def _socket(server: LiveServer) -> ClientConnection:
    return connect(server.url.replace("http", "ws") + WS, open_timeout=10)


def _recv(ws: Connection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=15))
    return frame


def _hello(ws: Connection, session_id: str | None = None) -> dict[str, Any]:
    ws.send(json.dumps({"type": "hello", "session_id": session_id}))
    frame = _recv(ws)
    assert frame["type"] == "session"
    return frame


def _say(ws: Connection, text: str, message_id: str, **extra: Any) -> list[dict[str, Any]]:
    """Send a message; the frames up to and including its ack."""
    ws.send(json.dumps({"type": "message", "text": text, "message_id": message_id, **extra}))
    frames = [_recv(ws)]
    while frames[-1]["type"] != "ack":
        frames.append(_recv(ws))
    return frames


def test_a_message_gets_typing_then_the_answer_then_an_ack(server: LiveServer) -> None:
    with _socket(server) as ws:
        session = _hello(ws)
        assert session["session_id"] and session["history"] == []
        frames = _say(ws, "merhaba", "m1")
    assert [f["type"] for f in frames] == ["typing", "bot", "ack"]
    assert frames[1]["message"] == {
        # the conversation's id, which does not open the session (its id is a secret)
        "recipient_id": conversation_of(session["session_id"]).removeprefix("webchat:"),
        "text": GREETING,
        "buttons": BUTTONS,
    }
    assert frames[2] == {"type": "ack", "message_id": "m1", "stored": True}


def test_a_reconnection_gets_the_history_with_button_titles(server: LiveServer) -> None:
    sid = new_session_id()
    with _socket(server) as ws:
        session_id = _hello(ws, sid)["session_id"]
        assert session_id == sid
        _say(ws, "merhaba", "h1")
        frames = _say(ws, PAYLOAD, "h2", title="Yatırım yöntemleri")
    assert [f["message"]["text"] for f in frames if f["type"] == "bot"] == [METHODS, ANYTHING_ELSE]
    with _socket(server) as ws:
        history = _hello(ws, session_id)["history"]
    lines = [(h["sender"], h.get("title", h["text"])) for h in history]
    assert lines == [
        ("user", "merhaba"),
        ("bot", GREETING),
        ("user", "Yatırım yöntemleri"),
        ("bot", METHODS),
        ("bot", ANYTHING_ELSE),
    ]
    assert history[1]["buttons"][0]["payload"] == PAYLOAD


def test_a_resent_message_is_acknowledged_without_a_second_turn(server: LiveServer) -> None:
    sid = new_session_id()
    with _socket(server) as ws:
        _hello(ws, sid)
        first = _say(ws, "/thank", "same-id")
    with _socket(server) as ws:
        _hello(ws, sid)
        again = _say(ws, "/thank", "same-id")
    assert [f["type"] for f in first] == ["typing", "bot", "ack"]
    assert [f["type"] for f in again] == ["typing", "ack"]
    users = [e for e in tracker(server, sid)["events"] if e["event"] == "user"]
    assert len(users) == 1


def test_a_message_is_stored_even_if_its_socket_closes_at_once(server: LiveServer) -> None:
    sid = new_session_id()
    with _socket(server) as ws:
        _hello(ws, sid)
        ws.send(json.dumps({"type": "message", "text": "/thank", "message_id": "gone"}))

    def stored() -> bool:
        events = tracker(server, sid)["events"]
        return any(e["event"] == "bot" for e in events)

    wait_until(stored)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        (json.dumps({"type": "dance"}), "unknown_type"),
        (json.dumps({"text": "merhaba"}), "unknown_type"),
        (json.dumps({"type": "message", "text": ""}), "invalid_frame"),
        (json.dumps({"type": "message", "text": 5}), "invalid_frame"),
        (json.dumps({"type": "message", "text": "a" * 40_000}), "frame_too_large"),
        (json.dumps({"type": "hello", "session_id": "bad id with spaces"}), "invalid_frame"),
        (json.dumps({"type": "hello", "session_id": "905551112233"}), "invalid_frame"),
        (b"\x00\x01", "binary_frame"),
        ("[" * 5000 + "]" * 5000, "invalid_json"),  # nested past the JSON parser's depth
        (
            '{"type": "message", "text": "x", "metadata": ' + '{"a": ' * 3000 + "1" + "}" * 3001,
            "invalid_json",
        ),
    ],
)
def test_a_bad_frame_gets_an_error_frame_and_the_socket_stays_up(
    server: LiveServer, frame: str | bytes, code: str
) -> None:
    with _socket(server) as ws:
        ws.send(frame)
        error = _recv(ws)
        assert error["type"] == "error" and error["code"] == code and error["message"]
        _hello(ws)
        ws.send(frame)
        assert _recv(ws)["code"] in (code, "session_started")
        assert [f["type"] for f in _say(ws, "/thank", "after-error")] == ["typing", "bot", "ack"]


def test_a_message_before_hello_is_refused(server: LiveServer) -> None:
    with _socket(server) as ws:
        ws.send(json.dumps({"type": "message", "text": "merhaba", "message_id": "early"}))
        error = _recv(ws)
        assert (error["code"], error["message_id"]) == ("no_session", "early")
        ws.send('{"type": "ping"}')
        assert _recv(ws) == {"type": "pong"}


def test_a_second_tab_of_the_session_sees_the_first_tabs_messages(server: LiveServer) -> None:
    sid = new_session_id()
    with _socket(server) as first, _socket(server) as second:
        _hello(first, sid)
        _hello(second, sid)
        frames = _say(first, PAYLOAD, "t1", title="Yatırım yöntemleri")
        seen = [_recv(second) for _ in range(4)]
        second.send('{"type": "ping"}')
        assert _recv(second) == {"type": "pong"}  # nothing else was queued for it
        first.send('{"type": "ping"}')
        assert _recv(first) == {"type": "pong"}  # and the first did not get its own echo
    assert seen[0]["type"] == "user" and seen[0]["text"] == "Yatırım yöntemleri"
    assert seen[1] == {"type": "typing"}
    assert seen[2:] == [{"type": "bot", "message": f["message"]} for f in frames[1:3]]


def test_the_player_token_in_the_metadata_verifies_the_player(server: LiveServer) -> None:
    sid = new_session_id()
    with _socket(server) as ws:
        _hello(ws, sid)
        frames = _say(ws, "merhaba", "k1", metadata={"player_token": player_token("p-77")})
    assert frames[1]["message"]["text"] == GREETING
    state = tracker(server, sid)
    assert state["slots"]["verified"] is True and state["slots"]["player_id"] == "p-77"
    user = next(e for e in state["events"] if e["event"] == "user")
    assert user["metadata"]["player_token"]
    assert user["input_channel"] == "webchat"


def test_an_nlu_only_model_answers_politely(
    tmp_path: Path, trained_light_pipeline: Pipeline
) -> None:
    sid = new_session_id()
    with (
        webchat_server(tmp_path, TrainedModel(trained_light_pipeline)) as live,
        _socket(live) as ws,
    ):
        assert _hello(ws, sid)["history"] == []
        frames = _say(ws, "merhaba", "n1")
    assert frames[1]["message"]["text"].startswith("Sohbet şu anda kullanılamıyor")
    assert frames[2] == {"type": "ack", "message_id": "n1", "stored": False}


def test_the_widget_its_config_and_the_demo_page_are_served(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        script = http.get("/webchat/widget.js")
        config = http.get("/webchat/config").json()
        page = http.get("/").text
        css = http.get("/webchat/widget.css")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "DestekChat" in script.text
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert config["title"] == "Şanslı Destek" and config["language"] == "tr"
    assert '<script src="/webchat/widget.js"' in page


def test_a_misspelt_option_is_a_config_error(tmp_path: Path, model: TrainedModel) -> None:
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("webchat:\n  titel: Destek\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="titel"):
        create_app(Settings(credentials=credentials, endpoints=tmp_path / "none.yml"), model)


def test_a_follower_forwards_what_others_publish_but_not_its_own() -> None:
    async def scenario() -> list[dict[str, Any]]:
        fanout = InMemoryFanout()
        got: list[dict[str, Any]] = []
        done = asyncio.Event()

        async def deliver(frame: dict[str, Any]) -> None:
            got.append(frame)
            done.set()

        follower = SessionRelay(lambda: None, fanout).follower("s1", "me", deliver)
        await follower.start()
        await fanout.publish(topic("s1"), {"type": "bot", "message": {"text": "x"}, "origin": "me"})
        agent = {"type": "agent", "message": {"text": "Merhaba, ben Ayşe."}, "origin": "console"}
        await fanout.publish(topic("s1"), agent)
        await asyncio.wait_for(done.wait(), 5)
        await follower.stop()
        return got

    assert asyncio.run(scenario()) == [{"type": "agent", "message": {"text": "Merhaba, ben Ayşe."}}]


def test_a_click_shows_its_title_in_the_history() -> None:
    lines: list[dict[str, Any]] = [
        {"sender": "bot", "text": "Seçin", "buttons": [{"title": "Evet", "payload": "/affirm"}]},
        {"sender": "user", "text": "/affirm"},
        {"sender": "user", "text": "/affirm"},
    ]
    titled = with_button_titles(lines)
    assert [line.get("title") for line in titled] == [None, "Evet", "Evet"]
