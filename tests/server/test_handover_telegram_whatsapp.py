"""The handover on the player's own channel: a Telegram player (the real
python-telegram-bot against a fake Bot API) and a WhatsApp player (signed webhooks, a fake
Graph API) ask for a human, an agent signed into the console takes the chat, writes and
closes, and the player rates it and is back with the bot; a channel that fails to carry
the agent's message leaves the step recorded and tells the console."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect
from websockets.sync.connection import Connection

from bot.model_storage import TrainedModel
from bot.server import create_app
from bot.settings import Settings
from connectors.telegram import SECRET_HEADER
from connectors.telegram.retries import Backoff
from tests.connectors.fake_graph import FakeGraph
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.telegram_fixtures import (
    CHAT_ID,
    SECRET,
    WEBHOOK,
    callback_update,
    fake,
    message_update,
    telegram_settings,
)
from tests.connectors.test_whatsapp import bodies, graph, new_player, say, settings_for, texts
from tests.live_server import LiveServer
from tests.server.test_console_api import API, add_agents, signed_in
from tests.server.test_handover_wiring import model

__all__ = ["fake", "graph", "model"]  # fixtures, imported for pytest to find

CONSOLE_SECRET = "konsol-oturum-anahtari-otuz-iki-bayttan-uzun"
TRANSFER = "Sizi temsilciye aktarıyorum."
NO_AGENTS = "Şu an çevrimiçi temsilcimiz yok."
JOINED = "Temsilcimiz Ayşe sohbete katıldı."
RATE = "Görüşmemizi 1-5 arası puanlar mısınız?"
THANKS = "Değerlendirmeniz için teşekkürler!"
AGENT_TEXT = "Merhaba, çekiminizi kontrol ediyorum."
PLAYER_TEXT = "Tamam, bekliyorum"
BOT_ANSWER = "Merhaba oyuncu!"  # the test NLU knows greetings, not thanks: its nearest
TIMEOUT = 15
ATTEMPTS = Backoff().attempts  # the server's sender, with its default backoff


@contextmanager
def serve_with_console(root: Path, model: TrainedModel) -> Iterator[LiveServer]:
    """The server of the channel whose credentials.yml is in ``root``, with the console
    and the agent Ayşe (offline) in the store its queue lives in."""
    endpoints = root / "endpoints.yml"
    endpoints.write_text(endpoints.read_text("utf-8").replace("trackers.db", "console.db"), "utf-8")
    add_agents(root, {"login": "ayse", "name": "Ayşe"})
    settings = Settings(
        endpoints=endpoints,
        credentials=root / "credentials.yml",
        console_secret=CONSOLE_SECRET,  # type: ignore[arg-type]
        enable_api=True,
    )
    with LiveServer(create_app(settings, model)) as server:
        yield server


def events(server: LiveServer, sender: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.url}/conversations/{sender}/tracker", timeout=30)
    found: list[dict[str, Any]] = response.json()["events"]
    return found


def wait_until(check: Callable[[], bool], what: str) -> None:
    """Poll ``check`` against a deadline (the desk delivers after its step is stored)."""
    deadline = time.monotonic() + TIMEOUT
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)  # the poll's interval, not a wait for an event


@contextmanager
def console_socket(server: LiveServer, console: httpx.Client, sender: str) -> Iterator[Connection]:
    """The console's live socket, watching ``sender``'s conversation."""
    cookie = {"Cookie": f"destek_console={console.cookies['destek_console']}"}
    url = server.url.replace("http", "ws") + "/console/ws"
    with connect(url, additional_headers=cookie) as ws:
        ws.send(json.dumps({"type": "watch", "sender_ids": [sender]}))
        while _frame(ws)["type"] != "watching":
            pass
        yield ws


def _frame(ws: Connection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
    return frame


def hears_delivery_failed(ws: Connection) -> None:
    while (frame := _frame(ws))["type"] != "conversation" or frame["kind"] != "delivery_failed":
        pass


def take_and_write(console: httpx.Client, sender: str) -> str:
    """Ayşe comes online (the queue gives her the chat) and writes; the chat's URL."""
    assert console.put(f"{API}/me/status", json={"status": "online"}).status_code == 200
    chat = f"{API}/conversations/{sender}"
    wait_until(lambda: console.get(chat).json()["entry"] is not None, "not assigned")
    assert console.post(f"{chat}/messages", json={"text": AGENT_TEXT}).status_code == 204
    return chat


