"""The server's humans, end to end: a web chat player asks for a human, the built-in
queue gives the chat to an agent who comes online, the agent's message and the rating
question reach the player's widget live, and the tracker records every step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from websockets.sync.client import ClientConnection, connect

from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.server.handover_wiring import LiveAgents
from bot.settings import Settings
from bot.store.queue_base import Agent
from bot.workbench.training import train_core
from connectors.webchat.relay import new_session_id
from tests.connectors.webchat_fixtures import conversation_of
from tests.dialogue.engine_project import DOMAIN, write_project
from tests.handover.conftest import HANDOVER_DOMAIN
from tests.live_server import LiveServer

TIMEOUT = 15


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    root = tmp_path_factory.mktemp("handover-project")
    write_project(root)
    (root / "domain").mkdir()
    (root / "domain" / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (root / "domain" / "handover.yml").write_text(HANDOVER_DOMAIN, encoding="utf-8")
    core = train_core(
        read_config(root / "config.yml"),
        read_domain(root / "domain"),
        load_stories([root / "data"]),
    )
    return TrainedModel(trained_light_pipeline, core=core)


def _settings(root: Path, live_agents: str = "") -> Settings:
    (root / "credentials.yml").write_text("rest:\nwebchat:\n  typing_min_ms: 0\n", "utf-8")
    (root / "endpoints.yml").write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n{live_agents}",
        "utf-8",
    )
    return Settings(
        endpoints=root / "endpoints.yml", credentials=root / "credentials.yml", enable_api=True
    )


def _with_agent_route(app: FastAPI) -> FastAPI:
    """``POST /test/agent {"do", "agent", "sender", "text"?}``: what the console will call."""

    async def act(request: Request) -> dict[str, str]:
        body = await request.json()
        live: LiveAgents = request.app.state.live_agents
        actions = live.connector.agents  # type: ignore[attr-defined]
        if body["do"] == "online":
            await live.store.add_agent(Agent(body["agent"], body["agent"], body["agent"].title()))
            await actions.set_status(body["agent"], "online")
        elif body["do"] == "message":
            await actions.agent_message(body["sender"], body["agent"], body["text"])
        else:
            await actions.close(body["sender"], body["agent"], "resolved")
        return {"status": "ok"}

    app.add_api_route("/test/agent", act, methods=["POST"])
    return app


@pytest.fixture
def server(tmp_path: Path, model: TrainedModel) -> Iterator[LiveServer]:
    with LiveServer(_with_agent_route(create_app(_settings(tmp_path), model))) as live:
        yield live


def _recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
    return frame


def _bot_text(ws: ClientConnection) -> str:
    while True:
        frame = _recv(ws)
        if frame["type"] == "bot":
            return str(frame["message"].get("text"))


def _agent(server: LiveServer, **body: str) -> None:
    assert httpx.post(server.url + "/test/agent", json=body, timeout=30).status_code == 200


def test_a_widget_player_hears_the_agent_and_the_rating_question(server: LiveServer) -> None:
    session = new_session_id()
    chat = conversation_of(session)
    with connect(server.url.replace("http", "ws") + "/webhooks/webchat/ws") as ws:
        ws.send(json.dumps({"type": "hello", "session_id": session}))
        assert _recv(ws)["type"] == "session"
        ws.send(json.dumps({"type": "message", "text": "/human_handoff", "message_id": "h1"}))
        assert _bot_text(ws) == "Sizi temsilciye aktarıyorum."
        assert _bot_text(ws) == "Şu an çevrimiçi temsilcimiz yok."  # out of turn, from the queue

        _agent(server, do="online", agent="ali")
        assert _bot_text(ws) == "Temsilcimiz Ali sohbete katıldı."
        _agent(server, do="message", agent="ali", sender=chat, text="Merhaba, bakıyorum.")
        assert _bot_text(ws) == "Merhaba, bakıyorum."
        _agent(server, do="close", agent="ali", sender=chat)
        assert _bot_text(ws) == "Görüşmemizi 1-5 arası puanlar mısınız?"

    tracker = httpx.get(f"{server.url}/conversations/{chat}/tracker", timeout=30).json()
    kinds = [e["event"] for e in tracker["events"]]
    for kind in ("handover_requested", "handover_assigned", "agent_uttered", "handover_closed"):
        assert kind in kinds


def test_an_unknown_live_agents_type_stops_the_server_with_one_line(
    tmp_path: Path, model: TrainedModel
) -> None:
    settings = _settings(tmp_path, "live_agents:\n  type: zendesk\n")
    with pytest.raises(ConfigError, match="unknown live_agents type 'zendesk'"):
        create_app(settings, model)


def test_what_is_sent_while_no_tab_is_open_is_kept_and_shown_on_return(
    server: LiveServer,
) -> None:
    session = new_session_id()
    chat = conversation_of(session)
    url = server.url.replace("http", "ws") + "/webhooks/webchat/ws"
    with connect(url) as ws:
        ws.send(json.dumps({"type": "hello", "session_id": session}))
        assert _recv(ws)["type"] == "session"
        ws.send(json.dumps({"type": "message", "text": "/human_handoff", "message_id": "h1"}))
        while _recv(ws)["type"] != "ack":
            pass
    _agent(server, do="online", agent="veli")
    _agent(server, do="message", agent="veli", sender=chat, text="Hâlâ orada mısınız?")
    _agent(server, do="close", agent="veli", sender=chat)

    with connect(url) as ws:
        ws.send(json.dumps({"type": "hello", "session_id": session}))
        history = [line.get("text") for line in _recv(ws)["history"]]
    assert "Temsilcimiz Veli sohbete katıldı." in history
    assert history[-1] == "Görüşmemizi 1-5 arası puanlar mısınız?"
    tracker = httpx.get(f"{server.url}/conversations/{chat}/tracker", timeout=30).json()
    said = [e["text"] for e in tracker["events"] if e["event"] == "agent_uttered"]
    assert said == ["Hâlâ orada mısınız?"]
