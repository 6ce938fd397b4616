"""The operator console's API on a live server: sign-in and its cookie, what an agent may
see and do, two agents racing for one chat, and a chat from request to rating with a
web chat player who never sees the private note."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.handover.agents import new_agent
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import CONSOLE_SECRET_VARIABLE, Settings, share_console_secret
from bot.store.sql_queue import SQLQueueStore
from bot.workbench.training import train_core
from connectors.webchat.relay import new_session_id
from tests.connectors.webchat_fixtures import conversation_of
from tests.dialogue.engine_project import DOMAIN, write_project
from tests.handover.conftest import HANDOVER_DOMAIN
from tests.live_server import LiveServer

SECRET = "konsol-oturum-anahtari-otuz-iki-bayttan-uzun"
PASSWORD = "parola-1234"
API = "/console/api"
TIMEOUT = 15


def console_model(root: Path, pipeline: Pipeline, more_domain: str = "") -> TrainedModel:
    """The engine-test bot with the handover texts (the rating question has buttons), and
    ``more_domain`` (a domain file's text) if given."""
    write_project(root)
    (root / "domain").mkdir()
    (root / "domain" / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (root / "domain" / "handover.yml").write_text(HANDOVER_DOMAIN, encoding="utf-8")
    if more_domain:
        (root / "domain" / "more.yml").write_text(more_domain, encoding="utf-8")
    config, domain = read_config(root / "config.yml"), read_domain(root / "domain")
    core = train_core(config, domain, load_stories([root / "data"]))
    return TrainedModel(pipeline, core=core)


def console_settings(root: Path) -> Settings:
    (root / "credentials.yml").write_text("rest:\nwebchat:\n  typing_min_ms: 0\n", "utf-8")
    (root / "endpoints.yml").write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'console.db'}\n", "utf-8"
    )
    return Settings(
        endpoints=root / "endpoints.yml",
        credentials=root / "credentials.yml",
        console_secret=SECRET,  # type: ignore[arg-type]
    )


def add_agents(root: Path, *agents: dict[str, Any]) -> None:
    """Operators in the store ``bot run`` opens, added before it starts (as ``bot agents
    add`` does)."""

    async def add() -> None:
        store = SQLQueueStore(f"sqlite:///{root / 'console.db'}")
        try:
            for fields in agents:
                await store.add_agent(new_agent(password=PASSWORD, **fields))
        finally:
            await store.close()

    with ThreadPoolExecutor(1) as thread:  # its own loop, even beside Playwright's
        thread.submit(asyncio.run, add()).result()


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("console-project"), trained_light_pipeline)


@pytest.fixture
def server(tmp_path: Path, model: TrainedModel) -> Iterator[LiveServer]:
    settings = console_settings(tmp_path)
    add_agents(
        tmp_path,
        {"login": "ayse", "name": "Ayşe"},
        {"login": "mehmet", "name": "Mehmet"},
        # they speak English only: the queue never gives them a Turkish chat by itself
        {"login": "can", "name": "Can", "languages": ("en",)},
        {"login": "deniz", "name": "Deniz", "languages": ("en",)},
        {"login": "sefa", "name": "Sefa", "role": "supervisor", "languages": ("en",)},
    )
    with LiveServer(create_app(settings, model)) as live:
        yield live


