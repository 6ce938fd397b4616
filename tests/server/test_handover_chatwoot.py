"""``live_agents: {type: chatwoot}`` in endpoints.yml: a handed-over conversation opens in
a (fake) Chatwoot inbox, and the agent's reply and resolution come back through the
server's signed webhook into the player's conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.model_storage import TrainedModel
from bot.server import create_app
from bot.settings import Settings
from tests.connectors.fake_chatwoot import FakeChatwoot
from tests.live_server import LiveServer
from tests.server.test_handover_wiring import model  # noqa: F401  (the module's trained bot)
from tests.store.conftest import postgres_admin, postgres_url

__all__ = ["postgres_admin", "postgres_url"]

TOKEN = "chatwoot-api-token"
SECRET = "chatwoot-webhook-secret"


@pytest.fixture(scope="module")
def chatwoot() -> Iterator[tuple[FakeChatwoot, str]]:
    fake = FakeChatwoot(token=TOKEN)
    with LiveServer(fake.app) as served:
        yield fake, served.url


def _settings(root: Path, chatwoot_url: str) -> Settings:
    (root / "credentials.yml").write_text("rest:\n", "utf-8")
    (root / "endpoints.yml").write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n"
        "live_agents:\n  type: chatwoot\n"
        f"  url: {chatwoot_url}\n  account_id: 1\n  inbox_id: 4\n"
        f"  api_access_token: {TOKEN}\n  webhook_secret: {SECRET}\n  retry_backoff: 0.01\n",
        "utf-8",
    )
    return Settings(
        endpoints=root / "endpoints.yml", credentials=root / "credentials.yml", enable_api=True
    )


def _events(server: LiveServer, sender: str) -> list[dict[str, Any]]:
    tracker = httpx.get(f"{server.url}/conversations/{sender}/tracker", timeout=30).json()
    events: list[dict[str, Any]] = tracker["events"]
    return events


@pytest.mark.anyio
async def test_a_player_handed_to_chatwoot_hears_its_agent_through_the_webhook(
    tmp_path: Path,
    model: TrainedModel,  # noqa: F811
    chatwoot: tuple[FakeChatwoot, str],
) -> None:
    fake, url = chatwoot
    fake.reset()
    app = create_app(_settings(tmp_path, url), model)
    with LiveServer(app) as server:
        said = httpx.post(
            f"{server.url}/webhooks/rest/webhook",
            json={"sender": "p-cw", "message": "/human_handoff"},
            timeout=30,
        )
        assert said.status_code == 200
        # the conversation is open to Chatwoot's agents, with the player's words in it
        assert any(path.endswith("/toggle_status") for path in fake.paths("POST"))
        (conversation_id,) = fake.conversations
        assert fake.conversations[conversation_id]["status"] == "open"

        fake.agent_reply(conversation_id, "Merhaba, Chatwoot'tan yazıyorum.")
        webhook = f"{server.url}/webhooks/chatwoot/webhook"
        answers = await fake.deliver_outbox(webhook, SECRET)
        assert answers and all(a.status_code == 200 for a in answers)
        agent_lines = [e for e in _events(server, "p-cw") if e["event"] == "agent_uttered"]
        assert [e["text"] for e in agent_lines] == ["Merhaba, Chatwoot'tan yazıyorum."]

        fake.resolve(conversation_id)
        await fake.deliver_outbox(webhook, SECRET)
        assert any(e["event"] == "handover_closed" for e in _events(server, "p-cw"))

        forged = await fake.deliver(webhook, {"event": "message_created"}, "wrong-secret")
        assert forged.status_code == 401


@pytest.mark.anyio
async def test_one_agent_reply_delivered_to_two_workers_and_retried_is_kept_once(
    tmp_path: Path,
    model: TrainedModel,  # noqa: F811
    chatwoot: tuple[FakeChatwoot, str],
    postgres_url: str,
) -> None:
    fake, url = chatwoot
    fake.reset()
    settings = _settings(tmp_path, url)
    endpoints = settings.endpoints.read_text("utf-8")
    sqlite = f"sqlite:///{tmp_path / 'trackers.db'}"
    settings.endpoints.write_text(endpoints.replace(sqlite, f'"{postgres_url}"'), "utf-8")
    with (
        LiveServer(create_app(settings, model)) as one,
        LiveServer(create_app(settings, model)) as two,
    ):
        said = httpx.post(
            f"{one.url}/webhooks/rest/webhook",
            json={"sender": "p-twice", "message": "/human_handoff"},
            timeout=30,
        )
        assert said.status_code == 200
        (conversation_id,) = fake.conversations
        await fake.deliver_outbox(f"{one.url}/webhooks/chatwoot/webhook", SECRET)
        reply = fake.agent_reply(conversation_id, "Merhaba, iki kez gelmesin.")
        hooks = [f"{server.url}/webhooks/chatwoot/webhook" for server in (one, two)]
        for _ in range(2):  # to both workers at once, then Chatwoot's retry
            answers = await asyncio.gather(*(fake.deliver(hook, reply, SECRET) for hook in hooks))
            # one took it; the other found it done, or (still in flight) asks for a retry
            assert sorted(a.status_code for a in answers) in ([200, 200], [200, 503])
        lines = [e["text"] for e in _events(two, "p-twice") if e["event"] == "agent_uttered"]
        assert lines == ["Merhaba, iki kez gelmesin."]
