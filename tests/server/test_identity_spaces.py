"""Identity is bound to the channel session that proved it, never to a name.

The probe of issue 12 wrote to a verified player's conversation by naming its id over
REST and read their account. Each channel with proven senders now has its own ids
(``telegram:``, ``whatsapp:``, ``webchat:``), a web-chat conversation is stored under a
keyed hash of the browser's secret session id, and the REST channel can demand a shared
secret or a signed token per conversation.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from websockets.sync.client import ClientConnection, connect
from websockets.sync.connection import Connection

from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.secret_files import project_secret
from bot.server import create_app
from bot.settings import Settings
from connectors.rest_auth import AUDIENCE
from tests.connectors.webchat_fixtures import (
    chat_model,
    conversation_of,
    player_token,
    tracker,
    webchat_server,
)
from tests.live_server import LiveServer

WEBHOOK = "/webhooks/rest/webhook"
SHARED = "paylasilan-gizli-anahtar-32-karakter"
SIGNING = "sitenin-imza-anahtari-en-az-32-bayt-uzun"


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return chat_model(tmp_path_factory, trained_light_pipeline)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("spaces")
    with webchat_server(root, model, "rest:\nwebchat:\n  typing_min_ms: 0\n") as live:
        yield live


def _socket(server: LiveServer) -> ClientConnection:
    return connect(server.url.replace("http", "ws", 1) + "/webhooks/webchat/ws")


def _recv(ws: Connection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=15))
    return frame


def _say(ws: Connection, text: str, message_id: str, **extra: Any) -> None:
    ws.send(json.dumps({"type": "message", "text": text, "message_id": message_id, **extra}))
    while _recv(ws)["type"] != "ack":
        pass


def _slots(server: LiveServer, conversation: str) -> dict[str, Any]:
    """The slots of the conversation stored under exactly this id."""
    response = httpx.get(f"{server.url}/conversations/{conversation}/tracker", timeout=30)
    slots: dict[str, Any] = response.json()["slots"]
    return slots


def test_a_rest_caller_cannot_name_another_channels_conversation(server: LiveServer) -> None:
    for sender in ("telegram:123456", "whatsapp:905551112233", "webchat:" + "a" * 32):
        response = httpx.post(server.url + WEBHOOK, json={"sender": sender, "message": "bakiye"})
        assert response.status_code == 400, sender
        assert "cannot name one" in response.text


def test_a_verified_web_chat_player_is_not_reachable_by_the_conversation_id(
    server: LiveServer,
) -> None:
    with _socket(server) as ws:
        ws.send(json.dumps({"type": "hello", "session_id": None}))
        session = _recv(ws)["session_id"]
        _say(ws, "merhaba", "v1", metadata={"player_token": player_token("p-9")})
    conversation = conversation_of(session)
    assert _slots(server, conversation)["verified"] is True
    own_id = conversation.removeprefix("webchat:")
    assert own_id != session  # what the console and the logs show does not open it

    # Over REST, the same id is another conversation, with nobody verified in it.
    for sender in (own_id, session):
        answer = httpx.post(server.url + WEBHOOK, json={"sender": sender, "message": "merhaba"})
        assert answer.status_code == 200
        assert _slots(server, sender)["verified"] is not True
    # Over the web chat, a hello with the conversation's id opens an empty session.
    with _socket(server) as ws:
        ws.send(json.dumps({"type": "hello", "session_id": own_id}))
        assert _recv(ws)["history"] == []
    assert len(tracker(server, conversation)["events"]) > 0  # the player's is untouched


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # a relative secret_file is the project's
    (tmp_path / "endpoints.yml").write_text("", encoding="utf-8")
    return tmp_path


def _rest_server(project: Path, model: TrainedModel, rest: str) -> LiveServer:
    (project / "credentials.yml").write_text(rest, encoding="utf-8")
    settings = Settings(
        endpoints=project / "endpoints.yml", credentials=project / "credentials.yml"
    )
    return LiveServer(create_app(settings, model))


def _post(server: LiveServer, sender: str, bearer: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    body = {"sender": sender, "message": "merhaba"}
    return httpx.post(server.url + WEBHOOK, json=body, headers=headers, timeout=30)


def test_with_a_shared_secret_only_its_holder_may_write(project: Path, model: TrainedModel) -> None:
    rest = f"rest:\n  auth: secret\n  secret: {SHARED}\n"
    with _rest_server(project, model, rest) as server:
        assert _post(server, "oyuncu-1", None).status_code == 401
        assert _post(server, "oyuncu-1", SHARED[:-1] + "x").status_code == 401
        refused = httpx.post(server.url + WEBHOOK + f"?token={SHARED}",
                             json={"sender": "oyuncu-1", "message": "merhaba"})  # fmt: skip
        assert refused.status_code == 401  # never from the query string, which gets logged
        assert _post(server, "oyuncu-1", SHARED).status_code == 200


def test_a_secret_file_in_the_project_is_made_once_and_kept_private(
    project: Path, model: TrainedModel
) -> None:
    rest = "rest:\n  auth: secret\n  secret_file: .destek/rest-secret\n"
    with _rest_server(project, model, rest) as server:
        path = project / ".destek" / "rest-secret"
        secret = path.read_text(encoding="utf-8").strip()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(secret) >= 32
        assert _post(server, "oyuncu-1", secret).status_code == 200
    with _rest_server(project, model, rest) as server:  # a restart keeps it
        assert _post(server, "oyuncu-1", secret).status_code == 200


def _token(**claims: Any) -> str:
    base = {"aud": AUDIENCE, "sid": "oyuncu-7", "exp": int(time.time()) + 600}
    return jwt.encode({**base, **claims}, SIGNING, algorithm="HS256")


def test_a_signed_token_opens_only_its_own_conversation(project: Path, model: TrainedModel) -> None:
    rest = f"rest:\n  auth: token\n  token_secret: {SIGNING}\n"
    with _rest_server(project, model, rest) as server:
        assert _post(server, "oyuncu-7", _token()).status_code == 200
        refused = [
            _post(server, "oyuncu-8", _token()),  # another conversation
            _post(server, "oyuncu-7", _token(exp=int(time.time()) - 120)),  # expired
            _post(server, "oyuncu-7", _token(aud="destek-console")),  # another audience
            _post(server, "oyuncu-7", jwt.encode({"sid": "oyuncu-7"}, SIGNING)),  # no exp
            _post(
                server,
                "oyuncu-7",
                jwt.encode(
                    {"aud": AUDIENCE, "sid": "oyuncu-7", "exp": int(time.time()) + 600},
                    "baska-bir-anahtar-otuz-iki-bayttan-uzun",
                    algorithm="HS256",
                ),
            ),  # signed with another key
            _post(server, "oyuncu-7", "e30.e30."),  # alg none, unsigned
        ]
        assert [r.status_code for r in refused] == [401] * len(refused)
        assert all("oyuncu" not in r.text for r in refused)


@pytest.mark.parametrize(
    ("rest", "why"),
    [
        ("rest:\n  auth: secret\n", "rest.secret or rest.secret_file"),
        ("rest:\n  auth: secret\n  secret: kisa\n", "at least 16 characters"),
        ("rest:\n  auth: token\n", "rest.token_secret"),
        ("rest:\n  auth: password\n", "open, secret or token"),
        ("rest:\n  secrett: abc\n", "rest.secrett is not an option"),
    ],
)
def test_a_bad_rest_section_stops_the_server_with_a_clear_line(
    project: Path, model: TrainedModel, rest: str, why: str
) -> None:
    (project / "credentials.yml").write_text(rest, encoding="utf-8")
    settings = Settings(
        endpoints=project / "endpoints.yml", credentials=project / "credentials.yml"
    )
    with pytest.raises(ConfigError, match=why):
        create_app(settings, model)


def test_a_project_secret_is_shared_by_every_process_and_never_remade(tmp_path: Path) -> None:
    first = project_secret(tmp_path, "channel-secret")
    assert project_secret(tmp_path, "channel-secret") == first
    (tmp_path / ".destek" / "short").write_text("abc\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="shorter than 16"):
        project_secret(tmp_path, "short")
