"""The server while PostgreSQL or Redis goes away and comes back.

The app talks to the machine's PostgreSQL and Redis through loopback proxies that the
test cuts and restores. While a store is away a message is refused with a 503 and
Retry-After (it was not stored, so it was not acknowledged, and the sender retries);
once the store is back the next message is answered, and the conversation holds every
message that was answered, none twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from bot.store.redis_connection import RedisEndpoint
from tests.dialogue.engine_project import train_project
from tests.store.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio
WEBHOOK = "/webhooks/rest/webhook"


@dataclass
class Rig:
    http: httpx.AsyncClient
    database: TcpProxy
    redis: TcpProxy


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return TrainedModel(trained_light_pipeline, core=train_project(tmp_path_factory.mktemp("o")))


@pytest.fixture
async def rig(
    tmp_path: Path,
    model: TrainedModel,
    postgres_url: str,
    redis_endpoint: RedisEndpoint,
    key_prefix: str,
) -> AsyncIterator[Rig]:
    url = make_url(postgres_url)
    async with (
        TcpProxy(url.host or "127.0.0.1", url.port or 5432) as database,
        TcpProxy(redis_endpoint.host, redis_endpoint.port) as redis,
    ):
        proxied = url.set(host="127.0.0.1", port=database.port)
        (tmp_path / "endpoints.yml").write_text(
            f'tracker_store:\n  type: sql\n  url: "{proxied.render_as_string(False)}"\n'
            f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {redis.port}\n"
            f"  db: {redis_endpoint.db}\n  key_prefix: {key_prefix}\n  timeout: 2\n"
            f"  socket_timeout: 1\n",
            encoding="utf-8",
        )
        (tmp_path / "credentials.yml").write_text("rest:\n", encoding="utf-8")
        settings = Settings(
            endpoints=tmp_path / "endpoints.yml", credentials=tmp_path / "credentials.yml"
        )
        app = create_app(settings, model)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bot") as http,
        ):
            yield Rig(http, database, redis)


async def say(rig: Rig, text: str) -> httpx.Response:
    return await rig.http.post(WEBHOOK, json={"sender": "p", "message": text}, timeout=30)


async def user_texts(rig: Rig) -> list[str]:
    events = (await rig.http.get("/conversations/p/tracker")).json()["events"]
    return [e["text"] for e in events if e["event"] == "user"]


async def test_postgresql_going_away_and_coming_back(rig: Rig) -> None:
    assert (await say(rig, "merhaba")).status_code == 200
    rig.database.cut()
    refused = await say(rig, "teşekkürler")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert "retry" in refused.json()["message"]
    rig.database.restore()
    answered = await say(rig, "/thank")
    assert answered.status_code == 200
    assert answered.json()[0]["text"] == "Rica ederim."
    assert await user_texts(rig) == ["merhaba", "/thank"]


async def test_redis_going_away_and_coming_back(rig: Rig) -> None:
    assert (await say(rig, "merhaba")).status_code == 200
    rig.redis.cut()
    refused = await say(rig, "/thank")
    assert refused.status_code == 503
    rig.redis.restore()
    assert (await say(rig, "/thank")).json()[0]["text"] == "Rica ederim."
    assert await user_texts(rig) == ["merhaba", "/thank"]