def reached_the_agent(server: LiveServer, console: httpx.Client, chat: str, text: str) -> bool:
    """``text`` is a user event in the tracker and a player line in the console's view."""
    sender = chat.rsplit("/", 1)[-1]
    users = [e.get("text") for e in events(server, sender) if e["event"] == "user"]
    history = console.get(chat).json()["history"]
    lines = [item["text"] for item in history if item["kind"] == "player"]
    return text in users and text in lines


# ---- Telegram --------------------------------------------------------------------------


def telegram_says(server: LiveServer, update: dict[str, Any]) -> None:
    response = httpx.post(
        server.url + WEBHOOK, json=update, headers={SECRET_HEADER: SECRET}, timeout=30
    )
    assert response.status_code == 200


def sent(fake: FakeTelegram) -> list[str]:
    return [params["text"] for params in fake.calls_to("sendMessage")]


@pytest.fixture
def telegram_server(
    tmp_path: Path, model: TrainedModel, fake: FakeTelegram
) -> Iterator[LiveServer]:
    telegram_settings(tmp_path, fake)  # its credentials.yml: webhook mode, the secret
    with serve_with_console(tmp_path, model) as server:
        yield server


def test_a_telegram_player_is_handed_to_an_agent_and_back(
    telegram_server: LiveServer, fake: FakeTelegram
) -> None:
    server, sender = telegram_server, f"telegram:{CHAT_ID}"
    telegram_says(server, message_update(1, "/human_handoff"))
    assert sent(fake) == [TRANSFER, NO_AGENTS]  # both before the webhook's 200

    with signed_in(server, "ayse") as ayse:
        chat = take_and_write(ayse, sender)
        fake.wait_for("sendMessage", where=lambda p: p["text"] == AGENT_TEXT)
        assert sent(fake) == [TRANSFER, NO_AGENTS, JOINED, AGENT_TEXT]

        telegram_says(server, message_update(2, PLAYER_TEXT))
        assert len(sent(fake)) == 4  # the bot stays silent while Ayşe has the chat
        assert reached_the_agent(server, ayse, chat, PLAYER_TEXT)

        closed = ayse.post(f"{chat}/close", json={"resolution": "resolved"})
        assert closed.status_code == 204
        [question] = fake.wait_for("sendMessage", where=lambda p: p["text"] == RATE)
    keyboard = question["reply_markup"]
    buttons = [button for row in keyboard["inline_keyboard"] for button in row]
    assert [b["text"] for b in buttons] == ["5", "1"]

    telegram_says(server, callback_update(3, buttons[0]["callback_data"], keyboard))
    assert sent(fake)[-1] == THANKS
    telegram_says(server, message_update(4, "teşekkürler"))
    assert sent(fake)[-1] == BOT_ANSWER  # the bot answers again

    kinds = [e["event"] for e in events(server, sender)]
    for kind in ("handover_requested", "handover_assigned", "agent_uttered", "handover_closed"):
        assert kind in kinds
    [rated] = [e for e in events(server, sender) if e["event"] == "csat"]
    assert rated["score"] == 5


def test_a_bot_api_failing_with_500_leaves_the_agents_message_recorded(
    telegram_server: LiveServer, fake: FakeTelegram
) -> None:
    server, sender = telegram_server, f"telegram:{CHAT_ID}"
    telegram_says(server, message_update(1, "/human_handoff"))
    with signed_in(server, "ayse") as ayse:
        assert ayse.put(f"{API}/me/status", json={"status": "online"}).status_code == 200
        fake.wait_for("sendMessage", where=lambda p: p["text"] == JOINED)
        with console_socket(server, ayse, sender) as ws:
            fake.fail_next("sendMessage", 500, times=ATTEMPTS)  # every attempt is refused
            chat = f"{API}/conversations/{sender}"
            sent_by_agent = ayse.post(f"{chat}/messages", json={"text": AGENT_TEXT})
            assert sent_by_agent.status_code == 204
            hears_delivery_failed(ws)
        said = [e["text"] for e in events(server, sender) if e["event"] == "agent_uttered"]
        assert said == [AGENT_TEXT]
        assert sent(fake).count(AGENT_TEXT) == ATTEMPTS  # tried, answered 500 each time

        again = ayse.post(f"{chat}/messages", json={"text": "Tekrar deniyorum."})
        assert again.status_code == 204  # the server carries on: the next one arrives
        fake.wait_for("sendMessage", where=lambda p: p["text"] == "Tekrar deniyorum.")


