"""Rate limits in the real app (issue 12, finding 7: there were none): what a player
over the limit is told, and that every message answered 200 is in the tracker."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.errors import ConfigError
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from tests.dialogue.engine_project import train_project
from tests.live_server import LiveServer

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    core = train_project(tmp_path_factory.mktemp("rate-project"))
    return TrainedModel(trained_light_pipeline, core=core)


def _settings(root: Path, sections: str = "") -> Settings:
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n{sections}",
        encoding="utf-8",
    )
    return Settings(endpoints=endpoints, credentials=root / "none.yml")


def test_a_flooding_sender_is_refused_politely_and_nothing_answered_is_lost(
    tmp_path: Path, model: TrainedModel
) -> None:
    app = create_app(_settings(tmp_path), model)  # no rate_limits section: the defaults
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        answered: list[str] = []
        refused: httpx.Response | None = None
        for n in range(150):
            text = f"merhaba {n}"
            response = http.post(WEBHOOK, json={"sender": "seli", "message": text})
            if response.status_code == 429:
                refused = response
                break
            assert response.status_code == 200
            answered.append(text)
        assert refused is not None, "150 messages at once from one sender were all taken"
        assert 60 <= len(answered) < 100  # the burst, and what refilled meanwhile
        assert 1 <= int(refused.headers["Retry-After"]) <= 2
        assert refused.json()["reason"] == "TooManyRequests"
        assert http.post(WEBHOOK, json={"sender": "other", "message": "selam"}).status_code == 200
        events = http.get("/conversations/seli/tracker").json()["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == answered


def test_the_section_in_endpoints_yml_sets_the_limits(tmp_path: Path, model: TrainedModel) -> None:
    sections = (
        "rate_limits:\n  exempt: []\n  per_ip: {per_minute: 60, burst: 3}\n"
        "  per_sender: {per_minute: 60, burst: 50}\n"
    )
    app = create_app(_settings(tmp_path, sections), model)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        codes = [
            http.post(WEBHOOK, json={"sender": f"p{n}", "message": "selam"}).status_code
            for n in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        for _ in range(10):
            assert http.get("/health").status_code in (200, 503)
            assert http.get("/version").status_code == 200


def test_a_malformed_section_stops_the_server_naming_the_key(
    tmp_path: Path, model: TrainedModel
) -> None:
    settings = _settings(tmp_path, "rate_limits:\n  per_sender: {per_minute: -1, burst: 5}\n")
    with pytest.raises(ConfigError, match=r"rate_limits\.per_sender\.per_minute"):
        create_app(settings, model)
