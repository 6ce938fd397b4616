"""Messages outside a turn reach a WhatsApp player through the fake Graph API; outside
the 24-hour customer service window WhatsApp's refusal is a clear, named error."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from bot.model_storage import TrainedModel
from bot.server import create_app
from tests.connectors.fake_graph import FakeGraph
from tests.connectors.outbound_route import deliver, with_deliver_route
from tests.connectors.test_whatsapp import model, new_player, say, settings_for, texts, user_texts
from tests.live_server import LiveServer

__all__ = ["model"]

AGENT = {"text": "Merhaba, ben Ayşe. Çekiminizi kontrol ediyorum."}


@pytest.fixture(scope="module")
def graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()
    with LiveServer(fake.app) as server:
        yield fake, server.url


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, model: TrainedModel, graph: tuple[FakeGraph, str]
) -> Iterator[str]:
    settings = settings_for(tmp_path_factory.mktemp("whatsapp-outbound"), graph[1])
    with LiveServer(with_deliver_route(create_app(settings, model))) as live:
        yield live.url


@pytest.fixture
def fake(graph: tuple[FakeGraph, str]) -> FakeGraph:
    graph[0].reset()
    return graph[0]


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def test_an_agents_message_reaches_the_players_number(
    server: str, http: httpx.Client, fake: FakeGraph
) -> None:
    player = new_player()
    say(http, player, "merhaba")
    rating = {"text": "Görüşmemizi puanlar mısınız?",
              "buttons": [{"title": "5", "payload": '/csat{"score": 5}'}]}  # fmt: skip
    assert deliver(server, f"whatsapp:{player}", AGENT, rating).json() == {"channel": "whatsapp"}
    assert texts(fake, player)[-1] == AGENT["text"]
    [buttons] = [b for b in fake.delivered if b["to"] == player and b["type"] == "interactive"]
    assert buttons["interactive"]["action"]["buttons"][0]["reply"]["id"] == '/csat{"score": 5}'


def test_outside_the_24_hour_window_the_refusal_is_named_and_logged(
    server: str, http: httpx.Client, fake: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    player = new_player()
    say(http, player, "merhaba")
    fake.fail_next(400, code=131047)  # Meta's "re-engagement message" refusal
    with caplog.at_level(logging.ERROR, logger="connectors.whatsapp"):
        response = deliver(server, f"whatsapp:{player}", AGENT)
    assert response.status_code == 502
    assert response.json()["error"] == "OutsideServiceWindow"
    assert "24-hour" in response.json()["message"] and player not in response.json()["message"]
    assert "last wrote over 24 hours ago" in caplog.text and player not in caplog.text
    assert [c.status for c in fake.calls][-1] == 400  # not retried
    assert user_texts(http, player) == ["merhaba"]


def test_a_graph_api_that_stays_down_is_a_delivery_error(
    server: str, http: httpx.Client, fake: FakeGraph
) -> None:
    player = new_player()
    say(http, player, "merhaba")
    fake.fail_next(500, times=3)
    response = deliver(server, f"whatsapp:{player}", AGENT)
    assert (response.status_code, response.json()["error"]) == (502, "GraphUnavailable")
    assert AGENT["text"] not in texts(fake, player)