# ---- WhatsApp --------------------------------------------------------------------------


@pytest.fixture
def whatsapp(
    tmp_path: Path, model: TrainedModel, graph: tuple[FakeGraph, str]
) -> Iterator[tuple[LiveServer, httpx.Client]]:
    settings_for(tmp_path, graph[1])  # its credentials.yml: the app secret, the fake's URL
    with (
        serve_with_console(tmp_path, model) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield server, client


def test_a_whatsapp_player_is_handed_to_an_agent_and_back(
    whatsapp: tuple[LiveServer, httpx.Client], graph: tuple[FakeGraph, str]
) -> None:
    (server, client), meta, player = whatsapp, graph[0], new_player()
    assert say(client, player, "/human_handoff").status_code == 200
    assert texts(meta, player) == [TRANSFER, NO_AGENTS]  # both before the webhook's 200

    with signed_in(server, "ayse") as ayse:
        chat = take_and_write(ayse, f"whatsapp:{player}")
        wait_until(lambda: AGENT_TEXT in texts(meta, player), "the agent's text never came")
        assert texts(meta, player) == [TRANSFER, NO_AGENTS, JOINED, AGENT_TEXT]

        assert say(client, player, PLAYER_TEXT).status_code == 200
        assert len(bodies(meta, player)) == 4  # the bot stays silent while Ayşe has the chat
        assert reached_the_agent(server, ayse, chat, PLAYER_TEXT)

        closed = ayse.post(f"{chat}/close", json={"resolution": "resolved"})
        assert closed.status_code == 204
        wait_until(lambda: len(bodies(meta, player)) == 5, "no rating question")
    question = bodies(meta, player)[-1]["interactive"]
    assert question["type"] == "button" and question["body"] == {"text": RATE}
    assert [b["reply"]["title"] for b in question["action"]["buttons"]] == ["5", "1"]

    assert say(client, player, "5").status_code == 200
    assert texts(meta, player)[-1] == THANKS
    assert say(client, player, "teşekkürler").status_code == 200
    assert bodies(meta, player)[-1]["interactive"]["body"] == {"text": BOT_ANSWER}

    [rated] = [e for e in events(server, f"whatsapp:{player}") if e["event"] == "csat"]
    assert rated["score"] == 5


def test_graph_refusing_outside_the_24_hour_window_leaves_the_step_recorded(
    whatsapp: tuple[LiveServer, httpx.Client], graph: tuple[FakeGraph, str]
) -> None:
    (server, client), meta, player = whatsapp, graph[0], new_player()
    assert say(client, player, "/human_handoff").status_code == 200
    with signed_in(server, "ayse") as ayse:
        assert ayse.put(f"{API}/me/status", json={"status": "online"}).status_code == 200
        wait_until(lambda: JOINED in texts(meta, player), "never assigned")
        with console_socket(server, ayse, f"whatsapp:{player}") as ws:
            meta.fail_next(400, code=131047)
            chat = f"{API}/conversations/whatsapp:{player}"
            assert ayse.post(f"{chat}/messages", json={"text": AGENT_TEXT}).status_code == 204
            hears_delivery_failed(ws)
        said = [
            e["text"] for e in events(server, f"whatsapp:{player}") if e["event"] == "agent_uttered"
        ]
        assert said == [AGENT_TEXT]
        assert AGENT_TEXT not in texts(meta, player)

        assert say(client, player, PLAYER_TEXT).status_code == 200  # the player writes again
        assert reached_the_agent(server, ayse, chat, PLAYER_TEXT)
        assert ayse.post(f"{chat}/messages", json={"text": "Şimdi ulaştı."}).status_code == 204
        wait_until(lambda: "Şimdi ulaştı." in texts(meta, player), "not delivered after")