@contextmanager
def signed_in(server: LiveServer, login: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response = client.post(f"{API}/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield client


def ask_for_human(server: LiveServer, sender_id: str = "oyuncu-1") -> str:
    body = {"sender": sender_id, "message": "/human_handoff"}
    response = httpx.post(f"{server.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert response.status_code == 200
    return sender_id


def _problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["message"]
    code: str = body["code"]
    return code


# ---- signing in ------------------------------------------------------------------------


def test_sign_in_sets_a_strict_http_only_cookie_and_me_answers(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response = client.post(f"{API}/login", json={"login": "ayse", "password": PASSWORD})
        assert response.status_code == 200
        assert response.json()["name"] == "Ayşe"
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
        assert "max-age=" in cookie and "secure" not in cookie  # plain http on loopback
        me = client.get(f"{API}/me").json()
        assert (me["login"], me["role"], me["status"]) == ("ayse", "agent", "offline")

        assert client.post(f"{API}/logout").status_code == 204
        client.cookies.clear()
        assert _problem(client.get(f"{API}/me"), 401) == "not_signed_in"


def test_the_cookie_is_secure_behind_https(server: LiveServer) -> None:
    # uvicorn trusts X-Forwarded-Proto from loopback, as from a TLS proxy in front of it
    response = httpx.post(
        f"{server.url}{API}/login",
        json={"login": "ayse", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize(("login", "password"), [("ayse", "yanlis-parola"), ("kimse", PASSWORD)])
def test_a_wrong_password_and_an_unknown_login_are_refused_alike(
    server: LiveServer, login: str, password: str
) -> None:
    response = httpx.post(f"{server.url}{API}/login", json={"login": login, "password": password})
    assert _problem(response, 401) == "bad_login"
    assert "set-cookie" not in response.headers


def test_forged_and_expired_cookies_are_refused(server: LiveServer) -> None:
    with signed_in(server, "ayse") as client:
        agent_id = client.get(f"{API}/me").json()["id"]
    forged = jwt.encode(
        {"sub": agent_id, "aud": "destek-console", "exp": int(time.time()) + 600},
        "baska-bir-anahtar-otuz-iki-bayttan-da-uzun",
        algorithm="HS256",
    )
    expired = jwt.encode(
        {"sub": agent_id, "aud": "destek-console", "exp": int(time.time()) - 5},
        SECRET,
        algorithm="HS256",
    )
    for token in (forged, expired, "not-a-token"):
        response = httpx.get(f"{server.url}{API}/me", cookies={"destek_console": token})
        assert _problem(response, 401) == "not_signed_in"


# ---- the queue and who may touch what --------------------------------------------------


def test_an_agent_neither_reads_nor_writes_a_chat_another_holds(server: LiveServer) -> None:
    sender = ask_for_human(server)
    with signed_in(server, "ayse") as ayse, signed_in(server, "mehmet") as mehmet:
        waiting = mehmet.get(f"{API}/queue").json()["waiting"]
        assert [(w["sender_id"], w["reason"], w["sla_state"]) for w in waiting] == [
            (sender, waiting[0]["reason"], "ok")
        ]
        assert mehmet.get(f"{API}/conversations/{sender}").status_code == 200  # waiting
        assert ayse.post(f"{API}/conversations/{sender}/accept").status_code == 204
        assert ayse.get(f"{API}/me").json()["status"] == "online"  # picking means working
        assert [m["sender_id"] for m in ayse.get(f"{API}/queue").json()["mine"]] == [sender]

        chat = f"{API}/conversations/{sender}"
        assert _problem(mehmet.get(chat), 403) == "not_yours"
        assert _problem(mehmet.get(f"{API}/conversations/905551112233"), 403) == "not_yours"
        assert _problem(mehmet.post(f"{chat}/messages", json={"text": "selam"}), 403)
        assert _problem(mehmet.post(f"{chat}/notes", json={"text": "not"}), 403)
        assert _problem(mehmet.post(f"{chat}/close", json={"resolution": "resolved"}), 403)
        transfer = {"to_agent": mehmet.get(f"{API}/me").json()["id"]}
        assert _problem(mehmet.post(f"{chat}/transfer", json=transfer), 403)
        assert mehmet.get(f"{API}/queue").json()["mine"] == []

        assert ayse.post(f"{chat}/close", json={"resolution": "resolved"}).status_code == 204
        late = ayse.post(f"{chat}/messages", json={"text": "hâlâ orada mısınız"})
        assert _problem(late, 409) == "not_active"
        closed = ayse.get(chat).json()  # the chat she held stays readable, for her only
        assert closed["entry"] is None and closed["history"][-1]["kind"] in ("bot", "closed")
        assert _problem(mehmet.get(chat), 403) == "not_yours"


def test_a_supervisor_sees_every_chat(server: LiveServer) -> None:
    sender = ask_for_human(server)
    with signed_in(server, "ayse") as ayse, signed_in(server, "sefa") as sefa:
        assert ayse.post(f"{API}/conversations/{sender}/accept").status_code == 204
        assert [o["sender_id"] for o in sefa.get(f"{API}/queue").json()["others"]] == [sender]
        assert sefa.get(f"{API}/conversations/{sender}").status_code == 200
        assert _problem(sefa.get(f"{API}/conversations/kimse"), 404) == "not_found"


def test_two_agents_accepting_at_once_one_wins_the_other_hears_409(server: LiveServer) -> None:
    sender = ask_for_human(server)
    with signed_in(server, "can") as can, signed_in(server, "deniz") as deniz:
        for client in (can, deniz):
            assert client.put(f"{API}/me/status", json={"status": "online"}).status_code == 200
        view = can.get(f"{API}/queue").json()
        assert [w["sender_id"] for w in view["waiting"]] == [sender]
        assert view["waiting_total"] == 1
        with ThreadPoolExecutor(2) as pool:
            calls = [
                pool.submit(client.post, f"{API}/conversations/{sender}/accept")
                for client in (can, deniz)
            ]
            responses = [call.result() for call in calls]
    assert sorted(r.status_code for r in responses) == [204, 409]
    lost = next(r for r in responses if r.status_code == 409)
    assert _problem(lost, 409) == "taken"


# ---- a chat from the request to the rating ---------------------------------------------


def _recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
    return frame


def _bot_texts_until(ws: ClientConnection, last: str) -> list[str]:
    texts: list[str] = []
    while not texts or texts[-1] != last:
        frame = _recv(ws)
        if frame["type"] == "bot":
            texts.append(str(frame["message"].get("text")))
    return texts


def test_message_note_transfer_and_close_round_trip(server: LiveServer) -> None:
    session = new_session_id()
    sender = conversation_of(session)
    chat = f"{API}/conversations/{sender}"
    with connect(server.url.replace("http", "ws") + "/webhooks/webchat/ws") as player:
        player.send(json.dumps({"type": "hello", "session_id": session}))
        assert _recv(player)["type"] == "session"
        player.send(json.dumps({"type": "message", "text": "/human_handoff", "message_id": "1"}))
        assert _bot_texts_until(player, "Şu an çevrimiçi temsilcimiz yok.")

        with signed_in(server, "ayse") as ayse, signed_in(server, "mehmet") as mehmet:
            assert ayse.post(f"{chat}/accept").status_code == 204
            assert _bot_texts_until(player, "Temsilcimiz Ayşe sohbete katıldı.")
            blank = ayse.post(f"{chat}/messages", json={"text": "Bakiyeniz {balance} {x}."})
            assert _problem(blank, 422) == "unfilled_variable"  # a canned blank left in
            assert blank.json()["details"] == {"variables": "{balance}"}  # {x} is the agent's
            sent = ayse.post(f"{chat}/messages", json={"text": "Merhaba, bakıyorum."})
            assert sent.status_code == 204
            assert _bot_texts_until(player, "Merhaba, bakıyorum.")  # the blank never went
            note = ayse.post(f"{chat}/notes", json={"text": "GIZLI: bonus kötüye kullanımı"})
            assert note.status_code == 201 and note.json()["text"].startswith("GIZLI")

            mehmet_id = mehmet.get(f"{API}/me").json()["id"]
            offline = ayse.post(f"{chat}/transfer", json={"to_agent": mehmet_id})
            assert _problem(offline, 409) == "agent_offline"  # the page says it in Turkish
            assert offline.json()["details"] == {"name": "Mehmet"}
            nowhere = ayse.post(f"{chat}/transfer", json={"team": "yok-boyle-ekip"})
            assert _problem(nowhere, 409) == "unknown_team"
            assert mehmet.put(f"{API}/me/status", json={"status": "online"}).status_code == 200
            moved = ayse.post(f"{chat}/transfer", json={"to_agent": mehmet_id, "note": "GIZLI 2"})
            assert moved.status_code == 204
            assert _bot_texts_until(player, "Temsilcimiz Mehmet sohbete katıldı.")
            assert _problem(ayse.get(chat), 403) == "not_yours"

            view = mehmet.get(chat).json()
            notes = [n["text"] for n in view["notes"]]
            assert notes == ["GIZLI: bonus kötüye kullanımı", "GIZLI 2"]
            assert view["reason"] and view["entry"]["agent_id"] == mehmet_id
            kinds = [item["kind"] for item in view["history"]]
            assert kinds.index("player") < kinds.index("handover") < kinds.index("assigned")
            player_line = next(i for i in view["history"] if i["kind"] == "player")
            assert player_line["intent"] == "human_handoff" and player_line["confidence"] == 1.0
            assert "agent" in kinds

            closed = mehmet.post(f"{chat}/close", json={"resolution": "resolved"})
            assert closed.status_code == 204
            heard = _bot_texts_until(player, "Görüşmemizi 1-5 arası puanlar mısınız?")
            assert not any("GIZLI" in text for text in heard)
            bad = mehmet.post(f"{chat}/close", json={"resolution": "resolved"})
            assert _problem(bad, 409) == "not_active"


# ---- the live socket ---------------------------------------------------------------------


def _socket(server: LiveServer, cookie: str | None) -> ClientConnection:
    headers = {"Cookie": f"destek_console={cookie}"} if cookie else {}
    return connect(server.url.replace("http", "ws") + "/console/ws", additional_headers=headers)


def test_the_socket_wants_a_session_and_tells_of_new_chats_live(server: LiveServer) -> None:
    with _socket(server, None) as anonymous, pytest.raises(ConnectionClosed) as closed:
        anonymous.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401

    with signed_in(server, "ayse") as ayse, _socket(server, ayse.cookies["destek_console"]) as ws:
        assert _recv(ws)["type"] == "hello"
        sender = ask_for_human(server, "oyuncu-canli")
        frame = _recv(ws)
        assert (frame["type"], frame["kind"], frame["sender_id"]) == ("queue", "queued", sender)
        ws.send(json.dumps({"type": "watch", "sender_ids": [sender]}))
        while (frame := _recv(ws))["type"] != "watching":
            pass
        assert ayse.post(f"{API}/conversations/{sender}/accept").status_code == 204
        lines: list[dict[str, Any]] = []
        while not any(line["kind"] == "assigned" for line in lines):
            frame = _recv(ws)
            if frame["type"] == "conversation":
                lines.extend(frame["items"])


def test_workers_started_together_share_one_console_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CONSOLE_SECRET_VARIABLE, "")  # so the test's own value is undone
    monkeypatch.delenv(CONSOLE_SECRET_VARIABLE)
    share_console_secret()  # what `bot run --workers` does before starting them
    made = Settings().console_secret
    assert made is not None and len(made.get_secret_value()) >= 32
    share_console_secret()  # a secret already set (by the operator, or above) is kept
    assert Settings().console_secret == made


def test_the_page_is_served_and_never_framed(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/console", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert httpx.get(f"{server.url}/console/static/vendor/LICENSE").status_code == 200
